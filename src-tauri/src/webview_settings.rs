//! How the window's web engine is set up, for what the console is: one app page of text, tables and
//! SVG, not a browser. On Linux (WebKitGTK), measured with `console-bench desktop` (ARCHITECTURE.md, "The
//! desktop app's start and memory"):
//!
//! - Hardware acceleration never. WebKit's accelerated compositing keeps a GL context and the page's layers
//!   as GL textures in the web process; with Mesa's software GL (llvmpipe: a machine without a GPU driver,
//!   a VM, a remote session, Xvfb) those textures are ordinary memory: the web process holds about 250 MB
//!   with the timeline open with it, 146 MB without (no slower to a painted timeline, measured). The console's pages have nothing compositing speeds up (no canvas, WebGL,
//!   video or 3D transforms), so WebKit paints them on the CPU on every machine, which also avoids the
//!   blank windows accelerated compositing gives on some GPU drivers. One consequence for tooling only:
//!   an idle page then does not paint, and WebKit's snapshot (WebDriver's screenshot) waits for the next
//!   paint, so the end-to-end tests give it one (tests/src/desktop.rs, `PAINT_FOR_SNAPSHOT`); without it
//!   the first screenshot hung for ever. `WEBKIT_DISABLE_COMPOSITING_MODE=1` is the same mode and hangs
//!   the same; Skia's CPU painting with compositing kept (`WEBKIT_SKIA_ENABLE_CPU_RENDERING=1`) does
//!   not hang but saves 40 MB where this saves 110 MB (web process, timeline open, measured).
//! - Cache model "document viewer": WebKit's own advice for an app without browsing; its memory caches
//!   (for pages and resources one may come back to) are sized for a browser otherwise. The page comes
//!   from the binary, so there is nothing for them to save.
//! - No back/forward page cache: a real navigation (the settings screen's switch of environment goes to
//!   `/auth/login`) would otherwise keep the whole previous page, wasm memory and loaded data included,
//!   alive in case the person goes back, which the app never offers.
//!
//! None of them touches WebKit's web process sandbox: it stays as WebKitGTK 4.1 and wry leave it (the
//! library keeps it off unless the application asks, and this app does not ask yet).
//!
//! Tauri offers no hook before the window's first load, so these are applied in `setup`, on the main
//! thread just after Tauri created the window and asked for its page, before the event loop has run:
//! WebKit passes a changed setting on to the page under way, before its first frame here (the memory
//! above is what the app measures with them, as with `WEBKIT_DISABLE_COMPOSITING_MODE=1`).

use tauri::{Manager, Runtime};

/// Applies the settings above to the window `label` of `app`.
pub fn apply<R: Runtime>(app: &tauri::App<R>, label: &str) -> Result<(), String> {
    let window = app.get_webview_window(label).ok_or_else(|| format!("no window {label:?} to set up"))?;
    window.with_webview(|webview| platform(&webview)).map_err(|e| format!("the window's web view: {e}"))
}

#[cfg(target_os = "linux")]
fn platform(webview: &tauri::webview::PlatformWebview) {
    use webkit2gtk::{CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt};
    let view = webview.inner();
    if let Some(settings) = WebViewExt::settings(&view) {
        settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        settings.set_enable_page_cache(false);
    }
    if let Some(context) = view.context() {
        context.set_cache_model(CacheModel::DocumentViewer);
    }
}

/// Elsewhere the platform's web view (WebView2, WKWebView) keeps its defaults: not measured here.
#[cfg(not(target_os = "linux"))]
fn platform(_webview: &tauri::webview::PlatformWebview) {}
