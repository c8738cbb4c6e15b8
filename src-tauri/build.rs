//! Tauri's build step, with the app's own commands as an explicit allow-list: declaring them in an app
//! manifest makes each one need a permission (`capabilities/main.json` gives them to the main window),
//! instead of every registered command being callable from any local page.

fn main() {
    // generate_context! embeds the UI build; say what to do rather than Tauri's panic deep in a macro.
    if !std::path::Path::new("../dist-desktop/index.html").exists() {
        panic!("console-desktop embeds the UI build: run `cargo xtask build-ui` first (it writes dist-desktop/)");
    }
    // The UI is embedded by generate_context!, which cargo cannot see reading it: a new build of the UI
    // must rebuild the app, or it keeps showing the old one. (A directory: cargo scans all of it.)
    println!("cargo:rerun-if-changed=../dist-desktop");
    let manifest = tauri_build::AppManifest::new().commands(&["api", "keychain_status", "sign_in", "cancel_sign_in"]);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        panic!("tauri-build: {e:#}");
    }
}
