//! What the MasCustomers link tests (`mas_link.rs`, `upstream_redirects.rs`) share: the link to a fake
//! MasStack on this machine.

use std::net::SocketAddr;
use std::time::Duration;

use console_link::mas::{MasConfig, MasLink};
use console_link::{RetryPolicy, ServiceCredentials, UpstreamTls};

/// The client secret, with characters that HTTP Basic must form-encode first (RFC 6749 2.3.1).
pub const CLIENT_SECRET: &str = "s3cret:with/odd chars";

/// MasCustomers at `http://{addr}/v4` for the org `telco`, its token endpoint at `token_path`.
pub fn link(addr: SocketAddr, token_path: &str) -> MasLink {
    MasLink::with_tls(
        MasConfig {
            base: format!("http://{addr}/v4").parse().expect("url"),
            credentials: ServiceCredentials {
                token_url: format!("http://{addr}{token_path}").parse().expect("url"),
                client_id: "console-mas".into(),
                client_secret: CLIENT_SECRET.into(),
                scope: "accounts:read accounts:write".into(),
            },
            org: "telco".into(),
            timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
        },
        &UpstreamTls::default(),
    )
    .expect("link")
}
