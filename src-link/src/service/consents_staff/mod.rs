//! The staff consent area's routes: admins act, agents read, customers are refused (403, audited). Every
//! call goes to Apiture Consents with the staff member's own token, so the API's own rules apply on top
//! of ours. Apiture's `_error` types reach the page in [`ApiProblem::error_type`] (with its attributes),
//! so that it can word them; a 412 carries the fresh version.
//!
//! * [`explorer`]: the list, its CSV export (streamed), one consent and its patch.
//! * [`rescind`]: rescinding, and the preview of what it would match.
//! * [`documents`]: the documents in use, revising (with its preview), moving, the re-consent campaign.
//! * [`types`]: the consent type names.
//! * [`scan`]: reading every page of a filtered list, for the figures the API has no query for.

pub mod documents;
pub mod explorer;
pub mod rescind;
pub mod scan;
pub mod types;

use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use console_api::consents_staff::ExplorerQuery;
use console_api::d1_client::CorrelationId;
use console_api::gateway::{routes, ProblemKind};
use console_api::validate::ValidationError;
use crate::apiture::ApitureError;

use crate::service::{invalid, ServiceState, Problem};
use crate::service::Caller;

pub fn router() -> Router<ServiceState> {
    Router::new()
        .route(routes::CONSENTS, get(explorer::list))
        .route(routes::CONSENTS_EXPORT, get(explorer::export))
        .route(routes::CONSENT, get(explorer::get_one).patch(explorer::patch))
        .route(routes::RESCIND, post(rescind::rescind))
        .route(routes::RESCIND_PREVIEW, get(rescind::preview))
        .route(routes::DOCUMENTS, get(documents::in_use))
        .route(routes::REVISE, post(documents::revise))
        .route(routes::REVISE_PREVIEW, get(documents::revise_preview))
        .route(routes::MOVE, post(documents::move_document))
        .route(routes::CAMPAIGN, get(documents::campaign))
        .route(routes::CAMPAIGN_OUTSTANDING, get(documents::outstanding_csv))
        .route(routes::CONSENT_TYPES, get(types::get_types).put(types::put_types))
}

/// The explorer's query, checked against the allow-list and the API's rules before anything is sent.
pub fn explorer_query(raw: Option<&str>, cid: &CorrelationId) -> Result<ExplorerQuery, Problem> {
    ExplorerQuery::from_pairs(query_pairs(raw)).map_err(|e| invalid(&e, cid))
}

/// The raw query as decoded pairs.
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// One named query parameter, required.
pub fn required<'a>(pairs: &'a [(String, String)], name: &'static str, cid: &CorrelationId) -> Result<&'a str, Problem> {
    optional(pairs, name).ok_or_else(|| invalid(&ValidationError { field: name, message: format!("is required: add ?{name}=") }, cid))
}

pub fn optional<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

/// Refuses parameters a route does not take (never passed on, and a typo is said, not ignored).
pub fn only(pairs: &[(String, String)], allowed: &[&str], cid: &CorrelationId) -> Result<(), Problem> {
    match pairs.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some((k, _)) => {
            let shown = console_api::validate::shown(k);
            Err(invalid(&ValidationError { field: "query", message: format!("'{shown}' is not a parameter here: use {}", allowed.join(", ")) }, cid))
        }
    }
}

/// `If-Match` of a write: required, so that nothing is overwritten without the version it was read at.
pub fn if_match(headers: &HeaderMap, cid: &CorrelationId) -> Result<String, Problem> {
    headers
        .get(axum::http::header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 200)
        .map(str::to_string)
        .ok_or_else(|| Problem::of(428, ProblemKind::InvalidInput, "This change needs an If-Match header with the ETag of the version you read: reload it and try again.", cid))
}

/// The API's answer mapped to the page's problem; when the person's token was refused, their session
/// here ends too (the page's 401 sends them to sign in).
pub fn upstream_problem(caller: &Caller, e: ApitureError, cid: &CorrelationId) -> Problem {
    if let ApitureError::InvalidToken { .. } = &e {
        caller.end_session();
    }
    problem(e, cid)
}

/// Apiture's `_error` in plain words, its type and attributes kept for the page; its own message goes in
/// `message` for refusals of the request (it says what to fix), in `technical` otherwise.
pub fn problem(e: ApitureError, cid: &CorrelationId) -> Problem {
    let error_type = e.error_type().map(str::to_string);
    let (status, kind, message, body) = match e {
        ApitureError::InvalidToken { body } => (401, ProblemKind::Unauthorized, "Your sign-in has ended. Sign in again.".to_string(), body),
        ApitureError::Status { status, body } => {
            let theirs = body.pointer("/_error/message").and_then(|m| m.as_str()).unwrap_or("").to_string();
            let (status, kind, message) = match status {
                400 | 422 => (400, ProblemKind::InvalidInput, format!("The Consents service refused the request: {theirs}")),
                403 => (403, ProblemKind::Forbidden, "The Consents service does not let you do this.".to_string()),
                404 => (404, ProblemKind::NotFound, "No such consent.".to_string()),
                409 => (409, ProblemKind::UpstreamError, theirs),
                412 => (412, ProblemKind::UpstreamError, "Someone changed this after you opened it, so nothing was written. Compare with the fresh version and try again.".to_string()),
                // Any other 401 is about the console's own API key.
                401 => (502, ProblemKind::UpstreamError, "The console could not authenticate to the Consents service. Tell the console's operators.".to_string()),
                s => (502, ProblemKind::UpstreamError, format!("The Consents service failed to answer ({s}). Check the result before trying again.")),
            };
            (status, kind, message, body)
        }
        // The details name upstream URLs or our decoder's view: the log gets them, the page never does.
        ApitureError::Unreachable(t) => {
            tracing::warn!(correlation_id = cid.as_str(), detail = %t, "Consents could not be reached");
            let message = "The Consents service could not be reached. Try again in a moment.";
            return Problem::of(503, ProblemKind::UpstreamUnavailable, message, cid);
        }
        ApitureError::Decode(t) => {
            tracing::warn!(correlation_id = cid.as_str(), detail = %t, "Consents' answer did not decode");
            return Problem::of(502, ProblemKind::UpstreamError, "The Consents service answered in a way the console does not understand.", cid);
        }
    };
    let technical = body.pointer("/_error/message").and_then(|m| m.as_str()).map(str::to_string);
    let mut p = Problem::of(status, kind, message, cid).with_technical(technical);
    p.0.error_type = error_type;
    p.0.attributes = body.pointer("/_error/attributes").filter(|a| !a.is_null()).and_then(console_api::gateway::JsonText::of);
    p
}

/// Borrowed pairs, as [`crate::apiture::Call`] takes them.
pub fn borrowed<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
