//! The window shows the console and nothing else: a navigation anywhere but the app's own page
//! (`tauri://localhost`) or its resource scheme (`console:`, the document frame) is refused and logged.
//! A page that was tricked into leaving would otherwise keep the IPC of a window that trusts it.

use tauri::plugin::TauriPlugin;
use tauri::Runtime;

/// Whether the window may navigate to `url`: the app's page, or a document on its resource scheme.
/// Windows and Android give the app's schemes as `http(s)://<scheme>.localhost` instead; elsewhere such an
/// address would be whatever a local program serves there.
pub fn allowed(url: &url::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let scheme = match url.scheme() {
        scheme @ ("tauri" | "console") if host == "localhost" => scheme,
        "http" | "https" if cfg!(any(windows, target_os = "android")) && url.port().is_none() => match host {
            "tauri.localhost" => "tauri",
            "console.localhost" => "console",
            _ => return false,
        },
        _ => return false,
    };
    scheme == "tauri" || url.path().starts_with(crate::resources::DOCUMENT_PREFIX)
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
    fn only_the_apps_own_page_and_its_documents() {
        for ok in ["tauri://localhost/consumers/demo-busy", "console://localhost/%2Fapi%2Fme%2Fdocuments%3Furi%3Dx"] {
            assert!(allowed(&ok.parse().unwrap()), "{ok}");
        }
        for refused in [
            "https://evil.example/",
            "http://127.0.0.1:8081/auth/authorize",
            "tauri://evil.example/",
            "console://localhost/%2Fapi%2Fsession",
            "console://evil.example/%2Fapi%2Fme%2Fdocuments%3Furi%3Dx",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:text/html,hi",
            "http://tauri.localhost.evil.example/",
            "http://console.localhost:8080/%2Fapi%2Fme%2Fdocuments%3Furi%3Dx",
        ] {
            assert!(!allowed(&refused.parse().unwrap()), "{refused}");
        }
        // Windows' and Android's form of the same addresses, there only.
        let windows = ["http://tauri.localhost/", "http://console.localhost/%2Fapi%2Fme%2Fdocuments%3Furi%3Dx"];
        for address in windows {
            assert_eq!(allowed(&address.parse().unwrap()), cfg!(any(windows, target_os = "android")), "{address}");
        }
    }
}
