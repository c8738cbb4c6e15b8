//! An upstream that answers a redirect, against a local server: the link never follows it (a 307/308 would
//! replay a write, or the token request with the console's client secret, somewhere nobody configured),
//! and the caller gets an error that says the upstream answered a redirect, which was not followed.

mod mas_common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::{Json, Router};
use console_api::d1_client::CorrelationId;
use console_api::mas_client::MasError;
use console_api::transport::TransportError;
use serde_json::json;

const ACCOUNT: &str = "0a0a0a0a-0000-4000-8000-000000000001";
const CUSTOMER: &str = "a11ce000-0000-4000-8000-000000000001";

#[derive(Default)]
struct Fake {
    tokens: AtomicUsize,
    /// Requests that reached where a redirect pointed.
    followed: AtomicUsize,
}

async fn token(State(f): State<Arc<Fake>>) -> Response {
    f.tokens.fetch_add(1, Ordering::SeqCst);
    Json(json!({"access_token": "token-1", "token_type": "Bearer", "expires_in": 600})).into_response()
}

fn redirect(status: StatusCode, to: &'static str) -> Response {
    (status, [(header::LOCATION, to)]).into_response()
}

async fn followed(State(f): State<Arc<Fake>>) -> Response {
    f.followed.fetch_add(1, Ordering::SeqCst);
    Json(json!({"account_id": ACCOUNT})).into_response()
}

async fn fake_masstack(fake: Arc<Fake>) -> SocketAddr {
    let app = Router::new()
        .route("/oauth/token", post(token))
        // A token endpoint that moved: the client secret must not follow it.
        .route("/moved-token", post(|| async { redirect(StatusCode::TEMPORARY_REDIRECT, "/elsewhere/oauth/token") }))
        .route(&format!("/v4/orgs/telco/accounts/{ACCOUNT}"), get(|| async { redirect(StatusCode::FOUND, "/elsewhere/account") }))
        .route(
            &format!("/v4/orgs/telco/customers/{CUSTOMER}/accounts/{ACCOUNT}"),
            delete(|| async { redirect(StatusCode::PERMANENT_REDIRECT, "/elsewhere/delete") }),
        )
        .route("/elsewhere/{*rest}", any(followed))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}

fn cid() -> CorrelationId {
    CorrelationId::parse("test-redirects").expect("cid")
}

/// The redirect's error: says a redirect was answered and not followed, with its status and target.
#[track_caller]
fn says_redirect_not_followed(e: &MasError, status: &str, to: &str) {
    match e {
        MasError::Transport(TransportError::Other(text)) => {
            for words in ["answered a redirect", "does not follow", status, to] {
                assert!(text.contains(words), "{words:?} missing from: {text}");
            }
        }
        other => panic!("not a redirect error: {other:?}"),
    }
}

#[tokio::test]
async fn a_redirected_read_or_write_is_an_error_and_is_not_followed() {
    let fake = Arc::new(Fake::default());
    let mas = mas_common::link(fake_masstack(fake.clone()).await, "/oauth/token");
    let e = mas.client(&cid()).get_account(ACCOUNT).await.unwrap_err();
    says_redirect_not_followed(&e, "302", "/elsewhere/account");
    assert!(e.to_string().contains("MasStack"), "names the upstream: {e}");
    // A 308 on a DELETE would replay the delete at the new place.
    let e = mas.client(&cid()).delete_account(CUSTOMER, ACCOUNT).await.unwrap_err();
    says_redirect_not_followed(&e, "308", "/elsewhere/delete");
    assert_eq!(fake.followed.load(Ordering::SeqCst), 0, "no request went where the redirects pointed");
    assert_eq!(fake.tokens.load(Ordering::SeqCst), 1, "a redirect is not a refused token: no renewal");
}

#[tokio::test]
async fn a_redirected_token_request_keeps_the_client_secret_and_sends_nothing() {
    let fake = Arc::new(Fake::default());
    let mas = mas_common::link(fake_masstack(fake.clone()).await, "/moved-token");
    let e = mas.client(&cid()).get_account(ACCOUNT).await.unwrap_err();
    says_redirect_not_followed(&e, "307", "/elsewhere/oauth/token");
    assert!(e.to_string().contains("MasStack's token endpoint"), "{e}");
    assert_eq!(fake.followed.load(Ordering::SeqCst), 0, "the token request was not replayed elsewhere");
}
