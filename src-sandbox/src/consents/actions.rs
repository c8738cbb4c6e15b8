//! The consent actions: `POST /consents/givenConsents`, `revokedConsents` (the user's) and
//! `rescindedConsents` (the bank's). Each is one transaction.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use console_api::consents::{
    check_context, ConsentCollection, ConsentItems, Link, Links, CONSENTS_PROFILE, ERR_INVALID_CONSENT_STATE,
    ERR_INVALID_CONSENT_TYPE, ERR_INVALID_DOCUMENT_URI, REL_SELF,
};
use console_api::validate;
use rusqlite::{params, params_from_iter};

use super::current;
use super::store::{self, row, Stored, COLUMNS};
use super::{
    authorize, bad_query, can_give, can_rescind, can_revoke, check_if_match, consent_not_found, consent_ref, failure,
    forbidden, may_administer, may_answer, may_see, query_map, with_etag, with_links,
};
use crate::auth::bearer::{hal, ApitureCaller, ApitureFailure};
use crate::auth::SCOPE_WRITE;
use crate::AppState;

/// The most consents a rescind lists in its answer (`count` says how many it rescinded).
pub const RESCIND_LISTED_MAX: u64 = 1000;

fn wrong_state(stored: &Stored, action: &str, allowed: &str) -> ApitureFailure {
    failure(
        StatusCode::CONFLICT,
        ERR_INVALID_CONSENT_STATE,
        format!("The consent is {}: only a {allowed} consent can be {action}.", stored.consent.state.as_str()),
        format!("Use the apiture:{} link only when the consent has it.", if action == "given" { "give" } else { "revoke" }),
    )
    .with_attribute("state", serde_json::json!(stored.consent.state.as_str()))
}

/// The `?consent=` of an action, resolved to a consent this caller may see (else 400 consentRefNotFound,
/// as the seed answers "does not refer to an existing or accessible consent").
fn named(tx: &rusqlite::Transaction<'_>, caller: &ApitureCaller, reference: &str) -> Result<Result<Stored, ApitureFailure>, crate::SandboxError> {
    let id = consent_ref(reference);
    Ok(store::by_id(tx, id)?
        .filter(|s| may_see(caller, &s.consent))
        .ok_or_else(|| consent_not_found(StatusCode::BAD_REQUEST, reference)))
}

/// `POST /consents/givenConsents?consent=&scope=`
#[utoipa::path(post, path = "/consents/givenConsents", tag = "Consent actions",
    description = "The user gives the named consent (pending, stale, or revoked: a user may change their mind). scope=matching \
(the default) also gives every other needed (pending or stale) consent of the same user, type and document.uri, whatever its \
context, listed in _embedded.consents; scope=instance only the named one. Only the owner, a bank user with banking/write (the \
apiture:give link is there exactly then). If-Match, when sent, must be the named consent's ETag (412). Reading chosen: a given \
consent records the document's current revision (revisionId, revisedAt: the one /vault serves, set only by revisedDocuments), so \
the receipt names what was read. A revision changes the ETag of every needed consent of its document, so a client that sends the \
ETag it read with the document gets 412 when the document was revised meanwhile: it never gives a revision its user did not read.",
    params(("consent" = String, Query, description = "The consent's _id or URI"), ("scope" = Option<String>, Query, description = "instance | matching (default)"), ("If-Match" = Option<String>, Header)),
    security(("apiKey" = [], "accessToken" = ["banking/write"])),
    responses(
        (status = 200, description = "The given consent, others in _embedded.consents", body = crate::openapi_apiture::Consent, content_type = "application/hal+json", headers(("ETag" = String))),
        (status = 400, description = "invalidQueryParameter, consentRefNotFound", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 403, description = "forbidden: not the owner", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 409, description = "invalidConsentState", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 412, description = "preconditionFailed", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
    ))]
pub async fn give(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: ApitureCaller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApitureFailure> {
    authorize(&headers, &caller, SCOPE_WRITE)?;
    let p = query_map(raw.as_deref(), &["consent", "scope"])?;
    let reference = p.get("consent").filter(|c| !c.is_empty()).cloned().ok_or_else(|| bad_query("consent is required: the consent's _id or URI."))?;
    let matching = match p.get("scope").map(String::as_str) {
        None | Some("matching") => true,
        Some("instance") => false,
        Some(other) => return Err(super::invalid_query(format!("scope '{other}' is not instance or matching."))),
    };
    let who = caller.clone();
    let (given, others) = state
        .db
        .tx(move |tx| {
            let stored = match named(tx, &who, &reference)? {
                Ok(s) => s,
                Err(f) => return Ok(Err(f)),
            };
            if !may_answer(&who, &stored.consent) {
                return Ok(Err(forbidden("Only the user gives their consent, with banking/write.")));
            }
            if !can_give(&stored.consent.state) {
                return Ok(Err(wrong_state(&stored, "given", "pending, stale or revoked")));
            }
            if let Err(f) = check_if_match(&headers, &stored.etag(), false) {
                return Ok(Err(f));
            }
            let c = &stored.consent;
            let now = store::now_text();
            // The revision given: the document's current one (what /vault serves), so that the receipt
            // names what was read; a document the bank never revised keeps the consent's own.
            let (revision_id, revised_at) = match current::of(tx, &c.document.uri)? {
                Some(p) => (Some(p.revision_id), p.revised_at),
                None => (c.document.revision_id.clone(), c.document.revised_at.clone()),
            };
            let mut others = Vec::new();
            if matching {
                let mut stmt = tx.prepare_cached(&format!(
                    "UPDATE consents SET state = 'given', given_at = ?1, version = version + 1, revision_id = ?6, revised_at = ?7
                     WHERE user_id = ?2 AND type = ?3 AND document_uri = ?4 AND state IN ('pending', 'stale') AND id <> ?5
                     RETURNING {COLUMNS}"
                ))?;
                others = stmt
                    .query_map(params![now, c.user_id, c.type_, c.document.uri, c.id, revision_id, revised_at], row)?
                    .collect::<Result<Vec<_>, _>>()?;
            }
            tx.execute(
                "UPDATE consents SET state = 'given', given_at = ?1, version = version + 1, revision_id = ?3, revised_at = ?4 WHERE id = ?2",
                params![now, c.id, revision_id, revised_at],
            )?;
            let given = store::by_id(tx, &c.id)?.ok_or_else(|| crate::SandboxError::Internal("consent vanished".into()))?;
            Ok(Ok((given, others)))
        })
        .await??;
    let etag = given.etag();
    let mut body = serde_json::to_value(with_links(given.consent, &caller)).unwrap_or_default();
    let others: Vec<_> = others.into_iter().map(|s| with_links(s.consent, &caller)).collect();
    if !others.is_empty() {
        body["_embedded"] = serde_json::json!({ "consents": others });
    }
    Ok(with_etag(hal(StatusCode::OK, &body), &etag))
}

/// `POST /consents/revokedConsents?consent=`
#[utoipa::path(post, path = "/consents/revokedConsents", tag = "Consent actions",
    description = "The user revokes a given (or stale) consent. Reading chosen where the seed contradicts itself: the overview \
and the requestRevokedAt property say revoking sets the consent 'back to pending', the operation and its 200 say its state \
becomes revoked, and the state enum has revoked. Here it becomes revoked, with requestRevokedAt set and givenAt kept as history: \
a consent put back to pending would look like one never given, and would reappear at once in neededConsents, asking the user \
for the very consent they withdrew. A revoked consent is not needed; the user may give it again (apiture:give). Only the owner, \
with banking/write. If-Match, when sent, must match (412).",
    params(("consent" = String, Query, description = "The consent's _id or URI"), ("If-Match" = Option<String>, Header)),
    security(("apiKey" = [], "accessToken" = ["banking/write"])),
    responses(
        (status = 200, description = "The revoked consent", body = crate::openapi_apiture::Consent, content_type = "application/hal+json", headers(("ETag" = String))),
        (status = 400, description = "invalidQueryParameter, consentRefNotFound", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 403, description = "forbidden: not the owner", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 409, description = "invalidConsentState", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 412, description = "preconditionFailed", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: ApitureCaller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApitureFailure> {
    authorize(&headers, &caller, SCOPE_WRITE)?;
    let p = query_map(raw.as_deref(), &["consent"])?;
    let reference = p.get("consent").filter(|c| !c.is_empty()).cloned().ok_or_else(|| bad_query("consent is required: the consent's _id or URI."))?;
    let who = caller.clone();
    let revoked = state
        .db
        .tx(move |tx| {
            let stored = match named(tx, &who, &reference)? {
                Ok(s) => s,
                Err(f) => return Ok(Err(f)),
            };
            if !may_answer(&who, &stored.consent) {
                return Ok(Err(forbidden("Only the user revokes their consent, with banking/write.")));
            }
            if !can_revoke(&stored.consent.state) {
                return Ok(Err(wrong_state(&stored, "revoked", "given or stale")));
            }
            if let Err(f) = check_if_match(&headers, &stored.etag(), false) {
                return Ok(Err(f));
            }
            tx.execute(
                "UPDATE consents SET state = 'revoked', request_revoked_at = ?1, version = version + 1 WHERE id = ?2",
                params![store::now_text(), stored.consent.id],
            )?;
            Ok(store::by_id(tx, &stored.consent.id)?.ok_or_else(|| consent_not_found(StatusCode::BAD_REQUEST, &stored.consent.id)))
        })
        .await??;
    let etag = revoked.etag();
    Ok(with_etag(hal(StatusCode::OK, &with_links(revoked.consent, &caller)), &etag))
}

/// `POST /consents/rescindedConsents?type=&context=&secondaryContext=&user=&document=` or `?consent=`
#[utoipa::path(post, path = "/consents/rescindedConsents", tag = "Consent actions",
    description = "The bank no longer needs consents: every consent that matches type (required) and, when given, context, \
secondaryContext, user and document, and is not rescinded yet, becomes rescinded (requestRescindedAt set). Reading chosen where \
the seed contradicts itself: the overview says 'the first matching consent', the operation says the matching consents, its answer \
is their collection and its user parameter says 'all matching consents'. All of them are rescinded here: 'the first' would depend \
on storage order, and a caller who means one account narrows with secondaryContext (or uses the consent's apiture:rescind link, \
?consent=ID, which rescinds exactly that one). The answer lists up to 1000 of them; count says how many. \
Administrators and service clients with banking/write.",
    params(
        ("type" = Option<String>, Query, description = "Required unless consent is given"),
        ("context" = Option<String>, Query), ("secondaryContext" = Option<String>, Query),
        ("user" = Option<String>, Query), ("document" = Option<String>, Query),
        ("consent" = Option<String>, Query, description = "One consent (its apiture:rescind link)"),
    ),
    security(("apiKey" = [], "accessToken" = ["banking/write"])),
    responses(
        (status = 200, description = "The rescinded consents", body = crate::openapi_apiture::ConsentCollection, content_type = "application/hal+json"),
        (status = 400, description = "invalidQueryParameter, invalidContextUri, invalidDocumentUri, consentRefNotFound", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 403, description = "forbidden", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 409, description = "invalidConsentState (consent= already rescinded)", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 422, description = "invalidConsentType", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
    ))]
pub async fn rescind(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: ApitureCaller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApitureFailure> {
    authorize(&headers, &caller, SCOPE_WRITE)?;
    let p = query_map(raw.as_deref(), &["type", "context", "secondaryContext", "user", "document", "consent"])?;
    if !may_administer(&caller) {
        return Err(forbidden("Only the bank's administrators and services rescind consents."));
    }
    let mut clause = vec!["state <> 'rescinded'".to_string()];
    let mut values: Vec<String> = Vec::new();
    let one = p.get("consent").filter(|c| !c.is_empty()).cloned();
    if one.is_none() {
        let type_ = p.get("type").filter(|t| !t.is_empty()).ok_or_else(|| bad_query("type is required: the consent type to rescind."))?;
        clause.push("type = ?".into());
        values.push(type_.clone());
        for (param, column) in [("context", "context_uri"), ("secondaryContext", "secondary_context_uri"), ("document", "document_uri"), ("user", "user_id")] {
            let Some(v) = p.get(param) else { continue };
            match param {
                "user" => validate::USER_ID.check(v).map_err(|e| bad_query(format!("user: {}", e.message)))?,
                "document" => validate::uri_reference("document", v).map_err(|e| {
                    failure(StatusCode::BAD_REQUEST, ERR_INVALID_DOCUMENT_URI, e.to_string(), "Pass a valid URI.")
                })?,
                _ => check_context(if param == "context" { "context" } else { "secondaryContext" }, Some(v))
                    .map_err(|(t, e)| failure(StatusCode::BAD_REQUEST, t, e.to_string(), "Pass a valid URI."))?,
            }
            clause.push(format!("{column} = ?"));
            values.push(v.clone());
        }
    }
    let type_ = values.first().cloned();
    let who = caller.clone();
    let (rescinded, count) = state
        .db
        .tx(move |tx| {
            if let Some(reference) = &one {
                let stored = match named(tx, &who, reference)? {
                    Ok(s) => s,
                    Err(f) => return Ok(Err(f)),
                };
                if !can_rescind(&stored.consent.state) {
                    return Ok(Err(failure(StatusCode::CONFLICT, ERR_INVALID_CONSENT_STATE, "The consent is already rescinded.", "Nothing to do.")));
                }
                clause.push("id = ?".into());
                values.push(stored.consent.id.clone());
            } else if let Some(t) = &type_ {
                if !store::type_exists(tx, t)? {
                    return Ok(Err(failure(StatusCode::UNPROCESSABLE_ENTITY, ERR_INVALID_CONSENT_TYPE, format!("'{t}' is not a consent type name."), "Use a type from /consents/consentTypeNames.")));
                }
            }
            let mut all: Vec<rusqlite::types::Value> = vec![store::now_text().into()];
            all.extend(values.iter().cloned().map(Into::into));
            let mut stmt = tx.prepare(&format!(
                "UPDATE consents SET state = 'rescinded', request_rescinded_at = ?, version = version + 1
                 WHERE {} RETURNING {COLUMNS}",
                clause.join(" AND ")
            ))?;
            let mut rows = stmt.query(params_from_iter(all.iter()))?;
            let (mut listed, mut count) = (Vec::new(), 0u64);
            while let Some(r) = rows.next()? {
                count += 1;
                if count <= RESCIND_LISTED_MAX {
                    listed.push(row(r)?);
                }
            }
            Ok(Ok((listed, count)))
        })
        .await??;
    let items: Vec<_> = rescinded.into_iter().map(|s: Stored| with_links(s.consent, &caller)).collect();
    let page = ConsentCollection {
        profile: Some(CONSENTS_PROFILE.into()),
        links: Links::from([(REL_SELF.to_string(), Link { href: "/consents/consents?state=rescinded".into() })]),
        start: 0,
        limit: RESCIND_LISTED_MAX,
        count: Some(count),
        name: "consents".into(),
        embedded: ConsentItems { items },
    };
    Ok(hal(StatusCode::OK, &page))
}
