//! The web gateway: a backend-for-frontend that serves the built UI (`dist/`) and the console's `/api`.
//!
//! The page only ever talks to this origin. OAuth, keys and tokens stay in `console-link`, inside this
//! process; the browser holds one HttpOnly session cookie. The `/api` routes themselves (role checks,
//! input checks, audit lines, every upstream call) are `console-link`'s [`console_link::service`], shared
//! with the desktop app; the gateway puts the web's part in front of them.
//!
//! * [`config`]: the environment file and its profiles.
//! * [`sign_in`]: OpenID Connect sign-in ([`pending_sign_in`]: the sealed cookie of one in progress).
//! * [`auth`]: sign-out, `/api/session`, and [`auth::authenticate`]: the session cookie made the service's
//!   [`console_link::service::Caller`].
//! * [`session`]: the server-side session store. [`client`]: who is on the other end of a request;
//!   [`anonymous_refusals`]: the audit lines of callers without a session, within limits.
//! * [`periodic`]: chores on a timer (sweeping sessions and rate-limit buckets).
//! * [`web`]: static files, SPA fallback, security headers, and the [`rate_limit`] of `/auth/*`.

pub mod anonymous_refusals;
pub mod auth;
pub mod client;
pub mod config;
pub mod pending_sign_in;
pub mod periodic;
pub mod rate_limit;
pub mod session;
pub mod sign_in;
pub mod web;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use console_api::gateway::{routes, SessionInfo};
use console_link::service::{AuditLog, ConsentsConfig, ServiceError, ServiceSettings, ServiceState};
use console_link::user_auth::{UserAuth, UserAuthConfig};
use thiserror::Error;
use tokio::net::TcpListener;

#[derive(Debug, Error)]
pub enum ServerError {
    #[error("{0}")]
    Config(#[from] config::ConfigError),
    #[error("{0}")]
    Link(#[from] console_link::LinkError),
    #[error("refusing to listen on {0} over plain http: off loopback, serve https (--tls-cert and --tls-key) or put a TLS proxy in front and say so with --public-url https://...")]
    NotLoopback(SocketAddr),
    #[error("sign-in: {0}")]
    Auth(#[from] console_link::user_auth::UserAuthError),
    #[error("--public-url {0}: {1}")]
    PublicUrl(String, String),
    #[error("{0}")]
    Service(#[from] ServiceError),
    #[error("TLS certificate {0} / key: {1}")]
    Tls(PathBuf, String),
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("the built UI is missing: {0} has no index.html (run `cargo xtask run`, which builds it)")]
    NoDist(PathBuf),
    #[error("profile '{profile}' is {environment}, which must keep an audit log: pass --audit-log FILE (JSON lines, appended; every write's attempt is logged there before it is made)")]
    NoAuditLog { profile: String, environment: console_api::gateway::Environment },
}

/// What the gateway's own routes and layers share, beside the service's state.
#[derive(Clone)]
pub struct AppState {
    /// The `/api` routes' state (the links and the audit log).
    pub service: ServiceState,
    /// The service's audit log, for sign-in, sign-out and the session's refusals.
    pub audit: Arc<AuditLog>,
    pub anonymous_refusals: Arc<anonymous_refusals::AnonymousRefusals>,
    /// What `/api/session` says before anyone signs in (environment, product, version, issuer).
    pub about: SessionInfo,
    pub auth: Arc<UserAuth>,
    pub sessions: Arc<session::SessionStore>,
    pub web: auth::WebOrigin,
    pub sign_in: Arc<sign_in::SignIn>,
}

/// What the gateway runs with.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// The built UI (`dist/`).
    pub dist: PathBuf,
    pub profile: config::Profile,
    /// Where browsers reach this gateway (`https://...` behind a TLS proxy). Default: `http://` + the
    /// bound address. Its origin is the one cookies and the anti-CSRF check are tied to, and its
    /// `/auth/callback` is the redirect URI registered at the authorization server.
    pub public_url: Option<url::Url>,
    /// Audit log file (JSON lines); `None`: the tracing log only, which the sandbox profile alone may run with.
    pub audit_log: Option<PathBuf>,
    /// Serve https with this certificate chain and key (PEM). The public URL then defaults to https.
    pub tls: Option<TlsFiles>,
    /// Proxies in front of the gateway whose `X-Forwarded-For` is believed for the client address (audit
    /// log, rate limit). Empty: the peer's address is the client's.
    pub trusted_proxies: Vec<IpAddr>,
}

impl ServerConfig {
    /// Plain http on `listen`, no audit file, no proxy in front: the sandbox's way. Set the other fields
    /// with struct update syntax.
    pub fn new(listen: SocketAddr, dist: PathBuf, profile: config::Profile) -> Self {
        ServerConfig { listen, dist, profile, public_url: None, audit_log: None, tls: None, trusted_proxies: Vec::new() }
    }

    /// Browsers reach us over https: ours (`tls`) or a proxy's (an https `public_url`). Cookies and
    /// sign-in travel in the clear otherwise, so plain http is for this machine only.
    fn serves_https(&self) -> bool {
        match &self.public_url {
            Some(u) => u.scheme() == "https",
            None => self.tls.is_some(),
        }
    }

    /// Staging and production keep an audit file: without one, "no write without its attempt logged" holds
    /// only for a tracing log nobody keeps.
    fn check_audit_log(&self) -> Result<(), ServerError> {
        if self.audit_log.is_none() && config::deployed(&self.profile.environment) {
            return Err(ServerError::NoAuditLog { profile: self.profile.name.clone(), environment: self.profile.environment.clone() });
        }
        Ok(())
    }
}

/// A PEM certificate chain and its private key.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A running gateway.
pub struct Running {
    addr: SocketAddr,
    public_url: url::Url,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
    sessions: Arc<session::SessionStore>,
    /// Stop sweeping when the gateway stops (dropped with it).
    _sweeper: session::Sweeper,
    _rate_limit_sweeper: rate_limit::Sweeper,
}

impl Running {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The public origin, without a trailing slash: `http://127.0.0.1:PORT` unless configured.
    pub fn base_url(&self) -> String {
        self.public_url.as_str().trim_end_matches('/').to_string()
    }

    /// How many sessions the gateway holds (tests: what anonymous requests leave behind).
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Stops accepting, lets requests in flight finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Binds `config.listen` and serves in a background task.
pub async fn start(config: ServerConfig) -> Result<Running, ServerError> {
    // Refuse before binding: an address we must not serve plain http on is not even opened.
    if !config.listen.ip().is_loopback() && !config.serves_https() {
        return Err(ServerError::NotLoopback(config.listen));
    }
    config.check_audit_log()?;
    let listener = TcpListener::bind(config.listen).await.map_err(|e| ServerError::Bind(config.listen, e))?;
    start_on(listener, config).await
}

/// Serves on a listener bound by the caller (tests bind first so the sandbox can register the
/// callback URL with the real port).
pub async fn start_on(listener: TcpListener, config: ServerConfig) -> Result<Running, ServerError> {
    let addr = listener.local_addr().map_err(|e| ServerError::Bind(config.listen, e))?;
    let public_url = match &config.public_url {
        Some(u) => u.clone(),
        None => {
            let mut shown = addr;
            if shown.ip().is_unspecified() {
                shown.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
            }
            let scheme = if config.tls.is_some() { "https" } else { "http" };
            url::Url::parse(&format!("{scheme}://{shown}")).map_err(|e| ServerError::PublicUrl(shown.to_string(), e.to_string()))?
        }
    };
    if !matches!(public_url.scheme(), "http" | "https") || public_url.host_str().is_none() {
        return Err(ServerError::PublicUrl(public_url.to_string(), "must be an http(s) origin".into()));
    }
    if !addr.ip().is_loopback() && !config.serves_https() {
        return Err(ServerError::NotLoopback(addr));
    }
    config.check_audit_log()?;
    if !config.dist.join("index.html").is_file() {
        return Err(ServerError::NoDist(config.dist));
    }
    let profile = &config.profile;
    let about = SessionInfo {
        environment: profile.environment.clone(),
        product: "Consent & Operations Console".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        user: None,
        issuer_id: Some(profile.d1.credentials.issuer_id.clone()),
        csrf_token: None,
    };
    let mut redirect_uri = public_url.clone();
    redirect_uri.set_path(routes::AUTH_CALLBACK);
    redirect_uri.set_query(None);
    let auth = UserAuth::with_tls(
        UserAuthConfig {
            base: profile.auth.base.clone(),
            audience: profile.auth.audience.clone(),
            client_id: profile.auth.client_id.clone(),
            client_secret: profile.auth.client_secret.clone(),
            redirect_uri,
            scopes: console_link::user_auth::CONSOLE_SCOPES.map(String::from).to_vec(),
        },
        Duration::from_secs(15),
        &profile.tls.auth,
    )?;
    let service = ServiceState::new(service_settings(profile, config.audit_log.clone()))?;
    let auth = Arc::new(auth);
    let sessions = Arc::new(session::SessionStore::new(profile.auth.idle_timeout, profile.auth.absolute_timeout));
    // A minute, or the idle timeout when shorter (tests), so a session outlives its timeout by one period at most.
    let sweep_every = session::SWEEP_EVERY.min(profile.auth.idle_timeout);
    let sweeper = session::spawn_sweeper(&sessions, sweep_every, revoke_swept(auth.clone()));
    let web = auth::WebOrigin::new(&public_url, config.public_url.is_none());
    let sign_in = sign_in::SignIn { pending: pending_sign_in::PendingSignIns::new(web.secure), roles: profile.auth.roles.clone() };
    let state = AppState {
        audit: service.audit.clone(),
        anonymous_refusals: Arc::new(anonymous_refusals::AnonymousRefusals::new(service.audit.clone())),
        service,
        about,
        auth,
        sessions: sessions.clone(),
        web,
        sign_in: Arc::new(sign_in),
    };
    // The peer's address reaches handlers as `ConnectInfo`: the client address of the audit log.
    let auth_limit = Arc::new(rate_limit::AuthRateLimit::default());
    let rate_limit_sweeper = rate_limit::spawn_sweeper(&auth_limit, rate_limit::SWEEP_EVERY);
    let app = web::app(state, &config.dist, &config.trusted_proxies, auth_limit).into_make_service_with_connect_info::<SocketAddr>();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = match &config.tls {
        None => tokio::spawn(async move {
            let served = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = served.await {
                tracing::error!("gateway stopped: {e}");
            }
        }),
        Some(tls) => {
            // Several gateways in one process (tests) install it once; a second install is not an error.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let tls_config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
                .await
                .map_err(|e| ServerError::Tls(tls.cert.clone(), e.to_string()))?;
            let std_listener = listener.into_std().map_err(|e| ServerError::Bind(addr, e))?;
            let handle = axum_server::Handle::new();
            let server = axum_server::from_tcp_rustls(std_listener, tls_config)
                .map_err(|e| ServerError::Bind(addr, e))?
                .handle(handle.clone());
            tokio::spawn(async move {
                tokio::spawn(async move {
                    let _ = stopped.await;
                    handle.graceful_shutdown(Some(Duration::from_secs(10)));
                });
                if let Err(e) = server.serve(app).await {
                    tracing::error!("gateway stopped: {e}");
                }
            })
        }
    };
    tracing::info!(%addr, public = %public_url, profile = %config.profile.name, "gateway listening");
    Ok(Running { addr, public_url, stop, task, sessions, _sweeper: sweeper, _rate_limit_sweeper: rate_limit_sweeper })
}

/// The service's settings from the profile: every upstream and its TLS files, and the audit log.
fn service_settings(profile: &config::Profile, audit_log: Option<PathBuf>) -> ServiceSettings {
    ServiceSettings {
        d1: profile.d1.clone(),
        d1_tls: profile.tls.d1.clone(),
        directory: profile.directory.clone(),
        directory_tls: profile.tls.directory.clone(),
        mas: profile.mas.clone(),
        mas_tls: profile.tls.mas.clone(),
        consents: ConsentsConfig {
            base: profile.auth.consents_base.clone(),
            api_key: profile.auth.api_key.clone(),
            timeout: Duration::from_secs(15),
        },
        consents_tls: profile.tls.consents.clone(),
        audit_log,
    }
}

/// Ends upstream the sign-ins of sessions that timed out here (best effort: the refresh family would
/// expire at the authorization server anyway).
fn revoke_swept(auth: Arc<UserAuth>) -> impl Fn(Vec<String>) + Send + 'static {
    move |refresh_tokens| {
        let auth = auth.clone();
        tokio::spawn(async move {
            for token in refresh_tokens {
                if let Err(e) = auth.revoke(&token).await {
                    tracing::warn!("revoking a timed-out session's sign-in failed: {e}");
                }
            }
        });
    }
}
