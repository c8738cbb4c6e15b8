//! Where the gateway agrees to listen, and what https changes: the `__Host-` + `Secure` cookies and an
//! https redirect URI. No upstream is contacted: starting a sign-in only builds the authorization URL.

use std::path::{Path, PathBuf};

use console_server::{start, ServerConfig, ServerError, TlsFiles};

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
    ServerConfig {
        listen: listen.parse().expect("address"),
        dist,
        profile: profile(),
        public_url: None,
        audit_log: None,
        tls: None,
        trusted_proxies: Vec::new(),
    }
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
    let dist = temp_dir("tls");
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("self-signed certificate");
    std::fs::write(dist.join("cert.pem"), cert.cert.pem()).expect("cert");
    std::fs::write(dist.join("key.pem"), cert.key_pair.serialize_pem()).expect("key");
    let mut cfg = config("127.0.0.1:0", dist.clone());
    cfg.tls = Some(TlsFiles { cert: dist.join("cert.pem"), key: dist.join("key.pem") });
    let running = start(cfg).await.expect("https gateway starts");
    let base = running.base_url();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");

    let http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
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
    let dist = temp_dir("hsts");
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("self-signed certificate");
    std::fs::write(dist.join("cert.pem"), cert.cert.pem()).expect("cert");
    std::fs::write(dist.join("key.pem"), cert.key_pair.serialize_pem()).expect("key");
    let mut cfg = config("127.0.0.1:0", dist.clone());
    cfg.tls = Some(TlsFiles { cert: dist.join("cert.pem"), key: dist.join("key.pem") });
    let running = start(cfg).await.expect("https gateway starts");
    let base = running.base_url();
    let http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
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
