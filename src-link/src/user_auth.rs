//! Signing people in: OAuth 2.0 authorization code + PKCE (S256) as a confidential client of the bank's
//! authorization server (Apiture's `/auth/oauth2/*`, or the sandbox's), token refresh and revocation.
//!
//! The protocol work is the `oauth2` crate's. What this module adds is what a backend-for-frontend needs
//! around it: the access token is a JWT that we verify against the server's JWKS (issuer, audience,
//! expiry, ES256/RS256 only) before believing who signed in and with which roles, and every token stays in
//! this process. Nothing here knows about cookies or sessions: that is the gateway's.

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenResponse,
};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, Scope, StandardRevocableToken, TokenResponse,
    TokenUrl,
};
use serde::Deserialize;
use thiserror::Error;
use tokio::sync::RwLock;

use crate::http::join;

/// The `oauth2` client with the endpoints we set: authorize and token (revocation: see [`UserAuth::revoke`]).
type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    BasicTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Where the authorization server is and who we are to it.
#[derive(Clone)]
pub struct UserAuthConfig {
    /// The server's base, e.g. `https://auth.devbank.apiture.com/auth`; endpoints are
    /// `{base}/oauth2/authorize`, `/oauth2/token`, `/oauth2/revoke` and `{base}/.well-known/jwks.json`.
    /// Access tokens must carry it as `iss`.
    pub base: url::Url,
    /// The `aud` our access tokens must carry.
    pub audience: String,
    pub client_id: String,
    pub client_secret: String,
    /// This gateway's `/auth/callback`, exactly as registered.
    pub redirect_uri: url::Url,
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for UserAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserAuthConfig")
            .field("base", &self.base.as_str())
            .field("audience", &self.audience)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("scopes", &self.scopes)
            .finish()
    }
}

#[derive(Debug, Error)]
pub enum UserAuthError {
    #[error("invalid sign-in configuration: {0}")]
    Config(String),
    /// The server refused the grant (wrong or used code, revoked refresh token...): sign in again.
    #[error("the authorization server refused: {0}")]
    Refused(String),
    /// No usable answer (network, 5xx): try again later.
    #[error("the authorization server could not be reached: {0}")]
    Unreachable(String),
    /// The token did not verify: never trust it.
    #[error("the access token is not acceptable: {0}")]
    BadToken(String),
}

/// The claims we rely on. Roles and name are the authorization server's word on who this is.
#[derive(Clone, Debug, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub scope: String,
    pub exp: u64,
    /// The sign-in (refresh family) this token belongs to.
    #[serde(default)]
    pub sid: Option<String>,
}

/// What a successful grant gives. The tokens are secrets: never log, serialise or send them to a page.
pub struct UserTokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// When to stop using the access token (from `expires_in`, or the JWT's `exp`).
    pub expires_at: Instant,
    pub claims: AccessClaims,
}

impl std::fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserTokens").field("claims", &self.claims).field("expires_at", &self.expires_at).finish()
    }
}

/// A started sign-in: `state` comes back on the callback; the verifier stays on the server until then.
pub struct AuthorizationRequest {
    pub url: url::Url,
    pub state: String,
    pub pkce_verifier: String,
}

/// The sign-in client, shared by every request.
pub struct UserAuth {
    client: OAuthClient,
    client_id: String,
    client_secret: String,
    revocation_url: url::Url,
    http: reqwest::Client,
    jwks_url: url::Url,
    issuer: String,
    audience: String,
    scopes: Vec<String>,
    jwks: RwLock<Option<JwkSet>>,
}

impl UserAuth {
    pub fn new(config: UserAuthConfig, timeout: Duration) -> Result<Self, UserAuthError> {
        UserAuth::with_tls(config, timeout, &crate::UpstreamTls::default())
    }

    /// With the authorization server's TLS files (a private CA bundle).
    pub fn with_tls(config: UserAuthConfig, timeout: Duration, tls: &crate::UpstreamTls) -> Result<Self, UserAuthError> {
        let bad = |e: &dyn std::fmt::Display| UserAuthError::Config(e.to_string());
        let endpoint = |path: &str| join(&config.base, path);
        let client = oauth2::basic::BasicClient::new(ClientId::new(config.client_id.clone()))
            .set_client_secret(ClientSecret::new(config.client_secret.clone()))
            .set_auth_uri(AuthUrl::from_url(endpoint("oauth2/authorize")))
            .set_token_uri(TokenUrl::from_url(endpoint("oauth2/token")))
            .set_redirect_uri(RedirectUrl::from_url(config.redirect_uri.clone()));
        // oauth2's advice: never follow redirects on back-channel calls (they could leak the code).
        let http = crate::http::client_builder(tls, timeout)
            .map_err(|e| bad(&e))?
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| bad(&e))?;
        let issuer = config.base.as_str().trim_end_matches('/').to_string();
        Ok(UserAuth {
            client,
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            revocation_url: endpoint("oauth2/revoke"),
            http,
            jwks_url: endpoint(".well-known/jwks.json"),
            issuer,
            audience: config.audience,
            scopes: config.scopes,
            jwks: RwLock::new(None),
        })
    }

    /// A fresh authorization request: random `state`, S256 challenge, our scopes.
    pub fn begin(&self) -> AuthorizationRequest {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self.client.authorize_url(CsrfToken::new_random).set_pkce_challenge(challenge);
        for scope in &self.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state) = request.url();
        AuthorizationRequest { url, state: state.secret().clone(), pkce_verifier: verifier.secret().clone() }
    }

    /// Exchanges the callback's code (with the verifier kept since [`UserAuth::begin`]).
    pub async fn exchange(&self, code: &str, pkce_verifier: &str) -> Result<UserTokens, UserAuthError> {
        let response = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        self.accept(response).await
    }

    /// A new access token (and, with rotation, a new refresh token) for a session.
    pub async fn refresh(&self, refresh_token: &str) -> Result<UserTokens, UserAuthError> {
        let response = self
            .client
            .exchange_refresh_token(&RefreshToken::new(refresh_token.to_string()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        self.accept(response).await
    }

    /// Revokes a refresh token (and so its whole sign-in at the server), RFC 7009.
    ///
    /// Sent by hand rather than with `oauth2`'s `revoke_token`, which refuses any non-https revocation URL
    /// and so could never reach the sandbox: a sign-out that silently revokes nothing is worse.
    pub async fn revoke(&self, refresh_token: &str) -> Result<(), UserAuthError> {
        // RFC 6749 2.3.1: the Basic credentials are form-urlencoded first.
        let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let response = self
            .http
            .post(self.revocation_url.clone())
            .basic_auth(encode(&self.client_id), Some(encode(&self.client_secret)))
            .form(&[("token", refresh_token), ("token_type_hint", "refresh_token")])
            .send()
            .await
            .map_err(|e| UserAuthError::Unreachable(e.to_string()))?;
        match response.status().as_u16() {
            200 => Ok(()),
            s if (400..500).contains(&s) => Err(UserAuthError::Refused(response.text().await.unwrap_or_default())),
            s => Err(UserAuthError::Unreachable(format!("the revocation endpoint answered {s}"))),
        }
    }

    async fn accept(&self, response: BasicTokenResponse) -> Result<UserTokens, UserAuthError> {
        let access_token = response.access_token().secret().clone();
        let claims = self.verify(&access_token).await?;
        // The earlier of the server's expires_in and the token's own exp.
        let lifetime = response.expires_in().unwrap_or(Duration::from_secs(300));
        let until_exp = Duration::from_secs(claims.exp.saturating_sub(unix_now()));
        Ok(UserTokens {
            access_token,
            refresh_token: response.refresh_token().map(|r| r.secret().clone()),
            expires_at: Instant::now() + lifetime.min(until_exp),
            claims,
        })
    }

    /// Verifies an access token: signature from the JWKS (re-fetched once for an unknown `kid`, which is how
    /// key rotation shows), then `iss`, `aud`, `exp`.
    pub async fn verify(&self, token: &str) -> Result<AccessClaims, UserAuthError> {
        let header = decode_header(token).map_err(|e| UserAuthError::BadToken(e.to_string()))?;
        if !matches!(header.alg, Algorithm::ES256 | Algorithm::RS256) {
            return Err(UserAuthError::BadToken(format!("{:?} is not an accepted signature algorithm", header.alg)));
        }
        let kid = header.kid.ok_or_else(|| UserAuthError::BadToken("the token names no key (kid)".into()))?;
        let key = match self.key(&kid, false).await? {
            Some(key) => key,
            None => self
                .key(&kid, true)
                .await?
                .ok_or_else(|| UserAuthError::BadToken(format!("no published key '{kid}'")))?,
        };
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 10;
        decode::<AccessClaims>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| UserAuthError::BadToken(e.to_string()))
    }

    async fn key(&self, kid: &str, refetch: bool) -> Result<Option<DecodingKey>, UserAuthError> {
        if refetch || self.jwks.read().await.is_none() {
            let set: JwkSet = self
                .http
                .get(self.jwks_url.clone())
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .map_err(|e| UserAuthError::Unreachable(format!("JWKS: {e}")))?
                .json()
                .await
                .map_err(|e| UserAuthError::Unreachable(format!("JWKS is not a key set: {e}")))?;
            *self.jwks.write().await = Some(set);
        }
        let jwks = self.jwks.read().await;
        match jwks.as_ref().and_then(|set| set.find(kid)) {
            Some(jwk) => DecodingKey::from_jwk(jwk).map(Some).map_err(|e| UserAuthError::BadToken(e.to_string())),
            None => Ok(None),
        }
    }
}

fn token_error<RE: std::error::Error + 'static>(
    e: oauth2::RequestTokenError<RE, BasicErrorResponse>,
) -> UserAuthError {
    match e {
        oauth2::RequestTokenError::ServerResponse(r) => UserAuthError::Refused(r.to_string()),
        oauth2::RequestTokenError::Parse(e, _) => UserAuthError::Unreachable(format!("unreadable token answer: {e}")),
        other => UserAuthError::Unreachable(other.to_string()),
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
