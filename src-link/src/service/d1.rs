//! The D1 routes of [`console_api::gateway::routes`], each a typed D1 call through [`crate::D1Link`]: a
//! consumer's operations and one operation (staff), deleting a consumer, registering and deleting an
//! account (admins, audited before and after). D1's errors become plain problems with the correlation id
//! (transport details only in the log).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use console_api::d1::{ReasonBody, RegisterAccount};
use console_api::d1_client::{CorrelationId, D1Error};
use console_api::gateway::ProblemKind;
use console_api::transport::TransportError;
use console_api::validate::{self, ValidationError};

use super::{attempt, audited, body, invalid, Answer, Caller, Cid, Need, Problem, ServiceState};

/// What a call was about, to word "not found".
pub enum Target<'a> {
    Consumer(&'a str),
    Operation(&'a str, &'a str),
    Account(&'a str),
}

pub fn problem(e: D1Error, target: Target<'_>, issuer: &str, write: bool, cid: &CorrelationId) -> Problem {
    let (status, kind, message, technical) = match e {
        D1Error::Invalid(v) => return invalid(&v, cid),
        D1Error::OperationFailed { operation_id, error, .. } => return operation_failed(operation_id, error, cid),
        D1Error::Status { status: 404, error } => {
            let message = match target {
                Target::Consumer(c) => format!("No consumer '{c}' at issuer {issuer}."),
                Target::Operation(c, o) => format!("No operation '{o}' for consumer '{c}' (D1 keeps operations for 3 months)."),
                Target::Account(a) => format!("No account '{a}' at issuer {issuer}."),
            };
            (404, ProblemKind::NotFound, message, error)
        }
        D1Error::Status { status: 400, error } => {
            let message = match target {
                Target::Consumer(c) if write => format!("D1 refused the request for consumer '{c}': it may not exist or may already be deleted."),
                _ => "D1 refused the request.".to_string(),
            };
            (400, ProblemKind::UpstreamError, message, error)
        }
        D1Error::Status { status: 401 | 403, error } => (
            502,
            ProblemKind::UpstreamError,
            "The console could not authenticate to D1. Tell the console's operators.".to_string(),
            error,
        ),
        // D1 busy or its gateway timed out: GETs were already retried (console-link), so "later".
        D1Error::Status { status: status @ (503 | 504), error } => (
            503,
            ProblemKind::UpstreamUnavailable,
            if write {
                format!("D1 is unavailable ({status}). Check the timeline before trying again.")
            } else {
                format!("D1 is unavailable ({status}). Try again in a moment.")
            },
            error,
        ),
        D1Error::Status { status, error } => (
            502,
            ProblemKind::UpstreamError,
            if write {
                format!("D1 could not complete the request ({status}). Check the timeline before trying again.")
            } else {
                format!("D1 failed to answer ({status}). Try again in a moment.")
            },
            error,
        ),
        D1Error::Transport(t) => {
            // The transport's own text names upstream URLs: the log gets it, the page never does.
            tracing::warn!(correlation_id = cid.as_str(), detail = %t, "D1 exchange failed");
            let operators = |what: &str| (502, ProblemKind::UpstreamError, format!("{what} Tell the console's operators."), None);
            match t {
                TransportError::Unauthenticated { upstream_error, .. } => {
                    (502, ProblemKind::UpstreamError, "The console could not authenticate to D1. Tell the console's operators.".to_string(), upstream_error)
                }
                TransportError::Untrusted(_) => operators("The console does not trust D1's TLS certificate."),
                TransportError::Other(_) => operators("The console could not call D1."),
                TransportError::Connect(_) if write => (
                    503,
                    ProblemKind::UpstreamUnavailable,
                    "D1 could not be reached; the request was not sent. Try again in a moment.".to_string(),
                    None,
                ),
                TransportError::Connect(_) | TransportError::Timeout | TransportError::Interrupted(_) if !write => {
                    (503, ProblemKind::UpstreamUnavailable, "D1 could not be reached. Try again in a moment.".to_string(), None)
                }
                TransportError::Connect(_) | TransportError::Timeout | TransportError::Interrupted(_) => (
                    503,
                    ProblemKind::UpstreamUnavailable,
                    "D1 did not answer. The request may or may not have been carried out: check the timeline before trying again.".to_string(),
                    None,
                ),
            }
        }
        D1Error::Decode(d) => {
            tracing::warn!(correlation_id = cid.as_str(), detail = %d, "D1's answer did not decode");
            (502, ProblemKind::UpstreamError, "D1 answered in a way the console does not understand.".to_string(), None)
        }
    };
    tracing::warn!(correlation_id = cid.as_str(), status, technical = technical.as_deref().unwrap_or(""), "{message}");
    Problem::of(status, kind, message, cid).with_technical(technical)
}

/// D1 answered that the delete FAILED (seed 001's 500 `{operationId, status: FAILED, error}`): a definite
/// answer, nothing was deleted, and the problem names the failed operation. D1's `error` text stays for
/// "technical details".
fn operation_failed(operation_id: Option<String>, error: Option<String>, cid: &CorrelationId) -> Problem {
    let message = console_api::page::failed_delete_message(operation_id.as_deref());
    tracing::warn!(
        correlation_id = cid.as_str(),
        operation_id = operation_id.as_deref().unwrap_or(""),
        technical = error.as_deref().unwrap_or(""),
        "{message}"
    );
    let mut problem = Problem::of(502, ProblemKind::OperationFailed, message, cid).with_technical(error);
    problem.0.operation_id = operation_id;
    problem
}

fn number(q: &HashMap<String, String>, name: &'static str, default: u32, cid: &CorrelationId) -> Result<u32, Problem> {
    match q.get(name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| {
            invalid(&ValidationError { field: name, message: format!("'{v}' is not a whole number from 0 up") }, cid)
        }),
    }
}

pub async fn list_operations(
    State(state): State<ServiceState>,
    Path(consumer_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    Cid(cid): Cid,
    caller: Caller,
) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "d1.operations.list";
    caller.require(Need::Staff, &state, ACTION, &consumer_id, &cid)?;
    let offset = number(&q, "offset", 0, &cid)?;
    let limit = number(&q, "limit", validate::LIMIT_DEFAULT, &cid)?;
    let d1 = state.d1.client();
    let result = match d1.list_operations(&consumer_id, offset, limit, &cid).await {
        Ok(page) => Ok(page),
        Err(e) => Err(problem(e, Target::Consumer(&consumer_id), d1.issuer_id(), false, &cid)),
    };
    audited(&state, &caller, ACTION, &consumer_id, &cid, result).map(|page| Answer(page, cid))
}

pub async fn get_operation(
    State(state): State<ServiceState>,
    Path((consumer_id, operation_id)): Path<(String, String)>,
    Cid(cid): Cid,
    caller: Caller,
) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "d1.operation.get";
    let target = format!("{consumer_id}/{operation_id}");
    caller.require(Need::Staff, &state, ACTION, &target, &cid)?;
    let d1 = state.d1.client();
    let result = match d1.get_operation(&consumer_id, &operation_id, &cid).await {
        Ok(op) => Ok(op),
        Err(e) => Err(problem(e, Target::Operation(&consumer_id, &operation_id), d1.issuer_id(), false, &cid)),
    };
    audited(&state, &caller, ACTION, &target, &cid, result).map(|op| Answer(op, cid))
}

/// The admin's request body, or the problem that ends the write before D1 hears of it: a refusal
/// (audited by `require`) or a body that is not what the route takes (audited here).
fn admin_body<B: serde::de::DeserializeOwned>(
    state: &ServiceState,
    caller: &Caller,
    action: &str,
    target: &str,
    cid: &CorrelationId,
    bytes: &[u8],
) -> Result<B, Problem> {
    caller.require(Need::Admin, state, action, target, cid)?;
    body(bytes, cid).inspect_err(|p| {
        state.audit.record(&caller.user.id, caller.user.role.as_str(), action, target, cid.as_str(), p.0.status);
    })
}

pub async fn delete_consumer(
    State(state): State<ServiceState>,
    Path(consumer_id): Path<String>,
    Cid(cid): Cid,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "d1.consumer.delete";
    let reason: ReasonBody = admin_body(&state, &caller, ACTION, &consumer_id, &cid, &bytes)?;
    attempt(&state, &caller, ACTION, &consumer_id, &cid)?;
    let d1 = state.d1.client();
    let result = d1.delete_consumer(&consumer_id, &reason, &cid).await;
    let result = result.map_err(|e| problem(e, Target::Consumer(&consumer_id), d1.issuer_id(), true, &cid));
    audited(&state, &caller, ACTION, &consumer_id, &cid, result).map(|r| Answer(r, cid))
}

pub async fn register_account(
    State(state): State<ServiceState>,
    Path(account_id): Path<String>,
    Cid(cid): Cid,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "d1.account.register";
    let account: RegisterAccount = admin_body(&state, &caller, ACTION, &account_id, &cid, &bytes)?;
    attempt(&state, &caller, ACTION, &account_id, &cid)?;
    let d1 = state.d1.client();
    let result = d1.register_account(&account_id, &account, &cid).await;
    let result = result.map_err(|e| problem(e, Target::Consumer(&account.consumer_id), d1.issuer_id(), true, &cid));
    audited(&state, &caller, ACTION, &account_id, &cid, result).map(|()| Answer((), cid))
}

pub async fn delete_account(
    State(state): State<ServiceState>,
    Path(account_id): Path<String>,
    Cid(cid): Cid,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "d1.account.delete";
    let reason: ReasonBody = admin_body(&state, &caller, ACTION, &account_id, &cid, &bytes)?;
    attempt(&state, &caller, ACTION, &account_id, &cid)?;
    let d1 = state.d1.client();
    let result = d1.delete_account(&account_id, &reason, &cid).await;
    let result = result.map_err(|e| problem(e, Target::Account(&account_id), d1.issuer_id(), true, &cid));
    audited(&state, &caller, ACTION, &account_id, &cid, result).map(|r| Answer(r, cid))
}

