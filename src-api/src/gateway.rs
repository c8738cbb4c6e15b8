//! The console's own API between the page and the Rust side (gateway over HTTP, or Tauri IPC).
//!
//! Paths live here so that the gateway's router and the UI's client cannot drift apart. The page never
//! names an upstream host, an issuer key or a token: it names a consumer and an action.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::d1::{Operation, OperationResult, OperationsPage, ReasonBody, RegisterAccount};
use crate::string_enum;
use crate::transport::{Method, Request, Response, Transport, TransportError};
use crate::validate::{self, ValidationError};

/// The header carrying the use case's correlation id, both ways.
pub const CORRELATION_HEADER: &str = "x-correlation-id";

string_enum!(
    /// Which upstream the Rust side talks to; shown as a coloured badge.
    Environment {
        Sandbox => "sandbox", "Sandbox";
        Staging => "staging", "Staging";
        Production => "production", "Production";
    }
);

/// `GET /api/session`: what the page may know about where it runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub environment: Environment,
    /// The D1 issuer the console acts for (not a secret: it is in every D1 path).
    pub issuer_id: String,
    pub product: String,
    pub version: String,
}

string_enum!(
    /// The kind of failure, so the page can word it.
    ProblemKind {
        InvalidInput => "invalid_input", "Check what you entered";
        NotFound => "not_found", "Not found";
        Unauthorized => "unauthorized", "Not signed in";
        Forbidden => "forbidden", "Not allowed";
        UpstreamUnavailable => "upstream_unavailable", "Service unavailable";
        UpstreamError => "upstream_error", "The service refused the request";
        Internal => "internal", "Something went wrong";
    }
);

/// Every gateway error body. `message` is plain language; `technical` holds the upstream's own text
/// (D1's `error`), which the UI shows only behind "technical details".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct ApiProblem {
    pub status: u16,
    pub kind: ProblemKind,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technical: Option<String>,
}

impl ApiProblem {
    pub fn invalid(e: &ValidationError) -> Self {
        ApiProblem {
            status: 400,
            kind: ProblemKind::InvalidInput,
            message: e.to_string(),
            field: Some(e.field.to_string()),
            correlation_id: None,
            technical: None,
        }
    }
}

/// Gateway routes (axum syntax); the client below builds the same paths.
pub mod routes {
    pub const SESSION: &str = "/api/session";
    pub const OPERATIONS: &str = "/api/d1/consumers/{consumer_id}/operations";
    pub const OPERATION: &str = "/api/d1/consumers/{consumer_id}/operations/{operation_id}";
    pub const DELETE_CONSUMER: &str = "/api/d1/consumers/{consumer_id}/operations:delete";
    pub const ACCOUNT: &str = "/api/d1/accounts/{account_id}";
    pub const DELETE_ACCOUNT: &str = "/api/d1/accounts/{account_id}/operations:delete";
}

/// Why a console call failed, as the page sees it.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ClientError {
    /// Refused before sending: nothing left the page.
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    /// The Rust side answered with a problem.
    #[error("{0}")]
    Problem(ApiProblem),
    /// The Rust side could not be reached.
    #[error("the console's server could not be reached: {0}")]
    Transport(#[from] TransportError),
    #[error("unexpected answer: {0}")]
    Decode(String),
}

impl ClientError {
    /// The correlation id to quote to support, when there is one.
    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            ClientError::Problem(p) => p.correlation_id.as_deref(),
            _ => None,
        }
    }
}

/// A successful answer and the correlation id it was made under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply<V> {
    pub value: V,
    pub correlation_id: Option<String>,
}

/// The console API over any [`Transport`] whose base is the gateway's origin.
#[derive(Clone, Debug)]
pub struct GatewayClient<T> {
    transport: T,
}

impl<T: Transport> GatewayClient<T> {
    pub fn new(transport: T) -> Self {
        GatewayClient { transport }
    }

    async fn call<V: DeserializeOwned>(&self, request: Request, cid: Option<&str>) -> Result<Reply<V>, ClientError> {
        let request = match cid {
            Some(cid) => {
                validate::CORRELATION_ID.check(cid)?;
                request.header(CORRELATION_HEADER, cid)
            }
            None => request,
        };
        let response = self.transport.send(request).await?;
        let correlation_id = response.header(CORRELATION_HEADER).map(str::to_string);
        if !response.is_success() {
            return Err(ClientError::Problem(problem_of(&response, correlation_id)));
        }
        let body: &[u8] = if response.body.is_empty() { b"null" } else { &response.body };
        let value = serde_json::from_slice(body).map_err(|e| ClientError::Decode(e.to_string()))?;
        Ok(Reply { value, correlation_id })
    }

    pub async fn session(&self) -> Result<Reply<SessionInfo>, ClientError> {
        self.call(Request::new(Method::Get, routes::SESSION), None).await
    }

    /// One page of a consumer's operations, newest first.
    pub async fn operations(
        &self,
        consumer_id: &str,
        offset: u32,
        limit: u32,
        cid: Option<&str>,
    ) -> Result<Reply<OperationsPage>, ClientError> {
        validate::CONSUMER_ID.check(consumer_id)?;
        validate::limit(limit)?;
        let path = format!("/api/d1/consumers/{consumer_id}/operations?offset={offset}&limit={limit}");
        self.call(Request::new(Method::Get, path), cid).await
    }

    pub async fn operation(
        &self,
        consumer_id: &str,
        operation_id: &str,
        cid: Option<&str>,
    ) -> Result<Reply<Operation>, ClientError> {
        validate::CONSUMER_ID.check(consumer_id)?;
        validate::OPERATION_ID.check(operation_id)?;
        let path = format!("/api/d1/consumers/{consumer_id}/operations/{operation_id}");
        self.call(Request::new(Method::Get, path), cid).await
    }

    /// Irreversible: deletes the consumer and everything attached to it.
    pub async fn delete_consumer(
        &self,
        consumer_id: &str,
        body: &ReasonBody,
        cid: Option<&str>,
    ) -> Result<Reply<OperationResult>, ClientError> {
        validate::CONSUMER_ID.check(consumer_id)?;
        body.validate()?;
        let path = format!("/api/d1/consumers/{consumer_id}/operations:delete");
        self.call(Request::new(Method::Post, path).json(body), cid).await
    }

    /// Deprecated account register.
    pub async fn register_account(
        &self,
        account_id: &str,
        body: &RegisterAccount,
        cid: Option<&str>,
    ) -> Result<Reply<()>, ClientError> {
        validate::ACCOUNT_ID.check(account_id)?;
        body.validate()?;
        let path = format!("/api/d1/accounts/{account_id}");
        self.call(Request::new(Method::Put, path).json(body), cid).await
    }

    /// Deprecated account delete.
    pub async fn delete_account(
        &self,
        account_id: &str,
        body: &ReasonBody,
        cid: Option<&str>,
    ) -> Result<Reply<OperationResult>, ClientError> {
        validate::ACCOUNT_ID.check(account_id)?;
        body.validate()?;
        let path = format!("/api/d1/accounts/{account_id}/operations:delete");
        self.call(Request::new(Method::Post, path).json(body), cid).await
    }
}

fn problem_of(response: &Response, correlation_id: Option<String>) -> ApiProblem {
    serde_json::from_slice::<ApiProblem>(&response.body).unwrap_or_else(|_| ApiProblem {
        status: response.status,
        kind: ProblemKind::Internal,
        message: format!("The console's server answered {} without an explanation.", response.status),
        field: None,
        correlation_id: correlation_id.clone(),
        technical: Some(String::from_utf8_lossy(&response.body).chars().take(500).collect()),
    })
}
