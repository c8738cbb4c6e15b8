//! Drives the authorization server as a browser and a client would: the sign-in page, the form, the
//! redirect, the token endpoint. Nothing is shortcut: every step is real HTTP.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use console_sandbox::{Running, AUTH_KID, AUTH_PRIVATE_KEY_PEM, DEMO_API_KEY, DEMO_PASSWORD, GATEWAY_CLIENT_ID, GATEWAY_CLIENT_SECRET};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const GATEWAY_REDIRECT: &str = "http://127.0.0.1:8080/auth/callback";

/// A client that does not follow redirects, so that tests see the 303 and its Location.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// A fresh PKCE pair `(verifier, S256 challenge)`.
pub fn pkce() -> (String, String) {
    let verifier = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub fn authorize_url(s: &Running, params: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&format!("{}/oauth2/authorize", s.auth_issuer())).expect("url");
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

/// The standard request of the gateway for `challenge`.
pub fn gateway_request<'a>(challenge: &'a str, state: &'a str, scope: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("response_type", "code"),
        ("client_id", GATEWAY_CLIENT_ID),
        ("redirect_uri", GATEWAY_REDIRECT),
        ("scope", scope),
        ("state", state),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
}

/// GETs the sign-in page (asserting it is the form), then POSTs it with `username`/`password`, as a
/// browser does with the page's hidden fields. Returns the POST's response.
pub async fn sign_in(s: &Running, params: &[(&str, &str)], username: &str, password: &str) -> reqwest::Response {
    let page = browser().get(authorize_url(s, params)).send().await.expect("GET authorize");
    assert_eq!(page.status(), 200, "the sign-in page");
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("form-action"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("<title>Sandbox bank — sign in</title>"), "{html}");
    assert!(html.contains(r#"<input id="username" name="username""#), "{html}");
    assert!(html.contains(r#"<input id="password" name="password" type="password""#), "{html}");
    assert!(html.contains(r#"<button id="sign-in" type="submit">Sign in</button>"#), "{html}");
    let mut form: Vec<(&str, &str)> = params.to_vec();
    form.push(("username", username));
    form.push(("password", password));
    browser()
        .post(format!("{}/oauth2/authorize", s.auth_issuer()))
        .form(&form)
        .send()
        .await
        .expect("POST authorize")
}

/// The query of a 303's Location (asserting it goes to `redirect_uri`).
pub fn redirected(r: &reqwest::Response, redirect_uri: &str) -> HashMap<String, String> {
    assert_eq!(r.status(), 303, "expected a redirect");
    let location = r.headers()["location"].to_str().expect("location").to_string();
    let url = url::Url::parse(&location).expect("absolute location");
    let mut base = url.clone();
    base.set_query(None);
    assert_eq!(base.as_str(), redirect_uri, "{location}");
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// POSTs to the token endpoint; `basic` authenticates with client_secret_basic.
pub async fn token_call(s: &Running, form: &[(&str, &str)], basic: Option<(&str, &str)>) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = browser().post(format!("{}/oauth2/token", s.auth_issuer())).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let r = req.send().await.expect("token");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.json().await.unwrap_or(Value::Null))
}

pub const GATEWAY: Option<(&str, &str)> = Some((GATEWAY_CLIENT_ID, GATEWAY_CLIENT_SECRET));

/// A code for `username` through the gateway client, and its verifier.
pub async fn code_for(s: &Running, username: &str, scope: &str) -> (String, String) {
    let (verifier, challenge) = pkce();
    let r = sign_in(s, &gateway_request(&challenge, "st", scope), username, DEMO_PASSWORD).await;
    let q = redirected(&r, GATEWAY_REDIRECT);
    assert_eq!(q.get("state").map(String::as_str), Some("st"));
    (q.get("code").expect("code").clone(), verifier)
}

pub async fn exchange(s: &Running, code: &str, verifier: &str) -> (u16, Value) {
    let form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", GATEWAY_REDIRECT), ("code_verifier", verifier)];
    let (status, _, body) = token_call(s, &form, GATEWAY).await;
    (status, body)
}

/// Signs in `username` through the gateway and returns the token response.
pub async fn login(s: &Running, username: &str, scope: &str) -> Value {
    let (code, verifier) = code_for(s, username, scope).await;
    let (status, body) = exchange(s, &code, &verifier).await;
    assert_eq!(status, 200, "{body}");
    body
}

pub async fn refresh(s: &Running, refresh_token: &str) -> (u16, Value) {
    let (status, _, body) = token_call(s, &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)], GATEWAY).await;
    (status, body)
}

pub async fn revoke(s: &Running, token: &str) -> u16 {
    browser()
        .post(format!("{}/oauth2/revoke", s.auth_issuer()))
        .basic_auth(GATEWAY_CLIENT_ID, Some(GATEWAY_CLIENT_SECRET))
        .form(&[("token", token)])
        .send()
        .await
        .expect("revoke")
        .status()
        .as_u16()
}

/// The claims of a JWT, unverified (tests verify separately).
pub fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("json")
}

/// A token signed with the sandbox's own auth key (as a forger holding the key would).
pub fn forge(claims: &Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(AUTH_KID.into());
    encode(&header, claims, &EncodingKey::from_ec_pem(AUTH_PRIVATE_KEY_PEM.as_bytes()).unwrap()).unwrap()
}

/// GET an Apiture-style API with a token and the API key (either may be left out).
pub async fn apiture_get(s: &Running, path: &str, token: Option<&str>, api_key: Option<&str>) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = browser().get(format!("{}{path}", s.base_url()));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(k) = api_key {
        req = req.header("API-Key", k);
    }
    let r = req.send().await.expect("send");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.json().await.unwrap_or(Value::Null))
}

pub async fn consents_get(s: &Running, path: &str, token: &str) -> (u16, Value) {
    let (status, _, body) = apiture_get(s, path, Some(token), Some(DEMO_API_KEY)).await;
    (status, body)
}

pub fn access(body: &Value) -> String {
    body["access_token"].as_str().expect("access_token").to_string()
}
