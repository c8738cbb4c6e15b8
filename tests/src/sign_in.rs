//! Signing in over plain HTTP, step by step as a browser does it, for the gateway's HTTP tests: the
//! gateway's `/auth/login`, the sandbox's sign-in form, the callback, then `/api/session`.
//!
//! Each step is public so negative tests can stop half way or tamper with one step.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

use crate::{read, DEMO_PASSWORD};

/// A signed-in session as a test sees it: the cookie the browser would hold and the anti-CSRF token the
/// page would send.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub username: String,
    /// `name=value` of the session cookie.
    pub cookie: String,
    pub csrf_token: String,
    /// `/api/session` right after signing in.
    pub session: Value,
    base: String,
    http: reqwest::Client,
}

/// A client that shows redirects instead of following them.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .no_proxy()
        .build()
        .expect("reqwest client builds")
}

/// `name=value` of the first Set-Cookie named `name`.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_string())
        .find(|pair| pair.starts_with(&format!("{name}=")))
}

/// `name=value` of the pending sign-in's cookie (`console_login_<hash of state>`) a `/auth/login` set.
pub fn sign_in_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_string())
        .find(|pair| pair.starts_with("console_login_") || pair.starts_with("__Host-console_login_"))
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers().get(LOCATION).and_then(|v| v.to_str().ok()).map(str::to_string).unwrap_or_else(|| {
        panic!("no Location on a {} answer", r.status())
    })
}

/// Step 1: the gateway at `gateway_url` starts a sign-in. Returns (authorize URL, the sign-in's own
/// cookie as `name=value`). `return_to` goes into the query as it is: encode it first if it needs to be.
pub async fn begin(gateway_url: &str, return_to: &str) -> (String, String) {
    let http = no_redirects();
    let r = http.get(format!("{gateway_url}/auth/login?return_to={return_to}")).send().await.expect("GET /auth/login");
    assert_eq!(r.status().as_u16(), 303, "/auth/login should redirect to the authorization server");
    let binding = sign_in_cookie(&r).expect("the sign-in's cookie");
    (location(&r), binding)
}

/// Step 2: the sign-in form, filled and posted. Returns the redirect back to the gateway (with code and
/// state) or panics with the page when refused.
pub async fn authorize(authorize_url: &str, username: &str, password: &str) -> reqwest::Response {
    let http = no_redirects();
    let page = http.get(authorize_url).send().await.expect("GET authorize");
    assert_eq!(page.status().as_u16(), 200, "the sign-in page");
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("id=\"username\"") && html.contains("id=\"password\""), "not a sign-in form: {html}");
    let url = url::Url::parse(authorize_url).expect("authorize URL");
    let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    form.push(("username".into(), username.into()));
    form.push(("password".into(), password.into()));
    let mut action = url.clone();
    action.set_query(None);
    http.post(action).form(&form).send().await.expect("POST the sign-in form")
}

impl SignedIn {
    /// The whole flow for a demo user at the gateway `gateway_url`.
    pub async fn at(gateway_url: &str, username: &str) -> SignedIn {
        let (authorize_url, binding) = begin(gateway_url, "/").await;
        let r = authorize(&authorize_url, username, DEMO_PASSWORD).await;
        assert_eq!(r.status().as_u16(), 303, "{username} should be let in by the sandbox");
        let callback = location(&r);
        assert!(callback.starts_with(gateway_url), "back to the gateway: {callback}");
        let http = no_redirects();
        let r = http.get(&callback).header(COOKIE, &binding).send().await.expect("GET the callback");
        assert_eq!(r.status().as_u16(), 303, "the callback should sign {username} in");
        let cookie = set_cookie(&r, "console_session").expect("the session cookie");
        let (status, _, session) =
            read(http.get(format!("{gateway_url}/api/session")).header(COOKIE, &cookie).send().await.expect("GET /api/session")).await;
        assert_eq!(status, 200);
        let csrf_token = session["csrfToken"].as_str().expect("a signed-in session has a CSRF token").to_string();
        SignedIn { username: username.into(), cookie, csrf_token, session, base: gateway_url.to_string(), http }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET with the session cookie.
    pub async fn get(&self, path: &str) -> (u16, Option<String>, Value) {
        let r = self.http.get(self.url(path)).header(COOKIE, &self.cookie).send().await;
        read(r.unwrap_or_else(|e| panic!("GET {path}: {e}"))).await
    }

    /// POST JSON with the session cookie and the anti-CSRF token, as the page does.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Option<String>, Value) {
        let r = self
            .http
            .post(self.url(path))
            .header(COOKIE, &self.cookie)
            .header("x-csrf-token", &self.csrf_token)
            .json(body)
            .send()
            .await;
        read(r.unwrap_or_else(|e| panic!("POST {path}: {e}"))).await
    }

    /// A request builder with the cookie only: tests add (or leave out) the rest.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path)).header(COOKIE, &self.cookie)
    }

    /// Signs out as the page does; the status.
    pub async fn sign_out(&self) -> u16 {
        let r = self.request(reqwest::Method::POST, "/auth/logout").header("x-csrf-token", &self.csrf_token).send().await;
        r.expect("POST /auth/logout").status().as_u16()
    }
}
