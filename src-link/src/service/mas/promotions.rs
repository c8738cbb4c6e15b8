//! An account's promotions: the current ones, those of one type (ACTIVE, SCHEDULED, ALL), their history
//! from a day, and a cancellation from a date (admins).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use console_api::mas::{check, AccountPromotionType, PatchAccountPromotion};
use console_api::validate::{self, ValidationError};

use super::{problem, refuse_input, staff_read, status_only, uuid, AccountRead};
use crate::service::consents_staff::optional;
use crate::service::{attempt, audited, body, invalid, Caller, Cid, Need, Problem, ServiceState};

pub async fn current(State(state): State<ServiceState>, Path(account_id): Path<String>, Cid(cid): Cid, caller: Caller) -> Result<impl IntoResponse, Problem> {
    let read = async {
        uuid("account_id", &account_id, &cid)?;
        state.mas.client(&cid).promotions(&account_id).await.map_err(|e| problem(e, false, &cid))
    };
    staff_read(&state, &caller, "mas.promotions.list", &account_id, &cid, read).await
}

pub async fn by_type(State(state): State<ServiceState>, account: AccountRead, Cid(cid): Cid, caller: Caller) -> Result<impl IntoResponse, Problem> {
    let read = async {
        let pairs = account.query(&["account_promotion_type"], &cid)?;
        let kind = match optional(&pairs, "account_promotion_type") {
            None => None,
            Some(given) => Some(AccountPromotionType::parse_known(given).ok_or_else(|| {
                let message = format!("'{}' is not a promotion type: use ACTIVE, SCHEDULED or ALL", validate::shown(given));
                invalid(&ValidationError { field: "account_promotion_type", message }, &cid)
            })?),
        };
        state.mas.client(&cid).account_promotions(&account.id, kind.as_ref()).await.map_err(|e| problem(e, false, &cid))
    };
    staff_read(&state, &caller, "mas.account_promotions.list", &account.id, &cid, read).await
}

pub async fn history(State(state): State<ServiceState>, account: AccountRead, Cid(cid): Cid, caller: Caller) -> Result<impl IntoResponse, Problem> {
    let read = async {
        let pairs = account.query(&["start_date"], &cid)?;
        let start_date = optional(&pairs, "start_date");
        if let Some(day) = start_date {
            check::date("start_date", day).map_err(|e| invalid(&e, &cid))?;
        }
        state.mas.client(&cid).promotions_history(&account.id, start_date).await.map_err(|e| problem(e, false, &cid))
    };
    staff_read(&state, &caller, "mas.promotions_history.get", &account.id, &cid, read).await
}

/// Admins: the promotion stops applying from `cancellation_date` (204). A date in the past or after the
/// promotion's end is MasCustomers' to refuse, with its code kept for the page.
pub async fn cancel(
    State(state): State<ServiceState>,
    Path((account_id, account_promotion_id)): Path<(String, String)>,
    Cid(cid): Cid,
    caller: Caller,
    bytes: Bytes,
) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "mas.promotion.cancel";
    let target = format!("{account_id}/{account_promotion_id}");
    caller.require(Need::Admin, &state, ACTION, &target, &cid)?;
    let checked = (|| {
        uuid("account_id", &account_id, &cid)?;
        uuid("account_promotion_id", &account_promotion_id, &cid)?;
        let cancellation: PatchAccountPromotion = body(&bytes, &cid)?;
        cancellation.validate().map_err(|e| invalid(&e, &cid))?;
        Ok(cancellation)
    })();
    let cancellation = refuse_input(&state, &caller, ACTION, &target, &cid, checked)?;
    attempt(&state, &caller, ACTION, &target, &cid)?;
    let result = state
        .mas
        .client(&cid)
        .cancel_promotion(&account_id, &account_promotion_id, &cancellation)
        .await
        .map_err(|e| problem(e, true, &cid));
    audited(&state, &caller, ACTION, &target, &cid, result).map(|()| status_only(StatusCode::NO_CONTENT, &cid))
}
