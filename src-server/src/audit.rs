//! The gateway's audit log: who did what, when, under which correlation id, and how it ended. One JSON
//! object per line, appended and flushed before the answer leaves, so the log is never behind the UI.
//!
//! D1 only ever sees the issuer; this log is where the acting person is kept. The person's id is not
//! put into D1's `reason` (that field carries only what the person typed).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{SecondsFormat, Utc};
use serde::Serialize;

/// One line of the log.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AuditEntry<'a> {
    at: String,
    /// The signed-in person's id at the authorization server ("-" before anyone is known).
    user_id: &'a str,
    role: &'a str,
    /// What was asked, e.g. `d1.consumer.delete`.
    action: &'a str,
    /// What it was asked of, e.g. the consumer id.
    target: &'a str,
    correlation_id: &'a str,
    /// From the status: `ok`; `refused` (4xx: the console or the upstream said no to this request);
    /// `failed` (5xx: nothing or no usable answer came back).
    outcome: &'a str,
    status: u16,
}

/// Where audit lines go: a file, and the tracing log under target `audit` in any case.
pub struct AuditLog {
    file: Option<(PathBuf, Mutex<std::fs::File>)>,
}

impl AuditLog {
    /// Opens (creating its directory) the file to append to; `None` logs to tracing only.
    pub fn open(path: Option<&Path>) -> std::io::Result<Self> {
        let file = match path {
            None => None,
            Some(p) => {
                if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                let f = std::fs::OpenOptions::new().create(true).append(true).open(p)?;
                Some((p.to_path_buf(), Mutex::new(f)))
            }
        };
        Ok(AuditLog { file })
    }

    /// Appends one entry; `status` is the HTTP status the person got.
    pub fn record(&self, user_id: &str, role: &str, action: &str, target: &str, correlation_id: &str, status: u16) {
        let outcome = match status {
            200..=399 => "ok",
            400..=499 => "refused",
            _ => "failed",
        };
        let entry = AuditEntry {
            at: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            user_id,
            role,
            action,
            target,
            correlation_id,
            outcome,
            status,
        };
        tracing::info!(target: "audit", user_id, role, action, target, correlation_id, outcome, status);
        if let Some((path, file)) = &self.file {
            let mut line = match serde_json::to_vec(&entry) {
                Ok(l) => l,
                Err(e) => return tracing::error!("audit entry not serialisable: {e}"),
            };
            line.push(b'\n');
            let mut f = file.lock().unwrap_or_else(|p| p.into_inner());
            if let Err(e) = f.write_all(&line).and_then(|()| f.flush()) {
                tracing::error!(path = %path.display(), "audit log write failed: {e}");
            }
        }
    }
}
