//! `console-e2e`: the harness of the console's end-to-end tests and of `console-bench`.
//!
//! What it is for: testing the console the way a user meets it, over real sockets and in a real browser.
//!
//! * [`Stack`]: an in-process D1 sandbox (`:memory:`, control API on) and the gateway (`console-server`)
//!   pointed at it (every upstream: D1, sign-in, Consents, the customer directory and MasCustomers), each
//!   on a free loopback port; [`StackOptions::mas_down`] points MasCustomers at a closed port instead. Every test starts its own, so one test's deletes never
//!   show up in another's timeline. The gateway goes through `console-link`'s real JWT-bearer flow.
//! * [`Browser`]: chromedriver on a free port plus a fantoccini session in headless Chromium with a fresh
//!   profile; chromedriver (and with it Chromium) goes away when the value is dropped, even on a panic.
//! * Helpers: [`Browser::by_testid`], [`Browser::wait_testid`], [`Browser::screenshot`], [`wait_until`].
//!   Leptos renders after a tick, so assertions poll with a deadline; there are no fixed sleeps.
//!
//! Environment (set by `cargo xtask test` / `cargo xtask bench`; defaults in brackets):
//! `CONSOLE_DIST` [`<workspace>/dist`] the built UI, `CONSOLE_ARTIFACTS` [`<workspace>/tests/artifacts`]
//! screenshots, `CHROMEDRIVER` [`/usr/bin/chromedriver`], `CHROMIUM` [`/usr/bin/chromium`].
//!
//! Browser tests need the built UI. When `dist/index.html` is missing, or `dist/` was built from other
//! sources than the checkout's (its `.source-stamp`, see [`dist`]), they fail (never skip) and say to run
//! `cargo xtask build-ui` or `cargo xtask test`. Gateway-only HTTP tests use [`Stack::start_with_stub_ui`]
//! instead.

use std::future::Future;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

pub use console_sandbox::{DEMO_ISSUER, DEMO_KID, DEMO_PASSWORD, DEMO_PRIVATE_KEY_PEM};

pub mod dist;
/// The manifest of the UI's sources, shared with `cargo xtask build-ui`, which writes it into `dist/`.
#[path = "../../xtask/src/source_stamp.rs"]
pub mod source_stamp;
pub use dist::{dist_dir, dist_matches_sources, require_dist};
pub mod desktop;
pub mod sign_in;
pub use sign_in::SignedIn;

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// The committed environment file.
pub const CONSOLE_TOML: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/console.toml");

/// Where screenshots go: `CONSOLE_ARTIFACTS`, else `<workspace>/tests/artifacts`.
pub fn artifacts_dir() -> PathBuf {
    std::env::var_os("CONSOLE_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("tests/artifacts"))
}

/// The content-hashed files `boot.js` and `index.html` of `dist` name (`/assets/…`), in order.
pub fn named_assets(dist: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for page in ["boot.js", "index.html"] {
        let text = std::fs::read_to_string(dist.join(page)).unwrap_or_else(|e| panic!("{page} of {}: {e}", dist.display()));
        for part in text.split(['\'', '"']) {
            if part.starts_with("/assets/") && !names.iter().any(|n| n == part) {
                names.push(part.to_string());
            }
        }
    }
    names
}

/// Copies `from` into a new directory `to` (a `dist/` a test can redeploy into).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())).flatten() {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
        }
    }
}

/// What a deploy of a new build does to a served `dist/`: every content-hashed asset gets a new name (the
/// old names are gone), and `boot.js` and `index.html` name the new ones; `index.html` also carries
/// `<meta name="build" content="{build}">`, so a test can tell which build a page loaded.
pub fn redeploy(dist: &Path, build: &str) {
    let assets = dist.join("assets");
    let renamed = |name: &str| {
        // "staff.0123456789abcdef.wasm" -> "staff.<new hash>.wasm"
        let mut parts: Vec<String> = name.split('.').map(str::to_string).collect();
        if parts.len() >= 3 {
            parts[1] = format!("{:016x}", {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                std::hash::Hash::hash(&(build, &parts[1]), &mut h);
                std::hash::Hasher::finish(&h)
            });
        }
        parts.join(".")
    };
    let named = named_assets(dist);
    for entry in std::fs::read_dir(&assets).expect("dist/assets").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        std::fs::rename(entry.path(), assets.join(renamed(&name))).expect("rename an asset");
    }
    for page in ["boot.js", "index.html"] {
        let path = dist.join(page);
        let mut text = std::fs::read_to_string(&path).expect("a page of dist");
        for old in &named {
            let file = old.trim_start_matches("/assets/");
            text = text.replace(old.as_str(), &format!("/assets/{}", renamed(file)));
        }
        if page == "index.html" {
            text = text.replace("<head>", &format!("<head>\n<meta name=\"build\" content=\"{build}\">"));
        }
        // The precompressed copies would still be the old build's.
        for ext in ["br", "gz"] {
            let _ = std::fs::remove_file(dist.join(format!("{page}.{ext}")));
        }
        std::fs::write(&path, text).expect("write a page of dist");
    }
}

/// A directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("cannot create temp dir {}: {e}", path.display()));
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How a [`Stack`] differs from the committed sandbox profile.
#[derive(Clone, Debug)]
pub struct StackOptions {
    /// Serve the built UI (browser tests) or a one-file stub (HTTP tests).
    pub built_ui: bool,
    /// The sandbox's access token lifetime (300 s, as in the sandbox; shorter to exercise refresh).
    pub access_token_ttl: Duration,
    /// The gateway's idle session timeout (the profile's 30 minutes unless set).
    pub idle_timeout: Option<Duration>,
    /// The gateway's timeout of one D1 request (the profile's 15 s unless set; short to meet a delayed fault).
    pub d1_timeout: Option<Duration>,
    /// The gateway's audit log file (a temp file unless set: e.g. `/dev/full`, a log that cannot be written).
    pub audit_log: Option<PathBuf>,
    /// The gateway's `--trusted-proxy` addresses (none unless set).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A `dist/` to serve instead of the built one (a copy a test redeploys into).
    pub dist: Option<PathBuf>,
    /// MasCustomers (and MasStack's token endpoint) down: the gateway's MasCustomers upstream is a closed
    /// loopback port, every other upstream the sandbox ("with the accounts upstream stopped").
    pub mas_down: bool,
}

impl Default for StackOptions {
    fn default() -> Self {
        StackOptions {
            built_ui: true,
            access_token_ttl: Duration::from_secs(300),
            idle_timeout: None,
            d1_timeout: None,
            audit_log: None,
            trusted_proxies: Vec::new(),
            dist: None,
            mas_down: false,
        }
    }
}

/// The sandbox and the gateway, running in this process on loopback.
pub struct Stack {
    sandbox: Option<console_sandbox::Running>,
    gateway: Option<console_server::Running>,
    /// The gateway's audit log (JSON lines).
    pub audit_log: PathBuf,
    /// `iss` of the sandbox's access tokens.
    pub auth_issuer: String,
    admin: tokio::sync::OnceCell<SignedIn>,
    _tmp: TempDir,
    /// `http://127.0.0.1:PORT` of the D1 sandbox.
    pub sandbox_url: String,
    /// `http://127.0.0.1:PORT` of the gateway (the console's origin).
    pub gateway_url: String,
    /// The HTTP client tests use (no retries, short timeouts).
    pub http: reqwest::Client,
}

/// The minimal page [`Stack::start_with_stub_ui`] serves.
pub const STUB_INDEX_HTML: &str = "<!doctype html><html><head><title>stub console</title></head>\
     <body><p id=\"stub-console\">stub UI for gateway tests</p></body></html>";

impl Stack {
    /// Sandbox + gateway serving the built UI ([`require_dist`]).
    pub async fn start() -> Stack {
        Stack::start_with(StackOptions::default()).await
    }

    /// Sandbox + gateway serving a one-file stub UI from a temp dir (HTTP tests of the gateway only).
    pub async fn start_with_stub_ui() -> Stack {
        Stack::start_with(StackOptions { built_ui: false, ..StackOptions::default() }).await
    }

    /// The gateway's listener is bound first, so that the sandbox's authorization server registers its
    /// real callback URL (exact match, as a real one would).
    pub async fn start_with(options: StackOptions) -> Stack {
        let tmp = TempDir::new("console-e2e");
        let dist = if let Some(dist) = options.dist.clone() {
            dist
        } else if options.built_ui {
            require_dist()
        } else {
            std::fs::write(tmp.path().join("index.html"), STUB_INDEX_HTML).expect("write the stub index.html");
            tmp.path().to_path_buf()
        };
        let listener = tokio::net::TcpListener::bind(loopback0()).await.expect("bind the gateway's port");
        let gateway_url = format!("http://{}", listener.local_addr().expect("local addr"));
        let sandbox = start_sandbox(vec![format!("{gateway_url}/auth/callback")], options.access_token_ttl).await;
        let sandbox_url = sandbox.base_url();
        let mut profile = sandbox_profile(&sandbox_url);
        if let Some(idle) = options.idle_timeout {
            profile.auth.idle_timeout = idle;
        }
        if let Some(timeout) = options.d1_timeout {
            profile.d1.timeout = timeout;
        }
        if options.mas_down {
            let closed = closed_port_url();
            for url in [&mut profile.mas.base, &mut profile.mas.credentials.token_url] {
                let path = url.path().to_string();
                *url = closed.join(&path).unwrap_or_else(|e| panic!("{closed} + {path}: {e}"));
            }
        }
        let audit_log = options.audit_log.clone().unwrap_or_else(|| tmp.path().join("audit.jsonl"));
        let gateway = console_server::start_on(
            listener,
            console_server::ServerConfig {
                audit_log: Some(audit_log.clone()),
                trusted_proxies: options.trusted_proxies.clone(),
                ..console_server::ServerConfig::new(loopback0(), dist, profile)
            },
        )
        .await
        .unwrap_or_else(|e| panic!("the gateway does not start: {e}"));
        assert_eq!(gateway.base_url(), gateway_url);
        Stack {
            auth_issuer: sandbox.auth_issuer(),
            sandbox: Some(sandbox),
            gateway: Some(gateway),
            audit_log,
            admin: tokio::sync::OnceCell::new(),
            _tmp: tmp,
            sandbox_url,
            gateway_url,
            http: http_client(),
        }
    }

    /// Signs `username` in through the real flow (gateway, sandbox sign-in form, callback), as a browser
    /// would, and returns the session's cookie and anti-CSRF token.
    pub async fn sign_in(&self, username: &str) -> SignedIn {
        SignedIn::at(&self.gateway_url, username).await
    }

    /// The admin session [`Stack::get`] and [`Stack::post`] use (ada, signed in on first use).
    pub async fn admin(&self) -> &SignedIn {
        self.admin.get_or_init(|| self.sign_in("ada")).await
    }

    /// The audit log's entries so far.
    pub fn audit_entries(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.audit_log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("audit line is not JSON ({e}): {l}")))
            .collect()
    }

    /// `gateway_url + path` (path starts with '/').
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gateway_url)
    }

    /// `sandbox_url + path`.
    pub fn sandbox(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox_url)
    }

    /// Records an operation on a consumer of the demo issuer through the sandbox's control API; returns
    /// the operation as the banking API serves it.
    pub async fn control_add_operation(&self, consumer_id: &str, body: Value) -> Value {
        let url = self.sandbox(&format!("/_sandbox/issuers/{DEMO_ISSUER}/consumers/{consumer_id}/operations"));
        let r = self.http.post(&url).json(&body).send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 201, "control API refused {body}: {v}");
        v
    }

    /// Creates a consumer (no operations) through the control API.
    pub async fn control_add_consumer(&self, consumer_id: &str) {
        let url = self.sandbox(&format!("/_sandbox/issuers/{DEMO_ISSUER}/consumers"));
        let r = self
            .http
            .post(&url)
            .json(&json!({ "consumerId": consumer_id }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        assert_eq!(r.status().as_u16(), 201, "control API did not create {consumer_id}");
    }

    /// Arms a fault at the sandbox (`POST /_sandbox/faults`, see the sandbox's README); returns it as armed.
    pub async fn arm_fault(&self, fault: Value) -> Value {
        let url = self.sandbox("/_sandbox/faults");
        let r = self.http.post(&url).json(&fault).send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = r.status().as_u16();
        let armed: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 201, "the sandbox refused the fault {fault}: {armed}");
        armed
    }

    /// The faults still armed at the sandbox (each with the calls it still applies to).
    pub async fn armed_faults(&self) -> Vec<Value> {
        let url = self.sandbox("/_sandbox/faults");
        let r = self.http.get(&url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let list: Value = r.json().await.unwrap_or(Value::Null);
        list["faults"].as_array().cloned().unwrap_or_else(|| panic!("not a fault list: {list}"))
    }

    /// GET on the gateway as the signed-in admin: status, correlation id header and JSON body (Null if
    /// not JSON).
    pub async fn get(&self, path: &str) -> (u16, Option<String>, Value) {
        self.admin().await.get(path).await
    }

    /// POST JSON on the gateway as the signed-in admin (with the anti-CSRF token).
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Option<String>, Value) {
        self.admin().await.post(path, body).await
    }

    /// GET on the gateway with no session.
    pub async fn get_anonymous(&self, path: &str) -> (u16, Option<String>, Value) {
        let r = self.http.get(self.url(path)).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
        read(r).await
    }

    /// Stops the gateway, then the sandbox.
    pub async fn shutdown(mut self) {
        if let Some(g) = self.gateway.take() {
            g.shutdown().await;
        }
        if let Some(s) = self.sandbox.take() {
            s.shutdown().await;
        }
    }
}

/// Status, `x-correlation-id` and JSON body of a response.
pub async fn read(r: reqwest::Response) -> (u16, Option<String>, Value) {
    let status = r.status().as_u16();
    let cid = r.headers().get("x-correlation-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    let body = r.json().await.unwrap_or(Value::Null);
    (status, cid, body)
}

/// `127.0.0.1:0`.
pub fn loopback0() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// An in-memory sandbox with the control API, on a free loopback port, whose authorization server also
/// knows `redirect_uris` (a gateway's exact callback) and issues access tokens living `access_token_ttl`.
pub async fn start_sandbox(redirect_uris: Vec<String>, access_token_ttl: Duration) -> console_sandbox::Running {
    let mut config = console_sandbox::Config::new(loopback0(), ":memory:");
    config.control = true;
    config.redirect_uris = redirect_uris;
    config.access_token_ttl = access_token_ttl;
    console_sandbox::start(config).await.unwrap_or_else(|e| panic!("the sandbox does not start: {e}"))
}

/// The committed `sandbox` profile, pointed at `origin` (the in-process sandbox or a proxy in front of it).
pub fn sandbox_profile(origin: &str) -> console_server::config::Profile {
    let profile = console_server::config::load(Path::new(CONSOLE_TOML), Some("sandbox"))
        .unwrap_or_else(|e| panic!("config/console.toml, profile sandbox: {e}"));
    let origin = url::Url::parse(origin).unwrap_or_else(|e| panic!("origin {origin}: {e}"));
    console_server::config::with_upstream_origin(profile, &origin).unwrap_or_else(|e| panic!("{e}"))
}

/// A plain HTTP client for tests: 30 s timeout, no proxy.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .no_proxy()
        .build()
        .expect("reqwest client builds")
}

/// Polls `f` every 100 ms until it yields `Some`, or panics after `timeout` saying what was awaited.
pub async fn wait_until<T, F, Fut>(what: &str, timeout: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    match poll_until(timeout, &mut f).await {
        Some(v) => v,
        None => panic!("timed out after {timeout:?} waiting for {what}"),
    }
}

/// Polls `f` every 100 ms until it yields `Some`, or `None` after `timeout`.
pub async fn poll_until<T, F, Fut>(timeout: Duration, f: &mut F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `http://127.0.0.1:PORT` of a port nothing listens on (bound, then released): connections are refused.
pub fn closed_port_url() -> url::Url {
    url::Url::parse(&format!("http://127.0.0.1:{}", free_port())).unwrap_or_else(|e| panic!("closed port URL: {e}"))
}

/// A free loopback TCP port (bound then released: good enough for a child process started right after).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0 to find a free port");
    l.local_addr().expect("local addr of a bound listener").port()
}

/// `[data-testid="ID"]`.
pub fn testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// Headless Chromium driven through chromedriver.
pub struct Browser {
    pub client: Client,
    driver: Child,
    port: u16,
    session: Option<String>,
    _profile: TempDir,
}

/// The page's wasm, js and css as Resource Timing saw them.
const TRANSFERS_JS: &str = r#"
return performance.getEntriesByType('resource')
  .map(e => ({ path: new URL(e.name).pathname, transfer: e.transferSize, encoded: e.encodedBodySize }))
  .filter(e => /\.(wasm|js|css)$/.test(e.path));
"#;

/// One file a page fetched: `transfer` is what crossed the network (headers included; 0 when served from
/// the browser's cache), `encoded` the body as sent (compressed).
#[derive(Clone, Debug, serde::Deserialize)]
pub struct Transfer {
    pub path: String,
    pub transfer: u64,
    pub encoded: u64,
}

/// Every wasm, js and css file a page fetched.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(transparent)]
pub struct Transfers(pub Vec<Transfer>);

impl Transfers {
    /// The files under `/assets/` (content-hashed), by name prefix: "staff.", "customer.".
    pub fn assets(&self, prefix: &str) -> Vec<&Transfer> {
        self.0.iter().filter(|t| t.path.strip_prefix("/assets/").is_some_and(|n| n.starts_with(prefix))).collect()
    }

    /// Bytes transferred of files whose path ends with `ext`.
    pub fn transferred(&self, ext: &str) -> u64 {
        self.0.iter().filter(|t| t.path.ends_with(ext)).map(|t| t.transfer).sum()
    }

    /// Encoded (compressed) body bytes of files whose path ends with `ext`.
    pub fn encoded(&self, ext: &str) -> u64 {
        self.0.iter().filter(|t| t.path.ends_with(ext)).map(|t| t.encoded).sum()
    }
}

/// The default wait for something to appear.
pub const WAIT: Duration = Duration::from_secs(15);

impl Browser {
    /// Starts chromedriver (`CHROMEDRIVER`) on a free port and opens a headless Chromium (`CHROMIUM`) session.
    pub async fn start() -> Browser {
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            let mut driver = Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start chromedriver ({chromedriver}; set CHROMEDRIVER): {e}"));
            let up = poll_until(Duration::from_secs(15), &mut || {
                let exited = matches!(driver.try_wait(), Ok(Some(_)));
                let listening = TcpStream::connect(("127.0.0.1", port)).is_ok();
                async move { (exited || listening).then_some(listening) }
            })
            .await;
            if up != Some(true) {
                let _ = driver.kill();
                let _ = driver.wait();
                last_error = format!("chromedriver did not listen on port {port}");
                continue;
            }
            let profile = TempDir::new("console-e2e-chromium");
            let caps = json!({
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        format!("--user-data-dir={}", profile.path().display()),
                        "--window-size=1400,1000",
                    ]
                },
                // The page's console and failed loads, read by `console_errors`.
                "goog:loggingPrefs": { "browser": "ALL" }
            });
            let caps = match caps {
                Value::Object(m) => m,
                _ => unreachable!("a JSON object literal"),
            };
            let mut builder = ClientBuilder::new(HttpConnector::new());
            builder.capabilities(caps);
            match builder.connect(&format!("http://127.0.0.1:{port}")).await {
                Ok(client) => {
                    let session = client.session_id().await.ok().flatten();
                    return Browser { client, driver, port, session, _profile: profile };
                }
                Err(e) => {
                    let _ = driver.kill();
                    let _ = driver.wait();
                    last_error = format!("chromedriver on port {port} could not start Chromium ({chromium}; set CHROMIUM): {e}");
                }
            }
        }
        panic!("no browser: {last_error}");
    }

    /// Sends `body` to this session's chromedriver endpoint `/session/{id}/{path}` (what WebDriver
    /// itself does not cover: the browser's log, DevTools commands); the answer's `value`.
    async fn driver_command(&self, path: &str, body: Value) -> Value {
        let session = self.session.as_deref().expect("a WebDriver session");
        let url = format!("http://127.0.0.1:{}/session/{session}/{path}", self.port);
        let answer = http_client().post(&url).json(&body).send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let value: Value = answer.json().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
        value["value"].clone()
    }

    /// The page's errors since the last call: `console.error`, uncaught exceptions and resources that
    /// failed to load (a 404 or a refused request), as Chromium logs them at level SEVERE.
    pub async fn console_errors(&self) -> Vec<String> {
        let entries = self.driver_command("se/log", json!({ "type": "browser" })).await;
        let Some(all) = entries.as_array() else { panic!("chromedriver gave no browser log: {entries}") };
        all.iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// A Chrome DevTools Protocol command (e.g. `Network.clearBrowserCache`).
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.driver_command("goog/cdp/execute", json!({ "cmd": cmd, "params": params })).await
    }

    /// What the current page fetched of its wasm, js and css: see [`Transfers`].
    pub async fn transfers(&self) -> Transfers {
        let v = self.js(TRANSFERS_JS, vec![]).await;
        serde_json::from_value(v).expect("the resource entries")
    }

    /// Navigates and waits for the document to load.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("navigate to {url}: {e}"));
    }

    /// The current URL.
    pub async fn url(&self) -> url::Url {
        self.client.current_url().await.expect("current URL")
    }

    /// The element with `data-testid=id`, if it is in the page now.
    pub async fn by_testid(&self, id: &str) -> Option<Element> {
        self.client.find(Locator::Css(&testid(id))).await.ok()
    }

    /// Every element with `data-testid=id` now.
    pub async fn all_testid(&self, id: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(&testid(id))).await.unwrap_or_default()
    }

    /// How many elements match `css` now (one script call, cheap for hundreds of rows).
    pub async fn count(&self, css: &str) -> usize {
        let v = self.js("return document.querySelectorAll(arguments[0]).length;", vec![json!(css)]).await;
        v.as_u64().unwrap_or(0) as usize
    }

    /// Runs a script; its result.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits up to `timeout` for `data-testid=id` to be in the page; on timeout saves a screenshot
    /// `failed-wait-<id>.png` and fails saying what was awaited.
    pub async fn wait_testid(&self, id: &str, timeout: Duration) -> Element {
        let css = testid(id);
        match poll_until(timeout, &mut || async { self.client.find(Locator::Css(&css)).await.ok() }).await {
            Some(e) => e,
            None => self.fail(&format!("waiting {timeout:?} for [data-testid={id}]"), &format!("failed-wait-{id}")).await,
        }
    }

    /// Waits for `data-testid=id` to leave the page.
    pub async fn wait_gone(&self, id: &str, timeout: Duration) {
        let css = testid(id);
        let gone = poll_until(timeout, &mut || async {
            self.client.find(Locator::Css(&css)).await.is_err().then_some(())
        })
        .await;
        if gone.is_none() {
            self.fail(&format!("waiting {timeout:?} for [data-testid={id}] to go away"), &format!("failed-gone-{id}")).await;
        }
    }

    /// Polls `f` with this browser until it yields `Some`; on timeout saves `failed-<shot>.png` and fails.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, shot: &str, timeout: Duration, mut f: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        match poll_until(timeout, &mut f).await {
            Some(v) => v,
            None => self.fail(&format!("waiting {timeout:?} for {what}"), &format!("failed-{shot}")).await,
        }
    }

    /// Saves a screenshot and the page's text for diagnosis, then panics with `what`.
    pub async fn fail(&self, what: &str, shot: &str) -> ! {
        let path = self.screenshot(shot).await;
        let url = self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let text = self
            .client
            .execute("return document.body ? document.body.innerText : '';", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(|s| s.chars().take(1500).collect::<String>()))
            .unwrap_or_default();
        panic!("timed out {what}\n  page: {url}\n  screenshot: {}\n  page text:\n{text}", path.display());
    }

    /// Saves a PNG of the viewport as `<artifacts>/<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let path = dir.join(format!("{}.png", name.trim_end_matches(".png")));
        match self.client.screenshot().await {
            Ok(png) => {
                std::fs::write(&path, png).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            }
            Err(e) => eprintln!("screenshot {name} failed: {e}"),
        }
        path
    }

    /// Text of `data-testid=id` (empty when absent).
    pub async fn text_of(&self, id: &str) -> String {
        match self.by_testid(id).await {
            Some(e) => e.text().await.unwrap_or_default(),
            None => String::new(),
        }
    }

    /// Signs `username` in at the sandbox's sign-in page, starting from the gateway's `path` (the app
    /// sends the browser there), and waits until the browser is back on the gateway at `path`.
    pub async fn sign_in(&self, stack: &Stack, username: &str, path: &str) {
        self.goto(&stack.url(path)).await;
        self.sign_in_here(stack, username).await;
        let back = stack.url(path);
        self.wait_for(&format!("back at {back}"), &format!("sign-in-{username}"), WAIT, || async {
            let url = self.client.current_url().await.ok()?;
            (url.as_str().trim_end_matches('/') == back.trim_end_matches('/')).then_some(())
        })
        .await;
    }

    /// Fills the sandbox's sign-in page the browser is on (or is being sent to) and waits until the
    /// browser is back on the gateway, anywhere but under /auth/.
    pub async fn sign_in_here(&self, stack: &Stack, username: &str) {
        let user = self.wait_css("#username", WAIT).await;
        user.send_keys(username).await.expect("type the user name");
        let password = self.client.find(Locator::Css("#password")).await.expect("password field");
        password.send_keys(DEMO_PASSWORD).await.expect("type the password");
        self.client.find(Locator::Css("#sign-in")).await.expect("sign-in button").click().await.expect("click sign in");
        let gateway = stack.gateway_url.clone();
        self.wait_for("back on the gateway, signed in", &format!("sign-in-{username}"), WAIT, || async {
            let url = self.client.current_url().await.ok()?;
            (url.as_str().starts_with(&gateway) && !url.path().starts_with("/auth/")).then_some(())
        })
        .await;
    }

    /// Clears `data-testid=id` and types `text` into it.
    pub async fn type_into(&self, id: &str, text: &str) {
        let e = self.wait_testid(id, WAIT).await;
        e.clear().await.unwrap_or_else(|err| panic!("clear {id}: {err}"));
        e.send_keys(text).await.unwrap_or_else(|err| panic!("type into {id}: {err}"));
    }

    /// Scrolls `data-testid=id` into view and clicks it.
    pub async fn click_testid(&self, id: &str) {
        let e = self.wait_testid(id, WAIT).await;
        self.js("arguments[0].scrollIntoView({block: 'center'});", vec![serde_json::to_value(&e).expect("element ref")]).await;
        e.click().await.unwrap_or_else(|err| panic!("click {id}: {err}"));
    }

    /// [`Browser::click_testid`] for an element below the timeline's day groups: those out of view are
    /// drawn only as they near it (`content-visibility`) and then take their real height, which can move
    /// the element from under the click (seen: a row received the footer's retry click). Clicked once
    /// its place has stayed the same over two animation frames.
    pub async fn click_testid_once_still(&self, id: &str) {
        let e = self.wait_testid(id, WAIT).await;
        let element = serde_json::to_value(&e).expect("element ref");
        let settle = "const [e, done] = arguments; let last = '';
            const look = () => { e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();
              const now = `${r.top},${r.left}`; if (now === last) done(true); else { last = now; requestAnimationFrame(() => requestAnimationFrame(look)); } };
            look();";
        self.client.execute_async(settle, vec![element]).await.unwrap_or_else(|err| panic!("scroll to {id}: {err}"));
        e.click().await.unwrap_or_else(|err| panic!("click {id}: {err}"));
    }

    /// `value` of a form control (`<absent>` when it is not in the page).
    pub async fn value_of(&self, id: &str) -> String {
        self.js(&format!("const e = document.querySelector('{}'); return e ? e.value : null;", testid(id)), vec![])
            .await
            .as_str()
            .unwrap_or("<absent>")
            .to_string()
    }

    /// Whether `data-testid=id` is in the page and enabled.
    pub async fn is_enabled(&self, id: &str) -> bool {
        match self.by_testid(id).await {
            Some(e) => e.is_enabled().await.unwrap_or(false),
            None => false,
        }
    }

    /// Waits for a CSS selector to match.
    pub async fn wait_css(&self, css: &str, timeout: Duration) -> Element {
        match poll_until(timeout, &mut || async { self.client.find(Locator::Css(css)).await.ok() }).await {
            Some(e) => e,
            None => self.fail(&format!("waiting {timeout:?} for {css}"), "failed-wait-css").await,
        }
    }

    /// Ends the WebDriver session (Chromium exits) and stops chromedriver.
    pub async fn close(mut self) {
        let client = self.client.clone();
        if client.close().await.is_ok() {
            self.session = None;
        }
        // Drop stops chromedriver.
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // On a panic the session is still open: end it with a plain DELETE so chromedriver closes Chromium
        // before it is killed (killing chromedriver alone would leave Chromium running).
        if let Some(session) = self.session.take() {
            delete_session(self.port, &session);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `DELETE /session/{id}` on chromedriver, synchronously (usable from `Drop`).
fn delete_session(port: u16, session: &str) {
    use std::io::{Read, Write};
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else { return };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let req = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if s.write_all(req.as_bytes()).is_ok() {
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
    }
}

/// Parses "N of M loaded" (the `loaded-count` text) into (N, M).
pub fn parse_of(text: &str) -> Option<(u32, u32)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let i = words.iter().position(|w| *w == "of")?;
    let n = words.get(i.checked_sub(1)?)?.trim_matches(|c: char| !c.is_ascii_digit()).parse().ok()?;
    let m = words.get(i + 1)?.trim_matches(|c: char| !c.is_ascii_digit()).parse().ok()?;
    Some((n, m))
}

/// The first UUID-shaped token (8-4-4-4-12 hex) in `text`.
pub fn find_uuid(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_hexdigit() || c == '-')).find(|w| {
        let parts: Vec<&str> = w.split('-').collect();
        parts.len() == 5 && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
    })
    .map(str::to_string)
}

/// True when `text` holds a gateway-made correlation id (32 hex digits: a dashless UUID v4).
pub fn has_hex32(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w.len() == 32 && w.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Revises a document at the sandbox's Consents as its service client (an administrator's act): the
/// consents given to older revisions become stale, and their people are asked again.
pub async fn revise_document(http: &reqwest::Client, sandbox_base: &str, type_: &str, uri: &str, revision: &str, revised_at: &str) {
    let token: serde_json::Value = http
        .post(format!("{sandbox_base}/auth/oauth2/token"))
        .basic_auth(console_sandbox::SERVICE_CLIENT_ID, Some(console_sandbox::SERVICE_CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", "banking/read banking/write")])
        .send()
        .await
        .expect("the service token")
        .json()
        .await
        .expect("a token answer");
    let access = token["access_token"].as_str().unwrap_or_else(|| panic!("no access token: {token}"));
    let body = serde_json::json!({ "uri": uri, "type": type_, "revisionId": revision, "revisedAt": revised_at });
    let r = http
        .post(format!("{sandbox_base}/consents/revisedDocuments"))
        .bearer_auth(access)
        .header("API-Key", console_sandbox::DEMO_API_KEY)
        .json(&body)
        .send()
        .await
        .expect("POST revisedDocuments");
    assert_eq!(r.status().as_u16(), 202, "the sandbox revises {uri}: {}", r.text().await.unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_counts_and_ids() {
        assert_eq!(parse_of("120 of 523 loaded"), Some((120, 523)));
        assert_eq!(parse_of("showing 7 of 523 loaded"), Some((7, 523)));
        assert_eq!(parse_of("loaded"), None);
        assert_eq!(
            find_uuid("Deleted: operation 1b4e28ba-2fa1-11d2-883f-0016d3cca427 done").as_deref(),
            Some("1b4e28ba-2fa1-11d2-883f-0016d3cca427")
        );
        assert!(has_hex32("Correlation id: 0123456789abcdef0123456789abcdef"));
        assert!(!has_hex32("nothing here"));
    }
}
