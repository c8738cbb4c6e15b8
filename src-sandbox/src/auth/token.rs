//! `POST /auth/oauth2/token` and `POST /auth/oauth2/revoke` (RFC 6749, 7636, 7009, and the refresh
//! rotation with replay detection of the OAuth 2.0 Security BCP, RFC 9700 section 4.14).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::clients::{self, Client, OAuthFailure};
use super::{store, users, AuthSettings};
use crate::AppState;

/// The claims of an access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    /// The user's id, or the client's id for client_credentials.
    pub sub: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    pub client_id: String,
    /// Space separated.
    pub scope: String,
    pub roles: Vec<String>,
    pub name: String,
    /// The refresh family (one sign-in); absent for client_credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// The claims of an ID token (OpenID Connect Core 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdClaims {
    pub iss: String,
    pub sub: String,
    /// The client the sign-in was for.
    pub aud: String,
    pub azp: String,
    pub iat: i64,
    pub exp: i64,
    /// The authorize request's, after a sign-in; none after a refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub name: String,
    pub roles: Vec<String>,
}

/// Who a token is for.
struct Subject<'a> {
    sub: &'a str,
    role: &'a str,
    name: &'a str,
    sid: Option<&'a str>,
}

fn mint(auth: &AuthSettings, client: &Client, who: &Subject<'_>, scope: &str) -> Result<String, OAuthFailure> {
    let now = Utc::now().timestamp();
    let claims = AccessClaims {
        iss: auth.issuer.clone(),
        sub: who.sub.to_string(),
        aud: super::ACCESS_TOKEN_AUDIENCE.to_string(),
        iat: now,
        nbf: now,
        exp: now + auth.access_token_ttl.as_secs() as i64,
        jti: uuid::Uuid::new_v4().to_string(),
        client_id: client.id.to_string(),
        scope: scope.to_string(),
        roles: vec![who.role.to_string()],
        name: who.name.to_string(),
        sid: who.sid.map(str::to_string),
    };
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(super::AUTH_KID.to_string());
    jsonwebtoken::encode(&header, &claims, &auth.signer.encoding)
        .map_err(|e| OAuthFailure::from(crate::error::SandboxError::Internal(format!("signing: {e}"))))
}

/// An ID token for a person's sign-in, when its scope has `openid`.
fn mint_id_token(auth: &AuthSettings, client: &Client, who: &Subject<'_>, scope: &str, nonce: Option<&str>) -> Result<Option<String>, OAuthFailure> {
    if !super::scope_list(scope).iter().any(|s| s == super::SCOPE_OPENID) {
        return Ok(None);
    }
    let now = Utc::now().timestamp();
    let claims = IdClaims {
        iss: auth.issuer.clone(),
        sub: who.sub.to_string(),
        aud: client.id.to_string(),
        azp: client.id.to_string(),
        iat: now,
        exp: now + auth.access_token_ttl.as_secs() as i64,
        nonce: nonce.map(str::to_string),
        name: who.name.to_string(),
        roles: vec![who.role.to_string()],
    };
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(super::AUTH_KID.to_string());
    jsonwebtoken::encode(&header, &claims, &auth.signer.encoding)
        .map(Some)
        .map_err(|e| OAuthFailure::from(crate::error::SandboxError::Internal(format!("signing: {e}"))))
}

fn answer(auth: &AuthSettings, access_token: String, refresh_token: Option<String>, scope: &str, id_token: Option<String>) -> Response {
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": auth.access_token_ttl.as_secs(),
        "scope": scope,
    });
    if let Some(r) = refresh_token {
        body["refresh_token"] = json!(r);
    }
    if let Some(id) = id_token {
        body["id_token"] = json!(id);
    }
    // RFC 6749 section 5.1: token responses must not be cached.
    ([(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")], Json(body)).into_response()
}

/// `POST /auth/oauth2/token`
#[utoipa::path(post, path = "/auth/oauth2/token", tag = "Authorization server",
    description = "authorization_code (code, redirect_uri, code_verifier), refresh_token (rotated; a replayed one revokes the whole sign-in), client_credentials (console-service). Client authentication: HTTP Basic or client_id/client_secret in the body.",
    request_body(content = crate::openapi_apiture::AuthTokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Tokens (Cache-Control: no-store)", body = crate::openapi_apiture::AuthTokenResponse),
        (status = 400, description = "RFC 6749 5.2 error", body = crate::openapi_apiture::AuthError),
        (status = 401, description = "invalid_client, with WWW-Authenticate: Basic", body = crate::openapi_apiture::AuthError),
    ))]
pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match grant(&state, &headers, &body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn grant(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Response, OAuthFailure> {
    let form = clients::form(body).map_err(OAuthFailure::invalid_request)?;
    let client = clients::authenticate(headers, &form)?;
    let grant_type = form
        .get("grant_type")
        .ok_or_else(|| OAuthFailure::invalid_request("grant_type is missing"))?
        .as_str();
    if !["authorization_code", "refresh_token", "client_credentials"].contains(&grant_type) {
        return Err(OAuthFailure::bad("unsupported_grant_type", format!("grant_type '{grant_type}' is not supported")));
    }
    if !client.allows(grant_type) {
        return Err(OAuthFailure::bad(
            "unauthorized_client",
            format!("client '{}' may not use grant_type {grant_type}: it may use {}", client.id, client.grants.join(", ")),
        ));
    }
    match grant_type {
        "authorization_code" => code_grant(state, client, &form).await,
        "refresh_token" => refresh_grant(state, client, &form).await,
        _ => client_credentials(state, client, &form),
    }
}

fn required<'f>(form: &'f HashMap<String, String>, name: &str) -> Result<&'f str, OAuthFailure> {
    form.get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| OAuthFailure::invalid_request(format!("{name} is missing")))
}

async fn code_grant(state: &AppState, client: &'static Client, form: &HashMap<String, String>) -> Result<Response, OAuthFailure> {
    let code = required(form, "code")?;
    let redirect_uri = required(form, "redirect_uri")?.to_string();
    let verifier = required(form, "code_verifier")?.to_string();
    if !super::is_pkce_text(&verifier, 43, 128) {
        return Err(OAuthFailure::invalid_request("code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~"));
    }
    let hash = super::sha256_hex(code);
    let refresh = super::random_secret();
    let refresh_hash = super::sha256_hex(&refresh);
    let family_id = uuid::Uuid::new_v4().to_string();
    let fam = family_id.clone();
    let outcome = state
        .db
        .tx(move |tx| {
            let now = Utc::now().timestamp_millis();
            let Some(row) = store::code(tx, &hash)? else {
                return Ok(Err(OAuthFailure::invalid_grant("the code is unknown: sign in again")));
            };
            if row.used_ms.is_some() {
                // A replayed code may be a stolen one: what its first exchange issued is revoked too.
                if let Some(f) = &row.family_id {
                    store::revoke_family(tx, f, now)?;
                }
                return Ok(Err(OAuthFailure::invalid_grant(
                    "the code was already used: every token issued from it is revoked; sign in again",
                )));
            }
            let refuse = |d: &str| Ok(Err(OAuthFailure::invalid_grant(d)));
            if row.client_id != client.id {
                return refuse("the code was issued to another client");
            }
            if row.expires_ms <= now {
                return refuse("the code has expired (it lives 60 s): sign in again");
            }
            if row.redirect_uri != redirect_uri {
                return refuse("redirect_uri differs from the one of the authorization request");
            }
            if !super::constant_time_eq(super::s256(&verifier).as_bytes(), row.code_challenge.as_bytes()) {
                return refuse("code_verifier does not match the code_challenge (S256)");
            }
            let Some(user) = users::by_id(tx, &row.user_id)? else {
                return refuse("the user of this code no longer exists");
            };
            let expires = now + super::REFRESH_FAMILY_LIFETIME_SECS * 1000;
            store::insert_family(tx, &fam, client.id, &user.user_id, &row.scope, now, expires)?;
            store::insert_refresh(tx, &refresh_hash, &fam, now)?;
            store::mark_code_used(tx, &hash, now, &fam)?;
            Ok(Ok((user, row.scope, row.nonce)))
        })
        .await??;
    let (user, scope, nonce) = outcome;
    let who = Subject { sub: &user.user_id, role: &user.role, name: &user.name, sid: Some(&family_id) };
    let access = mint(&state.auth, client, &who, &scope)?;
    let id_token = mint_id_token(&state.auth, client, &who, &scope, nonce.as_deref())?;
    tracing::info!(client = client.id, user = %user.user_id, "authorization code exchanged");
    Ok(answer(&state.auth, access, Some(refresh), &scope, id_token))
}

async fn refresh_grant(state: &AppState, client: &'static Client, form: &HashMap<String, String>) -> Result<Response, OAuthFailure> {
    let presented = super::sha256_hex(required(form, "refresh_token")?);
    let narrower = super::parse_scope(form.get("scope").map(String::as_str))
        .map_err(|e| OAuthFailure::bad("invalid_scope", e))?;
    let next = super::random_secret();
    let next_hash = super::sha256_hex(&next);
    let outcome = state
        .db
        .tx(move |tx| {
            let now = Utc::now().timestamp_millis();
            let refuse = |d: &str| Ok(Err(OAuthFailure::invalid_grant(d)));
            let Some((family, used)) = store::refresh(tx, &presented)? else {
                return refuse("the refresh token is unknown: sign in again");
            };
            if family.client_id != client.id {
                return refuse("the refresh token was issued to another client");
            }
            if family.revoked_ms.is_some() {
                return refuse("the refresh token was revoked: sign in again");
            }
            if used.is_some() {
                // Only one party can hold the current token; a rotated one coming back means two do.
                store::revoke_family(tx, &family.family_id, now)?;
                return refuse("the refresh token was already used: this sign-in is revoked; sign in again");
            }
            if family.expires_ms <= now {
                return refuse("this sign-in is older than 12 hours: sign in again");
            }
            let Some(user) = users::by_id(tx, &family.user_id)? else {
                return refuse("the user no longer exists");
            };
            // The role may have changed since the sign-in: grant what it allows now.
            let had = super::scope_list(&family.scope);
            if let Some(n) = &narrower {
                if let Some(extra) = n.iter().find(|s| !had.contains(s)) {
                    return Ok(Err(OAuthFailure::bad("invalid_scope", format!("scope '{extra}' was not granted at sign-in"))));
                }
            }
            // No `scope`: what the sign-in had (so `openid` carries on), as the role allows it now.
            let granted: Vec<String> = super::grant(Some(narrower.as_deref().unwrap_or(&had)), super::scopes_of_role(&user.role))
                .into_iter()
                .filter(|s| had.contains(s))
                .collect();
            store::mark_refresh_used(tx, &presented, now)?;
            store::insert_refresh(tx, &next_hash, &family.family_id, now)?;
            Ok(Ok((user, family.family_id, granted.join(" "))))
        })
        .await??;
    let (user, family_id, scope) = outcome;
    let who = Subject { sub: &user.user_id, role: &user.role, name: &user.name, sid: Some(&family_id) };
    let access = mint(&state.auth, client, &who, &scope)?;
    let id_token = mint_id_token(&state.auth, client, &who, &scope, None)?;
    Ok(answer(&state.auth, access, Some(next), &scope, id_token))
}

fn client_credentials(state: &AppState, client: &'static Client, form: &HashMap<String, String>) -> Result<Response, OAuthFailure> {
    let requested = super::parse_scope(form.get("scope").map(String::as_str))
        .map_err(|e| OAuthFailure::bad("invalid_scope", e))?;
    // What this client may have, not what any service may: the directory's client reads the directory only.
    let granted = super::grant(requested.as_deref(), client.service_scopes);
    if granted.is_empty() {
        return Err(OAuthFailure::bad("invalid_scope", "none of the requested scopes can be granted"));
    }
    let scope = granted.join(" ");
    let who = Subject { sub: client.id, role: super::SERVICE_ROLE, name: client.id, sid: None };
    let access = mint(&state.auth, client, &who, &scope)?;
    Ok(answer(&state.auth, access, None, &scope, None))
}

/// `POST /auth/oauth2/revoke` (RFC 7009): 200 whatever the token, once the client is authenticated.
#[utoipa::path(post, path = "/auth/oauth2/revoke", tag = "Authorization server",
    description = "RFC 7009. A refresh token revokes its whole sign-in; an access token's jti is refused until it expires. 200 also for unknown tokens.",
    request_body(content = crate::openapi_apiture::RevokeRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Revoked, or unknown"),
        (status = 401, description = "invalid_client", body = crate::openapi_apiture::AuthError),
    ))]
pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match revoke_inner(&state, &headers, &body).await {
        Ok(()) => (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")]).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn revoke_inner(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<(), OAuthFailure> {
    let form = clients::form(body).map_err(OAuthFailure::invalid_request)?;
    let client = clients::authenticate(headers, &form)?;
    let token = required(&form, "token")?.to_string();
    // An access token we signed (expired or not): its jti is refused from now on.
    let claims = {
        let mut v = Validation::new(Algorithm::ES256);
        v.validate_exp = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        v.set_issuer(&[&state.auth.issuer]);
        jsonwebtoken::decode::<AccessClaims>(&token, &state.auth.signer.decoding, &v).ok().map(|d| d.claims)
    };
    let hash = super::sha256_hex(&token);
    state
        .db
        .tx(move |tx| {
            let now = Utc::now().timestamp_millis();
            if let Some(c) = claims.filter(|c| c.client_id == client.id) {
                store::revoke_jti(tx, &c.jti, c.exp * 1000, now)?;
            } else if let Some((family, _)) = store::refresh(tx, &hash)? {
                // A token of another client is left alone (RFC 7009 section 2.1), silently.
                if family.client_id == client.id {
                    store::revoke_family(tx, &family.family_id, now)?;
                }
            }
            Ok(())
        })
        .await?;
    Ok(())
}
