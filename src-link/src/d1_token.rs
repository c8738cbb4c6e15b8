//! D1's access token: an OAuth 2.0 JWT-bearer grant (RFC 7523) whose assertion is signed ES256 with the
//! issuer's registered key (header `kid`), `iss` = `sub` = issuerId, `exp` at most 15 minutes ahead.
//!
//! The token is reused until shortly before it expires. Refreshing holds the cache's lock, so concurrent
//! requests wait for the one refresh instead of each asking for a token.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use console_api::d1::{AssertionClaims, TokenResponse, JWT_BEARER_GRANT};
use console_api::transport::TransportError;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use thiserror::Error;
use tokio::sync::Mutex;

use crate::http::{join, redirected, transport_error};
use crate::LinkError;

/// How long our assertions live: well inside D1's 15-minute limit, tolerant of clock skew.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// Refresh this long before the token expires, so no request goes out with a token about to die.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The longest a token is kept, whatever its `expires_in` says: the number comes from another server, and
/// a huge one would overflow the deadline (a panic on every call) or keep a token for ever.
const LONGEST_KEPT: Duration = Duration::from_secs(24 * 3600);

/// When a token obtained `now` that lives `expires_in` seconds is renewed: a minute before it ends (half
/// way for a short-lived one), and after a day at the latest.
pub(crate) fn refresh_deadline(now: Instant, expires_in: u64) -> Instant {
    let lifetime = Duration::from_secs(expires_in).min(LONGEST_KEPT);
    now + lifetime.saturating_sub(REFRESH_MARGIN).max(lifetime / 2)
}

/// The issuer's identity at D1. The key never leaves this process.
#[derive(Clone)]
pub struct D1Credentials {
    pub issuer_id: String,
    pub kid: String,
    pub private_key_pem: String,
}

impl std::fmt::Debug for D1Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("D1Credentials")
            .field("issuer_id", &self.issuer_id)
            .field("kid", &self.kid)
            .field("private_key_pem", &"<redacted>")
            .finish()
    }
}

/// Why no D1 access token could be obtained. Callers branch on the kind: an outage is retried and shown
/// as "unavailable"; a refusal means our credentials are wrong, which only the operators can fix.
#[derive(Debug, Error)]
pub enum TokenError {
    /// D1 refused the assertion (4xx: unknown issuer or `kid`, wrong key, clock skew). `error` is D1's
    /// own text (`error: error_description`), fit for staff to read.
    #[error("D1's token endpoint refused the console's assertion ({status}): {}", .error.as_deref().unwrap_or("no reason given"))]
    Refused { status: u16, error: Option<String> },
    /// D1 answered 5xx: down for now.
    #[error("D1's token endpoint is unavailable ({status})")]
    Unavailable { status: u16 },
    /// No answer: unreachable, cut off, timed out, or a TLS failure (our client certificate refused,
    /// theirs untrusted); the [`TransportError`] says which.
    #[error("D1's token endpoint: {0}")]
    Transport(TransportError),
    /// A 200 whose body is not a token response.
    #[error("D1's token endpoint answered in a way the console does not understand: {0}")]
    Undecodable(String),
    /// Our own assertion could not be made (the clock, or the key).
    #[error("the console could not sign its assertion: {0}")]
    Assertion(String),
}

impl TokenError {
    /// A passing outage: worth asking again.
    pub fn is_outage(&self) -> bool {
        match self {
            TokenError::Unavailable { .. } => true,
            TokenError::Transport(t) => t.is_outage(),
            _ => false,
        }
    }
}

impl From<TokenError> for TransportError {
    /// Without a token nothing was sent to D1, so an outage of the token endpoint is a [`TransportError::Connect`].
    fn from(e: TokenError) -> Self {
        let detail = e.to_string();
        match e {
            TokenError::Refused { error, .. } => TransportError::Unauthenticated { upstream_error: error, detail },
            TokenError::Unavailable { .. } => TransportError::Connect(detail),
            TokenError::Transport(t) if t.is_outage() => TransportError::Connect(detail),
            TokenError::Transport(t) => t,
            TokenError::Undecodable(_) | TokenError::Assertion(_) => TransportError::Other(detail),
        }
    }
}

/// The token endpoint's error body (RFC 6749 5.2).
#[derive(serde::Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

impl OAuthErrorBody {
    /// D1's own words, or `None` when the body is not an OAuth error.
    fn text(body: &[u8]) -> Option<String> {
        let e: OAuthErrorBody = serde_json::from_slice(body).ok()?;
        Some(match e.error_description {
            Some(d) if !d.is_empty() => format!("{}: {d}", e.error),
            _ => e.error,
        })
    }
}

struct Cached {
    access_token: String,
    refresh_at: Instant,
}

/// Obtains and caches D1 access tokens.
pub struct TokenSource {
    http: reqwest::Client,
    token_url: url::Url,
    credentials: D1Credentials,
    key: EncodingKey,
    cache: Mutex<Option<Cached>>,
}

impl TokenSource {
    pub fn new(http: reqwest::Client, authz_base: url::Url, credentials: D1Credentials) -> Result<Self, LinkError> {
        let key = EncodingKey::from_ec_pem(credentials.private_key_pem.as_bytes())
            .map_err(|e| LinkError::Key(format!("{e} (expected a PKCS#8 P-256 key in PEM)")))?;
        let token_url = join(&authz_base, "oauth2/token");
        Ok(TokenSource { http, token_url, credentials, key, cache: Mutex::new(None) })
    }

    /// The signed assertion for one token request.
    pub fn assertion(&self) -> Result<String, TokenError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| TokenError::Assertion(e.to_string()))?.as_secs() as i64;
        let claims = AssertionClaims {
            iss: self.credentials.issuer_id.clone(),
            sub: self.credentials.issuer_id.clone(),
            iat: Some(now),
            exp: now + ASSERTION_LIFETIME.as_secs() as i64,
            aud: None,
            jti: Some(uuid::Uuid::new_v4().to_string()),
        };
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.credentials.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| TokenError::Assertion(e.to_string()))
    }

    /// A valid access token, from the cache or freshly obtained.
    pub async fn bearer(&self) -> Result<String, TokenError> {
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.as_ref().filter(|c| Instant::now() < c.refresh_at) {
            return Ok(c.access_token.clone());
        }
        let token = self.request_token().await?;
        let refresh_at = refresh_deadline(Instant::now(), token.expires_in);
        *cache = Some(Cached { access_token: token.access_token.clone(), refresh_at });
        Ok(token.access_token)
    }

    /// Forgets `token` if it is the cached one (D1 refused it), so the next call obtains a new one.
    pub async fn invalidate(&self, token: &str) {
        let mut cache = self.cache.lock().await;
        if cache.as_ref().is_some_and(|c| c.access_token == token) {
            *cache = None;
        }
    }

    async fn request_token(&self) -> Result<TokenResponse, TokenError> {
        let assertion = self.assertion()?;
        let response = self
            .http
            .post(self.token_url.clone())
            .form(&[("grant_type", JWT_BEARER_GRANT), ("assertion", assertion.as_str())])
            .send()
            .await
            .map_err(|e| TokenError::Transport(transport_error(&e)))?;
        if let Some(error) = redirected(&response, "it") {
            return Err(TokenError::Transport(error));
        }
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| TokenError::Transport(transport_error(&e)))?;
        match status {
            200..=299 => {}
            500..=599 => return Err(TokenError::Unavailable { status }),
            _ => return Err(TokenError::Refused { status, error: OAuthErrorBody::text(&body) }),
        }
        let token: TokenResponse = serde_json::from_slice(&body).map_err(|e| TokenError::Undecodable(e.to_string()))?;
        tracing::info!(issuer = %self.credentials.issuer_id, expires_in = token.expires_in, "obtained D1 token");
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_renewed_before_it_ends_and_kept_a_day_at_most() {
        let now = Instant::now();
        assert_eq!(refresh_deadline(now, 3600), now + Duration::from_secs(3540));
        assert_eq!(refresh_deadline(now, 60), now + Duration::from_secs(30));
        assert_eq!(refresh_deadline(now, 0), now);
        // Whatever the server says, no overflow and no token kept for ever.
        assert_eq!(refresh_deadline(now, u64::MAX), now + LONGEST_KEPT - REFRESH_MARGIN);
    }

    #[test]
    fn the_token_endpoints_refusal_keeps_d1s_own_words() {
        let body = br#"{"error":"invalid_grant","error_description":"unknown kid"}"#;
        assert_eq!(OAuthErrorBody::text(body).as_deref(), Some("invalid_grant: unknown kid"));
        assert_eq!(OAuthErrorBody::text(b"<html>").as_deref(), None);
    }

    #[test]
    fn token_outages_are_connect_errors_and_refusals_unauthenticated() {
        let t = TransportError::from(TokenError::Unavailable { status: 503 });
        assert!(matches!(t, TransportError::Connect(_)), "{t:?}");
        let t = TransportError::from(TokenError::Refused { status: 400, error: Some("invalid_grant".into()) });
        assert!(matches!(t, TransportError::Unauthenticated { upstream_error: Some(ref e), .. } if e == "invalid_grant"), "{t:?}");
        assert!(TokenError::Transport(TransportError::Timeout).is_outage());
        assert!(!TokenError::Refused { status: 401, error: None }.is_outage());
    }

    #[test]
    fn credentials_never_print_the_key() {
        let c = D1Credentials { issuer_id: "DEMOISSUER".into(), kid: "k".into(), private_key_pem: "SECRET".into() };
        assert!(!format!("{c:?}").contains("SECRET"));
    }

    #[test]
    fn a_bad_key_is_a_clear_error() {
        let c = D1Credentials { issuer_id: "DEMOISSUER".into(), kid: "k".into(), private_key_pem: "nope".into() };
        let base = url::Url::parse("http://127.0.0.1:1/authz/v1").unwrap();
        let err = TokenSource::new(reqwest::Client::new(), base, c).err().unwrap();
        assert!(err.to_string().contains("PKCS#8"), "{err}");
    }
}
