//! MasStack MasCustomers v4 for the environment's organization, reached with the console's own token from
//! MasStack's authorization server (client_credentials, `accounts:read accounts:write`): MasStack is
//! another vendor, with its own OAuth server. GETs are retried on outages; writes never blindly.
//!
//! The org is the environment's (`mas_org`), fixed here: no caller chooses it.

use std::sync::Arc;
use std::time::Duration;

use console_api::d1_client::CorrelationId;
use console_api::mas_client::{MasClient, ORG_ID};

use crate::service_token::{ServiceCredentials, ServiceTokenSource};
use crate::{http, LinkError, RetryPolicy, Upstream, UpstreamTls};

/// Where MasCustomers is and who the console is there.
#[derive(Clone, Debug)]
pub struct MasConfig {
    /// `https://customers.masstack.com/v4`, or the sandbox's `/masstack/v4`.
    pub base: url::Url,
    /// MasStack's token endpoint and the console's client there.
    pub credentials: ServiceCredentials,
    /// The organization every call is made in.
    pub org: String,
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

/// The MasCustomers link: one HTTP client and one token cache, shared by every request.
#[derive(Clone)]
pub struct MasLink {
    client: MasClient<Upstream<ServiceTokenSource>>,
}

impl MasLink {
    /// With MasCustomers' TLS files (a private CA); the token endpoint shares the client.
    pub fn with_tls(config: MasConfig, tls: &UpstreamTls) -> Result<Self, LinkError> {
        ORG_ID.check(&config.org).map_err(|e| LinkError::Invalid("MasCustomers", e.to_string()))?;
        let http = http::client(tls, config.timeout).map_err(|e| LinkError::UpstreamTls("MasCustomers", e))?;
        let tokens = Arc::new(ServiceTokenSource::new("MasStack", http.clone(), config.credentials));
        let upstream = Upstream::new(http, config.base, tokens, config.retry);
        let client = MasClient::new(upstream, &config.org).map_err(|e| LinkError::Invalid("MasCustomers", e.to_string()))?;
        Ok(MasLink { client })
    }

    /// The typed client for one use case: its calls carry `cid` as `x-correlation-id`.
    pub fn client(&self, cid: &CorrelationId) -> MasClient<Upstream<ServiceTokenSource>> {
        self.client.clone().with_correlation_id(cid)
    }

    /// The organization every call is made in.
    pub fn org(&self) -> &str {
        self.client.org_id()
    }
}
