//! The Apiture Consents API (seed 004), first slice: `GET /consents/neededConsents` and
//! `GET /consents/consents/{consentId}`, behind the API key and an access token of the sandbox's
//! authorization server ([`crate::auth`]).
//!
//! Who sees what: a bank customer only their own consents (another user's is a 403 on the list, and a 404
//! by id so that ids do not leak); staff (admin, agent) and services may ask about any user. The
//! `apiture:give` link is there only for the consent's owner, with `banking/write`, while the consent is
//! needed: only users give their consent, and the UI enables its button from the link.

use std::collections::HashSet;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use console_api::consents::{
    Consent, ConsentCollection, ConsentDocument, ConsentItems, ConsentState, Link, Links, CONSENTS_PROFILE,
    CONSENT_PROFILE, REL_GIVE, REL_SELF,
};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::auth::bearer::{hal, require_api_key, require_scope, ApitureCaller, ApitureFailure};
use crate::auth::{SCOPE_READ, SCOPE_WRITE};
use crate::error::SandboxError;
use crate::AppState;

/// A consent to store.
#[derive(Clone, Debug)]
pub struct NewConsent {
    pub id: &'static str,
    pub user_id: &'static str,
    pub type_: &'static str,
    pub document_uri: &'static str,
    pub content_type: &'static str,
    pub revision_id: Option<&'static str>,
    pub revised_at: &'static str,
    pub context_uri: Option<&'static str>,
    pub secondary_context_uri: Option<&'static str>,
    pub state: &'static str,
    pub given_at: Option<&'static str>,
    pub created_at: &'static str,
}

pub fn insert(tx: &Transaction<'_>, c: &NewConsent) -> Result<(), SandboxError> {
    tx.execute(
        "INSERT INTO consents (id, user_id, type, document_uri, content_type, revision_id, revised_at, context_uri,
            secondary_context_uri, state, given_at, created_at, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, (SELECT COALESCE(MAX(seq), 0) + 1 FROM consents))",
        params![
            c.id, c.user_id, c.type_, c.document_uri, c.content_type, c.revision_id, c.revised_at, c.context_uri,
            c.secondary_context_uri, c.state, c.given_at, c.created_at
        ],
    )?;
    Ok(())
}

const COLUMNS: &str = "id, user_id, type, document_uri, content_type, revision_id, revised_at, context_uri,
    secondary_context_uri, state, given_at, request_revoked_at, request_rescinded_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Consent> {
    Ok(Consent {
        id: r.get(0)?,
        profile: Some(CONSENT_PROFILE.into()),
        links: Links::new(),
        user_id: r.get(1)?,
        type_: r.get(2)?,
        document: ConsentDocument {
            uri: r.get(3)?,
            content_type: r.get(4)?,
            revision_id: r.get(5)?,
            revised_at: r.get(6)?,
        },
        context_uri: r.get(7)?,
        secondary_context_uri: r.get(8)?,
        state: ConsentState::from_wire(&r.get::<_, String>(9)?),
        given_at: r.get(10)?,
        request_revoked_at: r.get(11)?,
        request_rescinded_at: r.get(12)?,
    })
}

/// A user's pending and stale consents, oldest first.
pub fn needed(tx: &Transaction<'_>, user_id: &str) -> Result<Vec<Consent>, SandboxError> {
    let mut stmt = tx.prepare(&format!(
        "SELECT {COLUMNS} FROM consents WHERE user_id = ?1 AND state IN ('pending', 'stale') ORDER BY seq"
    ))?;
    let rows = stmt.query_map(params![user_id], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn by_id(tx: &Transaction<'_>, id: &str) -> Result<Option<Consent>, SandboxError> {
    Ok(tx.query_row(&format!("SELECT {COLUMNS} FROM consents WHERE id = ?1"), params![id], row).optional()?)
}

/// The links the caller may follow now.
fn with_links(mut c: Consent, caller: &ApitureCaller) -> Consent {
    let link = |href: String| Link { href };
    c.links.insert(REL_SELF.into(), link(format!("/consents/consents/{}", c.id)));
    let owner = c.user_id == caller.user_id;
    if owner && c.state.is_needed() && caller.has_scope(SCOPE_WRITE) {
        c.links.insert(REL_GIVE.into(), link(format!("/consents/givenConsents?consent={}", c.id)));
    }
    c
}

fn bad_query(message: String) -> ApitureFailure {
    ApitureFailure::new(StatusCode::BAD_REQUEST, "invalidQueryParameter", message, "Fix the query parameter and retry.")
}

/// `GET /consents/neededConsents?userId=&consolidate=`
#[utoipa::path(get, path = "/consents/neededConsents", tag = "Consents",
    description = "The pending and stale consents of a user. A bank customer sees only their own; staff and services any user. Unknown user: empty.",
    params(
        ("userId" = Option<String>, Query, description = "Omitted: the caller's own"),
        ("consolidate" = Option<bool>, Query, description = "true: one consent per (type, document URI)"),
    ),
    security(("apiKey" = [], "accessToken" = ["banking/read"])),
    responses(
        (status = 200, description = "HAL collection", body = crate::openapi_apiture::ConsentCollection, content_type = "application/hal+json"),
        (status = 400, description = "invalidQueryParameter", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 401, description = "unauthorized, apiKeyRequired, invalidApiKey", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 403, description = "forbidden: another user's consents, or no banking/read", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
    ))]
pub async fn needed_consents(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: ApitureCaller,
    RawQuery(query): RawQuery,
) -> Result<Response, ApitureFailure> {
    require_api_key(&headers)?;
    require_scope(&caller, SCOPE_READ)?;
    let query = query.unwrap_or_default();
    let p = crate::auth::clients::form(query.as_bytes()).map_err(bad_query)?;
    let consolidate = match p.get("consolidate").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(bad_query(format!("consolidate must be true or false, not '{other}'."))),
    };
    let target = match p.get("userId").filter(|u| !u.is_empty()) {
        None => caller.user_id.clone(),
        Some(u) if *u == caller.user_id => u.clone(),
        Some(u) if caller.is_customer() => {
            return Err(ApitureFailure::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Bank users can only see their own consents.",
                "Leave out userId, or set it to your own user id.",
            )
            .with_attribute("userId", serde_json::json!(u)));
        }
        Some(u) => u.clone(),
    };
    let who = target.clone();
    let mut items = state.db.tx(move |tx| needed(tx, &who)).await?;
    if consolidate {
        // One per (type, document): the user gives consent to a document once for every context.
        let mut seen = HashSet::new();
        items.retain(|c| seen.insert((c.type_.clone(), c.document.uri.clone())));
    }
    let items: Vec<Consent> = items.into_iter().map(|c| with_links(c, &caller)).collect();
    let self_href = if query.is_empty() { "/consents/neededConsents".to_string() } else { format!("/consents/neededConsents?{query}") };
    let page = ConsentCollection {
        profile: Some(CONSENTS_PROFILE.into()),
        links: Links::from([(REL_SELF.to_string(), Link { href: self_href })]),
        start: 0,
        limit: items.len() as u64,
        count: Some(items.len() as u64),
        name: "consents".into(),
        embedded: ConsentItems { items },
    };
    Ok(hal(StatusCode::OK, &page))
}

/// `GET /consents/consents/{consentId}`
#[utoipa::path(get, path = "/consents/consents/{consentId}", tag = "Consents",
    params(("consentId" = String, Path, description = "The consent's _id")),
    security(("apiKey" = [], "accessToken" = ["banking/read"])),
    responses(
        (status = 200, description = "The consent", body = crate::openapi_apiture::Consent, content_type = "application/hal+json"),
        (status = 401, description = "unauthorized, apiKeyRequired, invalidApiKey", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 404, description = "consentRefNotFound (also another user's, for a customer)", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
    ))]
pub async fn get_consent(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: ApitureCaller,
    Path(consent_id): Path<String>,
) -> Result<Response, ApitureFailure> {
    require_api_key(&headers)?;
    require_scope(&caller, SCOPE_READ)?;
    let id = consent_id.clone();
    let found = state.db.tx(move |tx| by_id(tx, &id)).await?;
    // Another user's consent answers as a missing one to a customer: its id must not tell it exists.
    let consent = found.filter(|c| !caller.is_customer() || c.user_id == caller.user_id).ok_or_else(|| {
        ApitureFailure::new(
            StatusCode::NOT_FOUND,
            "consentRefNotFound",
            format!("No consent {consent_id}."),
            "Use the links in a consent resource, or provide a valid consent ID.",
        )
        .with_attribute("consent", serde_json::json!(consent_id))
    })?;
    Ok(hal(StatusCode::OK, &with_links(consent, &caller)))
}
