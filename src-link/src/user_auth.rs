//! Signing people in: OAuth 2.0 authorization code + PKCE (S256) as a confidential client of the bank's
//! authorization server (Apiture's `/auth/oauth2/*`, or the sandbox's), token refresh and revocation.
//!
//! The protocol work is the `oauth2` crate's. What this module adds is what a backend-for-frontend needs
//! around it: OpenID Connect (the `openid` scope, a `nonce` per sign-in, the ID token checked for
//! signature, issuer, audience = our client id, expiry and that nonce: who signed in comes from it), the
//! access token verified too (issuer, audience, expiry, the same `sub`), ES256/RS256 only, and every token
//! kept in this process. Nothing here knows about cookies, sessions or console roles: those are the
//! gateway's.
//!
//! Keys come from the server's JWKS through [`crate::jwks`] (cached, single flight, unknown `kid`s
//! refetched at most every [`UNKNOWN_KID_REFETCH_EVERY`]).

use std::time::{Duration, Instant};

use jsonwebtoken::{decode, decode_header, Algorithm, Validation};
use oauth2::basic::{BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet, ExtraTokenFields,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, Scope, StandardRevocableToken, StandardTokenResponse,
    TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

use crate::jwks::Jwks;

pub use crate::jwks::{Clock, JWKS_LIFETIME, UNKNOWN_KID_REFETCH_EVERY};

/// The token response's OpenID Connect field (OIDC Core 3.1.3.3).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

type OidcTokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;

use crate::http::join;

/// The `oauth2` client with the endpoints we set: authorize and token (revocation: see [`UserAuth::revoke`]).
type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    OidcTokenResponse,
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
    /// Empty: a public client (the desktop app, RFC 8252 section 8.5), which cannot keep a secret: only its
    /// `client_id` is sent, and PKCE alone proves the code's exchange comes from who asked for it.
    pub client_secret: String,
    /// This gateway's `/auth/callback`, exactly as registered (the desktop app's loopback listener).
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
    /// The ID token is missing or did not verify (signature, issuer, audience, expiry, nonce, subject).
    #[error("the ID token is not acceptable: {0}")]
    BadIdToken(String),
}

/// The access token's claims we check. Who the person is comes from the ID token ([`Identity`]).
#[derive(Clone, Debug, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    #[serde(default)]
    pub scope: String,
    pub exp: u64,
    /// The sign-in (refresh family) this token belongs to.
    #[serde(default)]
    pub sid: Option<String>,
}

/// The scopes the console asks for when a person signs in, at the gateway and in the desktop app alike:
/// the Apiture APIs decide by the person's token.
pub const CONSOLE_SCOPES: [&str; 4] = ["openid", "banking/read", "banking/write", "banking/full"];

/// Who signed in, from a verified ID token: its subject, name and every claim (the gateway maps some of
/// them to a console role).
#[derive(Clone, Debug)]
pub struct Identity {
    pub sub: String,
    pub name: Option<String>,
    pub claims: Map<String, Value>,
}

/// What a successful grant gives. The tokens are secrets: never log, serialise or send them to a page.
pub struct UserTokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// When to stop using the access token (from `expires_in`, or the JWT's `exp`).
    pub expires_at: Instant,
    pub claims: AccessClaims,
    /// From the ID token: always after a sign-in; after a refresh, when the server sent a new one.
    pub identity: Option<Identity>,
}

impl std::fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserTokens")
            .field("claims", &self.claims)
            .field("identity", &self.identity)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A started sign-in: `state` comes back on the callback; the verifier and the nonce are kept by the
/// gateway (in the browser's sealed cookie) until then.
pub struct AuthorizationRequest {
    pub url: url::Url,
    pub state: String,
    pub pkce_verifier: String,
    pub nonce: String,
}

/// What the ID token of a grant must satisfy besides signature, issuer, audience and expiry.
enum IdTokenRule<'a> {
    /// After a sign-in: present, carrying this nonce.
    SignIn { nonce: &'a str },
    /// After a refresh: optional (OIDC Core 12.2), and then about this same person.
    Refresh { sub: &'a str },
}


/// The sign-in client, shared by every request.
pub struct UserAuth {
    client: OAuthClient,
    client_id: String,
    client_secret: String,
    revocation_url: url::Url,
    http: reqwest::Client,
    issuer: String,
    audience: String,
    scopes: Vec<String>,
    jwks: Jwks,
}

impl UserAuth {
    pub fn new(config: UserAuthConfig, timeout: Duration) -> Result<Self, UserAuthError> {
        UserAuth::with_tls(config, timeout, &crate::UpstreamTls::default())
    }

    /// With the authorization server's TLS files (a private CA bundle).
    pub fn with_tls(config: UserAuthConfig, timeout: Duration, tls: &crate::UpstreamTls) -> Result<Self, UserAuthError> {
        let bad = |e: &dyn std::fmt::Display| UserAuthError::Config(e.to_string());
        let endpoint = |path: &str| join(&config.base, path);
        let client = oauth2::Client::<
            BasicErrorResponse,
            OidcTokenResponse,
            BasicTokenIntrospectionResponse,
            StandardRevocableToken,
            BasicRevocationErrorResponse,
        >::new(ClientId::new(config.client_id.clone()));
        let client = if config.client_secret.is_empty() {
            client
        } else {
            client.set_client_secret(ClientSecret::new(config.client_secret.clone()))
        };
        let client = client
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
            http: http.clone(),
            issuer,
            audience: config.audience,
            // OpenID Connect: the ID token is what says who signed in.
            scopes: std::iter::once("openid".to_string()).chain(config.scopes.into_iter().filter(|s| s != "openid")).collect(),
            jwks: Jwks::new(endpoint(".well-known/jwks.json"), http),
        })
    }

    /// The same client reading "now" from `clock` (tests move it instead of waiting).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.jwks.set_clock(clock);
        self
    }

    /// A fresh authorization request: random `state` and `nonce`, S256 challenge, `openid` and our scopes.
    pub fn begin(&self) -> AuthorizationRequest {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = CsrfToken::new_random().secret().clone();
        let mut request = self
            .client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge)
            .add_extra_param("nonce", nonce.clone());
        for scope in &self.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state) = request.url();
        AuthorizationRequest { url, state: state.secret().clone(), pkce_verifier: verifier.secret().clone(), nonce }
    }

    /// Fetches the server's published keys now. A sign-in that starts with this learns at once that the
    /// server does not answer, rather than after sending the person to a browser that cannot load it; the
    /// keys that check its tokens are then at hand.
    pub async fn load_keys(&self) -> Result<(), UserAuthError> {
        self.jwks.load().await
    }

    /// Exchanges the callback's code (with the verifier and nonce of [`UserAuth::begin`]); the answer must
    /// carry an ID token with that nonce.
    pub async fn exchange(&self, code: &str, pkce_verifier: &str, nonce: &str) -> Result<UserTokens, UserAuthError> {
        let response = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let refresh_token = response.refresh_token().map(|r| r.secret().clone());
        match self.accept(response, IdTokenRule::SignIn { nonce }).await {
            // Tokens we did not accept (refused, or not checkable now: JWKS unreachable) must not stay
            // live at the server either: nobody will ever use or revoke them.
            Err(e) => {
                if let Some(refresh_token) = refresh_token {
                    let _ = self.revoke(&refresh_token).await;
                }
                Err(e)
            }
            accepted => accepted,
        }
    }

    /// A new access token (and, with rotation, a new refresh token) for the session of `sub`; a new ID
    /// token, when one comes, must be about `sub` too.
    pub async fn refresh(&self, refresh_token: &str, sub: &str) -> Result<UserTokens, UserAuthError> {
        let response = self
            .client
            .exchange_refresh_token(&RefreshToken::new(refresh_token.to_string()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let new_refresh_token = response.refresh_token().map(|r| r.secret().clone());
        let accepted = match self.accept(response, IdTokenRule::Refresh { sub }).await {
            Ok(tokens) if tokens.claims.sub != sub => Err(UserAuthError::BadToken("the refreshed access token is about another person".into())),
            accepted => accepted,
        };
        // As at sign-in: a rotated refresh token we did not accept would stay live, and nobody would
        // ever use or revoke it (the session ends, or keeps the old one the server has replaced).
        if let (Err(_), Some(new_refresh_token)) = (&accepted, new_refresh_token) {
            let _ = self.revoke(&new_refresh_token).await;
        }
        accepted
    }

    /// Revokes a refresh token (and so its whole sign-in at the server), RFC 7009.
    ///
    /// Sent by hand rather than with `oauth2`'s `revoke_token`, which refuses any non-https revocation URL
    /// and so could never reach the sandbox: a sign-out that silently revokes nothing is worse.
    pub async fn revoke(&self, refresh_token: &str) -> Result<(), UserAuthError> {
        // RFC 6749 2.3.1: the Basic credentials are form-urlencoded first.
        let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let form = [("token", refresh_token), ("token_type_hint", "refresh_token")];
        let request = if self.client_secret.is_empty() {
            // A public client names itself in the body (RFC 7009 section 2.1).
            self.http.post(self.revocation_url.clone()).form(&[&form[..], &[("client_id", self.client_id.as_str())]].concat())
        } else {
            let secret = Some(encode(&self.client_secret));
            self.http.post(self.revocation_url.clone()).basic_auth(encode(&self.client_id), secret).form(&form)
        };
        let response = request
            .send()
            .await
            .map_err(|e| UserAuthError::Unreachable(e.to_string()))?;
        match response.status().as_u16() {
            200 => Ok(()),
            s if (400..500).contains(&s) => Err(UserAuthError::Refused(response.text().await.unwrap_or_default())),
            s => Err(UserAuthError::Unreachable(format!("the revocation endpoint answered {s}"))),
        }
    }

    async fn accept(&self, response: OidcTokenResponse, rule: IdTokenRule<'_>) -> Result<UserTokens, UserAuthError> {
        let access_token = response.access_token().secret().clone();
        let claims = self.verify(&access_token).await?;
        let identity = match (&response.extra_fields().id_token, rule) {
            (Some(id_token), IdTokenRule::SignIn { nonce }) => Some(self.verify_id_token(id_token, Some(nonce)).await?),
            (None, IdTokenRule::SignIn { .. }) => {
                return Err(UserAuthError::BadIdToken("the token answer has no id_token (was the openid scope granted?)".into()))
            }
            (Some(id_token), IdTokenRule::Refresh { sub }) => {
                let identity = self.verify_id_token(id_token, None).await?;
                if identity.sub != sub {
                    return Err(UserAuthError::BadIdToken("the refreshed ID token is about another person".into()));
                }
                Some(identity)
            }
            (None, IdTokenRule::Refresh { .. }) => None,
        };
        if identity.as_ref().is_some_and(|i| i.sub != claims.sub) {
            return Err(UserAuthError::BadIdToken("the ID token and the access token name different people (sub)".into()));
        }
        // The earlier of the server's expires_in and the token's own exp.
        let lifetime = response.expires_in().unwrap_or(Duration::from_secs(300));
        let until_exp = Duration::from_secs(claims.exp.saturating_sub(unix_now()));
        Ok(UserTokens {
            access_token,
            refresh_token: response.refresh_token().map(|r| r.secret().clone()),
            expires_at: Instant::now() + lifetime.min(until_exp),
            claims,
            identity,
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
        let key = self.jwks.key(&kid).await?.ok_or_else(|| UserAuthError::BadToken(format!("no published key '{kid}'")))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 10;
        decode::<AccessClaims>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| UserAuthError::BadToken(e.to_string()))
    }

    /// Verifies an ID token (OIDC Core 3.1.3.7): signature from the JWKS, `iss`, `aud` = our client id,
    /// `exp`, and, after a sign-in, the nonce we sent.
    async fn verify_id_token(&self, token: &str, nonce: Option<&str>) -> Result<Identity, UserAuthError> {
        let bad = |m: String| UserAuthError::BadIdToken(m);
        let header = decode_header(token).map_err(|e| bad(e.to_string()))?;
        if !matches!(header.alg, Algorithm::ES256 | Algorithm::RS256) {
            return Err(bad(format!("{:?} is not an accepted signature algorithm", header.alg)));
        }
        let kid = header.kid.ok_or_else(|| bad("the ID token names no key (kid)".into()))?;
        let key = self.jwks.key(&kid).await?.ok_or_else(|| bad(format!("no published key '{kid}'")))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 10;
        let claims = decode::<Map<String, Value>>(token, &key, &validation).map_err(|e| bad(e.to_string()))?.claims;
        // OIDC Core 3.1.3.7 (4, 5): a token for several audiences names us as its authorized party.
        let azp = claims.get("azp").and_then(Value::as_str);
        let several_audiences = claims.get("aud").and_then(Value::as_array).is_some_and(|a| a.len() > 1);
        if azp.is_some_and(|azp| azp != self.client_id) || (several_audiences && azp.is_none()) {
            return Err(bad("it was issued to another client (azp)".into()));
        }
        if let Some(expected) = nonce {
            let sent = claims.get("nonce").and_then(Value::as_str).unwrap_or_default();
            if !console_api::secret::same_secret(sent, expected) {
                return Err(bad("its nonce is not the one this sign-in sent".into()));
            }
        }
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
        let sub = text("sub").ok_or_else(|| bad("sub is not a string".into()))?;
        Ok(Identity { sub, name: text("name"), claims })
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

/// Seconds since the Unix epoch (0 on a clock set before 1970): the unit of JWT times.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
