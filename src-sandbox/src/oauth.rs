//! `POST /authz/v1/oauth2/token`: D1's JWT-bearer grant (RFC 7523 section 2.1), and the bearer check of
//! every banking call.
//!
//! The assertion is verified exactly as API-NOTES describes D1: ES256 only, `kid` required and selecting
//! the issuer's registered key, `iss` = `sub` = that issuer, `exp` required, in the future and at most
//! 15 minutes ahead, `aud` optional. Errors say what is wrong and what to fix.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use console_api::d1::{TokenResponse, ASSERTION_MAX_LIFETIME_SECS, JWT_BEARER_GRANT};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db;
use crate::error::{OAuthError, SandboxError};
use crate::AppState;

/// Access tokens live 15 minutes, as D1's example says.
pub const TOKEN_LIFETIME_SECS: i64 = 900;
/// The scope D1 grants an issuer.
pub const SCOPE: &str = "d1-api:account:full d1-api:consumer:read";
/// Tolerated clock difference between the issuer's signer and us, in seconds, on `exp`'s upper bound.
const CLOCK_SKEW_SECS: i64 = 10;

/// The grant's parameters, from a form-encoded or a JSON body.
#[derive(Default, Debug)]
struct GrantRequest {
    grant_type: Option<String>,
    assertion: Option<String>,
}

fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<GrantRequest, OAuthError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let looks_json = content_type.starts_with("application/json")
        || (!content_type.starts_with("application/x-www-form-urlencoded")
            && body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'));
    if looks_json {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
            OAuthError::invalid_request(format!("the body is not valid JSON ({e}): send grant_type and assertion"))
        })?;
        let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_string);
        Ok(GrantRequest { grant_type: field("grant_type"), assertion: field("assertion") })
    } else {
        let mut request = GrantRequest::default();
        for (k, v) in form_urlencoded::parse(body) {
            match k.as_ref() {
                "grant_type" => request.grant_type = Some(v.into_owned()),
                "assertion" => request.assertion = Some(v.into_owned()),
                _ => {}
            }
        }
        Ok(request)
    }
}

/// Token endpoint.
#[utoipa::path(
    post,
    path = "/authz/v1/oauth2/token",
    tag = "OAuth",
    description = "JWT-bearer grant (RFC 7523). Body form-encoded or JSON: `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`, `assertion=<JWT>`. The assertion must be signed ES256, carry header `kid` (selects the issuer's registered key), claims `iss` = `sub` = issuerId, `exp` in the future and at most 15 minutes ahead; `aud` is optional.",
    request_body(content = crate::openapi::TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Access token, valid 900 s", body = crate::openapi::TokenResponse),
        (status = 400, description = "invalid_request, unsupported_grant_type or invalid_grant", body = crate::openapi::OAuthErrorBody),
    )
)]
pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl axum::response::IntoResponse, axum::response::Response> {
    use axum::response::IntoResponse;
    let request = parse_body(&headers, &body).map_err(IntoResponse::into_response)?;
    let grant_type = request
        .grant_type
        .ok_or_else(|| OAuthError::invalid_request(format!("grant_type is missing: send grant_type={JWT_BEARER_GRANT}")))
        .map_err(IntoResponse::into_response)?;
    if grant_type != JWT_BEARER_GRANT {
        return Err(OAuthError::unsupported_grant_type(format!(
            "grant_type '{grant_type}' is not supported: use {JWT_BEARER_GRANT}"
        ))
        .into_response());
    }
    let assertion = request
        .assertion
        .filter(|a| !a.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("assertion is missing: send the signed JWT as assertion"))
        .map_err(IntoResponse::into_response)?;

    let now = Utc::now();
    let issuer_id = verify_assertion(&state, &assertion, now).await?;

    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let access_token = hex(&raw);
    let hash = sha256_hex(&access_token);
    let expires = now + Duration::seconds(TOKEN_LIFETIME_SECS);
    let issuer = issuer_id.clone();
    state
        .db
        .tx(move |tx| db::insert_token(tx, &hash, &issuer, expires, now))
        .await
        .map_err(IntoResponse::into_response)?;
    tracing::info!(issuer = %issuer_id, "access token granted");
    // RFC 6749 section 5.1: token responses must not be cached.
    Ok((
        [(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")],
        Json(TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in: TOKEN_LIFETIME_SECS as u64,
            scope: Some(SCOPE.into()),
        }),
    ))
}

/// Checks the assertion; returns the issuer it authenticates.
async fn verify_assertion(
    state: &AppState,
    assertion: &str,
    now: DateTime<Utc>,
) -> Result<String, axum::response::Response> {
    use axum::response::IntoResponse;
    let refuse = |d: String| OAuthError::invalid_grant(d).into_response();

    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|e| refuse(format!("the assertion is not a JWT ({e}): send header.claims.signature in base64url")))?;
    if header.alg != Algorithm::ES256 {
        return Err(refuse(format!(
            "the assertion is signed {:?}: only ES256 (ECDSA P-256 with SHA-256) is accepted",
            header.alg
        )));
    }
    let kid = header
        .kid
        .ok_or_else(|| refuse("the assertion's header has no kid: set kid to the id of your registered key".into()))?;
    let lookup = kid.clone();
    let key = state.db.tx(move |tx| db::issuer_key(tx, &lookup)).await.map_err(IntoResponse::into_response)?;
    let (key_issuer, pem) =
        key.ok_or_else(|| refuse(format!("kid '{kid}' is not a registered key: use the kid given at onboarding")))?;
    let decoding_key = DecodingKey::from_ec_pem(pem.as_bytes())
        .map_err(|e| SandboxError::Internal(format!("registered key {kid} is unusable: {e}")).into_response())?;

    // The library checks the signature only; the claims are checked below, with messages of our own.
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims = HashSet::new();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    let data = jsonwebtoken::decode::<serde_json::Value>(assertion, &decoding_key, &validation)
        .map_err(|e| refuse(format!("the assertion's signature does not verify with key '{kid}' ({e}): sign with the private key of that kid")))?;
    let claims = data.claims;

    let text = |name: &str| claims.get(name).and_then(|v| v.as_str()).map(str::to_string);
    let iss = text("iss").ok_or_else(|| refuse(format!("claim iss is missing: set iss to your issuerId ({key_issuer})")))?;
    let sub = text("sub").ok_or_else(|| refuse(format!("claim sub is missing: set sub to your issuerId ({key_issuer})")))?;
    if iss != sub {
        return Err(refuse(format!("iss '{iss}' and sub '{sub}' differ: both must be your issuerId")));
    }
    if iss != key_issuer {
        return Err(refuse(format!("iss '{iss}' is not the issuer of key '{kid}': set iss and sub to {key_issuer}")));
    }
    let exp = claims
        .get("exp")
        .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
        .ok_or_else(|| refuse("claim exp is missing or not a number: set exp (seconds since 1970) at most 15 minutes ahead".into()))?;
    let now_s = now.timestamp();
    if exp <= now_s {
        return Err(refuse(format!("the assertion expired {} s ago: sign a new one with exp in the future", now_s - exp)));
    }
    if exp > now_s + ASSERTION_MAX_LIFETIME_SECS + CLOCK_SKEW_SECS {
        return Err(refuse(format!(
            "exp is {} s ahead: it must be at most {ASSERTION_MAX_LIFETIME_SECS} s (15 minutes) ahead",
            exp - now_s
        )));
    }
    if let Some(aud) = claims.get("aud") {
        if !(aud.is_string() || aud.as_array().is_some_and(|a| a.iter().all(|v| v.is_string()))) {
            return Err(refuse("claim aud must be a string or a list of strings, or be left out".into()));
        }
    }
    Ok(iss)
}

/// Checks `Authorization: Bearer <token>` and that the token's issuer is `path_issuer`.
/// Runs before any other check of a banking call but the correlation id, as D1 answers 401 first.
pub async fn authorize(state: &AppState, headers: &HeaderMap) -> Result<String, SandboxError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| SandboxError::Unauthorized("the Authorization header is missing: send Authorization: Bearer <access_token>".into()))?;
    let value = value
        .to_str()
        .map_err(|_| SandboxError::Unauthorized("the Authorization header is not readable text".into()))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| SandboxError::Unauthorized("the Authorization header is not 'Bearer <access_token>'".into()))?;
    let hash = sha256_hex(token);
    let found = state.db.tx(move |tx| db::token(tx, &hash)).await?;
    let (issuer, expires_ms) = found.ok_or_else(|| {
        SandboxError::Unauthorized("the access token is unknown: get one from /authz/v1/oauth2/token".into())
    })?;
    if expires_ms <= Utc::now().timestamp_millis() {
        return Err(SandboxError::Unauthorized("the access token has expired: get a new one".into()));
    }
    Ok(issuer)
}

/// The token's issuer must be the path's.
pub fn check_issuer(token_issuer: &str, path_issuer: &str) -> Result<(), SandboxError> {
    if token_issuer == path_issuer {
        Ok(())
    } else {
        Err(SandboxError::Unauthorized(format!(
            "the access token was granted to issuer {token_issuer}, not to {path_issuer}"
        )))
    }
}

pub fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
