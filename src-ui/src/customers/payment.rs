//! An account's payment method and its change (admins): the methods MasCustomers offers for the account,
//! an IBAN field that groups and checks as it is typed (country length and check digits, by
//! `console_api::mas::check::iban`) or the choice of one of the customer's tokenized cards. A change is
//! sent only once it is valid; a card still being tokenized (202) is said so.

use console_api::gateway::ClientError;
use console_api::mas::{check, AvailablePaymentMethods, GetAccount, PatchAccountPaymentMethod, PatchPaymentType};
use console_api::mas_client::PaymentMethodChange;
use console_api::page::customer::{iban_verdict, in_words, refusal_of, Refusal};
use console_api::page::iban_input::{caret_in_grouped, grouped};
use console_api::page::ErrorView;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::accounts_panel::payment_label;
use super::may_write;
use crate::common::ErrorPanel;
use crate::transport::Client;
use crate::util::new_cid;

/// The IBAN field: shown in groups of four as typed, the caret kept after the same character, and
/// MasCustomers' IBAN rule said under it on every keystroke. `value` holds what is shown (grouped).
#[component]
pub fn IbanInput(value: RwSignal<String>, testid: &'static str) -> impl IntoView {
    let verdict = Memo::new(move |_| value.with(|v| iban_verdict(v)));
    let on_input = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let typed = input.value();
        let caret = input.selection_start().ok().flatten().unwrap_or(typed.len() as u32) as usize;
        let shown = grouped(&typed);
        let at = caret_in_grouped(&typed, caret) as u32;
        if shown != typed {
            input.set_value(&shown);
            let _ = input.set_selection_range(at, at);
        }
        value.set(shown);
    };
    view! {
        <label class="field">
            <span>"IBAN"</span>
            <input type="text" class="iban" data-testid=testid autocomplete="off" spellcheck="false" maxlength="42"
                placeholder="ES91 2100 0418 4502 0005 1332"
                aria-invalid=move || verdict.with(|v| matches!(v, Some(Err(_)))).to_string()
                prop:value=move || value.get() on:input=on_input/>
        </label>
        <p class="iban-verdict" aria-live="polite" data-testid=format!("{testid}-verdict")>
            {move || match verdict.get() {
                None => view! { <span class="muted">"Letters and digits; spaces are added for you."</span> }.into_any(),
                Some(Ok(valid)) => view! { <span class="ok">{valid}</span> }.into_any(),
                Some(Err(wrong)) => view! { <span class="field-error" data-testid="iban-error">{wrong}</span> }.into_any(),
            }}
        </p>
    }
}

/// A refused write in words: what happened and what to do (with what stands in the way, when
/// MasCustomers listed it), and MasCustomers' own words under them.
#[component]
pub fn RefusalPanel(refusal: Refusal, error: ErrorView) -> impl IntoView {
    let said = error.technical.unwrap_or(error.message);
    let Refusal { what, todo, blocking } = refusal;
    let blocking = (!blocking.is_empty()).then(|| view! {
        <ul class="refusal-items" data-testid="refusal-items">
            {blocking.into_iter().map(|item| view! { <li data-testid="refusal-item">{item}</li> }).collect_view()}
        </ul>
    });
    view! {
        <div class="error-panel refusal" role="alert" data-testid="refusal">
            <div class="error-title"><span class="error-mark" aria-hidden="true">"!"</span>"MasCustomers refused"</div>
            <p class="error-message">{what}</p>
            <div data-testid="refusal-todo"><strong>"What to do: "</strong>{todo} {blocking}</div>
            <p class="muted refusal-said">"MasCustomers said: " {said}
                {error.correlation_id.map(|cid| view! { " · correlation id " <code class="cid">{cid}</code> })}</p>
        </div>
    }
}

/// A failed write: in words when it is a known refusal, else the error panel.
pub fn write_failure(e: &ClientError) -> AnyView {
    let error = ErrorView::of(e, None);
    match refusal_of(e) {
        Some(refusal) => view! { <RefusalPanel refusal error/> }.into_any(),
        None => view! { <ErrorPanel error/> }.into_any(),
    }
}

/// The account's payment method, and for admins its change. `done`: what the last change did, owned by the
/// page, since the change reloads the account and with it this section.
#[component]
pub fn PaymentSection(account: GetAccount, on_changed: Callback<()>, done: RwSignal<Option<PaymentMethodChange>>) -> impl IntoView {
    let method = &account.payment_method;
    let current = payment_label(&method.payment_type, method.details.as_ref().and_then(|d| d.iban.as_deref()));
    let pending = account.pending_payment_method.as_ref().map(|p| {
        view! { <p class="notice" data-testid="payment-pending">"Pending: " {p.payment_type.label().to_string()} " (the card is being tokenized; the account switches to it when it is ready)"</p> }
    });
    let changing = RwSignal::new(false);
    let (customer, account_id) = (account.customer_id.clone(), account.account_id.clone());
    view! {
        <section class="card" data-testid="payment-section">
            <h2 class="card-title">"Payment method"</h2>
            <p data-testid="payment-current">{current}</p>
            {pending}
            {move || done.get().map(|change| view! {
                <p class="success-box" role="status" data-testid="payment-done">{match change {
                    PaymentMethodChange::Applied => "The payment method was changed.",
                    PaymentMethodChange::Pending => "The card is being tokenized: the account shows it as pending until it is ready.",
                }}</p>
            })}
            {may_write().then(|| view! {
                <Show when=move || changing.get()
                    fallback=move || view! { <button class="btn" data-testid="change-payment" on:click=move |_| { done.set(None); changing.set(true); }>"Change payment method…"</button> }>
                    <ChangeForm customer=customer.clone() account=account_id.clone()
                        on_done=Callback::new(move |change| { changing.set(false); done.set(Some(change)); on_changed.run(()); })
                        on_cancel=Callback::new(move |()| changing.set(false))/>
                </Show>
            })}
        </section>
    }
}

#[component]
fn ChangeForm(customer: String, account: String, on_done: Callback<PaymentMethodChange>, on_cancel: Callback<()>) -> impl IntoView {
    let client = expect_context::<Client>();
    let available = LocalResource::new({
        let (client, customer, account) = (client.clone(), customer.clone(), account.clone());
        move || {
            let (client, customer, account) = (client.clone(), customer.clone(), account.clone());
            async move { client.mas_payment_methods(&customer, &account, Some(&new_cid())).await.map(|r| r.value).map_err(|e| ErrorView::of(&e, None)) }
        }
    });
    view! {
        <div class="change-payment" data-testid="change-payment-form">
            {move || match available.get() {
                None => view! { <p class="loading" role="status">"Asking which methods this account may use…"</p> }.into_any(),
                Some(Err(error)) => view! { <ErrorPanel error/> }.into_any(),
                Some(Ok(methods)) => view! { <Choose methods account=account.clone() on_done on_cancel/> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn Choose(methods: AvailablePaymentMethods, account: String, on_done: Callback<PaymentMethodChange>, on_cancel: Callback<()>) -> impl IntoView {
    let client = expect_context::<Client>();
    let first = methods.payment_types.first().cloned().unwrap_or(PatchPaymentType::DirectDebit);
    let kind = RwSignal::new(first);
    let iban = RwSignal::new(String::new());
    let card = RwSignal::new(methods.cards.first().map(|c| c.token_id.clone()));
    let problem = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ClientError>);
    let busy = RwSignal::new(false);
    let body = move || match kind.get_untracked() {
        PatchPaymentType::CreditCard => PatchAccountPaymentMethod::credit_card(&card.get_untracked().unwrap_or_default()),
        _ => PatchAccountPaymentMethod::direct_debit(&check::iban_electronic(&iban.get_untracked())),
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = body();
        // Checked here: a bad IBAN or a missing card is never sent.
        if let Err(e) = body.validate() {
            // What is wrong with a typed IBAN is said under it already: once per field.
            let typed = !iban.get_untracked().trim().is_empty();
            problem.set(Some(if e.field.ends_with("iban") && typed { "Not sent: correct the IBAN first.".to_string() } else { in_words(&e) }));
            return;
        }
        problem.set(None);
        failure.set(None);
        busy.set(true);
        let (client, account) = (client.clone(), account.clone());
        spawn_local(async move {
            match client.mas_change_payment_method(&account, &body, Some(&new_cid())).await {
                Ok(reply) => on_done.run(reply.value),
                Err(e) => { failure.try_set(Some(e)); }
            }
            busy.try_set(false);
        });
    };
    let types = methods.payment_types.clone().into_iter().map(|t| {
        let (value, checked) = (t.clone(), t == kind.get_untracked());
        view! {
            <label class="check">
                <input type="radio" name="payment-type" data-testid=format!("payment-type-{}", t.as_str()) prop:checked=checked
                    on:change=move |_| kind.set(value.clone())/>
                " " {t.label().to_string()}
            </label>
        }
    });
    let cards = methods.cards.clone();
    view! {
        <form on:submit=submit novalidate>
            <fieldset class="field">
                <legend>"Available methods"</legend>
                {types.collect_view()}
            </fieldset>
            {move || if kind.get() == PatchPaymentType::CreditCard {
                if cards.is_empty() {
                    view! { <p class="muted" data-testid="no-cards">"The customer has no tokenized card: they add one in the bank's app first."</p> }.into_any()
                } else {
                    cards.iter().cloned().map(|c| {
                        let token = c.token_id.clone();
                        let checked = card.get_untracked().as_deref() == Some(token.as_str());
                        view! {
                            <label class="check">
                                <input type="radio" name="card" data-testid="payment-card" prop:checked=checked on:change=move |_| card.set(Some(token.clone()))/>
                                {format!(" {} ····{} (expires {})", c.brand, c.last_four, c.expiry)}
                            </label>
                        }
                    }).collect_view().into_any()
                }
            } else {
                view! { <IbanInput value=iban testid="payment-iban"/> }.into_any()
            }}
            {move || problem.get().map(|m| view! { <p class="field-error" data-testid="payment-refused">{m}</p> })}
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="payment-submit" disabled=move || busy.get()>"Change"</button>
                <button type="button" class="btn" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
            {move || failure.get().map(|e| write_failure(&e))}
        </form>
    }
}
