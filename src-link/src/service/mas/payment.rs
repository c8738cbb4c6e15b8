//! An account's payment method: what it may use (and the customer's tokenized cards), and the change
//! (admins): a direct debit with a valid IBAN, or a tokenized card.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use console_api::mas::PatchAccountPaymentMethod;
use console_api::mas_client::PaymentMethodChange;

use super::{problem, refuse_input, staff_read, status_only, uuid};
use crate::service::{attempt, audited, body, invalid, Cid, Problem, ServiceState};
use crate::service::{Caller, Need};

pub async fn available(
    State(state): State<ServiceState>,
    Path((customer_id, account_id)): Path<(String, String)>,
    Cid(cid): Cid,
    caller: Caller,
) -> Result<impl IntoResponse, Problem> {
    let target = format!("{customer_id}/{account_id}");
    let read = async {
        uuid("customer_id", &customer_id, &cid)?;
        uuid("account_id", &account_id, &cid)?;
        state.mas.client(&cid).payment_methods(&customer_id, &account_id).await.map_err(|e| problem(e, false, &cid))
    };
    staff_read(&state, &caller, "mas.payment_methods.get", &target, &cid, read).await
}

/// Admins: 204 when the account uses the new method now, 202 while a card is still being tokenized.
pub async fn change(
    State(state): State<ServiceState>,
    Path(account_id): Path<String>,
    Cid(cid): Cid,
    caller: Caller,
    bytes: Bytes,
) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "mas.payment_method.change";
    caller.require(Need::Admin, &state, ACTION, &account_id, &cid)?;
    let checked = (|| {
        uuid("account_id", &account_id, &cid)?;
        let method: PatchAccountPaymentMethod = body(&bytes, &cid)?;
        method.validate().map_err(|e| invalid(&e, &cid))?;
        Ok(method)
    })();
    let method = refuse_input(&state, &caller, ACTION, &account_id, &cid, checked)?;
    attempt(&state, &caller, ACTION, &account_id, &cid)?;
    let result = state.mas.client(&cid).patch_payment_method(&account_id, &method).await.map_err(|e| problem(e, true, &cid));
    audited(&state, &caller, ACTION, &account_id, &cid, result).map(|change| match change {
        PaymentMethodChange::Applied => status_only(StatusCode::NO_CONTENT, &cid),
        PaymentMethodChange::Pending => status_only(StatusCode::ACCEPTED, &cid),
    })
}
