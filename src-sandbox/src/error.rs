//! Errors of the sandbox and how they reach the wire.
//!
//! Every failure of a banking or control call answers `{"error": "..."}` (D1's `errorGeneric`), never
//! axum's plain-text defaults, so that the gateway and the UI can rely on one shape. The token endpoint
//! has its own OAuth shape ([`OAuthError`]).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use console_api::validate::ValidationError;
use thiserror::Error;

/// Why a request or the sandbox itself failed.
#[derive(Debug, Error)]
pub enum SandboxError {
    /// 400: the request breaks a documented rule; the text says what to fix.
    #[error("{0}")]
    BadRequest(String),
    /// 401: missing, unknown or expired bearer token, or one of another issuer.
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    /// 500: detail goes to the log, the caller gets a generic text.
    #[error("internal error: {0}")]
    Internal(String),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<ValidationError> for SandboxError {
    fn from(e: ValidationError) -> Self {
        SandboxError::BadRequest(e.to_string())
    }
}

impl SandboxError {
    pub fn status(&self) -> StatusCode {
        match self {
            SandboxError::BadRequest(_) => StatusCode::BAD_REQUEST,
            SandboxError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            SandboxError::NotFound(_) => StatusCode::NOT_FOUND,
            SandboxError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            SandboxError::Conflict(_) => StatusCode::CONFLICT,
            SandboxError::Internal(_) | SandboxError::Db(_) | SandboxError::Io(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

/// `{"error": "..."}` with a status.
pub fn error_body(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

impl IntoResponse for SandboxError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            // The cause may hold SQL or paths: log it, do not send it.
            tracing::error!(error = %self, "request failed");
            return error_body(status, "internal error of the sandbox: see its log");
        }
        error_body(status, self.to_string())
    }
}

/// The token endpoint's error (RFC 6749 section 5.2): always 400 here.
#[derive(Debug, Error)]
#[error("{error}: {description}")]
pub struct OAuthError {
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        OAuthError { error: "invalid_grant", description: description.into() }
    }
    pub fn invalid_request(description: impl Into<String>) -> Self {
        OAuthError { error: "invalid_request", description: description.into() }
    }
    pub fn unsupported_grant_type(description: impl Into<String>) -> Self {
        OAuthError { error: "unsupported_grant_type", description: description.into() }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "error": self.error, "error_description": self.description })),
        )
            .into_response()
    }
}
