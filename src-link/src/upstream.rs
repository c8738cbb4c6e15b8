//! Upstream HTTP: the [`Transport`] the typed clients (D1, MasCustomers, the directory) run over, natively.
//!
//! What it adds to a plain request: the bearer token of its [`BearerSource`]; a redirect answered as an
//! error, never followed (`crate::http::redirected`); a retry of idempotent GETs on connection errors,
//! timeouts, broken connections, 503 and 504, with bounded, jittered exponential backoff; and one retry of
//! any request that the upstream refused with 401 after a fresh token (a 401 means it was not processed). A delete
//! is never retried after a lost answer: it may have been carried out. An outage of the token endpoint
//! is retried within the same budget, whatever the method: without a token nothing was sent.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use console_api::transport::{Method, Request, Response, Transport, TransportError};
use rand::Rng;

use crate::d1_token::TokenSource;
use crate::http::{join, redirected, transport_error};

/// How GETs are retried.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(200), max_delay: Duration::from_secs(2) }
    }
}

impl RetryPolicy {
    /// Full jitter: a random delay up to the capped exponential backoff of `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let cap = exp.min(self.max_delay);
        let ms = rand::rng().random_range(0..=cap.as_millis() as u64);
        Duration::from_millis(ms)
    }
}

/// Where an upstream's bearer tokens come from: D1's JWT-bearer grant ([`TokenSource`]) or a
/// client_credentials grant ([`crate::service_token::ServiceTokenSource`]).
pub trait BearerSource: Send + Sync {
    type Error: std::fmt::Display + Into<TransportError>;
    /// A token to send, cached or fresh.
    fn bearer(&self) -> impl Future<Output = Result<String, Self::Error>> + Send;
    /// The upstream refused `token`: the next [`BearerSource::bearer`] gets a new one.
    fn invalidate(&self, token: &str) -> impl Future<Output = ()> + Send;
    /// A passing outage of the token endpoint (asked again within the retry budget).
    fn is_outage(error: &Self::Error) -> bool;
    /// The upstream's name in the log ("D1", "MasStack").
    fn upstream(&self) -> &str;
}

impl BearerSource for TokenSource {
    type Error = crate::d1_token::TokenError;

    async fn bearer(&self) -> Result<String, Self::Error> {
        TokenSource::bearer(self).await
    }

    async fn invalidate(&self, token: &str) {
        TokenSource::invalidate(self, token).await
    }

    fn is_outage(error: &Self::Error) -> bool {
        error.is_outage()
    }

    fn upstream(&self) -> &str {
        "D1"
    }
}

/// One upstream API over reqwest, with the tokens of `S` (D1's by default). Cheap to clone.
pub struct Upstream<S = TokenSource> {
    http: reqwest::Client,
    base: url::Url,
    tokens: Arc<S>,
    retry: RetryPolicy,
}

impl<S> Clone for Upstream<S> {
    fn clone(&self) -> Self {
        Upstream { http: self.http.clone(), base: self.base.clone(), tokens: self.tokens.clone(), retry: self.retry }
    }
}

impl<S: BearerSource> Upstream<S> {
    pub fn new(http: reqwest::Client, base: url::Url, tokens: Arc<S>, retry: RetryPolicy) -> Self {
        Upstream { http, base, tokens, retry }
    }

    async fn once(&self, request: &Request, token: &str) -> Result<Response, TransportError> {
        let (path, query) = request.path.split_once('?').unwrap_or((&request.path, ""));
        let mut url = join(&self.base, path);
        url.set_query((!query.is_empty()).then_some(query));
        let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes())
            .map_err(|e| TransportError::Other(e.to_string()))?;
        let mut builder = self.http.request(method, url).bearer_auth(token).header("accept", "application/json");
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let response = builder.send().await.map_err(|e| transport_error(&e))?;
        if let Some(error) = redirected(&response, self.tokens.upstream()) {
            return Err(error);
        }
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_string(), v.to_string())))
            .collect();
        let body = response.bytes().await.map_err(|e| transport_error(&e))?.to_vec();
        Ok(Response { status, headers, body })
    }
}

/// An outcome in a few words for the log: the status, or the transport error (which may name the URL).
fn describe(outcome: &Result<Response, TransportError>) -> String {
    match outcome {
        Ok(r) => format!("status {}", r.status),
        Err(e) => e.to_string(),
    }
}

fn retryable(outcome: &Result<Response, TransportError>) -> bool {
    match outcome {
        Ok(r) => matches!(r.status, 503 | 504),
        Err(e) => e.is_outage(),
    }
}

impl<S: BearerSource> Transport for Upstream<S> {
    async fn send(&self, request: Request) -> Result<Response, TransportError> {
        let mut attempt = 1;
        let mut renewed_token = false;
        // The typed client sends the use case's correlation id: our log lines carry it too.
        let cid = request.headers.iter().find(|(k, _)| k == "x-correlation-id").map_or("", |(_, v)| v.as_str()).to_string();
        let upstream = self.tokens.upstream();
        loop {
            let token = match self.tokens.bearer().await {
                Ok(token) => token,
                Err(e) if S::is_outage(&e) && attempt < self.retry.max_attempts => {
                    let delay = self.retry.delay(attempt);
                    tracing::warn!(correlation_id = %cid, upstream, attempt, ?delay, error = %e, "no token yet; asking again");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let outcome = self.once(&request, &token).await;
            if matches!(&outcome, Ok(r) if r.status == 401) && !renewed_token {
                // The token was refused (revoked, or the upstream restarted): a 401 was not processed.
                tracing::warn!(correlation_id = %cid, upstream, path = %request.path, "the upstream refused the token; retrying once with a new one");
                self.tokens.invalidate(&token).await;
                renewed_token = true;
                continue;
            }
            if request.method.is_idempotent_read() && attempt < self.retry.max_attempts && retryable(&outcome) {
                let delay = self.retry.delay(attempt);
                tracing::warn!(correlation_id = %cid, upstream, path = %request.path, attempt, ?delay, outcome = %describe(&outcome), "retrying a GET");
                tokio::time::sleep(delay).await;
                attempt += 1;
                continue;
            }
            if request.method != Method::Get && retryable(&outcome) {
                tracing::warn!(correlation_id = %cid, upstream, path = %request.path, outcome = %describe(&outcome), "a write failed without a definite answer; not retried");
            }
            return outcome;
        }
    }
}
