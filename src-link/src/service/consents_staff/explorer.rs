//! The explorer: `GET /api/consents` (one page), `GET /api/consents/export.csv` (every page, streamed),
//! `GET /api/consents/{id}` (with its ETag) and `PATCH /api/consents/{id}` (`If-Match`; a 412 carries the
//! fresh consent).

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use console_api::consents::{Consent, ConsentCollection};
use console_api::consents_staff::{for_staff, query_string, ConsentPage, ConsentPatch, ExplorerQuery, CONSENT_ID, LIMIT_MAX};
use console_api::d1_client::CorrelationId;
use console_api::export::neutralise_formula;
use crate::apiture::Call;

use super::{explorer_query, if_match, scan, upstream_problem};
use crate::service::{attempt, audited, body, invalid, with_etag, ServiceState, Answer, Cid, Problem};
use crate::service::audit::RequestScope;
use crate::service::{Caller, Need};

/// `GET /api/consents?type=&state=&userId=&contextUri=&secondaryContextUri=&q=&sortBy=&start=&limit=`
pub async fn list(State(state): State<ServiceState>, RawQuery(raw): RawQuery, Cid(cid): Cid, caller: Caller) -> Result<Answer<ConsentPage>, Problem> {
    const ACTION: &str = "consents.list";
    let target = raw.clone().unwrap_or_default();
    caller.require(Need::Staff, &state, ACTION, &target, &cid)?;
    let result = match explorer_query(raw.as_deref(), &cid) {
        Ok(q) => scan::page(&state, &caller, &q.filter_pairs(), q.start, q.limit, &cid).await.map(page_for_staff),
        Err(p) => Err(p),
    };
    audited(&state, &caller, ACTION, &target, &cid, result).map(|page| Answer(page, cid))
}

fn page_for_staff(page: ConsentCollection) -> ConsentPage {
    ConsentPage { items: page.embedded.items.into_iter().map(for_staff).collect(), count: page.count, start: page.start, limit: page.limit }
}

/// The export's columns.
pub const CSV_HEADER: [&str; 13] = [
    "consentId", "userId", "type", "state", "documentUri", "revisionId", "revisedAt", "contextUri", "secondaryContextUri",
    "givenAt", "requestRevokedAt", "requestRescindedAt", "staleAt",
];

fn csv_row(c: &Consent) -> [&str; 13] {
    fn o(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or("")
    }
    [
        &c.id, &c.user_id, &c.type_, c.state.as_str(), &c.document.uri, o(&c.document.revision_id), &c.document.revised_at,
        o(&c.context_uri), o(&c.secondary_context_uri), o(&c.given_at), o(&c.request_revoked_at), o(&c.request_rescinded_at), o(&c.stale_at),
    ]
}

/// CSV lines of `rows`, each cell neutralised against formulas (as [`console_api::export`] does).
pub fn csv_bytes<'a, const N: usize>(rows: impl IntoIterator<Item = [&'a str; N]>) -> Bytes {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        // Writing into a Vec cannot fail.
        let _ = writer.write_record(row.iter().map(|cell| neutralise_formula(cell).into_owned()));
    }
    Bytes::from(writer.into_inner().unwrap_or_default())
}

/// A CSV download's headers.
pub fn csv_response(body: Body, file_name: &str, cid: &CorrelationId) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(cid.as_str()) {
        headers.insert(console_api::gateway::CORRELATION_HEADER, v);
    }
    response
}

/// Where the export is, between two pages of the body.
struct Export {
    state: ServiceState,
    caller: Caller,
    filters: Vec<(&'static str, String)>,
    cid: CorrelationId,
    scope: RequestScope,
    target: String,
    start: u64,
    rows: u64,
    first: Option<ConsentCollection>,
    done: bool,
}

impl Export {
    /// The audit line, once the last row (or a failure) is known: it says how many rows left.
    fn audit(&self, status: u16) {
        let target = format!("rows={} {}", self.rows, self.target);
        let (user, role) = (self.caller.user.id.clone(), self.caller.user.role.as_str().to_string());
        // The body is read after the handler returned: the line takes the request's scope with it.
        self.scope.clone().within(|| self.state.audit.record(&user, &role, "consents.export", &target, self.cid.as_str(), status));
    }

    /// The next chunk of the file: one upstream page as CSV lines.
    async fn next(mut self) -> Option<(Result<Bytes, std::io::Error>, Export)> {
        if self.done {
            return None;
        }
        let page = match self.first.take() {
            Some(page) => Ok(page),
            None => scan::page(&self.state, &self.caller, &self.filters, self.start, LIMIT_MAX, &self.cid).await,
        };
        let page = match page {
            Ok(page) => page,
            Err(p) => {
                // The file is cut short: the download fails in the browser rather than look complete.
                self.done = true;
                self.audit(p.0.status);
                return Some((Err(std::io::Error::other(p.0.message.clone())), self));
            }
        };
        let n = page.embedded.items.len() as u64;
        let chunk = csv_bytes(page.embedded.items.iter().map(csv_row));
        self.start += n;
        self.rows += n;
        if n == 0 || self.start >= page.count.unwrap_or(u64::MAX) || self.start >= scan::MAX_CONSENTS {
            self.done = true;
            self.audit(200);
        }
        Some((Ok(chunk), self))
    }
}

/// `GET /api/consents/export.csv?…the explorer's filters`: every page of the filtered set, streamed as it
/// is read. The first page is read before answering, so that a refusal is a problem, not a broken file.
pub async fn export(State(state): State<ServiceState>, RawQuery(raw): RawQuery, Cid(cid): Cid, caller: Caller) -> Result<Response, Problem> {
    const ACTION: &str = "consents.export";
    let target = raw.clone().unwrap_or_default();
    caller.require(Need::Staff, &state, ACTION, &target, &cid)?;
    let query = match explorer_query(raw.as_deref(), &cid) {
        Ok(q) => ExplorerQuery { start: 0, limit: LIMIT_MAX, ..q },
        Err(p) => return audited(&state, &caller, ACTION, &target, &cid, Err(p)),
    };
    let filters = query.filter_pairs();
    let first = match scan::page(&state, &caller, &filters, 0, LIMIT_MAX, &cid).await {
        Ok(page) => page,
        Err(p) => return audited(&state, &caller, ACTION, &target, &cid, Err(p)),
    };
    let header = csv_bytes([CSV_HEADER]);
    let export = Export {
        state,
        caller,
        target: query_string(&filters),
        filters,
        cid: cid.clone(),
        scope: RequestScope::current(),
        start: 0,
        rows: 0,
        first: Some(first),
        done: false,
    };
    let rows = futures_util::stream::unfold(export, Export::next);
    let stream = futures_util::StreamExt::chain(futures_util::stream::once(async move { Ok(header) }), rows);
    Ok(csv_response(Body::from_stream(stream), "consents.csv", &cid))
}

/// `GET /api/consents/{id}`: the consent, with its ETag (the version a patch must name).
pub async fn get_one(State(state): State<ServiceState>, Path(consent_id): Path<String>, Cid(cid): Cid, caller: Caller) -> Result<Response, Problem> {
    const ACTION: &str = "consents.get";
    caller.require(Need::Staff, &state, ACTION, &consent_id, &cid)?;
    let result = fetch(&state, &caller, &consent_id, &cid).await;
    let (consent, etag) = audited(&state, &caller, ACTION, &consent_id, &cid, result)?;
    Ok(with_etag(Answer(consent, cid).into_response(), etag.as_deref()))
}

/// The consent and its ETag, for staff.
pub async fn fetch(state: &ServiceState, caller: &Caller, consent_id: &str, cid: &CorrelationId) -> Result<(Consent, Option<String>), Problem> {
    CONSENT_ID.check(consent_id).map_err(|e| invalid(&e, cid))?;
    let path = format!("consents/{consent_id}");
    match state.consents.call::<Consent>(Call::get(&path, &[]), &caller.access_token, cid.as_str()).await {
        Ok(answer) => Ok((for_staff(answer.value), answer.etag)),
        Err(e) => Err(upstream_problem(caller, e, cid)),
    }
}

/// `PATCH /api/consents/{id}` with `If-Match`: changes the consent's contexts (all the API lets the bank
/// change). A stale `If-Match` is a 412 problem carrying the fresh consent and its ETag.
pub async fn patch(
    State(state): State<ServiceState>,
    Path(consent_id): Path<String>,
    headers: HeaderMap,
    Cid(cid): Cid,
    caller: Caller,
    bytes: Bytes,
) -> Result<Response, Problem> {
    const ACTION: &str = "consents.patch";
    caller.require(Need::Admin, &state, ACTION, &consent_id, &cid)?;
    let checked = (|| {
        CONSENT_ID.check(&consent_id).map_err(|e| invalid(&e, &cid))?;
        let change: ConsentPatch = body(&bytes, &cid)?;
        change.validate().map_err(|e| invalid(&e, &cid))?;
        Ok((change, if_match(&headers, &cid)?))
    })();
    let (change, tag) = match checked {
        Ok(c) => c,
        Err(p) => return audited(&state, &caller, ACTION, &consent_id, &cid, Err(p)),
    };
    attempt(&state, &caller, ACTION, &consent_id, &cid)?;
    let path = format!("consents/{consent_id}");
    let call = Call::write(Method::PATCH, &path, Some(&change)).if_match(Some(&tag));
    let result = match state.consents.call::<Consent>(call, &caller.access_token, cid.as_str()).await {
        Ok(answer) => Ok((for_staff(answer.value), answer.etag)),
        Err(e) if e.status() == Some(412) => {
            let mut p = upstream_problem(&caller, e, &cid);
            // What the page needs to show what changed: the consent as it is now.
            if let Ok((fresh, etag)) = fetch(&state, &caller, &consent_id, &cid).await {
                p.0.current = console_api::gateway::JsonText::of(&fresh);
                p.0.etag = etag;
            }
            Err(p)
        }
        Err(e) => Err(upstream_problem(&caller, e, &cid)),
    };
    let (consent, etag) = audited(&state, &caller, ACTION, &consent_id, &cid, result)?;
    Ok(with_etag(Answer(consent, cid).into_response(), etag.as_deref()))
}
