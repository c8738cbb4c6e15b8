//! The OpenAPI document of what the sandbox serves, at `GET /banking/v1/openapi.json` (no auth).
//!
//! console-api's models stay free of utoipa (it compiles to WebAssembly for the UI), so their shapes are
//! mirrored here as schema-only types, field for field with the seeds' names, patterns and enums.
//! The paths come from the `#[utoipa::path]` attributes on the handlers.

#![allow(dead_code)] // schema-only types: never constructed, only described

use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// `errorGeneric`: for troubleshooting only, never shown to end users.
#[derive(Serialize, ToSchema)]
pub struct ErrorGeneric {
    pub error: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationType {
    ClickToPayUpdate,
    Delete,
    DeleteAuthn,
    EnrollAuthn,
    Register,
    Resume,
    Suspend,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationStatus {
    Successful,
    Pending,
    Failed,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RequestorType {
    Issuer,
    User,
    Cci,
}

/// If not provided on a write, ISSUER_DECISION.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReasonCode {
    UserDecision,
    IssuerDecision,
}

/// Consumer state (deprecated by D1, still returned).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConsumerState {
    Active,
    Inactive,
    Deleted,
}

/// The deprecated account's state. ASSUMPTION: seed 002 lost this enum's values; the sandbox accepts
/// ACTIVE and INACTIVE (the consumer state's values without DELETED).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountState {
    Active,
    Inactive,
}

/// `details`: oldState/newState for REGISTER, SUSPEND, RESUME, DELETE; appInstanceId for ENROLL_AUTHN,
/// DELETE_AUTHN.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationDetails {
    #[schema(deprecated)]
    pub old_state: Option<ConsumerState>,
    #[schema(deprecated)]
    pub new_state: Option<ConsumerState>,
    /// Unique identifier of the issuer application instance.
    pub app_instance_id: Option<String>,
}

/// `operationConsumer`: one operation on a consumer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationConsumer {
    #[schema(min_length = 1, max_length = 64, pattern = "[A-Za-z0-9_-]{1,64}")]
    pub operation_id: String,
    pub operation: OperationType,
    pub status: OperationStatus,
    /// ISO 8601 YYYY-MM-DDThh:mm:ssTZD
    #[schema(min_length = 1, max_length = 64, example = "2026-06-28T14:05:00Z")]
    pub start_time: String,
    /// ISO 8601; absent while PENDING.
    #[schema(min_length = 1, max_length = 64)]
    pub end_time: Option<String>,
    pub requestor_type: RequestorType,
    /// consumerId if USER, issuerId if ISSUER, customer care user id if CCI.
    pub requestor_id: String,
    #[schema(pattern = "^[a-zA-Z0-9 ]{1,64}$")]
    pub reason: Option<String>,
    pub reason_code: Option<ReasonCode>,
    pub details: Option<OperationDetails>,
    /// External error code, on failure.
    pub error_code: Option<String>,
    /// Only on failure.
    #[schema(max_length = 256, pattern = r"^[a-zA-Z0-9_ \/\\\[\],.'#;:{}()?!*-]*$")]
    pub error: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationsPage {
    pub operations: Vec<OperationConsumer>,
    /// How many operations come after this page.
    pub remaining_operations: u32,
}

/// `reasonBody`
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReasonBody {
    #[schema(pattern = "^[a-zA-Z0-9 ]{1,64}$", example = "customer was contacted on June 28")]
    pub reason: Option<String>,
    pub reason_code: Option<ReasonCode>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Successful {
    Successful,
}

/// `operationStatusSuccessful`
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationStatusSuccessful {
    #[schema(min_length = 1, max_length = 64, pattern = "[A-Za-z0-9_-]{1,64}")]
    pub operation_id: String,
    pub status: Successful,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Failed {
    Failed,
}

/// `operationStatusFailed` + `errorGeneric`: seed 001's 500 of a delete D1 recorded as FAILED.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationStatusFailed {
    #[schema(min_length = 1, max_length = 64, pattern = "[A-Za-z0-9_-]{1,64}")]
    pub operation_id: String,
    pub status: Failed,
    pub error: Option<String>,
}

/// The deprecated "Register account" body.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterAccount {
    #[schema(min_length = 1, max_length = 64, pattern = "[A-Za-z0-9_-]{1,64}")]
    pub consumer_id: String,
    /// RFU
    #[schema(min_length = 1, max_length = 64, pattern = "[A-Za-z0-9_-]{1,64}")]
    pub account_product_id: Option<String>,
    pub state: AccountState,
}

/// The token request (form-encoded or JSON).
#[derive(Serialize, ToSchema)]
pub struct TokenRequest {
    #[schema(example = "urn:ietf:params:oauth:grant-type:jwt-bearer")]
    pub grant_type: String,
    /// The ES256-signed JWT.
    pub assertion: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    #[schema(example = 900)]
    pub expires_in: u64,
    #[schema(example = "d1-api:account:full d1-api:consumer:read")]
    pub scope: String,
}

#[derive(Serialize, ToSchema)]
pub struct OAuthErrorBody {
    /// invalid_request, unsupported_grant_type or invalid_grant
    pub error: String,
    /// What is wrong and what to fix.
    pub error_description: String,
}

#[derive(Serialize, ToSchema)]
pub struct ResetResult {
    pub consumers: u32,
    pub operations: u32,
    pub accounts: u32,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewConsumer {
    #[schema(pattern = "[A-Za-z0-9_-]{1,64}")]
    pub consumer_id: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerCreated {
    pub issuer_id: String,
    pub consumer_id: String,
    pub state: ConsumerState,
}

/// An operation for the control API to record.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewOperation {
    pub operation: OperationType,
    /// Default SUCCESSFUL, or PENDING with pendingSeconds.
    pub status: Option<OperationStatus>,
    pub requestor_type: RequestorType,
    /// consumerId for USER, issuerId for ISSUER, an id like cci-agent-07 for CCI.
    pub requestor_id: String,
    pub reason: Option<String>,
    pub reason_code: Option<ReasonCode>,
    pub details: Option<OperationDetails>,
    /// PENDING for this many seconds (at most 86400), then finalStatus.
    pub pending_seconds: Option<u64>,
    /// SUCCESSFUL (default) or FAILED.
    pub final_status: Option<OperationStatus>,
    pub error_code: Option<String>,
    pub error: Option<String>,
}

/// A fault for the control API to arm.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewFault {
    /// GET, POST...; any method when absent.
    pub method: Option<String>,
    /// A route: `{name}` matches one segment, `{*rest}` the rest. Never under /_sandbox/.
    pub path: String,
    /// How many of the next matching calls (1 to 1000, default 1).
    pub times: Option<u32>,
    /// The status answered instead of serving the call (200 to 599).
    pub status: Option<u16>,
    /// The JSON body answered with status (default `{"error": "fault injected by the sandbox"}`; under
    /// /masstack/v4, MasCustomers' ErrorResponse with the status's code).
    pub body: Option<serde_json::Value>,
    /// The answer is held back this long (at most 60000); alone, the call is served, then answered late.
    pub delay_ms: Option<u64>,
}

/// An armed fault.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    pub id: u64,
    pub method: Option<String>,
    pub path: String,
    /// Calls it still applies to.
    pub remaining: u32,
    pub status: Option<u16>,
    pub body: Option<serde_json::Value>,
    pub delay_ms: Option<u64>,
}

/// `GET /_sandbox/faults`.
#[derive(Serialize, ToSchema)]
pub struct FaultList {
    pub faults: Vec<Fault>,
}

/// `DELETE /_sandbox/faults`.
#[derive(Serialize, ToSchema)]
pub struct FaultsCleared {
    pub cleared: u64,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An access token from POST /authz/v1/oauth2/token (JWT-bearer grant)."))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "console-sandbox: Thales D1 banking API stand-in",
        description = "A faithful stand-in for Thales D1's banking API (consumer operations, deprecated accounts) and its OAuth token endpoint, for development and tests. Paths are given from the origin. Errors are `{\"error\": \"...\"}`. `x-correlation-id` is checked and echoed on every response. The deprecated account `state` enum was lost from the seed: ACTIVE and INACTIVE are ASSUMED."
    ),
    paths(
        crate::oauth::token,
        crate::banking::list_operations,
        crate::banking::get_operation,
        crate::banking::delete_consumer,
        crate::banking::register_account,
        crate::banking::delete_account,
    ),
    components(schemas(
        ErrorGeneric, OperationConsumer, OperationsPage, OperationDetails, ReasonBody, OperationStatusSuccessful,
        OperationStatusFailed, RegisterAccount, AccountState, TokenRequest, TokenResponse, OAuthErrorBody
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "Operations", description = "Different operations that can be done on a consumer."),
        (name = "Deprecated", description = "Deprecated APIs (seed 002)."),
        (name = "OAuth", description = "Get an access token."),
    )
)]
struct BankingDoc;

#[derive(OpenApi)]
#[openapi(
    paths(
        crate::control::reset, crate::control::create_consumer, crate::control::create_operation,
        crate::control::arm_fault, crate::control::list_faults, crate::control::clear_faults,
    ),
    components(schemas(ResetResult, NewConsumer, ConsumerCreated, NewOperation, NewFault, Fault, FaultList, FaultsCleared)),
    tags((name = "Sandbox control", description = "Test aid, only with --control; no auth: loopback peers and hosts only, no foreign Origin (403), JSON bodies only (415)."))
)]
struct ControlDoc;

/// The document, with the control API's paths only when it is mounted.
pub fn document(control: bool) -> utoipa::openapi::OpenApi {
    let mut doc = BankingDoc::openapi();
    doc.merge(crate::openapi_apiture::ApitureDoc::openapi());
    if control {
        doc.merge(ControlDoc::openapi());
    }
    doc
}
