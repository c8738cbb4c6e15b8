//! The `/banking/v1` handlers of seeds 001 (consumer operations) and 002 (deprecated accounts).
//!
//! Order of checks, as D1 answers: the correlation id (middleware, 400), the bearer token (401), the path
//! and the body against the seed's rules (400), the token's issuer against the path's (401), then the data
//! (404 / 400). Every write is one SQLite transaction: a failure leaves nothing half done.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Months, Utc};
use console_api::d1::{
    ConsumerState, Operation, OperationDetails, OperationResult, OperationStatus, OperationType, OperationsPage,
    ReasonBody, ReasonCode, RegisterAccount, RequestorType, ResultStatus,
};
use console_api::validate::{self, LIMIT_DEFAULT};
use serde::de::DeserializeOwned;

use crate::db::{self, NewOperation};
use crate::error::SandboxError;
use crate::oauth::{authorize, check_issuer};
use crate::AppState;

/// Operations that started before this are gone (D1 removes them after 3 months).
pub fn retention_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(3)).unwrap_or(now)
}

/// Path parameters as given, or a 400 in our format instead of axum's text.
pub fn path_params<T>(path: Result<Path<T>, PathRejection>) -> Result<T, SandboxError> {
    path.map(|Path(p)| p).map_err(|e| SandboxError::BadRequest(format!("the path is not valid: {e}")))
}

/// A JSON body, or a 400 saying what is wrong with it. An empty body is `default` when one is allowed.
pub fn json_body<T: DeserializeOwned>(body: &[u8], default: Option<T>) -> Result<T, SandboxError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return default.ok_or_else(|| SandboxError::BadRequest("the body is empty: send a JSON object".into()));
    }
    serde_json::from_slice(body).map_err(|e| SandboxError::BadRequest(format!("the body is not the expected JSON: {e}")))
}

/// Bearer first, then the issuerId's rule, then that the token is this issuer's.
async fn authorize_issuer(state: &AppState, headers: &HeaderMap, issuer_id: &str) -> Result<(), SandboxError> {
    let token_issuer = authorize(state, headers).await?;
    validate::ISSUER_ID.check(issuer_id)?;
    check_issuer(&token_issuer, issuer_id)
}

/// `offset` (>= 0, default 0) and `limit` (1..=50, default 10) from the query string.
fn page_params(query: Option<&str>) -> Result<(u64, u32), SandboxError> {
    let mut offset = 0u64;
    let mut limit = LIMIT_DEFAULT;
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "offset" => {
                offset = v.trim().parse().map_err(|_| {
                    SandboxError::BadRequest(format!("offset: '{v}' is not a whole number of 0 or more"))
                })?
            }
            "limit" => {
                let n: i64 = v.trim().parse().map_err(|_| {
                    SandboxError::BadRequest(format!("limit: '{v}' is not a whole number from 1 to 50"))
                })?;
                limit = u32::try_from(n).unwrap_or(0);
                if n > i64::from(u32::MAX) {
                    limit = u32::MAX;
                }
                validate::limit(limit).map_err(|_| {
                    SandboxError::BadRequest(format!("limit: is {n}: it must be from 1 to {}", validate::LIMIT_MAX))
                })?;
            }
            _ => {}
        }
    }
    Ok((offset, limit))
}

#[utoipa::path(
    get,
    path = "/banking/v1/issuers/{issuerId}/consumers/{consumerId}/operations",
    tag = "Operations",
    operation_id = "getConsumerOperations",
    description = "The consumer's operations, newest first (offset 0 is the most recent). Operations older than 3 months are never returned. A known consumer without operations gets an empty list.",
    params(
        ("issuerId" = String, Path, description = "The id of the issuer, exactly 10 characters"),
        ("consumerId" = String, Path, description = "Pattern [A-Za-z0-9_-]{1,64}"),
        ("offset" = Option<u64>, Query, description = "Index of the first operation returned, 0 (default) is the newest", minimum = 0),
        ("limit" = Option<u32>, Query, description = "Number of operations returned, 1 to 50, default 10", minimum = 1, maximum = 50),
        ("x-correlation-id" = Option<String>, Header, description = "Pattern [a-zA-Z0-9_\\-\\. ]{1,64}; echoed back"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::OperationsPage),
        (status = 400, description = "Bad request", body = crate::openapi::ErrorGeneric),
        (status = 401, description = "Missing or invalid token", body = crate::openapi::ErrorGeneric),
        (status = 404, description = "Unknown consumer", body = crate::openapi::ErrorGeneric),
        (status = 500, description = "Internal error", body = crate::openapi::ErrorGeneric),
    ),
    security(("bearerAuth" = []))
)]
pub async fn list_operations(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Json<OperationsPage>, SandboxError> {
    let (issuer_id, consumer_id) = path_params(path)?;
    authorize_issuer(&state, &headers, &issuer_id).await?;
    validate::CONSUMER_ID.check(&consumer_id)?;
    let (offset, limit) = page_params(query.as_deref())?;
    let (operations, remaining) = state
        .db
        .tx(move |tx| {
            let now = Utc::now();
            db::settle_due(tx, now)?;
            if db::consumer_state(tx, &issuer_id, &consumer_id)?.is_none() {
                return Err(SandboxError::NotFound(format!("consumer {consumer_id} is unknown to issuer {issuer_id}")));
            }
            db::list_operations(tx, &issuer_id, &consumer_id, retention_cutoff(now), offset, limit)
        })
        .await?;
    Ok(Json(OperationsPage {
        operations,
        remaining_operations: Some(u32::try_from(remaining).unwrap_or(u32::MAX)),
    }))
}

#[utoipa::path(
    get,
    path = "/banking/v1/issuers/{issuerId}/consumers/{consumerId}/operations/{operationId}",
    tag = "Operations",
    operation_id = "get-consumer-operation-operationId",
    description = "One operation of the consumer. 404 if unknown or older than 3 months.",
    params(
        ("issuerId" = String, Path, description = "The id of the issuer, exactly 10 characters"),
        ("consumerId" = String, Path, description = "Pattern [A-Za-z0-9_-]{1,64}"),
        ("operationId" = String, Path, description = "Pattern [A-Za-z0-9_-]{1,64}"),
        ("x-correlation-id" = Option<String>, Header, description = "Pattern [a-zA-Z0-9_\\-\\. ]{1,64}; echoed back"),
    ),
    responses(
        (status = 200, description = "OK", body = crate::openapi::OperationConsumer),
        (status = 400, description = "Bad request", body = crate::openapi::ErrorGeneric),
        (status = 401, description = "Missing or invalid token", body = crate::openapi::ErrorGeneric),
        (status = 404, description = "Unknown consumer or operation", body = crate::openapi::ErrorGeneric),
        (status = 500, description = "Internal error", body = crate::openapi::ErrorGeneric),
    ),
    security(("bearerAuth" = []))
)]
pub async fn get_operation(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String, String)>, PathRejection>,
) -> Result<Json<Operation>, SandboxError> {
    let (issuer_id, consumer_id, operation_id) = path_params(path)?;
    authorize_issuer(&state, &headers, &issuer_id).await?;
    validate::CONSUMER_ID.check(&consumer_id)?;
    validate::OPERATION_ID.check(&operation_id)?;
    let op = state
        .db
        .tx(move |tx| {
            let now = Utc::now();
            db::settle_due(tx, now)?;
            if db::consumer_state(tx, &issuer_id, &consumer_id)?.is_none() {
                return Err(SandboxError::NotFound(format!("consumer {consumer_id} is unknown to issuer {issuer_id}")));
            }
            db::get_operation(tx, &issuer_id, &consumer_id, &operation_id, retention_cutoff(now))?.ok_or_else(|| {
                SandboxError::NotFound(format!(
                    "operation {operation_id} of consumer {consumer_id} is unknown (or older than 3 months)"
                ))
            })
        })
        .await?;
    Ok(Json(op))
}

fn reason_body(body: &[u8]) -> Result<ReasonBody, SandboxError> {
    let body: ReasonBody = json_body(body, Some(ReasonBody::default()))?;
    body.validate()?;
    Ok(body)
}

fn new_operation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[utoipa::path(
    post,
    path = "/banking/v1/issuers/{issuerId}/consumers/{consumerId}/operations:delete",
    tag = "Operations",
    operation_id = "deleteConsumer-v2",
    description = "Deletes the consumer, irreversibly: records a DELETE operation (requestor ISSUER) and cascades to the consumer's accounts, in one transaction. The consumer cannot be used again (a second delete, or registering an account for it, is refused with 400); its operations stay readable. An unknown or already deleted consumer gets 400 (the seed lists no 404 here).",
    params(
        ("issuerId" = String, Path, description = "The id of the issuer, exactly 10 characters"),
        ("consumerId" = String, Path, description = "Pattern [A-Za-z0-9_-]{1,64}"),
        ("x-correlation-id" = Option<String>, Header, description = "Pattern [a-zA-Z0-9_\\-\\. ]{1,64}; echoed back"),
    ),
    request_body(content = Option<crate::openapi::ReasonBody>, content_type = "application/json"),
    responses(
        (status = 200, description = "End user was deleted successfully", body = crate::openapi::OperationStatusSuccessful),
        (status = 400, description = "Bad request, unknown or already deleted consumer", body = crate::openapi::ErrorGeneric),
        (status = 401, description = "Missing or invalid token", body = crate::openapi::ErrorGeneric),
        (status = 500, description = "D1 recorded the delete as FAILED, nothing was deleted (the sandbox answers it only when a fault is armed: POST /_sandbox/faults); or an internal error, with `error` only", body = crate::openapi::OperationStatusFailed),
    ),
    security(("bearerAuth" = []))
)]
pub async fn delete_consumer(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Bytes,
) -> Result<Json<OperationResult>, SandboxError> {
    let (issuer_id, consumer_id) = path_params(path)?;
    authorize_issuer(&state, &headers, &issuer_id).await?;
    validate::CONSUMER_ID.check(&consumer_id)?;
    let body = reason_body(&body)?;
    let operation_id = new_operation_id();
    let op_id = operation_id.clone();
    state
        .db
        .tx(move |tx| {
            let now = Utc::now();
            db::settle_due(tx, now)?;
            let old_state = match db::consumer_state(tx, &issuer_id, &consumer_id)? {
                None => {
                    return Err(SandboxError::BadRequest(format!(
                        "consumer {consumer_id} is unknown to issuer {issuer_id}"
                    )))
                }
                Some(ConsumerState::Deleted) => {
                    return Err(SandboxError::BadRequest(format!(
                        "consumer {consumer_id} is already deleted: a deletion cannot be undone, register a new consumerId"
                    )))
                }
                Some(state) => state,
            };
            db::insert_operation(
                tx,
                &NewOperation {
                    operation_id: op_id.clone(),
                    issuer_id: issuer_id.clone(),
                    consumer_id: consumer_id.clone(),
                    operation: OperationType::Delete,
                    status: OperationStatus::Successful,
                    start: now,
                    end: Some(now),
                    requestor_type: RequestorType::Issuer,
                    requestor_id: issuer_id.clone(),
                    reason: body.reason,
                    reason_code: Some(body.reason_code.unwrap_or(ReasonCode::IssuerDecision)),
                    details: Some(OperationDetails {
                        old_state: Some(old_state),
                        new_state: Some(ConsumerState::Deleted),
                        app_instance_id: None,
                    }),
                    error_code: None,
                    error: None,
                    settle_at: None,
                    final_status: None,
                    final_error_code: None,
                    final_error: None,
                },
            )?;
            let accounts = db::apply_success(tx, &issuer_id, &consumer_id, &OperationType::Delete, &op_id, now)?;
            tracing::info!(issuer = %issuer_id, consumer = %consumer_id, accounts, "consumer deleted");
            Ok(())
        })
        .await?;
    Ok(Json(OperationResult { operation_id: Some(operation_id), status: Some(ResultStatus::Successful), error: None }))
}

#[utoipa::path(
    put,
    path = "/banking/v1/issuers/{issuerId}/accounts/{accountId}",
    tag = "Deprecated",
    operation_id = "registerAccount",
    description = "Deprecated: registers (creates or updates) an account of a consumer. The seed lost the values of the account `state` enum: this sandbox accepts ACTIVE and INACTIVE (an ASSUMPTION, the consumer state's values without DELETED). 400 for an unknown or deleted consumer, a deleted account, or an account of another consumer.",
    params(
        ("issuerId" = String, Path, description = "The id of the issuer, exactly 10 characters"),
        ("accountId" = String, Path, description = "Pattern [A-Za-z0-9_-]{1,64}"),
        ("x-correlation-id" = Option<String>, Header, description = "Pattern [a-zA-Z0-9_\\-\\. ]{1,64}; echoed back"),
    ),
    request_body(content = crate::openapi::RegisterAccount, content_type = "application/json"),
    responses(
        (status = 204, description = "Registered"),
        (status = 400, description = "Bad request, unknown or deleted consumer", body = crate::openapi::ErrorGeneric),
        (status = 401, description = "Missing or invalid token", body = crate::openapi::ErrorGeneric),
        (status = 500, description = "Internal error", body = crate::openapi::ErrorGeneric),
    ),
    security(("bearerAuth" = []))
)]
pub async fn register_account(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Bytes,
) -> Result<StatusCode, SandboxError> {
    let (issuer_id, account_id) = path_params(path)?;
    authorize_issuer(&state, &headers, &issuer_id).await?;
    validate::ACCOUNT_ID.check(&account_id)?;
    let body: RegisterAccount = json_body(&body, None)?;
    body.validate()?;
    state
        .db
        .tx(move |tx| {
            db::settle_due(tx, Utc::now())?;
            let consumer_id = &body.consumer_id;
            match db::consumer_state(tx, &issuer_id, consumer_id)? {
                None => {
                    return Err(SandboxError::BadRequest(format!("consumer {consumer_id} is unknown to issuer {issuer_id}")))
                }
                Some(ConsumerState::Deleted) => {
                    return Err(SandboxError::BadRequest(format!(
                        "consumer {consumer_id} is deleted: it cannot be used again, register a new consumerId"
                    )))
                }
                Some(_) => {}
            }
            if let Some(existing) = db::get_account(tx, &issuer_id, &account_id)? {
                if existing.state == "DELETED" {
                    return Err(SandboxError::BadRequest(format!(
                        "account {account_id} is deleted: it cannot be used again, use a new accountId"
                    )));
                }
                if &existing.consumer_id != consumer_id {
                    return Err(SandboxError::BadRequest(format!(
                        "account {account_id} belongs to another consumer: an account cannot change consumer"
                    )));
                }
            }
            db::upsert_account(
                tx,
                &issuer_id,
                &account_id,
                consumer_id,
                body.account_product_id.as_deref(),
                body.state.as_str(),
                Utc::now(),
            )
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/banking/v1/issuers/{issuerId}/accounts/{accountId}/operations:delete",
    tag = "Deprecated",
    operation_id = "deleteAccount",
    description = "Deprecated: deletes an account. 404 if the account is unknown or already deleted. The result's operationId is not listed among the consumer's operations (the seed's operation types have no account deletion).",
    params(
        ("issuerId" = String, Path, description = "The id of the issuer, exactly 10 characters"),
        ("accountId" = String, Path, description = "Pattern [A-Za-z0-9_-]{1,64}"),
        ("x-correlation-id" = Option<String>, Header, description = "Pattern [a-zA-Z0-9_\\-\\. ]{1,64}; echoed back"),
    ),
    request_body(content = Option<crate::openapi::ReasonBody>, content_type = "application/json"),
    responses(
        (status = 200, description = "Account deleted successfully", body = crate::openapi::OperationStatusSuccessful),
        (status = 400, description = "Bad request", body = crate::openapi::ErrorGeneric),
        (status = 401, description = "Missing or invalid token", body = crate::openapi::ErrorGeneric),
        (status = 404, description = "Unknown account", body = crate::openapi::ErrorGeneric),
        (status = 500, description = "Internal error", body = crate::openapi::ErrorGeneric),
    ),
    security(("bearerAuth" = []))
)]
pub async fn delete_account(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Bytes,
) -> Result<Json<OperationResult>, SandboxError> {
    let (issuer_id, account_id) = path_params(path)?;
    authorize_issuer(&state, &headers, &issuer_id).await?;
    validate::ACCOUNT_ID.check(&account_id)?;
    let _reason = reason_body(&body)?;
    let operation_id = new_operation_id();
    let op_id = operation_id.clone();
    state
        .db
        .tx(move |tx| {
            db::settle_due(tx, Utc::now())?;
            match db::get_account(tx, &issuer_id, &account_id)? {
                None => return Err(SandboxError::NotFound(format!("account {account_id} is unknown to issuer {issuer_id}"))),
                Some(a) if a.state == "DELETED" => {
                    return Err(SandboxError::NotFound(format!("account {account_id} is already deleted")))
                }
                Some(_) => {}
            }
            db::delete_account(tx, &issuer_id, &account_id, &op_id, Utc::now())
        })
        .await?;
    Ok(Json(OperationResult { operation_id: Some(operation_id), status: Some(ResultStatus::Successful), error: None }))
}
