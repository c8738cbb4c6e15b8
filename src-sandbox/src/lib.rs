//! `console-sandbox`: a faithful stand-in for Thales D1's banking API and its OAuth token endpoint, and
//! for the Apiture-style side of the bank (an authorization server and the Consents API), on SQLite, with
//! demo data; and for MasStack's MasCustomers v4 accounts API and its own OAuth server.
//!
//! Modules:
//! * [`oauth`]: `POST /authz/v1/oauth2/token` (D1's JWT-bearer grant, ES256) and D1's bearer check.
//! * [`banking`]: every `/banking/v1` endpoint of seeds 001 and 002.
//! * [`auth`]: the authorization server under `/auth` (sign-in page, authorization code + PKCE S256,
//!   refresh rotation, client_credentials, revocation, JWKS, RFC 8414 metadata) and [`ApitureCaller`], the
//!   bearer check of the Apiture-style APIs.
//! * [`consents`]: `/consents` (seed 004), every operation, and the documents consents point at (`/vault`).
//! * [`directory`]: `/directory/v1`, the bank's customer directory of the demo people (scope
//!   `directory:read`, client_credentials of `console-directory`).
//! * [`mas`]: MasStack MasCustomers v4 (seed 003) under `/masstack/v4`, its token endpoint
//!   `/masstack/oauth/token`, its OpenAPI document ([`openapi_mas`]) at `/masstack/v4/openapi.json`.
//! * [`control`]: `/_sandbox/` test aid, mounted only with `--control`, behind [`control_guard`]; its
//!   [`faults`] make the served APIs fail on demand.
//! * [`db`]: schema, migrations, queries. [`demo`]: the demo data. [`openapi`] (+ [`openapi_apiture`]): the
//!   served document.
//! * [`error`]: error types and their `{"error"}` bodies.
//!
//! Use in-process with [`start`] (`Config::new(addr, db)`, then set `control`, `redirect_uris`,
//! `access_token_ttl`); the `console-sandbox` binary wraps it with a CLI.

pub mod auth;
pub mod banking;
pub mod consents;
pub mod control;
pub mod control_guard;
pub mod db;
pub mod demo;
pub mod directory;
pub mod error;
pub mod faults;
pub mod mas;
pub mod oauth;
pub mod openapi;
pub mod openapi_apiture;
pub mod openapi_mas;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use auth::bearer::{require_api_key, require_scope, ApitureCaller, ApitureFailure};
pub use auth::{
    DemoUser, ACCESS_TOKEN_AUDIENCE, AUTH_KID, AUTH_PRIVATE_KEY_PEM, AUTH_PUBLIC_KEY_PEM, DEMO_API_KEY, DEMO_PASSWORD,
    DEMO_USERS, DESKTOP_CLIENT_ID, DIRECTORY_CLIENT_ID, DIRECTORY_CLIENT_SECRET, GATEWAY_CLIENT_ID, GATEWAY_CLIENT_SECRET, SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET,
};
pub use error::SandboxError;
pub use mas::oauth::{MAS_CLIENT_ID, MAS_CLIENT_SECRET, MAS_TOKEN_AUDIENCE, MAS_TOKEN_ISSUER, MAS_TOKEN_KEY};

/// The demo issuer, its key id and its private key (DEMO ONLY: see `demo/README.md`).
pub const DEMO_ISSUER: &str = "DEMOISSUER";
pub const DEMO_KID: &str = "DEMOISSUER-demo-es256";
pub const DEMO_PRIVATE_KEY_PEM: &str = include_str!("../demo/DEMOISSUER.es256.key.pem");
pub const DEMO_PUBLIC_KEY_PEM: &str = include_str!("../demo/DEMOISSUER.es256.pub.pem");
/// Where the demo private key lives, relative to the workspace root (for the gateway's configuration).
pub const DEMO_PRIVATE_KEY_PATH: &str = "src-sandbox/demo/DEMOISSUER.es256.key.pem";

const CORRELATION_HEADER: HeaderName = HeaderName::from_static("x-correlation-id");

/// How to run the sandbox.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to bind; port 0 picks a free one.
    pub listen: SocketAddr,
    /// SQLite file path, or `:memory:`.
    pub db: String,
    /// Mount the `/_sandbox/` control API.
    pub control: bool,
    /// Redirect URIs of `console-gateway` besides `http://127.0.0.1:8080/auth/callback` and
    /// `http://localhost:8080/auth/callback` (exact string match).
    pub redirect_uris: Vec<String>,
    /// Lifetime of the authorization server's access tokens.
    pub access_token_ttl: std::time::Duration,
}

impl Config {
    /// No control API, no extra redirect URIs, access tokens of 300 s.
    pub fn new(listen: SocketAddr, db: impl Into<String>) -> Self {
        Config {
            listen,
            db: db.into(),
            control: false,
            redirect_uris: Vec::new(),
            access_token_ttl: std::time::Duration::from_secs(300),
        }
    }
}

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    pub auth: auth::SharedAuth,
    /// Armed by `/_sandbox/faults`; applied only with `--control`.
    pub faults: Arc<faults::Faults>,
    openapi: Arc<serde_json::Value>,
}

/// A running sandbox; [`Running::shutdown`] stops it (dropping it leaves the server task running until
/// the runtime ends).
pub struct Running {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), std::io::Error>>,
}

impl Running {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (the loopback address when bound to all interfaces).
    pub fn base_url(&self) -> String {
        loopback_url(self.addr)
    }

    /// `{base_url}/auth`: the authorization server's issuer, the `iss` of its access tokens.
    pub fn auth_issuer(&self) -> String {
        auth_issuer_of(self.addr)
    }

    /// Stops accepting, lets requests in flight finish, and waits for the server task.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "sandbox server ended with an error"),
            Err(e) => tracing::warn!(error = %e, "sandbox server task failed"),
        }
    }
}

fn loopback_url(mut addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    format!("http://{addr}")
}

/// The issuer of the authorization server bound at `addr`: what start puts in every token and what
/// [`Running::auth_issuer`] tells clients, from one place so that they cannot drift apart.
fn auth_issuer_of(addr: SocketAddr) -> String {
    format!("{}/auth", loopback_url(addr))
}

/// Opens the database (migrating it), registers the demo key, loads the demo data if there are no
/// consumers, binds `config.listen` and serves in a tokio task.
pub async fn start(config: Config) -> Result<Running, SandboxError> {
    let path = config.db.clone();
    let db = tokio::task::spawn_blocking(move || db::Db::open(&path))
        .await
        .map_err(|e| SandboxError::Internal(format!("opening the database failed: {e}")))??;
    let loaded = db
        .tx(|tx| {
            db::upsert_issuer_key(tx, DEMO_KID, DEMO_ISSUER, DEMO_PUBLIC_KEY_PEM)?;
            auth::users::load_demo(tx)?;
            if db::consent_count(tx)? == 0 {
                demo::load_consents(tx)?;
            }
            if mas::store::customer_count(tx)? == 0 {
                demo::mas::load(tx, Utc::now())?;
            }
            if db::consumer_count(tx)? == 0 {
                demo::load(tx, Utc::now()).map(Some)
            } else {
                Ok(None)
            }
        })
        .await?;
    if let Some(loaded) = loaded {
        tracing::info!(?loaded, "demo data loaded into an empty database");
    }

    let openapi = serde_json::to_value(openapi::document(config.control))
        .map_err(|e| SandboxError::Internal(format!("OpenAPI document: {e}")))?;
    // Bound before the router is built: the issuer (in every access token) is the address bound.
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let auth = auth::AuthSettings::new(
        auth_issuer_of(addr),
        config.redirect_uris.clone(),
        config.access_token_ttl,
    )?;
    let state = AppState { db, auth: Arc::new(auth), faults: Arc::default(), openapi: Arc::new(openapi) };
    let app = router(state, config.control);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // With the peer's address: the control API answers loopback peers only.
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(%addr, control = config.control, db = %config.db, "sandbox started");
    Ok(Running { addr, stop, task })
}

/// Every route, the JSON fallbacks and the correlation-id middleware.
pub fn router(state: AppState, control: bool) -> Router {
    let banking = Router::new()
        .route("/issuers/{issuerId}/consumers/{consumerId}/operations", get(banking::list_operations))
        .route(
            "/issuers/{issuerId}/consumers/{consumerId}/operations/{operationId}",
            get(banking::get_operation),
        )
        .route("/issuers/{issuerId}/consumers/{consumerId}/operations:delete", post(banking::delete_consumer))
        .route("/issuers/{issuerId}/accounts/{accountId}", put(banking::register_account))
        .route("/issuers/{issuerId}/accounts/{accountId}/operations:delete", post(banking::delete_account))
        .route("/openapi.json", get(openapi_json));
    let auth = Router::new()
        .route("/oauth2/authorize", get(auth::authorize::show).post(auth::authorize::submit))
        .route("/oauth2/token", post(auth::token::token))
        .route("/oauth2/revoke", post(auth::token::revoke))
        .route("/.well-known/jwks.json", get(auth::keys::jwks))
        .route("/.well-known/oauth-authorization-server", get(auth::keys::metadata))
        .route("/.well-known/openid-configuration", get(auth::keys::openid_configuration));
    let mut app = Router::new()
        .route("/authz/v1/oauth2/token", post(oauth::token))
        .nest("/banking/v1", banking)
        .nest("/auth", auth)
        // RFC 8414 section 3: the metadata of an issuer with a path, at the origin's well-known place.
        .route("/.well-known/oauth-authorization-server/auth", get(auth::keys::metadata))
        .merge(consents::router())
        .route("/directory/v1/people", get(directory::search))
        .route("/directory/v1/people/{personId}", get(directory::person))
        .merge(mas::router());
    if control {
        // Faults apply to the routes above only: the control API below can always clear them.
        app = app.layer(axum::middleware::from_fn_with_state(state.faults.clone(), faults::inject));
        let control = Router::new()
            .route("/_sandbox/reset", post(control::reset))
            .route("/_sandbox/faults", post(control::arm_fault).get(control::list_faults).delete(control::clear_faults))
            .route("/_sandbox/auth/expire-codes", post(control::expire_codes))
            .route("/_sandbox/auth/users/{userId}/sign-ins", get(control::live_sign_ins))
            .route("/_sandbox/auth/users/{userId}/revoke-sign-ins", post(control::revoke_sign_ins))
            .route("/_sandbox/issuers/{issuerId}/consumers", post(control::create_consumer))
            .route("/_sandbox/issuers/{issuerId}/consumers/{consumerId}/operations", post(control::create_operation))
            .route_layer(axum::middleware::from_fn(control_guard::guard));
        app = app.merge(control);
    }
    app.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(correlation))
        .with_state(state)
}

async fn openapi_json(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json((*state.openapi).clone())
}

async fn not_found(request: Request) -> Response {
    SandboxError::NotFound(format!("no such endpoint: {} {}", request.method(), request.uri().path())).into_response()
}

async fn method_not_allowed(request: Request) -> Response {
    SandboxError::MethodNotAllowed(format!("{} is not allowed on {}", request.method(), request.uri().path()))
        .into_response()
}

/// Checks `x-correlation-id` (400 if it breaks the seed's rule), echoes it on the response, and logs
/// every request with method, path, status and correlation id.
async fn correlation(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let given = request.headers().get(&CORRELATION_HEADER).map(|v| v.to_str().map(str::to_string));
    let (cid, mut response) = match given {
        None => (None, next.run(request).await),
        Some(Err(_)) => (
            None,
            SandboxError::BadRequest(format!(
                "x-correlation-id: is not plain text: use only {}",
                console_api::validate::CORRELATION_ID.allowed
            ))
            .into_response(),
        ),
        Some(Ok(c)) => match console_api::validate::CORRELATION_ID.check(&c) {
            Ok(()) => (Some(c), next.run(request).await),
            Err(e) => (None, SandboxError::from(e).into_response()),
        },
    };
    if let Some(value) = cid.as_deref().and_then(|c| HeaderValue::from_str(c).ok()) {
        response.headers_mut().insert(CORRELATION_HEADER, value);
    }
    let status: StatusCode = response.status();
    tracing::info!(
        method = %method,
        path = %path,
        status = status.as_u16(),
        correlation_id = cid.as_deref().unwrap_or("-"),
        "request"
    );
    response
}
