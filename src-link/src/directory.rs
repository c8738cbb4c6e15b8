//! The bank's customer directory, reached with the console's own client_credentials token (scope
//! `directory:read`) from the bank's authorization server: who is who across D1, MasCustomers and
//! Apiture. Reads only, so every call may be retried.

use std::sync::Arc;
use std::time::Duration;

use console_api::directory::DirectoryClient;

use crate::service_token::{ServiceCredentials, ServiceTokenSource};
use crate::{http, LinkError, RetryPolicy, Upstream, UpstreamTls};

/// Where the directory is and who the console is there.
#[derive(Clone, Debug)]
pub struct DirectoryConfig {
    /// `https://directory.bank.example/directory/v1`, or the sandbox's.
    pub base: url::Url,
    /// The bank's token endpoint and the console's directory client.
    pub credentials: ServiceCredentials,
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

/// The directory link: one HTTP client and one token cache, shared by every request.
#[derive(Clone)]
pub struct DirectoryLink {
    client: DirectoryClient<Upstream<ServiceTokenSource>>,
}

impl DirectoryLink {
    /// With the directory's TLS files (a bank's private CA); the token endpoint shares the client.
    pub fn with_tls(config: DirectoryConfig, tls: &UpstreamTls) -> Result<Self, LinkError> {
        let http = http::client(tls, config.timeout).map_err(|e| LinkError::UpstreamTls("the directory", e))?;
        let tokens = Arc::new(ServiceTokenSource::new("the directory", http.clone(), config.credentials));
        let upstream = Upstream::new(http, config.base, tokens, config.retry);
        Ok(DirectoryLink { client: DirectoryClient::new(upstream) })
    }

    /// The typed directory client; cheap to use from many tasks at once.
    pub fn client(&self) -> &DirectoryClient<Upstream<ServiceTokenSource>> {
        &self.client
    }
}
