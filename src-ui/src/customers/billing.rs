//! An account's billing address history for a date range (against the addresses' creation stamps), newest
//! first, each address with what changed from the one before it. The range is checked before it is asked.

use chrono::Datelike;
use console_api::gateway::ClientError;
use console_api::mas::check;
use console_api::page::customer::{address_rows, AddressRow};
use console_api::page::ErrorView;
use leptos::prelude::*;

use crate::common::ErrorPanel;
use crate::transport::Client;
use crate::util::{new_cid, today};

/// The range shown first: the last two years, as far back as the demo data goes.
const DEFAULT_YEARS: i32 = 2;

#[component]
pub fn BillingHistory(account: String, #[prop(into)] version: Signal<u32>) -> impl IntoView {
    let client = expect_context::<Client>();
    let today = today();
    let from = RwSignal::new(today.with_year(today.year() - DEFAULT_YEARS).unwrap_or(today).to_string());
    let to = RwSignal::new(today.to_string());
    // The range asked: changed by "Show", and only once it is valid.
    let asked = RwSignal::new((from.get_untracked(), to.get_untracked()));
    let range_error = RwSignal::new(None::<String>);
    let history = LocalResource::new(move || {
        version.track();
        let ((from, to), client, account) = (asked.get(), client.clone(), account.clone());
        async move {
            client
                .mas_billing_address_history(&account, Some(&from), Some(&to), Some(&new_cid()))
                .await
                .map(|r| address_rows(&r.value.billing_addresses))
                .map_err(|e| ErrorView::of(&e, None))
        }
    });
    let show = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (f, t) = (from.get_untracked(), to.get_untracked());
        match check::date_range(Some(&f), Some(&t)) {
            Ok(_) => {
                range_error.set(None);
                asked.set((f, t));
            }
            Err(e) => range_error.set(Some(ErrorView::of(&ClientError::Invalid(e), None).message)),
        }
    };
    view! {
        <section class="card" data-testid="billing-section">
            <h2 class="card-title">"Billing address history"</h2>
            <form class="field-row" on:submit=show novalidate>
                <label class="field"><span>"From"</span>
                    <input type="date" data-testid="billing-from" prop:value=from on:input=move |ev| from.set(event_target_value(&ev))/></label>
                <label class="field"><span>"To"</span>
                    <input type="date" data-testid="billing-to" prop:value=to on:input=move |ev| to.set(event_target_value(&ev))/></label>
                <button type="submit" class="btn" data-testid="billing-show">"Show"</button>
            </form>
            {move || range_error.get().map(|m| view! { <p class="field-error" data-testid="billing-range-error">{m}</p> })}
            {move || match history.get() {
                None => view! { <p class="loading" role="status">"Loading the addresses…"</p> }.into_any(),
                Some(Err(error)) => view! { <ErrorPanel error/> }.into_any(),
                Some(Ok(rows)) if rows.is_empty() => view! { <p class="muted" data-testid="billing-none">"No address was set in this range."</p> }.into_any(),
                Some(Ok(rows)) => view! {
                    <p class="muted" data-testid="billing-count">{format!("{} addresses in this range, newest first", rows.len())}</p>
                    <ol class="address-history">{rows.into_iter().map(|row| view! { <Row row/> }).collect_view()}</ol>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Row(row: AddressRow) -> impl IntoView {
    let changes = match row.changes {
        None => view! { <p class="muted">"The first address in this range."</p> }.into_any(),
        Some(changes) if changes.is_empty() => view! { <p class="muted">"Set again, unchanged."</p> }.into_any(),
        Some(changes) => view! {
            <ul class="address-changes">
                {changes.into_iter().map(|c| view! {
                    <li data-testid="address-change"><span class="change-field">{c.field}</span> ": " <del>{c.before}</del> " → " <ins>{c.after}</ins></li>
                }).collect_view()}
            </ul>
        }.into_any(),
    };
    view! {
        <li class="address-row" data-testid="address-row">
            <time>{row.set_at}</time>
            <p class="address">{row.address}</p>
            {changes}
        </li>
    }
}
