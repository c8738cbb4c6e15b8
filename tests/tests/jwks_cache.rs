//! The gateway's JWKS cache (issue 7 item 15), against a tiny key server that counts its fetches: a
//! lifetime of 10 minutes, one fetch at a time, and at most one refetch per 30 s for unknown keys. Time is
//! a clock the test moves, not waited for.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use console_link::user_auth::{UserAuth, UserAuthConfig, UserAuthError, JWKS_LIFETIME, UNKNOWN_KID_REFETCH_EVERY};
use console_sandbox::auth::keys::Signer;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

const AUDIENCE: &str = "jwks-test-apis";

struct KeyServer {
    base: url::Url,
    fetches: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

/// Serves the sandbox's JWKS at `/auth/.well-known/jwks.json`, slowly enough (100 ms) that concurrent
/// verifications overlap a fetch.
async fn key_server() -> KeyServer {
    let jwks = Signer::demo().expect("demo key").jwks;
    let fetches = Arc::new(AtomicUsize::new(0));
    let counted = fetches.clone();
    let app = axum::Router::new().route(
        "/auth/.well-known/jwks.json",
        axum::routing::get(move || {
            let (jwks, counted) = (jwks.clone(), counted.clone());
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                ([("content-type", "application/json")], jwks)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = url::Url::parse(&format!("http://{}/auth", listener.local_addr().expect("addr"))).expect("url");
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    KeyServer { base, fetches, task }
}

/// A clock the test moves forward.
#[derive(Clone)]
struct TestClock(Arc<Mutex<Instant>>);

impl TestClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().expect("clock") += by;
    }
}

fn client(server: &KeyServer, clock: &TestClock) -> Arc<UserAuth> {
    let config = UserAuthConfig {
        base: server.base.clone(),
        audience: AUDIENCE.into(),
        client_id: "jwks-test".into(),
        client_secret: "unused".into(),
        redirect_uri: url::Url::parse("http://127.0.0.1:1/auth/callback").expect("url"),
        scopes: vec![],
    };
    let now = clock.0.clone();
    let auth = UserAuth::new(config, Duration::from_secs(5)).expect("client").with_clock(Arc::new(move || *now.lock().expect("clock")));
    Arc::new(auth)
}

/// An access token signed by the sandbox's key, naming key `kid`.
fn token(server: &KeyServer, kid: &str) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.into());
    let exp = chrono::Utc::now().timestamp() + 3600;
    let claims = json!({ "iss": server.base.as_str().trim_end_matches('/'), "aud": AUDIENCE, "sub": "usr-ada", "exp": exp });
    let key = EncodingKey::from_ec_pem(console_sandbox::AUTH_PRIVATE_KEY_PEM.as_bytes()).expect("demo key");
    jsonwebtoken::encode(&header, &claims, &key).expect("sign")
}

/// Verifies `token` from `n` tasks at once; every result.
async fn verify_at_once(auth: &Arc<UserAuth>, token: &str, n: usize) -> Vec<Result<String, UserAuthError>> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (auth, token) = (auth.clone(), token.to_string());
        tasks.spawn(async move { auth.verify(&token).await.map(|c| c.sub) });
    }
    let mut out = Vec::new();
    while let Some(r) = tasks.join_next().await {
        out.push(r.expect("task"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jwks_is_fetched_once_per_lifetime_by_one_request_for_everyone_waiting() {
    let server = key_server().await;
    let clock = TestClock(Arc::new(Mutex::new(Instant::now())));
    let auth = client(&server, &clock);
    let good = token(&server, console_sandbox::AUTH_KID);
    assert!(verify_at_once(&auth, &good, 16).await.iter().all(|r| r.as_deref().ok() == Some("usr-ada")));
    assert_eq!(server.fetches.load(Ordering::SeqCst), 1, "16 verifications at once, one fetch");
    clock.advance(JWKS_LIFETIME - Duration::from_secs(1));
    assert!(verify_at_once(&auth, &good, 4).await.iter().all(Result::is_ok));
    assert_eq!(server.fetches.load(Ordering::SeqCst), 1, "within its lifetime the JWKS is not fetched again");
    clock.advance(Duration::from_secs(2));
    assert!(verify_at_once(&auth, &good, 16).await.iter().all(Result::is_ok));
    assert_eq!(server.fetches.load(Ordering::SeqCst), 2, "stale: fetched again, once for 16 verifications");
    server.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_key_refetches_at_most_once_per_interval() {
    let server = key_server().await;
    let clock = TestClock(Arc::new(Mutex::new(Instant::now())));
    let auth = client(&server, &clock);
    let made_up = token(&server, "rotated-or-made-up");
    for _ in 0..3 {
        let results = verify_at_once(&auth, &made_up, 8).await;
        assert!(results.iter().all(|r| matches!(r, Err(UserAuthError::BadToken(m)) if m.contains("rotated-or-made-up"))), "{results:?}");
    }
    assert_eq!(server.fetches.load(Ordering::SeqCst), 2, "the first fetch, and one refetch for 24 unknown-key tokens");
    clock.advance(UNKNOWN_KID_REFETCH_EVERY + Duration::from_secs(1));
    assert!(verify_at_once(&auth, &made_up, 8).await.iter().all(Result::is_err));
    assert_eq!(server.fetches.load(Ordering::SeqCst), 3, "one more refetch after the interval");
    // A known key is still served from the cache meanwhile.
    assert!(auth.verify(&token(&server, console_sandbox::AUTH_KID)).await.is_ok());
    assert_eq!(server.fetches.load(Ordering::SeqCst), 3);
    server.task.abort();
}
