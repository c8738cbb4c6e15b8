//! The `/api` service driven in process, the way the desktop app calls it: the host puts a `Caller` into
//! the request's extensions and calls the router with `tower::ServiceExt::oneshot`, against an in-process
//! sandbox. Role refusals, input refusals and writes are audited as on the gateway; a request without a
//! caller is a 401 problem.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use console_api::gateway::{Role, SignedInUser};
use console_link::directory::DirectoryConfig;
use console_link::mas::MasConfig;
use console_link::service::{self, Caller, ConsentsConfig, Origin, ServiceSettings, ServiceState};
use console_link::{D1Config, D1Credentials, RetryPolicy, ServiceCredentials, UpstreamTls};
use console_sandbox::{DEMO_ISSUER, DEMO_KID, DEMO_PRIVATE_KEY_PEM};
use serde_json::{json, Value};
use tower::ServiceExt;

/// A sandbox on a free loopback port, and the service pointed at it with its audit log in `dir`.
struct Desk {
    sandbox: console_sandbox::Running,
    router: Router,
    audit_log: PathBuf,
    _dir: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The sandbox's upstreams and demo credentials (those of `config/console.toml`'s sandbox profile).
fn sandbox_settings(origin: &str, audit_log: &Path) -> ServiceSettings {
    let url = |path: &str| url::Url::parse(&format!("{origin}{path}")).unwrap_or_else(|e| panic!("{origin}{path}: {e}"));
    let timeout = Duration::from_secs(15);
    let retry = RetryPolicy::default();
    let service = |token_path: &str, client_id: &str, client_secret: &str, scope: &str| ServiceCredentials {
        token_url: url(token_path),
        client_id: client_id.into(),
        client_secret: client_secret.into(),
        scope: scope.into(),
    };
    ServiceSettings {
        d1: D1Config {
            banking_base: url("/banking/v1"),
            authz_base: url("/authz/v1"),
            credentials: D1Credentials { issuer_id: DEMO_ISSUER.into(), kid: DEMO_KID.into(), private_key_pem: DEMO_PRIVATE_KEY_PEM.into() },
            timeout,
            retry,
        },
        d1_tls: UpstreamTls::default(),
        directory: DirectoryConfig {
            base: url("/directory/v1"),
            credentials: service("/auth/oauth2/token", "console-directory", "sandbox-directory-secret-DEMO-ONLY", "directory:read"),
            timeout,
            retry,
        },
        directory_tls: UpstreamTls::default(),
        mas: MasConfig {
            base: url("/masstack/v4"),
            credentials: service("/masstack/oauth/token", "console-mas", "sandbox-mas-secret-DEMO-ONLY", "accounts:read accounts:write"),
            org: "telco".into(),
            timeout,
            retry,
        },
        mas_tls: UpstreamTls::default(),
        consents: ConsentsConfig { base: url("/consents"), api_key: "sandbox-api-key-DEMO-ONLY".into(), timeout },
        consents_tls: UpstreamTls::default(),
        audit_log: Some(audit_log.to_path_buf()),
    }
}

impl Desk {
    async fn start() -> Desk {
        let dir = std::env::temp_dir().join(format!("console-link-service-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let config = console_sandbox::Config::new("127.0.0.1:0".parse().expect("address"), ":memory:");
        let sandbox = console_sandbox::start(config).await.unwrap_or_else(|e| panic!("the sandbox does not start: {e}"));
        let audit_log = dir.join("audit.jsonl");
        let state = ServiceState::new(sandbox_settings(&sandbox.base_url(), &audit_log)).unwrap_or_else(|e| panic!("the service: {e}"));
        Desk { sandbox, router: service::router(state), audit_log, _dir: TempDir(dir) }
    }

    /// The answer's status and JSON body (Null when not JSON).
    async fn call(&self, method: Method, path: &str, caller: Option<Caller>, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(path);
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        let mut request = request.body(body).expect("request");
        if let Some(caller) = caller {
            request.extensions_mut().insert(caller);
        }
        let response = self.router.clone().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 10 << 20).await.expect("body");
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    fn audit_lines(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.audit_log).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect()
    }

    async fn stop(self) {
        self.sandbox.shutdown().await;
    }
}

fn desktop(id: &str, role: Role) -> Caller {
    let user = SignedInUser { id: id.into(), name: format!("{id} (test)"), role };
    Caller::new(user, "not-used-by-d1-or-mas".into(), Origin::Desktop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_reads_a_timeline_and_the_read_is_audited_as_the_desktop_apps() {
    let desk = Desk::start().await;
    let (status, page) = desk.call(Method::GET, "/api/d1/consumers/demo-busy/operations?limit=50", Some(desktop("usr-agent", Role::Agent)), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["operations"].as_array().map(Vec::len), Some(50), "{page}");
    let lines = desk.audit_lines();
    let line = lines.last().expect("an audit line");
    assert_eq!(line["action"], "d1.operations.list", "{line}");
    assert_eq!((line["userId"].as_str(), line["role"].as_str(), line["outcome"].as_str()), (Some("usr-agent"), Some("agent"), Some("ok")), "{line}");
    assert_eq!(line["target"], "demo-busy");
    assert_eq!(line["client"], "desktop app", "the desktop app is named as the client: {line}");
    assert!(line["requestId"].as_str().is_some_and(|r| !r.is_empty()), "a request id is made here: {line}");
    desk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_is_refused_staff_reads_and_the_refusal_is_audited() {
    let desk = Desk::start().await;
    let (status, problem) = desk.call(Method::GET, "/api/d1/consumers/demo-busy/operations", Some(desktop("usr-carol", Role::Customer)), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(problem["kind"], "forbidden", "{problem}");
    assert!(problem["message"].as_str().is_some_and(|m| m.contains("back-office staff")), "{problem}");
    assert!(problem["correlationId"].as_str().is_some_and(|c| !c.is_empty()), "{problem}");
    let lines = desk.audit_lines();
    assert_eq!(lines.len(), 1, "one line, the refusal: {lines:?}");
    assert_eq!((lines[0]["action"].as_str(), lines[0]["outcome"].as_str()), (Some("d1.operations.list"), Some("refused")));
    assert_eq!(lines[0]["status"], 403);
    assert_eq!(lines[0]["userId"], "usr-carol");
    desk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_caller_every_route_is_a_401_problem_and_unknown_routes_a_404() {
    let desk = Desk::start().await;
    let (status, problem) = desk.call(Method::GET, "/api/d1/consumers/demo-busy/operations", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    assert_eq!(problem["kind"], "unauthorized", "{problem}");
    let lines = desk.audit_lines();
    assert_eq!((lines[0]["action"].as_str(), lines[0]["status"].as_u64()), (Some("session.refused"), Some(401)), "{lines:?}");
    assert_eq!(lines[0]["target"], "GET /api/d1/consumers/demo-busy/operations");

    let (status, problem) = desk.call(Method::GET, "/api/nope", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    assert_eq!(problem["kind"], "not_found", "{problem}");
    desk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admins_delete_is_audited_before_and_after_and_an_agents_is_refused_first() {
    let desk = Desk::start().await;
    let path = "/api/d1/consumers/demo-alice/operations:delete";
    let reason = json!({ "reason": "customer asked on the phone", "reasonCode": "USER_DECISION" });
    let (status, problem) = desk.call(Method::POST, path, Some(desktop("usr-agent", Role::Agent)), Some(reason.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");

    let (status, result) = desk.call(Method::POST, path, Some(desktop("usr-ada", Role::Admin)), Some(reason)).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["status"], "SUCCESSFUL", "{result}");
    let lines = desk.audit_lines();
    let outcomes: Vec<(&str, &str)> = lines.iter().map(|l| (l["userId"].as_str().unwrap_or("?"), l["outcome"].as_str().unwrap_or("?"))).collect();
    assert_eq!(outcomes, [("usr-agent", "refused"), ("usr-ada", "attempt"), ("usr-ada", "ok")], "{lines:?}");
    assert!(lines.iter().all(|l| l["action"] == "d1.consumer.delete" && l["target"] == "demo-alice"), "{lines:?}");
    assert_eq!(lines[1]["correlationId"], lines[2]["correlationId"], "the attempt and its outcome are one use case");
    desk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_before_mas_customers_hears_of_it_and_audited() {
    let desk = Desk::start().await;
    let path = "/api/mas/accounts/not-a-uuid/promotions-history?start_date=2025-13-01";
    let (status, problem) = desk.call(Method::GET, path, Some(desktop("usr-agent", Role::Agent)), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["field"], "account_id", "{problem}");
    let (status, problem) = desk.call(Method::GET, "/api/mas/accounts/0a0a0a0a-0000-4000-8000-000000000001/promotions-history?start=x", Some(desktop("usr-agent", Role::Agent)), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert!(problem["message"].as_str().is_some_and(|m| m.contains("'start' is not a parameter here")), "{problem}");
    let lines = desk.audit_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().all(|l| l["action"] == "mas.promotions_history.get" && l["status"] == 400), "{lines:?}");
    desk.stop().await;
}
