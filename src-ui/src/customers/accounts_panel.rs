//! The customer page's accounts panel: the person's MasCustomers accounts, each loading on its own (its
//! modality, payment method and current promotions) with a link to its page; admins create accounts here.

use console_api::mas::{AccountPromotion, GetAccount, PatchPaymentType};
use console_api::page::ErrorView;
use console_api::route::AccountsPath;
use leptos::prelude::*;

use super::create::CreateAccount;
use super::panel::{Absent, Failed, Panel, PanelState, Waiting};
use super::may_write;
use crate::transport::Client;
use crate::util::new_cid;

#[component]
pub fn AccountsPanel(person: String, customer: Option<String>) -> impl IntoView {
    let Some(customer) = customer else {
        return view! {
            <Panel title="Accounts" testid="panel-accounts" state=PanelState::Absent>
                <Absent text="This person has no MasCustomers customer."/>
            </Panel>
        }
        .into_any();
    };
    let client = expect_context::<Client>();
    // Bumped after a create: the list is asked again.
    let version = RwSignal::new(0u32);
    let ids = LocalResource::new({
        let customer = customer.clone();
        move || {
            version.track();
            let (client, customer) = (client.clone(), customer.clone());
            async move {
                client.mas_account_ids(&customer, Some(&new_cid())).await.map(|r| r.value.account_ids).map_err(|e| ErrorView::of(&e, None))
            }
        }
    });
    let created = Callback::new(move |()| version.update(|v| *v += 1));
    view! {
        <Panel title="Accounts" testid="panel-accounts" state=Signal::derive(move || PanelState::of(&ids.get()))>
            {move || match ids.get() {
                None => view! { <Waiting system="MasCustomers"/> }.into_any(),
                Some(Err(error)) => view! { <Failed system="MasCustomers" what="The accounts" error/> }.into_any(),
                Some(Ok(ids)) => {
                    let (person, customer) = (person.clone(), customer.clone());
                    // The customer's tokenized cards are read through one of their accounts.
                    let create = may_write().then(|| view! { <CreateAccount customer any_account=ids.first().cloned() on_created=created/> });
                    let list = if ids.is_empty() {
                        view! { <p class="muted" data-testid="accounts-none">"No open accounts."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="account-list">
                                {ids.into_iter().map(|account| view! { <AccountRow person=person.clone() account/> }).collect_view()}
                            </ul>
                        }.into_any()
                    };
                    view! { {list} {create} }.into_any()
                }
            }}
        </Panel>
    }
    .into_any()
}

/// One account: asked on its own, so that one slow account does not hold the others.
#[component]
fn AccountRow(person: String, account: String) -> impl IntoView {
    let client = expect_context::<Client>();
    let details = LocalResource::new({
        let account = account.clone();
        move || {
            let (client, account) = (client.clone(), account.clone());
            async move {
                let cid = new_cid();
                let details = client.mas_account(&account, Some(&cid)).await.map_err(|e| ErrorView::of(&e, None))?;
                let promotions = client.mas_promotions(&account, Some(&cid)).await.map_err(|e| ErrorView::of(&e, None))?;
                Ok::<_, ErrorView>((details.value, promotions.value))
            }
        }
    });
    let href = AccountsPath::account(&person, &account);
    view! {
        <li class="account-row" data-testid="account-row" data-account=account.clone()>
            <a href=href class="account-link" data-testid="account-link" title=account.clone()><code>{short_id(&account)}</code></a>
            {move || match details.get() {
                None => view! { <span class="muted">"Loading…"</span> }.into_any(),
                Some(Err(error)) => view! { <span class="field-error" title=error.message.clone()>"Could not load this account: " {error.title}</span> }.into_any(),
                Some(Ok((account, promotions))) => view! { <AccountSummary account promotions/> }.into_any(),
            }}
        </li>
    }
}

#[component]
fn AccountSummary(account: GetAccount, promotions: Vec<AccountPromotion>) -> impl IntoView {
    let promotions = if promotions.is_empty() {
        "no current promotions".to_string()
    } else {
        promotions.iter().map(|p| format!("{} ({})", p.name, p.status.label())).collect::<Vec<_>>().join(", ")
    };
    view! {
        <span class="badge badge-other" data-testid="account-modality">{account.modality.label().to_string()}</span>
        <span data-testid="account-status">{if account.pending_payment_method.is_some() { "Open · card pending" } else { "Open" }}</span>
        <span data-testid="account-payment">{payment_label(&account.payment_method.payment_type, account.payment_method.details.as_ref().and_then(|d| d.iban.as_deref()))}</span>
        <span class="muted" data-testid="account-promotions">{promotions}</span>
    }
}

/// "Direct debit ····1332" or "Credit card".
pub fn payment_label(kind: &PatchPaymentType, iban: Option<&str>) -> String {
    match iban {
        Some(iban) if iban.len() > 4 => format!("{} ····{}", kind.label(), &iban[iban.len() - 4..]),
        _ => kind.label().to_string(),
    }
}

/// A uuid's first two groups: enough to tell a person's few accounts apart. MasCustomers' demo ids share
/// their first group (the customer's) and their last, and differ in the second; random uuids differ
/// everywhere. The whole id is the link's title.
fn short_id(id: &str) -> String {
    match id.char_indices().nth(13) {
        Some((at, _)) => format!("{}…", &id[..at]),
        None => id.to_string(),
    }
}
