//! Thales D1 consumer operations (seeds 000, 001, 002): the wire models, field for field.
//!
//! Optional fields are skipped when absent so that what we send and what the sandbox serves match the
//! seed's examples byte for byte. Enums decode unknown values into `Other` (see [`crate::string_enum`]).

use serde::{Deserialize, Serialize};

use crate::string_enum;

/// Production and staging base URLs of the banking API (API-NOTES).
pub const PRODUCTION_BASE: &str = "https://api.d1.thalescloud.io/banking/v1";
pub const STAGING_BASE: &str = "https://api.d1-stg.thalescloud.io/banking/v1";
/// Production and staging base URLs of the authorization server.
pub const PRODUCTION_AUTHZ: &str = "https://api.d1.thalescloud.io/authz/v1";
pub const STAGING_AUTHZ: &str = "https://api.d1-stg.thalescloud.io/authz/v1";

/// The JWT-bearer grant type (RFC 7523) D1's token endpoint takes.
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The assertion may expire at most this far ahead.
pub const ASSERTION_MAX_LIFETIME_SECS: i64 = 15 * 60;
/// Operations older than this are removed by D1 (3 months).
pub const RETENTION_DAYS: i64 = 92;

string_enum!(
    /// `operation`: the operation type.
    OperationType {
        ClickToPayUpdate => "CLICK_TO_PAY_UPDATE", "Click to Pay update";
        Delete => "DELETE", "Delete consumer";
        DeleteAuthn => "DELETE_AUTHN", "Remove authenticator";
        EnrollAuthn => "ENROLL_AUTHN", "Enrol authenticator";
        Register => "REGISTER", "Register";
        Resume => "RESUME", "Resume";
        Suspend => "SUSPEND", "Suspend";
    }
);

string_enum!(
    /// `status` of an operation.
    OperationStatus {
        Successful => "SUCCESSFUL", "Successful";
        Pending => "PENDING", "Pending";
        Failed => "FAILED", "Failed";
    }
);

string_enum!(
    /// `requestorType`: who initiated the operation.
    RequestorType {
        Issuer => "ISSUER", "Issuer";
        User => "USER", "User";
        Cci => "CCI", "Customer care";
    }
);

string_enum!(
    /// `reasonCode`; ISSUER_DECISION when not provided.
    ReasonCode {
        UserDecision => "USER_DECISION", "User decision";
        IssuerDecision => "ISSUER_DECISION", "Issuer decision";
    }
);

string_enum!(
    /// `oldState` / `newState` of the consumer (deprecated by D1, still returned).
    ConsumerState {
        Active => "ACTIVE", "Active";
        Inactive => "INACTIVE", "Inactive";
        Deleted => "DELETED", "Deleted";
    }
);

string_enum!(
    /// The deprecated account's `state`. Seed 002 lost this enum's values; ACTIVE and INACTIVE are assumed
    /// (the consumer state's values without DELETED) and the sandbox's OpenAPI document says so.
    AccountState {
        Active => "ACTIVE", "Active";
        Inactive => "INACTIVE", "Inactive";
    }
);

/// `details`: one of two shapes without a discriminator, so one struct with every optional field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationDetails {
    /// REGISTER, SUSPEND, RESUME, DELETE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_state: Option<ConsumerState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_state: Option<ConsumerState>,
    /// ENROLL_AUTHN, DELETE_AUTHN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_instance_id: Option<String>,
}

impl OperationDetails {
    pub fn is_empty(&self) -> bool {
        self.old_state.is_none() && self.new_state.is_none() && self.app_instance_id.is_none()
    }
}

/// `operationConsumer`: one operation on a consumer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub operation_id: String,
    pub operation: OperationType,
    pub status: OperationStatus,
    /// ISO 8601 `YYYY-MM-DDThh:mm:ssTZD`.
    pub start_time: String,
    /// Absent for synchronous operations and while PENDING.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    pub requestor_type: RequestorType,
    /// consumerId for USER, issuerId for ISSUER, the customer care user id for CCI.
    pub requestor_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<ReasonCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<OperationDetails>,
    /// External error code, on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Human readable error, only on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The 200 body of "Get all operations".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationsPage {
    #[serde(default)]
    pub operations: Vec<Operation>,
    /// How many operations come after this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_operations: Option<u32>,
}

/// `reasonBody`: the body of consumer delete and (deprecated) account delete.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReasonBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<ReasonCode>,
}

impl ReasonBody {
    /// Checks `reason` against the seed's pattern and refuses reason codes the seed does not list.
    pub fn validate(&self) -> Result<(), crate::validate::ValidationError> {
        if let Some(reason) = &self.reason {
            crate::validate::REASON.check(reason)?;
        }
        if let Some(ReasonCode::Other(code)) = &self.reason_code {
            return Err(crate::validate::ValidationError {
                field: "reasonCode",
                message: format!("'{code}' is not a reason code: use USER_DECISION or ISSUER_DECISION"),
            });
        }
        Ok(())
    }
}

string_enum!(
    /// The status of a write's result.
    ResultStatus {
        Successful => "SUCCESSFUL", "Successful";
        Failed => "FAILED", "Failed";
    }
);

/// `operationStatusSuccessful` / `operationStatusFailed` (+ `errorGeneric` on 500).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResultStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The deprecated "Register account" body (seed 002).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterAccount {
    pub consumer_id: String,
    /// RFU: the type of account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_product_id: Option<String>,
    pub state: AccountState,
}

impl RegisterAccount {
    pub fn validate(&self) -> Result<(), crate::validate::ValidationError> {
        crate::validate::CONSUMER_ID.check(&self.consumer_id)?;
        if let Some(p) = &self.account_product_id {
            crate::validate::ACCOUNT_PRODUCT_ID.check(p)?;
        }
        if let AccountState::Other(s) = &self.state {
            return Err(crate::validate::ValidationError {
                field: "state",
                message: format!("'{s}' is not an account state: use ACTIVE or INACTIVE"),
            });
        }
        Ok(())
    }
}

/// `errorGeneric`: for troubleshooting only, never shown to end users as is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorGeneric {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The token endpoint's 200 body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// The claims of the JWT-bearer assertion (`iss` = `sub` = issuerId, `exp` at most 15 minutes ahead).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssertionClaims {
    pub iss: String,
    pub sub: String,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields of the seed's `operationConsumer` schema, every one filled.
    const FULL: &str = r#"{"operationId":"op-1","operation":"ENROLL_AUTHN","status":"FAILED",
        "startTime":"2026-06-28T14:05:00Z","endTime":"2026-06-28T14:05:03Z","requestorType":"USER",
        "requestorId":"demo-alice","reason":"customer was contacted on June 28","reasonCode":"USER_DECISION",
        "details":{"appInstanceId":"app-42"},"errorCode":"E1234","error":"Authenticator rejected"}"#;

    #[test]
    fn decodes_every_field_of_the_seed_schema() {
        let op: Operation = serde_json::from_str(FULL).unwrap();
        assert_eq!(op.operation, OperationType::EnrollAuthn);
        assert_eq!(op.status, OperationStatus::Failed);
        assert_eq!(op.requestor_type, RequestorType::User);
        assert_eq!(op.reason_code, Some(ReasonCode::UserDecision));
        assert_eq!(op.details.as_ref().unwrap().app_instance_id.as_deref(), Some("app-42"));
        assert_eq!(op.error_code.as_deref(), Some("E1234"));
        let back = serde_json::to_value(&op).unwrap();
        assert_eq!(back, serde_json::from_str::<serde_json::Value>(FULL).unwrap());
    }

    #[test]
    fn requires_the_seeds_required_fields() {
        // required: operationId, operation, status, startTime, requestorId, requestorType
        for field in ["operationId", "operation", "status", "startTime", "requestorId", "requestorType"] {
            let mut v: serde_json::Value = serde_json::from_str(FULL).unwrap();
            v.as_object_mut().unwrap().remove(field);
            assert!(serde_json::from_value::<Operation>(v).is_err(), "{field} must be required");
        }
    }

    #[test]
    fn unknown_enum_values_do_not_break_decoding() {
        let json = r#"{"operations":[{"operationId":"x","operation":"TELEPORT","status":"QUEUED",
            "startTime":"2026-06-28T14:05:00Z","requestorType":"ROBOT","requestorId":"r",
            "details":{"oldState":"FROZEN","newState":"ACTIVE"}}],"remainingOperations":0}"#;
        let page: OperationsPage = serde_json::from_str(json).unwrap();
        let op = &page.operations[0];
        assert_eq!(op.operation, OperationType::Other("TELEPORT".into()));
        assert_eq!(op.operation.label(), "TELEPORT");
        assert_eq!(op.status, OperationStatus::Other("QUEUED".into()));
        assert_eq!(op.requestor_type, RequestorType::Other("ROBOT".into()));
        let details = op.details.as_ref().unwrap();
        assert_eq!(details.old_state, Some(ConsumerState::Other("FROZEN".into())));
        // and they go back out unchanged
        assert!(serde_json::to_string(op).unwrap().contains("\"TELEPORT\""));
    }

    #[test]
    fn state_details_and_empty_lists() {
        let json = r#"{"operations":[{"operationId":"d","operation":"DELETE","status":"SUCCESSFUL",
            "startTime":"2026-06-28T14:05:00Z","requestorType":"ISSUER","requestorId":"DEMOISSUER",
            "details":{"oldState":"ACTIVE","newState":"DELETED"}}]}"#;
        let page: OperationsPage = serde_json::from_str(json).unwrap();
        let d = page.operations[0].details.clone().unwrap();
        assert_eq!((d.old_state, d.new_state), (Some(ConsumerState::Active), Some(ConsumerState::Deleted)));
        assert_eq!(page.remaining_operations, None);
        let empty: OperationsPage = serde_json::from_str(r#"{"operations":[],"remainingOperations":0}"#).unwrap();
        assert!(empty.operations.is_empty());
    }

    #[test]
    fn reason_body_validation() {
        let ok = ReasonBody { reason: Some("customer was contacted on June 28".into()), reason_code: None };
        assert!(ok.validate().is_ok());
        assert_eq!(serde_json::to_string(&ok).unwrap(), r#"{"reason":"customer was contacted on June 28"}"#);
        let bad = ReasonBody { reason: Some("no!".into()), reason_code: None };
        assert_eq!(bad.validate().unwrap_err().field, "reason");
        let bad_code = ReasonBody { reason: None, reason_code: Some(ReasonCode::from_wire("BOSS_SAID")) };
        assert_eq!(bad_code.validate().unwrap_err().field, "reasonCode");
    }

    #[test]
    fn results_and_errors_decode() {
        let r: OperationResult = serde_json::from_str(r#"{"operationId":"op-9","status":"SUCCESSFUL"}"#).unwrap();
        assert_eq!(r.status, Some(ResultStatus::Successful));
        let f: OperationResult =
            serde_json::from_str(r#"{"operationId":"op-9","status":"FAILED","error":"boom"}"#).unwrap();
        assert_eq!(f.error.as_deref(), Some("boom"));
        let e: ErrorGeneric = serde_json::from_str(r#"{"error":"Consumer not found"}"#).unwrap();
        assert_eq!(e.error.as_deref(), Some("Consumer not found"));
    }

    #[test]
    fn register_account_validation() {
        let ok = RegisterAccount { consumer_id: "demo-alice".into(), account_product_id: None, state: AccountState::Active };
        assert!(ok.validate().is_ok());
        assert_eq!(serde_json::to_string(&ok).unwrap(), r#"{"consumerId":"demo-alice","state":"ACTIVE"}"#);
        let bad = RegisterAccount { state: AccountState::from_wire("CLOSED"), ..ok.clone() };
        assert_eq!(bad.validate().unwrap_err().field, "state");
        let bad = RegisterAccount { consumer_id: "a b".into(), ..ok };
        assert_eq!(bad.validate().unwrap_err().field, "consumerId");
    }
}
