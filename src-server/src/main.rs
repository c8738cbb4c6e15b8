//! `console-server`: the web gateway. See the crate docs of `console_server`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// Serves the console's UI and /api on one origin.
#[derive(Parser, Debug)]
#[command(name = "console-server", version)]
struct Args {
    /// Address to listen on (loopback only until staff sign-in exists).
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
    /// Override the D1 origin of the profile (e.g. a sandbox on another port): http://127.0.0.1:PORT
    #[arg(long)]
    d1_origin: Option<url::Url>,
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
    if let Some(origin) = &args.d1_origin {
        profile = console_server::config::with_d1_origin(profile, origin);
    }
    let running = console_server::start(console_server::ServerConfig {
        listen: args.listen,
        dist: args.dist,
        profile,
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
