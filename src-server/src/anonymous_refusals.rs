//! The audit lines of refusals of callers without a valid session (no cookie, an unknown or ended one):
//! anyone can send those, so they are written within limits, per client address and for everyone, and
//! those over the limits are counted in the server log instead of filling the audit disk. The desktop app
//! has no such callers: this stays with the gateway, in front of the audit log it shares with the service.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use console_link::service::audit::{AuditLog, RequestScope};

use crate::rate_limit::{spawn_sweeper, AuthRateLimit, Sweeper};

/// Refusal lines of callers without a valid session, per client address: this many at once, then one per
/// [`ANONYMOUS_REFUSALS_REFILL`]. Enough for every real person's expired tab; a flood gets a count in the
/// server log instead of filling the audit disk.
pub const ANONYMOUS_REFUSALS_BURST: u32 = 20;
pub const ANONYMOUS_REFUSALS_REFILL: Duration = Duration::from_secs(1);

/// All addresses together: this many anonymous refusal lines at once, then [`ANONYMOUS_REFUSALS_PER_SECOND`]
/// a second. The per-address limit alone lets a sprayer of addresses (an IPv6 /48 holds 65,536 /64s)
/// write as fast as it sends; this caps what strangers can write at a few MB a minute.
pub const ANONYMOUS_REFUSALS_TOTAL_BURST: u32 = 1000;
pub const ANONYMOUS_REFUSALS_PER_SECOND: u32 = 50;

/// The audit log, for the refusals of callers without a session.
pub struct AnonymousRefusals {
    audit: Arc<AuditLog>,
    /// The limit per client address.
    per_client: Arc<AuthRateLimit>,
    /// Forgets that limit's full buckets; started with the first anonymous refusal (the log is opened
    /// before the runtime serves anything, and a unit test may have none).
    per_client_sweeper: OnceLock<Option<Sweeper>>,
    /// The limit for all addresses together.
    total: governor::DefaultDirectRateLimiter,
    /// Lines left out by those limits since start.
    skipped: AtomicU64,
}

impl AnonymousRefusals {
    pub fn new(audit: Arc<AuditLog>) -> Self {
        AnonymousRefusals {
            audit,
            per_client: Arc::new(AuthRateLimit::new(ANONYMOUS_REFUSALS_BURST, ANONYMOUS_REFUSALS_REFILL, crate::rate_limit::MAX_KEYS)),
            per_client_sweeper: OnceLock::new(),
            total: governor::RateLimiter::direct(
                governor::Quota::per_second(NonZeroU32::new(ANONYMOUS_REFUSALS_PER_SECOND).unwrap_or(NonZeroU32::MIN))
                    .allow_burst(NonZeroU32::new(ANONYMOUS_REFUSALS_TOTAL_BURST).unwrap_or(NonZeroU32::MIN)),
            ),
            skipped: AtomicU64::new(0),
        }
    }

    /// Each client address gets [`ANONYMOUS_REFUSALS_BURST`] lines at once and then one per
    /// [`ANONYMOUS_REFUSALS_REFILL`], within [`ANONYMOUS_REFUSALS_TOTAL_BURST`] for everyone. Those over it
    /// are counted in the server log, not written.
    pub fn record(&self, action: &str, target: &str, correlation_id: &str, status: u16, why: &str) {
        self.per_client_sweeper.get_or_init(|| {
            let runtime = tokio::runtime::Handle::try_current().ok();
            runtime.map(|_| spawn_sweeper(&self.per_client, crate::rate_limit::SWEEP_EVERY))
        });
        let client = RequestScope::current().origin.ip();
        if self.per_client.check(client).is_ok() && self.total.check().is_ok() {
            self.audit.record_because("-", "-", action, target, correlation_id, status, why);
            return;
        }
        let skipped = self.skipped.fetch_add(1, Ordering::Relaxed) + 1;
        // One warning per flood's start and then per thousand, so that the server log is not flooded instead.
        if skipped == 1 || skipped.is_multiple_of(1000) {
            let client = client.map_or_else(|| "-".to_string(), |a| a.to_string());
            tracing::warn!(client, skipped, action, "refusals of callers without a session come faster than the audit log takes them from one address: lines left out (this total counts all addresses since start)");
        }
    }
}
