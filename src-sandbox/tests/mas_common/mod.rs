//! Shared helpers of the MasCustomers tests (`mas_*.rs`): a sandbox with its control API, MasStack tokens,
//! the demo ids, and requests that answer the status, the JSON body and the headers.
#![allow(dead_code)]

use console_sandbox::{start, Config, Running, MAS_CLIENT_ID, MAS_CLIENT_SECRET};
use serde_json::Value;

pub const ORG: &str = "telco";
/// Alice: a POSTPAID account (one ACTIVE, one SCHEDULED, two ended promotions) and a RECURRING_PREPAID
/// one whose only promotion has ended.
pub const ALICE: &str = "a11ce000-0000-4000-8000-000000000001";
pub const ALICE_POSTPAID: &str = "a11ce000-acc1-4000-8000-000000000001";
pub const ALICE_PREPAID: &str = "a11ce000-acc2-4000-8000-000000000001";
pub const ALICE_ACTIVE_PROMO: &str = "a11ce000-b001-4000-9000-000000000000";
pub const ALICE_SCHEDULED_PROMO: &str = "a11ce000-b001-4000-9000-000000000001";
pub const ALICE_ENDED_PROMO: &str = "a11ce000-b001-4000-9000-000000000002";
pub const ALICE_CARD: &str = "a11ce000-cafe-4000-b000-000000000000";
pub const BOB: &str = "b0b00000-0000-4000-8000-000000000002";
pub const BOB_POSTPAID: &str = "b0b00000-acc1-4000-8000-000000000002";
pub const BOB_CARD: &str = "b0b00000-cafe-4000-b000-000000000000";
/// Carol holds three accounts, the most allowed.
pub const CAROL: &str = "ca201000-0000-4000-8000-000000000003";
/// Beatriz Busquets: her first account has 50 promotions and 200 billing addresses.
pub const BEATRIZ: &str = "b5e70000-0000-4000-8000-000000000006";
pub const BEATRIZ_BUSY: &str = "b5e70000-acc1-4000-8000-000000000006";
pub const UNKNOWN: &str = "00000000-0000-4000-8000-00000000dead";
pub const GOOD_IBAN: &str = "DE89 3704 0044 0532 0130 00";

pub async fn sandbox() -> Running {
    start(Config { control: true, ..Config::new("127.0.0.1:0".parse().expect("addr"), ":memory:") })
        .await
        .expect("sandbox starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

pub fn v4(s: &Running, path: &str) -> String {
    format!("{}/masstack/v4/orgs/{ORG}{path}", s.base_url())
}

pub fn account_url(s: &Running, account: &str, rest: &str) -> String {
    v4(s, &format!("/accounts/{account}{rest}"))
}

pub fn customer_url(s: &Running, customer: &str, rest: &str) -> String {
    v4(s, &format!("/customers/{customer}/accounts{rest}"))
}

/// `POST /masstack/oauth/token` with the demo client in the body; the status and JSON body.
pub async fn token_with(s: &Running, form: &[(&str, &str)]) -> (u16, Value) {
    let r = client().post(format!("{}/masstack/oauth/token", s.base_url())).form(form).send().await.expect("send");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// A token of the demo client with `scope` (both scopes when empty).
pub async fn token_scoped(s: &Running, scope: &str) -> String {
    let mut form = vec![("grant_type", "client_credentials"), ("client_id", MAS_CLIENT_ID), ("client_secret", MAS_CLIENT_SECRET)];
    if !scope.is_empty() {
        form.push(("scope", scope));
    }
    let (status, body) = token_with(s, &form).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("access_token").to_string()
}

/// A token with both scopes.
pub async fn token(s: &Running) -> String {
    token_scoped(s, "").await
}

/// One call: the status, the JSON body (Null when none) and the headers.
pub async fn call(
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut request = client().request(method, url);
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    if let Some(b) = body {
        request = request.json(&b);
    }
    let r = request.send().await.expect("send");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null), headers)
}

pub async fn get(url: &str, token: &str) -> (u16, Value) {
    let (status, body, _) = call(reqwest::Method::GET, url, Some(token), None).await;
    (status, body)
}

pub async fn patch(url: &str, token: &str, body: Value) -> (u16, Value) {
    let (status, body, _) = call(reqwest::Method::PATCH, url, Some(token), Some(body)).await;
    (status, body)
}

pub async fn post(url: &str, token: &str, body: Value) -> (u16, Value) {
    let (status, body, _) = call(reqwest::Method::POST, url, Some(token), Some(body)).await;
    (status, body)
}

pub async fn delete(url: &str, token: &str) -> (u16, Value) {
    let (status, body, _) = call(reqwest::Method::DELETE, url, Some(token), None).await;
    (status, body)
}

/// Asserts an ErrorResponse of `status` with `code`, and that its message is there for people.
#[track_caller]
pub fn refused(answer: &(u16, Value), status: u16, code: &str) {
    let (got, body) = answer;
    assert_eq!((*got, body["code"].as_str()), (status, Some(code)), "{body}");
    assert!(!body["message"].as_str().unwrap_or_default().is_empty(), "{body}");
    assert!(body["details"].is_array(), "{body}");
}

/// Today on the sandbox clock (UTC), shifted by `days`, as yyyy-mm-dd.
pub fn day(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}
