//! An account's billing address history for a date range (`from`, `to`: yyyy-mm-dd, either open; `from`
//! not after `to`).

use axum::extract::State;
use axum::response::IntoResponse;
use console_api::mas::check;

use super::{problem, staff_read, AccountRead};
use crate::service::consents_staff::optional;
use crate::service::{invalid, Caller, Cid, Problem, ServiceState};

pub async fn history(State(state): State<ServiceState>, account: AccountRead, Cid(cid): Cid, caller: Caller) -> Result<impl IntoResponse, Problem> {
    let read = async {
        let pairs = account.query(&["from", "to"], &cid)?;
        let (from, to) = (optional(&pairs, "from"), optional(&pairs, "to"));
        check::date_range(from, to).map_err(|e| invalid(&e, &cid))?;
        state.mas.client(&cid).billing_address_history(&account.id, from, to).await.map_err(|e| problem(e, false, &cid))
    };
    staff_read(&state, &caller, "mas.billing_history.get", &account.id, &cid, read).await
}
