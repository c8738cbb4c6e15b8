//! `/customers/{personId}`: one person of the bank. The directory says who they are and their id in each
//! system; then D1, MasCustomers and the consents are asked at once, each by its own panel.

use console_api::directory::Person;
use console_api::page::ErrorView;
use console_api::transport::encode_component;
use leptos::prelude::*;

use super::accounts_panel::AccountsPanel;
use super::consents_panel::ConsentsPanel;
use super::d1_panel::D1Panel;
use super::is_staff;
use crate::common::{ErrorPanel, Forbidden, Loading};
use crate::transport::Client;
use crate::util::new_cid;

#[component]
pub fn CustomerPage(person: String) -> impl IntoView {
    if !is_staff() {
        return view! { <Forbidden/> }.into_any();
    }
    let client = expect_context::<Client>();
    let found = LocalResource::new(move || {
        let (client, person) = (client.clone(), person.clone());
        async move { client.person(&person, Some(&new_cid())).await.map(|r| r.value).map_err(|e| ErrorView::of(&e, None)) }
    });
    view! {
        <section class="customer-page" data-testid="customer-page">
            {move || match found.get() {
                None => view! { <Loading label="Looking the person up in the directory…"/> }.into_any(),
                Some(Err(error)) => view! {
                    <h1>"Customer"</h1>
                    <ErrorPanel error/>
                }.into_any(),
                Some(Ok(person)) => view! { <Customer person/> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

#[component]
fn Customer(person: Person) -> impl IntoView {
    let id = |value: &Option<String>| match value {
        Some(v) => view! { <code>{v.clone()}</code> }.into_any(),
        None => view! { <span class="muted">"none"</span> }.into_any(),
    };
    let d1 = match &person.d1_consumer_id {
        Some(c) => view! { <a href=format!("/consumers/{}", encode_component(c))><code>{c.clone()}</code></a> }.into_any(),
        None => id(&None),
    };
    view! {
        <div class="card person-card" data-testid="person">
            <div class="page-title">
                <p class="eyebrow">"Customer " {person.person_id.clone()}</p>
                <h1 data-testid="person-name">{person.name.clone()}</h1>
                <p class="muted" data-testid="person-email">{person.email.clone()}</p>
            </div>
            <dl class="facts-grid person-ids">
                <dt>"D1 consumer"</dt><dd data-testid="person-d1">{d1}</dd>
                <dt>"MasCustomers customer"</dt><dd data-testid="person-mas">{id(&person.mas_customer_id)}</dd>
                <dt>"Consents user"</dt><dd data-testid="person-apiture">{id(&person.apiture_user_id)}</dd>
            </dl>
        </div>
        <div class="customer-panels">
            <D1Panel consumer=person.d1_consumer_id.clone()/>
            <AccountsPanel person=person.person_id.clone() customer=person.mas_customer_id.clone()/>
            <ConsentsPanel user=person.apiture_user_id.clone()/>
        </div>
    }
}
