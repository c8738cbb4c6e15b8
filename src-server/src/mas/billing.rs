//! An account's billing address history for a date range (`from`, `to`: yyyy-mm-dd, either open; `from`
//! not after `to`).

use axum::extract::{Path, RawQuery, State};
use axum::response::IntoResponse;
use console_api::mas::check;

use super::{problem, uuid};
use crate::api::{audited, invalid, Answer, AppState, Cid, Problem};
use crate::auth::{Caller, Need};
use crate::consents_staff::{only, optional, query_pairs};

pub async fn history(
    State(state): State<AppState>,
    Path(account_id): Path<String>,
    RawQuery(raw): RawQuery,
    Cid(cid): Cid,
    caller: Caller,
) -> Result<impl IntoResponse, Problem> {
    const ACTION: &str = "mas.billing_history.get";
    caller.require(Need::Staff, &state, ACTION, &account_id, &cid)?;
    let result = async {
        uuid("account_id", &account_id, &cid)?;
        let pairs = query_pairs(raw.as_deref());
        only(&pairs, &["from", "to"], &cid)?;
        let (from, to) = (optional(&pairs, "from"), optional(&pairs, "to"));
        check::date_range(from, to).map_err(|e| invalid(&e, &cid))?;
        state.mas.client(&cid).billing_address_history(&account_id, from, to).await.map_err(|e| problem(e, false, &cid))
    }
    .await;
    audited(&state, &caller, ACTION, &account_id, &cid, result).map(|history| Answer(history, cid))
}
