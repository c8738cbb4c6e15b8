//! The bank's documents: `POST /consents/revisedDocuments` (given consents of older revisions become
//! stale) and `POST /consents/movedDocuments` (the document's URI changes). Each is one UPDATE in one
//! transaction, so a revision that stales 100,000 consents is committed whole or not at all; the copy of
//! its log into the database file follows the answer ([`crate::db::Db::tx_checkpoint_after`]).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use console_api::consents::{
    check_context, MovedDocument, RevisedDocument, ERR_INVALID_CONSENT_TYPE, ERR_INVALID_DOCUMENT_REVISION,
    ERR_INVALID_DOCUMENT_URI, ERR_INVALID_PROPERTY, MOVED_DOCUMENT_PROFILE, REVISED_DOCUMENT_PROFILE,
};
use console_api::validate;
use rusqlite::params;

use super::{current, store, terms};
use super::{authorize, failure, forbidden, json_body, may_administer};
use crate::auth::bearer::{hal, ApitureCaller, ApitureFailure};
use crate::auth::SCOPE_WRITE;
use crate::AppState;

/// The response header that says how many given consents a revision made stale (a sandbox extension).
pub const STALE_COUNT_HEADER: &str = "consents-made-stale";

fn bad_uri(e: validate::ValidationError) -> ApitureFailure {
    failure(StatusCode::BAD_REQUEST, ERR_INVALID_DOCUMENT_URI, e.to_string(), "Pass a valid URI: http(s)://host/path or a relative reference.")
        .with_attribute("field", serde_json::json!(e.field))
}

fn bad_context((type_, e): (&'static str, validate::ValidationError)) -> ApitureFailure {
    failure(StatusCode::BAD_REQUEST, type_, e.to_string(), "Pass a valid URI: http(s)://host/path or a relative reference.")
}

fn unknown_type(name: &str) -> ApitureFailure {
    failure(StatusCode::CONFLICT, ERR_INVALID_CONSENT_TYPE, format!("'{name}' is not a consent type name."), "Supply a consent type from the /consentTypeNames resource.")
        .with_attribute("type", serde_json::json!(name))
}

fn administrators_only(caller: &ApitureCaller) -> Result<(), ApitureFailure> {
    if may_administer(caller) {
        Ok(())
    } else {
        Err(forbidden("Only the bank's administrators and services revise or move documents."))
    }
}

/// `POST /consents/revisedDocuments`
#[utoipa::path(post, path = "/consents/revisedDocuments", tag = "Documents",
    description = "A document was revised: every consent of this uri and type (and contextUri, when given) that is not rescinded \
takes the new revisionId and revisedAt (and contentType and newUri when given); the given ones among them become stale \
(staleAt set), except those already at this revisedAt (and revisionId, when sent). revisionId defaults to revisedAt. \
The request becomes the document's current revision (at newUri when given): the one /vault serves, a give records and a \
customer's create takes; only this operation (and the demo data) sets it, never a consent's own revisedAt. Every consent of the \
document that may be given (pending, stale or revoked), of any type or context, takes it too (a new ETag: a give that names the ETag read \
before is 412). A revisedAt older than the document's current revision is 409 invalidDocumentRevision (attributes.revisedAt: \
the current one); a document never revised has none, so its first revision sets it. An unknown type 409 invalidConsentType (the seed gives this operation 409 for semantically invalid data). One UPDATE in one transaction. \
The 202 header consents-made-stale says how many became stale. Administrators and service clients with banking/write.",
    request_body(content = crate::openapi_apiture::RevisedDocument, content_type = "application/json"),
    security(("apiKey" = [], "accessToken" = ["banking/write"])),
    responses(
        (status = 202, description = "Done (synchronously): the request, echoed", body = crate::openapi_apiture::RevisedDocument, content_type = "application/hal+json"),
        (status = 400, description = "malformedRequestBody, invalidDocumentUri, invalidContextUri, invalidProperty", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 403, description = "forbidden", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 409, description = "invalidDocumentRevision, invalidConsentType", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
    ))]
pub async fn revise(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: ApitureCaller,
    body: Bytes,
) -> Result<Response, ApitureFailure> {
    authorize(&headers, &caller, SCOPE_WRITE)?;
    administrators_only(&caller)?;
    let mut revised: RevisedDocument = json_body(&body)?;
    validate::uri_reference("uri", &revised.uri).map_err(bad_uri)?;
    if let Some(new_uri) = &revised.new_uri {
        validate::uri_reference("newUri", new_uri).map_err(bad_uri)?;
    }
    check_context("contextUri", revised.context_uri.as_deref()).map_err(bad_context)?;
    revised.revised_at = store::normalize_time(&revised.revised_at).ok_or_else(|| {
        failure(StatusCode::BAD_REQUEST, ERR_INVALID_PROPERTY, "revisedAt: must be an RFC 3339 time such as 2026-09-15T08:00:00.000Z", "Fix revisedAt.")
    })?;
    let request = revised.clone();
    let staled = state.db.tx_checkpoint_after(move |tx| apply_revision(tx, &request)).await??;
    let mut response = hal(StatusCode::ACCEPTED, &with_profile(&revised, REVISED_DOCUMENT_PROFILE));
    response.headers_mut().insert(STALE_COUNT_HEADER, HeaderValue::from(staled));
    Ok(response)
}

fn with_profile<T: serde::Serialize>(body: &T, profile: &str) -> serde_json::Value {
    let mut v = serde_json::to_value(body).unwrap_or_default();
    v["_profile"] = serde_json::json!(profile);
    v
}

/// A revision that rewrites more than 1/REBUILD_FROM_SHARE of all consents drops the indexes holding a
/// column it changes and builds them again after the UPDATE, in the same transaction. Moving an entry
/// costs some 1.8 µs per row and index, building an index from the table some 0.6 µs per consent:
/// at 100,000 stale of 120,000 the revision took 675 ms instead of 1,144 (console-bench, back to back).
const REBUILD_FROM_SHARE: i64 = 2;

/// Drops the consents' indexes that hold one of `columns` and answers each one's name and SQL, to
/// build it again. Indexes made by constraints (the primary key, UNIQUE) have no SQL and stay.
fn drop_indexes_on(tx: &rusqlite::Transaction<'_>, columns: &[&'static str]) -> Result<Vec<(String, String)>, crate::SandboxError> {
    let names = columns.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ");
    let indexes: Vec<(String, String)> = {
        let mut stmt = tx.prepare(&format!(
            "SELECT DISTINCT m.name, m.sql FROM sqlite_master m, pragma_index_info(m.name) i
             WHERE m.type = 'index' AND m.tbl_name = 'consents' AND m.sql IS NOT NULL AND i.name IN ({names})"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    Ok(indexes)
}

/// The revision in the database: how many given consents became stale.
pub fn apply_revision(tx: &rusqlite::Transaction<'_>, r: &RevisedDocument) -> Result<Result<u64, ApitureFailure>, crate::SandboxError> {
    if !store::type_exists(tx, &r.type_)? {
        return Ok(Err(unknown_type(&r.type_)));
    }
    let context = if r.context_uri.is_some() { "AND context_uri = ?3" } else { "AND ?3 IS NULL" };
    let scope = format!("document_uri = ?1 AND type = ?2 {context} AND state <> 'rescinded'");
    // Already at this revision: the time stamp, and the revision id when the request names one.
    let current = "(revised_at = ?4 AND (?5 IS NULL OR revision_id IS ?5))";
    // The document's current revision (never its consents' latest: a customer's own consent may name
    // any date). A document the bank never revised has none: its first revision sets it.
    let published = current::of(tx, &r.uri)?;
    if let Some(latest) = published.as_ref().map(|p| &p.revised_at).filter(|l| **l > r.revised_at) {
        return Ok(Err(failure(
            StatusCode::CONFLICT,
            ERR_INVALID_DOCUMENT_REVISION,
            format!("revisedAt {} predates the document's current revision, {latest}.", r.revised_at),
            "Revised documents must have newer time stamps.",
        )
        .with_attribute("revisedAt", serde_json::json!(latest))));
    }
    // How many given consents the revision makes stale, in one pass over the document's consents (the
    // UPDATE below reads the same pages again, from the cache).
    let (staled, touched): (i64, i64) = tx.query_row(
        &format!("SELECT COALESCE(SUM(state = 'given' AND NOT {current}), 0), COUNT(*) FROM consents WHERE {scope}"),
        params![r.uri, r.type_, r.context_uri, r.revised_at, r.revision_id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let revision_id = r.revision_id.clone().unwrap_or_else(|| r.revised_at.clone());
    // A revision rewrites every matching row and its index entries: the connection may keep more pages
    // in memory than SQLite's default 2 MB, so that they are written once (measured: a third faster at
    // 100,000 consents).
    tx.execute_batch("PRAGMA cache_size = -65536")?;
    // The document URI is set only when it moves: naming the column would rewrite every index on it.
    let (moved, unmoved) = if r.new_uri.is_some() { (", document_uri = ?9", "") } else { ("", " AND ?9 IS NULL") };
    let mut changed = vec!["state", "stale_at", "revision_id", "revised_at", "content_type", "version"];
    if r.new_uri.is_some() {
        changed.push("document_uri");
    }
    let all: i64 = tx.query_row("SELECT COUNT(*) FROM consents", [], |row| row.get(0))?;
    let rebuilt = if touched.saturating_mul(REBUILD_FROM_SHARE) > all { drop_indexes_on(tx, &changed)? } else { Vec::new() };
    tx.execute(
        &format!(
            "UPDATE consents SET
                state = CASE WHEN state = 'given' AND NOT {current} THEN 'stale' ELSE state END,
                stale_at = CASE WHEN state = 'given' AND NOT {current} THEN ?6 ELSE stale_at END,
                revision_id = ?7, revised_at = ?4, content_type = COALESCE(?8, content_type){moved},
                version = version + 1
             WHERE {scope}{unmoved}"
        ),
        params![r.uri, r.type_, r.context_uri, r.revised_at, r.revision_id, store::now_text(), revision_id, r.content_type, r.new_uri],
    )?;
    for (_, sql) in &rebuilt {
        tx.execute_batch(sql)?;
    }
    terms::add(tx, "revision_id", &revision_id)?;
    if let Some(new_uri) = &r.new_uri {
        terms::add(tx, "document_uri", new_uri)?;
    }
    // The document's current revision from now on, where it is now; then every consent still asking for
    // it asks for this one (a new ETag each: a give read before this revision is refused).
    let target = r.new_uri.as_deref().unwrap_or(&r.uri);
    // The request's content type, else the current revision's; never one read from the consents, where a
    // customer's own consent may name any.
    let content_type = r.content_type.clone().or(published.map(|p| p.content_type)).unwrap_or_else(|| "text/html".into());
    current::set(tx, target, &current::Revision { revision_id, revised_at: r.revised_at.clone(), content_type })?;
    if target != r.uri {
        current::moved(tx, &r.uri, target)?;
    }
    current::follow(tx, target)?;
    Ok(Ok(staled.max(0) as u64))
}

/// `POST /consents/movedDocuments`
#[utoipa::path(post, path = "/consents/movedDocuments", tag = "Documents",
    description = "A document moved: every consent of this uri and type (and contextUri, when given) takes newUri as its \
document.uri; states do not change. newUri takes the document's current revision unless it has one of its own (its needed \
consents then ask for that one); uri keeps it while consents still point there. One UPDATE in one transaction. Unknown type: 409 invalidConsentType. Administrators and \
service clients with banking/write.",
    request_body(content = crate::openapi_apiture::MovedDocument, content_type = "application/json"),
    security(("apiKey" = [], "accessToken" = ["banking/write"])),
    responses(
        (status = 202, description = "Done (synchronously): the request, echoed", body = crate::openapi_apiture::MovedDocument, content_type = "application/hal+json"),
        (status = 400, description = "malformedRequestBody, invalidDocumentUri, invalidContextUri", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 403, description = "forbidden", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 409, description = "invalidConsentType", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
    ))]
pub async fn move_document(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: ApitureCaller,
    body: Bytes,
) -> Result<Response, ApitureFailure> {
    authorize(&headers, &caller, SCOPE_WRITE)?;
    administrators_only(&caller)?;
    let moved: MovedDocument = json_body(&body)?;
    validate::uri_reference("uri", &moved.uri).map_err(bad_uri)?;
    validate::uri_reference("newUri", &moved.new_uri).map_err(bad_uri)?;
    check_context("contextUri", moved.context_uri.as_deref()).map_err(bad_context)?;
    let request = moved.clone();
    let count = state
        .db
        .tx_checkpoint_after(move |tx| {
            if !store::type_exists(tx, &request.type_)? {
                return Ok(Err(unknown_type(&request.type_)));
            }
            let context = if request.context_uri.is_some() { "AND context_uri = ?4" } else { "AND ?4 IS NULL" };
            let n = tx.execute(
                &format!("UPDATE consents SET document_uri = ?1, version = version + 1 WHERE document_uri = ?2 AND type = ?3 {context}"),
                params![request.new_uri, request.uri, request.type_, request.context_uri],
            )?;
            terms::add(tx, "document_uri", &request.new_uri)?;
            current::moved(tx, &request.uri, &request.new_uri)?;
            Ok(Ok(n as u64))
        })
        .await??;
    let mut response = hal(StatusCode::ACCEPTED, &with_profile(&moved, MOVED_DOCUMENT_PROFILE));
    response.headers_mut().insert("consents-moved", HeaderValue::from(count));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database with `of_a` consents of document A (all states in turn) and `of_b` given ones of B.
    fn database(of_a: usize, of_b: usize) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        for sql in crate::db::MIGRATIONS {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute("INSERT INTO consent_type_names (name, label, description) VALUES ('privacyPolicy', 'P', 'P')", []).unwrap();
        let states = ["given", "pending", "stale", "rescinded", "revoked"];
        for seq in 0..of_a + of_b {
            let (document, state) = if seq < of_a { ("/a", states[seq % states.len()]) } else { ("/b", "given") };
            conn.execute(
                "INSERT INTO consents (id, user_id, type, document_uri, content_type, revision_id, revised_at, state, given_at,
                    created_at, seq)
                 VALUES (?1, ?2, 'privacyPolicy', ?3, 'text/html', '1', '2026-01-01T00:00:00.000Z', ?4, ?5, 't', ?6)",
                params![format!("c{seq}"), format!("u{seq}"), document, state, (state != "pending").then_some("2026-01-02T00:00:00.000Z"), seq],
            )
            .unwrap();
        }
        conn
    }

    fn revise(conn: &mut rusqlite::Connection, new_uri: Option<&str>) -> u64 {
        let r = RevisedDocument {
            uri: "/a".into(),
            content_type: None,
            revision_id: Some("2".into()),
            revised_at: "2026-02-01T00:00:00.000Z".into(),
            type_: "privacyPolicy".into(),
            context_uri: None,
            new_uri: new_uri.map(str::to_string),
        };
        let tx = conn.transaction().unwrap();
        let staled = apply_revision(&tx, &r).unwrap().unwrap_or_else(|e| panic!("{e:?}"));
        tx.commit().unwrap();
        staled
    }

    /// Document A's consents as the list would show them (stale_at: whether it is set, since it is now).
    fn rows_of_a(conn: &rusqlite::Connection, uri: &str) -> Vec<String> {
        let mut stmt = conn
            .prepare(
                "SELECT id || state || document_uri || revision_id || revised_at || version || (stale_at IS NOT NULL)
                 FROM consents WHERE document_uri = ?1 ORDER BY seq",
            )
            .unwrap();
        stmt.query_map([uri], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }

    fn indexes(conn: &rusqlite::Connection) -> Vec<(String, String)> {
        let mut stmt = conn.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn a_revision_of_most_consents_rebuilds_its_indexes_and_changes_what_a_small_one_changes() {
        for new_uri in [None, Some("/a2")] {
            // A is 50 of 60 consents (its indexes rebuilt), or 50 of 1,050 (its index entries moved).
            let (mut most, mut few) = (database(50, 10), database(50, 1000));
            let before = indexes(&most);
            assert_eq!(revise(&mut most, new_uri), 10);
            assert_eq!(revise(&mut few, new_uri), 10);
            let uri = new_uri.unwrap_or("/a");
            assert_eq!(rows_of_a(&most, uri), rows_of_a(&few, uri));
            // A rescinded consent keeps its revision, and its URI when the document moves.
            assert_eq!(rows_of_a(&most, uri).len(), if new_uri.is_some() { 40 } else { 50 });
            assert_eq!(indexes(&most), before, "every index is there again, as it was defined");
            let check: String = most.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
            assert_eq!(check, "ok");
            let stale: i64 = most.query_row("SELECT COUNT(*) FROM consents WHERE state = 'stale'", [], |r| r.get(0)).unwrap();
            assert_eq!(stale, 20, "the 10 given of A became stale, next to the 10 stale already");
        }
    }
}
