//! The promotion endpoints of MasCustomers v4: the current promotions, by type, their history, and
//! cancelling one. Statuses follow `console_api::mas::promotion` on the sandbox clock's UTC day.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use console_api::mas::{
    check, AccountPromotion, AccountPromotionHistory, AccountPromotionType, ErrorCode, PatchAccountPromotion,
    PromotionAction, PromotionStatus, SCOPE_READ, SCOPE_WRITE,
};
use console_api::validate::ValidationError;

use super::oauth::MasCaller;
use super::store::{self, NewHistory};
use super::{json_body, query_params, rules, transaction, MasFailure, MasPath};
use crate::AppState;


/// The account's promotions whose status on today passes `keep`, by start date.
async fn listed(
    state: &AppState,
    org_id: String,
    account_id: String,
    keep: fn(&PromotionStatus) -> bool,
) -> Result<Vec<AccountPromotion>, MasFailure> {
    transaction(state, move |tx| {
        let now = Utc::now();
        let row = rules::open_account(tx, &org_id, &account_id, now)?;
        let today = now.date_naive();
        Ok(store::promotions(tx, &row.account_id)?
            .iter()
            .map(|p| p.to_wire(today))
            .filter(|p| keep(&p.status))
            .collect())
    })
    .await
}

#[utoipa::path(
    get,
    path = "/masstack/v4/orgs/{org_id}/accounts/{account_id}/promotions",
    tag = "Accounts",
    operation_id = "getAccountPromotions",
    description = "The account's current promotions: ACTIVE and SCHEDULED ones (ended ones are left out), by start date. A promotion is SCHEDULED before its start_date, ACTIVE from it through its end_date (inclusive) unless cancelled, ENDED after its end_date or from its cancellation_date on; computed for today (UTC) at every read.",
    params(
        ("org_id" = String, Path, description = "organization name"),
        ("account_id" = String, Path, description = "Account identifier (uuid)"),
    ),
    responses(
        (status = 200, description = "successful operation", body = [crate::openapi_mas::AccountPromotion]),
        (status = 400, description = "INVALID_ID", body = crate::openapi_mas::ErrorResponse),
        (status = 404, description = "ACCOUNT_NOT_FOUND", body = crate::openapi_mas::ErrorResponse),
        crate::openapi_mas::EveryEndpointErrors,
    ),
    security(("masstack" = ["accounts:read"]))
)]
pub async fn current_promotions(
    State(state): State<AppState>,
    caller: MasCaller,
    MasPath((org_id, account_id)): MasPath<(String, String)>,
) -> Result<Json<Vec<AccountPromotion>>, MasFailure> {
    let [account_id] = caller.allowed(SCOPE_READ, &org_id, [("account_id", &account_id)])?;
    Ok(Json(listed(&state, org_id, account_id, |s| *s != PromotionStatus::Ended).await?))
}

#[utoipa::path(
    get,
    path = "/masstack/v4/orgs/{org_id}/accounts/{account_id}/account-promotions",
    tag = "Accounts",
    operation_id = "getAccountPromotionsByType",
    description = "The account's promotions of one type, by start date: ACTIVE, SCHEDULED, or ALL (also the ended ones; the default when account_promotion_type is absent). Another value is 400 INVALID_PROMOTION_TYPE.",
    params(
        ("org_id" = String, Path, description = "organization name"),
        ("account_id" = String, Path, description = "Account identifier (uuid)"),
        ("account_promotion_type" = Option<crate::openapi_mas::AccountPromotionType>, Query, description = "Account Promotion Type"),
    ),
    responses(
        (status = 200, description = "successful operation", body = [crate::openapi_mas::AccountPromotion]),
        (status = 400, description = "INVALID_ID, INVALID_PROMOTION_TYPE", body = crate::openapi_mas::ErrorResponse),
        (status = 404, description = "ACCOUNT_NOT_FOUND", body = crate::openapi_mas::ErrorResponse),
        crate::openapi_mas::EveryEndpointErrors,
    ),
    security(("masstack" = ["accounts:read"]))
)]
pub async fn account_promotions(
    State(state): State<AppState>,
    caller: MasCaller,
    MasPath((org_id, account_id)): MasPath<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<AccountPromotion>>, MasFailure> {
    let [account_id] = caller.allowed(SCOPE_READ, &org_id, [("account_id", &account_id)])?;
    let kind = match query_params(query.as_deref()).get("account_promotion_type") {
        None => AccountPromotionType::All,
        Some(value) => AccountPromotionType::parse_known(value).ok_or_else(|| {
            MasFailure::bad_field(
                ErrorCode::InvalidPromotionType,
                &ValidationError {
                    field: "account_promotion_type",
                    message: format!("'{value}' is not a promotion type: use ACTIVE, SCHEDULED or ALL"),
                },
            )
        })?,
    };
    let keep: fn(&PromotionStatus) -> bool = match kind {
        AccountPromotionType::Active => |s| *s == PromotionStatus::Active,
        AccountPromotionType::Scheduled => |s| *s == PromotionStatus::Scheduled,
        _ => |_| true,
    };
    Ok(Json(listed(&state, org_id, account_id, keep).await?))
}

#[utoipa::path(
    get,
    path = "/masstack/v4/orgs/{org_id}/accounts/{account_id}/promotions-history",
    tag = "Accounts",
    operation_id = "getAccountPromotionsHistory",
    description = "Every change of the account's promotions, newest first: ADDED, CANCELLED (a cancellation date set), CANCELLATION_CHANGED (moved, with the previous date). `start_date` (yyyy-mm-dd, optional): only the changes made on that UTC day or later; a bad date is 400 INVALID_DATE.",
    params(
        ("org_id" = String, Path, description = "organization name"),
        ("account_id" = String, Path, description = "Account identifier (uuid)"),
        ("start_date" = Option<String>, Query, description = "Reference date to list account promotion operation history"),
    ),
    responses(
        (status = 200, description = "successful operation", body = [crate::openapi_mas::AccountPromotionHistory]),
        (status = 400, description = "INVALID_ID, INVALID_DATE", body = crate::openapi_mas::ErrorResponse),
        (status = 404, description = "ACCOUNT_NOT_FOUND", body = crate::openapi_mas::ErrorResponse),
        crate::openapi_mas::EveryEndpointErrors,
    ),
    security(("masstack" = ["accounts:read"]))
)]
pub async fn promotions_history(
    State(state): State<AppState>,
    caller: MasCaller,
    MasPath((org_id, account_id)): MasPath<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<AccountPromotionHistory>>, MasFailure> {
    let [account_id] = caller.allowed(SCOPE_READ, &org_id, [("account_id", &account_id)])?;
    let from_ms = match query_params(query.as_deref()).get("start_date") {
        None => i64::MIN,
        Some(day) => check::date("start_date", day)
            .map_err(|e| MasFailure::bad_field(ErrorCode::InvalidDate, &e))?
            .and_hms_opt(0, 0, 0)
            .map_or(i64::MIN, |t| t.and_utc().timestamp_millis()),
    };
    let history = transaction(&state, move |tx| {
        let row = rules::open_account(tx, &org_id, &account_id, Utc::now())?;
        store::history(tx, &row.account_id, from_ms)
            .map_err(MasFailure::from)
    })
    .await?;
    Ok(Json(history))
}

#[utoipa::path(
    patch,
    path = "/masstack/v4/orgs/{org_id}/accounts/{account_id}/promotions/{account_promotion_id}",
    tag = "Accounts",
    operation_id = "patchAccountPromotion",
    description = "Cancels the promotion from `cancellation_date` (yyyy-mm-dd), the first day it no longer applies: today (it ends today) or later, and not after its end_date. A date in the past is 400 CANCELLATION_DATE_IN_PAST, one after the end 400 CANCELLATION_AFTER_PROMOTION_END; an ENDED promotion (past its end, or its cancellation reached) is 409 PROMOTION_ENDED. A cancellation not yet reached may be moved (CANCELLATION_CHANGED in the history); the same date again changes nothing. Every change is a row of promotions-history.",
    params(
        ("org_id" = String, Path, description = "organization name"),
        ("account_id" = String, Path, description = "Account identifier (uuid)"),
        ("account_promotion_id" = String, Path, description = "Account promotion relation identifier (uuid)"),
    ),
    request_body(content = crate::openapi_mas::PatchAccountPromotion, content_type = "application/json"),
    responses(
        (status = 204, description = "successful operation"),
        (status = 400, description = "INVALID_ID, INVALID_REQUEST, INVALID_DATE, CANCELLATION_DATE_IN_PAST, CANCELLATION_AFTER_PROMOTION_END", body = crate::openapi_mas::ErrorResponse),
        (status = 404, description = "ACCOUNT_NOT_FOUND, PROMOTION_NOT_FOUND", body = crate::openapi_mas::ErrorResponse),
        (status = 409, description = "PROMOTION_ENDED", body = crate::openapi_mas::ErrorResponse),
        crate::openapi_mas::EveryEndpointErrors,
    ),
    security(("masstack" = ["accounts:write"]))
)]
pub async fn cancel_promotion(
    State(state): State<AppState>,
    caller: MasCaller,
    MasPath((org_id, account_id, account_promotion_id)): MasPath<(String, String, String)>,
    body: Bytes,
) -> Result<StatusCode, MasFailure> {
    let [account_id, account_promotion_id] = caller.allowed(SCOPE_WRITE, &org_id, [("account_id", &account_id), ("account_promotion_id", &account_promotion_id)])?;
    let patch: PatchAccountPromotion = json_body(&body)?;
    let date = check::date("cancellation_date", &patch.cancellation_date)
        .map_err(|e| MasFailure::bad_field(ErrorCode::InvalidDate, &e))?;
    transaction(&state, move |tx| {
        let now = Utc::now();
        let row = rules::open_account(tx, &org_id, &account_id, now)?;
        let promotion = store::promotion(tx, &row.account_id, &account_promotion_id)?.ok_or_else(|| {
            MasFailure::not_found(
                ErrorCode::PromotionNotFound,
                format!("account {account_id} has no promotion {account_promotion_id}"),
            )
        })?;
        promotion.period().check_cancellation(date, now.date_naive()).map_err(|(code, message)| {
            let status = if code == ErrorCode::PromotionEnded { StatusCode::CONFLICT } else { StatusCode::BAD_REQUEST };
            MasFailure::new(status, code, message)
        })?;
        if promotion.cancellation == Some(date) {
            return Ok(());
        }
        store::set_cancellation(tx, &account_promotion_id, date)?;
        let history_id = uuid::Uuid::new_v4().to_string();
        store::insert_history(
            tx,
            &NewHistory {
                history_id: &history_id,
                account_promotion_id: &account_promotion_id,
                account_id: &row.account_id,
                action: if promotion.cancellation.is_some() {
                    PromotionAction::CancellationChanged
                } else {
                    PromotionAction::Cancelled
                },
                action_ms: now.timestamp_millis(),
                cancellation: Some(date),
                previous_cancellation: promotion.cancellation,
            },
        )?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
