//! The console's `/api`: every route the page calls, as one axum [`Router`] over a [`ServiceState`], served
//! by the web gateway (`console-server`, over HTTP) and by the desktop app (in process, through the UI's
//! IPC transport). Both hosts run the same checks in the same order: who may call ([`Caller::require`],
//! refusals audited), the input (a 400 naming the field, audited) before any upstream call, a write's
//! `attempt` line before it goes upstream and its outcome after ([`audited`], [`attempt`]), and every
//! upstream failure as the page's [`Problem`].
//!
//! How a person signed in is the host's business: it authenticates, then puts a [`Caller`] into the
//! request's extensions (a request without one is a 401). Cookies, sign-in and sign-out, the anti-CSRF
//! check, rate limits, static files and security headers are the gateway's, in front of this router.
//!
//! * [`d1`]: a consumer's operations, deletes, accounts; [`export`]: a consumer's operations as a file.
//! * [`consents`]: the needed consents; [`consents_me`]: the end user's own (give, revoke, history,
//!   labels, documents); [`consents_staff`]: the staff consent area.
//! * [`people`]: the customer directory; [`mas`]: MasCustomers v4.
//! * [`caller`]: [`Caller`], [`Origin`], [`Need`]; [`problem`]: [`Problem`], [`Answer`], [`Cid`];
//!   [`audit`]: the audit log ([`AuditLog`]) and the request's [`RequestScope`]; [`audited`]: the lines a
//!   route writes.

pub mod audit;
pub mod audited;
pub mod caller;
pub mod consents;
pub mod consents_me;
pub mod consents_staff;
pub mod d1;
pub mod export;
pub mod mas;
pub mod people;
pub mod problem;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, put};
use axum::Router;
use console_api::gateway::{routes, ApiProblem, ProblemKind};
use thiserror::Error;

use crate::apiture::ApitureLink;
use crate::directory::{DirectoryConfig, DirectoryLink};
use crate::mas::{MasConfig, MasLink};
use crate::{D1Config, D1Link, LinkError, UpstreamTls};

pub use audit::{AuditLog, RequestScope};
pub use audited::{attempt, audited, unwritable_log, AuditedReads};
pub use caller::{not_signed_in, Caller, Need, Origin, SignInEnded};
pub use problem::{body, invalid, with_etag, Answer, Cid, Problem};

/// What every handler shares: the links to each upstream (each holds its own tokens) and the audit log.
#[derive(Clone)]
pub struct ServiceState {
    pub d1: D1Link,
    /// The bank's customer directory (the console's own token).
    pub directory: DirectoryLink,
    /// MasCustomers in the environment's org (the console's own MasStack token).
    pub mas: MasLink,
    /// Apiture Consents, called with the person's own token ([`Caller::access_token`]) and the API key.
    pub consents: ApitureLink,
    pub audit: Arc<AuditLog>,
}

/// Where Apiture Consents is and the bank's API key for it.
#[derive(Clone)]
pub struct ConsentsConfig {
    pub base: url::Url,
    pub api_key: String,
    pub timeout: Duration,
}

/// The API key is a secret: never in a log line, even through `ServiceSettings`'s `Debug`.
impl std::fmt::Debug for ConsentsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsentsConfig")
            .field("base", &self.base.as_str())
            .field("api_key", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// What the service runs with, already read and checked by the host (the gateway's environment file,
/// the desktop app's profile): each upstream and its TLS files, and the audit log's file.
#[derive(Clone, Debug)]
pub struct ServiceSettings {
    pub d1: D1Config,
    pub d1_tls: UpstreamTls,
    pub directory: DirectoryConfig,
    pub directory_tls: UpstreamTls,
    pub mas: MasConfig,
    pub mas_tls: UpstreamTls,
    pub consents: ConsentsConfig,
    pub consents_tls: UpstreamTls,
    /// JSON lines, appended; `None`: the tracing log only (the sandbox alone may run so).
    pub audit_log: Option<PathBuf>,
}

/// Why the service could not be built.
#[derive(Debug, Error)]
pub enum ServiceError {
    #[error("{0}")]
    Link(#[from] LinkError),
    #[error("consents link: {0}")]
    Consents(LinkError),
    #[error("audit log {0}: {1}")]
    Audit(PathBuf, std::io::Error),
}

impl ServiceState {
    /// Builds every link and opens the audit log.
    pub fn new(settings: ServiceSettings) -> Result<Self, ServiceError> {
        let c = &settings.consents;
        let consents =
            ApitureLink::with_tls(c.base.clone(), c.api_key.clone(), c.timeout, &settings.consents_tls).map_err(ServiceError::Consents)?;
        let audit = AuditLog::open(settings.audit_log.as_deref())
            .map_err(|e| ServiceError::Audit(settings.audit_log.clone().unwrap_or_default(), e))?;
        Ok(ServiceState {
            d1: D1Link::with_tls(settings.d1, &settings.d1_tls)?,
            directory: DirectoryLink::with_tls(settings.directory, &settings.directory_tls)?,
            mas: MasLink::with_tls(settings.mas, &settings.mas_tls)?,
            consents,
            audit: Arc::new(audit),
        })
    }
}

/// The routes, each of which needs a [`Caller`]. The gateway puts its authentication in front of these
/// alone ([`Router::route_layer`]), so that an unknown route stays a 404 ([`unknown_routes`]).
pub fn routes(state: ServiceState) -> Router {
    Router::new()
        .route(routes::MY_NEEDED_CONSENTS, get(consents::my_needed))
        .route(routes::NEEDED_CONSENTS, get(consents::needed_for_user))
        .merge(consents_me::router())
        .merge(consents_staff::router())
        .merge(people::router())
        .merge(mas::router())
        .route(routes::OPERATIONS, get(d1::list_operations))
        .route(routes::OPERATION, get(d1::get_operation))
        .route(routes::DELETE_CONSUMER, post(d1::delete_consumer))
        .route(routes::ACCOUNT, put(d1::register_account))
        .route(routes::DELETE_ACCOUNT, post(d1::delete_account))
        .route(routes::EXPORT_OPERATIONS, get(export::operations))
        .layer(middleware::map_response(body_too_large))
        .layer(middleware::from_fn(scoped))
        .with_state(state)
}

/// axum refuses a body over its limit (2 MB) before any handler runs, in plain text: said here in the
/// API's own problem format, as every other refusal is. (No console request comes near the limit.)
async fn body_too_large(response: Response) -> Response {
    let json = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE || json {
        return response;
    }
    let message = "The request's body is over the console's limit of 2 MB: nothing was sent. Send less.";
    Problem::new(ApiProblem::new(413, ProblemKind::InvalidInput, message)).into_response()
}

/// Anything else under `/api`: ours to refuse, never forwarded, never the page's `index.html`.
pub fn unknown_routes() -> Router {
    Router::new().route("/api", any(unknown_api_route)).route("/api/{*rest}", any(unknown_api_route))
}

/// [`routes`] and [`unknown_routes`]: the whole `/api` of a host that puts a [`Caller`] into every request
/// itself (the desktop app).
pub fn router(state: ServiceState) -> Router {
    routes(state).merge(unknown_routes())
}

async fn unknown_api_route(Cid(cid): Cid) -> Problem {
    Problem::of(404, ProblemKind::NotFound, "There is no such console API route.", &cid)
}

/// The request's audit scope: the host's when it set one (the gateway's request layer does, for every
/// request), else one made here from the [`Caller`]'s origin (the desktop app calls the router directly).
async fn scoped(request: Request, next: Next) -> Response {
    if RequestScope::is_set() {
        return next.run(request).await;
    }
    let origin = request.extensions().get::<Caller>().map(|c| c.origin.clone()).unwrap_or_default();
    let scope = RequestScope { origin, request_id: uuid::Uuid::new_v4().to_string(), session: None };
    scope.run(next.run(request)).await
}
