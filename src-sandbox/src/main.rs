//! `console-sandbox --listen 127.0.0.1:PORT --db PATH [--control]`: serves the D1 stand-in until Ctrl-C
//! or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;

use clap::Parser;
use console_sandbox::{start, Config};

/// A stand-in for Thales D1's banking API and OAuth token endpoint, on SQLite, with demo data.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// SQLite database file (created if missing), or :memory:.
    #[arg(long, default_value = "console-sandbox.db")]
    db: String,
    /// Mount the /_sandbox/ control API (reset, create consumers and operations, arm faults). Test aid without
    /// auth: it answers loopback peers only, no page of another origin, JSON bodies only.
    #[arg(long)]
    control: bool,
    /// An extra redirect URI of the console-gateway client (repeatable), besides
    /// http://127.0.0.1:8080/auth/callback and http://localhost:8080/auth/callback.
    #[arg(long = "redirect-uri", value_name = "URL")]
    redirect_uris: Vec<String>,
    /// Lifetime of the authorization server's access tokens, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    access_token_ttl: u64,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let config = Config {
        control: cli.control,
        redirect_uris: cli.redirect_uris,
        access_token_ttl: std::time::Duration::from_secs(cli.access_token_ttl),
        ..Config::new(cli.listen, cli.db)
    };
    let running = match start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("console-sandbox: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // Tests and scripts read this line to learn the port.
    println!("sandbox listening on {}", running.base_url());
    let _ = std::io::stdout().flush();
    wait_for_stop().await;
    tracing::info!("stopping");
    running.shutdown().await;
    std::process::ExitCode::SUCCESS
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
