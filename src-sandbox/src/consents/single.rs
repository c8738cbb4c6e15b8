//! One consent: `POST /consents/consents` (create, or locate an identical one), `GET` (ETag, 304) and
//! `PATCH` (its contexts only, If-Match required, 412 on a stale tag).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use console_api::consents::{
    check_context, CreateConsent, ERR_INVALID_CONSENT_TYPE, ERR_INVALID_CONTEXT_URI, ERR_INVALID_DOCUMENT_REVISION,
    ERR_INVALID_PROPERTY, ERR_MALFORMED_REQUEST_BODY,
};
use console_api::validate;
use rusqlite::params;
use serde_json::Value;

use super::current;
use super::store::{self, Stored};
use super::{authorize, check_if_match, consent_not_found, failure, forbidden, json_body, may_administer, may_see, none_match_hits, with_etag, with_links};
use crate::auth::bearer::{hal, ApitureCaller, ApitureFailure};
use crate::auth::{SCOPE_READ, SCOPE_WRITE};
use crate::AppState;

/// The consent as a HAL response with its ETag.
fn answer(status: StatusCode, stored: Stored, caller: &ApitureCaller) -> Response {
    let etag = stored.etag();
    with_etag(hal(status, &with_links(stored.consent, caller)), &etag)
}

fn unprocessable(type_: &'static str, message: impl Into<String>, remediation: &str) -> ApitureFailure {
    failure(StatusCode::UNPROCESSABLE_ENTITY, type_, message, remediation)
}

fn uri_failure((type_, e): (&'static str, validate::ValidationError)) -> ApitureFailure {
    failure(StatusCode::BAD_REQUEST, type_, e.to_string(), "Pass a valid URI: http(s)://host/path or a relative reference such as /vault/files/id/content.")
        .with_attribute("field", serde_json::json!(e.field))
}

fn invalid_type(name: &str) -> ApitureFailure {
    unprocessable(ERR_INVALID_CONSENT_TYPE, format!("'{name}' is not a consent type name."), "Supply a consent type from the consent type names in the /consentTypeNames resource.")
        .with_attribute("type", serde_json::json!(name))
}

/// `POST /consents/consents`
#[utoipa::path(post, path = "/consents/consents", tag = "Consents",
    description = "Creates a pending consent (201, Location and ETag), or locates an existing one (200, ETag). \
Reading chosen where the seed contradicts itself: the seed's 200 says the request's contextUri is 'added to' an existing \
consent of the document and user, but a consent has one contextUri, and the overview makes consents of different contexts \
independent. So 200 answers exactly when a consent that is not rescinded already has the same userId, type, document.uri, \
contextUri and secondaryContextUri: it is returned unchanged. Anything else (another context, another document) is a new consent. \
Reading chosen for the document's revision (the seed lets the creator name it; here a document has one current revision, \
set only by revisedDocuments): a bank customer's create takes the document's current revision (and contentType) whatever it \
names, since a customer cannot state the bank's revisions and one dated 2099 must not become what anyone is served; an \
administrator's or service's create must name the current revision (revisedAt, and revisionId when sent), else 422 \
invalidDocumentRevision with the current one in attributes (revisionId, revisedAt): a service holding another revision is told \
rather than silently corrected, and publishes a newer one with revisedDocuments first. A document the bank never revised has no \
current revision: the consent keeps the one named, which sets nothing for anyone else. \
document.uri and the contexts must be http(s) or relative (400 invalidDocumentUri / invalidContextUri); the type must be a \
consent type name (422 invalidConsentType). Administrators and service clients with banking/write; a bank customer only for themselves.",
    request_body(content = crate::openapi_apiture::CreateConsent, content_type = "application/json"),
    security(("apiKey" = [], "accessToken" = ["banking/write"])),
    responses(
        (status = 200, description = "An identical consent exists", body = crate::openapi_apiture::Consent, content_type = "application/hal+json"),
        (status = 201, description = "Created", body = crate::openapi_apiture::Consent, content_type = "application/hal+json",
            headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "malformedRequestBody, invalidDocumentUri, invalidContextUri, invalidProperty", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 403, description = "forbidden", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 422, description = "invalidConsentType, invalidDocumentRevision", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
    ))]
pub async fn create_consent(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: ApitureCaller,
    body: Bytes,
) -> Result<Response, ApitureFailure> {
    authorize(&headers, &caller, SCOPE_WRITE)?;
    let mut new: CreateConsent = json_body(&body)?;
    if !(may_administer(&caller) || (caller.is_customer() && new.user_id == caller.user_id)) {
        return Err(forbidden("Consents are created by the bank's administrators and services (a bank user only for themselves)."));
    }
    new.check_uris().map_err(uri_failure)?;
    validate::USER_ID.check(&new.user_id).map_err(|e| bad_property(e.to_string()))?;
    if new.document.content_type.trim().is_empty() {
        return Err(bad_property("document.contentType: is required, such as application/pdf or text/html"));
    }
    new.document.revised_at = store::normalize_time(&new.document.revised_at)
        .ok_or_else(|| bad_property("document.revisedAt: must be an RFC 3339 time such as 2026-09-15T08:00:00.000Z"))?;
    let administers = may_administer(&caller);
    let (created, stored) = state.db.tx(move |tx| create(tx, &mut new, administers)).await??;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    let location = format!("/consents/consents/{}", stored.consent.id);
    let mut response = answer(status, stored, &caller);
    if created {
        if let Ok(v) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, v);
        }
    }
    Ok(response)
}

fn bad_property(message: impl Into<String>) -> ApitureFailure {
    failure(StatusCode::BAD_REQUEST, ERR_INVALID_PROPERTY, message, "Fix the property and retry.")
}

/// The document of a new consent, at its current revision ([`current`]) when the bank has published one.
/// A customer's create takes it whatever it names (a document's revision is the bank's to state, and a
/// customer's stale or made-up one must not reach anyone, themselves included); an administrator's or
/// service's create must name it (422 invalidDocumentRevision otherwise: a service holding another
/// revision is told, not silently corrected; a newer one is published with revisedDocuments first). A
/// document without a current revision keeps what the create names, which sets nothing for anyone else.
fn at_current_revision(tx: &rusqlite::Transaction<'_>, new: &mut CreateConsent, administers: bool) -> Result<Result<(), ApitureFailure>, crate::SandboxError> {
    let Some(published) = current::of(tx, &new.document.uri)? else { return Ok(Ok(())) };
    let document = &mut new.document;
    let same = document.revised_at == published.revised_at && document.revision_id.as_ref().is_none_or(|r| *r == published.revision_id);
    if administers && !same {
        return Ok(Err(unprocessable(
            ERR_INVALID_DOCUMENT_REVISION,
            format!(
                "document: revision {} of {} is not the document's current one, {} of {}.",
                document.revision_id.as_deref().unwrap_or("(none)"),
                document.revised_at,
                published.revision_id,
                published.revised_at
            ),
            "Name the document's current revision (attributes), or publish the new one with POST /consents/revisedDocuments first.",
        )
        .with_attribute("revisionId", serde_json::json!(published.revision_id))
        .with_attribute("revisedAt", serde_json::json!(published.revised_at))));
    }
    if !administers {
        document.content_type = published.content_type;
    }
    document.revision_id = Some(published.revision_id);
    document.revised_at = published.revised_at;
    Ok(Ok(()))
}

/// Locates an identical consent or inserts a new one: `(created, consent)`.
fn create(tx: &rusqlite::Transaction<'_>, new: &mut CreateConsent, administers: bool) -> Result<Result<(bool, Stored), ApitureFailure>, crate::SandboxError> {
    if !store::type_exists(tx, &new.type_)? {
        return Ok(Err(invalid_type(&new.type_)));
    }
    if let Err(refused) = at_current_revision(tx, new, administers)? {
        return Ok(Err(refused));
    }
    let existing: Option<String> = tx
        .prepare_cached(
            "SELECT id FROM consents WHERE user_id = ?1 AND type = ?2 AND document_uri = ?3
               AND context_uri IS ?4 AND secondary_context_uri IS ?5 AND state <> 'rescinded' ORDER BY seq LIMIT 1",
        )?
        .query_row(params![new.user_id, new.type_, new.document.uri, new.context_uri, new.secondary_context_uri], |r| r.get(0))
        .ok();
    if let Some(id) = existing {
        let stored = store::by_id(tx, &id)?.ok_or_else(|| crate::SandboxError::Internal("consent vanished".into()))?;
        return Ok(Ok((false, stored)));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let now = store::now_text();
    store::insert(
        tx,
        &store::NewConsent {
            id: &id,
            user_id: &new.user_id,
            type_: &new.type_,
            document_uri: &new.document.uri,
            content_type: &new.document.content_type,
            revision_id: new.document.revision_id.as_deref(),
            revised_at: &new.document.revised_at,
            context_uri: new.context_uri.as_deref(),
            secondary_context_uri: new.secondary_context_uri.as_deref(),
            state: "pending",
            given_at: None,
            created_at: &now,
        },
    )?;
    let stored = store::by_id(tx, &id)?.ok_or_else(|| crate::SandboxError::Internal("consent vanished".into()))?;
    Ok(Ok((true, stored)))
}

/// `GET /consents/consents/{consentId}`
#[utoipa::path(get, path = "/consents/consents/{consentId}", tag = "Consents",
    description = "One consent, with a strong ETag (it changes with every write). If-None-Match naming it: 304 without a body.",
    params(("consentId" = String, Path, description = "The consent's _id"), ("If-None-Match" = Option<String>, Header)),
    security(("apiKey" = [], "accessToken" = ["banking/read"])),
    responses(
        (status = 200, description = "The consent", body = crate::openapi_apiture::Consent, content_type = "application/hal+json", headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, description = "unauthorized, apiKeyRequired, invalidApiKey", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 404, description = "consentRefNotFound (also another user's, for a customer)", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
    ))]
pub async fn get_consent(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: ApitureCaller,
    Path(consent_id): Path<String>,
) -> Result<Response, ApitureFailure> {
    authorize(&headers, &caller, SCOPE_READ)?;
    let stored = visible(&state, &caller, &consent_id).await?;
    let etag = stored.etag();
    if none_match_hits(&headers, &etag) {
        return Ok(with_etag(StatusCode::NOT_MODIFIED.into_response(), &etag));
    }
    Ok(answer(StatusCode::OK, stored, &caller))
}

/// The consent if this caller may see it; another user's answers as a missing one to a customer, so
/// that its id does not tell it exists.
async fn visible(state: &AppState, caller: &ApitureCaller, consent_id: &str) -> Result<Stored, ApitureFailure> {
    let id = consent_id.to_string();
    let found = state.db.tx(move |tx| store::by_id(tx, &id)).await?;
    found.filter(|s| may_see(caller, &s.consent)).ok_or_else(|| consent_not_found(StatusCode::NOT_FOUND, consent_id))
}

/// The properties of a consent that PATCH may change.
const PATCHABLE: [&str; 2] = ["contextUri", "secondaryContextUri"];
/// What a PATCH body may carry unchanged (a client sends back what it got) or not at all; `_links`,
/// `_embedded` and `_profile` are ignored, as the seed says.
const IGNORED: [&str; 3] = ["_links", "_embedded", "_profile"];

/// `PATCH /consents/consents/{consentId}`
#[utoipa::path(patch, path = "/consents/consents/{consentId}", tag = "Consents",
    description = "Changes contextUri and/or secondaryContextUri (null removes one); omitted properties stay. Any other property \
may be sent back only unchanged (422 invalidProperty names the first that differs); _links, _embedded and _profile are ignored. \
If-Match is required: missing, 412 ifMatchRequired; stale, 412 preconditionFailed with the current ETag in attributes.etag \
(the seed lists 412 and no 428, so a client built from it handles both). Administrators and service clients with banking/write.",
    params(("consentId" = String, Path), ("If-Match" = String, Header)),
    request_body(content = crate::openapi_apiture::Consent, content_type = "application/json"),
    security(("apiKey" = [], "accessToken" = ["banking/write"])),
    responses(
        (status = 200, description = "The changed consent", body = crate::openapi_apiture::Consent, content_type = "application/hal+json", headers(("ETag" = String))),
        (status = 400, description = "malformedRequestBody, invalidContextUri", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 403, description = "forbidden", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 404, description = "consentRefNotFound", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 412, description = "ifMatchRequired, preconditionFailed", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 422, description = "invalidProperty", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
    ))]
pub async fn patch_consent(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: ApitureCaller,
    Path(consent_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApitureFailure> {
    authorize(&headers, &caller, SCOPE_WRITE)?;
    let patch: serde_json::Map<String, Value> = json_body(&body)?;
    let current = visible(&state, &caller, &consent_id).await?;
    if !may_administer(&caller) {
        return Err(forbidden("Only the bank's administrators and services change a consent's contexts."));
    }
    let mut changes: Vec<(&'static str, Option<String>)> = Vec::new();
    let before = serde_json::to_value(&current.consent).unwrap_or(Value::Null);
    for (name, value) in &patch {
        if IGNORED.contains(&name.as_str()) {
            continue;
        }
        if let Some(field) = PATCHABLE.iter().find(|p| **p == name) {
            let uri = match value {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                _ => return Err(failure(StatusCode::BAD_REQUEST, ERR_MALFORMED_REQUEST_BODY, format!("{name} must be a string or null."), "Send a URI or null.")),
            };
            check_context(field, uri.as_deref()).map_err(|(t, e)| {
                debug_assert_eq!(t, ERR_INVALID_CONTEXT_URI);
                failure(StatusCode::BAD_REQUEST, t, e.to_string(), "Pass a valid URI: http(s)://host/path or a relative reference.")
            })?;
            changes.push((if *field == "contextUri" { "context_uri" } else { "secondary_context_uri" }, uri));
        } else if before.get(name) != Some(value) {
            return Err(unprocessable(
                ERR_INVALID_PROPERTY,
                format!("'{name}' cannot be changed by PATCH: only contextUri and secondaryContextUri can."),
                "Send only contextUri and/or secondaryContextUri (other properties unchanged, or not at all).",
            )
            .with_attribute("property", serde_json::json!(name)));
        }
    }
    let id = consent_id.clone();
    let stored = state
        .db
        .tx(move |tx| {
            let Some(now) = store::by_id(tx, &id)? else { return Ok(Err(consent_not_found(StatusCode::NOT_FOUND, &id))) };
            if let Err(f) = check_if_match(&headers, &now.etag(), true) {
                return Ok(Err(f));
            }
            for (column, value) in &changes {
                tx.execute(&format!("UPDATE consents SET {column} = ?1 WHERE id = ?2"), params![value, id])?;
                if let Some(value) = value {
                    super::terms::add(tx, column, value)?;
                }
            }
            tx.execute("UPDATE consents SET version = version + 1 WHERE id = ?1", params![id])?;
            Ok(store::by_id(tx, &id)?.ok_or_else(|| consent_not_found(StatusCode::NOT_FOUND, &id)))
        })
        .await??;
    Ok(answer(StatusCode::OK, stored, &caller))
}
