//! `/api/people`: the bank's customer directory, for staff (admins and agents; customers 403, audited).
//! The search box asks `GET /api/people?q=` and the customer page `GET /api/people/{anyId}`; each answer
//! is the directory's, through the console's own directory token (`console-link`), which the page never sees.
//!
//! `q` and the id are checked before the directory hears of them: a 400 naming the field, audited (the audit
//! line's target is their first 100 printable characters: `console_api::validate::audit_target`).

use axum::extract::{Path, RawQuery, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use console_api::d1_client::CorrelationId;
use console_api::directory::{DirectoryError, PersonId, SearchText};
use console_api::gateway::people::routes;
use console_api::gateway::ProblemKind;
use console_api::transport::TransportError;
use console_api::validate::audit_target;

use crate::service::{audited, invalid, Answer, ServiceState, Cid, Problem};
use crate::service::{Caller, Need};
use crate::service::consents_staff::{only, query_pairs};

pub fn router() -> Router<ServiceState> {
    Router::new().route(routes::PEOPLE, get(search)).route(routes::PERSON, get(person))
}

async fn search(State(state): State<ServiceState>, RawQuery(raw): RawQuery, Cid(cid): Cid, caller: Caller) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "directory.search";
    let pairs = query_pairs(raw.as_deref());
    let typed = pairs.iter().find(|(k, _)| k == "q").map(|(_, v)| v.as_str()).unwrap_or_default().to_string();
    // Logged before it is checked: cut, so that a long or multi-line `q` is one short line.
    let target = audit_target(&typed);
    caller.require(Need::Staff, &state, ACTION, &target, &cid)?;
    let result = async {
        only(&pairs, &["q"], &cid)?;
        let q = SearchText::parse(&typed).map_err(|e| invalid(&e, &cid))?;
        state.directory.client().search(&q, cid.as_str()).await.map_err(|e| problem(e, &cid))
    }
    .await;
    audited(&state, &caller, ACTION, &target, &cid, result).map(|people| Answer(people, cid))
}

async fn person(State(state): State<ServiceState>, Path(id): Path<String>, Cid(cid): Cid, caller: Caller) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "directory.person";
    let target = audit_target(&id);
    caller.require(Need::Staff, &state, ACTION, &target, &cid)?;
    let result = async {
        let person_id = PersonId::parse(&id).map_err(|e| invalid(&e, &cid))?;
        state.directory.client().person(&person_id, cid.as_str()).await.map_err(|e| match e {
            DirectoryError::NotFound => {
                Problem::of(404, ProblemKind::NotFound, format!("Nobody in the customer directory has the id '{id}'."), &cid)
            }
            e => problem(e, &cid),
        })
    }
    .await;
    audited(&state, &caller, ACTION, &target, &cid, result).map(|person| Answer(person, cid))
}

/// The directory's failure in plain words; its own words and the transport's details go to the log only.
fn problem(e: DirectoryError, cid: &CorrelationId) -> Problem {
    let operators = |what: &str| Problem::of(502, ProblemKind::UpstreamError, format!("{what} Tell the console's operators."), cid);
    let unavailable = || Problem::of(503, ProblemKind::UpstreamUnavailable, "The customer directory could not be reached. Try again in a moment.", cid);
    tracing::warn!(correlation_id = cid.as_str(), detail = %e, "directory call failed");
    match e {
        DirectoryError::Invalid(v) => invalid(&v, cid),
        DirectoryError::NotFound => Problem::of(404, ProblemKind::NotFound, "Nobody in the customer directory has that id.", cid),
        DirectoryError::Unauthenticated { message, .. } => {
            operators("The console could not authenticate to the customer directory.").with_technical(message)
        }
        DirectoryError::Status { status: 503 | 504, .. } => unavailable(),
        // A bank's directory may be stricter than the console's check: its words say what to change.
        DirectoryError::Status { status: 400 | 422, message } => Problem::of(
            400,
            ProblemKind::InvalidInput,
            format!("The customer directory refused the search: {}", message.as_deref().unwrap_or("it gave no reason")),
            cid,
        ),
        DirectoryError::Status { status, message } => Problem::of(502, ProblemKind::UpstreamError, format!("The customer directory failed to answer ({status}). Try again in a moment."), cid)
            .with_technical(message),
        DirectoryError::Transport(t) => match t {
            TransportError::Unauthenticated { upstream_error, .. } => {
                operators("The console could not authenticate to the customer directory.").with_technical(upstream_error)
            }
            TransportError::Untrusted(_) => operators("The console does not trust the customer directory's TLS certificate."),
            TransportError::Other(_) => operators("The console could not call the customer directory."),
            TransportError::Connect(_) | TransportError::Timeout | TransportError::Interrupted(_) => unavailable(),
        },
        DirectoryError::Decode(_) => operators("The customer directory answered in a way the console does not understand."),
    }
}
