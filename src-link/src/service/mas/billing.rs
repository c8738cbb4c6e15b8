//! An account's billing address history for a date range (`from`, `to`: yyyy-mm-dd, either open; `from`
//! not after `to`).

use axum::extract::{Path, RawQuery, State};
use axum::response::IntoResponse;
use console_api::mas::check;

use super::{account_query, problem, staff_read};
use crate::service::consents_staff::optional;
use crate::service::{invalid, Caller, Cid, Problem, ServiceState};

pub async fn history(
    State(state): State<ServiceState>,
    Path(account_id): Path<String>,
    RawQuery(raw): RawQuery,
    Cid(cid): Cid,
    caller: Caller,
) -> Result<impl IntoResponse, Problem> {
    let read = async {
        let pairs = account_query(&account_id, raw.as_deref(), &["from", "to"], &cid)?;
        let (from, to) = (optional(&pairs, "from"), optional(&pairs, "to"));
        check::date_range(from, to).map_err(|e| invalid(&e, &cid))?;
        state.mas.client(&cid).billing_address_history(&account_id, from, to).await.map_err(|e| problem(e, false, &cid))
    };
    staff_read(&state, &caller, "mas.billing_history.get", &account_id, &cid, read).await
}
