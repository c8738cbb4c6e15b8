//! The control API under `/_sandbox/`, mounted only with `--control`: a loopback test aid, JSON, no auth
//! (who may call it: [`crate::control_guard`]).
//!
//! It lets tests and the e2e harness reset the demo data, create consumers and record operations that
//! D1 would record on its own (a USER enrolling an authenticator, customer care suspending, an operation
//! that stays PENDING a few seconds then fails), and arm faults ([`crate::faults`]). Inputs are checked
//! with the same rules as the banking API.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{Duration, Utc};
use console_api::d1::{
    ConsumerState, Operation, OperationDetails, OperationStatus, OperationType, ReasonCode, RequestorType,
};
use console_api::validate::{self, CharRule};
use serde::Deserialize;

use crate::banking::{json_body, path_params, retention_cutoff};
use crate::db::{self, NewOperation};
use crate::error::SandboxError;
use crate::faults::{ArmedFault, FaultSpec};
use crate::AppState;

/// `errorCode`: D1 gives no rule; ours is OPERATION_ERROR's charset, 1 to 64 characters.
const ERROR_CODE: CharRule = CharRule { field: "errorCode", min: 1, max: 64, ..validate::OPERATION_ERROR };
/// `appInstanceId`: D1 gives no rule; ours is the id rule.
const APP_INSTANCE_ID: CharRule = validate::id_rule("appInstanceId");
/// `requestorId` of CCI (a customer care user id): the id rule.
const CCI_USER_ID: CharRule = validate::id_rule("requestorId");
/// The longest a control-made operation may stay PENDING before it settles.
const MAX_PENDING_SECONDS: u64 = 24 * 3600;

/// `POST /_sandbox/reset`
#[utoipa::path(post, path = "/_sandbox/reset", tag = "Sandbox control",
    description = "Wipes consumers, accounts and operations, the consents and MasCustomers' accounts, and loads the demo data again (relative to now). Only with --control.",
    responses((status = 200, description = "What was loaded", body = crate::openapi::ResetResult)))]
pub async fn reset(State(state): State<AppState>) -> Result<Json<serde_json::Value>, SandboxError> {
    let loaded = state
        .db
        .tx(|tx| {
            crate::demo::load_consents(tx)?;
            crate::demo::mas::load(tx, Utc::now())?;
            crate::demo::load(tx, Utc::now())
        })
        .await?;
    tracing::info!(?loaded, "demo data reset");
    Ok(Json(serde_json::json!({
        "consumers": loaded.consumers, "operations": loaded.operations, "accounts": loaded.accounts
    })))
}

/// `POST /_sandbox/faults`: the next calls of a route answer a status and body, or late (see [`crate::faults`]).
#[utoipa::path(post, path = "/_sandbox/faults", tag = "Sandbox control",
    description = "Arms a fault: the next `times` (default 1) calls of `path` (a route: `{name}` matches one segment, `{*rest}` the rest), of `method` if given, answer `status` with the JSON `body` (default `{\"error\"}`), after `delayMs` if given; with `delayMs` alone they are served normally and answered late. Never applies to /_sandbox/. Only with --control.",
    request_body(content = crate::openapi::NewFault, content_type = "application/json"),
    responses(
        (status = 201, description = "The armed fault", body = crate::openapi::Fault),
        (status = 400, description = "Bad request", body = crate::openapi::ErrorGeneric),
    ))]
pub async fn arm_fault(State(state): State<AppState>, body: Bytes) -> Result<(StatusCode, Json<ArmedFault>), SandboxError> {
    let spec: FaultSpec = json_body(&body, None)?;
    let fault = state.faults.arm(spec)?;
    tracing::info!(?fault, "fault armed");
    Ok((StatusCode::CREATED, Json(fault)))
}

/// `GET /_sandbox/faults`: the armed faults, in the order they are tried.
#[utoipa::path(get, path = "/_sandbox/faults", tag = "Sandbox control",
    description = "The armed faults, in the order they are tried, with the calls each still applies to. Only with --control.",
    responses((status = 200, description = "The armed faults", body = crate::openapi::FaultList)))]
pub async fn list_faults(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "faults": state.faults.list() }))
}

/// `DELETE /_sandbox/faults`: disarms every fault.
#[utoipa::path(delete, path = "/_sandbox/faults", tag = "Sandbox control",
    description = "Disarms every fault. Only with --control.",
    responses((status = 200, description = "How many were disarmed", body = crate::openapi::FaultsCleared)))]
pub async fn clear_faults(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "cleared": state.faults.clear() }))
}

/// `POST /_sandbox/auth/expire-codes`: every unused authorization code expires now, as if its 60 s had
/// passed (so tests see the refusal of an expired code without waiting).
pub async fn expire_codes(State(state): State<AppState>) -> Result<Json<serde_json::Value>, SandboxError> {
    let now = Utc::now().timestamp_millis();
    let expired = state.db.tx(move |tx| crate::auth::store::expire_codes(tx, now)).await?;
    Ok(Json(serde_json::json!({ "expired": expired })))
}

/// `GET /_sandbox/auth/users/{userId}/sign-ins`: how many of the user's sign-ins (refresh token
/// families) are live, so tests can see that a client's sign-out really revoked its refresh token.
pub async fn live_sign_ins(
    State(state): State<AppState>,
    axum::extract::Path(user_id): axum::extract::Path<String>,
) -> Result<Json<serde_json::Value>, SandboxError> {
    let now = Utc::now().timestamp_millis();
    let uid = user_id.clone();
    let live = state.db.tx(move |tx| crate::auth::store::live_families(tx, &uid, now)).await?;
    Ok(Json(serde_json::json!({ "userId": user_id, "live": live })))
}

/// `POST /_sandbox/auth/users/{userId}/revoke-sign-ins`: revokes every live sign-in (refresh token family)
/// of the user, as a bank's administrator would: their refresh tokens stop working and their access tokens
/// are refused with `invalid_token`, so tests see what a client does when a person's sign-in ends upstream.
pub async fn revoke_sign_ins(
    State(state): State<AppState>,
    axum::extract::Path(user_id): axum::extract::Path<String>,
) -> Result<Json<serde_json::Value>, SandboxError> {
    let now = Utc::now().timestamp_millis();
    let uid = user_id.clone();
    let revoked = state.db.tx(move |tx| crate::auth::store::revoke_user_families(tx, &uid, now)).await?;
    Ok(Json(serde_json::json!({ "userId": user_id, "revoked": revoked })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewConsumer {
    consumer_id: String,
}

/// `POST /_sandbox/issuers/{issuerId}/consumers`
#[utoipa::path(post, path = "/_sandbox/issuers/{issuerId}/consumers", tag = "Sandbox control",
    description = "Creates an ACTIVE consumer without operations. 409 if it exists. Only with --control.",
    params(("issuerId" = String, Path, description = "Exactly 10 characters")),
    request_body(content = crate::openapi::NewConsumer, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = crate::openapi::ConsumerCreated),
        (status = 400, description = "Bad request", body = crate::openapi::ErrorGeneric),
        (status = 409, description = "Exists", body = crate::openapi::ErrorGeneric),
    ))]
pub async fn create_consumer(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), SandboxError> {
    let issuer_id = path_params(path)?;
    validate::ISSUER_ID.check(&issuer_id)?;
    let body: NewConsumer = json_body(&body, None)?;
    validate::CONSUMER_ID.check(&body.consumer_id)?;
    let (issuer, consumer) = (issuer_id.clone(), body.consumer_id.clone());
    state
        .db
        .tx(move |tx| {
            if db::consumer_state(tx, &issuer, &consumer)?.is_some() {
                return Err(SandboxError::Conflict(format!("consumer {consumer} of issuer {issuer} exists")));
            }
            db::insert_consumer(tx, &issuer, &consumer, &ConsumerState::Active, Utc::now())
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "issuerId": issuer_id, "consumerId": body.consumer_id, "state": "ACTIVE" })),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewOperationBody {
    operation: OperationType,
    #[serde(default)]
    status: Option<OperationStatus>,
    requestor_type: RequestorType,
    requestor_id: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    reason_code: Option<ReasonCode>,
    #[serde(default)]
    details: Option<OperationDetails>,
    #[serde(default)]
    pending_seconds: Option<u64>,
    #[serde(default)]
    final_status: Option<OperationStatus>,
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

fn bad(message: String) -> SandboxError {
    SandboxError::BadRequest(message)
}

/// `POST /_sandbox/issuers/{issuerId}/consumers/{consumerId}/operations`
#[utoipa::path(post, path = "/_sandbox/issuers/{issuerId}/consumers/{consumerId}/operations", tag = "Sandbox control",
    description = "Records an operation on the consumer, started now. `status` defaults to SUCCESSFUL, or PENDING when `pendingSeconds` is given; a PENDING operation with `pendingSeconds` settles then as `finalStatus` (default SUCCESSFUL), without it it never settles. `errorCode`/`error` only for a FAILED (final) status. An immediately SUCCESSFUL SUSPEND, RESUME or DELETE changes the consumer's state (DELETE cascades to its accounts); `details` old/new states default to the consumer's. Only with --control.",
    params(("issuerId" = String, Path, description = "Exactly 10 characters"), ("consumerId" = String, Path, description = "Pattern [A-Za-z0-9_-]{1,64}")),
    request_body(content = crate::openapi::NewOperation, content_type = "application/json"),
    responses(
        (status = 201, description = "The operation as the banking API serves it", body = crate::openapi::OperationConsumer),
        (status = 400, description = "Bad request, deleted consumer", body = crate::openapi::ErrorGeneric),
        (status = 404, description = "Unknown consumer", body = crate::openapi::ErrorGeneric),
    ))]
pub async fn create_operation(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Bytes,
) -> Result<(StatusCode, Json<Operation>), SandboxError> {
    let (issuer_id, consumer_id) = path_params(path)?;
    validate::ISSUER_ID.check(&issuer_id)?;
    validate::CONSUMER_ID.check(&consumer_id)?;
    let body: NewOperationBody = json_body(&body, None)?;

    let known = |what: &str, value: &str, allowed: &str| bad(format!("{what}: '{value}' is unknown: use {allowed}"));
    if let OperationType::Other(v) = &body.operation {
        return Err(known("operation", v, "CLICK_TO_PAY_UPDATE, DELETE, DELETE_AUTHN, ENROLL_AUTHN, REGISTER, RESUME or SUSPEND"));
    }
    let status = body.status.clone().unwrap_or(if body.pending_seconds.is_some() {
        OperationStatus::Pending
    } else {
        OperationStatus::Successful
    });
    if let OperationStatus::Other(v) = &status {
        return Err(known("status", v, "SUCCESSFUL, PENDING or FAILED"));
    }
    if body.pending_seconds.is_some() && status != OperationStatus::Pending {
        return Err(bad("pendingSeconds: only a PENDING operation settles later: drop status or set it to PENDING".into()));
    }
    if let Some(s) = body.pending_seconds {
        if s > MAX_PENDING_SECONDS {
            return Err(bad(format!("pendingSeconds: is {s}: it must be at most {MAX_PENDING_SECONDS}")));
        }
    }
    let final_status = match (&status, &body.final_status) {
        (OperationStatus::Pending, None) if body.pending_seconds.is_some() => Some(OperationStatus::Successful),
        (OperationStatus::Pending, None) => None,
        (OperationStatus::Pending, Some(f @ (OperationStatus::Successful | OperationStatus::Failed))) => {
            if body.pending_seconds.is_none() {
                return Err(bad("finalStatus: needs pendingSeconds (when to settle)".into()));
            }
            Some(f.clone())
        }
        (OperationStatus::Pending, Some(f)) => return Err(known("finalStatus", f.as_str(), "SUCCESSFUL or FAILED")),
        (_, Some(_)) => return Err(bad("finalStatus: only for a PENDING operation with pendingSeconds".into())),
        (_, None) => None,
    };
    let fails = status == OperationStatus::Failed || final_status == Some(OperationStatus::Failed);
    if !fails && (body.error_code.is_some() || body.error.is_some()) {
        return Err(bad("errorCode and error: only for an operation that FAILED (status or finalStatus)".into()));
    }
    if let Some(c) = &body.error_code {
        ERROR_CODE.check(c)?;
    }
    if let Some(e) = &body.error {
        validate::OPERATION_ERROR.check(e)?;
    }
    let (error_code, error) = if fails {
        (
            Some(body.error_code.clone().unwrap_or_else(|| "SANDBOX-500".into())),
            Some(body.error.clone().unwrap_or_else(|| "Operation failed in the sandbox".into())),
        )
    } else {
        (None, None)
    };
    match &body.requestor_type {
        RequestorType::User if body.requestor_id != consumer_id => {
            return Err(bad(format!("requestorId: for USER it must be the consumerId ({consumer_id})")))
        }
        RequestorType::Issuer if body.requestor_id != issuer_id => {
            return Err(bad(format!("requestorId: for ISSUER it must be the issuerId ({issuer_id})")))
        }
        RequestorType::Cci => CCI_USER_ID.check(&body.requestor_id)?,
        RequestorType::Other(v) => return Err(known("requestorType", v, "ISSUER, USER or CCI")),
        _ => {}
    }
    if let Some(r) = &body.reason {
        validate::REASON.check(r)?;
    }
    if let Some(ReasonCode::Other(v)) = &body.reason_code {
        return Err(known("reasonCode", v, "USER_DECISION or ISSUER_DECISION"));
    }
    let mut details = body.details.clone().unwrap_or_default();
    for (field, s) in [("details.oldState", &details.old_state), ("details.newState", &details.new_state)] {
        if let Some(ConsumerState::Other(v)) = s {
            return Err(known(field, v, "ACTIVE, INACTIVE or DELETED"));
        }
    }
    if let Some(a) = &details.app_instance_id {
        APP_INSTANCE_ID.check(a)?;
    }

    state
        .db
        .tx(move |tx| {
            let now = Utc::now();
            db::settle_due(tx, now)?;
            let current = match db::consumer_state(tx, &issuer_id, &consumer_id)? {
                None => return Err(SandboxError::NotFound(format!("consumer {consumer_id} is unknown to issuer {issuer_id}"))),
                Some(ConsumerState::Deleted) => {
                    return Err(bad(format!("consumer {consumer_id} is deleted: it cannot be used again")))
                }
                Some(s) => s,
            };
            // The state this operation leads to, if it changes the consumer's state.
            let target = db::state_after(&body.operation);
            if let Some(target) = &target {
                if details.old_state.is_none() && body.operation != OperationType::Register {
                    details.old_state = Some(current.clone());
                }
                if details.new_state.is_none() {
                    details.new_state = Some(target.clone());
                }
            }
            let operation_id = uuid::Uuid::new_v4().to_string();
            let pending = status == OperationStatus::Pending;
            db::insert_operation(
                tx,
                &NewOperation {
                    operation_id: operation_id.clone(),
                    issuer_id: issuer_id.clone(),
                    consumer_id: consumer_id.clone(),
                    operation: body.operation.clone(),
                    status: status.clone(),
                    start: now,
                    end: if pending { None } else { Some(now) },
                    requestor_type: body.requestor_type.clone(),
                    requestor_id: body.requestor_id.clone(),
                    reason: body.reason.clone(),
                    reason_code: body.reason_code.clone(),
                    details: if details.is_empty() { None } else { Some(details) },
                    error_code: if pending { None } else { error_code.clone() },
                    error: if pending { None } else { error.clone() },
                    settle_at: body.pending_seconds.map(|s| now + Duration::seconds(s as i64)),
                    final_status,
                    final_error_code: if pending { error_code } else { None },
                    final_error: if pending { error } else { None },
                },
            )?;
            // Only an operation that succeeded now changes the consumer: a pending one does when it settles.
            if status == OperationStatus::Successful {
                db::apply_success(tx, &issuer_id, &consumer_id, &body.operation, &operation_id, now)?;
            }
            db::get_operation(tx, &issuer_id, &consumer_id, &operation_id, retention_cutoff(now))?
                .ok_or_else(|| SandboxError::Internal("the operation just stored cannot be read".into()))
        })
        .await
        .map(|op| (StatusCode::CREATED, Json(op)))
}
