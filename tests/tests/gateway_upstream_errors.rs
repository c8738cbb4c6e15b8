//! Upstream outages and refusals as the page meets them through the gateway (issue 7 item 8): an outage
//! of D1's token endpoint is a 503 "try again", retried first; D1 refusing the console's assertion is a
//! 502 "tell the operators" with D1's own words as technical details; and no answer names an upstream
//! host or carries transport text (that goes to the server's log with the correlation id).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use console_e2e::{loopback0, sandbox_profile, start_sandbox, SignedIn, TempDir, STUB_INDEX_HTML};
use console_link::RetryPolicy;
use console_server::config::Profile;
use console_server::ServerConfig;
use serde_json::{json, Value};

const OPERATIONS: &str = "/api/d1/consumers/demo-busy/operations?offset=0&limit=10";
const DELETE: &str = "/api/d1/consumers/demo-alice/operations:delete";

/// The sandbox and a gateway whose profile `edit` changed, with `username` signed in.
struct Gateway {
    sandbox: console_sandbox::Running,
    gateway: console_server::Running,
    person: SignedIn,
    _dist: TempDir,
}

impl Gateway {
    async fn start(username: &str, edit: impl FnOnce(&mut Profile)) -> Gateway {
        let listener = tokio::net::TcpListener::bind(loopback0()).await.expect("bind");
        let gateway_url = format!("http://{}", listener.local_addr().expect("addr"));
        let sandbox = start_sandbox(vec![format!("{gateway_url}/auth/callback")], std::time::Duration::from_secs(300)).await;
        let dist = TempDir::new("console-e2e-dist");
        std::fs::write(dist.path().join("index.html"), STUB_INDEX_HTML).expect("index.html");
        let mut profile = sandbox_profile(&sandbox.base_url());
        edit(&mut profile);
        let config = ServerConfig::new(loopback0(), dist.path().to_path_buf(), profile);
        let gateway = console_server::start_on(listener, config).await.unwrap_or_else(|e| panic!("the gateway does not start: {e}"));
        let person = SignedIn::at(&gateway_url, username).await;
        Gateway { sandbox, gateway, person, _dist: dist }
    }

    async fn stop(self) {
        self.gateway.shutdown().await;
        self.sandbox.shutdown().await;
    }
}

/// A loopback port nothing listens on.
fn closed_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr")
}

/// A port that takes every connection and closes it at once, counting them.
async fn dead_endpoint() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
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

#[track_caller]
fn assert_problem(status: u16, body: &Value, want: u16, kind: &str, says: &str) {
    assert_eq!(status, want, "{body}");
    assert_eq!(body["kind"], kind, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "{says:?} missing from the message: {body}");
    assert!(body["correlationId"].as_str().is_some_and(|c| !c.is_empty()), "{body}");
}

/// Nothing of the transport in the answer: no host, port, URL or library text.
#[track_caller]
fn names_no_upstream(body: &Value, port: u16) {
    let text = body.to_string();
    for leak in ["127.0.0.1", "http:", "https:", "/authz", "/banking", &format!(":{port}"), "error sending request", "connect"] {
        assert!(!text.contains(leak), "{leak:?} leaked into the answer: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_token_endpoint_is_503_unavailable_and_the_answer_names_no_upstream() {
    let closed = closed_port();
    let g = Gateway::start("ada", |p| p.d1.authz_base = format!("http://{closed}/authz/v1").parse().expect("url")).await;

    let (status, _, body) = g.person.get(OPERATIONS).await;
    assert_problem(status, &body, 503, "upstream_unavailable", "Try again");
    assert!(body["technical"].is_null(), "no transport text for the page: {body}");
    names_no_upstream(&body, closed.port());

    // A write never reached D1 without a token: the page may say so.
    let (status, _, body) = g.person.post(DELETE, &json!({"reason": "closed by the bank"})).await;
    assert_problem(status, &body, 503, "upstream_unavailable", "not sent");
    names_no_upstream(&body, closed.port());
    g.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_endpoint_that_drops_connections_is_retried_within_the_get_budget_then_503() {
    let (dead, connections) = dead_endpoint().await;
    let g = Gateway::start("ada", |p| p.d1.authz_base = format!("http://{dead}/authz/v1").parse().expect("url")).await;
    let (status, _, body) = g.person.get(OPERATIONS).await;
    assert_problem(status, &body, 503, "upstream_unavailable", "Try again");
    names_no_upstream(&body, dead.port());
    assert_eq!(connections.load(Ordering::SeqCst), RetryPolicy::default().max_attempts as usize, "asked as often as a GET is tried");
    g.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_assertion_is_502_tell_the_operators_with_d1s_own_words() {
    let g = Gateway::start("ada", |p| p.d1.credentials.kid = "not-onboarded".into()).await;
    let (status, _, body) = g.person.get(OPERATIONS).await;
    assert_problem(status, &body, 502, "upstream_error", "Tell the console's operators");
    let technical = body["technical"].as_str().unwrap_or_default();
    assert!(technical.starts_with("invalid_grant: ") && technical.contains("not-onboarded"), "D1's own words: {body}");
    names_no_upstream(&body, g.sandbox.addr().port());
    g.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_consents_service_is_503_and_the_answer_names_no_upstream() {
    let closed = closed_port();
    let g = Gateway::start("alice", |p| p.auth.consents_base = format!("http://{closed}/consents").parse().expect("url")).await;
    let (status, _, body) = g.person.get(console_api::gateway::routes::MY_NEEDED_CONSENTS).await;
    assert_problem(status, &body, 503, "upstream_unavailable", "Try again");
    assert!(body["technical"].is_null(), "{body}");
    names_no_upstream(&body, closed.port());
    g.stop().await;
}
