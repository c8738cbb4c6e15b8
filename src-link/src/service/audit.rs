//! The audit log of the gateway and of the desktop app (each its own file): who did what, when, from
//! where, under which correlation id, and how it ended. One JSON object per line, appended before the
//! answer leaves, so the log is never behind the UI.
//!
//! D1 only ever sees the issuer; this log is where the acting person is kept. The person's id is not
//! put into D1's `reason` (that field carries only what the person typed).
//!
//! Every line also says where the request came from: the client (a browser's address and user agent, or
//! the desktop app), a request id made here (beside the page's correlation id, which the page chooses),
//! and a reference to the session (a hash of its id: the id itself is a credential). These come from the
//! [`RequestScope`] the host sets around every request (the gateway's request layer; the service router
//! opens one from the [`super::Caller`]'s [`Origin`] when the host did not), so a handler only names what
//! was done: `state.audit.record(..)`.
//!
//! A write is logged twice: an `attempt` line before the upstream call ([`AuditLog::attempt`], which
//! fails when the line cannot be written, and then the write is not made) and its outcome after.

use std::borrow::Cow;
use std::cell::RefCell;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::Origin;

/// The most characters of a `target` or `detail` a line keeps; past it, `…` and the whole value's length in
/// bytes. Both can carry what the caller sent (a request path, an id in a body): uncut, one anonymous
/// request could write a 60 KB line, and a full disk stops every admin write (see [`AuditLog::attempt`]).
pub const MAX_FIELD_CHARS: usize = 256;

/// What the audit log knows of the request being served, beside what the handler says.
#[derive(Clone, Debug, Default)]
pub struct RequestScope {
    /// Who sent it: a browser (its address, the peer's or the one a trusted proxy forwarded for, and its
    /// user agent) or the desktop app.
    pub origin: Origin,
    /// Made here for every request (a UUID), also sent back in `x-request-id`.
    pub request_id: String,
    /// [`session_ref`] of the session cookie the request carried, if any.
    pub session: Option<String>,
}

tokio::task_local! {
    static REQUEST: RefCell<RequestScope>;
}

impl RequestScope {
    /// Runs `f` (a request's handling) with this scope: the audit lines it writes carry it.
    pub async fn run<F: Future>(self, f: F) -> F::Output {
        REQUEST.scope(RefCell::new(self), f).await
    }

    /// Runs `f` (synchronous) with this scope: a streamed body's last audit line, written after the handler
    /// returned, still names its request.
    pub fn within<R>(self, f: impl FnOnce() -> R) -> R {
        REQUEST.sync_scope(RefCell::new(self), f)
    }

    /// From here on, this request's lines name the session `session_id` (a sign-in has just opened it: the
    /// cookie the request came with, if any, named an older one).
    pub fn note_session(session_id: &str) {
        let _ = REQUEST.try_with(|s| s.borrow_mut().session = Some(session_ref(session_id)));
    }

    /// Whether a scope is set (the host opened one for the request being served).
    pub fn is_set() -> bool {
        REQUEST.try_with(|_| ()).is_ok()
    }

    /// The scope of the request being served (to carry into a streamed body, which is read after the
    /// handler returned and outside its scope).
    pub fn current() -> RequestScope {
        REQUEST.try_with(|s| s.borrow().clone()).unwrap_or_default()
    }
}

/// A session's reference in the log: the first 16 hex digits (64 bits) of the SHA-256 of its id. Enough to
/// tell one session's lines from another's, and useless to take the session over.
pub fn session_ref(session_id: &str) -> String {
    Sha256::digest(session_id.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

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
    request_id: &'a str,
    /// The client's address ("-" when unknown), or `desktop app`.
    client: String,
    /// The browser's `User-Agent`, when it sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    user_agent: Option<&'a str>,
    /// [`session_ref`] of the session the request named ("-" without one).
    session: &'a str,
    /// `attempt` (a write is about to be sent upstream); then from the status: `ok`; `refused` (4xx: the
    /// console or the upstream said no to this request); `failed` (5xx: nothing or no usable answer came back).
    outcome: &'a str,
    /// The HTTP status the person got (none on an attempt line).
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    /// Why a refusal was made, when the action does not say (e.g. "no anti-CSRF token").
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
}

/// The audit log could not take a line.
#[derive(Debug, Error)]
pub enum AuditError {
    #[error("cannot append to the audit log {path}: {source}. Free space or fix the file's permissions: writes are refused until it can be written")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("an audit entry could not be serialised: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// Where audit lines go: a file, and the tracing log under target `audit` in any case.
pub struct AuditLog {
    file: Option<(PathBuf, Mutex<std::fs::File>)>,
}

impl AuditLog {
    /// Opens (creating its directory) the file to append to; `None` logs to tracing only. A new file is
    /// made readable by its owner only (0600): it names people and what they did.
    pub fn open(path: Option<&Path>) -> std::io::Result<Self> {
        let file = match path {
            None => None,
            Some(p) => {
                if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                let mut options = std::fs::OpenOptions::new();
                options.create(true).append(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let f = options.open(p)?;
                warn_if_shared(p, &f);
                Some((p.to_path_buf(), Mutex::new(f)))
            }
        };
        Ok(AuditLog { file })
    }

    /// Appends one entry; `status` is the HTTP status the person got. A line that cannot be written is
    /// reported in the server log: the answer already stands (use [`AuditLog::attempt`] before a write).
    pub fn record(&self, user_id: &str, role: &str, action: &str, target: &str, correlation_id: &str, status: u16) {
        self.report(self.try_record(user_id, role, action, target, correlation_id, status));
    }

    /// [`AuditLog::record`] for an action that is nothing but its line (e.g. an export): the caller answers
    /// 503 when it could not be written.
    pub fn try_record(&self, user_id: &str, role: &str, action: &str, target: &str, correlation_id: &str, status: u16) -> Result<(), AuditError> {
        self.write(user_id, role, action, target, correlation_id, outcome_of(status), Some(status), None)
    }

    /// [`AuditLog::record`] with why it ended so (the status alone does not say which check refused).
    #[allow(clippy::too_many_arguments)] // `record`'s arguments, in its order, and the reason
    pub fn record_because(&self, user_id: &str, role: &str, action: &str, target: &str, correlation_id: &str, status: u16, why: &str) {
        self.report(self.write(user_id, role, action, target, correlation_id, outcome_of(status), Some(status), Some(why)));
    }

    /// Appends the `attempt` line of a write about to be sent upstream. When it cannot be written the write
    /// must not be made: the log would not show it.
    pub fn attempt(&self, user_id: &str, role: &str, action: &str, target: &str, correlation_id: &str) -> Result<(), AuditError> {
        self.write(user_id, role, action, target, correlation_id, "attempt", None, None)
    }

    fn report(&self, written: Result<(), AuditError>) {
        if let Err(e) = written {
            tracing::error!("{e}");
        }
    }

    #[allow(clippy::too_many_arguments)] // private: the public methods above each take what they need
    fn write(
        &self,
        user_id: &str,
        role: &str,
        action: &str,
        target: &str,
        correlation_id: &str,
        outcome: &str,
        status: Option<u16>,
        detail: Option<&str>,
    ) -> Result<(), AuditError> {
        let (target, detail) = (capped(target), detail.map(capped));
        let scope = RequestScope::current();
        let client = scope.origin.client();
        let user_agent = scope.origin.user_agent().map(capped);
        let session = scope.session.as_deref().unwrap_or("-");
        let entry = AuditEntry {
            at: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            user_id,
            role,
            action,
            target: &target,
            correlation_id,
            request_id: &scope.request_id,
            client,
            user_agent: user_agent.as_deref(),
            session,
            outcome,
            status,
            detail: detail.as_deref(),
        };
        tracing::info!(target: "audit", user_id, role, action, target = entry.target, correlation_id, request_id = entry.request_id,
            client = entry.client, user_agent = entry.user_agent, session, outcome, status, detail = entry.detail);
        let Some((path, file)) = &self.file else { return Ok(()) };
        let mut line = serde_json::to_vec(&entry)?;
        line.push(b'\n');
        let mut f = file.lock().unwrap_or_else(|p| p.into_inner());
        f.write_all(&line).and_then(|()| f.flush()).map_err(|source| AuditError::Write { path: path.clone(), source })
    }
}

/// `value` as a line keeps it: whole up to [`MAX_FIELD_CHARS`] characters, else that many, `…` and how
/// long it was (e.g. `AAAA…(60012 bytes)`), enough to recognise it and see that it was cut.
fn capped(value: &str) -> Cow<'_, str> {
    match value.char_indices().nth(MAX_FIELD_CHARS) {
        None => Cow::Borrowed(value),
        Some((end, _)) => Cow::Owned(format!("{}…({} bytes)", &value[..end], value.len())),
    }
}

/// `ok`, `refused` (4xx) or `failed` (5xx) by the status the person got.
fn outcome_of(status: u16) -> &'static str {
    match status {
        200..=399 => "ok",
        400..=499 => "refused",
        _ => "failed",
    }
}

/// An existing log file that others may read keeps its mode (an operator may have chosen it), but says so.
fn warn_if_shared(path: &Path, file: &std::fs::File) {
    #[cfg(unix)]
    if let Ok(meta) = file.metadata() {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(path = %path.display(), mode = format!("{:o}", meta.permissions().mode() & 0o777), "the audit log is readable by others than its owner: chmod 600 it");
        }
    }
    #[cfg(not(unix))]
    let _ = (path, file);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_fields_are_cut_and_say_so() {
        assert_eq!(capped("demo-busy"), "demo-busy");
        let exact = "é".repeat(MAX_FIELD_CHARS);
        assert_eq!(capped(&exact), exact.as_str(), "characters are counted, not bytes");
        let long = format!("{}{}", "é".repeat(MAX_FIELD_CHARS), "A".repeat(60_000));
        let cut = capped(&long);
        assert_eq!(cut, format!("{}…({} bytes)", "é".repeat(MAX_FIELD_CHARS), long.len()));
    }

    #[test]
    fn a_session_reference_is_short_stable_and_not_the_id() {
        let id = "x3YH0b5n1ZQdm7o4vW0mRrXo3P8g4Bzq1o2k9Yb3cT4";
        let r = session_ref(id);
        assert_eq!(r.len(), 16);
        assert!(r.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(r, session_ref(id));
        assert_ne!(r, session_ref("another session"));
        assert!(!id.contains(&r));
    }
}
