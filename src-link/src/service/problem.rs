//! How a route answers: [`Problem`] (an [`ApiProblem`] with its status and correlation id), [`Answer`] (JSON
//! under the use case's correlation id), [`Cid`] (that id, read once per request) and the checks of a
//! request's JSON body. The same bytes whichever host serves the route.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use console_api::d1_client::CorrelationId;
use console_api::gateway::{ApiProblem, ProblemKind, CORRELATION_HEADER};
use console_api::validate::ValidationError;
use serde::Serialize;

use crate::correlation::new_correlation_id;

/// A problem, sent with its status and correlation id.
/// Boxed: a problem travels in every handler's `Err`, which should stay a pointer wide.
pub struct Problem(pub Box<ApiProblem>);

impl Problem {
    pub fn new(problem: ApiProblem) -> Self {
        Problem(Box::new(problem))
    }

    /// A problem in plain words under the use case's correlation id.
    pub fn of(status: u16, kind: ProblemKind, message: impl Into<String>, cid: &CorrelationId) -> Self {
        Problem::new(ApiProblem { correlation_id: Some(cid.as_str().to_string()), ..ApiProblem::new(status, kind, message) })
    }

    /// With the upstream's own words, which the page shows only behind "technical details".
    pub fn with_technical(mut self, technical: Option<String>) -> Self {
        self.0.technical = technical;
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let cid = self.0.correlation_id.clone();
        let mut response = (status, Json(*self.0)).into_response();
        if let Some(v) = cid.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.headers_mut().insert(CORRELATION_HEADER, v);
        }
        response
    }
}

pub fn invalid(e: &ValidationError, cid: &CorrelationId) -> Problem {
    Problem::new(ApiProblem { correlation_id: Some(cid.as_str().to_string()), ..ApiProblem::invalid(e) })
}

/// A JSON answer carrying the correlation id it was made under.
pub struct Answer<T>(pub T, pub CorrelationId);

impl<T: Serialize> IntoResponse for Answer<T> {
    fn into_response(self) -> Response {
        let mut response = Json(self.0).into_response();
        if let Ok(v) = HeaderValue::from_str(self.1.as_str()) {
            response.headers_mut().insert(CORRELATION_HEADER, v);
        }
        response
    }
}

/// `response` with the upstream's `ETag`, when it has one (what a later `If-Match` names).
pub fn with_etag(mut response: Response, etag: Option<&str>) -> Response {
    if let Some(v) = etag.and_then(|t| HeaderValue::from_str(t).ok()) {
        response.headers_mut().insert(axum::http::header::ETAG, v);
    }
    response
}

/// The use case's correlation id: the page's, when it sent a valid one, else a fresh one. Kept in the
/// request's extensions, so that every extractor of one request (a handler's and its [`super::Caller`])
/// sees the same id.
pub struct Cid(pub CorrelationId);

impl<S: Send + Sync> FromRequestParts<S> for Cid {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(cid) = parts.extensions.get::<CorrelationId>() {
            return Ok(Cid(cid.clone()));
        }
        let cid = Self::read(parts)?;
        parts.extensions.insert(cid.0.clone());
        Ok(cid)
    }
}

impl Cid {
    fn read(parts: &Parts) -> Result<Self, Problem> {
        match parts.headers.get(CORRELATION_HEADER) {
            None => Ok(Cid(new_correlation_id())),
            Some(v) => {
                let s = v.to_str().unwrap_or("\u{0}");
                CorrelationId::parse(s).map(Cid).map_err(|e| {
                    // The page's id is unusable, so this answer gets one of ours to be traced by.
                    let mut p = invalid(&e, &new_correlation_id());
                    p.0.message = format!("The x-correlation-id header {}", e.message);
                    p
                })
            }
        }
    }
}

/// A JSON body, with a problem (not axum's plain text) when it is not what the route takes.
pub fn body<T: serde::de::DeserializeOwned>(bytes: &[u8], cid: &CorrelationId) -> Result<T, Problem> {
    let bytes = if bytes.is_empty() { b"{}".as_slice() } else { bytes };
    serde_json::from_slice(bytes).map_err(|e| {
        invalid(&ValidationError { field: "body", message: format!("is not valid JSON for this request: {e}") }, cid)
    })
}
