//! The Apiture Consents API (seed 004), every operation, behind the API key and an access token of the
//! sandbox's authorization server ([`crate::auth`]); and the documents the consents point at (`/vault`).
//!
//! * [`list`]: `GET /consents/consents` (filters, `filter=`, `q`, `sortBy`, paging; parsed by [`query`])
//!   and `GET /consents/neededConsents`.
//! * [`single`]: create, get (ETag, 304) and patch (If-Match, 412) one consent.
//! * [`actions`]: `givenConsents`, `revokedConsents`, `rescindedConsents`.
//! * [`documents`]: `revisedDocuments` (one UPDATE, one commit) and `movedDocuments`. [`vault`]: the HTML
//!   documents themselves, one file per revision.
//! * [`type_names`]: `consentTypeNames` GET and PUT. [`labels`]: `labels` (Accept-Language), the API root
//!   and `apiDoc`.
//! * [`current`]: each document's current revision, set only by a revision (and the demo data).
//! * [`store`]: rows and shared queries. [`terms`]: the term index that answers `q`, `search()` and
//!   `contains()` without scanning every consent.
//!
//! Who may do what (the caller's role comes from the access token, see [`ApitureCaller`]):
//! * read: `banking/read`; a bank customer sees only their own consents (another user's is a 403 on a
//!   list and a 404 by id, so that ids do not leak); staff (admin, agent) and services see everyone's.
//! * give and revoke: only the consent's owner, a bank customer with `banking/write`.
//! * create, patch, rescind, revise and move documents: administrators and service clients with
//!   `banking/write`; replacing the type names: administrators only. Agents only read.
//!
//! A consent carries `apiture:give`, `apiture:revoke`, `apiture:rescind` exactly when this caller may do
//! that now ([`with_links`]); the UI enables its buttons from them.

pub mod actions;
pub mod current;
pub mod documents;
pub mod labels;
pub mod list;
pub mod query;
pub mod single;
pub mod store;
pub mod terms;
pub mod type_names;
pub mod vault;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use console_api::consents::{
    Consent, ConsentState, Link, ERR_CONSENT_REF_NOT_FOUND, ERR_FORBIDDEN, ERR_IF_MATCH_REQUIRED,
    ERR_INVALID_QUERY_PARAMETER, ERR_MALFORMED_REQUEST_BODY, ERR_PRECONDITION_FAILED, REL_GIVE, REL_RESCIND, REL_REVOKE,
    REL_SELF,
};
use serde::de::DeserializeOwned;

pub use store::{insert, NewConsent};

use crate::auth::bearer::{require_api_key, require_scope, ApitureCaller, ApitureFailure};
use crate::auth::{SCOPE_WRITE, SERVICE_ROLE};
use crate::AppState;

/// Every route of the Consents API and of the document vault.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/consents", get(labels::root))
        .route("/consents/", get(labels::root))
        .route("/consents/apiDoc", get(labels::api_doc))
        .route("/consents/labels", get(labels::labels))
        .route("/consents/consents", get(list::list_consents).post(single::create_consent))
        .route("/consents/consents/{consentId}", get(single::get_consent).patch(single::patch_consent))
        .route("/consents/neededConsents", get(list::needed_consents))
        .route("/consents/givenConsents", post(actions::give))
        .route("/consents/revokedConsents", post(actions::revoke))
        .route("/consents/rescindedConsents", post(actions::rescind))
        .route("/consents/revisedDocuments", post(documents::revise))
        .route("/consents/movedDocuments", post(documents::move_document))
        .route("/consents/consentTypeNames", get(type_names::get_type_names).put(type_names::put_type_names))
        .route("/vault/files/{fileId}/content", get(vault::content))
}

/// The API key, then the scope: every handler's first check.
pub fn authorize(headers: &HeaderMap, caller: &ApitureCaller, scope: &str) -> Result<(), ApitureFailure> {
    require_api_key(headers)?;
    require_scope(caller, scope)
}

/// Staff and services see every user's consents; anyone else (a bank customer) only their own.
pub fn sees_everyone(caller: &ApitureCaller) -> bool {
    caller.has_role("admin") || caller.has_role("agent") || caller.has_role(SERVICE_ROLE)
}

pub fn may_see(caller: &ApitureCaller, consent: &Consent) -> bool {
    sees_everyone(caller) || consent.user_id == caller.user_id
}

/// Only the user gives or revokes their consent: a bank customer, the owner, with `banking/write`.
pub fn may_answer(caller: &ApitureCaller, consent: &Consent) -> bool {
    caller.is_customer() && consent.user_id == caller.user_id && caller.has_scope(SCOPE_WRITE)
}

/// The bank's side (create, patch, rescind, revise, move): administrators and service clients with
/// `banking/write`.
pub fn may_administer(caller: &ApitureCaller) -> bool {
    (caller.has_role("admin") || caller.has_role(SERVICE_ROLE)) && caller.has_scope(SCOPE_WRITE)
}

/// States a consent may be given from (a revoked one may be given again), revoked from, rescinded from.
pub fn can_give(state: &ConsentState) -> bool {
    matches!(state, ConsentState::Pending | ConsentState::Stale | ConsentState::Revoked)
}
pub fn can_revoke(state: &ConsentState) -> bool {
    matches!(state, ConsentState::Given | ConsentState::Stale)
}
pub fn can_rescind(state: &ConsentState) -> bool {
    matches!(state, ConsentState::Pending | ConsentState::Given | ConsentState::Stale | ConsentState::Revoked)
}

/// The consent with the links this caller may follow now.
pub fn with_links(mut c: Consent, caller: &ApitureCaller) -> Consent {
    let link = |href: String| Link { href };
    c.links.insert(REL_SELF.into(), link(format!("/consents/consents/{}", c.id)));
    if may_answer(caller, &c) && can_give(&c.state) {
        c.links.insert(REL_GIVE.into(), link(format!("/consents/givenConsents?consent={}", c.id)));
    }
    if may_answer(caller, &c) && can_revoke(&c.state) {
        c.links.insert(REL_REVOKE.into(), link(format!("/consents/revokedConsents?consent={}", c.id)));
    }
    if may_administer(caller) && can_rescind(&c.state) {
        c.links.insert(REL_RESCIND.into(), link(format!("/consents/rescindedConsents?consent={}", c.id)));
    }
    c
}

pub fn failure(
    status: StatusCode,
    type_: &'static str,
    message: impl Into<String>,
    remediation: impl Into<String>,
) -> ApitureFailure {
    ApitureFailure::new(status, type_, message, remediation)
}

pub fn forbidden(message: impl Into<String>) -> ApitureFailure {
    failure(StatusCode::FORBIDDEN, ERR_FORBIDDEN, message, "Sign in as someone allowed to do this, with the scope it needs.")
}

pub fn bad_query(message: impl Into<String>) -> ApitureFailure {
    failure(StatusCode::BAD_REQUEST, ERR_INVALID_QUERY_PARAMETER, message, "Fix the query parameter and retry.")
}

pub fn invalid_query(message: impl Into<String>) -> ApitureFailure {
    failure(StatusCode::UNPROCESSABLE_ENTITY, ERR_INVALID_QUERY_PARAMETER, message, "Fix the query parameter and retry.")
}

/// `consentRefNotFound` with the status of the operation (404 for a path, 400 for `?consent=`).
pub fn consent_not_found(status: StatusCode, reference: &str) -> ApitureFailure {
    failure(status, ERR_CONSENT_REF_NOT_FOUND, format!("No consent {reference}."), "Use the links in a consent resource, or provide a valid consent ID.")
        .with_attribute("consent", serde_json::json!(reference))
}

/// The query's parameters, percent-decoded, in order.
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// The query's parameters as a map; a name sent twice is a 400; a name not in `allowed` is a 422.
pub fn query_map(raw: Option<&str>, allowed: &[&str]) -> Result<HashMap<String, String>, ApitureFailure> {
    let mut out = HashMap::new();
    for (k, v) in query_pairs(raw) {
        if !allowed.contains(&k.as_str()) {
            return Err(invalid_query(format!("'{k}' is not a parameter of this operation: use {}", allowed.join(", "))));
        }
        if out.insert(k.clone(), v).is_some() {
            return Err(bad_query(format!("parameter '{k}' is sent more than once: send it once")));
        }
    }
    Ok(out)
}

/// A JSON body, or 400 `malformedRequestBody` saying where it breaks.
pub fn json_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApitureFailure> {
    serde_json::from_slice(body).map_err(|e| {
        failure(
            StatusCode::BAD_REQUEST,
            ERR_MALFORMED_REQUEST_BODY,
            format!("The request body is not the JSON this operation takes: {e}."),
            "Send application/json (or application/hal+json) as the operation's schema describes.",
        )
    })
}

/// `If-Match`: `*` or a list of strong tags. `required`: a write that must name the version it replaces.
/// A missing tag where one is required is a 412 too (`ifMatchRequired`): the seed lists 412 and no 428.
pub fn check_if_match(headers: &HeaderMap, current: &str, required: bool) -> Result<(), ApitureFailure> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        if required {
            return Err(failure(
                StatusCode::PRECONDITION_FAILED,
                ERR_IF_MATCH_REQUIRED,
                "This write needs an If-Match header with the ETag of the version it changes.",
                "GET the resource, then send its ETag in If-Match.",
            ));
        }
        return Ok(());
    };
    let value = value.to_str().unwrap_or_default();
    let matches = value.split(',').map(str::trim).any(|t| t == "*" || t == current);
    if matches {
        return Ok(());
    }
    Err(failure(
        StatusCode::PRECONDITION_FAILED,
        ERR_PRECONDITION_FAILED,
        "The resource has changed since the ETag in If-Match: nothing was written.",
        "GET the resource again, look at what changed, and retry with its new ETag.",
    )
    .with_attribute("etag", serde_json::json!(current)))
}

/// Whether `If-None-Match` names `current` (or `*`): the GET answers 304.
pub fn none_match_hits(headers: &HeaderMap, current: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').map(str::trim).any(|t| t == "*" || t == current || t.strip_prefix("W/") == Some(current)))
}

/// Adds `ETag` to a response.
pub fn with_etag(mut response: Response, etag: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

/// `?consent=` holds an id or the consent's URI (`/consents/consents/{id}`, relative or absolute).
pub fn consent_ref(value: &str) -> &str {
    match value.rfind("/consents/consents/") {
        Some(i) => {
            let rest = &value[i + "/consents/consents/".len()..];
            rest.split(['?', '#']).next().unwrap_or(rest)
        }
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consent_is_named_by_id_or_uri() {
        assert_eq!(consent_ref("abc"), "abc");
        assert_eq!(consent_ref("/consents/consents/abc"), "abc");
        assert_eq!(consent_ref("https://api.example/consents/consents/abc?x=1"), "abc");
    }
}
