//! The `/api` surface: exactly the routes of [`console_api::gateway::routes`], each a typed D1 call made
//! through `console-link`. That list is the allow-list: nothing else is forwarded upstream.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, put};
use axum::{Json, Router};
use console_api::d1::{ReasonBody, RegisterAccount};
use console_api::d1_client::{CorrelationId, D1Error};
use console_api::gateway::{routes, ApiProblem, ProblemKind, SessionInfo, CORRELATION_HEADER};
use console_api::transport::TransportError;
use console_api::validate::{self, ValidationError};
use console_link::correlation::new_correlation_id;
use console_link::apiture::ApitureLink;
use console_link::user_auth::UserAuth;
use console_link::directory::DirectoryLink;
use console_link::mas::MasLink;
use console_link::D1Link;
use serde::Serialize;

use crate::audit::{AuditError, AuditLog};
use crate::auth::{Caller, Need, WebOrigin};
use crate::session::SessionStore;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub link: D1Link,
    /// The bank's customer directory (the console's own token).
    pub directory: DirectoryLink,
    /// MasCustomers in the environment's org (the console's own MasStack token).
    pub mas: MasLink,
    /// What `/api/session` says before anyone signs in (environment, product, version, issuer).
    pub about: SessionInfo,
    pub auth: Arc<UserAuth>,
    pub sessions: Arc<SessionStore>,
    pub consents: ApitureLink,
    pub audit: Arc<AuditLog>,
    pub web: WebOrigin,
    pub sign_in: Arc<crate::sign_in::SignIn>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(crate::auth::router())
        .route(routes::SESSION, get(session))
        .route(routes::MY_NEEDED_CONSENTS, get(crate::consents::my_needed))
        .route(routes::NEEDED_CONSENTS, get(crate::consents::needed_for_user))
        .merge(crate::consents_me::router())
        .merge(crate::consents_staff::router())
        .merge(crate::people::router())
        .merge(crate::mas::router())
        .route(routes::OPERATIONS, get(list_operations))
        .route(routes::OPERATION, get(get_operation))
        .route(routes::DELETE_CONSUMER, post(delete_consumer))
        .route(routes::ACCOUNT, put(register_account))
        .route(routes::DELETE_ACCOUNT, post(delete_account))
        .route(routes::EXPORT_OPERATIONS, get(crate::export::operations))
        // Anything else under /api is ours to refuse: never forwarded, never the SPA's index.html.
        .route("/api", any(unknown_api_route))
        .route("/api/{*rest}", any(unknown_api_route))
        .with_state(state)
}

/// A problem, sent with its status and correlation id.
/// Boxed: a problem travels in every handler's `Err`, which should stay a pointer wide.
pub struct Problem(pub Box<ApiProblem>);

impl Problem {
    pub fn new(problem: ApiProblem) -> Self {
        Problem(Box::new(problem))
    }

    /// A problem in plain words under the use case's correlation id.
    pub fn of(status: u16, kind: ProblemKind, message: impl Into<String>, cid: &CorrelationId) -> Self {
        Problem::new(ApiProblem { correlation_id: Some(cid.as_str().to_string()), ..ApiProblem::new(status, kind, message) })
    }

    /// With the upstream's own words, which the page shows only behind "technical details".
    pub fn with_technical(mut self, technical: Option<String>) -> Self {
        self.0.technical = technical;
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let cid = self.0.correlation_id.clone();
        let mut response = (status, Json(*self.0)).into_response();
        if let Some(v) = cid.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.headers_mut().insert(CORRELATION_HEADER, v);
        }
        response
    }
}

pub fn invalid(e: &ValidationError, cid: &CorrelationId) -> Problem {
    Problem::new(ApiProblem { correlation_id: Some(cid.as_str().to_string()), ..ApiProblem::invalid(e) })
}

/// A JSON answer carrying the correlation id it was made under.
pub struct Answer<T>(pub T, pub CorrelationId);

impl<T: Serialize> IntoResponse for Answer<T> {
    fn into_response(self) -> Response {
        let mut response = Json(self.0).into_response();
        if let Ok(v) = HeaderValue::from_str(self.1.as_str()) {
            response.headers_mut().insert(CORRELATION_HEADER, v);
        }
        response
    }
}

/// The use case's correlation id: the page's, when it sent a valid one, else a fresh one. Kept in the
/// request's extensions, so that every extractor of one request (a handler's and its [`crate::auth::Caller`])
/// sees the same id.
pub struct Cid(pub CorrelationId);

impl<S: Send + Sync> FromRequestParts<S> for Cid {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(cid) = parts.extensions.get::<CorrelationId>() {
            return Ok(Cid(cid.clone()));
        }
        let cid = Self::read(parts)?;
        parts.extensions.insert(cid.0.clone());
        Ok(cid)
    }
}

impl Cid {
    fn read(parts: &Parts) -> Result<Self, Problem> {
        match parts.headers.get(CORRELATION_HEADER) {
            None => Ok(Cid(new_correlation_id())),
            Some(v) => {
                let s = v.to_str().unwrap_or("\u{0}");
                CorrelationId::parse(s).map(Cid).map_err(|e| {
                    // The page's id is unusable, so this answer gets one of ours to be traced by.
                    let mut p = invalid(&e, &new_correlation_id());
                    p.0.message = format!("The x-correlation-id header {}", e.message);
                    p
                })
            }
        }
    }
}

/// What a call was about, to word "not found".
pub(crate) enum Target<'a> {
    Consumer(&'a str),
    Operation(&'a str, &'a str),
    Account(&'a str),
}

pub(crate) fn problem(e: D1Error, target: Target<'_>, issuer: &str, write: bool, cid: &CorrelationId) -> Problem {
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

/// Who is signed in. Nobody signed in is not an error here: the page needs to know it to send the
/// person to sign in.
async fn session(State(state): State<AppState>, request: axum::extract::Request) -> Result<Response, Problem> {
    let (mut parts, _) = request.into_parts();
    let mut info = SessionInfo { issuer_id: None, user: None, csrf_token: None, ..state.about.clone() };
    match Caller::extract(&mut parts, &state, true).await {
        Ok(caller) => {
            if caller.user.role.is_staff() {
                info.issuer_id.clone_from(&state.about.issuer_id);
            }
            info.user = Some(caller.user);
            info.csrf_token = Some(caller.csrf_token);
        }
        Err(p) if p.0.status == 401 => {}
        Err(p) => return Err(p),
    }
    let mut response = Json(info).into_response();
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Records the call in the audit log with its outcome, and passes the result on. A background refresh of
/// the page gets its line only when this session's log does not show the same read (action, target,
/// outcome) yet: one line per poll would bury what people did, but the header is the page's to send, so
/// it may spare repeats, never hide a read.
pub fn audited<T>(
    state: &AppState,
    caller: &Caller,
    action: &str,
    target: &str,
    cid: &CorrelationId,
    result: Result<T, Problem>,
) -> Result<T, Problem> {
    let status = match &result {
        Ok(_) => 200,
        Err(p) => p.0.status,
    };
    // Every line is noted, a person's own too: the polls that follow what they opened are its repeats. A
    // repeat is the same request (page and size included) from the same client address, so a stolen
    // cookie replaying it from elsewhere, or paging through a history, is logged. A read is noted only
    // once its line is written: a line lost to a full disk is written again by the next repeat.
    let client = crate::audit::RequestScope::client_now().map(|a| a.to_string()).unwrap_or_default();
    let read = format!("{target}\0{}\0{client}", caller.request);
    if caller.background && caller.audited_reads.seen(action, &read, status) {
        return result;
    }
    if state.audit.try_record(&caller.user.id, caller.user.role.as_str(), action, target, cid.as_str(), status).is_ok() {
        caller.audited_reads.note(action, &read, status);
    }
    result
}

/// Writes the `attempt` line of a write before it goes upstream; when the log cannot take it, the write is
/// not made (503): an action the audit log does not show must not happen.
pub fn attempt(state: &AppState, caller: &Caller, action: &str, target: &str, cid: &CorrelationId) -> Result<(), Problem> {
    let logged = state.audit.attempt(&caller.user.id, caller.user.role.as_str(), action, target, cid.as_str());
    logged.map_err(|e| unwritable_log(e, action, cid))
}

/// 503: the audit log cannot take the line an action needs, so the action was not done.
pub(crate) fn unwritable_log(e: AuditError, action: &str, cid: &CorrelationId) -> Problem {
    tracing::error!(correlation_id = cid.as_str(), action, "refused: {e}");
    Problem::of(503, ProblemKind::Internal, "The console cannot write its audit log, so nothing was done. Tell the console's operators.", cid)
}

fn number(q: &HashMap<String, String>, name: &'static str, default: u32, cid: &CorrelationId) -> Result<u32, Problem> {
    match q.get(name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| {
            invalid(&ValidationError { field: name, message: format!("'{v}' is not a whole number from 0 up") }, cid)
        }),
    }
}

async fn list_operations(
    State(state): State<AppState>,
    Path(consumer_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    Cid(cid): Cid,
    caller: Caller,
) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "d1.operations.list";
    caller.require(Need::Staff, &state, ACTION, &consumer_id, &cid)?;
    let offset = number(&q, "offset", 0, &cid)?;
    let limit = number(&q, "limit", validate::LIMIT_DEFAULT, &cid)?;
    let d1 = state.link.client();
    let result = match d1.list_operations(&consumer_id, offset, limit, &cid).await {
        Ok(page) => Ok(page),
        Err(e) => Err(problem(e, Target::Consumer(&consumer_id), d1.issuer_id(), false, &cid)),
    };
    audited(&state, &caller, ACTION, &consumer_id, &cid, result).map(|page| Answer(page, cid))
}

async fn get_operation(
    State(state): State<AppState>,
    Path((consumer_id, operation_id)): Path<(String, String)>,
    Cid(cid): Cid,
    caller: Caller,
) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "d1.operation.get";
    let target = format!("{consumer_id}/{operation_id}");
    caller.require(Need::Staff, &state, ACTION, &target, &cid)?;
    let d1 = state.link.client();
    let result = match d1.get_operation(&consumer_id, &operation_id, &cid).await {
        Ok(op) => Ok(op),
        Err(e) => Err(problem(e, Target::Operation(&consumer_id, &operation_id), d1.issuer_id(), false, &cid)),
    };
    audited(&state, &caller, ACTION, &target, &cid, result).map(|op| Answer(op, cid))
}

/// A JSON body, with a problem (not axum's plain text) when it is not what the route takes.
pub(crate) fn body<T: serde::de::DeserializeOwned>(bytes: &[u8], cid: &CorrelationId) -> Result<T, Problem> {
    let bytes = if bytes.is_empty() { b"{}".as_slice() } else { bytes };
    serde_json::from_slice(bytes).map_err(|e| {
        invalid(&ValidationError { field: "body", message: format!("is not valid JSON for this request: {e}") }, cid)
    })
}

/// The admin's request body, or the problem that ends the write before D1 hears of it: a refusal
/// (audited by `require`) or a body that is not what the route takes (audited here).
fn admin_body<B: serde::de::DeserializeOwned>(
    state: &AppState,
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

async fn delete_consumer(
    State(state): State<AppState>,
    Path(consumer_id): Path<String>,
    Cid(cid): Cid,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "d1.consumer.delete";
    let reason: ReasonBody = admin_body(&state, &caller, ACTION, &consumer_id, &cid, &bytes)?;
    attempt(&state, &caller, ACTION, &consumer_id, &cid)?;
    let d1 = state.link.client();
    let result = d1.delete_consumer(&consumer_id, &reason, &cid).await;
    let result = result.map_err(|e| problem(e, Target::Consumer(&consumer_id), d1.issuer_id(), true, &cid));
    audited(&state, &caller, ACTION, &consumer_id, &cid, result).map(|r| Answer(r, cid))
}

async fn register_account(
    State(state): State<AppState>,
    Path(account_id): Path<String>,
    Cid(cid): Cid,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "d1.account.register";
    let account: RegisterAccount = admin_body(&state, &caller, ACTION, &account_id, &cid, &bytes)?;
    attempt(&state, &caller, ACTION, &account_id, &cid)?;
    let d1 = state.link.client();
    let result = d1.register_account(&account_id, &account, &cid).await;
    let result = result.map_err(|e| problem(e, Target::Consumer(&account.consumer_id), d1.issuer_id(), true, &cid));
    audited(&state, &caller, ACTION, &account_id, &cid, result).map(|()| Answer((), cid))
}

async fn delete_account(
    State(state): State<AppState>,
    Path(account_id): Path<String>,
    Cid(cid): Cid,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "d1.account.delete";
    let reason: ReasonBody = admin_body(&state, &caller, ACTION, &account_id, &cid, &bytes)?;
    attempt(&state, &caller, ACTION, &account_id, &cid)?;
    let d1 = state.link.client();
    let result = d1.delete_account(&account_id, &reason, &cid).await;
    let result = result.map_err(|e| problem(e, Target::Account(&account_id), d1.issuer_id(), true, &cid));
    audited(&state, &caller, ACTION, &account_id, &cid, result).map(|r| Answer(r, cid))
}

async fn unknown_api_route(Cid(cid): Cid) -> Problem {
    Problem::of(404, ProblemKind::NotFound, "There is no such console API route.", &cid)
}
