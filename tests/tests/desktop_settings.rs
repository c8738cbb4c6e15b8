//! The desktop app's settings screen in a real window (Xvfb, tauri-driver, WebKitWebDriver): from the
//! sign-in screen to the environments, a staging profile refused with an http:// URL (said beside the
//! field, nothing saved), saved once fixed, its D1 key imported from a PEM file, edited, made active (the
//! sign-in screen then names it), then the sandbox made active again and the profile removed after
//! a confirmation. The app gets a config and data folder of its own and no keychain (memory only).

use std::path::{Path, PathBuf};
use std::time::Duration;

use console_e2e::desktop::Desktop;
use console_e2e::{closed_port_url, testid, wait_until};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::Locator;

const WAIT: Duration = Duration::from_secs(15);

/// The demo issuer's key (worthless outside the sandbox), as a bank's D1 key file would be.
const DEMO_KEY: &str = include_str!("../../src-sandbox/demo/DEMOISSUER.es256.key.pem");

/// Every field of the profile form (its control's id) with a staging value; the D1 banking URL is
/// typed separately.
const STAGING: [(&str, &str); 17] = [
    ("profile-name", "staging-test"),
    ("profile-d1Authz", "https://d1.staging.example/authz/v1"),
    ("profile-issuerId", "BANKISSUER"),
    ("profile-kid", "bank-staging-es256"),
    ("profile-authBase", "https://login.staging.example/auth"),
    ("profile-authAudience", "staging-banking-apis"),
    ("profile-clientId", "console-desktop"),
    ("profile-consentsBase", "https://api.staging.example/consents"),
    ("profile-directoryBase", "https://api.staging.example/directory/v1"),
    ("profile-directoryClientId", "console-directory"),
    ("profile-masBase", "https://mas.staging.example/masstack/v4"),
    ("profile-masTokenUrl", "https://mas.staging.example/oauth/token"),
    ("profile-masClientId", "console-mas"),
    ("profile-masOrg", "telco"),
    ("profile-roles-claim", "groups"),
    ("profile-roles-admin", "console-admins"),
    ("profile-roles-agent", "console-agents, helpdesk"),
];

/// A folder of this test's own, emptied first.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("console-desktop-settings-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

async fn find(desktop: &Desktop, id: &str) -> Element {
    desktop.wait_testid(id, WAIT).await
}

async fn click(desktop: &Desktop, id: &str) {
    find(desktop, id).await.click().await.unwrap_or_else(|e| panic!("click {id}: {e}"));
}

async fn type_into(desktop: &Desktop, id: &str, text: &str) {
    let input = find(desktop, id).await;
    input.clear().await.unwrap_or_else(|e| panic!("clear {id}: {e}"));
    input.send_keys(text).await.unwrap_or_else(|e| panic!("type into {id}: {e}"));
}

async fn text_of(desktop: &Desktop, id: &str) -> String {
    find(desktop, id).await.text().await.unwrap_or_else(|e| panic!("text of {id}: {e}"))
}

/// Waits until `[data-testid=id]`'s text contains `part`; answers the whole text.
async fn wait_text(desktop: &Desktop, id: &str, part: &str) -> String {
    wait_until(&format!("{id} to say {part:?}"), WAIT, || async move {
        let element = desktop.client.find(Locator::Css(&testid(id))).await.ok()?;
        let text = element.text().await.ok()?;
        text.contains(part).then_some(text)
    })
    .await
}

async fn is_there(desktop: &Desktop, id: &str) -> bool {
    !desktop.client.find_all(Locator::Css(&testid(id))).await.expect("find_all").is_empty()
}

/// Whether the settings screen lists `secret` of `profile` as present.
/// Read in one script once the row is there: the list is drawn again after a save, and a row found by
/// one WebDriver call could be gone by the next (StaleElementReference, seen after "Saved").
async fn secret_present(desktop: &Desktop, profile: &str, secret: &str) -> bool {
    let id = format!("settings-secret-{profile}-{secret}");
    let script = format!("const row = document.querySelector('{}'); return row ? row.dataset.present : null;", testid(&id));
    let present = wait_until(&format!("{id} in the settings"), WAIT, || {
        let script = script.clone();
        async move { desktop.client.execute(&script, Vec::new()).await.ok()?.as_str().map(str::to_string) }
    })
    .await;
    present == "true"
}

fn profiles_file(config: &Path) -> String {
    std::fs::read_to_string(config.join("com.example.console.desktop/profiles.toml")).unwrap_or_default()
}

#[tokio::test]
async fn environments_are_added_checked_given_secrets_switched_and_removed_in_the_settings_screen() {
    let dir = scratch();
    let (config, data, dialogs) = (dir.join("config"), dir.join("data"), dir.join("dialogs"));
    std::fs::create_dir_all(&dialogs).expect("the dialogs' folder");
    let key_file = dir.join("bank-d1.pem");
    std::fs::write(&key_file, DEMO_KEY).expect("write the key file");
    // A secret file its owner alone may read, as the app asks.
    let owner_only = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600);
    std::fs::set_permissions(&key_file, owner_only.clone()).expect("chmod 600");
    let desktop = Desktop::start(&[
        // No keychain: secrets are kept in memory for this run, which is all this test needs.
        ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/console-desktop-e2e".to_string()),
        // Nothing here signs in: the sandbox's address only has to be one that refuses.
        ("CONSOLE_DESKTOP_SANDBOX", closed_port_url().to_string()),
        ("XDG_CONFIG_HOME", config.display().to_string()),
        ("XDG_DATA_HOME", data.display().to_string()),
        // The app's file chooser and confirmation, answered by files in this folder (debug builds only).
        ("CONSOLE_E2E_DIALOGS", dialogs.display().to_string()),
    ])
    .await;

    // The sign-in screen names the environment and leads to the settings.
    desktop.wait_testid("desktop-sign-in", Duration::from_secs(30)).await;
    let active = wait_text(&desktop, "desktop-active-profile", "sandbox").await;
    assert!(active.contains("Sandbox"), "{active}");
    desktop.screenshot("desktop-settings-1-sign-in").await;
    click(&desktop, "desktop-environments").await;
    find(&desktop, "desktop-settings").await;
    assert_eq!(desktop.client.current_url().await.unwrap().path(), "/settings");
    // The built-in sandbox: listed, active, read-only.
    find(&desktop, "settings-active-sandbox").await;
    assert!(!is_there(&desktop, "settings-edit-sandbox").await && !is_there(&desktop, "settings-remove-sandbox").await);
    assert!(!is_there(&desktop, "import-sandbox").await, "the sandbox's secrets come with the app");

    // A staging profile with an http:// URL: refused beside the field, before any request.
    click(&desktop, "settings-add").await;
    find(&desktop, "profile-form").await;
    for (id, value) in STAGING {
        type_into(&desktop, id, value).await;
    }
    find(&desktop, "profile-environment").await.select_by_value("staging").await.expect("choose staging");
    // Sent from the keyboard: Enter in a field submits the form.
    type_into(&desktop, "profile-d1Banking", "http://d1.staging.example/banking/v1").await;
    find(&desktop, "profile-d1Banking").await.send_keys(&char::from(Key::Enter).to_string()).await.expect("Enter");
    let error = wait_text(&desktop, "profile-d1Banking-error", "https://").await;
    assert!(error.contains("D1 banking URL"), "{error}");
    let field = find(&desktop, "profile-d1Banking").await;
    assert_eq!(field.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    let focused = desktop.client.active_element().await.unwrap().attr("id").await.unwrap();
    assert_eq!(focused.as_deref(), Some("profile-d1Banking"), "the faulty field has the focus");
    assert!(text_of(&desktop, "profile-form-error").await.contains("Check the field"));
    assert!(!is_there(&desktop, "settings-profile-staging-test").await);
    assert_eq!(profiles_file(&config), "", "nothing saved");
    desktop.screenshot("desktop-settings-2-http-refused").await;

    // Fixed: saved, listed with every secret missing, written in the app's config folder.
    type_into(&desktop, "profile-d1Banking", "https://d1.staging.example/banking/v1").await;
    click(&desktop, "profile-save").await;
    wait_text(&desktop, "settings-status", "Saved staging-test").await;
    find(&desktop, "settings-profile-staging-test").await;
    assert!(!is_there(&desktop, "profile-form").await, "the form closes once saved");
    for secret in ["d1Key", "consentsApiKey", "directoryClientSecret", "masClientSecret"] {
        assert!(!secret_present(&desktop, "staging-test", secret).await, "{secret} of a new profile");
    }
    let file = profiles_file(&config);
    assert!(file.contains("name = \"staging-test\"") && file.contains("https://d1.staging.example/banking/v1"), "{file}");
    assert!(file.contains("\"helpdesk\"") && !file.contains("directoryTokenUrl"), "{file}");
    desktop.screenshot("desktop-settings-3-saved").await;

    // The D1 key, from the file the person chooses in the app's own file chooser (the page names none).
    // Nothing chosen: nothing imported.
    find(&desktop, "import-kind-staging-test").await.select_by_value("d1Key").await.expect("choose the D1 key");
    click(&desktop, "import-submit-staging-test").await;
    wait_text(&desktop, "settings-status", "Nothing was imported").await;
    // The key file chosen: the person is asked to confirm where it will be used, then it is kept.
    std::fs::write(dialogs.join("pick"), key_file.display().to_string()).expect("the file the chooser answers");
    click(&desktop, "import-submit-staging-test").await;
    wait_text(&desktop, "settings-status", "Imported the D1 signing key (PEM) of staging-test").await;
    assert!(secret_present(&desktop, "staging-test", "d1Key").await);
    assert!(!secret_present(&desktop, "staging-test", "consentsApiKey").await);
    assert!(!profiles_file(&config).contains("PRIVATE KEY"), "the key is never written to the profiles file");
    let asked = std::fs::read_to_string(dialogs.join("asked.log")).unwrap_or_default();
    assert!(asked.contains("Choose the D1 signing key of staging-test"), "{asked}");
    assert!(asked.contains(&format!("Import {} as the D1 signing key of the profile staging-test?", key_file.display())), "{asked}");
    assert!(asked.contains("https://d1.staging.example/authz/v1"), "the confirmation says where the key is used: {asked}");
    desktop.screenshot("desktop-settings-4-key-imported").await;

    // D1's client certificate and its key, in one file as openssl writes them (its owner's alone: it
    // holds the key). Optional in staging, as the screen says; production's D1 requires it.
    let optional = text_of(&desktop, "settings-secret-staging-test-d1ClientCertificate").await;
    assert!(optional.to_lowercase().contains("optional"), "{optional}");
    let certificate_file = dir.join("bank-d1-client.pem");
    let client_key = rcgen::KeyPair::generate().expect("a client key");
    let certificate = rcgen::CertificateParams::new(vec!["console.bank.example".to_string()])
        .and_then(|params| params.self_signed(&client_key))
        .expect("a client certificate");
    std::fs::write(&certificate_file, format!("{}{}", certificate.pem(), client_key.serialize_pem())).expect("write the certificate file");
    std::fs::set_permissions(&certificate_file, owner_only).expect("chmod 600");
    std::fs::write(dialogs.join("pick"), certificate_file.display().to_string()).expect("the file the chooser answers");
    find(&desktop, "import-kind-staging-test").await.select_by_value("d1ClientCertificate").await.expect("choose the certificate");
    click(&desktop, "import-submit-staging-test").await;
    wait_text(&desktop, "settings-status", "Imported the D1 client certificate and its key (PEM) of staging-test").await;
    assert!(secret_present(&desktop, "staging-test", "d1ClientCertificate").await);
    assert!(!profiles_file(&config).contains("CERTIFICATE"), "kept in the keychain with the profile's secrets");
    desktop.screenshot("desktop-settings-4b-certificate-imported").await;

    // Edited: the name stays as it is (it keys the secrets), the rest is the form's to change.
    click(&desktop, "settings-edit-staging-test").await;
    let name = find(&desktop, "profile-name").await;
    assert_eq!(name.prop("value").await.unwrap().as_deref(), Some("staging-test"));
    assert!(name.attr("readonly").await.unwrap().is_some(), "a profile is never renamed");
    assert_eq!(find(&desktop, "profile-roles-agent").await.prop("value").await.unwrap().as_deref(), Some("console-agents, helpdesk"));
    type_into(&desktop, "profile-kid", "bank-staging-es256-2027").await;
    click(&desktop, "profile-save").await;
    wait_text(&desktop, "settings-status", "Saved staging-test.").await;
    assert!(profiles_file(&config).contains("kid = \"bank-staging-es256-2027\""), "{}", profiles_file(&config));
    assert!(secret_present(&desktop, "staging-test", "d1Key").await, "an edit keeps the secrets");

    // Made active: back on the sign-in screen, which names it; the choice is kept in the file, and a
    // half-filled form kept for a sign-in in the old environment is gone.
    desktop.client.execute("sessionStorage.setItem('console.draft.test', '{\"x\":1}')", Vec::new()).await.unwrap();
    click(&desktop, "settings-activate-staging-test").await;
    let active = wait_text(&desktop, "desktop-active-profile", "staging-test").await;
    assert!(active.contains("Staging"), "{active}");
    assert_eq!(desktop.client.current_url().await.unwrap().path(), "/auth/login");
    assert!(profiles_file(&config).contains("active = \"staging-test\""));
    let kept = desktop.client.execute("return sessionStorage.length", Vec::new()).await.unwrap();
    assert_eq!(kept, serde_json::json!(0), "switching environment clears the drafts");
    desktop.screenshot("desktop-settings-5-active").await;

    // Back to the sandbox, then the profile removed, asked twice (Cancel keeps it).
    click(&desktop, "desktop-environments").await;
    find(&desktop, "settings-active-staging-test").await;
    assert!(!is_there(&desktop, "settings-remove-staging-test").await, "the profile in use cannot be removed");
    click(&desktop, "settings-activate-sandbox").await;
    wait_text(&desktop, "desktop-active-profile", "sandbox").await;
    click(&desktop, "desktop-environments").await;
    click(&desktop, "settings-remove-staging-test").await;
    click(&desktop, "settings-remove-cancel-staging-test").await;
    find(&desktop, "settings-remove-staging-test").await;
    assert!(profiles_file(&config).contains("staging-test"));
    click(&desktop, "settings-remove-staging-test").await;
    desktop.screenshot("desktop-settings-6-remove-asked").await;
    click(&desktop, "settings-remove-confirm-staging-test").await;
    wait_text(&desktop, "settings-status", "Removed staging-test").await;
    assert!(!is_there(&desktop, "settings-profile-staging-test").await);
    assert!(!profiles_file(&config).contains("staging-test"));

    desktop.stop().await;
    // Each change of where the app sends people and secrets is in the audit log, from the desktop app
    // (nobody was signed in).
    let audit = std::fs::read_to_string(data.join("com.example.console.desktop/audit.jsonl")).unwrap_or_default();
    let lines: Vec<serde_json::Value> = audit.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let count = |action: &str, target: &str| {
        let done = |l: &&serde_json::Value| l["status"] == 200 && l["detail"].is_null() && l["userId"] == "-";
        lines.iter().filter(|l| l["action"] == action && l["target"] == target).filter(done).count()
    };
    // Each change's `attempt` line comes first, its outcome after, under the same correlation id.
    assert_eq!(lines.len(), 16, "two saves, three imports, two switches, one removal, two lines each: {audit}");
    for pair in lines.chunks(2) {
        assert_eq!(pair[0]["outcome"], "attempt", "{audit}");
        assert_eq!((&pair[0]["correlationId"], &pair[0]["action"]), (&pair[1]["correlationId"], &pair[1]["action"]), "{audit}");
    }
    assert_eq!(count("desktop.profile.save", "staging-test"), 2, "added and edited: {audit}");
    let nothing_chosen = |l: &&serde_json::Value| l["detail"].as_str().is_some_and(|d| d.starts_with("nothing imported"));
    assert_eq!(lines.iter().filter(|l| l["target"] == "staging-test/d1Key").filter(nothing_chosen).count(), 1, "no file chosen: {audit}");
    assert_eq!(count("desktop.secret.import", "staging-test/d1Key"), 1, "{audit}");
    assert_eq!(count("desktop.secret.import", "staging-test/d1ClientCertificate"), 1, "{audit}");
    assert_eq!(count("desktop.profile.activate", "staging-test"), 1, "{audit}");
    assert_eq!(count("desktop.profile.activate", "sandbox"), 1, "{audit}");
    assert_eq!(count("desktop.profile.remove", "staging-test"), 1, "{audit}");
    assert!(lines.iter().all(|l| l["client"] == "desktop app"), "{audit}");
    let _ = std::fs::remove_dir_all(&dir);
}
