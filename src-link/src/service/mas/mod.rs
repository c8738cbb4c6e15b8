//! `/api/mas`: MasStack MasCustomers v4 for staff: agents read, admins act, customers are refused (403,
//! audited). Every call is made in the environment's org (`mas_org`) with the console's own MasStack
//! token (`console-link`'s [`crate::mas::MasLink`]); the page names accounts and customers only.
//!
//! Ids, dates, IBANs and bodies are checked with [`console_api::mas`]'s rules before MasCustomers hears of
//! them: a 400 naming the field, audited. A write is audited twice: its `attempt` line before the call
//! ([`crate::service::attempt`]; no line, no call) and its outcome after. MasCustomers' ErrorResponse stays in
//! the problem ([`problem`]) so that the page can explain a 409.
//!
//! * [`accounts`]: a customer's account ids, create, delete; one account.
//! * [`payment`]: the available payment methods and the change of method.
//! * [`promotions`]: current promotions, by type, their history, and a cancellation.
//! * [`billing`]: the billing address history of a date range.

pub mod accounts;
pub mod billing;
pub mod payment;
pub mod promotions;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch};
use axum::Router;
use console_api::d1_client::CorrelationId;
use console_api::gateway::mas::routes;
use console_api::gateway::{JsonText, ProblemKind, CORRELATION_HEADER};
use console_api::mas::check;
use console_api::mas_client::MasError;
use console_api::transport::TransportError;
use console_api::validate::ValidationError;

use crate::service::consents_staff::{only, query_pairs};
use crate::service::{audited, invalid, Answer, Caller, Cid, Need, Problem, ServiceState};

pub fn router() -> Router<ServiceState> {
    Router::new()
        .route(routes::CUSTOMER_ACCOUNTS, get(accounts::account_ids).post(accounts::create))
        .route(routes::CUSTOMER_ACCOUNT, delete(accounts::delete))
        .route(routes::PAYMENT_METHODS, get(payment::available))
        .route(routes::ACCOUNT, get(accounts::get_account))
        .route(routes::PAYMENT_METHOD, patch(payment::change))
        .route(routes::BILLING_ADDRESS_HISTORY, get(billing::history))
        .route(routes::PROMOTIONS, get(promotions::current))
        .route(routes::ACCOUNT_PROMOTIONS, get(promotions::by_type))
        .route(routes::PROMOTIONS_HISTORY, get(promotions::history))
        .route(routes::PROMOTION, patch(promotions::cancel))
}

/// A uuid of the path, or the 400 naming it.
pub(crate) fn uuid(field: &'static str, value: &str, cid: &CorrelationId) -> Result<(), Problem> {
    check::uuid(field, value).map_err(|e| invalid(&e, cid))
}

/// A staff read: the role first (a refusal is a 403, audited), then `read` (its input checks and the
/// call, run only now), its outcome audited.
pub(crate) async fn staff_read<T>(
    state: &ServiceState,
    caller: &Caller,
    action: &str,
    target: &str,
    cid: &CorrelationId,
    read: impl std::future::Future<Output = Result<T, Problem>>,
) -> Result<Answer<T>, Problem> {
    caller.require(Need::Staff, state, action, target, cid)?;
    let result = read.await;
    audited(state, caller, action, target, cid, result).map(|v| Answer(v, cid.clone()))
}

/// The account a read is about and its query, as the path and the URL give them: checked by
/// [`AccountRead::query`] inside the read, so that the role is checked (and a refusal audited) first.
pub struct AccountRead {
    pub id: String,
    raw: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for AccountRead {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let cid = Cid::from_request_parts(parts, state).await?.0;
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| invalid(&ValidationError { field: "account_id", message: e.body_text() }, &cid))?;
        Ok(AccountRead { id, raw: parts.uri.query().map(str::to_string) })
    }
}

impl AccountRead {
    /// The query's pairs, checked with the account id: a uuid, and no parameter but `allowed`.
    pub fn query(&self, allowed: &[&str], cid: &CorrelationId) -> Result<Vec<(String, String)>, Problem> {
        uuid("account_id", &self.id, cid)?;
        let pairs = query_pairs(self.raw.as_deref());
        only(&pairs, allowed, cid)?;
        Ok(pairs)
    }
}

/// A write's input refused before anything was sent (no attempt line: nothing was attempted), audited.
pub(crate) fn refuse_input<T>(state: &ServiceState, caller: &Caller, action: &str, target: &str, cid: &CorrelationId, checked: Result<T, Problem>) -> Result<T, Problem> {
    match checked {
        Ok(v) => Ok(v),
        Err(p) => audited(state, caller, action, target, cid, Err(p)),
    }
}

/// An answer without a body (204, 202) under the use case's correlation id.
pub(crate) fn status_only(status: StatusCode, cid: &CorrelationId) -> Response {
    let mut response = status.into_response();
    if let Ok(v) = HeaderValue::from_str(cid.as_str()) {
        response.headers_mut().insert(CORRELATION_HEADER, v);
    }
    response
}

/// MasCustomers' failure as the page's problem. Its ErrorResponse is kept: `code` in `errorType`,
/// `details` in `attributes`, `message` as the problem's words on a 409 (it says what stands in the way)
/// and in `technical` otherwise. Transport details (they name URLs) go to the log only.
pub(crate) fn problem(e: MasError, write: bool, cid: &CorrelationId) -> Problem {
    match e {
        MasError::Invalid(v) => invalid(&v, cid),
        MasError::Api { status, error } => {
            let theirs = error.as_ref().map(|e| e.message.clone());
            let code = error.as_ref().map(|e| e.code.clone());
            let not_found = match code.as_ref().map(|c| c.as_str()) {
                Some("CUSTOMER_NOT_FOUND") => "MasCustomers has no such customer.",
                Some("PROMOTION_NOT_FOUND") => "This account has no such promotion.",
                _ => "MasCustomers has no such account.",
            };
            let (status, kind, message) = match status {
                400 | 422 => (400, ProblemKind::InvalidInput, format!("MasCustomers refused the request: {}", theirs.clone().unwrap_or_default())),
                404 => (404, ProblemKind::NotFound, not_found.to_string()),
                409 => (409, ProblemKind::UpstreamError, theirs.clone().unwrap_or_else(|| "MasCustomers refused the change: it conflicts with the account's state.".into())),
                401 | 403 => (502, ProblemKind::UpstreamError, "The console could not authenticate to MasCustomers. Tell the console's operators.".to_string()),
                503 | 504 if write => (503, ProblemKind::UpstreamUnavailable, format!("MasCustomers is unavailable ({status}). Check the account before trying again.")),
                503 | 504 => (503, ProblemKind::UpstreamUnavailable, format!("MasCustomers is unavailable ({status}). Try again in a moment.")),
                s if write => (502, ProblemKind::UpstreamError, format!("MasCustomers could not complete the request ({s}). Check the account before trying again.")),
                s => (502, ProblemKind::UpstreamError, format!("MasCustomers failed to answer ({s}). Try again in a moment.")),
            };
            tracing::warn!(correlation_id = cid.as_str(), status, code = code.as_ref().map(|c| c.as_str()).unwrap_or("-"), technical = theirs.as_deref().unwrap_or(""), "{message}");
            let mut p = Problem::of(status, kind, message, cid).with_technical(theirs);
            if let Some(error) = error {
                p.0.field = error.details.iter().find_map(|d| d.field.clone());
                p.0.error_type = Some(error.code.as_str().to_string());
                if !error.details.is_empty() {
                    p.0.attributes = JsonText::of(&error.details);
                }
            }
            p
        }
        MasError::Transport(t) => {
            tracing::warn!(correlation_id = cid.as_str(), detail = %t, "MasCustomers exchange failed");
            let operators = |what: &str| Problem::of(502, ProblemKind::UpstreamError, format!("{what} Tell the console's operators."), cid);
            let unavailable = |what: &str| Problem::of(503, ProblemKind::UpstreamUnavailable, what.to_string(), cid);
            match t {
                TransportError::Unauthenticated { upstream_error, .. } => {
                    operators("The console could not authenticate to MasCustomers.").with_technical(upstream_error)
                }
                TransportError::Untrusted(_) => operators("The console does not trust MasCustomers' TLS certificate."),
                TransportError::Other(_) => operators("The console could not call MasCustomers."),
                TransportError::Connect(_) if write => unavailable("MasCustomers could not be reached; the change was not sent. Try again in a moment."),
                TransportError::Connect(_) | TransportError::Timeout | TransportError::Interrupted(_) if !write => {
                    unavailable("MasCustomers could not be reached. Try again in a moment.")
                }
                TransportError::Connect(_) | TransportError::Timeout | TransportError::Interrupted(_) => unavailable(
                    "MasCustomers did not answer. The change may or may not have been made: check the account before trying again.",
                ),
            }
        }
        MasError::Decode(d) => {
            tracing::warn!(correlation_id = cid.as_str(), detail = %d, "MasCustomers' answer did not decode");
            Problem::of(502, ProblemKind::UpstreamError, "MasCustomers answered in a way the console does not understand.", cid)
        }
    }
}
