//! The desktop tests' system browser. The app runs it (`CONSOLE_DESKTOP_BROWSER`) with the authorization
//! URL as its one argument, as it would open the person's browser: it loads the sandbox's sign-in form,
//! signs in as the user named in the file `CONSOLE_E2E_BROWSER_USER_FILE` (the test writes it, and can
//! change who signs in next), and follows the redirect back to the app's loopback listener.
//!
//! A file that says `forge-state:NAME` signs NAME in but comes back with a `state` of its own making, as
//! a forged or replayed return would: the app must refuse it. A file that says `abandon` loads the sign-in
//! page and goes no further, as a person who closes the tab: the log names the app's listener, which the
//! test checks is closed once the sign-in is cancelled.
//!
//! What it did, or why it failed, is appended to `<that file>.log` for the test to show.

use std::io::Write;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let user_file = std::env::var("CONSOLE_E2E_BROWSER_USER_FILE").expect("CONSOLE_E2E_BROWSER_USER_FILE");
    let outcome = match std::env::args().nth(1) {
        Some(url) => sign_in(&url, &user_file).await,
        None => Err("no authorization URL given".into()),
    };
    let line = match &outcome {
        Ok(done) => format!("{done}\n"),
        Err(e) => format!("failed: {e}\n"),
    };
    if let Ok(mut log) = std::fs::OpenOptions::new().create(true).append(true).open(format!("{user_file}.log")) {
        let _ = log.write_all(line.as_bytes());
    }
    std::process::exit(if outcome.is_ok() { 0 } else { 1 });
}

async fn sign_in(authorize_url: &str, user_file: &str) -> Result<String, String> {
    let asked = std::fs::read_to_string(user_file).map_err(|e| format!("{user_file}: {e}"))?.trim().to_string();
    let (user, forge_state) = match asked.strip_prefix("forge-state:") {
        Some(user) => (user.to_string(), true),
        None => (asked, false),
    };
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).no_proxy().build().map_err(|e| e.to_string())?;
    let form_page = http.get(authorize_url).send().await.map_err(|e| format!("the sign-in page: {e}"))?;
    if form_page.status() != 200 {
        return Err(format!("the sign-in page answered {}", form_page.status()));
    }
    let url = url::Url::parse(authorize_url).map_err(|e| e.to_string())?;
    if user == "abandon" {
        let listener = url.query_pairs().find(|(k, _)| k == "redirect_uri").map(|(_, v)| v.into_owned()).unwrap_or_default();
        return Ok(format!("left the sign-in page; the app listened at {listener}"));
    }
    let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    form.push(("username".into(), user.clone()));
    form.push(("password".into(), console_sandbox::DEMO_PASSWORD.into()));
    let mut action = url.clone();
    action.set_query(None);
    let posted = http.post(action).form(&form).send().await.map_err(|e| format!("POST the sign-in form: {e}"))?;
    let back = posted
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .ok_or_else(|| format!("the sign-in form answered {} without a redirect", posted.status()))?
        .to_string();
    let back = if forge_state { with_forged_state(&back)? } else { back };
    let page = http.get(&back).send().await.map_err(|e| format!("the app's listener at {back}: {e}"))?;
    if forge_state {
        return match page.status().as_u16() {
            400 => Ok(format!("forged a return for {user}: the app refused it (400), as it should")),
            other => Err(format!("the app's listener answered {other} to a forged return, not 400")),
        };
    }
    if page.status() != 200 {
        return Err(format!("the app's listener answered {}", page.status()));
    }
    Ok(format!("signed in as {user}"))
}

/// `back` with its `state` replaced by one the app never sent.
fn with_forged_state(back: &str) -> Result<String, String> {
    let mut url = url::Url::parse(back).map_err(|e| format!("{back}: {e}"))?;
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| if k == "state" { (k.into_owned(), "forged-state-0000".to_string()) } else { (k.into_owned(), v.into_owned()) })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    Ok(url.to_string())
}
