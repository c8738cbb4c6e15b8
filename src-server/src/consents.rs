//! The Consents routes. The gateway calls Apiture Consents with the signed-in person's own token (and
//! the bank's API key), so the API's own rule applies on top of ours: a bank user only ever sees their
//! own consents, whatever the page asks.

use std::collections::HashMap;

use axum::extract::{Query, State};
use console_api::consents::ConsentCollection;
use console_api::d1_client::CorrelationId;
use console_api::gateway::{ApiProblem, ProblemKind};
use console_api::validate::ValidationError;
use console_link::apiture::ApitureError;

use crate::api::{invalid, AppState, Answer, Cid, Problem};
use crate::auth::{Caller, Need};

/// Only what the model knows goes on to the page: the answer is decoded, not passed through.
fn collection(v: serde_json::Value, cid: &CorrelationId) -> Result<ConsentCollection, Problem> {
    serde_json::from_value(v).map_err(|e| problem(ApitureError::Decode(e.to_string()), cid))
}

/// `GET /api/me/consents/needed`: the signed-in customer's pending and stale consents.
pub async fn my_needed(State(state): State<AppState>, Cid(cid): Cid, caller: Caller) -> Result<Answer<ConsentCollection>, Problem> {
    const ACTION: &str = "consents.needed.mine";
    caller.require(Need::Customer, &state, ACTION, &caller.user.id, &cid)?;
    let result = state
        .consents
        .get("neededConsents", &[], &caller.access_token, cid.as_str())
        .await
        .map_err(|e| problem(e, &cid))
        .and_then(|v| collection(v, &cid));
    audit(&state, &caller, ACTION, &caller.user.id, &cid, result).map(|v| Answer(v, cid))
}

/// `GET /api/consents/needed?userId=`: staff look at one user's needed consents.
pub async fn needed_for_user(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    Cid(cid): Cid,
    caller: Caller,
) -> Result<Answer<ConsentCollection>, Problem> {
    const ACTION: &str = "consents.needed.user";
    let user_id = q.get("userId").map(String::as_str).unwrap_or("");
    caller.require(Need::Staff, &state, ACTION, user_id, &cid)?;
    if user_id.is_empty() || user_id.len() > 64 || !user_id.chars().all(|c| c.is_ascii_graphic()) {
        return Err(invalid(
            &ValidationError { field: "userId", message: "must be a user id: 1 to 64 visible ASCII characters".into() },
            &cid,
        ));
    }
    let result = state
        .consents
        .get("neededConsents", &[("userId", user_id)], &caller.access_token, cid.as_str())
        .await
        .map_err(|e| problem(e, &cid))
        .and_then(|v| collection(v, &cid));
    audit(&state, &caller, ACTION, user_id, &cid, result).map(|v| Answer(v, cid))
}

fn audit<T>(state: &AppState, caller: &Caller, action: &str, target: &str, cid: &CorrelationId, result: Result<T, Problem>) -> Result<T, Problem> {
    let status = result.as_ref().map(|_| 200).unwrap_or_else(|p| p.0.status);
    state.audit.record(&caller.user.id, caller.user.role.as_str(), action, target, cid.as_str(), status);
    result
}

/// Apiture's `_error` in plain words; its own message goes to `technical`.
fn problem(e: ApitureError, cid: &CorrelationId) -> Problem {
    let (status, kind, message, technical) = match e {
        ApitureError::Status { status, body } => {
            let technical = body.pointer("/_error/message").and_then(|m| m.as_str()).map(str::to_string);
            match status {
                403 => (403, ProblemKind::Forbidden, "The Consents service does not let you see these consents.".to_string(), technical),
                404 => (404, ProblemKind::NotFound, "No such consent.".to_string(), technical),
                400 => (400, ProblemKind::InvalidInput, "The Consents service refused the request.".to_string(), technical),
                401 => (502, ProblemKind::UpstreamError, "The console could not authenticate to the Consents service. Tell the console's operators.".to_string(), technical),
                s => (502, ProblemKind::UpstreamError, format!("The Consents service failed to answer ({s}). Try again in a moment."), technical),
            }
        }
        ApitureError::Unreachable(t) => (503, ProblemKind::UpstreamUnavailable, "The Consents service could not be reached. Try again in a moment.".to_string(), Some(t)),
        ApitureError::Decode(t) => (502, ProblemKind::UpstreamError, "The Consents service answered in a way the console does not understand.".to_string(), Some(t)),
    };
    Problem::new(ApiProblem { status, kind, message, field: None, correlation_id: Some(cid.as_str().to_string()), technical })
}
