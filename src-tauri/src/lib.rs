//! The desktop app: Tauri 2 showing the same UI build as the web console (`dist-desktop/`, written by
//! `cargo xtask build-ui`), with the console's Rust side in this process instead of the gateway. The page
//! reaches it through one IPC command, `api` (see [`api`]), behind the same `Transport` as `fetch`.

pub mod api;
mod commands;
pub mod d1_key;
pub mod keychain;
pub mod loopback;
pub mod sign_in;
pub mod state;

/// Where `cargo xtask desktop` runs the sandbox; `CONSOLE_DESKTOP_SANDBOX` points the app elsewhere.
pub const DEFAULT_SANDBOX: &str = "http://127.0.0.1:8081/";

/// Starts the app (the binary's `main`).
pub fn run() {
    let sandbox = std::env::var("CONSOLE_DESKTOP_SANDBOX").unwrap_or_else(|_| DEFAULT_SANDBOX.into());
    let environment = match url::Url::parse(&sandbox).and_then(|base| state::ActiveEnvironment::sandbox(&base)) {
        Ok(environment) => environment,
        Err(e) => {
            eprintln!("console-desktop: CONSOLE_DESKTOP_SANDBOX={sandbox:?} is not a URL: {e}");
            std::process::exit(2);
        }
    };
    // Before the window: at most keychain::PROBE_TIMEOUT, and the page's first question may be about it.
    let state = state::AppState::signed_out(environment, keychain::Keychain::probe(), None);
    let result = builder(tauri::Builder::default(), state).run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("console-desktop: {e}");
        std::process::exit(1);
    }
}

/// The app's plugins, state and commands on any runtime (the mock runtime in tests).
pub fn builder<R: tauri::Runtime>(builder: tauri::Builder<R>, state: state::AppState) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .invoke_handler(tauri::generate_handler![commands::api, commands::keychain_status, commands::sign_in])
}

#[cfg(test)]
mod ipc_tests;
