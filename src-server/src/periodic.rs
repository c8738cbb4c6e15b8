//! The gateway's chores on a timer (forgetting dead sessions, full rate-limit buckets): a task that runs a
//! chore every period while what it cleans exists, and stops when its handle is dropped (the gateway
//! stopping) or when what it cleans is gone.

use std::sync::{Arc, Weak};
use std::time::Duration;

/// A running chore; dropping it stops the task.
pub struct Periodic(tokio::task::JoinHandle<()>);

impl Periodic {
    /// Whether the task has ended (it does when aborted or when its target is gone).
    pub fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

impl Drop for Periodic {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `chore` on `target` every `period`, the first time one period from now. Holds `target` weakly, so
/// the chore never keeps alive what the gateway has dropped. A late tick is delayed, never doubled.
pub fn every<T: Send + Sync + 'static>(target: &Arc<T>, period: Duration, chore: impl Fn(&T) + Send + 'static) -> Periodic {
    let target: Weak<T> = Arc::downgrade(target);
    let first = tokio::time::Instant::now() + period;
    Periodic(tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(first, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(target) = target.upgrade() else { return };
            chore(&target);
        }
    }))
}
