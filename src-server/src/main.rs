//! `console-server`: the web gateway. See the crate docs of `console_server`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// Serves the console's UI and /api on one origin.
#[derive(Parser, Debug)]
#[command(name = "console-server", version)]
struct Args {
    /// Address to listen on. Off loopback only with https (see --public-url).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The environment file.
    #[arg(long, default_value = "config/console.toml")]
    config: PathBuf,
    /// Profile of the environment file: sandbox, staging or production (default: the file's default).
    #[arg(long)]
    profile: Option<String>,
    /// The built UI.
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// Point every upstream of the profile (D1, sign-in, Consents) at another origin, e.g. a sandbox on
    /// another port: http://127.0.0.1:PORT. The sandbox profile only: refused for staging and production.
    #[arg(long, alias = "d1-origin")]
    upstream_origin: Option<url::Url>,
    /// Where browsers reach this gateway, when not http://LISTEN (e.g. https://console.bank.example behind
    /// a TLS proxy). Its /auth/callback must be registered at the authorization server.
    #[arg(long)]
    public_url: Option<url::Url>,
    /// Serve https with this PEM certificate chain (with --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Append the audit log (JSON lines: who, what, when, correlation id, outcome) to this file. Required
    /// for staging and production profiles: they refuse to start without one.
    #[arg(long)]
    audit_log: Option<PathBuf>,
    /// A proxy in front of the gateway (its address as the gateway sees it) whose X-Forwarded-For names the
    /// client in the audit log and the rate limit of /auth/*. Repeat for each; without one, the peer is the client
    /// (behind a proxy: everyone is the proxy, sharing one rate-limit bucket; a warning is logged once).
    #[arg(long = "trusted-proxy", value_name = "ADDR")]
    trusted_proxies: Vec<std::net::IpAddr>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("console-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), console_server::ServerError> {
    let mut profile = console_server::config::load(&args.config, args.profile.as_deref())?;
    if let Some(origin) = &args.upstream_origin {
        profile = console_server::config::with_upstream_origin(profile, origin)?;
    }
    let running = console_server::start(console_server::ServerConfig {
        listen: args.listen,
        dist: args.dist,
        profile,
        public_url: args.public_url,
        audit_log: args.audit_log,
        tls: args.tls_cert.zip(args.tls_key).map(|(cert, key)| console_server::TlsFiles { cert, key }),
        trusted_proxies: args.trusted_proxies,
    })
    .await?;
    println!("gateway listening on {}", running.base_url());
    shutdown_signal().await;
    running.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return ctrl_c.await.unwrap_or(()),
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
