//! The link's retry and token policy, against a local server that fails on purpose. (The sandbox is a
//! faithful D1 and cannot be told to answer 503; everything else is tested against it in console-e2e.)
//!
//! Every test runs on paused tokio time: retry delays, slow answers and timeouts take no real time, and a
//! slow answer is slow for certain (the clock moves only when every task waits), not for a window of
//! milliseconds that a busy machine might miss.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use console_api::d1::ReasonBody;
use console_api::d1_client::{CorrelationId, D1Error};
use console_api::transport::TransportError;
use console_link::{D1Config, D1Credentials, D1Link, RetryPolicy, TokenError, TokenSource};

const DEMO_KEY: &str = include_str!("../../src-sandbox/demo/DEMOISSUER.es256.key.pem");

/// How the fake token endpoint answers.
#[derive(Clone, Copy, Default, PartialEq)]
enum TokenMode {
    #[default]
    Tokens,
    /// 400 `invalid_grant`, as D1 answers an assertion with an unknown `kid`.
    Refuse,
    /// 200 with a body that is no token.
    Garbage,
    /// Answers after 10 s (the link's timeout is 5 s).
    Silent,
}

#[derive(Default)]
struct Counters {
    tokens: AtomicUsize,
    lists: AtomicUsize,
    deletes: AtomicUsize,
    /// The token endpoint answers 503 this many times before answering as `mode` says.
    fail_tokens: AtomicUsize,
    /// The list answers 503 this many times before succeeding.
    fail_lists: AtomicUsize,
    /// The list answers 401 to the first token it sees.
    reject_first_token: AtomicUsize,
    mode: std::sync::Mutex<TokenMode>,
}

async fn token(State(c): State<Arc<Counters>>) -> Response {
    let n = c.tokens.fetch_add(1, Ordering::SeqCst) + 1;
    if c.fail_tokens.load(Ordering::SeqCst) > 0 {
        c.fail_tokens.fetch_sub(1, Ordering::SeqCst);
        return (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response();
    }
    let mode = *c.mode.lock().expect("mode");
    match mode {
        TokenMode::Refuse => {
            let body = serde_json::json!({"error": "invalid_grant", "error_description": "unknown kid"});
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
        TokenMode::Garbage => return (StatusCode::OK, "<html>maintenance</html>").into_response(),
        TokenMode::Silent => tokio::time::sleep(Duration::from_secs(10)).await,
        // Slow, so that concurrent callers overlap with the refresh: on paused time this sleep ends only
        // once every other task waits (for the token).
        TokenMode::Tokens => tokio::time::sleep(Duration::from_millis(50)).await,
    }
    Json(serde_json::json!({"access_token": format!("token-{n}"), "token_type": "Bearer", "expires_in": 900})).into_response()
}

async fn list(State(c): State<Arc<Counters>>, headers: HeaderMap) -> (StatusCode, Json<serde_json::Value>) {
    c.lists.fetch_add(1, Ordering::SeqCst);
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if auth == "Bearer token-1" && c.reject_first_token.load(Ordering::SeqCst) > 0 {
        return (StatusCode::UNAUTHORIZED, Json(serde_json::json!({"error": "token revoked"})));
    }
    if c.fail_lists.load(Ordering::SeqCst) > 0 {
        c.fail_lists.fetch_sub(1, Ordering::SeqCst);
        return (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"error": "busy"})));
    }
    (StatusCode::OK, Json(serde_json::json!({"operations": [], "remainingOperations": 0})))
}

async fn delete(State(c): State<Arc<Counters>>) -> (StatusCode, Json<serde_json::Value>) {
    c.deletes.fetch_add(1, Ordering::SeqCst);
    (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"error": "busy"})))
}

/// The fake D1 (token endpoint and banking API) on a free port.
async fn fake_d1(counters: Arc<Counters>) -> SocketAddr {
    let app = Router::new()
        .route("/authz/v1/oauth2/token", post(token))
        .route("/banking/v1/issuers/DEMOISSUER/consumers/c1/operations", get(list))
        .route("/banking/v1/issuers/DEMOISSUER/consumers/c1/operations:delete", post(delete))
        .with_state(counters);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}

/// A port that takes every connection and closes it without a word, counting them: a crashed service
/// behind a load balancer.
async fn dead_endpoint() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (addr, connections)
}

/// A loopback port nothing listens on.
fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.local_addr().expect("local addr")
}

fn link(banking: SocketAddr, authz: SocketAddr) -> D1Link {
    D1Link::new(D1Config {
        banking_base: format!("http://{banking}/banking/v1").parse().expect("url"),
        authz_base: format!("http://{authz}/authz/v1").parse().expect("url"),
        credentials: credentials(),
        timeout: Duration::from_secs(5),
        retry: RetryPolicy::default(),
    })
    .expect("link")
}

fn credentials() -> D1Credentials {
    D1Credentials { issuer_id: "DEMOISSUER".into(), kid: "DEMOISSUER-demo-es256".into(), private_key_pem: DEMO_KEY.into() }
}

async fn serve(counters: Arc<Counters>) -> D1Link {
    let addr = fake_d1(counters).await;
    link(addr, addr)
}

fn cid() -> CorrelationId {
    CorrelationId::parse("test-correlation").expect("valid")
}

fn delete_body() -> ReasonBody {
    ReasonBody { reason: Some("test".into()), reason_code: None }
}

#[tokio::test(start_paused = true)]
async fn concurrent_calls_share_one_token_request() {
    let c = Arc::new(Counters::default());
    let link = serve(c.clone()).await;
    let calls = (0..20).map(|_| {
        let link = link.clone();
        async move { link.client().list_operations("c1", 0, 10, &cid()).await }
    });
    for r in futures_join(calls).await {
        r.expect("list");
    }
    assert_eq!(c.tokens.load(Ordering::SeqCst), 1, "one token for all");
    assert_eq!(c.lists.load(Ordering::SeqCst), 20);
}

#[tokio::test(start_paused = true)]
async fn gets_are_retried_on_503_within_the_bound() {
    let c = Arc::new(Counters::default());
    let link = serve(c.clone()).await;
    c.fail_lists.store(2, Ordering::SeqCst);
    link.client().list_operations("c1", 0, 10, &cid()).await.expect("third attempt succeeds");
    assert_eq!(c.lists.load(Ordering::SeqCst), 3);

    c.lists.store(0, Ordering::SeqCst);
    c.fail_lists.store(5, Ordering::SeqCst);
    let err = link.client().list_operations("c1", 0, 10, &cid()).await.unwrap_err();
    assert_eq!(err, D1Error::Status { status: 503, error: Some("busy".into()) });
    assert_eq!(c.lists.load(Ordering::SeqCst), 3, "gives up after max_attempts");
}

#[tokio::test(start_paused = true)]
async fn a_delete_is_never_retried_blindly() {
    let c = Arc::new(Counters::default());
    let link = serve(c.clone()).await;
    let err = link.client().delete_consumer("c1", &delete_body(), &cid()).await.unwrap_err();
    assert!(matches!(err, D1Error::Status { status: 503, .. }), "{err:?}");
    assert_eq!(c.deletes.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_refused_token_is_replaced_once() {
    let c = Arc::new(Counters::default());
    let link = serve(c.clone()).await;
    c.reject_first_token.store(1, Ordering::SeqCst);
    link.client().list_operations("c1", 0, 10, &cid()).await.expect("second token works");
    assert_eq!(c.tokens.load(Ordering::SeqCst), 2);
    assert_eq!(c.lists.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_upstream_is_a_transport_error_after_retries() {
    let c = Arc::new(Counters::default());
    let d1 = fake_d1(c.clone()).await;
    let (dead, connections) = dead_endpoint().await;
    let err = link(dead, d1).client().list_operations("c1", 0, 10, &cid()).await.unwrap_err();
    assert!(matches!(err, D1Error::Transport(TransportError::Interrupted(_))), "{err:?}");
    assert_eq!(connections.load(Ordering::SeqCst), RetryPolicy::default().max_attempts as usize, "every attempt was made");
    assert_eq!(c.tokens.load(Ordering::SeqCst), 1, "the token is kept across attempts");
}

#[tokio::test(start_paused = true)]
async fn a_closed_port_is_a_connect_error() {
    let closed = closed_port();
    let err = link(closed, closed).client().list_operations("c1", 0, 10, &cid()).await.unwrap_err();
    assert!(matches!(err, D1Error::Transport(TransportError::Connect(_))), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_token_endpoint_is_retried_within_the_get_budget() {
    let c = Arc::new(Counters::default());
    let d1 = fake_d1(c.clone()).await;
    let (dead, connections) = dead_endpoint().await;
    let err = link(d1, dead).client().list_operations("c1", 0, 10, &cid()).await.unwrap_err();
    // An outage, nothing sent: a connect error (503 at the gateway), never "could not authenticate".
    assert!(matches!(err, D1Error::Transport(TransportError::Connect(_))), "{err:?}");
    assert_eq!(connections.load(Ordering::SeqCst), RetryPolicy::default().max_attempts as usize);
    assert_eq!(c.lists.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn a_token_endpoint_outage_before_a_write_is_retried_too_and_nothing_is_sent() {
    let c = Arc::new(Counters::default());
    let link = serve(c.clone()).await;
    c.fail_tokens.store(5, Ordering::SeqCst);
    let err = link.client().delete_consumer("c1", &delete_body(), &cid()).await.unwrap_err();
    assert!(matches!(err, D1Error::Transport(TransportError::Connect(_))), "{err:?}");
    assert_eq!(c.tokens.load(Ordering::SeqCst), 3);
    assert_eq!(c.deletes.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn a_token_endpoint_503_is_retried_until_it_answers() {
    let c = Arc::new(Counters::default());
    let link = serve(c.clone()).await;
    c.fail_tokens.store(2, Ordering::SeqCst);
    link.client().list_operations("c1", 0, 10, &cid()).await.expect("the third token request succeeds");
    assert_eq!(c.tokens.load(Ordering::SeqCst), 3);
    assert_eq!(c.lists.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_refused_assertion_is_unauthenticated_with_d1s_own_words_and_not_retried() {
    let c = Arc::new(Counters::default());
    *c.mode.lock().expect("mode") = TokenMode::Refuse;
    let link = serve(c.clone()).await;
    let err = link.client().list_operations("c1", 0, 10, &cid()).await.unwrap_err();
    match err {
        D1Error::Transport(TransportError::Unauthenticated { upstream_error, .. }) => {
            assert_eq!(upstream_error.as_deref(), Some("invalid_grant: unknown kid"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.tokens.load(Ordering::SeqCst), 1);
}

/// The token source alone, to see each kind of failure as it is typed.
async fn token_source(c: Arc<Counters>, mode: TokenMode) -> Result<String, TokenError> {
    *c.mode.lock().expect("mode") = mode;
    let addr = fake_d1(c).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client");
    let tokens = TokenSource::new(http, format!("http://{addr}/authz/v1").parse().expect("url"), credentials()).expect("source");
    tokens.bearer().await
}

#[tokio::test(start_paused = true)]
async fn token_failures_are_typed() {
    let err = token_source(Arc::default(), TokenMode::Refuse).await.unwrap_err();
    assert!(matches!(err, TokenError::Refused { status: 400, .. }) && !err.is_outage(), "{err:?}");
    let err = token_source(Arc::default(), TokenMode::Garbage).await.unwrap_err();
    assert!(matches!(err, TokenError::Undecodable(_)) && !err.is_outage(), "{err:?}");
    let err = token_source(Arc::default(), TokenMode::Silent).await.unwrap_err();
    assert!(matches!(err, TokenError::Transport(TransportError::Timeout)) && err.is_outage(), "{err:?}");
    let c = Arc::new(Counters::default());
    c.fail_tokens.store(1, Ordering::SeqCst);
    let err = token_source(c, TokenMode::Tokens).await.unwrap_err();
    assert!(matches!(err, TokenError::Unavailable { status: 503 }) && err.is_outage(), "{err:?}");
}

/// Runs futures concurrently on the current task (no extra dependency).
async fn futures_join<F>(futs: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}
