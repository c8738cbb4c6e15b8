//! MasStack MasCustomers v4, "V4 Accounts" (seed 003): the wire models, with the seed's schema names and
//! snake_case fields, and the checks every side runs on them (the page as it is typed, the gateway before
//! it calls, the sandbox to refuse).
//!
//! The seed names the schemas but lost their fields; the fields here are the console's definition, written
//! down in the sandbox's OpenAPI document (`/masstack/v4/openapi.json`). Enums decode values this version
//! does not know into `Other` (see [`crate::string_enum`]); requests refuse them ([`PostAccount::validate`]).
//! Models change only by adding optional fields or enum values: the gateway and the page share them.
//!
//! * [`check`]: ids (uuid), dates (yyyy-mm-dd), IBANs (country length, then `iban_validate`'s mod-97 and
//!   national format), billing addresses.
//! * [`promotion`]: a promotion's status on a given day and the limits of its cancellation date.

pub mod check;
pub mod promotion;

use serde::{Deserialize, Serialize};

use crate::string_enum;
use crate::validate::ValidationError;

/// Production and staging base URLs of MasCustomers v4 (API-NOTES).
pub const PRODUCTION_BASE: &str = "https://customers.masstack.com/v4";
pub const STAGING_BASE: &str = "https://customers.sta.masstack.com/v4";

/// The scopes of MasStack's token endpoint: reads need the first, writes the second.
pub const SCOPE_READ: &str = "accounts:read";
pub const SCOPE_WRITE: &str = "accounts:write";

/// The most open accounts one customer may hold (a create beyond it is 409 `ACCOUNT_LIMIT_REACHED`).
pub const MAX_OPEN_ACCOUNTS: usize = 3;

string_enum!(
    /// `modality` of an account (PostAccount, GetAccount).
    Modality {
        RecurringPrepaid => "RECURRING_PREPAID", "Recurring prepaid";
        Postpaid => "POSTPAID", "Postpaid";
    }
);

string_enum!(
    /// `type` of a payment method (PatchAccountPaymentMethod, PaymentMethod).
    PatchPaymentType {
        DirectDebit => "DIRECT_DEBIT", "Direct debit";
        CreditCard => "CREDIT_CARD", "Credit card";
    }
);

/// The payment method type by a shorter name.
pub type PaymentType = PatchPaymentType;

impl Modality {
    /// Whether an account of this modality may pay by `payment`: a recurring prepaid account tops itself
    /// up from a card, so by CREDIT_CARD only; a postpaid one by DIRECT_DEBIT or CREDIT_CARD. Unknown
    /// values allow nothing. The page offers only these, the gateway refuses the rest before MasCustomers
    /// does (`PAYMENT_METHOD_NOT_AVAILABLE`).
    pub fn allows(&self, payment: &PaymentType) -> bool {
        match self {
            Modality::RecurringPrepaid => *payment == PaymentType::CreditCard,
            Modality::Postpaid => matches!(payment, PaymentType::DirectDebit | PaymentType::CreditCard),
            Modality::Other(_) => false,
        }
    }

    /// The payment types [`Modality::allows`], in the order the page offers them.
    pub fn payment_types(&self) -> Vec<PaymentType> {
        PaymentType::KNOWN.iter().filter(|t| self.allows(t)).cloned().collect()
    }

    /// `payment` for an account of this modality, or what to choose instead (on the field `field`).
    pub fn check_payment(&self, field: &'static str, payment: &PaymentType) -> Result<(), ValidationError> {
        if self.allows(payment) {
            return Ok(());
        }
        let types = self.payment_types();
        let allowed: Vec<&str> = types.iter().map(PaymentType::label).collect();
        Err(ValidationError {
            field,
            message: format!(
                "{} is not offered for a {} account: choose {}",
                payment.label(),
                // ASCII labels: `to_lowercase` would bring Unicode's case tables into the page.
                self.label().to_ascii_lowercase(),
                allowed.join(" or ").to_ascii_lowercase()
            ),
        })
    }
}

string_enum!(
    /// `account_promotion_type`: which promotions of an account to list.
    AccountPromotionType {
        Active => "ACTIVE", "Active";
        Scheduled => "SCHEDULED", "Scheduled";
        All => "ALL", "All";
    }
);

string_enum!(
    /// An account promotion's `status`, computed for the day of the answer (see [`promotion::status_on`]).
    PromotionStatus {
        Scheduled => "SCHEDULED", "Scheduled";
        Active => "ACTIVE", "Active";
        Ended => "ENDED", "Ended";
    }
);

string_enum!(
    /// `action` of a promotion history row.
    PromotionAction {
        Added => "ADDED", "Added to the account";
        Cancelled => "CANCELLED", "Cancellation date set";
        CancellationChanged => "CANCELLATION_CHANGED", "Cancellation date changed";
    }
);

string_enum!(
    /// `code` of an ErrorResponse. The sandbox's OpenAPI document says which status carries which.
    ErrorCode {
        InvalidRequest => "INVALID_REQUEST", "The request is malformed";
        InvalidId => "INVALID_ID", "An id is not a uuid";
        InvalidDate => "INVALID_DATE", "A date is not yyyy-mm-dd";
        InvalidDateRange => "INVALID_DATE_RANGE", "The start date is after the end date";
        InvalidPromotionType => "INVALID_PROMOTION_TYPE", "Unknown promotion type";
        InvalidIban => "INVALID_IBAN", "The IBAN is not valid";
        InvalidTokenId => "INVALID_TOKEN_ID", "The card token is not a uuid";
        InvalidBillingAddress => "INVALID_BILLING_ADDRESS", "The billing address is incomplete";
        PaymentMethodNotAvailable => "PAYMENT_METHOD_NOT_AVAILABLE", "That payment method is not offered";
        CancellationDateInPast => "CANCELLATION_DATE_IN_PAST", "The cancellation date is in the past";
        CancellationAfterPromotionEnd => "CANCELLATION_AFTER_PROMOTION_END", "The cancellation date is after the promotion's end";
        Unauthorized => "UNAUTHORIZED", "Missing, invalid or expired token";
        Forbidden => "FORBIDDEN", "The token may not do this";
        AccountNotFound => "ACCOUNT_NOT_FOUND", "No such account";
        CustomerNotFound => "CUSTOMER_NOT_FOUND", "No such customer";
        PromotionNotFound => "PROMOTION_NOT_FOUND", "No such promotion on the account";
        PromotionEnded => "PROMOTION_ENDED", "The promotion has ended";
        AccountLimitReached => "ACCOUNT_LIMIT_REACHED", "The customer has the most accounts allowed";
        PostpaidAccountExists => "POSTPAID_ACCOUNT_EXISTS", "The customer already has a postpaid account";
        AccountHasPromotions => "ACCOUNT_HAS_PROMOTIONS", "The account has active or scheduled promotions";
        InternalError => "INTERNAL_ERROR", "Internal error";
        ServiceUnavailable => "SERVICE_UNAVAILABLE", "Service unavailable";
        RepositoryTimeout => "REPOSITORY_TIMEOUT", "Repository timeout";
    }
);

/// One item of an ErrorResponse's `details`: which field, and what to fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

/// `ErrorResponse`: every non-2xx answer but 405.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default)]
    pub details: Vec<ErrorDetail>,
}

impl ErrorResponse {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorResponse { code, message: message.into(), details: Vec::new() }
    }

    /// A refusal of one field, with the check's own words as its detail.
    pub fn of_field(code: ErrorCode, error: &ValidationError) -> Self {
        ErrorResponse {
            code,
            message: error.to_string(),
            details: vec![ErrorDetail { field: Some(error.field.to_string()), message: error.message.clone() }],
        }
    }
}

/// `details` of a payment method: `iban` for DIRECT_DEBIT, `token_id` for CREDIT_CARD (seed 003).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
}

/// `PatchAccountPaymentMethod`: the body of "patch payment method". `PaymentMethod` has the same shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchAccountPaymentMethod {
    #[serde(rename = "type")]
    pub payment_type: PatchPaymentType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<PaymentDetails>,
}

/// `PaymentMethod`: an account's payment method, as sent in PostAccount and answered in GetAccount.
pub type PaymentMethod = PatchAccountPaymentMethod;

impl PatchAccountPaymentMethod {
    /// A direct debit from `iban` (as typed: [`PatchAccountPaymentMethod::validate`] checks it).
    pub fn direct_debit(iban: &str) -> Self {
        PatchAccountPaymentMethod {
            payment_type: PatchPaymentType::DirectDebit,
            details: Some(PaymentDetails { iban: Some(iban.to_string()), token_id: None }),
        }
    }

    /// A tokenized credit card.
    pub fn credit_card(token_id: &str) -> Self {
        PatchAccountPaymentMethod {
            payment_type: PatchPaymentType::CreditCard,
            details: Some(PaymentDetails { iban: None, token_id: Some(token_id.to_string()) }),
        }
    }

    /// The known type with exactly its one detail, valid: an IBAN of the right length for its country with
    /// correct check digits, or a uuid token.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let details = self.details.clone().unwrap_or_default();
        let fail = |field, message: &str| Err(ValidationError { field, message: message.to_string() });
        match &self.payment_type {
            PatchPaymentType::DirectDebit => {
                if details.token_id.is_some() {
                    return fail("details.token_id", "is only for CREDIT_CARD: give details.iban alone");
                }
                match &details.iban {
                    Some(iban) => check::iban(iban).map(|_| ()).map_err(|e| ValidationError { field: "details.iban", ..e }),
                    None => fail("details.iban", "is required for DIRECT_DEBIT: give the account's IBAN"),
                }
            }
            PatchPaymentType::CreditCard => {
                if details.iban.is_some() {
                    return fail("details.iban", "is only for DIRECT_DEBIT: give details.token_id alone");
                }
                match &details.token_id {
                    Some(token) => check::uuid("details.token_id", token),
                    None => fail("details.token_id", "is required for CREDIT_CARD: choose a tokenized card"),
                }
            }
            PatchPaymentType::Other(other) => Err(ValidationError {
                field: "type",
                message: format!("'{other}' is not a payment type: use DIRECT_DEBIT or CREDIT_CARD"),
            }),
        }
    }

    /// The same method with its IBAN in electronic form (no spaces, upper case): what is stored and sent.
    pub fn normalized(&self) -> Self {
        let mut method = self.clone();
        if let Some(details) = method.details.as_mut() {
            if let Some(iban) = details.iban.as_mut() {
                *iban = check::iban_electronic(iban);
            }
            if let Some(token) = details.token_id.as_mut() {
                *token = token.to_ascii_lowercase();
            }
        }
        method
    }
}

/// `BillingAddress`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingAddress {
    pub address_line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    /// Province, state or region, where the country uses one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2, upper case (`ES`).
    pub country: String,
}

impl BillingAddress {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check::billing_address(self)
    }
}

/// `GetAccount`: one account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetAccount {
    pub account_id: String,
    pub customer_id: String,
    pub org_id: String,
    pub modality: Modality,
    /// RFC 3339, when the account was created.
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<BillingAddress>,
    pub payment_method: PaymentMethod,
    /// A card still being tokenized (the PATCH answered 202): it replaces `payment_method` once ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_payment_method: Option<PaymentMethod>,
}

/// `AccountPromotion`: a promotion applied to an account, its status computed for the day it is read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPromotion {
    /// The account-promotion relation's id (the path's `account_promotion_id`).
    pub account_promotion_id: String,
    /// The catalogue promotion's code (`PROMO-5GB`).
    pub promotion_id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// yyyy-mm-dd, the first day it applies.
    pub start_date: String,
    /// yyyy-mm-dd, the last day it applies; `None`: until cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// yyyy-mm-dd, the first day it no longer applies, once someone cancelled it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_date: Option<String>,
    pub status: PromotionStatus,
}

/// `AccountPromotionHistory`: one change of an account's promotions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPromotionHistory {
    pub history_id: String,
    pub account_promotion_id: String,
    pub promotion_id: String,
    pub promotion_name: String,
    pub action: PromotionAction,
    /// RFC 3339, when the change was made.
    pub action_date: String,
    pub start_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// The cancellation date after this change (CANCELLED, CANCELLATION_CHANGED).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_date: Option<String>,
    /// The cancellation date before it (CANCELLATION_CHANGED).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_cancellation_date: Option<String>,
}

/// `PatchAccountPromotion`: cancel a promotion from a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchAccountPromotion {
    /// yyyy-mm-dd: not before today, not after the promotion's end ([`promotion::check_cancellation`]).
    pub cancellation_date: String,
}

impl PatchAccountPromotion {
    /// The date's form only: its limits depend on the promotion and the day.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check::date("cancellation_date", &self.cancellation_date).map(|_| ())
    }
}

/// One billing address of an account's history, with when it was set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingAddressHistoryEntry {
    /// RFC 3339: the `createStamp` that `from` and `to` filter on.
    pub create_stamp: String,
    pub billing_address: BillingAddress,
}

/// `BillingAddressHistoryResponse`: newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingAddressHistoryResponse {
    pub account_id: String,
    #[serde(default)]
    pub billing_addresses: Vec<BillingAddressHistoryEntry>,
}

/// A card the customer has tokenized, to choose as CREDIT_CARD (`token_id`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenizedCard {
    pub token_id: String,
    /// `VISA`, `MASTERCARD`, ...
    pub brand: String,
    pub last_four: String,
    /// `MM/YY`.
    pub expiry: String,
}

/// `AvailablePaymentMethods`: the types an account may use and the customer's tokenized cards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailablePaymentMethods {
    pub account_id: String,
    #[serde(default)]
    pub payment_types: Vec<PatchPaymentType>,
    #[serde(default)]
    pub cards: Vec<TokenizedCard>,
}

/// `AccountIds`: a customer's open accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountIds {
    pub customer_id: String,
    #[serde(default)]
    pub account_ids: Vec<String>,
}

/// `PostAccount`: the body of "create account".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostAccount {
    pub modality: Modality,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<BillingAddress>,
    pub payment_method: PaymentMethod,
}

impl PostAccount {
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Modality::Other(other) = &self.modality {
            return Err(ValidationError {
                field: "modality",
                message: format!("'{other}' is not a modality: use RECURRING_PREPAID or POSTPAID"),
            });
        }
        if let Some(address) = &self.billing_address {
            address.validate()?;
        }
        // A known type the modality does not take is said as such, before its details are looked at.
        let payment_type = &self.payment_method.payment_type;
        if !matches!(payment_type, PaymentType::Other(_)) {
            self.modality.check_payment("payment_method.type", payment_type)?;
        }
        self.payment_method.validate().map_err(|e| ValidationError { field: prefixed(e.field), ..e })
    }
}

/// `payment_method.` before a payment method's own field names, inside PostAccount.
fn prefixed(field: &'static str) -> &'static str {
    match field {
        "type" => "payment_method.type",
        "details.iban" => "payment_method.details.iban",
        "details.token_id" => "payment_method.details.token_id",
        other => other,
    }
}

/// `AccountCreated`: the 200 of "create account".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountCreated {
    pub account_id: String,
}

/// The token endpoint's 200 body (`POST /masstack/oauth/token` in the sandbox).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasTokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
    pub scope: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const IBAN: &str = "ES91 2100 0418 4502 0005 1332";
    const TOKEN: &str = "5f0c3c7e-8d7a-4c8e-9d3b-1b2a3c4d5e6f";

    fn address() -> BillingAddress {
        BillingAddress {
            address_line1: "Calle Mayor 1".into(),
            address_line2: None,
            city: "Madrid".into(),
            postal_code: "28013".into(),
            region: Some("Madrid".into()),
            country: "ES".into(),
        }
    }

    #[test]
    fn payment_methods_serialize_as_the_seed_names_them() {
        let debit = PatchAccountPaymentMethod::direct_debit("ES9121000418450200051332");
        assert_eq!(
            serde_json::to_string(&debit).unwrap(),
            r#"{"type":"DIRECT_DEBIT","details":{"iban":"ES9121000418450200051332"}}"#
        );
        let card = PatchAccountPaymentMethod::credit_card(TOKEN);
        assert_eq!(serde_json::to_string(&card).unwrap(), format!(r#"{{"type":"CREDIT_CARD","details":{{"token_id":"{TOKEN}"}}}}"#));
        let back: PaymentMethod = serde_json::from_str(r#"{"type":"PAYPAL","details":null}"#).unwrap();
        assert_eq!(back.payment_type, PatchPaymentType::Other("PAYPAL".into()));
    }

    #[test]
    fn a_payment_method_needs_its_one_valid_detail() {
        assert_eq!(PatchAccountPaymentMethod::direct_debit(IBAN).validate(), Ok(()));
        assert_eq!(PatchAccountPaymentMethod::credit_card(TOKEN).validate(), Ok(()));
        let refused = |m: PatchAccountPaymentMethod, field: &str, says: &str| {
            let e = m.validate().unwrap_err();
            assert!(e.field == field && e.message.contains(says), "{e}");
        };
        refused(PatchAccountPaymentMethod::direct_debit("ES91 2100 0418 4502 0005 1333"), "details.iban", "check digits");
        refused(PatchAccountPaymentMethod::credit_card("card-1"), "details.token_id", "uuid");
        let none = PatchAccountPaymentMethod { payment_type: PatchPaymentType::DirectDebit, details: None };
        refused(none, "details.iban", "required");
        let both = PatchAccountPaymentMethod {
            payment_type: PatchPaymentType::CreditCard,
            details: Some(PaymentDetails { iban: Some(IBAN.into()), token_id: Some(TOKEN.into()) }),
        };
        refused(both, "details.iban", "only for DIRECT_DEBIT");
        let other = PatchAccountPaymentMethod { payment_type: PatchPaymentType::from_wire("CASH"), details: None };
        refused(other, "type", "'CASH'");
    }

    #[test]
    fn normalized_keeps_the_iban_electronic() {
        let m = PatchAccountPaymentMethod::direct_debit("es91 2100 0418 4502 0005 1332").normalized();
        assert_eq!(m.details.unwrap().iban.as_deref(), Some("ES9121000418450200051332"));
    }

    #[test]
    fn post_account_checks_modality_address_and_payment() {
        let ok = PostAccount {
            modality: Modality::Postpaid,
            billing_address: Some(address()),
            payment_method: PatchAccountPaymentMethod::direct_debit(IBAN),
        };
        assert_eq!(ok.validate(), Ok(()));
        let json = serde_json::to_value(&ok).unwrap();
        assert_eq!(json["modality"], "POSTPAID");
        assert_eq!(json["billing_address"]["postal_code"], "28013");
        assert_eq!(json["payment_method"]["type"], "DIRECT_DEBIT");
        let bad = PostAccount { modality: Modality::from_wire("PREPAID"), ..ok.clone() };
        assert_eq!(bad.validate().unwrap_err().field, "modality");
        let bad = PostAccount { billing_address: Some(BillingAddress { city: " ".into(), ..address() }), ..ok.clone() };
        assert_eq!(bad.validate().unwrap_err().field, "billing_address.city");
        let bad = PostAccount { payment_method: PatchAccountPaymentMethod::credit_card("x"), ..ok };
        assert_eq!(bad.validate().unwrap_err().field, "payment_method.details.token_id");
    }

    #[test]
    fn a_recurring_prepaid_account_pays_by_card_only() {
        use PatchPaymentType::{CreditCard, DirectDebit};
        assert!(Modality::RecurringPrepaid.allows(&CreditCard) && !Modality::RecurringPrepaid.allows(&DirectDebit));
        assert!(Modality::Postpaid.allows(&CreditCard) && Modality::Postpaid.allows(&DirectDebit));
        assert!(!Modality::Postpaid.allows(&PatchPaymentType::from_wire("CASH")));
        assert!(Modality::from_wire("PREPAID").payment_types().is_empty());
        assert_eq!(Modality::RecurringPrepaid.payment_types(), [CreditCard]);
        assert_eq!(Modality::Postpaid.payment_types(), [DirectDebit, CreditCard]);

        // Even with a valid IBAN, the pair is refused on the payment type, in words.
        let prepaid_debit = PostAccount {
            modality: Modality::RecurringPrepaid,
            billing_address: None,
            payment_method: PatchAccountPaymentMethod::direct_debit(IBAN),
        };
        let e = prepaid_debit.validate().unwrap_err();
        assert_eq!(e.field, "payment_method.type");
        assert_eq!(e.message, "Direct debit is not offered for a recurring prepaid account: choose credit card");
        let prepaid_card = PostAccount { payment_method: PatchAccountPaymentMethod::credit_card(TOKEN), ..prepaid_debit };
        assert_eq!(prepaid_card.validate(), Ok(()));
    }

    #[test]
    fn responses_decode_and_keep_unknown_values() {
        let account: GetAccount = serde_json::from_str(&format!(
            r#"{{"account_id":"{TOKEN}","customer_id":"{TOKEN}","org_id":"telco","modality":"PREPAID_PLUS",
            "created_at":"2025-01-02T10:00:00Z","payment_method":{{"type":"CREDIT_CARD","details":{{"token_id":"{TOKEN}"}}}}}}"#
        ))
        .unwrap();
        assert_eq!(account.modality, Modality::Other("PREPAID_PLUS".into()));
        assert_eq!(account.billing_address, None);
        let promotions: Vec<AccountPromotion> = serde_json::from_str(
            r#"[{"account_promotion_id":"x","promotion_id":"PROMO-5GB","name":"5 GB","start_date":"2026-01-01",
            "status":"PAUSED"}]"#,
        )
        .unwrap();
        assert_eq!(promotions[0].status, PromotionStatus::Other("PAUSED".into()));
        let error: ErrorResponse = serde_json::from_str(r#"{"code":"QUOTA","message":"slow down"}"#).unwrap();
        assert_eq!((error.code, error.details.len()), (ErrorCode::Other("QUOTA".into()), 0));
    }

    #[test]
    fn an_error_of_one_field_names_it_in_its_details() {
        let e = check::uuid("account_id", "nope").unwrap_err();
        let body = ErrorResponse::of_field(ErrorCode::InvalidId, &e);
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["code"], "INVALID_ID");
        assert_eq!(json["details"][0]["field"], "account_id");
        assert!(json["message"].as_str().unwrap().starts_with("account_id: "));
    }

    #[test]
    fn cancellation_body_checks_the_date_form() {
        assert_eq!(PatchAccountPromotion { cancellation_date: "2026-12-01".into() }.validate(), Ok(()));
        let e = PatchAccountPromotion { cancellation_date: "01/12/2026".into() }.validate().unwrap_err();
        assert_eq!(e.field, "cancellation_date");
    }
}
