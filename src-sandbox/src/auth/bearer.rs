//! The bearer check of the sandbox's Apiture-style APIs, and their `errorResponse` errors.
//!
//! [`ApitureCaller`] is an axum extractor: a handler that takes one only runs for a valid access token of
//! this sandbox's authorization server. [`require_scope`] then checks the operation's scope and
//! [`require_api_key`] the `API-Key` header.

use std::collections::HashSet;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};
use console_api::consents::{ApitureError, ErrorResponse, API_KEY_HEADER, ERROR_RESPONSE_PROFILE, HAL_JSON};
use jsonwebtoken::{Algorithm, Validation};

use super::token::AccessClaims;
use crate::AppState;

/// The authenticated caller of an Apiture-style API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApitureCaller {
    /// The user's id (`sub`), or the client id of a service (client_credentials).
    pub user_id: String,
    pub roles: Vec<String>,
    pub scopes: Vec<String>,
    pub client_id: String,
}

impl ApitureCaller {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
    /// Whether the access token carries `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
    /// Bank customers only ever see their own data; staff and services may ask about anyone.
    pub fn is_customer(&self) -> bool {
        self.has_role("customer")
    }
}

/// An Apiture `errorResponse` with its status (and `WWW-Authenticate` for 401/403 of the bearer check).
/// Boxed: it travels in every `Result` of the handlers, where the success path should stay small.
#[derive(Debug)]
pub struct ApitureFailure(Box<Failure>);

#[derive(Debug)]
struct Failure {
    status: StatusCode,
    type_: &'static str,
    message: String,
    remediation: String,
    attributes: Option<serde_json::Map<String, serde_json::Value>>,
    www_authenticate: Option<String>,
}

impl ApitureFailure {
    pub fn new(status: StatusCode, type_: &'static str, message: impl Into<String>, remediation: impl Into<String>) -> Self {
        ApitureFailure(Box::new(Failure {
            status,
            type_,
            message: message.into(),
            remediation: remediation.into(),
            attributes: None,
            www_authenticate: None,
        }))
    }

    /// Adds an `attributes` entry (what the error is about, for clients to show as they see fit).
    pub fn with_attribute(mut self, name: &str, value: serde_json::Value) -> Self {
        self.0.attributes.get_or_insert_with(Default::default).insert(name.to_string(), value);
        self
    }

    pub fn with_www_authenticate(mut self, value: impl Into<String>) -> Self {
        self.0.www_authenticate = Some(value.into());
        self
    }

    fn invalid_token(description: impl Into<String>) -> Self {
        let description = description.into();
        // RFC 6750 section 3: the description goes in a quoted string, so no quotes or backslashes in it.
        let safe: String = description.chars().filter(|c| *c != '"' && *c != '\\' && !c.is_control()).collect();
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", description, "Get a new access token from /auth/oauth2/token.")
            .with_www_authenticate(format!("Bearer realm=\"sandbox\", error=\"invalid_token\", error_description=\"{safe}\""))
    }
}

impl From<crate::error::SandboxError> for ApitureFailure {
    fn from(e: crate::error::SandboxError) -> Self {
        tracing::error!(error = %e, "Apiture-style API failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internalError", "Internal error of the sandbox.", "See the sandbox's log.")
    }
}

impl IntoResponse for ApitureFailure {
    fn into_response(self) -> Response {
        let f = *self.0;
        let body = ErrorResponse {
            profile: Some(ERROR_RESPONSE_PROFILE.into()),
            error: ApitureError {
                id: Some(uuid::Uuid::new_v4().to_string()),
                message: f.message,
                status_code: Some(f.status.as_u16()),
                type_: Some(f.type_.into()),
                attributes: f.attributes,
                remediation: Some(f.remediation),
                occurred_at: Some(Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)),
            },
        };
        let mut response = hal(f.status, &body);
        if let Some(v) = f.www_authenticate.and_then(|v| HeaderValue::from_str(&v).ok()) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        response
    }
}

/// A body as `application/hal+json`.
pub fn hal<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, HAL_JSON)], bytes).into_response(),
        Err(e) => ApitureFailure::from(crate::error::SandboxError::Internal(format!("serializing: {e}"))).into_response(),
    }
}

/// 403 `insufficient_scope` unless the token carries `scope`.
pub fn require_scope(caller: &ApitureCaller, scope: &str) -> Result<(), ApitureFailure> {
    if caller.has_scope(scope) {
        return Ok(());
    }
    Err(ApitureFailure::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        format!("This operation needs the scope {scope}; the access token has: {}.", caller.scopes.join(" ")),
        format!("Ask for {scope} when signing in (a user's role limits what can be granted)."),
    )
    .with_www_authenticate(format!("Bearer realm=\"sandbox\", error=\"insufficient_scope\", scope=\"{scope}\"")))
}

/// 401 unless `API-Key` is the sandbox's demo key.
pub fn require_api_key(headers: &HeaderMap) -> Result<(), ApitureFailure> {
    let given = headers.get(API_KEY_HEADER).map(|v| v.as_bytes());
    match given {
        Some(k) if super::constant_time_eq(k, super::DEMO_API_KEY.as_bytes()) => Ok(()),
        Some(_) => Err(ApitureFailure::new(
            StatusCode::UNAUTHORIZED,
            "invalidApiKey",
            "The API-Key header does not hold a known API key.",
            "Send the sandbox's API key (console_sandbox::DEMO_API_KEY) in the API-Key header.",
        )),
        None => Err(ApitureFailure::new(
            StatusCode::UNAUTHORIZED,
            "apiKeyRequired",
            "The API-Key header is missing.",
            "Send the sandbox's API key (console_sandbox::DEMO_API_KEY) in the API-Key header.",
        )),
    }
}

/// What an access token of the authorization server at `issuer` must be: ES256, this issuer, our
/// audience, `exp`, `nbf` and `sub` present, within [`super::LEEWAY_SECS`].
pub fn access_validation(issuer: &str) -> Validation {
    let mut v = Validation::new(Algorithm::ES256);
    v.leeway = super::LEEWAY_SECS;
    v.validate_nbf = true;
    v.required_spec_claims = HashSet::from(["exp", "nbf", "iss", "aud", "sub"].map(String::from));
    v.set_issuer(&[issuer]);
    v.set_audience(&[super::ACCESS_TOKEN_AUDIENCE]);
    v
}

impl FromRequestParts<AppState> for ApitureCaller {
    type Rejection = ApitureFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(ApitureFailure::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "The Authorization header is missing.",
                "Send Authorization: Bearer <access_token> (from /auth/oauth2/token).",
            )
            .with_www_authenticate("Bearer realm=\"sandbox\""));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApitureFailure::invalid_token("the Authorization header is not 'Bearer <access_token>'"))?;

        let header = jsonwebtoken::decode_header(token).map_err(|_| ApitureFailure::invalid_token("the access token is not a JWT"))?;
        if header.alg != Algorithm::ES256 || header.kid.as_deref() != Some(super::AUTH_KID) {
            return Err(ApitureFailure::invalid_token("the access token is not signed by this sandbox's key (ES256)"));
        }
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &state.auth.signer.decoding, &state.auth.access_validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                ApitureFailure::invalid_token(match e.kind() {
                    ErrorKind::ExpiredSignature => "the access token has expired",
                    ErrorKind::ImmatureSignature => "the access token is not valid yet",
                    ErrorKind::InvalidAudience => "the access token is for another audience",
                    ErrorKind::InvalidIssuer => "the access token is from another issuer",
                    ErrorKind::InvalidSignature => "the access token's signature does not verify",
                    _ => "the access token is malformed",
                })
            })?
            .claims;

        let (jti, sid) = (claims.jti.clone(), claims.sid.clone());
        let revoked = state.db.tx(move |tx| super::store::access_revoked(tx, &jti, sid.as_deref())).await?;
        if revoked {
            return Err(ApitureFailure::invalid_token("the access token was revoked"));
        }
        Ok(ApitureCaller {
            user_id: claims.sub,
            roles: claims.roles,
            scopes: super::scope_list(&claims.scope),
            client_id: claims.client_id,
        })
    }
}
