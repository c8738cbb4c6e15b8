//! The bank's documents: which are in use (`GET /api/documents`), revising one (`POST
//! /api/documents/revise`, with `GET …/revise/preview` first), moving one (`POST /api/documents/move`),
//! and the re-consent campaign of a revision (`GET /api/documents/campaign`, its outstanding consents as
//! CSV). The figures are counted over the document's consents read page by page (see [`scan`]).

use std::collections::{BTreeMap, HashSet};

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::Method;
use axum::response::Response;
use console_api::consents::{ConsentState, MovedDocument, RevisedDocument};
use console_api::consents_staff::{campaign_of, check_revision, check_type_name, Campaign, DocumentInUse, Impact, Revised};
use console_api::d1_client::CorrelationId;
use console_api::validate;
use crate::apiture::Call;

use super::explorer::{csv_bytes, csv_response};
use super::{only, optional, query_pairs, required, scan, upstream_problem};
use crate::service::{attempt, audited, body, invalid, ServiceState, Answer, Cid, Problem};
use crate::service::{Caller, Need};

/// `GET /api/documents`: every document URI the consents point at, per type, with its latest revision.
/// The API has no such query: every consent that is not rescinded is read (20 pages for the sandbox's
/// 20,000).
pub async fn in_use(State(state): State<ServiceState>, Cid(cid): Cid, caller: Caller) -> Result<Answer<Vec<DocumentInUse>>, Problem> {
    const ACTION: &str = "documents.list";
    caller.require(Need::Staff, &state, ACTION, "", &cid)?;
    let mut documents = BTreeMap::<(String, String), DocumentInUse>::new();
    let filters = [("state", "pending|given|stale|revoked".to_string())];
    let result = scan::every(&state, &caller, &filters, &cid, |c| {
        let d = documents.entry((c.document.uri.clone(), c.type_.clone())).or_insert_with(|| DocumentInUse {
            uri: c.document.uri.clone(),
            type_: c.type_.clone(),
            revision_id: None,
            revised_at: String::new(),
            consents: 0,
            given: 0,
        });
        d.consents += 1;
        if c.document.revised_at > d.revised_at {
            d.revised_at = c.document.revised_at.clone();
            d.revision_id = c.document.revision_id.clone();
            d.given = 0;
        }
        if c.document.revised_at == d.revised_at && c.state == ConsentState::Given {
            d.given += 1;
        }
    })
    .await;
    let result = result.map(|_| documents.into_values().collect::<Vec<_>>());
    audited(&state, &caller, ACTION, "", &cid, result).map(|d| Answer(d, cid))
}

/// The document a revision preview or a campaign names: `uri`, checked.
fn document_uri<'a>(pairs: &'a [(String, String)], cid: &CorrelationId) -> Result<&'a str, Problem> {
    let uri = required(pairs, "uri", cid)?;
    validate::uri_reference("uri", uri).map_err(|e| invalid(&e, cid))?;
    Ok(uri)
}

/// `GET /api/documents/revise/preview?uri=&type=&contextUri=&revisedAt=&revisionId=`: how many given
/// consents of how many users the revision would make stale. The same rule as the API's: given consents
/// of this document and type (and context) not already at that revision.
pub async fn revise_preview(State(state): State<ServiceState>, RawQuery(raw): RawQuery, Cid(cid): Cid, caller: Caller) -> Result<Answer<Impact>, Problem> {
    const ACTION: &str = "documents.revise.preview";
    let target = raw.clone().unwrap_or_default();
    caller.require(Need::Staff, &state, ACTION, &target, &cid)?;
    let result = async {
        let pairs = query_pairs(raw.as_deref());
        only(&pairs, &["uri", "type", "contextUri", "revisedAt", "revisionId"], &cid)?;
        let uri = document_uri(&pairs, &cid)?;
        let type_ = required(&pairs, "type", &cid)?;
        check_type_name("type", type_).map_err(|e| invalid(&e, &cid))?;
        let context = optional(&pairs, "contextUri");
        if let Some(c) = context {
            validate::uri_reference("contextUri", c).map_err(|e| invalid(&e, &cid))?;
        }
        let (revised_at, revision_id) = (optional(&pairs, "revisedAt"), optional(&pairs, "revisionId"));
        let mut filters = scan::document_filters(uri, Some(type_), "given");
        if let Some(c) = context {
            filters.push(("contextUri", c.to_string()));
        }
        let (mut consents, mut users) = (0, HashSet::new());
        scan::every(&state, &caller, &filters, &cid, |c| {
            let at_revision = revised_at.is_some_and(|at| c.document.revised_at == at && revision_id.is_none_or(|r| c.document.revision_id.as_deref() == Some(r)));
            if c.document.uri == uri && !at_revision {
                consents += 1;
                users.insert(c.user_id);
            }
        })
        .await?;
        Ok(Impact { consents, users: users.len() as u64 })
    }
    .await;
    audited(&state, &caller, ACTION, &target, &cid, result).map(|i| Answer(i, cid))
}

/// `POST /api/documents/revise` with a revised document (`uri`, `type`, `revisedAt`, `revisionId`, …).
pub async fn revise(State(state): State<ServiceState>, Cid(cid): Cid, caller: Caller, bytes: Bytes) -> Result<Answer<Revised>, Problem> {
    const ACTION: &str = "documents.revise";
    caller.require(Need::Admin, &state, ACTION, "", &cid)?;
    let checked = body::<RevisedDocument>(&bytes, &cid).and_then(|r| check_revision(&r).map(|()| r).map_err(|e| invalid(&e, &cid)));
    let revised = match checked {
        Ok(r) => r,
        Err(p) => return audited(&state, &caller, ACTION, "", &cid, Err(p)),
    };
    let target = format!("{} type={} revisionId={}", revised.uri, revised.type_, revised.revision_id.as_deref().unwrap_or(&revised.revised_at));
    attempt(&state, &caller, ACTION, &target, &cid)?;
    let call = Call::write(Method::POST, "revisedDocuments", Some(&revised));
    let result = match state.consents.call::<RevisedDocument>(call, &caller.access_token, cid.as_str()).await {
        Ok(answer) => {
            let made_stale = answer.headers.get("consents-made-stale").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
            Ok(Revised { document: answer.value, made_stale })
        }
        Err(e) => Err(upstream_problem(&caller, e, &cid)),
    };
    audited(&state, &caller, ACTION, &target, &cid, result).map(|r| Answer(r, cid))
}

/// `POST /api/documents/move` with a moved document (`type`, `uri`, `newUri`, `contextUri`).
pub async fn move_document(State(state): State<ServiceState>, Cid(cid): Cid, caller: Caller, bytes: Bytes) -> Result<Answer<MovedDocument>, Problem> {
    const ACTION: &str = "documents.move";
    caller.require(Need::Admin, &state, ACTION, "", &cid)?;
    let checked = body::<MovedDocument>(&bytes, &cid).and_then(|m| {
        let ok = validate::uri_reference("uri", &m.uri)
            .and_then(|()| validate::uri_reference("newUri", &m.new_uri))
            .and_then(|()| check_type_name("type", &m.type_))
            .and_then(|()| m.context_uri.as_deref().map_or(Ok(()), |c| validate::uri_reference("contextUri", c)));
        ok.map(|()| m).map_err(|e| invalid(&e, &cid))
    });
    let moved = match checked {
        Ok(m) => m,
        Err(p) => return audited(&state, &caller, ACTION, "", &cid, Err(p)),
    };
    let target = format!("{} -> {} type={}", moved.uri, moved.new_uri, moved.type_);
    attempt(&state, &caller, ACTION, &target, &cid)?;
    let call = Call::write(Method::POST, "movedDocuments", Some(&moved));
    let result = match state.consents.call::<MovedDocument>(call, &caller.access_token, cid.as_str()).await {
        Ok(answer) => Ok(answer.value),
        Err(e) => Err(upstream_problem(&caller, e, &cid)),
    };
    audited(&state, &caller, ACTION, &target, &cid, result).map(|m| Answer(m, cid))
}

/// The campaign of `?uri=&revisionId=`, counted over the document's consents still in play.
async fn campaign_for(state: &ServiceState, caller: &Caller, raw: Option<&str>, cid: &CorrelationId) -> Result<Campaign, Problem> {
    let pairs = query_pairs(raw);
    only(&pairs, &["uri", "revisionId"], cid)?;
    let uri = document_uri(&pairs, cid)?;
    let revision_id = required(&pairs, "revisionId", cid)?;
    let mut consents = Vec::new();
    scan::every(state, caller, &scan::document_filters(uri, None, "given|stale|pending"), cid, |c| consents.push(c)).await?;
    Ok(campaign_of(uri, revision_id, &consents))
}

/// `GET /api/documents/campaign?uri=&revisionId=`
pub async fn campaign(State(state): State<ServiceState>, RawQuery(raw): RawQuery, Cid(cid): Cid, caller: Caller) -> Result<Answer<Campaign>, Problem> {
    const ACTION: &str = "documents.campaign";
    let target = raw.clone().unwrap_or_default();
    caller.require(Need::Staff, &state, ACTION, &target, &cid)?;
    let result = campaign_for(&state, &caller, raw.as_deref(), &cid).await;
    audited(&state, &caller, ACTION, &target, &cid, result).map(|c| Answer(c, cid))
}

/// `GET /api/documents/campaign/outstanding.csv?uri=&revisionId=`: who has not accepted again yet.
pub async fn outstanding_csv(State(state): State<ServiceState>, RawQuery(raw): RawQuery, Cid(cid): Cid, caller: Caller) -> Result<Response, Problem> {
    const ACTION: &str = "documents.campaign.export";
    let target = raw.clone().unwrap_or_default();
    caller.require(Need::Staff, &state, ACTION, &target, &cid)?;
    let result = campaign_for(&state, &caller, raw.as_deref(), &cid).await;
    let rows = result.as_ref().map_or(0, |c| c.outstanding.len());
    let campaign = audited(&state, &caller, ACTION, &format!("rows={rows} {target}"), &cid, result)?;
    let header = [["consentId", "userId", "state", "contextUri", "staleAt"]];
    let mut file = csv_bytes(header).to_vec();
    file.extend_from_slice(&csv_bytes(campaign.outstanding.iter().map(|o| {
        [o.id.as_str(), o.user_id.as_str(), o.state.as_str(), o.context_uri.as_deref().unwrap_or(""), o.stale_at.as_deref().unwrap_or("")]
    })));
    Ok(csv_response(Body::from(file), "outstanding.csv", &cid))
}
