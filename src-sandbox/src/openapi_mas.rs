//! The OpenAPI document of MasStack MasCustomers v4 as the sandbox serves it, at
//! `GET /masstack/v4/openapi.json` (no auth): a document of its own, since MasStack is another vendor.
//!
//! Seed 003 names the schemas but lost their fields: the fields below are the console's definition (the
//! models of `console_api::mas`), mirrored here as schema-only types since console-api stays free of
//! utoipa. Paths are given from the origin (`/masstack/v4/...`), as in the banking document.

#![allow(dead_code)] // schema-only types: never constructed, only described

use serde::Serialize;
use utoipa::openapi::security::{ClientCredentials, Flow, OAuth2, Scopes, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// One item of `details`: which field and what to fix.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    pub field: Option<String>,
    pub message: String,
}

/// Every error but 405. `code`: INVALID_REQUEST (malformed body, path or query), INVALID_ID (an id is not a
/// uuid), INVALID_DATE, INVALID_DATE_RANGE (from after to), INVALID_PROMOTION_TYPE, INVALID_IBAN,
/// INVALID_TOKEN_ID, INVALID_BILLING_ADDRESS, PAYMENT_METHOD_NOT_AVAILABLE, CANCELLATION_DATE_IN_PAST,
/// CANCELLATION_AFTER_PROMOTION_END (400); UNAUTHORIZED (401: missing, invalid or expired token);
/// FORBIDDEN (403: scope missing, or an organization the token may not act on); ACCOUNT_NOT_FOUND,
/// CUSTOMER_NOT_FOUND, PROMOTION_NOT_FOUND (404); PROMOTION_ENDED, ACCOUNT_LIMIT_REACHED,
/// POSTPAID_ACCOUNT_EXISTS, ACCOUNT_HAS_PROMOTIONS (409); INTERNAL_ERROR (500); SERVICE_UNAVAILABLE (503);
/// REPOSITORY_TIMEOUT (504). Clients keep codes they do not know.
#[derive(Serialize, ToSchema)]
pub struct ErrorResponse {
    pub code: String,
    /// For people: what is wrong and what to do.
    pub message: String,
    pub details: Vec<ErrorDetail>,
}

/// The answers every MasCustomers endpoint may give besides its own, listed once in each endpoint's
/// `responses(...)`: no valid token, a token without the scope or the organization, and the failures
/// the sandbox's faults (`/_sandbox/faults`) make any route answer.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // It documents answers; the handlers answer `MasFailure`s.
pub enum EveryEndpointErrors {
    #[response(status = 401, description = "UNAUTHORIZED")]
    Unauthorized(ErrorResponse),
    #[response(status = 403, description = "FORBIDDEN")]
    Forbidden(ErrorResponse),
    #[response(status = 500, description = "INTERNAL_ERROR")]
    Internal(ErrorResponse),
    #[response(status = 503, description = "SERVICE_UNAVAILABLE")]
    Unavailable(ErrorResponse),
    #[response(status = 504, description = "REPOSITORY_TIMEOUT")]
    Timeout(ErrorResponse),
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Modality {
    RecurringPrepaid,
    Postpaid,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PatchPaymentType {
    DirectDebit,
    CreditCard,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountPromotionType {
    Active,
    Scheduled,
    All,
}

/// Computed for today (UTC) at every read.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PromotionStatus {
    Scheduled,
    Active,
    Ended,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PromotionAction {
    Added,
    Cancelled,
    CancellationChanged,
}

/// iban is mandatory when type is DIRECT_DEBIT, token_id is mandatory when type is CREDIT_CARD; give only
/// that one.
#[derive(Serialize, ToSchema)]
pub struct PaymentDetails {
    /// Only for direct debit payment method: an IBAN (country length, national format, mod-97 check
    /// digits). Spaces and lower case are accepted; it is stored and answered in electronic form.
    #[schema(example = "ES9121000418450200051332")]
    pub iban: Option<String>,
    /// Only for credit card payment method, this value is the id of the tokenized credit card.
    #[schema(format = "uuid")]
    pub token_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PatchAccountPaymentMethod {
    #[serde(rename = "type")]
    pub payment_type: PatchPaymentType,
    pub details: Option<PaymentDetails>,
}

/// The same shape as PatchAccountPaymentMethod.
#[derive(Serialize, ToSchema)]
pub struct PaymentMethod {
    #[serde(rename = "type")]
    pub payment_type: PatchPaymentType,
    pub details: Option<PaymentDetails>,
}

#[derive(Serialize, ToSchema)]
pub struct BillingAddress {
    /// 1 to 100 characters.
    pub address_line1: String,
    /// At most 100 characters.
    pub address_line2: Option<String>,
    /// 1 to 60 characters.
    pub city: String,
    /// 1 to 12 letters, digits, spaces or '-'.
    pub postal_code: String,
    /// Province, state or region, at most 60 characters.
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    #[schema(example = "ES")]
    pub country: String,
}

#[derive(Serialize, ToSchema)]
pub struct GetAccount {
    #[schema(format = "uuid")]
    pub account_id: String,
    #[schema(format = "uuid")]
    pub customer_id: String,
    pub org_id: String,
    pub modality: Modality,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The newest of the billing address history; absent when it has none.
    pub billing_address: Option<BillingAddress>,
    pub payment_method: PaymentMethod,
    /// A card being tokenized (patch answered 202): it becomes payment_method 3 seconds later.
    pub pending_payment_method: Option<PaymentMethod>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountPromotion {
    /// The account-promotion relation's id.
    #[schema(format = "uuid")]
    pub account_promotion_id: String,
    /// The catalogue promotion's code.
    pub promotion_id: String,
    pub name: String,
    pub description: Option<String>,
    /// The first day it applies.
    #[schema(format = Date)]
    pub start_date: String,
    /// The last day it applies; absent: until cancelled.
    #[schema(format = Date)]
    pub end_date: Option<String>,
    /// The first day it no longer applies, once cancelled.
    #[schema(format = Date)]
    pub cancellation_date: Option<String>,
    pub status: PromotionStatus,
}

#[derive(Serialize, ToSchema)]
pub struct AccountPromotionHistory {
    #[schema(format = "uuid")]
    pub history_id: String,
    #[schema(format = "uuid")]
    pub account_promotion_id: String,
    pub promotion_id: String,
    pub promotion_name: String,
    pub action: PromotionAction,
    /// When the change was made (RFC 3339).
    #[schema(format = DateTime)]
    pub action_date: String,
    #[schema(format = Date)]
    pub start_date: String,
    #[schema(format = Date)]
    pub end_date: Option<String>,
    /// After this change (CANCELLED, CANCELLATION_CHANGED).
    #[schema(format = Date)]
    pub cancellation_date: Option<String>,
    /// Before it (CANCELLATION_CHANGED).
    #[schema(format = Date)]
    pub previous_cancellation_date: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PatchAccountPromotion {
    /// Cancellation Date to promotion in account: today or later, not after the promotion's end_date.
    #[schema(format = Date)]
    pub cancellation_date: String,
}

#[derive(Serialize, ToSchema)]
pub struct BillingAddressHistoryEntry {
    /// When this address was set (the createStamp that from and to filter on), RFC 3339.
    #[schema(format = DateTime)]
    pub create_stamp: String,
    pub billing_address: BillingAddress,
}

/// Newest first.
#[derive(Serialize, ToSchema)]
pub struct BillingAddressHistoryResponse {
    #[schema(format = "uuid")]
    pub account_id: String,
    pub billing_addresses: Vec<BillingAddressHistoryEntry>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenizedCard {
    #[schema(format = "uuid")]
    pub token_id: String,
    pub brand: String,
    pub last_four: String,
    /// MM/YY.
    pub expiry: String,
}

#[derive(Serialize, ToSchema)]
pub struct AvailablePaymentMethods {
    #[schema(format = "uuid")]
    pub account_id: String,
    /// RECURRING_PREPAID: CREDIT_CARD; POSTPAID: DIRECT_DEBIT and CREDIT_CARD.
    pub payment_types: Vec<PatchPaymentType>,
    /// The customer's tokenized cards.
    pub cards: Vec<TokenizedCard>,
}

/// The customer's open accounts, oldest first.
#[derive(Serialize, ToSchema)]
pub struct AccountIds {
    #[schema(format = "uuid")]
    pub customer_id: String,
    pub account_ids: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PostAccount {
    pub modality: Modality,
    pub billing_address: Option<BillingAddress>,
    pub payment_method: PaymentMethod,
}

#[derive(Serialize, ToSchema)]
pub struct AccountCreated {
    #[schema(format = "uuid")]
    pub account_id: String,
}

/// The token request (client credentials).
#[derive(Serialize, ToSchema)]
pub struct MasTokenRequest {
    /// client_credentials
    pub grant_type: String,
    /// Space-separated subset of `accounts:read accounts:write`; default both.
    pub scope: Option<String>,
    /// With client_secret, when not sent by HTTP Basic.
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MasTokenResponse {
    /// A JWT (HS256, the sandbox's demo key) with `scope` and `orgs`.
    pub access_token: String,
    /// Bearer
    pub token_type: String,
    /// 600
    pub expires_in: u64,
    pub scope: String,
}

/// RFC 6749 section 5.2.
#[derive(Serialize, ToSchema)]
pub struct MasOAuthError {
    pub error: String,
    pub error_description: String,
}

struct MasSecurity;

impl Modify for MasSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scopes = Scopes::from_iter([("accounts:read", "Read accounts and promotions"), ("accounts:write", "Change them")]);
        components.add_security_scheme(
            "masstack",
            SecurityScheme::OAuth2(OAuth2::new([Flow::ClientCredentials(ClientCredentials::new(
                crate::mas::TOKEN_PATH,
                scopes,
            ))])),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "console-sandbox: MasStack MasCustomers v4 stand-in (V4 Accounts, seed 003)",
        description = "MasStack's MasCustomers v4 accounts API as the sandbox serves it, under /masstack/v4 (production https://customers.masstack.com/v4), with MasStack's own OAuth server (client_credentials at /masstack/oauth/token). GETs need the scope accounts:read, writes accounts:write (403 otherwise, and for an organization the token may not act on); 401 for a missing, invalid or expired token. Ids are uuids (400 INVALID_ID otherwise); an unknown id, or another customer's account, is 404. Every error but 405 is an ErrorResponse {code, message, details}; its codes are listed on the ErrorResponse schema. Dates are yyyy-mm-dd, days of the sandbox clock in UTC. Rules of this billing product: a RECURRING_PREPAID account pays by CREDIT_CARD only, a POSTPAID one by DIRECT_DEBIT or CREDIT_CARD; a card token that is not one of the customer's cards (unknown, or anyone else's: cards are looked up by customer) is tokenized for them in 3 seconds (202, pending_payment_method); a customer holds at most 3 open accounts and one POSTPAID (409 on create); an account with an ACTIVE or SCHEDULED promotion cannot be deleted (409). Every write is one transaction. The sandbox's faults (/_sandbox/faults, with --control) make any of these routes answer 500, 503 or 504 (with an ErrorResponse of INTERNAL_ERROR, SERVICE_UNAVAILABLE or REPOSITORY_TIMEOUT) or answer late."
    ),
    paths(
        crate::mas::oauth::token,
        crate::mas::accounts::get_account,
        crate::mas::accounts::patch_payment_method,
        crate::mas::accounts::billing_address_history,
        crate::mas::promotions::current_promotions,
        crate::mas::promotions::account_promotions,
        crate::mas::promotions::promotions_history,
        crate::mas::promotions::cancel_promotion,
        crate::mas::accounts::account_ids,
        crate::mas::accounts::create_account,
        crate::mas::accounts::delete_account,
        crate::mas::accounts::payment_methods,
    ),
    components(schemas(
        ErrorDetail, ErrorResponse, Modality, PatchPaymentType, AccountPromotionType, PromotionStatus, PromotionAction,
        PaymentDetails, PatchAccountPaymentMethod, PaymentMethod, BillingAddress, GetAccount, AccountPromotion,
        AccountPromotionHistory, PatchAccountPromotion, BillingAddressHistoryEntry, BillingAddressHistoryResponse,
        TokenizedCard, AvailablePaymentMethods, AccountIds, PostAccount, AccountCreated, MasTokenRequest,
        MasTokenResponse, MasOAuthError
    )),
    modifiers(&MasSecurity),
    tags(
        (name = "Accounts", description = "Access to accounts"),
        (name = "Customers", description = "A customer's accounts"),
        (name = "OAuth", description = "MasStack's token endpoint"),
    )
)]
pub struct MasDoc;

/// The served document.
pub fn document() -> utoipa::openapi::OpenApi {
    MasDoc::openapi()
}
