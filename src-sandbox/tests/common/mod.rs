//! Shared helpers of the sandbox's HTTP tests: start one, sign assertions, get tokens.
#![allow(dead_code)]

use console_sandbox::{start, Config, Running, DEMO_ISSUER, DEMO_KID, DEMO_PRIVATE_KEY_PEM};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

pub const GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

pub async fn sandbox() -> Running {
    sandbox_on(":memory:").await
}

pub async fn sandbox_on(db: &str) -> Running {
    start(Config { control: true, ..Config::new("127.0.0.1:0".parse().expect("addr"), db) })
        .await
        .expect("sandbox starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// An ES256 assertion signed with the demo key, with the given claims and kid.
pub fn assertion_with(claims: &Value, kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = kid.map(str::to_string);
    let key = EncodingKey::from_ec_pem(DEMO_PRIVATE_KEY_PEM.as_bytes()).expect("demo key");
    encode(&header, claims, &key).expect("sign")
}

pub fn good_claims() -> Value {
    json!({ "iss": DEMO_ISSUER, "sub": DEMO_ISSUER, "exp": now() + 600, "iat": now(),
            "aud": "https://api.d1.thalescloud.io/authz/v1" })
}

pub fn good_assertion() -> String {
    assertion_with(&good_claims(), Some(DEMO_KID))
}

pub async fn token_response(s: &Running, form: &[(&str, &str)]) -> (u16, Value) {
    let r = client()
        .post(format!("{}/authz/v1/oauth2/token", s.base_url()))
        .form(form)
        .send()
        .await
        .expect("send");
    let status = r.status().as_u16();
    (status, r.json().await.expect("json body"))
}

/// A valid access token of DEMOISSUER.
pub async fn token(s: &Running) -> String {
    let assertion = good_assertion();
    let (status, body) = token_response(s, &[("grant_type", GRANT), ("assertion", &assertion)]).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("access_token").to_string()
}

pub fn ops_url(s: &Running, consumer: &str) -> String {
    format!("{}/banking/v1/issuers/{DEMO_ISSUER}/consumers/{consumer}/operations", s.base_url())
}

pub async fn get_json(url: &str, token: &str) -> (u16, Value) {
    let r = client().get(url).bearer_auth(token).send().await.expect("send");
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(Value::Null);
    (status, body)
}

pub async fn post_json(url: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = client().post(url).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("send");
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// The `error` text of an `{"error"}` body, failing if the body is not that shape.
pub fn error_text(body: &Value) -> &str {
    body.get("error").and_then(Value::as_str).unwrap_or_else(|| panic!("not an {{\"error\"}} body: {body}"))
}

pub fn temp_db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("console-sandbox-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("sandbox.db")
}

pub mod flow;
pub mod apiture;
