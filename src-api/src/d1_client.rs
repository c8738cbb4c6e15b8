//! The typed D1 client: one method per endpoint of seeds 001 and 002, inputs validated before sending.

use serde::de::DeserializeOwned;
use thiserror::Error;

use crate::d1::{ErrorGeneric, Operation, OperationResult, OperationsPage, ReasonBody, RegisterAccount};
use crate::transport::{encode_component, Method, Request, Response, Transport, TransportError};
use crate::validate::{self, ValidationError};

/// Why a D1 call failed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum D1Error {
    #[error("invalid input: {0}")]
    Invalid(#[from] ValidationError),
    #[error("{0}")]
    Transport(#[from] TransportError),
    /// D1 answered with an error status; `error` is its troubleshooting text, never for end users.
    #[error("D1 answered {status}")]
    Status { status: u16, error: Option<String> },
    #[error("unexpected answer from D1: {0}")]
    Decode(String),
}

/// A validated `x-correlation-id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorrelationId(String);

impl CorrelationId {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        validate::CORRELATION_ID.check(s)?;
        Ok(CorrelationId(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// D1's banking API for one issuer, over any [`Transport`] whose base is `.../banking/v1`.
#[derive(Clone, Debug)]
pub struct D1Client<T> {
    transport: T,
    issuer_id: String,
}

impl<T: Transport> D1Client<T> {
    pub fn new(transport: T, issuer_id: &str) -> Result<Self, ValidationError> {
        validate::ISSUER_ID.check(issuer_id)?;
        Ok(D1Client { transport, issuer_id: issuer_id.to_string() })
    }

    pub fn issuer_id(&self) -> &str {
        &self.issuer_id
    }

    fn consumer_path(&self, consumer_id: &str) -> Result<String, ValidationError> {
        validate::CONSUMER_ID.check(consumer_id)?;
        Ok(format!("/issuers/{}/consumers/{}", encode_component(&self.issuer_id), consumer_id))
    }

    fn account_path(&self, account_id: &str) -> Result<String, ValidationError> {
        validate::ACCOUNT_ID.check(account_id)?;
        Ok(format!("/issuers/{}/accounts/{}", encode_component(&self.issuer_id), account_id))
    }

    async fn exchange(&self, request: Request, cid: &CorrelationId) -> Result<Response, D1Error> {
        let response = self.transport.send(request.header("x-correlation-id", cid.as_str())).await?;
        if response.is_success() {
            Ok(response)
        } else {
            let error = serde_json::from_slice::<ErrorGeneric>(&response.body).ok().and_then(|e| e.error);
            Err(D1Error::Status { status: response.status, error })
        }
    }

    /// "Get all operations": newest first from `offset`, `limit` 1..=50.
    pub async fn list_operations(
        &self,
        consumer_id: &str,
        offset: u32,
        limit: u32,
        cid: &CorrelationId,
    ) -> Result<OperationsPage, D1Error> {
        validate::limit(limit)?;
        let path = format!("{}/operations?offset={offset}&limit={limit}", self.consumer_path(consumer_id)?);
        decode(&self.exchange(Request::new(Method::Get, path), cid).await?)
    }

    /// "Get operation".
    pub async fn get_operation(
        &self,
        consumer_id: &str,
        operation_id: &str,
        cid: &CorrelationId,
    ) -> Result<Operation, D1Error> {
        validate::OPERATION_ID.check(operation_id)?;
        let path = format!("{}/operations/{operation_id}", self.consumer_path(consumer_id)?);
        decode(&self.exchange(Request::new(Method::Get, path), cid).await?)
    }

    /// "Delete" consumer: irreversible, cascades to accounts, cards and digital cards.
    pub async fn delete_consumer(
        &self,
        consumer_id: &str,
        body: &ReasonBody,
        cid: &CorrelationId,
    ) -> Result<OperationResult, D1Error> {
        body.validate()?;
        let path = format!("{}/operations:delete", self.consumer_path(consumer_id)?);
        decode(&self.exchange(Request::new(Method::Post, path).json(body), cid).await?)
    }

    /// Deprecated "Register account" (204).
    pub async fn register_account(
        &self,
        account_id: &str,
        body: &RegisterAccount,
        cid: &CorrelationId,
    ) -> Result<(), D1Error> {
        body.validate()?;
        let path = self.account_path(account_id)?;
        self.exchange(Request::new(Method::Put, path).json(body), cid).await.map(|_| ())
    }

    /// Deprecated account "Delete".
    pub async fn delete_account(
        &self,
        account_id: &str,
        body: &ReasonBody,
        cid: &CorrelationId,
    ) -> Result<OperationResult, D1Error> {
        body.validate()?;
        let path = format!("{}/operations:delete", self.account_path(account_id)?);
        decode(&self.exchange(Request::new(Method::Post, path).json(body), cid).await?)
    }
}

fn decode<V: DeserializeOwned>(response: &Response) -> Result<V, D1Error> {
    serde_json::from_slice(&response.body).map_err(|e| D1Error::Decode(e.to_string()))
}
