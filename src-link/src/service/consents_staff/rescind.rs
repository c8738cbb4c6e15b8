//! `POST /api/consents/rescind` (admins) and `GET /api/consents/rescind/preview` (staff): the bank
//! withdraws consents of a type, narrowed by context, secondary context, user and document, or one
//! consent; the preview says how many consents of how many users that matches, before anything is sent.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::Method;
use console_api::consents::{ConsentCollection, ConsentState};
use console_api::consents_staff::{Impact, RescindRequest};
use console_api::d1_client::CorrelationId;
use crate::apiture::Call;

use super::explorer::fetch;
use super::{borrowed, only, optional, query_pairs, scan, upstream_problem};
use crate::service::{attempt, audited, body, invalid, ServiceState, Answer, Cid, Problem};
use crate::service::{Caller, Need};

/// What the sandbox and Apiture rescind: every state but rescinded.
const RESCINDABLE: &str = "pending|given|stale|revoked";

/// The audit target of a rescind: its fields as a query string.
fn target_of(r: &RescindRequest) -> String {
    console_api::consents_staff::query_string(&r.pairs())
}

/// `GET /api/consents/rescind/preview?type=&context=&secondaryContext=&user=&document=` (or `?consent=`)
pub async fn preview(State(state): State<ServiceState>, RawQuery(raw): RawQuery, Cid(cid): Cid, caller: Caller) -> Result<Answer<Impact>, Problem> {
    const ACTION: &str = "consents.rescind.preview";
    let target = raw.clone().unwrap_or_default();
    caller.require(Need::Staff, &state, ACTION, &target, &cid)?;
    let result = async {
        let pairs = query_pairs(raw.as_deref());
        only(&pairs, &["type", "context", "secondaryContext", "user", "document", "consent"], &cid)?;
        let get = |name| optional(&pairs, name).map(str::to_string);
        let request = RescindRequest {
            type_: get("type"),
            context: get("context"),
            secondary_context: get("secondaryContext"),
            user: get("user"),
            document: get("document"),
            consent: get("consent"),
        };
        request.validate().map_err(|e| invalid(&e, &cid))?;
        impact(&state, &caller, &request, &cid).await
    }
    .await;
    audited(&state, &caller, ACTION, &target, &cid, result).map(|i| Answer(i, cid))
}

/// What `request` would rescind now. The list filters on everything a rescind narrows by except the
/// document, which is matched exactly here (see [`scan`]).
pub async fn impact(state: &ServiceState, caller: &Caller, request: &RescindRequest, cid: &CorrelationId) -> Result<Impact, Problem> {
    if let Some(id) = &request.consent {
        let (consent, _) = fetch(state, caller, id, cid).await?;
        let n = u64::from(consent.state != ConsentState::Rescinded);
        return Ok(Impact { consents: n, users: n });
    }
    let mut filters = vec![("state", RESCINDABLE.to_string())];
    let named = [("type", &request.type_), ("contextUri", &request.context), ("secondaryContextUri", &request.secondary_context), ("userId", &request.user), ("q", &request.document)];
    filters.extend(named.into_iter().filter_map(|(k, v)| v.clone().map(|v| (k, v))));
    let (mut consents, mut users) = (0, HashSet::new());
    scan::every(state, caller, &filters, cid, |c| {
        if request.document.as_ref().is_none_or(|d| *d == c.document.uri) {
            consents += 1;
            users.insert(c.user_id);
        }
    })
    .await?;
    Ok(Impact { consents, users: users.len() as u64 })
}

/// `POST /api/consents/rescind` with a [`RescindRequest`]: answers how many were rescinded (the API's
/// `count`) and of how many users; the API lists at most 1,000 of them, so past that the users are those
/// of the listed ones (the preview, made before, counted them all).
pub async fn rescind(State(state): State<ServiceState>, Cid(cid): Cid, caller: Caller, bytes: Bytes) -> Result<Answer<Impact>, Problem> {
    const ACTION: &str = "consents.rescind";
    caller.require(Need::Admin, &state, ACTION, "", &cid)?;
    let request = body::<RescindRequest>(&bytes, &cid).and_then(|r| r.validate().map(|()| r).map_err(|e| invalid(&e, &cid)));
    let request = match request {
        Ok(r) => r,
        Err(p) => return audited(&state, &caller, ACTION, "", &cid, Err(p)),
    };
    let target = target_of(&request);
    attempt(&state, &caller, ACTION, &target, &cid)?;
    let pairs = request.pairs();
    let query = borrowed(&pairs);
    let call = Call::write::<()>(Method::POST, "rescindedConsents", None).query(&query);
    let result = match state.consents.call::<ConsentCollection>(call, &caller.access_token, cid.as_str()).await {
        Ok(answer) => {
            let listed = &answer.value.embedded.items;
            let users = listed.iter().map(|c| c.user_id.as_str()).collect::<HashSet<_>>().len() as u64;
            Ok(Impact { consents: answer.value.count.unwrap_or(listed.len() as u64), users })
        }
        Err(e) => Err(upstream_problem(&caller, e, &cid)),
    };
    audited(&state, &caller, ACTION, &target, &cid, result).map(|i| Answer(i, cid))
}
