//! The stack of the sign-in tests: the sandbox and a gateway whose store the test can count, and, when
//! asked, a misbehaving authorization server between them.
//!
//! The misbehaving server is the sandbox behind a proxy that re-signs the tokens of the token endpoint
//! with the sandbox's own (demo) key, as a compromised or buggy authorization server would, after letting
//! the test change the ID token's claims (nonce, audience, expiry, roles, subject). Everything else goes
//! through unchanged. The gateway's issuer is the proxy's, so the tokens it re-signs carry that `iss`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use console_e2e::{loopback0, read, sandbox_profile, start_sandbox, TempDir, STUB_INDEX_HTML};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value};

/// Changes an ID token's claims on its way to the gateway.
pub type Tamper = Arc<dyn Fn(&mut Map<String, Value>) + Send + Sync>;

pub struct SignInStack {
    pub sandbox: console_sandbox::Running,
    pub gateway: console_server::Running,
    pub gateway_url: String,
    pub sandbox_url: String,
    pub audit_log: PathBuf,
    /// Set while the proxy is in front: what it does to the next ID tokens (None: nothing).
    pub tamper: Arc<Mutex<Option<Tamper>>>,
    proxy: Option<tokio::task::JoinHandle<()>>,
    _tmp: TempDir,
}

pub struct Options {
    /// Put the re-signing proxy between the gateway and the authorization server.
    pub proxy: bool,
    pub access_token_ttl: Duration,
    /// The gateway's idle timeout (the profile's 30 minutes unless set).
    pub idle_timeout: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options { proxy: false, access_token_ttl: Duration::from_secs(300), idle_timeout: None }
    }
}

impl SignInStack {
    pub async fn start(options: Options) -> SignInStack {
        let tmp = TempDir::new("console-signin");
        std::fs::write(tmp.path().join("index.html"), STUB_INDEX_HTML).expect("stub index.html");
        let listener = tokio::net::TcpListener::bind(loopback0()).await.expect("bind the gateway");
        let gateway_url = format!("http://{}", listener.local_addr().expect("addr"));
        let sandbox = start_sandbox(vec![format!("{gateway_url}/auth/callback")], options.access_token_ttl).await;
        let sandbox_url = sandbox.base_url();
        let tamper: Arc<Mutex<Option<Tamper>>> = Arc::default();
        let (upstream, proxy) = if options.proxy {
            let (url, task) = start_proxy(sandbox_url.clone(), tamper.clone()).await;
            (url, Some(task))
        } else {
            (sandbox_url.clone(), None)
        };
        let audit_log = tmp.path().join("audit.jsonl");
        let mut profile = sandbox_profile(&upstream);
        if let Some(idle) = options.idle_timeout {
            profile.auth.idle_timeout = idle;
        }
        let gateway = console_server::start_on(
            listener,
            console_server::ServerConfig {
                audit_log: Some(audit_log.clone()),
                // The test plays a proxy in front of the gateway where it needs many client addresses.
                trusted_proxies: vec![std::net::Ipv4Addr::LOCALHOST.into()],
                ..console_server::ServerConfig::new(loopback0(), tmp.path().to_path_buf(), profile)
            },
        )
        .await
        .unwrap_or_else(|e| panic!("the gateway does not start: {e}"));
        SignInStack { sandbox, gateway, gateway_url, sandbox_url, audit_log, tamper, proxy, _tmp: tmp }
    }

    pub fn set_tamper(&self, tamper: Option<Tamper>) {
        *self.tamper.lock().expect("tamper lock") = tamper;
    }

    /// How many sign-ins of `user_id` are live at the authorization server.
    pub async fn live_sign_ins(&self, user_id: &str) -> u64 {
        let url = format!("{}/_sandbox/auth/users/{user_id}/sign-ins", self.sandbox_url);
        let (status, _, body) = read(reqwest::get(&url).await.expect("GET sign-ins")).await;
        assert_eq!(status, 200, "{body}");
        body["live"].as_u64().expect("live")
    }

    pub fn audit_entries(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.audit_log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
            .collect()
    }

    pub async fn shutdown(self) {
        self.gateway.shutdown().await;
        if let Some(p) = self.proxy {
            p.abort();
        }
        self.sandbox.shutdown().await;
    }
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    issuer: String,
    tamper: Arc<Mutex<Option<Tamper>>>,
    http: reqwest::Client,
}

async fn start_proxy(upstream: String, tamper: Arc<Mutex<Option<Tamper>>>) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind(loopback0()).await.expect("bind the proxy");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).no_proxy().build().expect("client");
    let proxy = Proxy { upstream, issuer: format!("{url}/auth"), tamper, http };
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let mut outgoing = proxy.http.request(parts.method.clone(), format!("{}{path}", proxy.upstream)).body(body);
    for (name, value) in &parts.headers {
        if name != "host" {
            outgoing = outgoing.header(name, value);
        }
    }
    let Ok(answer) = outgoing.send().await else { return StatusCode::BAD_GATEWAY.into_response() };
    let status = answer.status();
    let headers: Vec<(HeaderName, axum::http::HeaderValue)> =
        answer.headers().iter().filter(|(n, _)| *n != "content-length" && *n != "transfer-encoding").map(|(n, v)| (n.clone(), v.clone())).collect();
    let mut bytes = answer.bytes().await.unwrap_or_default();
    if path.starts_with("/auth/oauth2/token") && status == 200 {
        bytes = re_sign(&proxy, &bytes);
    }
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    for (name, value) in headers {
        response.headers_mut().append(name, value);
    }
    response
}

/// The token answer with its access token and ID token re-signed by the proxy's issuer, the ID token's
/// claims tampered with as the test asked.
fn re_sign(proxy: &Proxy, bytes: &Bytes) -> Bytes {
    let Ok(mut answer) = serde_json::from_slice::<Value>(bytes) else { return bytes.clone() };
    let tamper = proxy.tamper.lock().expect("tamper lock").clone();
    for (field, tampered) in [("access_token", None), ("id_token", tamper)] {
        if let Some(token) = answer.get(field).and_then(Value::as_str) {
            let mut claims = unverified_claims(token);
            claims.insert("iss".into(), Value::String(proxy.issuer.clone()));
            if let Some(t) = tampered {
                t(&mut claims);
            }
            answer[field] = Value::String(sign(&claims));
        }
    }
    Bytes::from(serde_json::to_vec(&answer).expect("json"))
}

fn unverified_claims(token: &str) -> Map<String, Value> {
    let mut v = Validation::new(Algorithm::ES256);
    v.insecure_disable_signature_validation();
    v.validate_exp = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    jsonwebtoken::decode::<Map<String, Value>>(token, &DecodingKey::from_secret(&[]), &v).expect("a JWT").claims
}

/// Signed with the sandbox's demo key, as its authorization server signs.
pub fn sign(claims: &Map<String, Value>) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(console_sandbox::AUTH_KID.into());
    let key = EncodingKey::from_ec_pem(console_sandbox::AUTH_PRIVATE_KEY_PEM.as_bytes()).expect("demo key");
    jsonwebtoken::encode(&header, claims, &key).expect("sign")
}

/// Unix seconds now.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
