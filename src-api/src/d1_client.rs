//! The typed D1 client: one method per endpoint of seeds 001 and 002, inputs validated before sending.

use serde::de::DeserializeOwned;
use thiserror::Error;

use crate::d1::{ErrorGeneric, Operation, OperationResult, OperationsPage, ReasonBody, RegisterAccount, ResultStatus};
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
    /// D1 recorded the write as FAILED: seed 001's delete answers 500 with `{operationId, status: FAILED,
    /// error}`. Nothing was changed; `operation_id` names the failed operation (the seed does not make it
    /// required), `error` is D1's troubleshooting text (never for end users).
    #[error("D1 answered {status}: the operation FAILED")]
    OperationFailed { status: u16, operation_id: Option<String>, error: Option<String> },
    #[error("unexpected answer from D1: {0}")]
    Decode(String),
}

/// A consumer's operations as [`D1Client::history`] read them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    /// Newest first, each once.
    pub operations: Vec<Operation>,
    /// False when the cap stopped the reading while D1 had more.
    pub complete: bool,
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
            Err(error_of(&response))
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

    /// A consumer's whole history, newest first, read page by page ([`validate::LIMIT_MAX`] at a time, as
    /// the page reads it) up to the first `cap` places of the list. Each operation once: operations that
    /// arrive meanwhile shift the later pages, which then repeat what was already read. A page longer than
    /// asked is cut, so a hostile upstream cannot grow the history past the cap.
    pub async fn history(&self, consumer_id: &str, cap: u32, cid: &CorrelationId) -> Result<History, D1Error> {
        let mut operations = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut offset = 0;
        while offset < cap {
            let limit = validate::LIMIT_MAX.min(cap - offset);
            let mut page = self.list_operations(consumer_id, offset, limit, cid).await?;
            page.operations.truncate(limit as usize);
            let got = page.operations.len() as u32;
            offset += got;
            operations.extend(page.operations.into_iter().filter(|op| seen.insert(op.operation_id.clone())));
            // Without a count, a full page says there may be more.
            let more = page.remaining_operations.map_or(got == limit, |n| n > 0);
            if got == 0 || !more {
                return Ok(History { operations, complete: true });
            }
        }
        Ok(History { operations, complete: false })
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
        succeeded(decode(&self.exchange(Request::new(Method::Post, path).json(body), cid).await?)?, 200)
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
        succeeded(decode(&self.exchange(Request::new(Method::Post, path).json(body), cid).await?)?, 200)
    }
}

/// The error of a non-2xx answer: a FAILED operation when the body says so (seed 001's 500), else the
/// status with D1's `error` text.
fn error_of(response: &Response) -> D1Error {
    if let Ok(result) = serde_json::from_slice::<OperationResult>(&response.body) {
        if let Err(failed) = succeeded(result.clone(), response.status) {
            return failed;
        }
        return D1Error::Status { status: response.status, error: result.error };
    }
    let error = serde_json::from_slice::<ErrorGeneric>(&response.body).ok().and_then(|e| e.error);
    D1Error::Status { status: response.status, error }
}

/// A write's result, unless D1 recorded it as FAILED (whatever the status it came with: a FAILED result is
/// an error, never a success).
fn succeeded(result: OperationResult, status: u16) -> Result<OperationResult, D1Error> {
    match result.status {
        Some(ResultStatus::Failed) => {
            Err(D1Error::OperationFailed { status, operation_id: result.operation_id, error: result.error })
        }
        _ => Ok(result),
    }
}

fn decode<V: DeserializeOwned>(response: &Response) -> Result<V, D1Error> {
    serde_json::from_slice(&response.body).map_err(|e| D1Error::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A D1 that serves `count` operations by offset and limit, `fresh` of them arriving after the first
    /// page (they shift every later page), and counts the pages asked.
    struct FakeD1 {
        count: u32,
        fresh: u32,
        asked: std::sync::Mutex<Vec<(u32, u32)>>,
    }

    impl Transport for FakeD1 {
        async fn send(&self, request: Request) -> Result<Response, TransportError> {
            let query = request.path.split_once('?').map(|(_, q)| q).unwrap_or_default();
            let number = |key: &str| {
                query.split('&').find_map(|pair| pair.strip_prefix(key)?.strip_prefix('=')?.parse::<u32>().ok()).unwrap_or(0)
            };
            let (offset, limit) = (number("offset"), number("limit"));
            let mut asked = self.asked.lock().unwrap();
            let shift = if asked.is_empty() { 0 } else { self.fresh };
            asked.push((offset, limit));
            let total = self.count + shift;
            let ids = (offset..total.min(offset + limit)).map(|i| format!("op-{}", total - i));
            let operations: Vec<String> = ids
                .map(|id| format!(r#"{{"operationId":"{id}","operation":"DELETE","status":"SUCCESSFUL","startTime":"2026-11-22T10:00:00Z","requestorType":"ISSUER","requestorId":"X"}}"#))
                .collect();
            let remaining = total.saturating_sub(offset + limit);
            let body = format!(r#"{{"operations":[{}],"remainingOperations":{remaining}}}"#, operations.join(","));
            Ok(Response { status: 200, headers: Vec::new(), body: body.into_bytes() })
        }
    }

    fn read_history(d1: &FakeD1, cap: u32) -> History {
        let client = D1Client::new(d1, "DEMOISSUER").unwrap();
        let cid = CorrelationId::parse("0b6f7c1e-7d1f-4c55-9d7e-4ef4e3d3a002").unwrap();
        use std::future::Future;
        let mut future = std::pin::pin!(client.history("demo-busy", cap, &cid));
        // The fake answers at once: one poll finishes the whole read.
        match future.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())) {
            std::task::Poll::Ready(result) => result.unwrap(),
            std::task::Poll::Pending => panic!("the fake never waits"),
        }
    }

    fn ids(history: &History) -> Vec<&str> {
        history.operations.iter().map(|op| op.operation_id.as_str()).collect()
    }

    #[test]
    fn a_history_is_read_whole_in_pages_of_fifty() {
        let d1 = FakeD1 { count: 123, fresh: 0, asked: Default::default() };
        let history = read_history(&d1, 5_000);
        assert!(history.complete);
        assert_eq!(history.operations.len(), 123);
        assert_eq!((ids(&history)[0], ids(&history)[122]), ("op-123", "op-1"));
        assert_eq!(*d1.asked.lock().unwrap(), [(0, 50), (50, 50), (100, 50)]);
    }

    #[test]
    fn the_cap_stops_the_reading_and_says_so() {
        let d1 = FakeD1 { count: 130, fresh: 0, asked: Default::default() };
        let history = read_history(&d1, 120);
        assert!(!history.complete);
        assert_eq!(history.operations.len(), 120);
        assert_eq!(*d1.asked.lock().unwrap(), [(0, 50), (50, 50), (100, 20)], "never a place past the cap");
        let exact = FakeD1 { count: 120, fresh: 0, asked: Default::default() };
        assert!(read_history(&exact, 120).complete, "a history of exactly the cap is whole");
    }

    #[test]
    fn operations_arriving_meanwhile_are_not_read_twice() {
        let d1 = FakeD1 { count: 100, fresh: 3, asked: Default::default() };
        let history = read_history(&d1, 5_000);
        let unique: std::collections::HashSet<_> = ids(&history).into_iter().collect();
        assert_eq!(unique.len(), history.operations.len(), "{:?}", ids(&history));
        assert_eq!(history.operations.len(), 100, "everything there when the reading started");
        assert!(history.complete);
    }

    fn answer(status: u16, body: &str) -> Response {
        Response { status, headers: Vec::new(), body: body.as_bytes().to_vec() }
    }

    #[test]
    fn seed_001s_failed_delete_keeps_the_operation_id_and_the_error() {
        let e = error_of(&answer(500, r#"{"operationId":"op-failed-1","status":"FAILED","error":"Card network unavailable"}"#));
        assert_eq!(
            e,
            D1Error::OperationFailed {
                status: 500,
                operation_id: Some("op-failed-1".into()),
                error: Some("Card network unavailable".into())
            }
        );
    }

    #[test]
    fn other_error_bodies_stay_a_status_with_d1s_text() {
        let not_found = error_of(&answer(404, r#"{"error":"Consumer not found"}"#));
        assert_eq!(not_found, D1Error::Status { status: 404, error: Some("Consumer not found".into()) });
        assert_eq!(error_of(&answer(503, "busy")), D1Error::Status { status: 503, error: None });
        // A 500 without a FAILED status is D1 failing, not D1 recording a failed operation.
        let plain = error_of(&answer(500, r#"{"operationId":"op-2","error":"internal"}"#));
        assert_eq!(plain, D1Error::Status { status: 500, error: Some("internal".into()) });
    }

    #[test]
    fn a_failed_result_is_never_a_success() {
        let failed = OperationResult { operation_id: None, status: Some(ResultStatus::Failed), error: None };
        assert_eq!(succeeded(failed, 200), Err(D1Error::OperationFailed { status: 200, operation_id: None, error: None }));
        let done = OperationResult { operation_id: Some("op-3".into()), status: Some(ResultStatus::Successful), error: None };
        assert_eq!(succeeded(done.clone(), 200), Ok(done));
    }
}
