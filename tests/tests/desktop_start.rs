//! The desktop app in a real window (Xvfb, tauri-driver, WebKitWebDriver): it starts, its page asks the
//! Rust side who is signed in through IPC, the page's wasm runs under the app's CSP and sends nobody to
//! sign in, and the app's own sign-in screen says that without a keychain secrets last this run only.

use std::time::Duration;

use console_e2e::closed_port_url;
use console_e2e::desktop::Desktop;

#[tokio::test]
async fn the_app_starts_on_its_sign_in_screen_and_says_there_is_no_keychain() {
    let home = console_e2e::TempDir::new("desktop-start");
    let desktop = Desktop::start(&[
        // The no-keychain path: a session bus address that leads nowhere fails at once.
        ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/console-desktop-e2e".to_string()),
        // Nothing is signed in here: no sandbox is needed, only somewhere that refuses.
        ("CONSOLE_DESKTOP_SANDBOX", format!("{}/", closed_port_url())),
        // Its own config and data folders: never the developer's profiles.toml.
        ("XDG_CONFIG_HOME", home.path().join("config").display().to_string()),
        ("XDG_DATA_HOME", home.path().join("data").display().to_string()),
    ])
    .await;
    // "/" -> the page's session question (IPC) -> nobody -> the wasm sends the window to /auth/login,
    // which the desktop's boot.js shows as its sign-in screen.
    let screen = desktop.wait_testid("desktop-sign-in", Duration::from_secs(30)).await;
    let text = screen.text().await.unwrap();
    assert!(text.contains("Sign in"), "{text}");
    let note = desktop.wait_testid("no-keychain", Duration::from_secs(5)).await.text().await.unwrap();
    assert!(note.contains("you will sign in again next start"), "{note}");
    let url = desktop.client.current_url().await.unwrap();
    assert_eq!(url.path(), "/auth/login", "{url}");
    desktop.screenshot("desktop-first-screen").await;
    desktop.stop().await;
}
