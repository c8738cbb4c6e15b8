//! The desktop app end to end in a real window (Xvfb, tauri-driver, WebKitWebDriver) on an in-process
//! sandbox: people sign in through the loopback flow (the test's `console-e2e-browser` plays the system
//! browser), staff open `demo-busy`'s timeline, delete a consumer through the dialog and open a customer
//! page with all three systems; an end user accepts a revised document. Once without a keychain (secrets
//! in memory only, as the sign-in screen says) and once with a real Secret Service, where the sign-in
//! outlives the app: started again, it is signed in without a browser.

use std::time::Duration;

use console_e2e::desktop::{Desktop, KeyringSession};
use console_e2e::{start_sandbox, testid, TempDir, WAIT};

const ALICE: &str = "C-100001";
const ALICE_PRIVACY: &str = "d311f16d-7407-4757-bfa9-162ba8bf8634";
const PRIVACY: &str = "/vault/files/privacy-policy/content";

/// Everything an app run needs: the sandbox, its own config and data folders, who the "browser" signs in.
struct Run {
    sandbox: console_sandbox::Running,
    home: TempDir,
}

impl Run {
    async fn new() -> Run {
        Run { sandbox: start_sandbox(Vec::new(), Duration::from_secs(600)).await, home: TempDir::new("desktop-flows") }
    }

    fn user_file(&self) -> std::path::PathBuf {
        self.home.path().join("browser-user")
    }

    /// The app's environment on `bus` (a session bus address; one that leads nowhere: no keychain).
    fn env(&self, bus: &str) -> Vec<(&'static str, String)> {
        vec![
            ("DBUS_SESSION_BUS_ADDRESS", bus.to_string()),
            ("CONSOLE_DESKTOP_SANDBOX", format!("{}/", self.sandbox.base_url())),
            ("CONSOLE_DESKTOP_BROWSER", env!("CARGO_BIN_EXE_console-e2e-browser").to_string()),
            ("CONSOLE_E2E_BROWSER_USER_FILE", self.user_file().display().to_string()),
            ("XDG_CONFIG_HOME", self.home.path().join("config").display().to_string()),
            ("XDG_DATA_HOME", self.home.path().join("data").display().to_string()),
            // The app's save dialog, answered by this folder (debug builds only): files land in dialogs/saved/.
            ("CONSOLE_E2E_DIALOGS", self.dialogs().display().to_string()),
        ]
    }

    /// Signs `user` in from the app's sign-in screen, and waits for the page the app returns to.
    async fn sign_in(&self, desktop: &Desktop, user: &str) {
        std::fs::write(self.user_file(), user).unwrap();
        desktop.wait_testid("desktop-sign-in", Duration::from_secs(30)).await;
        desktop.click_testid("desktop-sign-in-button").await;
        for _ in 0..200 {
            if desktop.path().await != "/auth/login" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let log = std::fs::read_to_string(self.user_file().with_extension("log")).unwrap_or_default();
        let shot = desktop.screenshot(&format!("desktop-failed-sign-in-{user}")).await;
        panic!("{user} was not signed in; the browser said: {log}; the window: {}", shot.display());
    }

    /// The folder that answers the app's dialogs.
    fn dialogs(&self) -> std::path::PathBuf {
        let dir = self.home.path().join("dialogs");
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The audit lines the app wrote.
    fn audit(&self) -> Vec<serde_json::Value> {
        let path = self.home.path().join("data/com.example.console.desktop/audit.jsonl");
        std::fs::read_to_string(&path).unwrap_or_default().lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
    }
}

/// Searches from the staff header and waits for where it leads.
async fn search(desktop: &Desktop, text: &str, leads_to: &str) {
    desktop.type_into("search-input", text).await;
    desktop.click_testid("search-submit").await;
    desktop.wait_path(leads_to, "search").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_sign_in_read_a_timeline_delete_a_consumer_and_open_a_customer_page_without_a_keychain() {
    let run = Run::new().await;
    let desktop = Desktop::start(&run.env("unix:path=/nonexistent/console-desktop-e2e")).await;
    desktop.wait_testid("no-keychain", Duration::from_secs(30)).await;
    // A return to the app's listener with a state it did not send (forged, or replayed) is refused, said,
    // and audited; then the real sign-in.
    std::fs::write(run.user_file(), "forge-state:ada").unwrap();
    desktop.click_testid("desktop-sign-in-button").await;
    console_e2e::wait_until("the sign-in screen to say the return was refused", WAIT, || async {
        let said = desktop.js("return document.querySelector('[data-testid=desktop-sign-in] [role=status]')?.textContent ?? ''").await;
        said.as_str().is_some_and(|s| s.contains("state this app did not send")).then_some(())
    })
    .await;
    assert_eq!(desktop.path().await, "/auth/login", "not signed in");
    let audit = run.audit();
    let refused = |l: &&serde_json::Value| {
        l["userId"] == "-" && l["action"] == "session.sign_in" && l["status"] == 400
            && l["detail"].as_str().is_some_and(|d| d.contains("state this app did not send"))
    };
    assert_eq!(audit.iter().filter(refused).count(), 1, "the refused sign-in is audited as the gateway does: {audit:?}");

    // Given up in the browser (the tab closed): Cancel ends the wait at once, and the app stops listening.
    std::fs::write(run.user_file(), "abandon").unwrap();
    desktop.click_testid("desktop-sign-in-button").await;
    let log = run.user_file().with_extension("log");
    let listener = console_e2e::wait_until("the browser to leave the sign-in page", WAIT, || async {
        let said = std::fs::read_to_string(&log).unwrap_or_default();
        said.lines().find_map(|l| l.strip_prefix("left the sign-in page; the app listened at ").map(str::to_string))
    })
    .await;
    let port = url::Url::parse(&listener).ok().and_then(|u| u.port()).expect("the listener's port");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(), "listening while the sign-in waits");
    desktop.screenshot("desktop-sign-in-waiting").await;
    assert!(desktop.client.find(fantoccini::Locator::Css(&testid("desktop-sign-in-cancel"))).await.is_ok());
    desktop.click_testid("desktop-sign-in-cancel").await;
    console_e2e::wait_until("the sign-in screen to say the sign-in was cancelled", WAIT, || async {
        let said = desktop.js("return document.querySelector('[data-testid=desktop-sign-in] [role=status]')?.textContent ?? ''").await;
        said.as_str().is_some_and(|s| s.contains("cancelled")).then_some(())
    })
    .await;
    // Cancel is offered only while a sign-in waits.
    console_e2e::wait_until("Cancel to go once the sign-in ended", WAIT, || async {
        desktop.client.find(fantoccini::Locator::Css(&testid("desktop-sign-in-cancel"))).await.is_err().then_some(())
    })
    .await;
    console_e2e::wait_until("the sign-in's listener to close", WAIT, || async {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err().then_some(())
    })
    .await;
    let cancelled = |l: &&serde_json::Value| l["userId"] == "-" && l["action"] == "session.sign_in" && l["detail"] == "the sign-in was cancelled";
    assert_eq!(run.audit().iter().filter(cancelled).count(), 1, "{:?}", run.audit());
    run.sign_in(&desktop, "ada").await;
    let badge = desktop.wait_testid("env-badge", WAIT).await.text().await.unwrap_or_default();
    assert!(badge.to_lowercase().contains("sandbox"), "{badge}");

    // demo-busy's timeline, read through the service in the app.
    search(&desktop, "demo-busy", "/consumers/demo-busy").await;
    desktop.wait_testid("op-row", WAIT).await;
    desktop.wait_testid("all-loaded", Duration::from_secs(30)).await;
    desktop.screenshot("desktop-timeline").await;
    // Its export, saved where the person chooses through the app's save dialog: the whole history.
    desktop.click_testid("export-csv").await;
    let deadline = std::time::Instant::now() + WAIT;
    let said = loop {
        let said = desktop.js("const s = document.querySelector('[data-testid=desktop-download-text]'); return s ? s.textContent : '';").await;
        let said = said.as_str().unwrap_or_default().to_string();
        if said.starts_with("Saved") || said.starts_with("Not saved") || said.starts_with("Export cancelled") {
            break said;
        }
        assert!(std::time::Instant::now() < deadline, "the export was never saved: {said:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let saved = run.dialogs().join("saved");
    let files: Vec<_> = std::fs::read_dir(&saved).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    assert_eq!(files.len(), 1, "{said}: {files:?}");
    assert_eq!(said, format!("Saved {}.", files[0].display()));
    assert!(files[0].extension().is_some_and(|e| e == "csv"), "{files:?}");
    let csv = std::fs::read_to_string(&files[0]).unwrap();
    assert_eq!(csv.lines().count(), 1 + 523, "a header and every operation");
    desktop.screenshot("desktop-export-saved").await;
    // The window stays the console's: a page sent elsewhere is refused by the navigation guard.
    desktop.js("location.href = 'https://example.invalid/';").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let url = desktop.client.current_url().await.expect("the window's address");
    assert_eq!((url.scheme(), url.host_str()), ("tauri", Some("localhost")), "{url}");
    desktop.wait_testid("op-row", WAIT).await;

    // Deleting demo-alice through the dialog: reason, the consumerId typed, submit.
    search(&desktop, "demo-alice", "/consumers/demo-alice").await;
    desktop.wait_testid("op-row", WAIT).await;
    desktop.click_testid("delete-consumer-open").await;
    desktop.wait_testid("delete-dialog", WAIT).await;
    desktop.type_into("delete-reason", "customer asked on the phone").await;
    desktop.type_into("delete-confirm-input", "demo-alice").await;
    desktop.screenshot("desktop-delete-dialog").await;
    desktop.click_testid("delete-submit").await;
    let result = desktop.wait_testid("delete-result", Duration::from_secs(30)).await.text().await.unwrap_or_default();
    assert!(!result.is_empty());
    desktop.screenshot("desktop-delete-result").await;

    // Alice's customer page: D1, MasCustomers and Consents side by side.
    desktop.type_into("search-input", "alice mar").await;
    desktop.wait_testid("search-person", WAIT).await;
    desktop.click_testid("search-submit").await;
    desktop.wait_path(&format!("/customers/{ALICE}"), "customer-page").await;
    assert_eq!(desktop.wait_testid("person-name", WAIT).await.text().await.unwrap_or_default(), "Alice Martin");
    for panel in ["panel-d1", "panel-accounts", "panel-consents"] {
        let script = format!("const p = document.querySelector('{}'); return p ? p.dataset.state : null;", testid(panel));
        let mut state = serde_json::Value::Null;
        for _ in 0..150 {
            state = desktop.js(&script).await;
            if state == "ready" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(state, "ready", "{panel}");
    }
    // Each panel's content, as the person sees it (ready is said before the rows paint).
    desktop.wait_testid("account-payment", WAIT).await;
    desktop.wait_testid("consent-row", WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    desktop.screenshot("desktop-customer-page").await;

    // What was done is in the app's audit log, by ada, from the desktop app; the delete before and after.
    let audit = run.audit();
    let by_ada = |action: &str| audit.iter().filter(|l| l["userId"] == "usr-ada" && l["action"] == action).count();
    assert_eq!(by_ada("session.sign_in"), 1, "{audit:?}");
    assert!(by_ada("d1.consumer.delete") >= 2, "attempt and outcome: {audit:?}");
    assert!(by_ada("d1.operations.export") >= 1, "the saved export: {audit:?}");
    assert!(audit.iter().all(|l| l["client"] == "desktop app"), "{audit:?}");
    desktop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_end_user_accepts_a_revised_document_and_the_keychain_keeps_the_sign_in() {
    let run = Run::new().await;
    console_e2e::revise_document(&console_e2e::http_client(), &run.sandbox.base_url(), "privacyPolicy", PRIVACY, "2027:1", "2027-02-01T08:00:00.000Z").await;
    let keyring = KeyringSession::start();
    let desktop = Desktop::start(&run.env(&keyring.address)).await;
    desktop.wait_testid("desktop-sign-in", Duration::from_secs(30)).await;
    assert!(desktop.client.find(fantoccini::Locator::Css(&testid("no-keychain"))).await.is_err(), "the keychain answered: no warning");
    run.sign_in(&desktop, "alice").await;

    // The inbox, the document, one accept.
    desktop.wait_path("/me", "me").await;
    let privacy = format!("[data-consent-id=\"{ALICE_PRIVACY}\"]");
    desktop.client.wait().at_most(WAIT).for_element(fantoccini::Locator::Css(&format!("{privacy} [data-testid=read-document]"))).await.expect("the revised privacy policy");
    desktop.screenshot("desktop-me-inbox").await;
    desktop.js(&format!("document.querySelector('{privacy} [data-testid=read-document]').click();")).await;
    // The document itself, in its sandboxed frame: loaded from the app's own scheme (the page's origin
    // would answer with the page), through the same service and audit as every call.
    let frame = desktop.wait_testid("document-frame", WAIT).await;
    let src = frame.attr("src").await.ok().flatten().unwrap_or_default();
    assert!(src.starts_with("console://localhost/%2Fapi%2Fme%2Fdocuments%3Furi%3D"), "{src}");
    frame.enter_frame().await.expect("into the document's frame");
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let text = match desktop.client.find(fantoccini::Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains("Revision 2027:1") && text.contains("What changed") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the document's text never showed in its frame: {text:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    desktop.client.enter_parent_frame().await.expect("back to the page");
    desktop.screenshot("desktop-me-document").await;
    desktop.click_testid("agree").await;
    desktop.click_testid("accept").await;
    let receipt = desktop.wait_testid("receipt", WAIT).await.text().await.unwrap_or_default();
    assert!(receipt.contains("revision 2027:1"), "{receipt}");
    desktop.screenshot("desktop-me-receipt").await;
    desktop.stop().await;
    let audit = run.audit();
    let read = audit.iter().filter(|l| l["userId"] == "usr-alice" && l["action"] == "documents.read.mine" && l["status"] == 200).count();
    assert!(read >= 1, "the document was read through the service: {audit:?}");

    // Started again on the same keychain: the kept refresh token signs alice in, no browser involved.
    std::fs::write(run.user_file(), "nobody-must-sign-in").unwrap();
    let desktop = Desktop::start(&run.env(&keyring.address)).await;
    desktop.wait_testid("my-documents", Duration::from_secs(30)).await;
    assert_ne!(desktop.path().await, "/auth/login");
    desktop.screenshot("desktop-resumed").await;
    // A sign-in over this one (a script in the page may ask): the one before ends, audited as a sign-out
    // (and revoked upstream), rather than staying valid beside the new one.
    std::fs::write(run.user_file(), "alice").unwrap();
    desktop.js("window.__TAURI_INTERNALS__.invoke('sign_in').then(() => { window.__again = 'signed in'; }, (e) => { window.__again = JSON.stringify(e); });").await;
    let again = console_e2e::wait_until("the second sign-in to answer", WAIT, || async {
        let said = desktop.js("return window.__again ?? null;").await;
        said.as_str().map(str::to_string)
    })
    .await;
    assert_eq!(again, "signed in");
    let replaced = |audit: &[serde_json::Value]| {
        let sign_outs = audit.iter().filter(|l| l["userId"] == "usr-alice" && l["action"] == "session.sign_out" && l["status"] == 204).count();
        let sign_ins = audit.iter().filter(|l| l["userId"] == "usr-alice" && l["action"] == "session.sign_in" && l["status"] == 200).count();
        // Signed in by the browser, taken up again at this start, and now again.
        (sign_outs == 1 && sign_ins == 3).then_some(())
    };
    console_e2e::wait_until("the earlier sign-in to end for the new one", WAIT, || async { replaced(&run.audit()) }).await;
    // The new sign-in answers: the page, loaded again, is alice's documents.
    desktop.js("location.reload();").await;
    desktop.wait_testid("my-documents", WAIT).await;
    assert_ne!(desktop.path().await, "/auth/login");
    // Signing out forgets it: started again, the sign-in screen.
    desktop.js("document.querySelector('[data-testid=sign-out]').click();").await;
    desktop.wait_testid("signed-out", WAIT).await;
    desktop.stop().await;
    let desktop = Desktop::start(&run.env(&keyring.address)).await;
    desktop.wait_testid("desktop-sign-in", Duration::from_secs(30)).await;
    desktop.stop().await;
    let audit = run.audit();
    let out = audit.iter().filter(|l| l["userId"] == "usr-alice" && l["action"] == "session.sign_out" && l["status"] == 204).count();
    assert_eq!(out, 2, "the sign-in replaced, then the sign-out, audited: {audit:?}");
}
