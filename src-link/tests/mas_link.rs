//! The MasCustomers link's token and retry policy against a fake MasStack (its token endpoint and one
//! account), on paused time: the client authenticates with HTTP Basic and asks for its scopes; one token
//! serves concurrent callers and is renewed once when MasCustomers refuses it; GETs are retried on 503,
//! writes never; a refused client is `Unauthenticated` with MasStack's own words.

mod mas_common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use console_api::d1_client::CorrelationId;
use console_api::mas_client::MasError;
use console_api::transport::TransportError;
use console_link::mas::MasLink;
use serde_json::json;

const ACCOUNT: &str = "0a0a0a0a-0000-4000-8000-000000000001";
const CUSTOMER: &str = "a11ce000-0000-4000-8000-000000000001";

#[derive(Default)]
struct Fake {
    tokens: AtomicUsize,
    gets: AtomicUsize,
    deletes: AtomicUsize,
    /// GETs answer 503 this many times first.
    fail_gets: AtomicUsize,
    /// GETs answer 401 to `token-1`.
    refuse_first_token: AtomicUsize,
    /// The token endpoint answers 401 invalid_client.
    refuse_client: AtomicUsize,
    /// The Authorization header and form of the last token request.
    last_token_request: Mutex<Option<(String, String)>>,
}

async fn token(State(f): State<Arc<Fake>>, headers: HeaderMap, body: String) -> Response {
    let n = f.tokens.fetch_add(1, Ordering::SeqCst) + 1;
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    *f.last_token_request.lock().unwrap() = Some((auth, body));
    if f.refuse_client.load(Ordering::SeqCst) > 0 {
        let body = json!({"error": "invalid_client", "error_description": "wrong secret for console-mas"});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    // Slow, so that concurrent callers overlap with the one token request.
    tokio::time::sleep(Duration::from_millis(50)).await;
    Json(json!({"access_token": format!("token-{n}"), "token_type": "Bearer", "expires_in": 600, "scope": "accounts:read accounts:write"})).into_response()
}

async fn account(State(f): State<Arc<Fake>>, headers: HeaderMap) -> Response {
    f.gets.fetch_add(1, Ordering::SeqCst);
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if auth == "Bearer token-1" && f.refuse_first_token.load(Ordering::SeqCst) > 0 {
        return (StatusCode::UNAUTHORIZED, Json(json!({"code": "UNAUTHORIZED", "message": "token expired"}))).into_response();
    }
    if f.fail_gets.load(Ordering::SeqCst) > 0 {
        f.fail_gets.fetch_sub(1, Ordering::SeqCst);
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"code": "SERVICE_UNAVAILABLE", "message": "busy"}))).into_response();
    }
    Json(json!({"account_id": ACCOUNT, "customer_id": CUSTOMER, "org_id": "telco", "modality": "POSTPAID",
        "created_at": "2025-01-01T00:00:00Z", "payment_method": {"type": "DIRECT_DEBIT", "details": {"iban": "ES9121000418450200051332"}}}))
    .into_response()
}

async fn close(State(f): State<Arc<Fake>>) -> Response {
    f.deletes.fetch_add(1, Ordering::SeqCst);
    (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"code": "SERVICE_UNAVAILABLE", "message": "busy"}))).into_response()
}

async fn fake_masstack(fake: Arc<Fake>) -> SocketAddr {
    let app = Router::new()
        .route("/oauth/token", post(token))
        .route(&format!("/v4/orgs/telco/accounts/{ACCOUNT}"), get(account))
        .route(&format!("/v4/orgs/telco/customers/{CUSTOMER}/accounts/{ACCOUNT}"), delete(close))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}

fn link(addr: SocketAddr) -> MasLink {
    mas_common::link(addr, "/oauth/token")
}

fn cid() -> CorrelationId {
    CorrelationId::parse("test-mas-link").expect("cid")
}

#[tokio::test(start_paused = true)]
async fn the_client_authenticates_with_http_basic_and_asks_for_its_scopes() {
    let fake = Arc::new(Fake::default());
    let mas = link(fake_masstack(fake.clone()).await);
    mas.client(&cid()).get_account(ACCOUNT).await.expect("the account");
    let (auth, form) = fake.last_token_request.lock().unwrap().clone().expect("a token request");
    // base64 of "console-mas:s3cret%3Awith%2Fodd+chars": RFC 6749 2.3.1, form-encoded, then base64.
    assert_eq!(auth, "Basic Y29uc29sZS1tYXM6czNjcmV0JTNBd2l0aCUyRm9kZCtjaGFycw==");
    assert!(form.contains("grant_type=client_credentials") && form.contains("scope=accounts%3Aread+accounts%3Awrite"), "{form}");
}

#[tokio::test(start_paused = true)]
async fn one_token_serves_concurrent_callers_and_gets_are_retried_on_503() {
    let fake = Arc::new(Fake::default());
    let mas = link(fake_masstack(fake.clone()).await);
    let calls = (0..5).map(|_| {
        let mas = mas.clone();
        tokio::spawn(async move { mas.client(&cid()).get_account(ACCOUNT).await })
    });
    for call in calls {
        call.await.expect("task").expect("the account");
    }
    assert_eq!(fake.tokens.load(Ordering::SeqCst), 1, "one token for everyone");
    fake.fail_gets.store(2, Ordering::SeqCst);
    let before = fake.gets.load(Ordering::SeqCst);
    mas.client(&cid()).get_account(ACCOUNT).await.expect("third time lucky");
    assert_eq!(fake.gets.load(Ordering::SeqCst) - before, 3);
}

#[tokio::test(start_paused = true)]
async fn a_write_is_never_retried_blindly() {
    let fake = Arc::new(Fake::default());
    let mas = link(fake_masstack(fake.clone()).await);
    let e = mas.client(&cid()).delete_account(CUSTOMER, ACCOUNT).await.unwrap_err();
    assert!(matches!(e, MasError::Api { status: 503, .. }), "{e:?}");
    assert_eq!(fake.deletes.load(Ordering::SeqCst), 1, "a delete answered 503 is not sent again");
}

#[tokio::test(start_paused = true)]
async fn a_token_mascustomers_refuses_is_renewed_once() {
    let fake = Arc::new(Fake::default());
    fake.refuse_first_token.store(1, Ordering::SeqCst);
    let mas = link(fake_masstack(fake.clone()).await);
    mas.client(&cid()).get_account(ACCOUNT).await.expect("with the second token");
    assert_eq!((fake.tokens.load(Ordering::SeqCst), fake.gets.load(Ordering::SeqCst)), (2, 2));
}

#[tokio::test(start_paused = true)]
async fn a_refused_client_is_unauthenticated_with_masstacks_words_and_not_asked_again() {
    let fake = Arc::new(Fake::default());
    fake.refuse_client.store(1, Ordering::SeqCst);
    let mas = link(fake_masstack(fake.clone()).await);
    let e = mas.client(&cid()).get_account(ACCOUNT).await.unwrap_err();
    match e {
        MasError::Transport(TransportError::Unauthenticated { upstream_error: Some(words), .. }) => {
            assert_eq!(words, "invalid_client: wrong secret for console-mas")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.tokens.load(Ordering::SeqCst), 1, "a refusal is not retried");
    assert_eq!(fake.gets.load(Ordering::SeqCst), 0, "nothing is sent without a token");
}

#[tokio::test(start_paused = true)]
async fn a_token_endpoint_that_is_down_is_a_connect_error_after_the_retries() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let e = link(closed).client(&cid()).get_account(ACCOUNT).await.unwrap_err();
    assert!(matches!(e, MasError::Transport(TransportError::Connect(ref d)) if d.contains("MasStack")), "{e:?}");
}
