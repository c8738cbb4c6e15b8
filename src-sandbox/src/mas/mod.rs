//! MasStack MasCustomers v4 (seed 003, paths of API-NOTES) under `/masstack/v4`, with its own OAuth server
//! at `/masstack/oauth/token` (MasStack is another vendor than the bank: its tokens are its own).
//!
//! * [`oauth`]: the client_credentials token endpoint and [`oauth::MasCaller`], the bearer check (401) and
//!   the scope and organization check (403) every handler runs first.
//! * [`accounts`]: get an account, patch its payment method, its billing address history, a customer's
//!   account ids, create and delete an account, the available payment methods.
//! * [`promotions`]: current promotions, by type, their history, cancel one.
//! * [`rules`]: what the billing product allows (payment types per modality, card tokenization, the
//!   conflicts of create and delete), in one place the OpenAPI document describes.
//! * [`store`]: the rows. The demo data is in `crate::demo::mas`; the document in `crate::openapi_mas`.
//!
//! Every answer but 405 that is not a success is an `ErrorResponse` (`{code, message, details}`), its codes
//! those of [`console_api::mas::ErrorCode`]. Every write is one SQLite transaction ([`transaction`]): a
//! refusal or failure anywhere in it leaves nothing half done. Dates are the sandbox clock's, in UTC.

pub mod accounts;
pub mod oauth;
pub mod promotions;
pub mod rules;
pub mod store;

use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use console_api::mas::{check, ErrorCode, ErrorResponse};
use console_api::validate::ValidationError;
use rusqlite::Transaction;
use serde::de::DeserializeOwned;

use crate::error::SandboxError;
use crate::AppState;

/// Where MasCustomers v4 is mounted on the sandbox.
pub const BASE_PATH: &str = "/masstack/v4";
/// The token endpoint of MasStack's authorization server on the sandbox.
pub const TOKEN_PATH: &str = "/masstack/oauth/token";

/// Every MasStack route: the API under [`BASE_PATH`] (with an ErrorResponse for unknown paths) and the
/// token endpoint.
pub fn router() -> Router<AppState> {
    let account = "/orgs/{org_id}/accounts/{account_id}";
    let customer = "/orgs/{org_id}/customers/{customer_id}/accounts";
    let v4 = Router::new()
        .route(account, get(accounts::get_account))
        .route(&format!("{account}/payment-method"), patch(accounts::patch_payment_method))
        .route(&format!("{account}/billing-address-history"), get(accounts::billing_address_history))
        .route(&format!("{account}/promotions"), get(promotions::current_promotions))
        .route(&format!("{account}/account-promotions"), get(promotions::account_promotions))
        .route(&format!("{account}/promotions-history"), get(promotions::promotions_history))
        .route(&format!("{account}/promotions/{{account_promotion_id}}"), patch(promotions::cancel_promotion))
        .route(customer, get(accounts::account_ids).post(accounts::create_account))
        .route(&format!("{customer}/{{account_id}}"), axum::routing::delete(accounts::delete_account))
        .route(&format!("{customer}/{{account_id}}/payment-methods"), get(accounts::payment_methods))
        .route("/openapi.json", get(openapi_json))
        .fallback(not_found);
    Router::new().nest(BASE_PATH, v4).route(TOKEN_PATH, post(oauth::token))
}

/// The OpenAPI document, built on first use.
async fn openapi_json() -> Json<serde_json::Value> {
    static DOCUMENT: OnceLock<serde_json::Value> = OnceLock::new();
    Json(DOCUMENT.get_or_init(|| serde_json::to_value(crate::openapi_mas::document()).unwrap_or_default()).clone())
}

async fn not_found(request: axum::extract::Request) -> MasFailure {
    MasFailure::new(
        StatusCode::NOT_FOUND,
        ErrorCode::InvalidRequest,
        format!("no such endpoint: {} {} (see {BASE_PATH}/openapi.json)", request.method(), request.uri().path()),
    )
}

/// An ErrorResponse with its status. Boxed: it travels in every handler's `Result`.
#[derive(Debug)]
pub struct MasFailure(Box<(StatusCode, ErrorResponse, Option<&'static str>)>);

impl MasFailure {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        MasFailure(Box::new((status, ErrorResponse::new(code, message), None)))
    }

    /// 400 for one field, the check's words in `details`.
    pub fn bad_field(code: ErrorCode, error: &ValidationError) -> Self {
        MasFailure(Box::new((StatusCode::BAD_REQUEST, ErrorResponse::of_field(code, error), None)))
    }

    pub fn not_found(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 401 with `WWW-Authenticate: Bearer` (RFC 6750).
    pub fn unauthorized(message: impl Into<String>) -> Self {
        MasFailure(Box::new((
            StatusCode::UNAUTHORIZED,
            ErrorResponse::new(ErrorCode::Unauthorized, message),
            Some("Bearer realm=\"masstack\", error=\"invalid_token\""),
        )))
    }

    /// 403 with `WWW-Authenticate: Bearer error="insufficient_scope"`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        MasFailure(Box::new((
            StatusCode::FORBIDDEN,
            ErrorResponse::new(ErrorCode::Forbidden, message),
            Some("Bearer realm=\"masstack\", error=\"insufficient_scope\""),
        )))
    }

    pub fn status(&self) -> StatusCode {
        self.0 .0
    }

    pub fn body(&self) -> &ErrorResponse {
        &self.0 .1
    }
}

impl From<SandboxError> for MasFailure {
    fn from(e: SandboxError) -> Self {
        match e {
            SandboxError::BadRequest(m) => MasFailure::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, m),
            SandboxError::Unauthorized(m) => MasFailure::unauthorized(m),
            SandboxError::NotFound(m) => MasFailure::new(StatusCode::NOT_FOUND, ErrorCode::InvalidRequest, m),
            SandboxError::Conflict(m) => MasFailure::new(StatusCode::CONFLICT, ErrorCode::InvalidRequest, m),
            SandboxError::MethodNotAllowed(m) => {
                MasFailure::new(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::InvalidRequest, m)
            }
            other => {
                // The cause may hold SQL or paths: log it, do not send it.
                tracing::error!(error = %other, "MasCustomers request failed");
                MasFailure::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::InternalError,
                    "internal error of the sandbox: see its log",
                )
            }
        }
    }
}

impl IntoResponse for MasFailure {
    fn into_response(self) -> Response {
        let (status, body, www_authenticate) = *self.0;
        let mut response = (status, Json(body)).into_response();
        if let Some(value) = www_authenticate {
            response.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static(value));
        }
        response
    }
}

/// Runs `f` in one SQLite transaction: committed only when it answers `Ok`, rolled back on any refusal.
pub async fn transaction<T, F>(state: &AppState, f: F) -> Result<T, MasFailure>
where
    T: Send + 'static,
    F: FnOnce(&Transaction<'_>) -> Result<T, MasFailure> + Send + 'static,
{
    // The refusal travels beside the database's own error type, which only rolls the transaction back.
    let refusal: Arc<Mutex<Option<MasFailure>>> = Arc::default();
    let slot = refusal.clone();
    let result = state
        .db
        .tx(move |tx| {
            f(tx).map_err(|failure| {
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(failure);
                SandboxError::Internal("refused, rolled back".into())
            })
        })
        .await;
    match result {
        Ok(value) => Ok(value),
        Err(e) => Err(refusal.lock().unwrap_or_else(|p| p.into_inner()).take().unwrap_or_else(|| e.into())),
    }
}

/// Path parameters, rejected with a 400 ErrorResponse instead of axum's text. Handlers take it after
/// [`oauth::MasCaller`], so that a missing token is 401 whatever the path.
pub struct MasPath<T>(pub T);

impl<T, S> FromRequestParts<S> for MasPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = MasFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(params)) => Ok(MasPath(params)),
            Err(e) => Err(MasFailure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidRequest,
                format!("the path is not valid: {e}"),
            )),
        }
    }
}

/// A uuid path parameter, or 400 `INVALID_ID`.
pub fn uuid_param(field: &'static str, value: &str) -> Result<String, MasFailure> {
    check::uuid(field, value).map_err(|e| MasFailure::bad_field(ErrorCode::InvalidId, &e))?;
    Ok(value.to_ascii_lowercase())
}

/// A JSON body, or 400 `INVALID_REQUEST` saying what is wrong with it.
pub fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, MasFailure> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(MasFailure::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, "the body is empty: send a JSON object"));
    }
    serde_json::from_slice(body).map_err(|e| {
        MasFailure::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, format!("the body is not the expected JSON: {e}"))
    })
}

/// The query's parameters by name (the last of a repeated one).
pub fn query_params(query: Option<&str>) -> std::collections::HashMap<String, String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}
