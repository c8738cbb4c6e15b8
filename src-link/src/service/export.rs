//! `GET /api/d1/consumers/{consumerId}/operations/export?format=csv|json&…`: a consumer's operations as a
//! file. The gateway reads the history from D1 itself (the page's page size and 5,000-operation cap),
//! keeps what the page's filter keeps ([`console_api::timeline::TimelineFilter`], its days read in the
//! page's time zone), and writes the audit line with what it really sent: who, which consumer, which
//! format, how many rows. The page only links here.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use chrono_tz::Tz;
use console_api::d1::Operation;
use console_api::d1_client::CorrelationId;
use console_api::export::{self, ExportFormat, ExportQuery};
use console_api::gateway::CORRELATION_HEADER;
use console_api::page::{export_filename, MAX_OPERATIONS};
use console_api::validate::ValidationError;

use crate::service::d1::{problem, Target};
use crate::service::{audited, invalid, unwritable_log, Cid, Problem, ServiceState};
use crate::service::{Caller, Need};

const ACTION: &str = "d1.operations.export";

/// Sent, with the cap, when the history was longer than an export reads: the file holds its newest
/// [`MAX_OPERATIONS`] (the JSON says `"complete": false` too).
pub const CAPPED_HEADER: &str = "x-console-export-capped";

pub async fn operations(
    State(state): State<ServiceState>,
    Path(consumer_id): Path<String>,
    RawQuery(query): RawQuery,
    Cid(cid): Cid,
    caller: Caller,
) -> Result<Response, Problem> {
    caller.require(Need::Staff, &state, ACTION, &consumer_id, &cid)?;
    let asked = match read_query(query.as_deref().unwrap_or_default()) {
        Ok(asked) => asked,
        Err(e) => return audited(&state, &caller, ACTION, &consumer_id, &cid, Err(invalid(&e, &cid))),
    };
    let d1 = state.d1.client();
    let history = match d1.history(&consumer_id, MAX_OPERATIONS, &cid).await {
        Ok(history) => history,
        Err(e) => {
            let refused = problem(e, Target::Consumer(&consumer_id), d1.issuer_id(), false, &cid);
            return audited(&state, &caller, ACTION, &consumer_id, &cid, Err(refused));
        }
    };
    let rows: Vec<Operation> = history.operations.into_iter().filter(|op| asked.query.filter.matches(op, &asked.time_zone)).collect();
    let format = asked.query.format;
    let body = match format {
        ExportFormat::Csv => export::to_csv(&rows),
        ExportFormat::Json => export::to_json(&consumer_id, &Utc::now().to_rfc3339(), history.complete, &rows),
    };
    // The file leaves only once the log shows it: an export the log cannot take is not made.
    let capped = if history.complete { "" } else { " capped" };
    let target = format!("{consumer_id} format={} rows={}{capped}", format.as_str(), rows.len());
    let role = caller.user.role.as_str();
    state.audit.try_record(&caller.user.id, role, ACTION, &target, cid.as_str(), 200).map_err(|e| unwritable_log(e, ACTION, &cid))?;
    Ok(file(&consumer_id, format, body, history.complete, &cid))
}

/// The query as asked, its time zone found.
struct Asked {
    query: ExportQuery,
    time_zone: Tz,
}

fn read_query(raw: &str) -> Result<Asked, ValidationError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
    let query = ExportQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let time_zone = match query.time_zone.as_deref() {
        None => Tz::UTC,
        Some(name) => name.parse().map_err(|_| ValidationError {
            field: "tz",
            message: format!("'{name}' is not a time zone: use an IANA name such as Europe/Paris, or leave it out for UTC"),
        })?,
    };
    Ok(Asked { query, time_zone })
}

/// The file as an attachment, never kept by a cache: it is personal data.
fn file(consumer_id: &str, format: ExportFormat, body: String, complete: bool, cid: &CorrelationId) -> Response {
    // A consumer id is letters, digits, '_' and '-' (D1 answered for it), so the name needs no escaping.
    let disposition = format!("attachment; filename=\"{}\"", export_filename(consumer_id, format.as_str()));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(header::CONTENT_TYPE, format.content_type());
    set(header::CONTENT_DISPOSITION, &disposition);
    set(header::CACHE_CONTROL, "no-store");
    set(HeaderName::from_static(CORRELATION_HEADER), cid.as_str());
    if !complete {
        set(HeaderName::from_static(CAPPED_HEADER), &MAX_OPERATIONS.to_string());
    }
    response
}
