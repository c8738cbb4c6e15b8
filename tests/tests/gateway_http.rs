//! The gateway over real HTTP, talking to the in-process sandbox through `console-link`'s real JWT-bearer
//! flow; and `console-link` itself against the real sandbox, through a counting proxy that can answer 503.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use console_api::d1::{ReasonBody, ReasonCode};
use console_api::d1_client::{CorrelationId, D1Error};
use console_e2e::{http_client, loopback0, sandbox_profile, Stack, DEMO_ISSUER, STUB_INDEX_HTML};
use console_link::{D1Config, D1Credentials, D1Link, RetryPolicy};
use console_server::{ServerConfig, ServerError};
use serde_json::{json, Value};

fn ops(consumer: &str, offset: u32, limit: u32) -> String {
    format!("/api/d1/consumers/{consumer}/operations?offset={offset}&limit={limit}")
}

fn assert_problem(status: u16, body: &Value, want_status: u16, kind: &str) {
    assert_eq!(status, want_status, "status; body {body}");
    assert_eq!(body["status"], want_status, "ApiProblem.status in {body}");
    assert_eq!(body["kind"], kind, "ApiProblem.kind in {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "ApiProblem.message in {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_says_sandbox_and_the_demo_issuer() {
    let stack = Stack::start_with_stub_ui().await;
    let (status, _, body) = stack.get("/api/session").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["environment"], "sandbox", "{body}");
    assert_eq!(body["issuerId"], DEMO_ISSUER, "{body}");
    assert!(body["version"].as_str().is_some_and(|v| !v.is_empty()), "{body}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_busy_lists_523_operations_in_pages_newest_first() {
    let stack = Stack::start_with_stub_ui().await;
    let (status, cid, first) = stack.get(&ops("demo-busy", 0, 50)).await;
    assert_eq!(status, 200, "{first}");
    assert!(cid.is_some_and(|c| c.len() == 36), "a fresh correlation id (a UUID, as the page makes) is sent back");
    assert_eq!(first["operations"].as_array().map(Vec::len), Some(50), "first page");
    assert_eq!(first["remainingOperations"], 473, "{}", first["remainingOperations"]);

    let mut ids = Vec::new();
    let mut starts = Vec::new();
    let mut offset = 0;
    loop {
        let (status, _, page) = stack.get(&ops("demo-busy", offset, 50)).await;
        assert_eq!(status, 200, "offset {offset}: {page}");
        let list = page["operations"].as_array().cloned().unwrap_or_default();
        for op in &list {
            ids.push(op["operationId"].as_str().expect("operationId").to_string());
            starts.push(op["startTime"].as_str().expect("startTime").to_string());
        }
        offset += list.len() as u32;
        if list.is_empty() || page["remainingOperations"] == 0 {
            break;
        }
        assert!(offset < 2000, "paging does not end");
    }
    assert_eq!(ids.len(), 523, "every operation of demo-busy within 3 months");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 523, "no operation twice across pages");
    let parsed: Vec<_> = starts
        .iter()
        .map(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("startTime {s}: {e}")))
        .collect();
    assert!(parsed.windows(2).all(|w| w[0] >= w[1]), "newest first");

    let (status, _, last) = stack.get(&ops("demo-busy", 500, 50)).await;
    assert_eq!(status, 200);
    assert_eq!(last["operations"].as_array().map(Vec::len), Some(23), "last page");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_operation_is_the_one_in_the_list() {
    let stack = Stack::start_with_stub_ui().await;
    let (_, _, page) = stack.get(&ops("demo-busy", 10, 5)).await;
    let listed = page["operations"][2].clone();
    let id = listed["operationId"].as_str().expect("operationId in the list");
    let (status, cid, op) = stack.get(&format!("/api/d1/consumers/demo-busy/operations/{id}")).await;
    assert_eq!(status, 200, "{op}");
    assert!(cid.is_some());
    assert_eq!(op, listed, "the same operation, field for field");

    let (status, _, body) =
        stack.get("/api/d1/consumers/demo-busy/operations/00000000-0000-4000-8000-000000000000").await;
    assert_problem(status, &body, 404, "not_found");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_consumer_is_a_404_problem_with_a_correlation_id() {
    let stack = Stack::start_with_stub_ui().await;
    let (status, cid, body) = stack.get(&ops("nobody-here-42", 0, 50)).await;
    assert_problem(status, &body, 404, "not_found");
    let cid = cid.expect("x-correlation-id header on a problem");
    assert_eq!(body["correlationId"], cid.as_str(), "the body quotes the header's id");
    assert!(body["message"].as_str().unwrap_or("").contains("nobody-here-42"), "{body}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_correlation_id_is_echoed_and_a_bad_one_refused() {
    let stack = Stack::start_with_stub_ui().await;
    let admin = stack.admin().await;
    let r = admin
        .request(reqwest::Method::GET, &ops("demo-alice", 0, 10))
        .header("x-correlation-id", "e2e page-cid_1.0")
        .send()
        .await
        .expect("send");
    let (status, cid, _) = console_e2e::read(r).await;
    assert_eq!(status, 200);
    assert_eq!(cid.as_deref(), Some("e2e page-cid_1.0"));

    // Echoed on a problem too, in the header and in the body.
    let r = admin
        .request(reqwest::Method::GET, &ops("nobody-here-42", 0, 10))
        .header("x-correlation-id", "e2e-cid-for-a-404")
        .send()
        .await
        .expect("send");
    let (status, cid, body) = console_e2e::read(r).await;
    assert_eq!(status, 404);
    assert_eq!(cid.as_deref(), Some("e2e-cid-for-a-404"));
    assert_eq!(body["correlationId"], "e2e-cid-for-a-404");

    for bad in ["a:b", &"c".repeat(65), "semi;colon"] {
        let r = admin
            .request(reqwest::Method::GET, &ops("demo-alice", 0, 10))
            .header("x-correlation-id", bad)
            .send()
            .await
            .expect("send");
        let (status, cid, body) = console_e2e::read(r).await;
        assert_problem(status, &body, 400, "invalid_input");
        assert!(body["message"].as_str().unwrap_or("").contains("x-correlation-id"), "{bad}: {body}");
        // The page's id was unusable: the answer carries a fresh one of the gateway's.
        let cid = cid.expect("x-correlation-id header on the problem");
        assert_ne!(cid, bad);
        assert_eq!(body["correlationId"], cid.as_str());
    }
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_reason_is_refused_and_deletes_nothing() {
    let stack = Stack::start_with_stub_ui().await;
    let path = "/api/d1/consumers/demo-alice/operations:delete";
    let (status, cid, body) = stack.post(path, &json!({ "reason": "fraud!", "reasonCode": "ISSUER_DECISION" })).await;
    assert_problem(status, &body, 400, "invalid_input");
    assert_eq!(body["field"], "reason", "{body}");
    assert!(cid.is_some());
    let (status, _, body) = stack.post(path, &json!({ "reason": "fraud", "reasonCode": "WHIM" })).await;
    assert_problem(status, &body, 400, "invalid_input");
    let (status, _, body) = stack.post(path, &json!("not an object")).await;
    assert_problem(status, &body, 400, "invalid_input");

    let (status, _, page) = stack.get(&ops("demo-alice", 0, 50)).await;
    assert_eq!(status, 200);
    let deletes = page["operations"].as_array().into_iter().flatten().filter(|o| o["operation"] == "DELETE").count();
    assert_eq!(deletes, 0, "nothing was deleted: {page}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_records_a_delete_operation_and_cannot_be_repeated() {
    let stack = Stack::start_with_stub_ui().await;
    let path = "/api/d1/consumers/demo-alice/operations:delete";
    let (status, cid, result) =
        stack.post(path, &json!({ "reason": "customer asked on the phone", "reasonCode": "USER_DECISION" })).await;
    assert_eq!(status, 200, "{result}");
    assert!(cid.is_some());
    let op_id = result["operationId"].as_str().expect("operationId in the result").to_string();
    assert_eq!(result["status"], "SUCCESSFUL", "{result}");

    let (_, _, page) = stack.get(&ops("demo-alice", 0, 5)).await;
    let first = &page["operations"][0];
    assert_eq!(first["operationId"], op_id.as_str(), "the delete is first: {page}");
    assert_eq!(first["operation"], "DELETE");
    assert_eq!(first["details"]["newState"], "DELETED", "{first}");
    assert_eq!(first["reason"], "customer asked on the phone");
    assert_eq!(first["reasonCode"], "USER_DECISION");

    let (status, _, body) = stack.post(path, &json!({ "reason": "again" })).await;
    assert_problem(status, &body, 400, "upstream_error");
    assert!(body["technical"].as_str().is_some_and(|t| t.contains("deleted")), "D1's text kept: {body}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_api_routes_are_json_404_and_other_paths_get_the_app() {
    let stack = Stack::start_with_stub_ui().await;
    for path in ["/api/nope", "/api", "/api/d1/consumers/demo-busy", "/api/d1/issuers/DEMOISSUER/consumers/x/operations"] {
        let r = stack.http.get(stack.url(path)).send().await.expect("send");
        let ctype = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let (status, cid, body) = console_e2e::read(r).await;
        assert_problem(status, &body, 404, "not_found");
        assert!(ctype.starts_with("application/json"), "{path}: {ctype}");
        assert!(cid.is_some() && body["correlationId"] == cid.unwrap_or_default().as_str(), "{path}: {body}");
    }
    for path in ["/", "/consumers/x", "/consumers/demo-busy/operations/abc"] {
        let r = stack.http.get(stack.url(path)).send().await.expect("send");
        assert_eq!(r.status().as_u16(), 200, "{path}");
        let ctype = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert!(ctype.starts_with("text/html"), "{path}: {ctype}");
        assert_eq!(r.text().await.expect("body"), STUB_INDEX_HTML, "{path} serves index.html");
    }
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let stack = Stack::start_with_stub_ui().await;
    for path in ["/", "/consumers/x", "/api/session", "/api/nope", "/api/d1/consumers/nobody-here/operations"] {
        let r = stack.http.get(stack.url(path)).send().await.expect("send");
        let h = r.headers();
        let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let csp = get("content-security-policy");
        for part in ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'"] {
            assert!(csp.contains(part), "{path}: CSP lacks {part}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"), "no inline script or style, no eval: {csp}");
        assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(get("x-frame-options"), "DENY", "{path}");
        assert_eq!(get("referrer-policy"), "no-referrer", "{path}");
    }
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_refuses_a_non_loopback_address() {
    let dist = console_e2e::TempDir::new("console-e2e-dist");
    std::fs::write(dist.path().join("index.html"), STUB_INDEX_HTML).expect("index.html");
    for listen in ["0.0.0.0:0", "192.0.2.1:0", "[::]:0"] {
        let config = ServerConfig::new(listen.parse().expect("address"), dist.path().to_path_buf(), sandbox_profile("http://127.0.0.1:9"));
        match console_server::start(config).await {
            Err(ServerError::NotLoopback(addr)) => assert_eq!(addr.to_string(), listen),
            Err(e) => panic!("{listen}: expected NotLoopback, got {e}"),
            Ok(running) => {
                running.shutdown().await;
                panic!("{listen}: the gateway listened on a non-loopback address");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// A counting proxy in front of the sandbox: counts token requests and banking requests, and can answer
// 503 to the next N banking requests without forwarding them.

#[derive(Default)]
struct Counts {
    tokens: AtomicUsize,
    banking_gets: AtomicUsize,
    banking_posts: AtomicUsize,
    fail_next: AtomicUsize,
}

struct Proxy {
    target: String,
    http: reqwest::Client,
    counts: Counts,
}

async fn proxy(State(p): State<Arc<Proxy>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path_and_query().map(|pq| pq.as_str().to_string()).unwrap_or_default();
    let banking = path.starts_with("/banking/");
    if path.starts_with("/authz/") {
        p.counts.tokens.fetch_add(1, Ordering::SeqCst);
    } else if banking && method == Method::GET {
        p.counts.banking_gets.fetch_add(1, Ordering::SeqCst);
    } else if banking {
        p.counts.banking_posts.fetch_add(1, Ordering::SeqCst);
    }
    if banking
        && p.counts.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
    {
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({ "error": "injected by the e2e proxy" })))
            .into_response();
    }
    let mut req = p.http.request(method, format!("{}{path}", p.target)).body(body);
    for name in ["authorization", "content-type", "accept", "x-correlation-id"] {
        if let Some(v) = headers.get(name) {
            req = req.header(name, v.as_bytes());
        }
    }
    match req.send().await {
        Ok(r) => {
            let status = StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let mut out = HeaderMap::new();
            for name in ["content-type", "x-correlation-id"] {
                if let Some(v) = r.headers().get(name) {
                    if let Ok(v) = axum::http::HeaderValue::from_bytes(v.as_bytes()) {
                        out.insert(name, v);
                    }
                }
            }
            let bytes = r.bytes().await.unwrap_or_default();
            (status, out, bytes).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, format!("proxy: {e}")).into_response(),
    }
}

/// The sandbox, and the proxy's origin and state.
async fn sandbox_behind_proxy() -> (console_sandbox::Running, String, Arc<Proxy>) {
    sandbox_behind_proxy_for(None).await
}

/// The same, with `gateway_url`'s callback registered at the sandbox's authorization server.
async fn sandbox_behind_proxy_for(gateway_url: Option<&str>) -> (console_sandbox::Running, String, Arc<Proxy>) {
    let callbacks = gateway_url.map(|g| format!("{g}/auth/callback")).into_iter().collect();
    let sandbox = console_e2e::start_sandbox(callbacks, Duration::from_secs(300)).await;
    let state = Arc::new(Proxy { target: sandbox.base_url(), http: http_client(), counts: Counts::default() });
    let app = axum::Router::new().fallback(proxy).with_state(state.clone());
    let listener = tokio::net::TcpListener::bind(loopback0()).await.expect("bind the proxy");
    let origin = format!("http://{}", listener.local_addr().expect("proxy address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (sandbox, origin, state)
}

fn link_to(origin: &str) -> D1Link {
    let url = |p: &str| url::Url::parse(&format!("{origin}{p}")).expect("url");
    D1Link::new(D1Config {
        banking_base: url("/banking/v1"),
        authz_base: url("/authz/v1"),
        credentials: D1Credentials {
            issuer_id: DEMO_ISSUER.into(),
            kid: console_e2e::DEMO_KID.into(),
            private_key_pem: console_e2e::DEMO_PRIVATE_KEY_PEM.into(),
        },
        timeout: Duration::from_secs(10),
        retry: RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(10), max_delay: Duration::from_millis(50) },
    })
    .expect("the link builds with the demo key")
}

fn cid(s: &str) -> CorrelationId {
    CorrelationId::parse(s).expect("valid correlation id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_link_gets_one_token_and_reuses_it_across_many_concurrent_calls() {
    let (sandbox, origin, proxy) = sandbox_behind_proxy().await;
    let link = link_to(&origin);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40u32 {
        let link = link.clone();
        tasks.spawn(async move {
            let consumer = if i % 2 == 0 { "demo-busy" } else { "demo-alice" };
            link.client().list_operations(consumer, i % 5, 10, &cid(&format!("e2e-many-{i}"))).await
        });
    }
    let mut ok = 0;
    while let Some(r) = tasks.join_next().await {
        let page = r.expect("task").unwrap_or_else(|e| panic!("a concurrent call failed: {e}"));
        assert!(!page.operations.is_empty());
        ok += 1;
    }
    assert_eq!(ok, 40);
    // And sequential calls after that.
    for i in 0..10 {
        let r = link.client().get_operation("demo-busy", "00000000-0000-4000-8000-000000000000", &cid(&format!("seq-{i}"))).await;
        assert!(matches!(r, Err(D1Error::Status { status: 404, .. })), "{r:?}");
    }
    assert_eq!(proxy.counts.tokens.load(Ordering::SeqCst), 1, "one token request for 50 calls");
    assert_eq!(proxy.counts.banking_gets.load(Ordering::SeqCst), 50);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_link_retries_a_get_on_503_but_never_a_delete() {
    let (sandbox, origin, proxy) = sandbox_behind_proxy().await;
    let link = link_to(&origin);
    let d1 = link.client();

    // 503 twice, then the sandbox answers: the caller sees only the answer.
    proxy.counts.fail_next.store(2, Ordering::SeqCst);
    let page = d1.list_operations("demo-busy", 0, 50, &cid("retry-1")).await.expect("retried to success");
    assert_eq!(page.operations.len(), 50);
    assert_eq!(proxy.counts.banking_gets.load(Ordering::SeqCst), 3, "two 503s and one success");

    // 503 three times: the attempts are bounded (3 in all) and the 503 surfaces.
    proxy.counts.fail_next.store(3, Ordering::SeqCst);
    match d1.list_operations("demo-busy", 0, 50, &cid("retry-2")).await {
        Err(D1Error::Status { status: 503, .. }) => {}
        other => panic!("expected the final 503, got {other:?}"),
    }
    assert_eq!(proxy.counts.banking_gets.load(Ordering::SeqCst), 6);

    // A delete answered 503 is not retried: it may have been carried out.
    proxy.counts.fail_next.store(1, Ordering::SeqCst);
    let reason = ReasonBody { reason: Some("retry test".into()), reason_code: Some(ReasonCode::IssuerDecision) };
    match d1.delete_consumer("demo-alice", &reason, &cid("retry-3")).await {
        Err(D1Error::Status { status: 503, .. }) => {}
        other => panic!("expected the 503, got {other:?}"),
    }
    assert_eq!(proxy.counts.banking_posts.load(Ordering::SeqCst), 1, "sent once");
    let page = d1.list_operations("demo-alice", 0, 50, &cid("retry-4")).await.expect("list");
    assert!(page.operations.iter().all(|o| o.operation.as_str() != "DELETE"), "not deleted");
    assert_eq!(proxy.counts.tokens.load(Ordering::SeqCst), 1);
    sandbox.shutdown().await;
}

/// A gateway whose D1 is reached through the counting proxy (sign-in and Consents directly at the
/// sandbox), with ada signed in.
struct ProxiedGateway {
    sandbox: console_sandbox::Running,
    proxy: Arc<Proxy>,
    gateway: console_server::Running,
    admin: console_e2e::SignedIn,
    _dist: console_e2e::TempDir,
}

async fn gateway_via_proxy() -> ProxiedGateway {
    let listener = tokio::net::TcpListener::bind(loopback0()).await.expect("bind");
    let gateway_url = format!("http://{}", listener.local_addr().expect("addr"));
    let (sandbox, origin, proxy) = sandbox_behind_proxy_for(Some(&gateway_url)).await;
    let dist = console_e2e::TempDir::new("console-e2e-dist");
    std::fs::write(dist.path().join("index.html"), STUB_INDEX_HTML).expect("index.html");
    let mut profile = sandbox_profile(&origin);
    let direct = url::Url::parse(&sandbox.base_url()).expect("sandbox url");
    profile.auth.base = direct.join("/auth").expect("auth url");
    profile.auth.consents_base = direct.join("/consents").expect("consents url");
    let config = ServerConfig::new(loopback0(), dist.path().to_path_buf(), profile);
    let gateway = console_server::start_on(listener, config).await.unwrap_or_else(|e| panic!("the gateway does not start: {e}"));
    let admin = console_e2e::SignedIn::at(&gateway_url, "ada").await;
    ProxiedGateway { sandbox, proxy, gateway, admin, _dist: dist }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_consumer_ids_are_refused_before_any_upstream_call() {
    let ProxiedGateway { sandbox, proxy, gateway, admin, _dist } = gateway_via_proxy().await;
    let long = "x".repeat(65);
    for id in ["bad%20id", long.as_str(), "a.b", "caf%C3%A9"] {
        let r = admin.request(reqwest::Method::GET, &ops(id, 0, 10)).send().await.expect("send");
        let (status, cid, body) = console_e2e::read(r).await;
        assert_problem(status, &body, 400, "invalid_input");
        assert_eq!(body["field"], "consumerId", "{id}: {body}");
        assert!(cid.is_some(), "{id}");
    }
    let (status, _, body) = admin.post("/api/d1/consumers/bad%20id/operations:delete", &json!({ "reason": "ok reason" })).await;
    assert_problem(status, &body, 400, "invalid_input");
    let (status, _, body) = admin.get(&ops("demo-busy", 0, 51)).await;
    assert_problem(status, &body, 400, "invalid_input");

    let upstream = proxy.counts.tokens.load(Ordering::SeqCst)
        + proxy.counts.banking_gets.load(Ordering::SeqCst)
        + proxy.counts.banking_posts.load(Ordering::SeqCst);
    assert_eq!(upstream, 0, "nothing reached D1, not even a token request");
    gateway.shutdown().await;
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_rides_out_two_503s_and_words_a_third() {
    let ProxiedGateway { sandbox, proxy, gateway, admin, _dist } = gateway_via_proxy().await;
    let url = ops("demo-busy", 0, 20);

    proxy.counts.fail_next.store(2, Ordering::SeqCst);
    let (status, _, body) = admin.get(&url).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["operations"].as_array().map(Vec::len), Some(20));

    proxy.counts.fail_next.store(3, Ordering::SeqCst);
    let (status, cid, body) = admin.get(&url).await;
    // D1 unavailable is a 503 to the page too (issue 7 item 10), not "the service refused".
    assert_problem(status, &body, 503, "upstream_unavailable");
    assert!(cid.is_some());
    assert_eq!(proxy.counts.banking_gets.load(Ordering::SeqCst), 6);
    gateway.shutdown().await;
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deprecated_account_register_and_delete_through_the_gateway() {
    let stack = Stack::start_with_stub_ui().await;
    let admin = stack.admin().await;
    let put = |body: Value| {
        let req = admin.request(reqwest::Method::PUT, "/api/d1/accounts/acct-e2e-1");
        let req = req.header("x-csrf-token", &admin.csrf_token).json(&body);
        async move { console_e2e::read(req.send().await.expect("send")).await }
    };

    // Refused before any upstream call: a state the seed does not list.
    let (status, _, body) = put(serde_json::json!({"consumerId": "demo-bob", "state": "CLOSED"})).await;
    assert_problem(status, &body, 400, "invalid_input");
    assert_eq!(body["field"], "state", "{body}");

    // D1 refuses an account for a deleted consumer (demo-carol): a plain problem, D1's words as technical.
    let (status, _, body) = put(serde_json::json!({"consumerId": "demo-carol", "state": "ACTIVE"})).await;
    assert_problem(status, &body, 400, "upstream_error");
    assert!(body["technical"].as_str().is_some_and(|t| !t.is_empty()), "{body}");

    let (status, cid, _) = put(serde_json::json!({"consumerId": "demo-bob", "state": "ACTIVE"})).await;
    assert_eq!(status, 200, "register");
    assert!(cid.is_some(), "the answer carries its correlation id");

    let delete = "/api/d1/accounts/acct-e2e-1/operations:delete";
    let (status, _, body) = stack.post(delete, &serde_json::json!({"reason": "closed by the bank"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "SUCCESSFUL");
    assert!(body["operationId"].as_str().is_some_and(|id| !id.is_empty()), "{body}");

    // Deleted once: D1 no longer knows it.
    let (status, _, body) = stack.post(delete, &serde_json::json!({})).await;
    assert_problem(status, &body, 404, "not_found");
    assert!(body["message"].as_str().unwrap_or("").contains("acct-e2e-1"), "{body}");
    stack.shutdown().await;
}
