//! The account endpoints of MasCustomers v4: get one, change its payment method, its billing address
//! history; a customer's account ids, create and delete an account, the payment methods it may use.
//!
//! Order of checks: the bearer token (401), its scope and organization (403), the ids' form (400), the
//! body and query (400), then the data (404, then 409).

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{Days, NaiveDate, Utc};
use console_api::mas::{
    check, AccountCreated, AccountIds, AvailablePaymentMethods, BillingAddressHistoryResponse, ErrorCode, GetAccount,
    PatchAccountPaymentMethod, PatchPaymentType, PostAccount, SCOPE_READ, SCOPE_WRITE,
};

use super::oauth::MasCaller;
use super::rules::{self, PaymentChange};
use super::store::{self, AccountRow};
use super::{json_body, query_params, transaction, MasFailure, MasPath};
use crate::AppState;


fn wire(row: AccountRow, billing_address: Option<console_api::mas::BillingAddress>) -> GetAccount {
    GetAccount {
        account_id: row.account_id,
        customer_id: row.customer_id,
        org_id: row.org_id,
        modality: row.modality,
        created_at: crate::db::iso(row.created_ms),
        billing_address,
        payment_method: row.payment,
        pending_payment_method: row.pending.map(|(p, _)| p),
    }
}

#[utoipa::path(
    get,
    path = "/masstack/v4/orgs/{org_id}/accounts/{account_id}",
    tag = "Accounts",
    operation_id = "getAccount",
    description = "One open account: modality, its current billing address (the newest of its history), its payment method and, while a card is being tokenized, `pending_payment_method`. A deleted account is 404.",
    params(
        ("org_id" = String, Path, description = "organization name"),
        ("account_id" = String, Path, description = "Account identifier (uuid)"),
    ),
    responses(
        (status = 200, description = "successful operation", body = crate::openapi_mas::GetAccount),
        (status = 400, description = "INVALID_ID", body = crate::openapi_mas::ErrorResponse),
        (status = 404, description = "ACCOUNT_NOT_FOUND", body = crate::openapi_mas::ErrorResponse),
        (status = 405, description = "Method not allowed"),
        crate::openapi_mas::EveryEndpointErrors,
    ),
    security(("masstack" = ["accounts:read"]))
)]
pub async fn get_account(
    State(state): State<AppState>,
    caller: MasCaller,
    MasPath((org_id, account_id)): MasPath<(String, String)>,
) -> Result<Json<GetAccount>, MasFailure> {
    let [account_id] = caller.allowed(SCOPE_READ, &org_id, [("account_id", &account_id)])?;
    let account = transaction(&state, move |tx| {
        let row = rules::open_account(tx, &org_id, &account_id, Utc::now())?;
        let address = store::current_address(tx, &row.account_id)?;
        Ok(wire(row, address))
    })
    .await?;
    Ok(Json(account))
}

#[utoipa::path(
    patch,
    path = "/masstack/v4/orgs/{org_id}/accounts/{account_id}/payment-method",
    tag = "Accounts",
    operation_id = "patchAccountPaymentMethod",
    description = "Changes the payment method. DIRECT_DEBIT needs `details.iban`: a valid IBAN (the country's length, its national format and the mod-97 check digits; spaces and lower case are accepted and stored in electronic form). CREDIT_CARD needs `details.token_id`, a uuid: a token of one of the customer's cards applies at once (204); any other token is a card being tokenized for the customer (whether or not it is known elsewhere: cards are looked up by customer): 202, shown as `pending_payment_method` until it becomes the payment method 3 seconds later (applied on the next read or write of the account). A RECURRING_PREPAID account pays by CREDIT_CARD only; POSTPAID by DIRECT_DEBIT or CREDIT_CARD (see payment-methods).",
    params(
        ("org_id" = String, Path, description = "organization name"),
        ("account_id" = String, Path, description = "Account identifier (uuid)"),
    ),
    request_body(content = crate::openapi_mas::PatchAccountPaymentMethod, content_type = "application/json"),
    responses(
        (status = 202, description = "accepted: the card is being tokenized"),
        (status = 204, description = "successful operation"),
        (status = 400, description = "INVALID_ID, INVALID_REQUEST, INVALID_IBAN, INVALID_TOKEN_ID (not a uuid), PAYMENT_METHOD_NOT_AVAILABLE", body = crate::openapi_mas::ErrorResponse),
        (status = 404, description = "ACCOUNT_NOT_FOUND", body = crate::openapi_mas::ErrorResponse),
        crate::openapi_mas::EveryEndpointErrors,
    ),
    security(("masstack" = ["accounts:write"]))
)]
pub async fn patch_payment_method(
    State(state): State<AppState>,
    caller: MasCaller,
    MasPath((org_id, account_id)): MasPath<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, MasFailure> {
    let [account_id] = caller.allowed(SCOPE_WRITE, &org_id, [("account_id", &account_id)])?;
    let method = rules::checked_payment(&json_body::<PatchAccountPaymentMethod>(&body)?)?;
    transaction(&state, move |tx| {
        let now = Utc::now();
        let row = rules::open_account(tx, &org_id, &account_id, now)?;
        match rules::payment_change(tx, &org_id, &row.customer_id, &row.modality, &method, now)? {
            PaymentChange::Applied => {
                store::set_payment(tx, &account_id, &method, None)?;
                Ok(StatusCode::NO_CONTENT)
            }
            PaymentChange::Pending { ready_ms } => {
                store::set_payment(tx, &account_id, &row.payment, Some((&method, ready_ms)))?;
                Ok(StatusCode::ACCEPTED)
            }
        }
    })
    .await
}

/// `[from, to]` as UTC milliseconds `[from_ms, until_ms)`, whole days.
fn day_bounds(from: Option<NaiveDate>, to: Option<NaiveDate>) -> (i64, i64) {
    let start_ms = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis());
    let from_ms = from.and_then(start_ms).unwrap_or(i64::MIN);
    let until_ms = to.and_then(|t| t.checked_add_days(Days::new(1))).and_then(start_ms).unwrap_or(i64::MAX);
    (from_ms, until_ms)
}

#[utoipa::path(
    get,
    path = "/masstack/v4/orgs/{org_id}/accounts/{account_id}/billing-address-history",
    tag = "Accounts",
    operation_id = "getBillingAddressHistory",
    description = "Every billing address the account has had, newest first, each with its `create_stamp`. `from` and `to` (yyyy-mm-dd, both optional, both included) filter on the creation stamp's UTC day. A date not written yyyy-mm-dd or not in the calendar is 400 INVALID_DATE; `from` after `to` is 400 INVALID_DATE_RANGE.",
    params(
        ("org_id" = String, Path, description = "organization name"),
        ("account_id" = String, Path, description = "Account identifier (uuid)"),
        ("from" = Option<String>, Query, description = "start date query against createStamp column, with format yyyy-mm-dd, for example 2020-01-01"),
        ("to" = Option<String>, Query, description = "end date query against createStamp column with format yyyy-mm-dd, for example 2020-01-01"),
    ),
    responses(
        (status = 200, description = "successful operation", body = crate::openapi_mas::BillingAddressHistoryResponse),
        (status = 400, description = "INVALID_ID, INVALID_DATE, INVALID_DATE_RANGE", body = crate::openapi_mas::ErrorResponse),
        (status = 404, description = "ACCOUNT_NOT_FOUND", body = crate::openapi_mas::ErrorResponse),
        (status = 405, description = "Method not allowed"),
        crate::openapi_mas::EveryEndpointErrors,
    ),
    security(("masstack" = ["accounts:read"]))
)]
pub async fn billing_address_history(
    State(state): State<AppState>,
    caller: MasCaller,
    MasPath((org_id, account_id)): MasPath<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Json<BillingAddressHistoryResponse>, MasFailure> {
    let [account_id] = caller.allowed(SCOPE_READ, &org_id, [("account_id", &account_id)])?;
    let params = query_params(query.as_deref());
    let (from, to) = check::date_range(params.get("from").map(String::as_str), params.get("to").map(String::as_str))
        .map_err(|e| {
            let code = if e.message.contains("is after") { ErrorCode::InvalidDateRange } else { ErrorCode::InvalidDate };
            MasFailure::bad_field(code, &e)
        })?;
    let (from_ms, until_ms) = day_bounds(from, to);
    let history = transaction(&state, move |tx| {
        let row = rules::open_account(tx, &org_id, &account_id, Utc::now())?;
        let billing_addresses = store::addresses(tx, &row.account_id, from_ms, until_ms)?;
        Ok(BillingAddressHistoryResponse { account_id: row.account_id, billing_addresses })
    })
    .await?;
    Ok(Json(history))
}

#[utoipa::path(
    get,
    path = "/masstack/v4/orgs/{org_id}/customers/{customer_id}/accounts",
    tag = "Customers",
    operation_id = "getCustomerAccounts",
    description = "The customer's open accounts, oldest first (deleted ones are not listed). A customer without accounts gets an empty list; an unknown customer is 404.",
    params(
        ("org_id" = String, Path, description = "organization name"),
        ("customer_id" = String, Path, description = "Customer identifier (uuid)"),
    ),
    responses(
        (status = 200, description = "Customer accounts returned successfully", body = crate::openapi_mas::AccountIds),
        (status = 400, description = "INVALID_ID", body = crate::openapi_mas::ErrorResponse),
        (status = 404, description = "CUSTOMER_NOT_FOUND", body = crate::openapi_mas::ErrorResponse),
        crate::openapi_mas::EveryEndpointErrors,
    ),
    security(("masstack" = ["accounts:read"]))
)]
pub async fn account_ids(
    State(state): State<AppState>,
    caller: MasCaller,
    MasPath((org_id, customer_id)): MasPath<(String, String)>,
) -> Result<Json<AccountIds>, MasFailure> {
    let [customer_id] = caller.allowed(SCOPE_READ, &org_id, [("customer_id", &customer_id)])?;
    let ids = transaction(&state, move |tx| {
        rules::require_customer(tx, &org_id, &customer_id)?;
        let account_ids = store::open_accounts(tx, &org_id, &customer_id)?.into_iter().map(|a| a.account_id).collect();
        Ok(AccountIds { customer_id, account_ids })
    })
    .await?;
    Ok(Json(ids))
}

#[utoipa::path(
    post,
    path = "/masstack/v4/orgs/{org_id}/customers/{customer_id}/accounts",
    tag = "Customers",
    operation_id = "postCustomerAccount",
    description = "Opens an account: `modality` RECURRING_PREPAID or POSTPAID, an optional `billing_address` (the first row of its history), a `payment_method` checked as in patchAccountPaymentMethod (a card must already be one of the customer's tokenized cards: any other token_id, unknown or anyone else's, is 400 INVALID_TOKEN_ID with one text). Conflicts (409): a customer holds at most 3 open accounts (ACCOUNT_LIMIT_REACHED) and at most one POSTPAID (POSTPAID_ACCOUNT_EXISTS). Answers 200 with the new account's id, as the seed says.",
    params(
        ("org_id" = String, Path, description = "organization name"),
        ("customer_id" = String, Path, description = "Customer identifier (uuid)"),
    ),
    request_body(content = crate::openapi_mas::PostAccount, content_type = "application/json"),
    responses(
        (status = 200, description = "successful operation", body = crate::openapi_mas::AccountCreated),
        (status = 400, description = "INVALID_ID, INVALID_REQUEST, INVALID_BILLING_ADDRESS, INVALID_IBAN, INVALID_TOKEN_ID, PAYMENT_METHOD_NOT_AVAILABLE", body = crate::openapi_mas::ErrorResponse),
        (status = 404, description = "CUSTOMER_NOT_FOUND", body = crate::openapi_mas::ErrorResponse),
        (status = 409, description = "ACCOUNT_LIMIT_REACHED, POSTPAID_ACCOUNT_EXISTS", body = crate::openapi_mas::ErrorResponse),
        crate::openapi_mas::EveryEndpointErrors,
    ),
    security(("masstack" = ["accounts:write"]))
)]
pub async fn create_account(
    State(state): State<AppState>,
    caller: MasCaller,
    MasPath((org_id, customer_id)): MasPath<(String, String)>,
    body: Bytes,
) -> Result<Json<AccountCreated>, MasFailure> {
    let [customer_id] = caller.allowed(SCOPE_WRITE, &org_id, [("customer_id", &customer_id)])?;
    let post: PostAccount = json_body(&body)?;
    post.validate().map_err(|e| {
        // `validate` refuses a payment type the modality does not take (`Modality::allows`): that is
        // PAYMENT_METHOD_NOT_AVAILABLE, as on a change, not INVALID_REQUEST.
        let unavailable = e.field == "payment_method.type" && !matches!(post.payment_method.payment_type, PatchPaymentType::Other(_));
        MasFailure::bad_field(if unavailable { ErrorCode::PaymentMethodNotAvailable } else { rules::code_of(&e) }, &e)
    })?;
    let payment = post.payment_method.normalized();
    let created = transaction(&state, move |tx| {
        let now = Utc::now();
        rules::require_customer(tx, &org_id, &customer_id)?;
        if let rules::PaymentChange::Pending { .. } =
            rules::payment_change(tx, &org_id, &customer_id, &post.modality, &payment, now)?
        {
            return Err(MasFailure::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidTokenId, rules::NOT_A_TOKENIZED_CARD));
        }
        rules::may_create(&store::open_accounts(tx, &org_id, &customer_id)?, &post.modality)?;
        let account_id = uuid::Uuid::new_v4().to_string();
        let now_ms = now.timestamp_millis();
        store::insert_account(
            tx,
            &AccountRow {
                account_id: account_id.clone(),
                org_id: org_id.clone(),
                customer_id: customer_id.clone(),
                modality: post.modality.clone(),
                created_ms: now_ms,
                payment,
                pending: None,
            },
        )?;
        if let Some(address) = &post.billing_address {
            store::insert_address(tx, &account_id, now_ms, address)?;
        }
        Ok(AccountCreated { account_id })
    })
    .await?;
    tracing::info!(account = %created.account_id, "MasCustomers account created");
    Ok(Json(created))
}

#[utoipa::path(
    delete,
    path = "/masstack/v4/orgs/{org_id}/customers/{customer_id}/accounts/{account_id}",
    tag = "Customers",
    operation_id = "deleteCustomerAccount",
    description = "Deletes the customer's account: it disappears from the customer's account ids and every read of it is 404. Not while it has an ACTIVE or SCHEDULED promotion: 409 ACCOUNT_HAS_PROMOTIONS (cancel them first; a cancellation from today ends a promotion today). Another customer's account is 404.",
    params(
        ("org_id" = String, Path, description = "organization name"),
        ("customer_id" = String, Path, description = "Customer identifier (uuid)"),
        ("account_id" = String, Path, description = "Account identifier (uuid)"),
    ),
    responses(
        (status = 204, description = "successful operation"),
        (status = 400, description = "INVALID_ID", body = crate::openapi_mas::ErrorResponse),
        (status = 404, description = "CUSTOMER_NOT_FOUND, ACCOUNT_NOT_FOUND", body = crate::openapi_mas::ErrorResponse),
        (status = 409, description = "ACCOUNT_HAS_PROMOTIONS", body = crate::openapi_mas::ErrorResponse),
        crate::openapi_mas::EveryEndpointErrors,
    ),
    security(("masstack" = ["accounts:write"]))
)]
pub async fn delete_account(
    State(state): State<AppState>,
    caller: MasCaller,
    MasPath((org_id, customer_id, account_id)): MasPath<(String, String, String)>,
) -> Result<StatusCode, MasFailure> {
    let [customer_id, account_id] = caller.allowed(SCOPE_WRITE, &org_id, [("customer_id", &customer_id), ("account_id", &account_id)])?;
    let deleted = account_id.clone();
    transaction(&state, move |tx| {
        let now = Utc::now();
        let row = rules::customer_account(tx, &org_id, &customer_id, &account_id, now)?;
        rules::may_delete(&store::promotions(tx, &row.account_id)?, now.date_naive())?;
        store::mark_deleted(tx, &row.account_id, now.timestamp_millis())?;
        Ok(())
    })
    .await?;
    tracing::info!(account = %deleted, "MasCustomers account deleted");
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/masstack/v4/orgs/{org_id}/customers/{customer_id}/accounts/{account_id}/payment-methods",
    tag = "Customers",
    operation_id = "getAvailablePaymentMethods",
    description = "The payment types the account may use (RECURRING_PREPAID: CREDIT_CARD; POSTPAID: DIRECT_DEBIT and CREDIT_CARD) and the customer's tokenized cards to choose a `token_id` from (a card still being tokenized is listed once ready).",
    params(
        ("org_id" = String, Path, description = "organization name"),
        ("customer_id" = String, Path, description = "Customer identifier (uuid)"),
        ("account_id" = String, Path, description = "Account identifier (uuid)"),
    ),
    responses(
        (status = 200, description = "Payment methods returned successfully", body = crate::openapi_mas::AvailablePaymentMethods),
        (status = 400, description = "INVALID_ID", body = crate::openapi_mas::ErrorResponse),
        (status = 404, description = "CUSTOMER_NOT_FOUND, ACCOUNT_NOT_FOUND", body = crate::openapi_mas::ErrorResponse),
        crate::openapi_mas::EveryEndpointErrors,
    ),
    security(("masstack" = ["accounts:read"]))
)]
pub async fn payment_methods(
    State(state): State<AppState>,
    caller: MasCaller,
    MasPath((org_id, customer_id, account_id)): MasPath<(String, String, String)>,
) -> Result<Json<AvailablePaymentMethods>, MasFailure> {
    let [customer_id, account_id] = caller.allowed(SCOPE_READ, &org_id, [("customer_id", &customer_id), ("account_id", &account_id)])?;
    let methods = transaction(&state, move |tx| {
        let now = Utc::now();
        let row = rules::customer_account(tx, &org_id, &customer_id, &account_id, now)?;
        Ok(AvailablePaymentMethods {
            payment_types: rules::payment_types(&row.modality),
            cards: store::ready_cards(tx, &org_id, &customer_id, now.timestamp_millis())?,
            account_id: row.account_id,
        })
    })
    .await?;
    Ok(Json(methods))
}
