//! The window shows the console and nothing else: a navigation anywhere but the app's own page
//! (`tauri://localhost`) or its resource scheme (`console:`, the document frame) is refused and logged.
//! A page that was tricked into leaving would otherwise keep the IPC of a window that trusts it.

use tauri::plugin::TauriPlugin;
use tauri::Runtime;

/// Whether the window may navigate to `url` (`http://<scheme>.localhost` is Windows' and Android's form).
pub fn allowed(url: &url::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "tauri" | "console" => host == "localhost",
        "http" | "https" => host == "tauri.localhost" || host == "console.localhost",
        _ => false,
    }
}

/// The guard, as a plugin (Tauri's way to see every navigation of every webview).
pub fn guard<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_, url| {
            let allowed = allowed(url);
            if !allowed {
                // The scheme and host only: a URL can carry what is not for the log.
                tracing::warn!(scheme = url.scheme(), host = url.host_str().unwrap_or_default(), "a navigation away from the console was refused");
            }
            allowed
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn only_the_apps_own_page_and_resources() {
        for ok in ["tauri://localhost/consumers/demo-busy", "console://localhost/%2Fapi%2Fme%2Fdocuments", "http://tauri.localhost/", "http://console.localhost/x"] {
            assert!(allowed(&ok.parse().unwrap()), "{ok}");
        }
        for refused in [
            "https://evil.example/",
            "http://127.0.0.1:8081/auth/authorize",
            "tauri://evil.example/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:text/html,hi",
            "http://tauri.localhost.evil.example/",
        ] {
            assert!(!allowed(&refused.parse().unwrap()), "{refused}");
        }
    }
}
