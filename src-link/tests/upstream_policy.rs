//! The link's retry and token policy, against a local server that fails on purpose. (The sandbox is a
//! faithful D1 and cannot be told to answer 503; everything else is tested against it in console-e2e.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use console_api::d1::ReasonBody;
use console_api::d1_client::{CorrelationId, D1Error};
use console_link::{D1Config, D1Credentials, D1Link, RetryPolicy};

const DEMO_KEY: &str = include_str!("../../src-sandbox/demo/DEMOISSUER.es256.key.pem");

#[derive(Default)]
struct Counters {
    tokens: AtomicUsize,
    lists: AtomicUsize,
    deletes: AtomicUsize,
    /// The list answers 503 this many times before succeeding.
    fail_lists: AtomicUsize,
    /// The list answers 401 to the first token it sees.
    reject_first_token: AtomicUsize,
}

async fn token(State(c): State<Arc<Counters>>) -> Json<serde_json::Value> {
    let n = c.tokens.fetch_add(1, Ordering::SeqCst) + 1;
    // Slow enough that concurrent callers overlap with the refresh.
    tokio::time::sleep(Duration::from_millis(50)).await;
    Json(serde_json::json!({"access_token": format!("token-{n}"), "token_type": "Bearer", "expires_in": 900}))
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

async fn serve(counters: Arc<Counters>) -> D1Link {
    let app = Router::new()
        .route("/authz/v1/oauth2/token", post(token))
        .route("/banking/v1/issuers/DEMOISSUER/consumers/c1/operations", get(list))
        .route("/banking/v1/issuers/DEMOISSUER/consumers/c1/operations:delete", post(delete))
        .with_state(counters);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    D1Link::new(D1Config {
        banking_base: format!("http://{addr}/banking/v1").parse().expect("url"),
        authz_base: format!("http://{addr}/authz/v1").parse().expect("url"),
        credentials: D1Credentials {
            issuer_id: "DEMOISSUER".into(),
            kid: "DEMOISSUER-demo-es256".into(),
            private_key_pem: DEMO_KEY.into(),
        },
        timeout: Duration::from_secs(5),
        retry: RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(10), max_delay: Duration::from_millis(50) },
    })
    .expect("link")
}

fn cid() -> CorrelationId {
    CorrelationId::parse("test-correlation").expect("valid")
}

#[tokio::test]
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

#[tokio::test]
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

#[tokio::test]
async fn a_delete_is_never_retried_blindly() {
    let c = Arc::new(Counters::default());
    let link = serve(c.clone()).await;
    let body = ReasonBody { reason: Some("test".into()), reason_code: None };
    let err = link.client().delete_consumer("c1", &body, &cid()).await.unwrap_err();
    assert!(matches!(err, D1Error::Status { status: 503, .. }), "{err:?}");
    assert_eq!(c.deletes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_refused_token_is_replaced_once() {
    let c = Arc::new(Counters::default());
    let link = serve(c.clone()).await;
    c.reject_first_token.store(1, Ordering::SeqCst);
    link.client().list_operations("c1", 0, 10, &cid()).await.expect("second token works");
    assert_eq!(c.tokens.load(Ordering::SeqCst), 2);
    assert_eq!(c.lists.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_transport_error_after_retries() {
    let link = D1Link::new(D1Config {
        banking_base: "http://127.0.0.1:9/banking/v1".parse().expect("url"),
        authz_base: "http://127.0.0.1:9/authz/v1".parse().expect("url"),
        credentials: D1Credentials { issuer_id: "DEMOISSUER".into(), kid: "k".into(), private_key_pem: DEMO_KEY.into() },
        timeout: Duration::from_secs(2),
        retry: RetryPolicy::default(),
    })
    .expect("link");
    let err = link.client().list_operations("c1", 0, 10, &cid()).await.unwrap_err();
    assert!(matches!(err, D1Error::Transport(_)), "{err:?}");
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
