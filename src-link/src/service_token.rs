//! The console's own access token at an OAuth 2.0 authorization server, by the client_credentials grant
//! (RFC 6749 section 4.4): MasStack's token endpoint for MasCustomers, and the bank's authorization server
//! for its customer directory. The client authenticates with HTTP Basic (`client_secret_basic`).
//!
//! As with D1's token ([`crate::d1_token`]), the token is reused until shortly before it expires, and
//! refreshing holds the cache's lock, so concurrent requests wait for the one refresh.

use std::time::Instant;

use console_api::transport::TransportError;
use thiserror::Error;
use tokio::sync::Mutex;

use crate::http::{redirected, transport_error};
use crate::upstream::BearerSource;

/// Refresh this long before the token expires.

/// Who the console is at one authorization server, and what it asks for. The secret never leaves this
/// process and is never printed.
#[derive(Clone)]
pub struct ServiceCredentials {
    /// The token endpoint (`https://auth.masstack.example/oauth/token`).
    pub token_url: url::Url,
    pub client_id: String,
    pub client_secret: String,
    /// Space-separated scopes to ask for (`accounts:read accounts:write`).
    pub scope: String,
}

impl std::fmt::Debug for ServiceCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceCredentials")
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("scope", &self.scope)
            .finish()
    }
}

/// Why no token could be obtained. An outage is retried and shown as "unavailable"; a refusal means the
/// console's credentials are wrong, which only its operators can fix.
#[derive(Debug, Error)]
pub enum ServiceTokenError {
    /// The authorization server refused the client (4xx: unknown client, wrong secret, scope not
    /// allowed). `error` is its own `error: error_description`, fit for staff to read.
    #[error("{upstream}'s token endpoint refused the console's client ({status}): {}", .error.as_deref().unwrap_or("no reason given"))]
    Refused { upstream: String, status: u16, error: Option<String> },
    /// 5xx: down for now.
    #[error("{upstream}'s token endpoint is unavailable ({status})")]
    Unavailable { upstream: String, status: u16 },
    /// No answer (unreachable, cut off, timed out, TLS); the [`TransportError`] says which.
    #[error("{upstream}'s token endpoint: {error}")]
    Transport { upstream: String, error: TransportError },
    /// A 2xx whose body is not a bearer token answer.
    #[error("{upstream}'s token endpoint answered in a way the console does not understand: {detail}")]
    Undecodable { upstream: String, detail: String },
}

impl ServiceTokenError {
    /// A passing outage: worth asking again.
    pub fn is_outage(&self) -> bool {
        match self {
            ServiceTokenError::Unavailable { .. } => true,
            ServiceTokenError::Transport { error, .. } => error.is_outage(),
            _ => false,
        }
    }
}

impl From<ServiceTokenError> for TransportError {
    /// Without a token nothing was sent upstream, so an outage of the token endpoint is a
    /// [`TransportError::Connect`] (a write was not made), and a refusal is [`TransportError::Unauthenticated`].
    fn from(e: ServiceTokenError) -> Self {
        let detail = e.to_string();
        match e {
            ServiceTokenError::Refused { error, .. } => TransportError::Unauthenticated { upstream_error: error, detail },
            ServiceTokenError::Unavailable { .. } => TransportError::Connect(detail),
            ServiceTokenError::Transport { error, .. } if error.is_outage() => TransportError::Connect(detail),
            ServiceTokenError::Transport { error, .. } => error,
            ServiceTokenError::Undecodable { .. } => TransportError::Other(detail),
        }
    }
}

/// A bearer token answer (RFC 6749 section 5.1).
#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    token_type: String,
    expires_in: u64,
}

/// The authorization server's own words from an error body (RFC 6749 section 5.2).
fn oauth_error_text(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct OAuthError {
        error: String,
        #[serde(default)]
        error_description: Option<String>,
    }
    let e: OAuthError = serde_json::from_slice(body).ok()?;
    Some(match e.error_description {
        Some(d) if !d.is_empty() => format!("{}: {d}", e.error),
        _ => e.error,
    })
}

struct Cached {
    access_token: String,
    refresh_at: Instant,
}

/// Obtains and caches one client's tokens at one authorization server.
pub struct ServiceTokenSource {
    /// The upstream's name, for messages and logs ("MasStack", "the directory").
    upstream: String,
    http: reqwest::Client,
    credentials: ServiceCredentials,
    cache: Mutex<Option<Cached>>,
}

impl ServiceTokenSource {
    pub fn new(upstream: impl Into<String>, http: reqwest::Client, credentials: ServiceCredentials) -> Self {
        ServiceTokenSource { upstream: upstream.into(), http, credentials, cache: Mutex::new(None) }
    }

    /// A valid access token, from the cache or freshly obtained.
    pub async fn bearer(&self) -> Result<String, ServiceTokenError> {
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.as_ref().filter(|c| Instant::now() < c.refresh_at) {
            return Ok(c.access_token.clone());
        }
        let (token, expires_in) = self.request_token().await?;
        let refresh_at = crate::d1_token::refresh_deadline(Instant::now(), expires_in);
        *cache = Some(Cached { access_token: token.clone(), refresh_at });
        Ok(token)
    }

    /// Forgets `token` if it is the cached one (the upstream refused it), so the next call gets a new one.
    pub async fn invalidate(&self, token: &str) {
        let mut cache = self.cache.lock().await;
        if cache.as_ref().is_some_and(|c| c.access_token == token) {
            *cache = None;
        }
    }

    async fn request_token(&self) -> Result<(String, u64), ServiceTokenError> {
        let upstream = || self.upstream.clone();
        let c = &self.credentials;
        let response = self
            .http
            .post(c.token_url.clone())
            .basic_auth(form_encoded(&c.client_id), Some(form_encoded(&c.client_secret)))
            .form(&[("grant_type", "client_credentials"), ("scope", c.scope.as_str())])
            .send()
            .await
            .map_err(|e| ServiceTokenError::Transport { upstream: upstream(), error: transport_error(&e) })?;
        if let Some(error) = redirected(&response, &format!("{}'s token endpoint", self.upstream)) {
            return Err(ServiceTokenError::Transport { upstream: upstream(), error });
        }
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| ServiceTokenError::Transport { upstream: upstream(), error: transport_error(&e) })?;
        match status {
            200..=299 => {}
            500..=599 => return Err(ServiceTokenError::Unavailable { upstream: upstream(), status }),
            _ => return Err(ServiceTokenError::Refused { upstream: upstream(), status, error: oauth_error_text(&body) }),
        }
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|e| ServiceTokenError::Undecodable { upstream: upstream(), detail: e.to_string() })?;
        if !answer.token_type.eq_ignore_ascii_case("bearer") || answer.access_token.is_empty() {
            let detail = format!("token_type '{}' is not Bearer, or the token is empty", answer.token_type);
            return Err(ServiceTokenError::Undecodable { upstream: upstream(), detail });
        }
        tracing::info!(upstream = %self.upstream, client_id = %c.client_id, expires_in = answer.expires_in, "obtained a client_credentials token");
        Ok((answer.access_token, answer.expires_in))
    }
}

/// RFC 6749 section 2.3.1: client id and secret are form-encoded before they go into HTTP Basic.
fn form_encoded(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl BearerSource for ServiceTokenSource {
    type Error = ServiceTokenError;

    async fn bearer(&self) -> Result<String, ServiceTokenError> {
        ServiceTokenSource::bearer(self).await
    }

    async fn invalidate(&self, token: &str) {
        ServiceTokenSource::invalidate(self, token).await
    }

    fn is_outage(error: &ServiceTokenError) -> bool {
        error.is_outage()
    }

    fn upstream(&self) -> &str {
        &self.upstream
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_are_connect_errors_and_refusals_unauthenticated_with_their_words() {
        let up = || "MasStack".to_string();
        let t = TransportError::from(ServiceTokenError::Unavailable { upstream: up(), status: 503 });
        assert!(matches!(t, TransportError::Connect(ref d) if d.contains("MasStack")), "{t:?}");
        let refused = ServiceTokenError::Refused { upstream: up(), status: 401, error: oauth_error_text(br#"{"error":"invalid_client","error_description":"wrong secret"}"#) };
        assert!(!refused.is_outage());
        let t = TransportError::from(refused);
        assert!(matches!(t, TransportError::Unauthenticated { upstream_error: Some(ref e), .. } if e == "invalid_client: wrong secret"), "{t:?}");
        assert!(ServiceTokenError::Transport { upstream: up(), error: TransportError::Timeout }.is_outage());
    }

    #[test]
    fn credentials_never_print_the_secret_and_basic_parts_are_form_encoded() {
        let c = ServiceCredentials {
            token_url: url::Url::parse("http://127.0.0.1:1/masstack/oauth/token").unwrap(),
            client_id: "console-mas".into(),
            client_secret: "SECRET".into(),
            scope: "accounts:read".into(),
        };
        assert!(!format!("{c:?}").contains("SECRET"));
        assert_eq!(form_encoded("a b:c/d"), "a+b%3Ac%2Fd");
    }
}
