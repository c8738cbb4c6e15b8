//! The authorization server's JWKS, as the sign-in client checks tokens with it.
//!
//! Cached for [`JWKS_LIFETIME`] (10 minutes: a rotated key is picked up within that time, or at once
//! through the unknown-`kid` refetch), fetched by one request at a time (the lock is held across the
//! fetch, so concurrent verifications wait for it rather than start their own), and fetched again for a
//! `kid` we do not have at most every [`UNKNOWN_KID_REFETCH_EVERY`], so a flood of made-up `kid`s cannot
//! turn into a flood of fetches. A failed fetch keeps an older set serving and is tried again after that
//! same interval.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::DecodingKey;
use tokio::sync::Mutex;

use crate::user_auth::UserAuthError;

/// How long a fetched JWKS is used before it is fetched again.
pub const JWKS_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// A token naming an unknown key fetches the JWKS again at most this often; so does a failed fetch.
pub const UNKNOWN_KID_REFETCH_EVERY: Duration = Duration::from_secs(30);

/// Where "now" comes from: the real clock, or a test's.
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// The JWKS at `url`, cached.
pub struct Jwks {
    url: url::Url,
    http: reqwest::Client,
    cache: Mutex<Cache>,
    clock: Clock,
}

/// The set as last fetched, and when to fetch it again.
#[derive(Default)]
struct Cache {
    set: Option<JwkSet>,
    stale_at: Option<Instant>,
    unknown_kid_refetch_at: Option<Instant>,
}

impl Jwks {
    pub fn new(url: url::Url, http: reqwest::Client) -> Self {
        Jwks { url, http, cache: Mutex::default(), clock: Arc::new(Instant::now) }
    }

    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// Fetches the set unless a fresh one is at hand: the server answers, and its keys are ready.
    pub async fn load(&self) -> Result<(), UserAuthError> {
        let mut cache = self.cache.lock().await;
        let now = (self.clock)();
        if cache.stale_at.is_none_or(|at| now >= at) {
            self.fetch(&mut cache, now).await?;
        }
        Ok(())
    }

    /// The published key `kid`, or `None` when the server does not publish it.
    pub async fn key(&self, kid: &str) -> Result<Option<DecodingKey>, UserAuthError> {
        let mut cache = self.cache.lock().await;
        let now = (self.clock)();
        if cache.stale_at.is_none_or(|at| now >= at) {
            self.fetch(&mut cache, now).await?;
        }
        if let Some(key) = cache.find(kid)? {
            return Ok(Some(key));
        }
        if cache.unknown_kid_refetch_at.is_some_and(|at| now < at) {
            return Ok(None);
        }
        cache.unknown_kid_refetch_at = Some(now + UNKNOWN_KID_REFETCH_EVERY);
        self.fetch(&mut cache, now).await?;
        cache.find(kid)
    }

    /// Fetches the set into `cache`. On failure an older set keeps serving, tried again in a while;
    /// without one, the failure is the caller's.
    async fn fetch(&self, cache: &mut Cache, now: Instant) -> Result<(), UserAuthError> {
        let fetched: Result<JwkSet, UserAuthError> = async {
            self.http
                .get(self.url.clone())
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .map_err(|e| UserAuthError::Unreachable(format!("JWKS: {e}")))?
                .json()
                .await
                .map_err(|e| UserAuthError::Unreachable(format!("JWKS is not a key set: {e}")))
        }
        .await;
        match fetched {
            Ok(set) => {
                cache.set = Some(set);
                cache.stale_at = Some(now + JWKS_LIFETIME);
                Ok(())
            }
            Err(e) if cache.set.is_some() => {
                tracing::warn!("keeping the JWKS fetched earlier: {e}");
                cache.stale_at = Some(now + UNKNOWN_KID_REFETCH_EVERY);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

impl Cache {
    fn find(&self, kid: &str) -> Result<Option<DecodingKey>, UserAuthError> {
        match self.set.as_ref().and_then(|set| set.find(kid)) {
            Some(jwk) => DecodingKey::from_jwk(jwk).map(Some).map_err(|e| UserAuthError::BadToken(e.to_string())),
            None => Ok(None),
        }
    }
}
