//! Reading every page of a filtered consents list. Apiture Consents has no query for the figures the
//! staff screens need (distinct users, distinct documents, consents of one document URI: the list
//! filters on type, state, user and contexts, not on the document), so the gateway reads the narrowest
//! list the API can give, a full page (1,000) at a time, and counts what it needs itself. `count` on the
//! first page bounds the work, and [`MAX_CONSENTS`] caps it.

use console_api::consents::{Consent, ConsentCollection};
use console_api::consents_staff::LIMIT_MAX;
use console_api::d1_client::CorrelationId;
use console_api::gateway::ProblemKind;
use crate::apiture::Call;

use super::{borrowed, upstream_problem};
use crate::service::{ServiceState, Problem};
use crate::service::Caller;

/// The most consents one scan reads (a hundred pages): past it, the answer says so rather than hold the
/// request for minutes.
pub const MAX_CONSENTS: u64 = 100_000;

/// One page of `GET /consents/consents` with `filters` at `start`, `limit` long.
pub async fn page(state: &ServiceState, caller: &Caller, filters: &[(&'static str, String)], start: u64, limit: u64, cid: &CorrelationId) -> Result<ConsentCollection, Problem> {
    let mut pairs = filters.to_vec();
    pairs.push(("start", start.to_string()));
    pairs.push(("limit", limit.to_string()));
    let query = borrowed(&pairs);
    let call = Call::get("consents", &query);
    match state.consents.call(call, &caller.access_token, cid.as_str()).await {
        Ok(answer) => Ok(answer.value),
        Err(e) => Err(upstream_problem(caller, e, cid)),
    }
}

/// Every consent of the list with `filters`, each given to `visit`, page after page.
pub async fn every(state: &ServiceState, caller: &Caller, filters: &[(&'static str, String)], cid: &CorrelationId, mut visit: impl FnMut(Consent)) -> Result<u64, Problem> {
    let mut start = 0;
    loop {
        let page = page(state, caller, filters, start, LIMIT_MAX, cid).await?;
        let n = page.embedded.items.len() as u64;
        page.embedded.items.into_iter().for_each(&mut visit);
        start += n;
        let total = page.count.unwrap_or(u64::MAX);
        if n == 0 || start >= total {
            return Ok(start);
        }
        if start >= MAX_CONSENTS {
            let message = format!("More than {MAX_CONSENTS} consents match: narrow the filters (type, context) and try again.");
            return Err(Problem::of(422, ProblemKind::InvalidInput, message, cid));
        }
    }
}

/// The filters that select one document's consents: `q` (a substring of several properties, the
/// narrowest the API offers for a document) and then an exact match on `document.uri` by the caller.
pub fn document_filters(uri: &str, type_: Option<&str>, states: &str) -> Vec<(&'static str, String)> {
    let mut filters = vec![("q", uri.to_string()), ("state", states.to_string())];
    if let Some(t) = type_ {
        filters.push(("type", t.to_string()));
    }
    filters
}
