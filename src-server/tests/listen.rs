//! Where and how the gateway agrees to start (loopback for plain http, an audit log for staging and
//! production), what https changes (the `__Host-` + `Secure` cookies and an https redirect URI), and who
//! it takes the client to be (dual-stack listeners, IPv6 /64s). No upstream is contacted: starting a
//! sign-in only builds the authorization URL.

use std::path::{Path, PathBuf};

use console_api::gateway::Environment;
use console_server::{start, start_on, Running, ServerConfig, ServerError, TlsFiles};

fn profile() -> console_server::config::Profile {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/console.toml");
    console_server::config::load(&file, Some("sandbox")).expect("sandbox profile")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("console-server-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("index.html"), "<!doctype html><title>stub</title>").expect("index.html");
    dir
}

fn config(listen: &str, dist: PathBuf) -> ServerConfig {
    ServerConfig::new(listen.parse().expect("address"), dist, profile())
}

/// A gateway serving https with a fresh self-signed certificate for 127.0.0.1 (in `dist`, removed by the
/// caller), and a client that accepts it and does not follow redirects.
async fn https_gateway(name: &str) -> (Running, reqwest::Client, PathBuf) {
    let dist = temp_dir(name);
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("self-signed certificate");
    std::fs::write(dist.join("cert.pem"), cert.cert.pem()).expect("cert");
    std::fs::write(dist.join("key.pem"), cert.key_pair.serialize_pem()).expect("key");
    let mut cfg = config("127.0.0.1:0", dist.clone());
    cfg.tls = Some(TlsFiles { cert: dist.join("cert.pem"), key: dist.join("key.pem") });
    let running = start(cfg).await.expect("https gateway starts");
    let http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    (running, http, dist)
}

#[tokio::test]
async fn plain_http_is_for_loopback_only() {
    let dist = temp_dir("plain");
    match start(config("0.0.0.0:0", dist.clone())).await {
        Err(ServerError::NotLoopback(_)) => {}
        Err(e) => panic!("wrong refusal: {e}"),
        Ok(_) => panic!("served plain http on every interface"),
    }
    // Behind a TLS proxy the operator says so with an https public URL.
    let mut behind_proxy = config("0.0.0.0:0", dist);
    behind_proxy.public_url = Some(url::Url::parse("https://console.bank.example").expect("url"));
    let running = start(behind_proxy).await.expect("https public URL allows any address");
    assert_eq!(running.base_url(), "https://console.bank.example");
    running.shutdown().await;
}

#[tokio::test]
async fn https_gives_host_prefixed_secure_cookies_and_an_https_callback() {
    let (running, http, dist) = https_gateway("tls").await;
    let base = running.base_url();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");

    let r = http.get(format!("{base}/auth/login?return_to=/consumers/demo-busy")).send().await.expect("GET /auth/login");
    assert_eq!(r.status().as_u16(), 303);
    let cookie = r.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(cookie.starts_with("__Host-console_login_"), "one sign-in cookie per sign-in, host-bound: {cookie}");
    for attribute in ["Path=/", "HttpOnly", "SameSite=Lax", "Secure"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let location = url::Url::parse(location).expect("absolute authorize URL");
    let q: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(location.path(), "/auth/oauth2/authorize");
    assert_eq!(q.get("code_challenge_method").map(String::as_str), Some("S256"));
    assert_eq!(q.get("redirect_uri"), Some(&format!("{base}/auth/callback")));
    assert!(q.get("code_challenge").is_some_and(|c| c.len() == 43), "{q:?}");
    assert!(q.get("state").is_some_and(|s| s.len() >= 16), "{q:?}");

    // Nobody signed in: the session says so, and /api refuses.
    let s: serde_json::Value = http.get(format!("{base}/api/session")).send().await.expect("session").json().await.expect("json");
    assert!(s.get("user").is_none() && s.get("csrfToken").is_none() && s.get("issuerId").is_none(), "{s}");
    let r = http.get(format!("{base}/api/d1/consumers/demo-busy/operations")).send().await.expect("GET");
    assert_eq!(r.status().as_u16(), 401);
    running.shutdown().await;
    let _ = std::fs::remove_dir_all(dist);
}

#[tokio::test]
async fn https_answers_carry_hsts_and_the_same_cache_and_isolation_headers() {
    let (running, http, dist) = https_gateway("hsts").await;
    let base = running.base_url();
    let header = |r: &reqwest::Response, name: &str| r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("<absent>").to_string();
    for (path, cache) in [("/api/session", "no-store"), ("/auth/login?return_to=/", "no-store"), ("/api/d1/consumers/demo-busy/operations", "no-store"), ("/", "no-cache")] {
        let r = http.get(format!("{base}{path}")).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert_eq!(header(&r, "strict-transport-security"), "max-age=31536000; includeSubDomains", "{path}");
        assert_eq!(header(&r, "cache-control"), cache, "{path}");
        assert_eq!(header(&r, "cross-origin-opener-policy"), "same-origin", "{path}");
        assert_eq!(header(&r, "cross-origin-resource-policy"), "same-origin", "{path}");
        assert!(header(&r, "permissions-policy").contains("camera=()"), "{path}");
    }
    running.shutdown().await;
    let _ = std::fs::remove_dir_all(dist);
}

/// `start` and `start_on` with `cfg`: both must refuse it for want of an audit log.
async fn refused_for_no_audit_log(cfg: &ServerConfig) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    for (how, started) in [("start", start(cfg.clone()).await), ("start_on", start_on(listener, cfg.clone()).await)] {
        match started {
            Err(e @ ServerError::NoAuditLog { .. }) => {
                let e = e.to_string();
                assert!(e.contains("--audit-log FILE") && e.contains(&cfg.profile.environment.to_string()), "{how}: {e}");
            }
            Err(e) => panic!("{how} {}: wrong refusal: {e}", cfg.profile.environment),
            Ok(running) => {
                running.shutdown().await;
                panic!("{how}: {} started with no audit log", cfg.profile.environment);
            }
        }
    }
}

#[tokio::test]
async fn staging_and_production_do_not_start_without_an_audit_log() {
    let dist = temp_dir("audit-required");
    for environment in [Environment::Staging, Environment::Production] {
        let mut cfg = config("127.0.0.1:0", dist.clone());
        cfg.profile.environment = environment.clone();
        refused_for_no_audit_log(&cfg).await;
        cfg.audit_log = Some(dist.join(format!("audit-{environment}.jsonl")));
        start(cfg).await.unwrap_or_else(|e| panic!("{environment} with an audit log: {e}")).shutdown().await;
    }
    // The sandbox may run on the tracing log alone.
    start(config("127.0.0.1:0", dist.clone())).await.expect("sandbox without an audit log").shutdown().await;
    let _ = std::fs::remove_dir_all(dist);
}

/// The `client` of the last audit line in `log`.
fn last_client(log: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(log).expect("the audit log");
    let last = text.lines().last().expect("an audit line");
    serde_json::from_str::<serde_json::Value>(last).expect("a JSON line")["client"].clone()
}

#[tokio::test]
async fn a_dual_stack_listener_believes_its_ipv4_trusted_proxy() {
    let dist = temp_dir("dual-stack");
    // `[::]`: IPv4 peers arrive as ::ffff:a.b.c.d. Off loopback, so https is declared (a TLS proxy in front).
    let Ok(listener) = tokio::net::TcpListener::bind("[::]:0").await else {
        eprintln!("no IPv6 on this machine: a dual-stack listener cannot be tested here");
        return;
    };
    let port = listener.local_addr().expect("addr").port();
    let mut cfg = config("[::]:0", dist.clone());
    cfg.public_url = Some(url::Url::parse("https://console.bank.example").expect("url"));
    cfg.audit_log = Some(dist.join("audit.jsonl"));
    cfg.trusted_proxies = vec!["127.0.0.1".parse().expect("address")];
    let running = start_on(listener, cfg).await.expect("gateway on [::]");
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/d1/consumers/demo-busy/operations?limit=1");
    let r = http.get(&url).header("x-forwarded-for", "198.51.100.7").send().await.expect("GET through the IPv4 proxy");
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(last_client(&dist.join("audit.jsonl")), "198.51.100.7", "the proxy 127.0.0.1, seen as ::ffff:127.0.0.1, was not trusted");
    // Without a forwarded address the client is the proxy itself, as IPv4.
    let r = http.get(&url).send().await.expect("GET");
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(last_client(&dist.join("audit.jsonl")), "127.0.0.1");
    running.shutdown().await;
    let _ = std::fs::remove_dir_all(dist);
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_ipv6_64_not_per_address() {
    let dist = temp_dir("ipv6-64");
    let mut cfg = config("127.0.0.1:0", dist.clone());
    // The test plays a proxy in front of the gateway, forwarding for IPv6 clients.
    cfg.trusted_proxies = vec!["127.0.0.1".parse().expect("address")];
    let running = start(cfg).await.expect("gateway starts");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let login = |from: String| http.get(format!("{}/auth/login?return_to=/", running.base_url())).header("x-forwarded-for", from).send();
    // One client picking a new address of its /64 for every request (as privacy extensions allow).
    let burst = console_server::rate_limit::AUTH_BURST;
    for n in 1..=burst {
        let r = login(format!("2001:db8:1:2::{n:x}")).await.expect("GET /auth/login");
        assert_eq!(r.status().as_u16(), 303, "request {n} of the burst");
    }
    let r = login("2001:db8:1:2:ffff::1".into()).await.expect("GET /auth/login");
    assert_eq!(r.status().as_u16(), 429, "a fresh address in a used /64 got a fresh bucket");
    // The neighbouring /64 is another client.
    let r = login("2001:db8:1:3::1".into()).await.expect("GET /auth/login");
    assert_eq!(r.status().as_u16(), 303);
    running.shutdown().await;
    let _ = std::fs::remove_dir_all(dist);
}
