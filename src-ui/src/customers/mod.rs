//! The staff customer area: one person across the bank's three systems (the `people` bundle), and
//! their MasCustomers accounts (the `accounts` bundle). Admins act, agents read (no write button exists for them), customers get
//! "not for your role" (the gateway answers them 403 anyway).
//!
//! * [`customer`]: `/customers/{personId}`: who the person is, then three [`panel`]s side by side, each
//!   loading on its own and saying in itself when its system fails or is slow: [`d1_panel`],
//!   [`accounts_panel`] (with [`create`]), [`consents_panel`].
//! * [`account`]: `/customers/{personId}/accounts/{accountId}`: details, [`payment`] (the change flow and
//!   its IBAN field), [`billing`] (address history and what changed), [`promotions`] (tabs, the
//!   [`promotion_chart`], cancel, history), and [`delete`].

mod account;
mod accounts_panel;
mod billing;
mod consents_panel;
mod create;
mod customer;
mod d1_panel;
mod delete;
mod panel;
mod payment;
mod promotion_chart;
mod promotions;

pub use account::AccountPage;
pub use customer::CustomerPage;

use console_api::gateway::Role;

use crate::session::use_role;

/// Whether the signed-in person may change anything (admins); agents get no write button at all.
fn may_write() -> bool {
    use_role() == Role::Admin
}

/// Staff only: a customer sent here gets the "not for your role" page.
fn is_staff() -> bool {
    use_role().is_staff()
}

/// `2026-09-15T08:00:00Z` as `2026-09-15 08:00` (UTC).
fn short_time(at: &str) -> String {
    match (at.get(..10), at.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => at.to_string(),
    }
}
