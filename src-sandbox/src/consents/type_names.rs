//! `GET` and `PUT /consents/consentTypeNames`: the registered consent types and their localized labels.
//! The set has one ETag (a version counter bumped by every PUT); a PUT must name it in If-Match.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use console_api::consents::labels::check_labels;
use console_api::consents::{
    ConsentTypeNames, Link, Links, LocalizedLabel, CONSENT_TYPE_NAMES_PROFILE, ERR_CONSENT_TYPE_NAME_IN_USE,
    ERR_INVALID_PROPERTY, REL_SELF,
};
use rusqlite::{params, Transaction};

use super::{authorize, check_if_match, failure, forbidden, json_body, with_etag};
use crate::auth::bearer::{hal, ApitureCaller, ApitureFailure};
use crate::auth::{SCOPE_READ, SCOPE_WRITE};
use crate::error::SandboxError;
use crate::AppState;

const SELF: &str = "/consents/consentTypeNames";

/// Every type name with its labels, in name order.
pub fn load(tx: &Transaction<'_>) -> Result<BTreeMap<String, Vec<LocalizedLabel>>, SandboxError> {
    let mut stmt = tx.prepare_cached("SELECT name, label, description, labels_json FROM consent_type_names ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?))
    })?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (name, label, description, json) = row?;
        let labels = json
            .and_then(|j| serde_json::from_str::<Vec<LocalizedLabel>>(&j).ok())
            .unwrap_or_else(|| vec![LocalizedLabel { label, description: Some(description), language: None, code: None }]);
        out.insert(name, labels);
    }
    Ok(out)
}

/// Adds or replaces one type name and its labels.
pub fn upsert(tx: &Transaction<'_>, name: &str, labels: &[LocalizedLabel]) -> Result<(), SandboxError> {
    let first = labels.first();
    let json = serde_json::to_string(labels).map_err(|e| SandboxError::Internal(format!("labels: {e}")))?;
    tx.prepare_cached(
        "INSERT INTO consent_type_names (name, label, description, labels_json) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name) DO UPDATE SET label = excluded.label, description = excluded.description, labels_json = excluded.labels_json",
    )?
    .execute(params![
        name,
        first.map(|l| l.label.as_str()).unwrap_or(name),
        first.and_then(|l| l.description.as_deref()).unwrap_or(""),
        json
    ])?;
    Ok(())
}

/// The set's ETag.
pub fn etag(tx: &Transaction<'_>) -> Result<String, SandboxError> {
    let v: i64 = tx.query_row("SELECT value FROM consent_settings WHERE name = 'typeNamesVersion'", [], |r| r.get(0))?;
    Ok(format!("\"type-names-v{v}\""))
}

/// Makes the set's ETag change (every change of the set, including a reset of the demo data).
pub fn bump(tx: &Transaction<'_>) -> Result<(), SandboxError> {
    tx.execute("UPDATE consent_settings SET value = value + 1 WHERE name = 'typeNamesVersion'", [])?;
    Ok(())
}

fn body(names: BTreeMap<String, Vec<LocalizedLabel>>) -> ConsentTypeNames {
    ConsentTypeNames {
        profile: Some(CONSENT_TYPE_NAMES_PROFILE.into()),
        links: Links::from([(REL_SELF.to_string(), Link { href: SELF.into() })]),
        names,
    }
}

/// `GET /consents/consentTypeNames`
#[utoipa::path(get, path = "/consents/consentTypeNames", tag = "Consent type names",
    description = "The consent type names and their labels (the first label of each is the default; others name their language).",
    security(("apiKey" = [], "accessToken" = ["banking/read"])),
    responses((status = 200, description = "The type names", body = crate::openapi_apiture::ConsentTypeNames, content_type = "application/hal+json", headers(("ETag" = String)))))]
pub async fn get_type_names(State(state): State<AppState>, headers: HeaderMap, caller: ApitureCaller) -> Result<Response, ApitureFailure> {
    authorize(&headers, &caller, SCOPE_READ)?;
    let (names, tag) = state.db.tx(|tx| Ok((load(tx)?, etag(tx)?))).await?;
    Ok(with_etag(hal(StatusCode::OK, &body(names)), &tag))
}

/// A name: a letter, then letters and digits, at most 64 (`productTermsAndConditions`).
fn check_name(name: &str) -> bool {
    name.len() <= 64 && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `PUT /consents/consentTypeNames`
#[utoipa::path(put, path = "/consents/consentTypeNames", tag = "Consent type names",
    description = "Replaces the whole set. Each name: a letter then letters and digits (at most 64), with at least one label \
(non-empty). Seed 004's localizedLabels: the first label is the default; every label after it must name its language (an RFC 7231 / \
BCP 47 tag such as es or fr-CA), and one tag appears once per name, compared without regard to case (EN is en; es and es-MX are two). \
Reading chosen where the seed is silent: a label is one line (no control character such as a line break or tab), a label has at \
most 200 characters and a description at most 1000, a name has at most 20 labels, a language tag at most 35 characters (BCP 47's \
practical bound) and a code at most 2048 (the seed gives no maximum). A name breaking these is refused with 400 invalidProperty \
(attributes typeName, labelIndex, property, and language: the label's tag, when it has one; the message names the label by its \
tag): the seed's PUT \
answers a body it cannot take with 400 and lists no 422, and its own error types have none for labels. A name in use by any consent cannot be left out: 409 consentTypeNameInUse with attributes.typeNames listing them. \
If-Match is required (412 ifMatchRequired when missing, 412 preconditionFailed when stale). Administrators only, with banking/write.",
    params(("If-Match" = String, Header)),
    request_body(content = crate::openapi_apiture::ConsentTypeNames, content_type = "application/json"),
    security(("apiKey" = [], "accessToken" = ["banking/write"])),
    responses(
        (status = 200, description = "The new set", body = crate::openapi_apiture::ConsentTypeNames, content_type = "application/hal+json", headers(("ETag" = String))),
        (status = 400, description = "malformedRequestBody, invalidProperty", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 403, description = "forbidden", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 409, description = "consentTypeNameInUse", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 412, description = "ifMatchRequired, preconditionFailed", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
    ))]
pub async fn put_type_names(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: ApitureCaller,
    bytes: Bytes,
) -> Result<Response, ApitureFailure> {
    authorize(&headers, &caller, SCOPE_WRITE)?;
    if !caller.has_role("admin") {
        return Err(forbidden("Only the bank's administrators change the consent type names."));
    }
    let wanted: ConsentTypeNames = json_body(&bytes)?;
    for (name, labels) in &wanted.names {
        if !check_name(name) {
            return Err(failure(StatusCode::BAD_REQUEST, ERR_INVALID_PROPERTY, format!("'{name}' is not a type name: a letter, then letters and digits, at most 64."), "Fix the name.")
                .with_attribute("typeName", serde_json::json!(name)));
        }
        // Seed 004's `localizedLabels`: "The first item in the array should be the default label/description;
        // the remaining items must have a language." (one tag once, case-insensitively; one line; the caps are
        // the console's: the seed gives none). The gateway and the staff client run the same `check_labels`.
        if let Err(broken) = check_labels(labels) {
            let mut refusal = failure(StatusCode::BAD_REQUEST, ERR_INVALID_PROPERTY, format!("'{name}': {broken}."), "Fix that label and send the whole set again.")
                .with_attribute("typeName", serde_json::json!(name))
                .with_attribute("property", serde_json::json!(broken.property()));
            if let Some(index) = broken.index() {
                refusal = refusal.with_attribute("labelIndex", serde_json::json!(index));
            }
            // The label's tag, so that a client can say it beside the field of that language.
            if let Some(language) = &broken.language {
                refusal = refusal.with_attribute("language", serde_json::json!(language));
            }
            return Err(refusal);
        }
    }
    let (names, tag) = state
        .db
        .tx(move |tx| {
            if let Err(f) = check_if_match(&headers, &etag(tx)?, true) {
                return Ok(Err(f));
            }
            let mut stmt = tx.prepare("SELECT DISTINCT type FROM consents")?;
            let in_use: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
            let missing: Vec<&String> = in_use.iter().filter(|t| !wanted.names.contains_key(*t)).collect();
            if !missing.is_empty() {
                return Ok(Err(failure(
                    StatusCode::CONFLICT,
                    ERR_CONSENT_TYPE_NAME_IN_USE,
                    format!("These type names are in use by consents and cannot be removed: {}.", missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")),
                    "Include all in-use type names.",
                )
                .with_attribute("typeNames", serde_json::json!(missing))));
            }
            for (name, labels) in &wanted.names {
                upsert(tx, name, labels)?;
            }
            let existing: Vec<String> = load(tx)?.into_keys().collect();
            for name in existing.iter().filter(|n| !wanted.names.contains_key(*n)) {
                tx.execute("DELETE FROM consent_type_names WHERE name = ?1", params![name])?;
            }
            bump(tx)?;
            Ok(Ok((load(tx)?, etag(tx)?)))
        })
        .await??;
    Ok(with_etag(hal(StatusCode::OK, &body(names)), &tag))
}
