//! The console's service in the app's process, against the real sandbox: a person signed in through the
//! loopback flow is answered with their own role, the sandbox profile's secrets are read from the
//! keychain, and the desktop audit log names the person and the desktop app.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use console_api::gateway::{Role, SessionInfo};
use console_desktop::api::{answer_of, ApiHost};
use console_desktop::keychain::Keychain;
use console_desktop::profile::{Profile, SANDBOX, SANDBOX_DEMO_SECRETS};
use console_desktop::service_host::{settings, SignedInHost};
use console_link::service::ServiceState;

mod common;

async fn sandbox() -> console_sandbox::Running {
    let listen = "127.0.0.1:0".parse().unwrap();
    console_sandbox::start(console_sandbox::Config::new(listen, ":memory:")).await.expect("sandbox starts")
}

/// `username` signed in through the loopback flow, and the host that answers for them.
async fn signed_in(sandbox: &console_sandbox::Running, username: &'static str, audit: &std::path::Path) -> (SignedInHost, Arc<Keychain>) {
    let profile = Profile::sandbox(&format!("{}/", sandbox.base_url()).parse().unwrap()).unwrap();
    let keychain = Arc::new(Keychain::memory_only("tests"));
    let service = ServiceState::new(settings(&profile, &keychain, Some(audit.to_path_buf())).expect("settings")).expect("service");
    let browser = move |url: &str| {
        let url = url.to_string();
        tokio::spawn(async move { common::play_browser(url, username).await });
        Ok(())
    };
    let sign_in = profile.sign_in(console_link::UpstreamTls::default());
    let tokens = console_desktop::sign_in::sign_in(&sign_in, browser, Duration::from_secs(20), std::future::pending()).await.expect("signed in");
    (SignedInHost::open(service, profile, sign_in, keychain.clone(), tokens).expect("a console role"), keychain)
}

async fn get(host: &SignedInHost, path: &str) -> (u16, String) {
    let answer = answer_of(host.answer(Request::get(path).body(Body::empty()).unwrap()).await).await.unwrap();
    (answer.status, answer.body)
}

#[tokio::test]
async fn staff_and_end_users_are_answered_by_the_service_with_their_own_role() {
    let sandbox = sandbox().await;
    let dir = std::env::temp_dir().join(format!("console-desktop-service-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let audit = dir.join("audit.jsonl");
    let (ada, keychain) = signed_in(&sandbox, "ada", &audit).await;
    // The demo secrets went into the keychain, and the service read them from there.
    let scope = Profile::sandbox(&format!("{}/", sandbox.base_url()).parse().unwrap()).unwrap().keychain_scope();
    assert!(scope.starts_with(SANDBOX), "{scope}");
    for (kind, _) in SANDBOX_DEMO_SECRETS {
        assert!(keychain.get(&kind.entry(&scope)).unwrap().is_some(), "{kind:?} in the keychain");
    }
    let (status, body) = get(&ada, "/api/session").await;
    assert_eq!(status, 200);
    let session: SessionInfo = serde_json::from_str(&body).unwrap();
    let user = session.user.expect("signed in");
    assert_eq!(user.role, Role::Admin);
    assert_eq!(session.issuer_id.as_deref(), Some("DEMOISSUER"));
    let (status, body) = get(&ada, "/api/d1/consumers/demo-busy/operations?limit=5").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("operationId"), "{body}");
    let (status, body) = get(&ada, "/api/people?q=alice").await;
    assert_eq!(status, 200, "the directory through its own client: {body}");

    let (alice, _) = signed_in(&sandbox, "alice", &audit).await;
    let (_, body) = get(&alice, "/api/session").await;
    let session: SessionInfo = serde_json::from_str(&body).unwrap();
    assert_eq!(session.issuer_id, None, "the D1 issuer is for staff, as at the gateway");
    let (status, body) = get(&alice, "/api/d1/consumers/demo-busy/operations").await;
    assert_eq!(status, 403, "an end user is not staff: {body}");
    let (status, body) = get(&alice, "/api/me/consents/needed").await;
    assert_eq!(status, 200, "{body}");
    // Signed out: the refresh token is handed over once to revoke, and nothing answers (or renews) after.
    assert!(alice.end_for_sign_out().await.is_some());
    assert_eq!(alice.end_for_sign_out().await, None, "handed over once");
    let (status, _) = get(&alice, "/api/me/consents/needed").await;
    assert_eq!(status, 401, "a request after the sign-out");

    let log = std::fs::read_to_string(&audit).unwrap();
    let lines: Vec<serde_json::Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let sign_ins = lines.iter().filter(|l| l["action"] == "session.sign_in" && l["status"] == 200).count();
    assert_eq!(sign_ins, 2, "{log}");
    let refused = lines.iter().find(|l| l["status"] == 403).expect("the refusal is audited");
    assert_eq!(refused["role"], "customer", "{refused}");
    assert!(lines.iter().all(|l| l["client"] == "desktop app"), "{log}");
    assert!(!log.contains("Bearer") && !log.contains("eyJ"), "no token in the audit log");
    let _ = std::fs::remove_dir_all(&dir);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_profile_without_its_secrets_says_which_to_import() {
    let mut profile = Profile::sandbox(&"https://api.bank.example/".parse().unwrap()).unwrap();
    profile.name = "staging".into();
    profile.environment = console_api::gateway::Environment::Staging;
    let keychain = Keychain::memory_only("tests");
    let why = settings(&profile, &keychain, None).err().expect("refused");
    assert!(why.contains("D1") && why.contains("import"), "{why}");
}
