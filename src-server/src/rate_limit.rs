//! The rate limit of `/auth/*` per client address ([`crate::client`]): sign-in, its callback and sign-out
//! are anonymous or nearly so, and each sign-in started costs the gateway memory until it ends. A person
//! needs a handful of these a day; a flood from one address is answered 429 with `Retry-After`.
//!
//! A bucket is per IPv4 address but per IPv6 /64: one host (or one home, one phone) is given a whole /64
//! and picks a new address in it at will, so a bucket per /128 would be a fresh bucket per request.
//! Forgotten buckets are swept on a timer ([`spawn_sweeper`]), never while a request waits, and the number
//! of buckets has a hard cap: past it, new clients share one overflow bucket until a sweep makes room.

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::nanos::Nanos;
use governor::state::keyed::{DashMapStateStore, ShrinkableKeyedStateStore};
use governor::state::StateStore;
use governor::{Quota, RateLimiter};

/// How many `/auth/*` requests one address may make at once, then one more per [`AUTH_REFILL`]: room for
/// a whole office behind one address signing in after lunch, not for a flood.
pub const AUTH_BURST: u32 = 30;
pub const AUTH_REFILL: Duration = Duration::from_secs(1);

/// The most buckets kept (a few MB): far more clients than sign in within a sweep period, far fewer than
/// a spray of source addresses (any /48 holds 65,536 /64s) would make.
pub const MAX_KEYS: usize = 100_000;

/// How often [`spawn_sweeper`] forgets the buckets that are full again ([`AUTH_BURST`] × [`AUTH_REFILL`]
/// after their last request): often enough that the overflow bucket is shared for seconds, not minutes.
pub const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// What a bucket belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key {
    V4(Ipv4Addr),
    /// The first 64 bits of an IPv6 address.
    V6Net(u64),
    /// Requests whose address is unknown share one bucket.
    Unknown,
    /// New clients while the map is at [`MAX_KEYS`].
    Overflow,
}

impl Key {
    fn of(client: Option<IpAddr>) -> Key {
        // `::ffff:203.0.113.7` (a dual-stack listener's IPv4 peer) is 203.0.113.7, not a /64 of its own.
        match client.map(|a| a.to_canonical()) {
            Some(IpAddr::V4(a)) => Key::V4(a),
            Some(IpAddr::V6(a)) => Key::V6Net((a.to_bits() >> 64) as u64),
            None => Key::Unknown,
        }
    }
}

/// The buckets: governor's concurrent map, which a new key joins only while there is room.
struct Buckets {
    map: DashMapStateStore<Key>,
    /// Keys in `map`: recounted by each sweep, counted up by each new key in between (O(1) per request).
    count: AtomicUsize,
    max_keys: usize,
}

impl StateStore for Buckets {
    type Key = Key;

    fn measure_and_replace<T, F, E>(&self, key: &Key, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        let mut key = key;
        if !self.map.contains_key(key) {
            let room = self.count.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| (n < self.max_keys).then_some(n + 1)).is_ok();
            if !room {
                key = &Key::Overflow;
            }
        }
        self.map.measure_and_replace(key, f)
    }
}

impl ShrinkableKeyedStateStore<Key> for Buckets {
    fn retain_recent(&self, drop_below: Nanos) {
        ShrinkableKeyedStateStore::retain_recent(&self.map, drop_below);
        // A key added between the two lines may go uncounted until the next sweep: a few over the cap at most.
        self.count.store(self.map.len(), Ordering::Relaxed);
    }

    fn shrink_to_fit(&self) {
        self.map.shrink_to_fit();
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// A token bucket (GCRA) per client ([`Key`]).
pub struct AuthRateLimit {
    limiter: RateLimiter<Key, Buckets, DefaultClock>,
}

impl Default for AuthRateLimit {
    fn default() -> Self {
        AuthRateLimit::new(AUTH_BURST, AUTH_REFILL, MAX_KEYS)
    }
}

impl AuthRateLimit {
    /// `burst` requests at once, then one per `refill` (`burst` 0 counts as 1, `refill` 0 as 1 ms), for at
    /// most `max_keys` clients at a time (and the overflow bucket).
    pub fn new(burst: u32, refill: Duration, max_keys: usize) -> Self {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(refill.max(Duration::from_millis(1)))
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        let buckets = Buckets { map: DashMapStateStore::default(), count: AtomicUsize::new(0), max_keys };
        AuthRateLimit { limiter: RateLimiter::new(quota, buckets, DefaultClock::default()) }
    }

    /// `Ok` to serve one more request of `client`; else how long until it may ask again.
    pub fn check(&self, client: Option<IpAddr>) -> Result<(), Duration> {
        self.limiter.check_key(&Key::of(client)).map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }

    /// Forgets the buckets that are full again (a client back to a fresh bucket), making room under the cap.
    pub fn sweep(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// How many buckets are kept (the overflow one included).
    pub fn len(&self) -> usize {
        self.limiter.len()
    }

    pub fn is_empty(&self) -> bool {
        self.limiter.is_empty()
    }
}

/// Sweeps `limit` every `every`, until the gateway drops it or the returned handle.
pub fn spawn_sweeper(limit: &Arc<AuthRateLimit>, every: Duration) -> Sweeper {
    crate::periodic::every(limit, every, AuthRateLimit::sweep)
}

/// The rate limit's sweeping task.
pub type Sweeper = crate::periodic::Periodic;

/// `Retry-After` in whole seconds, rounded up (never 0: "now" would invite an immediate retry).
pub fn retry_after_secs(wait: Duration) -> u64 {
    u64::try_from(wait.as_millis().div_ceil(1000)).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("an address"))
    }

    /// Uses up `client`'s burst of `burst`; panics if it was not all there.
    fn drain(limit: &AuthRateLimit, client: Option<IpAddr>, burst: u32) {
        for i in 0..burst {
            assert!(limit.check(client).is_ok(), "{client:?}: request {i} of the burst refused");
        }
    }

    #[test]
    fn each_address_has_its_own_bucket() {
        let limit = AuthRateLimit::new(3, Duration::from_secs(60), MAX_KEYS);
        let (a, b) = (ip("203.0.113.7"), ip("198.51.100.9"));
        drain(&limit, a, 3);
        let wait = limit.check(a).expect_err("the fourth within a minute is refused");
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60), "{wait:?}");
        assert!(limit.check(b).is_ok(), "another address is not held back");
    }

    #[test]
    fn an_ipv6_64_is_one_client_and_another_64_another() {
        let limit = AuthRateLimit::new(3, Duration::from_secs(60), MAX_KEYS);
        drain(&limit, ip("2001:db8:1:2::1"), 3);
        // A new address in the same /64 (what privacy extensions hand out at will) is the same client.
        for same in ["2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2:abcd::7"] {
            assert!(limit.check(ip(same)).is_err(), "{same} got a fresh bucket inside a used /64");
        }
        // The next /64 is someone else.
        drain(&limit, ip("2001:db8:1:3::1"), 3);
        assert_eq!(limit.len(), 2);
    }

    #[test]
    fn an_ipv4_mapped_ipv6_peer_is_its_ipv4_address() {
        let limit = AuthRateLimit::new(3, Duration::from_secs(60), MAX_KEYS);
        drain(&limit, ip("::ffff:203.0.113.7"), 3);
        assert!(limit.check(ip("203.0.113.7")).is_err(), "the same client, through a dual-stack listener");
        // Mapped addresses are not lumped together as one IPv6 /64 (::ffff:0:0/96 is in ::/64).
        assert!(limit.check(ip("::ffff:198.51.100.9")).is_ok());
    }

    #[test]
    fn past_the_cap_new_clients_share_one_overflow_bucket_until_a_sweep_makes_room() {
        let limit = AuthRateLimit::new(2, Duration::from_millis(20), 3);
        for a in ["192.0.2.1", "192.0.2.2", "192.0.2.3"] {
            drain(&limit, ip(a), 2);
        }
        assert_eq!(limit.len(), 3);
        // Full: two new clients (whatever their address) get two requests between them, not two each.
        assert!(limit.check(ip("192.0.2.4")).is_ok());
        assert!(limit.check(ip("2001:db8::1")).is_ok());
        assert!(limit.check(ip("192.0.2.5")).is_err(), "a third newcomer past the cap has a bucket of its own");
        assert!(limit.len() <= 4, "the map grew past the cap: {}", limit.len());
        // Clients already kept keep their own bucket (still empty here, not the overflow's).
        assert!(limit.check(ip("192.0.2.1")).is_err());
        // Once their buckets are full again (2 × 20 ms), a sweep forgets them and newcomers have room.
        std::thread::sleep(Duration::from_millis(100));
        limit.sweep();
        assert!(limit.is_empty(), "{} buckets survived the sweep", limit.len());
        drain(&limit, ip("192.0.2.6"), 2);
        drain(&limit, ip("192.0.2.7"), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn the_sweeper_runs_on_its_timer_and_ends_with_the_rate_limit() {
        let limit = Arc::new(AuthRateLimit::new(1, Duration::from_millis(1), MAX_KEYS));
        let sweeper = spawn_sweeper(&limit, Duration::from_secs(10));
        limit.check(ip("192.0.2.1")).expect("first request");
        assert_eq!(limit.len(), 1, "no request sweeps");
        // governor's clock is the real one: let the bucket refill for real, then let the timer fire.
        std::thread::sleep(Duration::from_millis(5));
        tokio::time::sleep(Duration::from_secs(11)).await;
        assert!(limit.is_empty(), "the timer did not sweep");
        drop(limit);
        tokio::time::sleep(Duration::from_secs(11)).await;
        assert!(sweeper.is_finished(), "the sweeper outlived the gateway's rate limit");
    }

    #[test]
    fn retry_after_rounds_up_and_is_never_zero() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
    }
}
