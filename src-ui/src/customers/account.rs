//! `/customers/{personId}/accounts/{accountId}`: one MasCustomers account: its details, payment method,
//! billing address history, promotions and their history, and (admins) delete. The account id is checked
//! (a uuid) before anything is asked.

use console_api::gateway::ClientError;
use console_api::mas::{check, GetAccount};
use console_api::mas_client::PaymentMethodChange;
use console_api::page::customer::address_line;
use console_api::page::ErrorView;
use console_api::route::AccountsPath;
use leptos::prelude::*;

use super::billing::BillingHistory;
use super::delete::DeleteAccount;
use super::payment::PaymentSection;
use super::promotions::Promotions;
use super::{is_staff, may_write, short_time};
use crate::common::{ErrorPanel, Forbidden, Loading};
use crate::transport::Client;
use crate::util::new_cid;

#[component]
pub fn AccountPage(person: String, account: String) -> impl IntoView {
    if !is_staff() {
        return view! { <Forbidden/> }.into_any();
    }
    let back = view! { <p><a href=AccountsPath::customer(&person) data-testid="back-to-customer">"← Customer " {person.clone()}</a></p> };
    if let Err(e) = check::uuid("account_id", &account) {
        return view! { <section class="customer-page">{back}<ErrorPanel error=ErrorView::of(&ClientError::Invalid(e), None)/></section> }.into_any();
    }
    let client = expect_context::<Client>();
    // Bumped after a change: the account and its histories are asked again.
    let version = RwSignal::new(0u32);
    // What the last payment method change did: kept here, above the details that the change reloads.
    let payment_done = RwSignal::new(None::<PaymentMethodChange>);
    let details = LocalResource::new({
        let account = account.clone();
        move || {
            version.track();
            let (client, account) = (client.clone(), account.clone());
            async move { client.mas_account(&account, Some(&new_cid())).await.map(|r| r.value).map_err(|e| ErrorView::of(&e, None)) }
        }
    });
    view! {
        <section class="customer-page account-page" data-testid="account-page">
            {back}
            {move || match details.get() {
                None => view! { <Loading label="Loading the account…"/> }.into_any(),
                Some(Err(error)) => view! { <ErrorPanel error/> }.into_any(),
                Some(Ok(found)) => view! { <Details account=found version payment_done/> }.into_any(),
            }}
            <BillingHistory account=account.clone() version/>
            <Promotions account=account.clone() version/>
            // Last, away from the everyday actions.
            {move || details.get().and_then(Result::ok).filter(|_| may_write()).map(|found| view! {
                <DeleteAccount person=person.clone() customer=found.customer_id account=found.account_id/>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn Details(account: GetAccount, version: RwSignal<u32>, payment_done: RwSignal<Option<PaymentMethodChange>>) -> impl IntoView {
    let address = account.billing_address.as_ref().map_or_else(|| "none".to_string(), address_line);
    let changed = Callback::new(move |()| version.update(|v| *v += 1));
    view! {
        <div class="card" data-testid="account-details">
            <div class="page-title">
                <p class="eyebrow">"Account"</p>
                <h1><code>{account.account_id.clone()}</code></h1>
            </div>
            <dl class="facts-grid">
                <dt>"Modality"</dt><dd data-testid="account-modality">{account.modality.label().to_string()}</dd>
                <dt>"Created"</dt><dd>{short_time(&account.created_at)}</dd>
                <dt>"Organization"</dt><dd>{account.org_id.clone()}</dd>
                <dt>"Customer"</dt><dd><code>{account.customer_id.clone()}</code></dd>
                <dt>"Billing address"</dt><dd data-testid="account-address">{address}</dd>
            </dl>
        </div>
        <PaymentSection account=account.clone() on_changed=changed done=payment_done/>
    }
}
