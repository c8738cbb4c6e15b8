//! MasStack's authorization server on the sandbox: `POST /masstack/oauth/token` (client_credentials, the
//! client authenticated by HTTP Basic or `client_id`/`client_secret` in the body), answering a JWT signed
//! with the sandbox's demo key that carries the granted scopes and the organizations the client may use;
//! and [`MasCaller`], the bearer check of every MasCustomers call.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Utc;
use console_api::mas::{MasTokenResponse, SCOPE_READ, SCOPE_WRITE};
use console_api::secret::same_secret;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::MasFailure;
use crate::auth::clients::{form, OAuthFailure};
use crate::demo::people::MAS_ORG;
use crate::AppState;

/// The demo client of MasStack (DEMO ONLY: the console's gateway in the sandbox profile).
pub const MAS_CLIENT_ID: &str = "console-mas";
pub const MAS_CLIENT_SECRET: &str = "sandbox-mas-secret-DEMO-ONLY";
/// The HS256 key of the sandbox's MasStack tokens (DEMO ONLY; tests sign expired tokens with it).
pub const MAS_TOKEN_KEY: &[u8] = b"masstack-sandbox-token-signing-key-DEMO-ONLY-not-a-secret";
pub const MAS_TOKEN_ISSUER: &str = "masstack-sandbox";
pub const MAS_TOKEN_AUDIENCE: &str = "mascustomers-v4";
/// Lifetime of an access token.
pub const MAS_TOKEN_TTL_SECS: i64 = 600;

/// The claims of a MasStack access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasClaims {
    pub iss: String,
    pub aud: String,
    /// The client id.
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// Space-separated, as granted.
    pub scope: String,
    /// The organizations (`org_id`) the token may act on.
    pub orgs: Vec<String>,
}

/// Signs `claims` with the demo key.
pub fn sign(claims: &MasClaims) -> String {
    // HS256 over our own serializable claims cannot fail.
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(MAS_TOKEN_KEY)).unwrap_or_default()
}

/// `POST /masstack/oauth/token`
#[utoipa::path(
    post,
    path = "/masstack/oauth/token",
    tag = "OAuth",
    description = "client_credentials only. Client authentication: HTTP Basic (client_secret_basic) or client_id and client_secret in the body (form-encoded or JSON). Demo client `console-mas` / `sandbox-mas-secret-DEMO-ONLY`. `scope` optional: a space-separated subset of `accounts:read accounts:write` (default both). The access token is a JWT (HS256, the sandbox's demo key) carrying `scope` and `orgs` (the organizations it may act on: `telco`), valid 600 s.",
    request_body(content = crate::openapi_mas::MasTokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "An access token", body = crate::openapi_mas::MasTokenResponse),
        (status = 400, description = "invalid_request, unsupported_grant_type or invalid_scope", body = crate::openapi_mas::MasOAuthError),
        (status = 401, description = "invalid_client, with WWW-Authenticate: Basic", body = crate::openapi_mas::MasOAuthError),
    )
)]
pub async fn token(headers: HeaderMap, body: Bytes) -> Result<impl IntoResponse, OAuthFailure> {
    let params = parameters(&headers, &body)?;
    let grant = params.get("grant_type").map(String::as_str);
    match grant {
        Some("client_credentials") => {}
        Some(other) => {
            return Err(OAuthFailure::bad(
                "unsupported_grant_type",
                format!("grant_type '{other}' is not supported: use client_credentials"),
            ))
        }
        None => return Err(OAuthFailure::invalid_request("grant_type is missing: send grant_type=client_credentials")),
    }
    authenticate(&headers, &params)?;
    let allowed = [SCOPE_READ, SCOPE_WRITE];
    let scope = match params.get("scope").map(|s| s.split_whitespace().collect::<Vec<_>>()) {
        None => allowed.to_vec(),
        Some(asked) if asked.is_empty() => allowed.to_vec(),
        Some(asked) => {
            if let Some(unknown) = asked.iter().find(|s| !allowed.contains(s)) {
                return Err(OAuthFailure::bad(
                    "invalid_scope",
                    format!("scope '{unknown}' is not granted to {MAS_CLIENT_ID}: ask for accounts:read and/or accounts:write"),
                ));
            }
            asked
        }
    }
    .join(" ");
    let now = Utc::now().timestamp();
    let claims = MasClaims {
        iss: MAS_TOKEN_ISSUER.into(),
        aud: MAS_TOKEN_AUDIENCE.into(),
        sub: MAS_CLIENT_ID.into(),
        iat: now,
        exp: now + MAS_TOKEN_TTL_SECS,
        jti: uuid::Uuid::new_v4().to_string(),
        scope: scope.clone(),
        orgs: vec![MAS_ORG.into()],
    };
    tracing::info!(client = MAS_CLIENT_ID, %scope, "MasStack access token granted");
    Ok((
        [(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")],
        Json(MasTokenResponse {
            access_token: sign(&claims),
            token_type: "Bearer".into(),
            expires_in: MAS_TOKEN_TTL_SECS as u64,
            scope,
        }),
    ))
}

/// The body's parameters, form-encoded or JSON (strings only).
fn parameters(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, OAuthFailure> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
    if !json {
        return form(body).map_err(OAuthFailure::invalid_request);
    }
    let value: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
        .map_err(|e| OAuthFailure::invalid_request(format!("the body is not a JSON object ({e}): send grant_type=client_credentials")))?;
    Ok(value.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string()))).collect())
}

/// The demo client, from `Authorization: Basic` or the body (not both).
fn authenticate(headers: &HeaderMap, params: &HashMap<String, String>) -> Result<(), OAuthFailure> {
    let (id, secret) = match headers.get(header::AUTHORIZATION) {
        Some(value) => {
            if params.contains_key("client_secret") {
                return Err(OAuthFailure::invalid_request(
                    "send the client secret once: in the Authorization header or in the body, not both",
                ));
            }
            let encoded = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")))
                .ok_or_else(|| OAuthFailure::invalid_client("use Authorization: Basic or client_id and client_secret in the body"))?;
            let raw = STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| OAuthFailure::invalid_client("the Basic credentials are not base64 of id:secret"))?;
            let (id, secret) = raw
                .split_once(':')
                .ok_or_else(|| OAuthFailure::invalid_client("the Basic credentials have no ':' between id and secret"))?;
            (form_decode(id)?, form_decode(secret)?)
        }
        None => (
            params.get("client_id").cloned().ok_or_else(|| {
                OAuthFailure::invalid_client("no client authentication: send Authorization: Basic or client_id and client_secret")
            })?,
            params.get("client_secret").cloned().unwrap_or_default(),
        ),
    };
    if id != MAS_CLIENT_ID {
        return Err(OAuthFailure::invalid_client(format!("client '{id}' is unknown to MasStack")));
    }
    if !same_secret(secret, MAS_CLIENT_SECRET) {
        return Err(OAuthFailure::invalid_client(format!("wrong or missing secret for client '{id}'")));
    }
    Ok(())
}

/// client_secret_basic's parts are form-encoded before base64 (RFC 6749 section 2.3.1).
fn form_decode(s: &str) -> Result<String, OAuthFailure> {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| OAuthFailure::invalid_client("the Basic credentials are not UTF-8 once percent-decoded"))
}

/// The caller of a MasCustomers endpoint: a valid, unexpired access token of [`token`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasCaller {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub orgs: Vec<String>,
}

impl MasCaller {
    /// The token must carry `scope` and may act on `org_id` (403 otherwise).
    pub fn allow(&self, scope: &str, org_id: &str) -> Result<(), MasFailure> {
        if !self.scopes.iter().any(|s| s == scope) {
            return Err(MasFailure::forbidden(format!(
                "the access token lacks the scope {scope}: ask the token endpoint for scope={scope}"
            )));
        }
        if !self.orgs.iter().any(|o| o == org_id) {
            return Err(MasFailure::forbidden(format!(
                "the access token may not act on organization '{org_id}' (it may on: {})",
                self.orgs.join(", ")
            )));
        }
        Ok(())
    }

    /// Every handler's first checks, in the order the API answers them: the token may use `scope` on
    /// `org_id` (403, [`MasCaller::allow`]), then each of the path's `ids` (its name, its value) is a uuid
    /// (400 `INVALID_ID`); answers the ids in lower case, in the order given.
    pub fn allowed<const N: usize>(&self, scope: &str, org_id: &str, ids: [(&'static str, &str); N]) -> Result<[String; N], MasFailure> {
        self.allow(scope, org_id)?;
        let mut checked = [const { String::new() }; N];
        for (slot, (name, value)) in checked.iter_mut().zip(ids) {
            *slot = super::uuid_param(name, value)?;
        }
        Ok(checked)
    }
}

impl FromRequestParts<AppState> for MasCaller {
    type Rejection = MasFailure;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        let value = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            MasFailure::unauthorized(format!("the Authorization header is missing: send Bearer <token from {}>", super::TOKEN_PATH))
        })?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| MasFailure::unauthorized("the Authorization header is not 'Bearer <access_token>'"))?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_issuer(&[MAS_TOKEN_ISSUER]);
        validation.set_audience(&[MAS_TOKEN_AUDIENCE]);
        let claims = jsonwebtoken::decode::<MasClaims>(token, &DecodingKey::from_secret(MAS_TOKEN_KEY), &validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                MasFailure::unauthorized(match e.kind() {
                    ErrorKind::ExpiredSignature => "the access token has expired: get a new one",
                    ErrorKind::InvalidAudience => "the access token is for another audience",
                    ErrorKind::InvalidIssuer => "the access token is from another issuer",
                    ErrorKind::InvalidSignature => "the access token's signature does not verify",
                    _ => "the access token is not a MasStack access token",
                })
            })?
            .claims;
        Ok(MasCaller {
            client_id: claims.sub,
            scopes: claims.scope.split_whitespace().map(str::to_string).collect(),
            orgs: claims.orgs,
        })
    }
}
