//! `GET /consents/consents` (the explorer's list) and `GET /consents/neededConsents` (a user's inbox).

use std::collections::HashSet;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use console_api::consents::{ConsentCollection, ConsentItems, Link, Links, CONSENTS_PROFILE, ERR_INVALID_CONSENT_TYPE, REL_SELF};
use rusqlite::params_from_iter;

use super::query::{self, QueryError};
use super::store::{self, row, Stored, COLUMNS};
use super::terms;
use super::{authorize, bad_query, failure, forbidden, invalid_query, query_pairs, sees_everyone, with_links};
use crate::auth::bearer::{hal, ApitureCaller, ApitureFailure};
use crate::auth::SCOPE_READ;
use crate::AppState;

const COLLECTION: &str = "/consents/consents";
/// From this many matches, a sorted page walks the sort's index instead of sorting every match.
const SORT_BY_WALKING_FROM: i64 = 2_000;
/// The columns of `consents_by_state` (migration 11): a filter that reads no others is answered from it.
const STATE_INDEX_COLUMNS: [&str; 4] = ["state", "seq", "type", "given_at"];

/// `GET /consents/consents`
#[utoipa::path(get, path = "/consents/consents", tag = "Consents",
    description = "A page of consents. Exact-match filters take `|` alternatives; `filter=` takes eq, ne, contains \
(case-sensitive substring), search (case-insensitive substring), and(...), or(...) over state, type, userId, contextUri, \
secondaryContextUri (a value with `,` or `)` in double quotes); `q` searches type, userId, document URI, revision, \
contexts; `sortBy` on type, userId, document.revisedAt, givenAt (`-` descending; ties in creation order). \
A bank customer sees only their own consents (userId naming someone else: 403). \
400 for malformed parameters, 422 for well-formed but invalid ones (unknown property or state, limit out of 1..1000); \
a type that is not a consent type name is 422 invalidConsentType.",
    params(
        ("type" = Option<String>, Query), ("state" = Option<String>, Query), ("userId" = Option<String>, Query),
        ("contextUri" = Option<String>, Query), ("secondaryContextUri" = Option<String>, Query),
        ("filter" = Option<String>, Query), ("q" = Option<String>, Query), ("sortBy" = Option<String>, Query),
        ("start" = Option<u64>, Query, description = "0-based, default 0"),
        ("limit" = Option<u64>, Query, description = "1 to 1000, default 100"),
    ),
    security(("apiKey" = [], "accessToken" = ["banking/read"])),
    responses(
        (status = 200, description = "HAL collection with count and first/prev/next/collection links", body = crate::openapi_apiture::ConsentCollection, content_type = "application/hal+json"),
        (status = 400, description = "invalidQueryParameter (malformed)", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 403, description = "forbidden", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
        (status = 422, description = "invalidQueryParameter, invalidConsentType", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
    ))]
pub async fn list_consents(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: ApitureCaller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApitureFailure> {
    authorize(&headers, &caller, SCOPE_READ)?;
    let pairs = query_pairs(raw.as_deref());
    let mut parsed = query::parse(&pairs).map_err(|e| match e {
        QueryError::Malformed(m) => bad_query(m),
        QueryError::Invalid(m) => invalid_query(m),
    })?;
    if !sees_everyone(&caller) {
        if let Some((_, asked)) = pairs.iter().find(|(k, _)| k == "userId") {
            if asked.split('|').any(|u| u != caller.user_id) {
                return Err(forbidden("Bank users can only see their own consents.").with_attribute("userId", serde_json::json!(asked)));
            }
        }
        parsed.filter.sql = format!("user_id = ? AND ({})", parsed.filter.clause());
        parsed.filter.values.insert(0, caller.user_id.clone());
        parsed.filter.columns.insert("user_id");
    }
    let (start, limit) = (parsed.start, parsed.limit);
    let (items, count) = state.db.tx(move |tx| page(tx, &mut parsed)).await??;
    let items = items.into_iter().map(|s| with_links(s.consent, &caller)).collect();
    let page = ConsentCollection {
        profile: Some(CONSENTS_PROFILE.into()),
        links: paging_links(&pairs, start, limit, count),
        start,
        limit,
        count: Some(count),
        name: "consents".into(),
        embedded: ConsentItems { items },
    };
    Ok(hal(StatusCode::OK, &page))
}

/// The page and the count of everything that matches, in one read transaction.
fn page(tx: &rusqlite::Transaction<'_>, q: &mut query::ListQuery) -> Result<Result<(Vec<Stored>, u64), ApitureFailure>, crate::SandboxError> {
    for t in &q.named_types {
        if !store::type_exists(tx, t)? {
            return Ok(Err(failure(
                StatusCode::UNPROCESSABLE_ENTITY,
                ERR_INVALID_CONSENT_TYPE,
                format!("'{t}' is not a consent type name."),
                "Use a type from /consents/consentTypeNames.",
            )));
        }
    }
    terms::resolve(tx, &mut q.filter)?;
    let clause = q.filter.clause();
    // A filter on state (and type) is counted in the state index alone, which holds both: the planner
    // otherwise prefers the type index and fetches every consent of the type to read its state (9 ms for
    // 5,000 at 100,000; the unary plus keeps it off).
    let on_state_index = q.filter.columns.contains("state") && q.filter.columns.iter().all(|c| STATE_INDEX_COLUMNS.contains(c));
    // Without a filter, no WHERE at all: SQLite counts a table's b-tree by its pages then (0.02 ms at
    // 100,000), while `WHERE 1` made it read every entry of an index (2.4 ms).
    let count_sql = if q.filter.sql.is_empty() {
        "SELECT COUNT(*) FROM consents".to_string()
    } else if on_state_index {
        format!("SELECT COUNT(*) FROM consents WHERE {}", clause.replace("type IN (", "+type IN ("))
    } else {
        format!("SELECT COUNT(*) FROM consents WHERE {clause}")
    };
    let count: i64 = tx
        .prepare_cached(&count_sql)?
        .query_row(params_from_iter(q.filter.values.iter()), |r| r.get(0))?;
    let mut values: Vec<rusqlite::types::Value> = q.filter.values.iter().cloned().map(Into::into).collect();
    values.push((q.limit as i64).into());
    values.push(i64::try_from(q.start).unwrap_or(i64::MAX).into());
    // A sorted page of many matches walks the sort's index and skips what the filter refuses: state and
    // type match a large share of the consents, so their own indexes would fetch every match only to sort
    // them. The unary plus keeps the planner off those two indexes (the count above still uses them).
    // Few matches are fetched by the filter's index and sorted; so are consents that have no givenAt
    // (pending, rescinded) sorted by it: they all sit at one end of its index.
    let answered_only = q.states.as_ref().is_some_and(|s| s.iter().all(|x| matches!(x.as_str(), "given" | "stale" | "revoked")));
    let walk = q.order_by != query::DEFAULT_ORDER
        && count >= SORT_BY_WALKING_FROM
        && (!q.order_by.starts_with("given_at") || answered_only);
    let page_clause = if !walk {
        clause.to_string()
    } else {
        clause.replace("state IN (", "+state IN (").replace("type IN (", "+type IN (")
    };
    // The page's rowids first, then their consents: the sort and the skipped rows read only the index
    // that finds them (the state index holds givenAt, so `state=rescinded&sortBy=-givenAt` sorts 5,000
    // index entries instead of 5,000 fetched consents), and only the rows of the page are fetched.
    let order_by = &q.order_by;
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM consents WHERE rowid IN
            (SELECT rowid FROM consents WHERE {page_clause} ORDER BY {order_by} LIMIT ? OFFSET ?)
         ORDER BY {order_by}"
    ))?;
    let rows = stmt.query_map(params_from_iter(values.iter()), row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(Ok((rows, count.max(0) as u64)))
}

/// self, first, prev, next and collection, each keeping the request's filters and sort.
fn paging_links(pairs: &[(String, String)], start: u64, limit: u64, count: u64) -> Links {
    let kept: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != "start" && k != "limit").collect();
    let href = |start: u64| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &kept {
            s.append_pair(k, v);
        }
        s.append_pair("start", &start.to_string()).append_pair("limit", &limit.to_string());
        Link { href: format!("{COLLECTION}?{}", s.finish()) }
    };
    let mut links = Links::new();
    links.insert(REL_SELF.into(), href(start));
    links.insert("first".into(), href(0));
    if start > 0 {
        links.insert("prev".into(), href(start.saturating_sub(limit)));
    }
    if start.saturating_add(limit) < count {
        links.insert("next".into(), href(start + limit));
    }
    links.insert("collection".into(), Link { href: COLLECTION.into() });
    links
}

/// `GET /consents/neededConsents?userId=&consolidate=`
#[utoipa::path(get, path = "/consents/neededConsents", tag = "Consents",
    description = "The pending and stale consents of a user, oldest first. A bank customer sees only their own; staff and services any user. Unknown user: empty. consolidate=true keeps one consent per (type, document URI): give it with scope=matching (the default) to give all of them.",
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
    authorize(&headers, &caller, SCOPE_READ)?;
    let p = super::query_map(query.as_deref(), &["userId", "consolidate"])?;
    let consolidate = match p.get("consolidate").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(bad_query(format!("consolidate must be true or false, not '{other}'."))),
    };
    let target = match p.get("userId").filter(|u| !u.is_empty()) {
        None => caller.user_id.clone(),
        Some(u) if *u == caller.user_id => u.clone(),
        Some(u) if !sees_everyone(&caller) => {
            return Err(forbidden("Bank users can only see their own consents.")
                .with_attribute("userId", serde_json::json!(u)));
        }
        Some(u) => u.clone(),
    };
    let mut items = state.db.tx(move |tx| store::needed(tx, &target)).await?;
    if consolidate {
        // One per (type, document): the user gives consent to a document once for every context.
        let mut seen = HashSet::new();
        items.retain(|s| seen.insert((s.consent.type_.clone(), s.consent.document.uri.clone())));
    }
    let items: Vec<_> = items.into_iter().map(|s| with_links(s.consent, &caller)).collect();
    let query = query.unwrap_or_default();
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
