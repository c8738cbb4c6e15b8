//! A customer's accounts: their ids, opening one (admins), closing one (admins), and one account.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use console_api::mas::PostAccount;

use super::{problem, refuse_input, staff_read, status_only, uuid};
use crate::service::{attempt, audited, body, invalid, Answer, ServiceState, Cid, Problem};
use crate::service::{Caller, Need};

pub async fn account_ids(State(state): State<ServiceState>, Path(customer_id): Path<String>, Cid(cid): Cid, caller: Caller) -> Result<impl IntoResponse, Problem> {
    let read = async {
        uuid("customer_id", &customer_id, &cid)?;
        state.mas.client(&cid).account_ids(&customer_id).await.map_err(|e| problem(e, false, &cid))
    };
    staff_read(&state, &caller, "mas.accounts.list", &customer_id, &cid, read).await
}

pub async fn get_account(State(state): State<ServiceState>, Path(account_id): Path<String>, Cid(cid): Cid, caller: Caller) -> Result<impl IntoResponse, Problem> {
    let read = async {
        uuid("account_id", &account_id, &cid)?;
        state.mas.client(&cid).get_account(&account_id).await.map_err(|e| problem(e, false, &cid))
    };
    staff_read(&state, &caller, "mas.account.get", &account_id, &cid, read).await
}

/// Admins: opens an account for the customer (modality, optional billing address, payment method).
pub async fn create(
    State(state): State<ServiceState>,
    Path(customer_id): Path<String>,
    Cid(cid): Cid,
    caller: Caller,
    bytes: Bytes,
) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "mas.account.create";
    caller.require(Need::Admin, &state, ACTION, &customer_id, &cid)?;
    let checked = (|| {
        uuid("customer_id", &customer_id, &cid)?;
        let account: PostAccount = body(&bytes, &cid)?;
        account.validate().map_err(|e| invalid(&e, &cid))?;
        Ok(account)
    })();
    let account = refuse_input(&state, &caller, ACTION, &customer_id, &cid, checked)?;
    attempt(&state, &caller, ACTION, &customer_id, &cid)?;
    let result = state.mas.client(&cid).create_account(&customer_id, &account).await.map_err(|e| problem(e, true, &cid));
    let target = match &result {
        Ok(created) => format!("{customer_id}/{}", created.account_id),
        Err(_) => customer_id.clone(),
    };
    audited(&state, &caller, ACTION, &target, &cid, result).map(|created| Answer(created, cid))
}

/// Admins: closes one of the customer's accounts (204; 409 while it has an active or scheduled promotion).
pub async fn delete(
    State(state): State<ServiceState>,
    Path((customer_id, account_id)): Path<(String, String)>,
    Cid(cid): Cid,
    caller: Caller,
) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "mas.account.delete";
    let target = format!("{customer_id}/{account_id}");
    caller.require(Need::Admin, &state, ACTION, &target, &cid)?;
    let checked = uuid("customer_id", &customer_id, &cid).and_then(|()| uuid("account_id", &account_id, &cid));
    refuse_input(&state, &caller, ACTION, &target, &cid, checked)?;
    attempt(&state, &caller, ACTION, &target, &cid)?;
    let result = state.mas.client(&cid).delete_account(&customer_id, &account_id).await.map_err(|e| problem(e, true, &cid));
    audited(&state, &caller, ACTION, &target, &cid, result).map(|()| status_only(StatusCode::NO_CONTENT, &cid))
}
