//! The rate limit of `/auth/*` per client address ([`crate::client`]): sign-in, its callback and sign-out
//! are anonymous or nearly so, and each sign-in started costs the gateway memory until it ends. A person
//! needs a handful of these a day; a flood from one address is answered 429 with `Retry-After`.

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// How many `/auth/*` requests one address may make at once, then one more per [`AUTH_REFILL`]: room for
/// a whole office behind one address signing in after lunch, not for a flood.
pub const AUTH_BURST: u32 = 30;
pub const AUTH_REFILL: Duration = Duration::from_secs(1);

/// Past this many remembered addresses, those whose bucket is full again are forgotten, so that a spray
/// of source addresses does not grow the map without end.
const MAX_KEYS: usize = 10_000;

/// A token bucket (GCRA) per client address.
pub struct AuthRateLimit {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl Default for AuthRateLimit {
    fn default() -> Self {
        AuthRateLimit::new(AUTH_BURST, AUTH_REFILL)
    }
}

impl AuthRateLimit {
    /// `burst` requests at once, then one per `refill` (`burst` 0 counts as 1, `refill` 0 as 1 ms).
    pub fn new(burst: u32, refill: Duration) -> Self {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(refill.max(Duration::from_millis(1)))
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        AuthRateLimit { limiter: RateLimiter::keyed(quota) }
    }

    /// `Ok` to serve one more request of `client` (unknown clients share one bucket); else how long until
    /// it may ask again.
    pub fn check(&self, client: Option<IpAddr>) -> Result<(), Duration> {
        if self.limiter.len() > MAX_KEYS {
            self.limiter.retain_recent();
        }
        let key = client.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        self.limiter.check_key(&key).map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }
}

/// `Retry-After` in whole seconds, rounded up (never 0: "now" would invite an immediate retry).
pub fn retry_after_secs(wait: Duration) -> u64 {
    u64::try_from(wait.as_millis().div_ceil(1000)).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_has_its_own_bucket() {
        let limit = AuthRateLimit::new(3, Duration::from_secs(60));
        let (a, b) = (Some("203.0.113.7".parse().unwrap()), Some("198.51.100.9".parse().unwrap()));
        for _ in 0..3 {
            assert!(limit.check(a).is_ok());
        }
        let wait = limit.check(a).expect_err("the fourth within a minute is refused");
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60), "{wait:?}");
        assert!(limit.check(b).is_ok(), "another address is not held back");
    }

    #[test]
    fn retry_after_rounds_up_and_is_never_zero() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
    }
}
