//! The IPC plumbing under Tauri's mock runtime: the page's `invoke("api", …)` reaches the host, answers
//! come back whole, refusals come back as problems, and the real capabilities let only the main window
//! call only the app's own command.

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

use std::path::PathBuf;

use crate::api::{ApiAnswer, RouterHost};
use crate::dialogs::ScriptedDialogs;
use crate::keychain::Keychain;
use crate::profile::{Profile, Profiles};
use crate::state::AppState;
use std::sync::atomic::{AtomicUsize, Ordering};

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        // The page's origin on Linux.
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().unwrap())
}

/// A small stand-in for the console's service router: it echoes what reached it.
fn echo_router() -> Router {
    Router::new()
        .route("/api/session", get(|| async { Json(json!({"environment": "sandbox", "product": "p", "version": "0"})) }))
        .route(
            "/api/things/{id}",
            post(|headers: HeaderMap, body: String| async move {
                let seen = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
                let answer = json!({ "body": body, "ifMatch": seen("if-match"), "cookie": seen("cookie") });
                (StatusCode::CREATED, [("etag", "\"v2\"")], Json(answer))
            }),
        )
}

/// A state of its own folder, whose `dialogs/` answers the app's dialogs (`ScriptedDialogs`).
fn test_state_in() -> (AppState, PathBuf) {
    let sandbox = Profile::sandbox(&"http://127.0.0.1:9/".parse().unwrap()).unwrap();
    let dir = std::env::temp_dir().join(format!("console-ipc-tests-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst)));
    let dialogs = dir.join("dialogs");
    std::fs::create_dir_all(&dialogs).unwrap();
    let profiles = Profiles::load(&dir.join("profiles.toml"), sandbox).unwrap();
    let state = AppState::signed_out(profiles, Keychain::memory_only("tests"), None).with_dialogs(Arc::new(ScriptedDialogs { dir: dialogs.clone() }));
    (state, dialogs)
}

fn test_state() -> AppState {
    test_state_in().0
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn mock_window() -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let (app, window, _) = mock_window_with_dialogs();
    (app, window)
}

/// The app, its main window, and the folder that answers its dialogs.
fn mock_window_with_dialogs() -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>, PathBuf) {
    let (state, dialogs) = test_state_in();
    let (app, window) = mock_window_of(state);
    (app, window, dialogs)
}

/// The app on `state`, and its main window.
fn mock_window_of(state: AppState) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = crate::builder(mock_builder(), state).build(mock_context(noop_assets())).expect("mock app");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("main window");
    (app, window)
}

#[test]
fn api_calls_reach_the_host_and_come_back_whole() {
    let (app, window) = mock_window();
    app.state::<AppState>().set_host(Arc::new(RouterHost(echo_router())));
    let call = json!({ "call": {
        "method": "POST", "path": "/api/things/1",
        "headers": [["if-match", "\"v1\""], ["cookie", "session=x"], ["content-type", "application/json"]],
        "body": "{\"a\":1}",
    }});
    let answer: ApiAnswer = serde_json::from_value(invoke(&window, "api", call).expect("answer")).unwrap();
    assert_eq!(answer.status, 201);
    assert!(answer.headers.contains(&("etag".into(), "\"v2\"".into())), "{:?}", answer.headers);
    let echoed: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(echoed, json!({ "body": "{\"a\":1}", "ifMatch": "\"v1\"", "cookie": null }));
}

#[test]
fn the_hosts_own_errors_are_answers_and_bad_calls_are_problems() {
    let (app, window) = mock_window();
    app.state::<AppState>().set_host(Arc::new(RouterHost(echo_router())));
    // No such route: the router's 404 comes back as an answer, as over HTTP.
    let missing = invoke(&window, "api", json!({ "call": { "method": "GET", "path": "/api/nothing" } })).unwrap();
    assert_eq!(missing["status"], 404);
    // Not an /api path: refused before the host, as an ApiProblem.
    let refused = invoke(&window, "api", json!({ "call": { "method": "GET", "path": "https://evil.example/" } })).unwrap_err();
    assert_eq!((refused["status"].clone(), refused["kind"].clone()), (json!(400), json!("invalid_input")));
}

#[test]
fn signed_out_the_session_says_nobody_and_the_rest_is_401() {
    let (_app, window) = mock_window();
    let session = invoke(&window, "api", json!({ "call": { "method": "GET", "path": "/api/session" } })).unwrap();
    assert_eq!(session["status"], 200);
    let info: console_api::gateway::SessionInfo = serde_json::from_str(session["body"].as_str().unwrap()).unwrap();
    assert!(info.user.is_none());
    let other = invoke(&window, "api", json!({ "call": { "method": "GET", "path": "/api/consumers/demo-busy/operations" } })).unwrap();
    assert_eq!(other["status"], 401);
    let problem: Value = serde_json::from_str(other["body"].as_str().unwrap()).unwrap();
    assert_eq!(problem["kind"], "unauthorized");
}

/// The real configuration and capabilities (generate_context!): `api` from the main window only, and no
/// plugin command at all, not even the opener the app itself uses.
#[test]
fn capabilities_allow_only_the_apps_command_in_the_main_window() {
    let app = crate::builder(mock_builder(), test_state()).build(tauri::generate_context!()).expect("app with the real ACL");
    let main = app.get_webview_window("main").unwrap_or_else(|| WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap());
    let session = json!({ "call": { "method": "GET", "path": "/api/session" } });
    assert_eq!(invoke(&main, "api", session.clone()).expect("api allowed in main")["status"], 200);
    let opener = invoke(&main, "plugin:opener|open_url", json!({ "url": "https://evil.example" }));
    assert!(opener.is_err(), "the page may not open URLs: {opener:?}");
    let other = WebviewWindowBuilder::new(&app, "other", Default::default()).build().unwrap();
    let refused = invoke(&other, "api", session).expect_err("api refused outside the main window");
    assert!(refused.to_string().contains("not allowed"), "{refused}");
}

/// A staging profile at `https://api.bank.example/` (not saved).
fn staging() -> Profile {
    let mut staging = Profile::sandbox(&"https://api.bank.example/".parse().unwrap()).unwrap();
    staging.name = "staging".into();
    staging.environment = console_api::gateway::Environment::Staging;
    staging
}

/// [`staging`], saved through the settings route.
fn save_staging(window: &WebviewWindow<MockRuntime>) {
    let saved = invoke(window, "api", json!({ "call": {
        "method": "PUT", "path": "/api/desktop/profiles/staging", "body": serde_json::to_string(&staging()).unwrap(),
    }})).unwrap();
    assert_eq!(saved["status"], 200, "{saved}");
}

#[test]
fn the_page_learns_where_secrets_are_kept() {
    let (_app, window) = mock_window();
    let status = invoke(&window, "keychain_status", json!({})).unwrap();
    assert_eq!(status["persistent"], false);
    assert!(status["message"].as_str().unwrap().contains("you will sign in again next start"), "{status}");
}

#[test]
fn a_profile_without_its_secrets_refuses_sign_in_before_any_browser_opens() {
    let (app, window) = mock_window();
    save_staging(&window);
    let switched = invoke(&window, "api", json!({ "call": { "method": "POST", "path": "/api/desktop/profiles/staging/activate" } })).unwrap();
    assert_eq!(switched["status"], 200, "{switched}");
    assert_eq!(app.state::<AppState>().profile().name, "staging");
    std::env::set_var(crate::sign_in::BROWSER_HOOK_ENV, "/nonexistent/browser-must-not-run");
    let problem = invoke(&window, "sign_in", json!({})).unwrap_err();
    assert_eq!(problem["status"], 409);
    assert!(problem["message"].as_str().unwrap().contains("D1 signing key of the staging profile"), "{problem}");
}

/// The import route of `kind` for the `staging` profile, with `body`: its status and JSON answer.
fn import_into_staging(window: &WebviewWindow<MockRuntime>, kind: &str, body: Option<&str>) -> (u64, Value) {
    let path = format!("/api/desktop/profiles/staging/secrets/{kind}/import");
    let answer = invoke(window, "api", json!({ "call": { "method": "POST", "path": path, "body": body } })).unwrap();
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    (answer["status"].as_u64().unwrap(), body)
}

/// Whether the keychain holds `kind` for the `staging` profile as it is now.
fn kept_for_staging(app: &tauri::App<MockRuntime>, kind: crate::profile::SecretKind) -> bool {
    let state = app.state::<AppState>();
    let scope = state.profiles.lock().unwrap().get("staging").unwrap().keychain_scope();
    state.keychain.get(&kind.entry(&scope)).unwrap().is_some()
}

#[test]
fn a_secret_is_imported_from_the_file_the_person_chooses_after_they_confirm_where_it_goes() {
    let (app, window, dialogs) = mock_window_with_dialogs();
    save_staging(&window);
    let import = |kind: &str, body: Option<&str>| import_into_staging(&window, kind, body);
    let kept = |kind: crate::profile::SecretKind| kept_for_staging(&app, kind);
    let pick = |path: &std::path::Path| std::fs::write(dialogs.join("pick"), path.display().to_string()).unwrap();
    let asked = || std::fs::read_to_string(dialogs.join("asked.log")).unwrap_or_default();

    // The page cannot name the file: the app asks for it.
    let (status, problem) = import("d1Key", Some(r#"{"file": "/home/someone/.ssh/id"}"#));
    assert_eq!(status, 400);
    assert!(problem["message"].as_str().unwrap().contains("file chooser"), "{problem}");
    assert!(!asked().contains("Choose"), "no file chooser for a refused call: {}", asked());

    // Nothing chosen: nothing imported.
    assert_eq!(import("d1Key", None), (200, json!({ "imported": false })));
    assert!(asked().contains("Choose the D1 signing key of staging"), "{}", asked());

    // A file others may read is not a secret file: refused, saying how to fix it, before any confirmation.
    use std::os::unix::fs::PermissionsExt;
    let key = dialogs.join("d1.pem");
    std::fs::write(&key, include_str!("../../src-sandbox/demo/DEMOISSUER.es256.key.pem")).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    pick(&key);
    let (status, problem) = import("d1Key", Some("{}"));
    assert_eq!(status, 400);
    assert!(problem["message"].as_str().unwrap().contains("chmod 600"), "{problem}");
    assert!(!asked().contains("Import a secret"), "refused before the confirmation");

    // Readable by its owner only: the person is shown the file and where the key will be used, and confirms.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(import("d1Key", None), (200, json!({ "imported": true, "persistent": false, "nextSignIn": false })), "kept for this run only: the tests have no keychain");
    let question = asked();
    assert!(question.contains(&format!("Import {} as the D1 signing key of the profile staging?", key.display())), "{question}");
    assert!(question.contains("https://api.bank.example/authz/v1"), "{question}");
    assert!(kept(crate::profile::SecretKind::D1Key));

    // Declined at the confirmation: nothing kept.
    let api_key = dialogs.join("consents.key");
    std::fs::write(&api_key, "a-consents-api-key\n").unwrap();
    std::fs::set_permissions(&api_key, std::fs::Permissions::from_mode(0o600)).unwrap();
    pick(&api_key);
    std::fs::write(dialogs.join("refuse"), "").unwrap();
    assert_eq!(import("consentsApiKey", None), (200, json!({ "imported": false })));
    assert!(asked().contains("Apiture Consents at https://api.bank.example/consents"), "{}", asked());
    assert!(!kept(crate::profile::SecretKind::ConsentsApiKey));
    std::fs::remove_file(dialogs.join("refuse")).unwrap();

    // Not a regular file, and nothing of a file that is not a secret quoted back.
    pick(std::path::Path::new("/dev/zero"));
    let (status, problem) = import("consentsApiKey", None);
    assert_eq!(status, 400);
    assert!(problem["message"].as_str().unwrap().contains("not a regular file"), "{problem}");
    let prose = dialogs.join("notes.txt");
    std::fs::write(&prose, "my private notes here").unwrap();
    std::fs::set_permissions(&prose, std::fs::Permissions::from_mode(0o600)).unwrap();
    pick(&prose);
    let (status, problem) = import("d1Key", None);
    assert_eq!(status, 400);
    assert!(!problem.to_string().contains("private notes"), "{problem}");
}

#[test]
fn the_d1_client_certificate_and_its_key_are_imported_from_two_files_and_must_belong_together() {
    use std::os::unix::fs::PermissionsExt;
    let (app, window, dialogs) = mock_window_with_dialogs();
    save_staging(&window);
    let import = |kind: &str| import_into_staging(&window, kind, None);
    let kept = |kind: crate::profile::SecretKind| kept_for_staging(&app, kind);
    let write = |name: &str, text: &str, mode: u32| {
        let path = dialogs.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path.display().to_string()
    };
    let pick = |paths: &[&str]| std::fs::write(dialogs.join("pick"), paths.join("\n")).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["console.bank.example".into()]).unwrap().self_signed(&key).unwrap();
    // A certificate is public (0644 is fine); its key is a secret file.
    let cert_path = write("client.crt", &cert.pem(), 0o644);
    let key_path = write("client.key", &key.serialize_pem(), 0o644);
    pick(&[&cert_path, &key_path]);
    let (status, problem) = import("d1ClientCertificate");
    assert_eq!(status, 400);
    assert!(problem["message"].as_str().unwrap().contains("chmod 600"), "{problem}");
    assert!(!kept(crate::profile::SecretKind::D1ClientCertificate));

    // Another key than the certificate's own: refused, nothing kept.
    let stranger = write("stranger.key", &rcgen::KeyPair::generate().unwrap().serialize_pem(), 0o600);
    pick(&[&cert_path, &stranger]);
    let (status, problem) = import("d1ClientCertificate");
    assert_eq!(status, 400);
    assert!(problem["message"].as_str().unwrap().contains("not the certificate's own"), "{problem}");
    assert!(!kept(crate::profile::SecretKind::D1ClientCertificate));

    // The pair: both files named in the confirmation, with where the certificate is shown.
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    pick(&[&cert_path, &key_path]);
    assert_eq!(import("d1ClientCertificate"), (200, json!({ "imported": true, "persistent": false, "nextSignIn": false })));
    let asked = std::fs::read_to_string(dialogs.join("asked.log")).unwrap();
    assert!(asked.contains("Choose the private key of the D1 client certificate of staging"), "{asked}");
    assert!(asked.contains(&format!("Import {cert_path} and its key {key_path} as the D1 client certificate")), "{asked}");
    assert!(asked.contains("D1 at https://api.bank.example/authz/v1"), "{asked}");
    // What the person compares with what the bank gave them: the certificate's SHA-256 fingerprint.
    use sha2::Digest;
    let fingerprint: Vec<String> = sha2::Sha256::digest(cert.der()).iter().map(|b| format!("{b:02X}")).collect();
    assert!(asked.contains(&format!("SHA-256 fingerprint:\n{}", fingerprint.join(":"))), "{asked}");
    assert!(asked.contains("Import a certificate"), "{asked}");
    assert!(kept(crate::profile::SecretKind::D1ClientCertificate));

    // The bank's CA: certificates only, public, trusted by every server of the profile.
    pick(&[&write("bank-ca.pem", &cert.pem(), 0o644)]);
    assert_eq!(import("caBundle"), (200, json!({ "imported": true, "persistent": false, "nextSignIn": false })));
    let asked = std::fs::read_to_string(dialogs.join("asked.log")).unwrap();
    assert!(asked.contains("every server of the profile (api.bank.example)"), "{asked}");
    assert!(kept(crate::profile::SecretKind::CaBundle));
}

#[test]
fn a_new_sign_in_server_is_confirmed_in_the_apps_own_dialog_before_it_is_saved() {
    let (app, window, dialogs) = mock_window_with_dialogs();
    let put = |profile: &Profile| {
        let call = json!({ "call": { "method": "PUT", "path": "/api/desktop/profiles/staging", "body": serde_json::to_string(profile).unwrap() } });
        let answer = invoke(&window, "api", call).unwrap();
        (answer["status"].as_u64().unwrap(), serde_json::from_str::<Value>(answer["body"].as_str().unwrap()).unwrap())
    };
    let asked = || std::fs::read_to_string(dialogs.join("asked.log")).unwrap_or_default();
    let saved = || app.state::<AppState>().profiles.lock().unwrap().get("staging");

    // Declined (a script in the page cannot answer the app's dialog): nothing saved, the field named.
    std::fs::write(dialogs.join("refuse"), "").unwrap();
    let (status, problem) = put(&staging());
    assert_eq!((status, problem["field"].as_str()), (400, Some("authBase")), "{problem}");
    assert!(asked().contains("Sign people in at api.bank.example in the profile staging?"), "{}", asked());
    assert!(asked().contains("Server: api.bank.example\nAddress: https://api.bank.example/auth"), "{}", asked());
    assert_eq!(saved(), None);
    std::fs::remove_file(dialogs.join("refuse")).unwrap();

    // Confirmed: saved. Saved again at the same server: not asked again.
    assert_eq!(put(&staging()).0, 200);
    let questions = asked().matches("A sign-in server").count();
    let mut edited = staging();
    edited.kid = "bank-staging-es256-2027".into();
    assert_eq!(put(&edited).0, 200);
    assert_eq!(asked().matches("A sign-in server").count(), questions, "the same server is not asked about again");

    // Another server: asked again, and declined, the saved profile stays as it was.
    let mut elsewhere = edited.clone();
    elsewhere.auth_base = "https://login.elsewhere.example/auth".parse().unwrap();
    std::fs::write(dialogs.join("refuse"), "").unwrap();
    assert_eq!(put(&elsewhere).0, 400);
    assert!(asked().contains("https://login.elsewhere.example/auth"), "{}", asked());
    assert_eq!(saved(), Some(edited.clone()));
    std::fs::remove_file(dialogs.join("refuse")).unwrap();

    // One change at a time: while one waits on its dialog, another is refused rather than stacked.
    let state = app.state::<AppState>();
    let waiting = state.one_settings_change.try_lock().unwrap();
    let (status, problem) = put(&elsewhere);
    assert_eq!(status, 409, "{problem}");
    assert!(problem["message"].as_str().unwrap().contains("under way"), "{problem}");
    drop(waiting);
    assert_eq!(saved(), Some(edited));
}

#[test]
fn a_settings_change_the_audit_log_cannot_show_is_not_made() {
    let (mut state, dialogs) = test_state_in();
    // A log in a folder that cannot be made (under a regular file).
    let blocked = dialogs.join("not-a-folder");
    std::fs::write(&blocked, "").unwrap();
    state.settings_audit = console_link::service::AuditLog::open(Some(&blocked.join("audit.jsonl"))).map_err(|e| e.to_string());
    assert!(state.settings_audit.is_err());
    let (app, window) = mock_window_of(state);
    let call = json!({ "call": { "method": "PUT", "path": "/api/desktop/profiles/staging", "body": serde_json::to_string(&staging()).unwrap() } });
    let answer = invoke(&window, "api", call).unwrap();
    assert_eq!(answer["status"], 503, "{answer}");
    assert!(answer["body"].as_str().unwrap().contains("audit log"), "{answer}");
    assert_eq!(app.state::<AppState>().profiles.lock().unwrap().get("staging"), None, "nothing saved");
    assert!(!std::fs::read_to_string(dialogs.join("asked.log")).unwrap_or_default().contains("sign-in server"), "nothing asked either");
    // Reading the profiles needs no audit line.
    let list = invoke(&window, "api", json!({ "call": { "method": "GET", "path": "/api/desktop/profiles" } })).unwrap();
    assert_eq!(list["status"], 200);
}

#[test]
fn a_profile_sent_elsewhere_loses_the_secrets_imported_for_it() {
    let (app, window, dialogs) = mock_window_with_dialogs();
    let mut staging = staging();
    let put = |profile: &Profile| {
        let call = json!({ "call": { "method": "PUT", "path": "/api/desktop/profiles/staging", "body": serde_json::to_string(profile).unwrap() } });
        let answer = invoke(&window, "api", call).unwrap();
        assert_eq!(answer["status"], 200, "{answer}");
        serde_json::from_str::<Value>(answer["body"].as_str().unwrap()).unwrap()
    };
    put(&staging);
    use std::os::unix::fs::PermissionsExt;
    let key = dialogs.join("d1.pem");
    std::fs::write(&key, include_str!("../../src-sandbox/demo/DEMOISSUER.es256.key.pem")).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(dialogs.join("pick"), key.display().to_string()).unwrap();
    let import = json!({ "call": { "method": "POST", "path": "/api/desktop/profiles/staging/secrets/d1Key/import" } });
    assert_eq!(invoke(&window, "api", import).unwrap()["status"], 200);
    // Under the profile as it is now.
    let kept = || {
        let state = app.state::<AppState>();
        let scope = state.profiles.lock().unwrap().get("staging").unwrap().keychain_scope();
        state.keychain.get(&crate::keychain::d1_key_entry(&scope)).unwrap().is_some()
    };
    assert!(kept());
    // Saved again as it was: the key stays.
    assert_eq!(put(&staging)["secretsCleared"], false);
    assert!(kept());
    // Another Consents server: whatever was imported for the old addresses is dropped.
    staging.consents_base = "https://elsewhere.example/consents".parse().unwrap();
    assert_eq!(put(&staging)["secretsCleared"], true);
    assert!(!kept(), "a secret imported for one server would have gone to another");
    // Nor does it come back with the old addresses; and another role mapping is a new scope too.
    staging.consents_base = "https://api.bank.example/consents".parse().unwrap();
    put(&staging);
    assert!(!kept());
    let before = staging.keychain_scope();
    staging.roles.admin = vec!["everyone".into()];
    assert_ne!(staging.keychain_scope(), before, "a page that maps itself to admin loses the secrets");
}

fn invoke_download(window: &WebviewWindow<MockRuntime>, path: &str, name: &str) -> Result<Value, Value> {
    let body = json!({ "path": path, "name": name }).to_string();
    let answer = invoke(window, "api", json!({ "call": { "method": "POST", "path": "/api/desktop/downloads", "body": body } })).unwrap();
    if answer["status"] == 200 {
        Ok(answer)
    } else {
        Err(serde_json::from_str(answer["body"].as_str().unwrap()).unwrap())
    }
}

#[test]
fn an_export_is_saved_where_the_person_chooses_and_a_refusal_saves_nothing() {
    let (app, window, dialogs) = mock_window_with_dialogs();
    let router = Router::new()
        .route("/api/consents/export.csv", get(|| async { ([("content-type", "text/csv")], "id,state\nc1,given\n") }))
        .route(
            "/api/documents/campaign/outstanding.csv",
            get(|| async { (StatusCode::FORBIDDEN, Json(json!({ "status": 403, "kind": "forbidden", "message": "Admins only." }))) }),
        );
    app.state::<AppState>().set_host(Arc::new(RouterHost(router)));
    let download = |path: &str, name: &str| invoke_download(&window, path, name).unwrap();
    let saved = download("/api/consents/export.csv?state=given", "consents.csv");
    assert_eq!(saved["status"], 200, "{saved}");
    let target = dialogs.join("saved/consents.csv");
    assert_eq!(serde_json::from_str::<Value>(saved["body"].as_str().unwrap()).unwrap()["saved"], target.display().to_string());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "id,state\nc1,given\n");
    // The save dialog cancelled: nothing written, and the page is told so.
    std::fs::write(dialogs.join("cancel-save"), "").unwrap();
    let cancelled = download("/api/consents/export.csv?state=given", "again.csv");
    assert_eq!(serde_json::from_str::<Value>(cancelled["body"].as_str().unwrap()).unwrap()["saved"], Value::Null);
    assert!(!dialogs.join("saved/again.csv").exists());
    std::fs::remove_file(dialogs.join("cancel-save")).unwrap();
    // The service's refusal is the page's to show; no dialog, no file.
    let refused = invoke_download(&window, "/api/documents/campaign/outstanding.csv?uri=x", "outstanding.csv").unwrap_err();
    assert_eq!((refused["status"].clone(), refused["message"].clone()), (json!(403), json!("Admins only.")));
    assert!(!dialogs.join("saved/outstanding.csv").exists());
    // Only exports: nothing else the service answers becomes a file.
    let other = invoke_download(&window, "/api/session", "session.json").unwrap_err();
    assert_eq!(other["status"], 400);
    assert!(!std::fs::read_to_string(dialogs.join("asked.log")).unwrap().contains("session.json"));
}

#[test]
fn profiles_are_refused_in_words_and_listed_without_secrets() {
    let (_app, window) = mock_window();
    let mut bad = Profile::sandbox(&"http://127.0.0.1:9/".parse().unwrap()).unwrap();
    bad.name = "prod".into();
    bad.environment = console_api::gateway::Environment::Production;
    let refused = invoke(&window, "api", json!({ "call": {
        "method": "PUT", "path": "/api/desktop/profiles/prod", "body": serde_json::to_string(&bad).unwrap(),
    }})).unwrap();
    assert_eq!(refused["status"], 400);
    let problem: Value = serde_json::from_str(refused["body"].as_str().unwrap()).unwrap();
    assert!(problem["message"].as_str().unwrap().contains("https://"), "{problem}");
    let renamed = invoke(&window, "api", json!({ "call": {
        "method": "PUT", "path": "/api/desktop/profiles/other", "body": serde_json::to_string(&bad).unwrap(),
    }})).unwrap();
    assert_eq!(renamed["status"], 400);
    let sandbox = invoke(&window, "api", json!({ "call": {
        "method": "POST", "path": "/api/desktop/profiles/sandbox/secrets/d1Key/import",
    }})).unwrap();
    assert_eq!(sandbox["status"], 400, "the sandbox's secrets come with the app");
    let listed = invoke(&window, "api", json!({ "call": { "method": "GET", "path": "/api/desktop/profiles" } })).unwrap();
    assert_eq!(listed["status"], 200);
    let body: Value = serde_json::from_str(listed["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["active"], "sandbox");
    assert!(!listed["body"].as_str().unwrap().contains("DEMO-ONLY"), "no secret in the list");
}

#[test]
fn signing_out_forgets_the_caller_and_the_refresh_token() {
    let (app, window) = mock_window();
    let state = app.state::<AppState>();
    state.set_host(Arc::new(RouterHost(echo_router())));
    let before = invoke(&window, "api", json!({ "call": { "method": "POST", "path": "/api/things/1", "body": "{}" } })).unwrap();
    assert_eq!(before["status"], 201);
    let entry = crate::keychain::refresh_entry(&state.profile().keychain_scope());
    state.keychain.set(&entry, br#"{"sub":"u1","refresh_token":"refresh-1"}"#).unwrap();
    // Revocation goes to the (closed) sandbox port and fails: signed out all the same.
    let answer = invoke(&window, "api", json!({ "call": { "method": "POST", "path": "/auth/logout" } })).unwrap();
    assert_eq!(answer["status"], 204);
    assert_eq!(state.keychain.get(&entry), Ok(None));
    // The signed-in host no longer answers: the same call is now the signed-out 401.
    let after = invoke(&window, "api", json!({ "call": { "method": "POST", "path": "/api/things/1", "body": "{}" } })).unwrap();
    assert_eq!(after["status"], 401, "still signed in after signing out: {after}");
}
