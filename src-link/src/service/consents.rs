//! The Consents routes. The gateway calls Apiture Consents with the signed-in person's own token (and
//! the bank's API key), so the API's own rule applies on top of ours: a bank user only ever sees their
//! own consents, whatever the page asks.

use std::collections::HashMap;

use axum::extract::{Query, State};
use console_api::consents::ConsentCollection;
use console_api::d1_client::CorrelationId;
use console_api::gateway::ProblemKind;
use console_api::validate;
use crate::apiture::ApitureError;

use crate::service::{audited, invalid, ServiceState, Answer, Cid, Problem};
use crate::service::{Caller, Need};

/// `GET /api/me/consents/needed`: the signed-in customer's pending and stale consents, consolidated.
pub async fn my_needed(State(state): State<ServiceState>, Cid(cid): Cid, caller: Caller) -> Result<Answer<ConsentCollection>, Problem> {
    const ACTION: &str = "consents.needed.mine";
    caller.require(Need::Customer, &state, ACTION, &caller.user.id, &cid)?;
    // One per type and document: the page asks once for what the API gives together (scope=matching).
    needed(&state, &caller, ACTION, &caller.user.id, &[("consolidate", "true")], cid).await
}

/// `GET /api/consents/needed?userId=`: staff look at one user's needed consents.
pub async fn needed_for_user(
    State(state): State<ServiceState>,
    Query(q): Query<HashMap<String, String>>,
    Cid(cid): Cid,
    caller: Caller,
) -> Result<Answer<ConsentCollection>, Problem> {
    const ACTION: &str = "consents.needed.user";
    let user_id = q.get("userId").map(String::as_str).unwrap_or("");
    caller.require(Need::Staff, &state, ACTION, user_id, &cid)?;
    validate::USER_ID.check(user_id).map_err(|e| invalid(&e, &cid))?;
    needed(&state, &caller, ACTION, user_id, &[("userId", user_id)], cid).await
}

/// Apiture's `neededConsents` with the caller's own token, decoded into the model (only what it knows
/// goes on to the page) and audited.
async fn needed(
    state: &ServiceState,
    caller: &Caller,
    action: &str,
    target: &str,
    query: &[(&str, &str)],
    cid: CorrelationId,
) -> Result<Answer<ConsentCollection>, Problem> {
    let result = state.consents.get("neededConsents", query, &caller.access_token, cid.as_str()).await;
    if let Err(ApitureError::InvalidToken { .. }) = &result {
        // Revoked or expired upstream: the person's sign-in is over, so is the session; the page's 401
        // sends them to sign in again.
        caller.end_session();
    }
    let result = result.map_err(|e| problem(e, &cid));
    audited(state, caller, action, target, &cid, result).map(|v| Answer(v, cid))
}

/// Apiture's `_error` in plain words; its own message goes to `technical`.
pub(crate) fn problem(e: ApitureError, cid: &CorrelationId) -> Problem {
    let (status, kind, message, technical) = match e {
        ApitureError::InvalidToken { body } => {
            let technical = body.pointer("/_error/message").and_then(|m| m.as_str()).map(str::to_string);
            (401, ProblemKind::Unauthorized, "Your sign-in has ended. Sign in again.".to_string(), technical)
        }
        ApitureError::Status { status, body } => {
            let technical = body.pointer("/_error/message").and_then(|m| m.as_str()).map(str::to_string);
            match status {
                403 => (403, ProblemKind::Forbidden, "The Consents service does not let you see these consents.".to_string(), technical),
                404 => (404, ProblemKind::NotFound, "No such consent.".to_string(), technical),
                400 => (400, ProblemKind::InvalidInput, "The Consents service refused the request.".to_string(), technical),
                // Any other 401 is about the console's own API key.
                401 => (502, ProblemKind::UpstreamError, "The console could not authenticate to the Consents service. Tell the console's operators.".to_string(), technical),
                s => (502, ProblemKind::UpstreamError, format!("The Consents service failed to answer ({s}). Try again in a moment."), technical),
            }
        }
        // The details name upstream URLs or our decoder's view: the log gets them, the page never does.
        ApitureError::Unreachable(t) => {
            tracing::warn!(correlation_id = cid.as_str(), detail = %t, "Consents could not be reached");
            (503, ProblemKind::UpstreamUnavailable, "The Consents service could not be reached. Try again in a moment.".to_string(), None)
        }
        ApitureError::Decode(t) => {
            tracing::warn!(correlation_id = cid.as_str(), detail = %t, "Consents' answer did not decode");
            (502, ProblemKind::UpstreamError, "The Consents service answered in a way the console does not understand.".to_string(), None)
        }
    };
    Problem::of(status, kind, message, cid).with_technical(technical)
}
