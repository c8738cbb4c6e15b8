//! The sandbox's Apiture-style authorization server (under `/auth`), and the bearer check of the
//! Apiture-style APIs it protects (Consents now, MasStack Accounts later).
//!
//! * [`authorize`]: `GET|POST /auth/oauth2/authorize`, the sign-in page (authorization code + PKCE S256).
//! * [`token`]: `POST /auth/oauth2/token` (authorization_code, refresh_token with rotation and replay
//!   detection, client_credentials) and `POST /auth/oauth2/revoke` (RFC 7009).
//! * [`keys`]: the ES256 signing key, `/auth/.well-known/jwks.json`, the RFC 8414 metadata and the OpenID
//!   Connect discovery document (`/auth/.well-known/openid-configuration`).
//! * [`bearer`]: [`bearer::ApitureCaller`], the extractor that checks an access token.
//! * [`clients`]: the registered clients and client authentication. [`users`]: demo users and passwords.
//! * [`store`]: the SQL of codes, refresh families and revocations.
//!
//! OpenID Connect: a sign-in that asks for the `openid` scope also gets an ID token (ES256, `aud` = the
//! client, the authorize request's `nonce`, `name` and `roles`); so does each refresh of such a sign-in
//! (without a nonce, OIDC Core 12.2).
//!
//! Access tokens are self-contained JWTs (a resource server may check them with the JWKS alone), but the
//! sandbox's own APIs also look up revocations (jti, refresh family) so that revoke and replay detection
//! take effect at once, not only when the token expires.

pub mod authorize;
pub mod bearer;
pub mod clients;
pub mod keys;
pub mod store;
pub mod token;
pub mod users;

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub use keys::{AUTH_KID, AUTH_PRIVATE_KEY_PEM, AUTH_PUBLIC_KEY_PEM};
pub use users::{DemoUser, DEMO_PASSWORD, DEMO_USERS};

/// `aud` of every access token the sandbox's authorization server issues.
pub const ACCESS_TOKEN_AUDIENCE: &str = "sandbox-banking-apis";
/// The console's gateway (backend for frontend): confidential, authorization code + refresh.
pub const GATEWAY_CLIENT_ID: &str = "console-gateway";
pub const GATEWAY_CLIENT_SECRET: &str = "sandbox-gateway-secret-DEMO-ONLY";
/// The desktop app: public, PKCE, loopback redirect on any port (RFC 8252).
pub const DESKTOP_CLIENT_ID: &str = "console-desktop";
/// A back-office service: confidential, client_credentials only.
pub const SERVICE_CLIENT_ID: &str = "console-service";
pub const SERVICE_CLIENT_SECRET: &str = "sandbox-service-secret-DEMO-ONLY";
/// The gateway's (and later the desktop app's) identity toward the bank's customer directory:
/// confidential, client_credentials only, and nothing but [`SCOPE_DIRECTORY_READ`]. A client of its own
/// rather than a grant more for `console-gateway`: a leaked directory secret then signs nobody in.
pub const DIRECTORY_CLIENT_ID: &str = "console-directory";
pub const DIRECTORY_CLIENT_SECRET: &str = "sandbox-directory-secret-DEMO-ONLY";
/// The `API-Key` every Apiture-style call must carry.
pub const DEMO_API_KEY: &str = "sandbox-api-key-DEMO-ONLY";

/// OpenID Connect: asked for, an ID token comes with the tokens. Never implied by a missing `scope`.
pub const SCOPE_OPENID: &str = "openid";
/// The scopes the Apiture APIs document.
pub const SCOPE_READ: &str = "banking/read";
pub const SCOPE_WRITE: &str = "banking/write";
pub const SCOPE_FULL: &str = "banking/full";
/// Reading the bank's customer directory (`/directory/v1`): services only, never a person's sign-in.
pub const SCOPE_DIRECTORY_READ: &str = console_api::directory::DIRECTORY_READ_SCOPE;
pub const ALL_SCOPES: &[&str] = &[SCOPE_OPENID, SCOPE_READ, SCOPE_WRITE, SCOPE_FULL, SCOPE_DIRECTORY_READ];

/// The role of a client_credentials token.
pub const SERVICE_ROLE: &str = "service";

/// An authorization code is usable this long (RFC 6749 4.1.2 recommends at most 10 minutes).
pub const CODE_LIFETIME_SECS: i64 = 60;
/// A sign-in's refresh tokens stop working this long after it, however often they rotate.
pub const REFRESH_FAMILY_LIFETIME_SECS: i64 = 12 * 3600;
/// Clock difference tolerated on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 10;

/// The scopes a role may be granted.
pub fn scopes_of_role(role: &str) -> &'static [&'static str] {
    match role {
        "admin" => &[SCOPE_OPENID, SCOPE_READ, SCOPE_WRITE, SCOPE_FULL],
        "agent" => &[SCOPE_OPENID, SCOPE_READ],
        "customer" => &[SCOPE_OPENID, SCOPE_READ, SCOPE_WRITE],
        // A service is nobody: no ID token.
        SERVICE_ROLE => &[SCOPE_READ, SCOPE_WRITE, SCOPE_FULL],
        _ => &[],
    }
}

/// Parses a space-separated `scope`; an unknown scope is refused with its name. None: nothing requested.
pub fn parse_scope(scope: Option<&str>) -> Result<Option<Vec<String>>, String> {
    let Some(scope) = scope else { return Ok(None) };
    let mut out: Vec<String> = Vec::new();
    for s in scope.split(' ').filter(|s| !s.is_empty()) {
        if !ALL_SCOPES.contains(&s) {
            return Err(format!("scope '{s}' is unknown: use {}", ALL_SCOPES.join(", ")));
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    // `scope=` with nothing in it is no request at all, as if the parameter were left out.
    Ok(if out.is_empty() { None } else { Some(out) })
}

/// The scopes of a space-separated `scope` (an access token's claim, a refresh family's column).
pub fn scope_list(scope: &str) -> Vec<String> {
    scope.split(' ').filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// Granted = requested ∩ allowed, in the documented order; no request means every banking scope allowed
/// (`openid` only when asked for).
pub fn grant(requested: Option<&[String]>, allowed: &[&str]) -> Vec<String> {
    ALL_SCOPES
        .iter()
        .filter(|s| allowed.contains(s))
        .filter(|s| match requested {
            Some(r) => r.iter().any(|x| x == *s),
            None => **s != SCOPE_OPENID,
        })
        .map(|s| s.to_string())
        .collect()
}

/// What the authorization server knows at run time.
pub struct AuthSettings {
    /// `{base_url}/auth`: the `iss` of every access token.
    pub issuer: String,
    /// Extra redirect URIs of `console-gateway` (`Config::redirect_uris`).
    pub gateway_redirect_uris: Vec<String>,
    pub access_token_ttl: Duration,
    pub signer: keys::Signer,
    /// How [`bearer::ApitureCaller`] checks an access token (ES256, issuer, audience, leeway): it depends
    /// only on the issuer, so it is built once here rather than on every request.
    pub access_validation: jsonwebtoken::Validation,
}

impl AuthSettings {
    /// The settings of an authorization server at `issuer`, signing with the demo key.
    pub fn new(
        issuer: String,
        gateway_redirect_uris: Vec<String>,
        access_token_ttl: Duration,
    ) -> Result<AuthSettings, crate::error::SandboxError> {
        let access_validation = bearer::access_validation(&issuer);
        Ok(AuthSettings { issuer, gateway_redirect_uris, access_token_ttl, signer: keys::Signer::demo()?, access_validation })
    }
}

pub type SharedAuth = Arc<AuthSettings>;

/// A fresh secret: 256 random bits, base64url (43 characters).
pub fn random_secret() -> String {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    URL_SAFE_NO_PAD.encode(raw)
}

/// Hex SHA-256, as the D1 side stores its access tokens: one helper for every stored hash.
pub use crate::oauth::sha256_hex;

/// PKCE S256 (RFC 7636 4.2): base64url(SHA-256(verifier)).
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Compares secrets without an early exit, so timing does not tell how much of a guess was right.
pub use console_api::secret::same_secret as constant_time_eq;

/// A code challenge or verifier: base64url characters (RFC 7636's unreserved set), `min..=max` long.
pub fn is_pkce_text(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_requested_intersected_with_allowed() {
        let req = parse_scope(Some("banking/full banking/read")).unwrap();
        assert_eq!(grant(req.as_deref(), scopes_of_role("agent")), vec!["banking/read"]);
        assert_eq!(grant(None, scopes_of_role("customer")), vec!["banking/read", "banking/write"]);
        let oidc = parse_scope(Some("banking/read openid")).unwrap();
        assert_eq!(grant(oidc.as_deref(), scopes_of_role("agent")), vec!["openid", "banking/read"]);
        assert_eq!(grant(oidc.as_deref(), scopes_of_role(SERVICE_ROLE)), vec!["banking/read"], "a service gets no ID token");
        assert!(parse_scope(Some("banking/read profile")).unwrap_err().contains("profile"));
    }

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        assert_eq!(s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }
}
