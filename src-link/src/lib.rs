//! The native side's link to the bank's APIs. Nothing here runs in the page: tokens and keys live in this
//! crate's memory and never leave it.
//!
//! * [`d1_token`]: D1's JWT-bearer grant (an ES256 assertion signed with the issuer's key), cached and
//!   refreshed before it expires, one refresh at a time.
//! * [`upstream`]: a [`console_api::transport::Transport`] over reqwest that adds the bearer token, applies
//!   timeouts and retries what is safe to retry.
//! * [`correlation`]: random correlation ids, one per use case.
//! * [`user_auth`]: signing people in (authorization code + PKCE, refresh, revocation, JWKS-verified
//!   access tokens) at the bank's authorization server.
//! * [`apiture`]: calls to Apiture-style APIs (Consents) with the API key and the person's own token.
//! * [`service_token`]: the console's own client_credentials token at an authorization server (MasStack's,
//!   the bank's), cached and refreshed once at a time like D1's.
//! * [`mas`]: MasCustomers v4 for the environment's org ([`mas::MasLink`]), with MasStack's token.
//! * [`directory`]: the bank's customer directory ([`directory::DirectoryLink`]), with the bank's token.
//! * [`UpstreamTls`]: each upstream's client certificate and private CA bundle (mutual TLS with D1).
//! * [`service`]: the console's `/api` itself (role checks, input checks, the audit log, every route's
//!   upstream calls and problems) as one router over a [`service::ServiceState`] of these links.
//!
//! The gateway (`console-server`) and the desktop app build a [`service::ServiceState`] and serve
//! [`service::router`]: the links hold the tokens, the hosts only authenticate the person (each its own
//! way) and say who is asking ([`service::Caller`]).

pub mod apiture;
pub mod correlation;
pub mod d1_token;
pub mod directory;
mod http;
pub mod jwks;
pub mod mas;
pub mod roles;
pub mod service;
pub mod service_token;
pub mod upstream;
pub mod user_auth;

use std::sync::Arc;
use std::time::Duration;

use console_api::d1_client::D1Client;
use thiserror::Error;

pub use d1_token::{D1Credentials, TokenError, TokenSource};
pub use http::{TlsError, UpstreamTls};
pub use service_token::{ServiceCredentials, ServiceTokenError, ServiceTokenSource};
pub use upstream::{BearerSource, RetryPolicy, Upstream};

/// Why the link could not be built.
#[derive(Debug, Error)]
pub enum LinkError {
    #[error("invalid D1 configuration: {0}")]
    Config(String),
    #[error("the issuer's private key could not be read: {0}")]
    Key(String),
    #[error("D1's TLS files: {0}")]
    Tls(#[from] TlsError),
    /// Another upstream's TLS files (MasCustomers, the directory).
    #[error("{0}'s TLS files: {1}")]
    UpstreamTls(&'static str, TlsError),
    #[error("invalid {0} configuration: {1}")]
    Invalid(&'static str, String),
}

/// Everything the link needs to reach D1 for one issuer.
#[derive(Clone, Debug)]
pub struct D1Config {
    /// `https://api.d1.thalescloud.io/banking/v1` or the sandbox's.
    pub banking_base: url::Url,
    /// `https://api.d1.thalescloud.io/authz/v1` or the sandbox's.
    pub authz_base: url::Url,
    pub credentials: D1Credentials,
    /// Per-request timeout.
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

/// The D1 link: one HTTP client, one token cache, shared by every request.
#[derive(Clone)]
pub struct D1Link {
    client: D1Client<Upstream>,
}

impl D1Link {
    /// Over TLS with the public roots and no client certificate.
    pub fn new(config: D1Config) -> Result<Self, LinkError> {
        D1Link::with_tls(config, &UpstreamTls::default())
    }

    /// With D1's TLS files: the client certificate exchanged at onboarding (production) and a private
    /// CA bundle. The token endpoint and the banking API share the one client.
    pub fn with_tls(config: D1Config, tls: &UpstreamTls) -> Result<Self, LinkError> {
        let http = http::client(tls, config.timeout)?;
        let issuer_id = config.credentials.issuer_id.clone();
        let tokens = Arc::new(TokenSource::new(http.clone(), config.authz_base, config.credentials)?);
        let upstream = Upstream::new(http, config.banking_base, tokens, config.retry);
        let client = D1Client::new(upstream, &issuer_id).map_err(|e| LinkError::Config(e.to_string()))?;
        Ok(D1Link { client })
    }

    /// The typed D1 client; cheap to use from many tasks at once.
    pub fn client(&self) -> &D1Client<Upstream> {
        &self.client
    }
}
