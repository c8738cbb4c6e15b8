//! Exports saved where the person chooses. In a browser an export is a link with `download`; in the app
//! that link would load from `tauri://localhost`, which answers with the page. So the desktop's loader
//! (xtask/src/desktop_downloads.js) sends such a click here, `POST /api/desktop/downloads`
//! `{"path": "/api/…", "name": "consents.csv"}`, and this asks the console's service for the export (the
//! same route, person, checks and audit line as at the gateway), then asks the person where to save it in
//! the desktop's own save dialog, and writes it there. The page learns where it was saved, or the problem.

use std::io::Write;
use std::path::{Path, PathBuf};

use console_api::gateway::{routes, ApiProblem, ProblemKind};
use serde::Deserialize;

use crate::api::{request_of, ApiAnswer, ApiCall, MAX_ANSWER_BYTES};
use crate::dialogs::Dialogs;
use crate::settings_api::ok;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Download {
    path: String,
    /// The link's `download` name: only a suggestion for the save dialog.
    #[serde(default)]
    name: Option<String>,
}

/// Whether `path` (with its query) is one of the console's exports: the only GETs saved to a file.
pub fn is_export(path: &str) -> bool {
    let route = path.split('?').next().unwrap_or_default();
    if route == routes::CONSENTS_EXPORT || route == routes::CAMPAIGN_OUTSTANDING {
        return true;
    }
    // `/api/d1/consumers/{consumer_id}/operations/export`
    let (head, tail) = routes::EXPORT_OPERATIONS.split_once("{consumer_id}").unwrap_or_default();
    route.strip_prefix(head).and_then(|rest| rest.strip_suffix(tail)).is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// A file name fit to suggest: the last path segment, printable, at most 100 characters; else `export`.
fn suggested_name(name: Option<&str>) -> String {
    let name: String = name
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    let name = name.trim().trim_start_matches('.');
    if name.is_empty() { "export".into() } else { name.to_string() }
}

/// The quoted file name of a `Content-Disposition: attachment; filename="…"`.
fn attachment_name(disposition: &str) -> Option<&str> {
    let (_, rest) = disposition.split_once("filename=\"")?;
    rest.split_once('"').map(|(name, _)| name)
}

fn invalid(message: &str) -> ApiProblem {
    ApiProblem { field: Some("path".into()), ..ApiProblem::new(400, ProblemKind::InvalidInput, message) }
}

/// Fetches the export, asks where to save it, writes it. `{"saved": null}` when the person cancels.
pub async fn save(state: &AppState, dialogs: &dyn Dialogs, body: &str) -> Result<ApiAnswer, ApiProblem> {
    let download: Download = serde_json::from_str(body).map_err(|_| invalid("Send {\"path\": \"/api/…\", \"name\": \"file.csv\"}."))?;
    if !is_export(&download.path) {
        return Err(invalid("Only the console's exports are saved to a file."));
    }
    let request = request_of(ApiCall { method: "GET".into(), path: download.path.clone(), headers: Vec::new(), body: None })?;
    let response = state.host().answer(request).await;
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_ANSWER_BYTES)
        .await
        .map_err(|_| ApiProblem::new(500, ProblemKind::Internal, "The export was too large or broke off; narrow the filter."))?;
    // A refusal (not signed in, not allowed, a bad filter) is the page's to show, as the service said it;
    // an answer that is not a problem (a framework's plain-text 400) is made one.
    if !parts.status.is_success() {
        let status = parts.status.as_u16();
        let problem = serde_json::from_slice::<ApiProblem>(&bytes).unwrap_or_else(|_| {
            let said: String = String::from_utf8_lossy(&bytes).chars().filter(|c| !c.is_control()).take(200).collect();
            ApiProblem::new(status, ProblemKind::UpstreamError, format!("The export was refused ({status}): {said}"))
        });
        return Err(problem);
    }
    // The link's own name, else the one the service gives the file (`attachment; filename="…"`).
    let given = parts.headers.get("content-disposition").and_then(|v| v.to_str().ok()).and_then(attachment_name);
    let name = suggested_name(download.name.as_deref().filter(|n| !n.trim().is_empty()).or(given));
    let Some(path) = dialogs.save_file("Save the export", &name).await else {
        tracing::info!("an export was not saved: the person cancelled the save dialog");
        return ok(&serde_json::json!({ "saved": null }));
    };
    let size = bytes.len();
    let target = path.clone();
    tauri::async_runtime::spawn_blocking(move || write_whole(&target, &bytes))
        .await
        .map_err(|e| ApiProblem::new(500, ProblemKind::Internal, e.to_string()))?
        .map_err(|e| {
            ApiProblem::new(500, ProblemKind::Internal, format!("{} could not be written ({e}). Export again and choose another folder.", path.display()))
        })?;
    tracing::info!(bytes = size, "an export was saved");
    ok(&serde_json::json!({ "saved": path.display().to_string(), "bytes": size }))
}

/// Writes `bytes` to `path` whole or not at all: into a file beside it, renamed over it when complete, so a
/// failure never leaves half an export under the chosen name. Readable by its owner only: exports hold
/// customers' personal data.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file_name = path.file_name().ok_or_else(|| std::io::Error::other("the chosen path names no file"))?;
    // A name of its own: two saves at once never share it, and nobody else's file is ever removed.
    let partial: PathBuf = dir.join(format!(".{}.part-{:016x}", file_name.to_string_lossy(), rand::random::<u64>()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&partial)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    match written.and_then(|()| std::fs::rename(&partial, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exports_are_saved() {
        for path in [
            "/api/consents/export.csv?state=given",
            "/api/documents/campaign/outstanding.csv?uri=x",
            "/api/d1/consumers/demo-alice/operations/export?format=csv",
        ] {
            assert!(is_export(path), "{path}");
        }
        for path in [
            "/api/session",
            "/api/d1/consumers//operations/export",
            "/api/d1/consumers/a/b/operations/export",
            "/api/d1/consumers/demo-alice/operations",
            "/api/me/documents?uri=x",
            "/api/consents/export.csv/../session",
        ] {
            assert!(!is_export(path), "{path}");
        }
    }

    #[test]
    fn the_suggested_name_is_a_plain_file_name() {
        assert_eq!(suggested_name(Some("consents.csv")), "consents.csv");
        assert_eq!(suggested_name(Some("../../.bashrc")), "bashrc");
        assert_eq!(suggested_name(Some("a\\b\nc.csv")), "bc.csv");
        assert_eq!(suggested_name(Some("")), "export");
        assert_eq!(suggested_name(None), "export");
        assert_eq!(suggested_name(Some(&"x".repeat(300))).len(), 100);
        assert_eq!(attachment_name("attachment; filename=\"demo-busy.csv\""), Some("demo-busy.csv"));
        assert_eq!(attachment_name("inline"), None);
    }

    #[test]
    fn a_file_is_written_whole_and_for_its_owner_only() {
        use std::os::unix::fs::MetadataExt;
        let dir = std::env::temp_dir().join(format!("console-downloads-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("export.csv");
        std::fs::write(&path, "old").unwrap();
        write_whole(&path, b"a,b\n1,2\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a,b\n1,2\n");
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        // A folder that does not exist: an error, and nothing left behind.
        assert!(write_whole(&dir.join("missing/export.csv"), b"x").is_err());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no partial file left");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
