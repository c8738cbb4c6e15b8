//! The desktop app: Tauri 2 showing the same UI build as the web console (`dist-desktop/`, written by
//! `cargo xtask build-ui`), with the console's Rust side in this process instead of the gateway. The page
//! reaches it through one IPC command, `api` (see [`api`]), behind the same `Transport` as `fetch`.

pub mod api;
mod commands;
pub mod d1_key;
pub mod dialogs;
mod downloads;
pub mod keychain;
pub mod loopback;
mod navigation;
pub mod profile;
pub mod resources;
pub mod service_host;
mod settings_api;
pub mod sign_in;
pub mod state;
pub mod upstream_tls;
mod webview_settings;

use tauri::Manager;

/// Where `cargo xtask desktop` runs the sandbox; `CONSOLE_DESKTOP_SANDBOX` points the app elsewhere.
pub const DEFAULT_SANDBOX: &str = "http://127.0.0.1:8081/";

/// Starts the app (the binary's `main`).
pub fn run() {
    tracing_subscriber::fmt().with_env_filter(
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tao=warn,wry=warn".into()),
    ).with_writer(std::io::stderr).init();
    let base = std::env::var("CONSOLE_DESKTOP_SANDBOX").unwrap_or_else(|_| DEFAULT_SANDBOX.into());
    let sandbox = match url::Url::parse(&base).and_then(|base| profile::Profile::sandbox(&base)) {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("console-desktop: CONSOLE_DESKTOP_SANDBOX={base:?} is not a URL: {e}");
            std::process::exit(2);
        }
    };
    // At most keychain::PROBE_TIMEOUT (D-Bus round trips), while GTK starts and Tauri creates the window
    // and WebKit's processes: `setup` runs after the window is made and waits for it there, before the
    // event loop (and so before any call of the page, whose first question may be about it).
    let keychain = std::thread::Builder::new().name("keychain-start".into()).spawn(keychain::Keychain::probe);
    let result = commands(tauri::Builder::default())
        .setup(move |app| {
            // They spare memory and time (webview_settings.rs); a window without them still works, so a
            // failure is told, not fatal.
            if let Err(e) = webview_settings::apply(app, "main") {
                tracing::warn!("the window's web engine keeps its defaults: {e}");
            }
            // ~/.config/<identifier>/profiles.toml and ~/.local/share/<identifier>/audit.jsonl on Linux.
            let (config, data) = (app.path().app_config_dir()?, app.path().app_data_dir()?);
            std::fs::create_dir_all(&data)?;
            let profiles = profile::Profiles::load(&config.join("profiles.toml"), sandbox)?;
            let keychain = keychain?.join().map_err(|_| "the keychain probe failed")?;
            app.manage(state::AppState::signed_out(profiles, keychain, Some(data.join("audit.jsonl"))));
            // A sign-in kept by an earlier run is taken up now, while WebKit starts and loads the page,
            // rather than at the page's first call (which waits for it if it is still under way).
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move { commands::resume_once(&handle.state::<state::AppState>()).await });
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("console-desktop: {e}");
        std::process::exit(1);
    }
}

/// The app's plugins, commands and resource scheme on any runtime (the mock runtime in tests).
pub fn commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_opener::init())
        .plugin(navigation::guard())
        .invoke_handler(tauri::generate_handler![commands::api, commands::keychain_status, commands::sign_in, commands::cancel_sign_in])
        .register_asynchronous_uri_scheme_protocol(resources::SCHEME, |context, request, responder| {
            let app = context.app_handle().clone();
            tauri::async_runtime::spawn(async move {
                let state = app.state::<state::AppState>();
                let (parts, _) = request.into_parts();
                responder.respond(resources::answer(state.host().as_ref(), &parts.method, &parts.uri).await);
            });
        })
}

/// [`commands`] with `state`: what the tests build.
pub fn builder<R: tauri::Runtime>(builder: tauri::Builder<R>, state: state::AppState) -> tauri::Builder<R> {
    commands(builder).manage(state)
}

#[cfg(test)]
mod ipc_tests;
