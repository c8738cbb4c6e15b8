//! What the audit log shows of a caller's requests: [`audited`] (a read or a write's outcome), [`attempt`]
//! (a write's line before it goes upstream: no line, no write) and [`AuditedReads`] (the reads a sign-in's
//! lines already show, so that the page's background polls do not repeat them).

use std::collections::HashSet;
use std::sync::Mutex;

use console_api::d1_client::CorrelationId;
use console_api::gateway::ProblemKind;
use sha2::{Digest, Sha256};

use super::audit::{AuditError, RequestScope};
use super::{Caller, Problem, ServiceState};

/// Records the call in the audit log with its outcome, and passes the result on. A background refresh of
/// the page gets its line only when this session's log does not show the same read (action, target,
/// outcome) yet: one line per poll would bury what people did, but the header is the page's to send, so
/// it may spare repeats, never hide a read.
pub fn audited<T>(
    state: &ServiceState,
    caller: &Caller,
    action: &str,
    target: &str,
    cid: &CorrelationId,
    result: Result<T, Problem>,
) -> Result<T, Problem> {
    let status = match &result {
        Ok(_) => 200,
        Err(p) => p.0.status,
    };
    // Every line is noted, a person's own too: the polls that follow what they opened are its repeats. A
    // repeat is the same request (page and size included) from the same client address, so a stolen
    // cookie replaying it from elsewhere, or paging through a history, is logged. A read is noted only
    // once its line is written: a line lost to a full disk is written again by the next repeat.
    let client = RequestScope::current().origin.client();
    let read = format!("{target}\0{}\0{client}", caller.request);
    if caller.background && caller.audited_reads.seen(action, &read, status) {
        return result;
    }
    if state.audit.try_record(&caller.user.id, caller.user.role.as_str(), action, target, cid.as_str(), status).is_ok() {
        caller.audited_reads.note(action, &read, status);
    }
    result
}

/// Writes the `attempt` line of a write before it goes upstream; when the log cannot take it, the write is
/// not made (503): an action the audit log does not show must not happen.
pub fn attempt(state: &ServiceState, caller: &Caller, action: &str, target: &str, cid: &CorrelationId) -> Result<(), Problem> {
    let logged = state.audit.attempt(&caller.user.id, caller.user.role.as_str(), action, target, cid.as_str());
    logged.map_err(|e| unwritable_log(e, action, cid))
}

/// 503: the audit log cannot take the line an action needs, so the action was not done.
pub fn unwritable_log(e: AuditError, action: &str, cid: &CorrelationId) -> Problem {
    tracing::error!(correlation_id = cid.as_str(), action, "refused: {e}");
    Problem::of(503, ProblemKind::Internal, "The console cannot write its audit log, so nothing was done. Tell the console's operators.", cid)
}

/// How many distinct reads [`AuditedReads`] remembers per session: a working day of a person opening
/// consumers, with room to spare. Past it every read is logged again, the safe direction.
pub const AUDITED_READS_MAX: usize = 512;

/// The reads (action, target, status) a session's lines already show, so that the page's background
/// refreshes, which repeat them, can be left out of the log. The page decides only whether a request is
/// background; it cannot hide a read: whatever was never logged for this session is logged, background or
/// not. Kept as SHA-256 digests (truncated to 128 bits): a target is as long as the caller made it, and a
/// collision must not be craftable to hide a read.
#[derive(Default)]
pub struct AuditedReads(Mutex<HashSet<[u8; 16]>>);

impl AuditedReads {
    /// Notes that this read is in the log now; whether it was new to this session (its line must be
    /// written). Once [`AUDITED_READS_MAX`] are remembered, every read not among them counts as new.
    pub fn note(&self, action: &str, target: &str, status: u16) -> bool {
        let key = Self::key(action, target, status);
        let mut seen = lock(&self.0);
        if seen.contains(&key) {
            return false;
        }
        if seen.len() < AUDITED_READS_MAX {
            seen.insert(key);
        }
        true
    }

    /// Whether this read's line is in the log already (without noting anything).
    pub fn seen(&self, action: &str, target: &str, status: u16) -> bool {
        lock(&self.0).contains(&Self::key(action, target, status))
    }

    fn key(action: &str, target: &str, status: u16) -> [u8; 16] {
        let mut hash = Sha256::new();
        let parts: [&[u8]; 5] = [action.as_bytes(), b"\0", target.as_bytes(), b"\0", &status.to_be_bytes()];
        for part in parts {
            hash.update(part);
        }
        let mut key = [0u8; 16];
        key.copy_from_slice(&hash.finalize()[..16]);
        key
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_is_new_once_per_session_and_everything_is_new_once_the_set_is_full() {
        let reads = AuditedReads::default();
        assert!(reads.note("d1.operations.list", "demo-busy", 200));
        assert!(!reads.note("d1.operations.list", "demo-busy", 200));
        assert!(reads.note("d1.operations.list", "demo-busy", 503), "another outcome is another line");
        assert!(reads.note("d1.operation.get", "demo-busy", 200));
        for i in 0..AUDITED_READS_MAX {
            reads.note("d1.operations.list", &format!("c-{i}"), 200);
        }
        assert!(reads.note("d1.operations.list", "past-the-bound", 200));
        assert!(reads.note("d1.operations.list", "past-the-bound", 200), "not remembered once full: logged every time");
        assert!(!reads.note("d1.operations.list", "demo-busy", 200), "what was remembered still is");
    }
}
