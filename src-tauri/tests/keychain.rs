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
    let home = std::env::temp_dir().join(format!("console-desktop-keyring-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let me = std::env::current_exe().unwrap();
    // The daemon reads the login password on stdin (no newline) and creates `login` unlocked; it exits
    // with the bus when the session ends.
    let script = r#"printf %s test-password | gnome-keyring-daemon --daemonize --unlock --components=secrets >/dev/null && exec "$0" --exact secrets_round_trip_through_gnome_keyring --nocapture"#;
    let status = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script])
        .arg(&me)
        .env(INSIDE, "1")
        .env("HOME", &home)
        // No X display: a locked collection must fail, not wait on a prompt window nobody answers.
        .env_remove("DISPLAY")
        .status()
        .expect("dbus-run-session (Debian package dbus; see cargo xtask desktop-tools)");
    let _ = std::fs::remove_dir_all(&home);
    assert!(status.success(), "the round trip inside the keyring session failed: {status}");
}

fn round_trip() {
    let keychain = Keychain::probe();
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
