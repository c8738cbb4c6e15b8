//! What the desktop tests share: the test playing the system browser at the sandbox's sign-in form.

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).no_proxy().build().unwrap()
}

/// A browser: the sign-in form filled as `username`, then the redirect followed wherever it leads.
pub async fn play_browser(authorize_url: String, username: &str) -> (u16, String) {
    let http = no_redirects();
    let form_page = http.get(&authorize_url).send().await.expect("the sign-in page");
    assert_eq!(form_page.status().as_u16(), 200, "{}", form_page.text().await.unwrap_or_default());
    let url = url::Url::parse(&authorize_url).unwrap();
    let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    form.push(("username".into(), username.into()));
    form.push(("password".into(), console_sandbox::DEMO_PASSWORD.into()));
    let mut action = url.clone();
    action.set_query(None);
    let posted = http.post(action).form(&form).send().await.expect("POST the sign-in form");
    assert_eq!(posted.status().as_u16(), 303);
    let back = posted.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with("http://127.0.0.1:") && back.contains("/callback/"), "back to the app's listener: {back}");
    let page = http.get(&back).send().await.expect("the app's listener answers");
    (page.status().as_u16(), page.text().await.unwrap())
}

