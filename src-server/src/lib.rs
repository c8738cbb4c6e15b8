//! The web gateway: a backend-for-frontend that serves the built UI (`dist/`) and the console's `/api`.
//!
//! The page only ever talks to this origin. OAuth, keys and tokens stay in `console-link`, inside this
//! process. Until staff sign-in exists the gateway refuses to listen anywhere but loopback.
//!
//! * [`config`]: the environment file and its profiles.
//! * [`api`]: the allow-listed `/api` routes.
//! * [`web`]: static files, SPA fallback and security headers.

pub mod api;
pub mod config;
pub mod web;

use std::net::SocketAddr;
use std::path::PathBuf;

use console_api::gateway::SessionInfo;
use console_link::D1Link;
use thiserror::Error;
use tokio::net::TcpListener;

#[derive(Debug, Error)]
pub enum ServerError {
    #[error("{0}")]
    Config(#[from] config::ConfigError),
    #[error("{0}")]
    Link(#[from] console_link::LinkError),
    #[error("refusing to listen on {0}: until staff sign-in exists the gateway serves loopback only (use 127.0.0.1 or [::1])")]
    NotLoopback(SocketAddr),
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("the built UI is missing: {0} has no index.html (run `cargo xtask run`, which builds it)")]
    NoDist(PathBuf),
}

/// What the gateway runs with.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// The built UI (`dist/`).
    pub dist: PathBuf,
    pub profile: config::Profile,
}

/// A running gateway.
pub struct Running {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets requests in flight finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Binds and serves in a background task.
pub async fn start(config: ServerConfig) -> Result<Running, ServerError> {
    if !config.listen.ip().is_loopback() {
        return Err(ServerError::NotLoopback(config.listen));
    }
    if !config.dist.join("index.html").is_file() {
        return Err(ServerError::NoDist(config.dist));
    }
    let session = SessionInfo {
        environment: config.profile.environment.clone(),
        issuer_id: config.profile.d1.credentials.issuer_id.clone(),
        product: "Consent & Operations Console".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    };
    let link = D1Link::new(config.profile.d1.clone())?;
    let app = web::app(api::AppState { link, session }, &config.dist);
    let listener = TcpListener::bind(config.listen).await.map_err(|e| ServerError::Bind(config.listen, e))?;
    let addr = listener.local_addr().map_err(|e| ServerError::Bind(config.listen, e))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = served.await {
            tracing::error!("gateway stopped: {e}");
        }
    });
    tracing::info!(%addr, profile = %config.profile.name, "gateway listening");
    Ok(Running { addr, stop, task })
}
