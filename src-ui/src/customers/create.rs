//! Create an account (admins, on the customer page): modality, an optional billing address and the
//! payment method, every field checked by `console_api::page::customer::CreateAccountForm` before anything
//! is sent; a refusal (409) is said in words with what to do.

use console_api::gateway::ClientError;
use console_api::page::customer::{CreateAccountForm, CreateAccountMessages};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::payment::{write_failure, IbanInput};
use crate::transport::Client;
use crate::util::new_cid;

/// `any_account`: one of the customer's accounts, through which their tokenized cards are offered.
#[component]
pub fn CreateAccount(customer: String, any_account: Option<String>, on_created: Callback<()>) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <Show
            when=move || open.get()
            fallback=move || view! { <button class="btn" data-testid="create-account" on:click=move |_| open.set(true)>"Create account…"</button> }
        >
            <Form customer=customer.clone() any_account=any_account.clone() on_created on_close=Callback::new(move |()| open.set(false))/>
        </Show>
    }
}

#[component]
fn Form(customer: String, any_account: Option<String>, on_created: Callback<()>, on_close: Callback<()>) -> impl IntoView {
    let client = expect_context::<Client>();
    // A recurring prepaid account pays by card (MasCustomers' available methods); postpaid by either.
    let form = RwSignal::new(CreateAccountForm { modality: "RECURRING_PREPAID".into(), payment_type: "CREDIT_CARD".into(), country: "ES".into(), ..CreateAccountForm::default() });
    let cards = LocalResource::new({
        let (client, customer) = (client.clone(), customer.clone());
        move || {
            let (client, customer, account) = (client.clone(), customer.clone(), any_account.clone());
            async move {
                match account {
                    Some(account) => client.mas_payment_methods(&customer, &account, None).await.map(|r| r.value.cards).unwrap_or_default(),
                    None => Vec::new(),
                }
            }
        }
    });
    // The first card is chosen once the cards are known.
    Effect::new(move |_| {
        if let Some(first) = cards.get().and_then(|c| c.first().cloned()) {
            form.update(|f| if f.token_id.is_empty() { f.token_id = first.token_id });
        }
    });
    // The checks show once "Create" was pressed, then follow every keystroke: one sentence per field,
    // under the form's own labels.
    let tried = RwSignal::new(false);
    let messages = Memo::new(move |_| form.with(CreateAccountForm::messages));
    let shown = move |pick: fn(&CreateAccountMessages) -> Option<String>| move || tried.get().then(|| messages.with(pick)).flatten();
    let failure = RwSignal::new(None::<ClientError>);
    let busy = RwSignal::new(false);
    let iban = RwSignal::new(String::new());
    // Redrawn only when the modality changes what it takes, not on every keystroke.
    let offered = Memo::new(move |_| form.with(CreateAccountForm::payment_types));
    Effect::new(move |_| {
        let typed = iban.get();
        form.update(|f| f.iban = typed);
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // One account per submit: a second click (a double-click) while the first is on its way sends nothing.
        if busy.get_untracked() {
            return;
        }
        tried.set(true);
        // Refused here, with each field's message: nothing is sent.
        let Ok(body) = form.get_untracked().body() else { return };
        let (client, customer) = (client.clone(), customer.clone());
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            match client.mas_create_account(&customer, &body, Some(&new_cid())).await {
                Ok(_) => {
                    on_created.run(());
                    on_close.run(());
                }
                Err(e) => {
                    failure.try_set(Some(e));
                }
            }
            busy.try_set(false);
        });
    };
    let text = move |label: &'static str, testid: &'static str, get: fn(&CreateAccountForm) -> String, set: fn(&mut CreateAccountForm, String)| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input type="text" data-testid=testid prop:value=move || form.with(get)
                    on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| set(f, v)); }/>
            </label>
        }
    };
    view! {
        <form class="create-account" data-testid="create-account-form" on:submit=submit novalidate>
            <h3 class="panel-subtitle">"New account"</h3>
            <label class="field">
                <span>"Modality"</span>
                <select data-testid="create-modality" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    form.update(|f| f.set_modality(&v));
                }>
                    <option value="RECURRING_PREPAID" selected=true>"Recurring prepaid"</option>
                    <option value="POSTPAID">"Postpaid"</option>
                </select>
            </label>
            {move || shown(|m| m.modality.clone())().map(|m| view! { <p class="field-error">{m}</p> })}
            <label class="check">
                <input type="checkbox" data-testid="create-with-address" prop:checked=move || form.with(|f| f.with_address)
                    on:change=move |ev| { let on = event_target_checked(&ev); form.update(|f| f.with_address = on); }/>
                " Billing address"
            </label>
            <Show when=move || form.with(|f| f.with_address)>
                <div class="field-grid">
                    {text("Address line 1", "create-line1", |f| f.address_line1.clone(), |f, v| f.address_line1 = v)}
                    {text("Address line 2 (optional)", "create-line2", |f| f.address_line2.clone(), |f, v| f.address_line2 = v)}
                    {text("City", "create-city", |f| f.city.clone(), |f, v| f.city = v)}
                    {text("Postal code", "create-postal", |f| f.postal_code.clone(), |f, v| f.postal_code = v)}
                    {text("Region (optional)", "create-region", |f| f.region.clone(), |f, v| f.region = v)}
                    {text("Country (ISO code)", "create-country", |f| f.country.clone(), |f, v| f.country = v)}
                </div>
                {move || shown(|m| m.address.clone())().map(|m| view! { <p class="field-error" data-testid="create-address-error">{m}</p> })}
            </Show>
            <label class="field">
                <span>"Payment method"</span>
                // Only the methods the modality takes (a recurring prepaid account pays by card).
                <select data-testid="create-payment-type" prop:value=move || form.with(|f| f.payment_type.clone())
                    on:change=move |ev| { let v = event_target_value(&ev); form.update(|f| f.payment_type = v); }>
                    {move || offered.get().into_iter().map(|t| {
                        let selected = form.with_untracked(|f| f.payment_type == t.as_str());
                        view! { <option value=t.as_str().to_string() selected=selected>{t.label().to_string()}</option> }
                    }).collect_view()}
                </select>
            </label>
            {move || if form.with(|f| f.payment_type == "CREDIT_CARD") {
                match cards.get().filter(|c| !c.is_empty()) {
                    // The customer's tokenized cards to choose from; a token typed by hand otherwise.
                    Some(cards) => view! {
                        <fieldset class="field">
                            <legend>"Card"</legend>
                            {cards.into_iter().map(|c| {
                                let token = c.token_id.clone();
                                let checked = form.with_untracked(|f| f.token_id == token);
                                view! {
                                    <label class="check">
                                        <input type="radio" name="create-card" data-testid="create-card" prop:checked=checked
                                            on:change=move |_| form.update(|f| f.token_id = token.clone())/>
                                        {format!(" {} ····{} (expires {})", c.brand, c.last_four, c.expiry)}
                                    </label>
                                }
                            }).collect_view()}
                        </fieldset>
                    }.into_any(),
                    None => text("Card token (uuid of the tokenized card)", "create-token", |f| f.token_id.clone(), |f, v| f.token_id = v).into_any(),
                }
            } else {
                view! { <IbanInput value=iban testid="create-iban"/> }.into_any()
            }}
            {move || shown(|m| m.payment.clone())().map(|m| view! { <p class="field-error" data-testid="create-payment-error">{m}</p> })}
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="create-submit" disabled=move || busy.get()>"Create"</button>
                <button type="button" class="btn" on:click=move |_| on_close.run(())>"Cancel"</button>
            </div>
            {move || failure.get().map(|e| write_failure(&e))}
        </form>
    }
}
