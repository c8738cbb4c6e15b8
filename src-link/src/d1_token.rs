//! D1's access token: an OAuth 2.0 JWT-bearer grant (RFC 7523) whose assertion is signed ES256 with the
//! issuer's registered key (header `kid`), `iss` = `sub` = issuerId, `exp` at most 15 minutes ahead.
//!
//! The token is reused until shortly before it expires. Refreshing holds the cache's lock, so concurrent
//! requests wait for the one refresh instead of each asking for a token.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use console_api::d1::{AssertionClaims, TokenResponse, JWT_BEARER_GRANT};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use tokio::sync::Mutex;

use crate::http::join;
use crate::LinkError;

/// How long our assertions live: well inside D1's 15-minute limit, tolerant of clock skew.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// Refresh this long before the token expires, so no request goes out with a token about to die.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

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
    pub fn assertion(&self) -> Result<String, String> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?.as_secs() as i64;
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
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| e.to_string())
    }

    /// A valid access token, from the cache or freshly obtained.
    pub async fn bearer(&self) -> Result<String, String> {
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.as_ref().filter(|c| Instant::now() < c.refresh_at) {
            return Ok(c.access_token.clone());
        }
        let token = self.request_token().await?;
        let lifetime = Duration::from_secs(token.expires_in);
        let refresh_at = Instant::now() + lifetime.saturating_sub(REFRESH_MARGIN).max(lifetime / 2);
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

    async fn request_token(&self) -> Result<TokenResponse, String> {
        let assertion = self.assertion()?;
        let response = self
            .http
            .post(self.token_url.clone())
            .form(&[("grant_type", JWT_BEARER_GRANT), ("assertion", assertion.as_str())])
            .send()
            .await
            .map_err(|e| format!("token endpoint unreachable: {e}"))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| format!("token endpoint: {e}"))?;
        if !status.is_success() {
            return Err(format!("token endpoint refused the assertion ({status}): {}", String::from_utf8_lossy(&body)));
        }
        let token: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| format!("token endpoint answered unexpectedly: {e}"))?;
        tracing::info!(issuer = %self.credentials.issuer_id, expires_in = token.expires_in, "obtained D1 token");
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
