//! The OS keychain for real: a Secret Service (gnome-keyring, its `login` collection unlocked) on a
//! session bus of the test's own (`dbus-run-session`), with a throwaway HOME. The test re-runs itself
//! inside that session, so it needs no set-up around `cargo test` (the packages: `cargo xtask desktop-tools`).

use std::process::Command;

use console_desktop::keychain::{d1_key_entry, refresh_entry, Keychain};

const INSIDE: &str = "CONSOLE_DESKTOP_TEST_IN_KEYRING_SESSION";

#[test]
fn secrets_round_trip_through_gnome_keyring() {
    if std::env::var_os(INSIDE).is_some() {
        return round_trip();
    }
    let me = std::env::current_exe().unwrap();
    // The daemon reads the login password on stdin (no newline) and creates `login` unlocked; it exits
    // with the bus when the session ends. It forks before `login` is unlocked on the bus, and a client
    // that comes too early can leave it with no default collection for the whole session (about one
    // start in four on this busy 2-core machine). So: ready when secret-tool (libsecret-tools) can store
    // an item, and a session that still has no keychain is started afresh, up to three times. What is
    // tested is the app's keychain, not gnome-keyring's start-up.
    let script = r#"printf %s test-password | gnome-keyring-daemon --daemonize --unlock --components=secrets >/dev/null || exit 1
for _ in $(seq 50); do printf x | secret-tool store --label=ready console-desktop-test ready 2>/dev/null && break; sleep 0.2; done
secret-tool clear console-desktop-test ready
exec "$0" --exact secrets_round_trip_through_gnome_keyring --nocapture"#;
    let mut outcomes = Vec::new();
    for attempt in 1..=3 {
        let home = std::env::temp_dir().join(format!("console-desktop-keyring-{}-{attempt}", std::process::id()));
        std::fs::create_dir_all(&home).unwrap();
        let output = Command::new("dbus-run-session")
            .args(["--", "sh", "-c", script])
            .arg(&me)
            .env(INSIDE, "1")
            .env("HOME", &home)
            // No X display: a locked collection must fail, not wait on a prompt window nobody answers.
            .env_remove("DISPLAY")
            .output()
            .expect("dbus-run-session (Debian package dbus; see cargo xtask desktop-tools)");
        let _ = std::fs::remove_dir_all(&home);
        if output.status.success() {
            return;
        }
        let said = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
        // Only a keyring that never came up is worth another session; a failed round trip is the app's.
        let not_up = said.contains("persistent: false");
        outcomes.push(format!("attempt {attempt}: {}\n{said}", output.status));
        if !not_up {
            break;
        }
    }
    panic!("the round trip inside the keyring session failed:\n{}", outcomes.join("\n"));
}

fn round_trip() {
    // Asked again for up to 5 s: the collection can still be unlocking when secret-tool got in.
    let mut keychain = Keychain::probe();
    for _ in 0..25 {
        if keychain.status().persistent {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
        keychain = Keychain::probe();
    }
    assert!(keychain.status().persistent, "{:?}", keychain.status());
    let key = d1_key_entry("sandbox");
    let der = [0x30, 0x81, 0x87, 0x02, 0x01, 0x00];
    keychain.set(&key, &der).unwrap();
    keychain.set(&refresh_entry("sandbox"), b"refresh-1").unwrap();
    // A second handle, as after a restart of the app, reads what the first wrote.
    let again = Keychain::probe();
    assert_eq!(again.get(&key), Ok(Some(der.to_vec())));
    assert_eq!(again.get(&refresh_entry("sandbox")), Ok(Some(b"refresh-1".to_vec())));
    again.delete(&key).unwrap();
    assert_eq!(keychain.get(&key), Ok(None));
    assert_eq!(keychain.get(&refresh_entry("staging")), Ok(None));
}
