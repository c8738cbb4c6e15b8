//! "Advanced (deprecated)": the account register and account delete requests of seed 002, validated before
//! anything is sent.

use console_api::d1::{AccountState, ReasonBody, ReasonCode, RegisterAccount};
use console_api::page::{self, DeleteAccountForm, ErrorView, RegisterAccountForm};
use console_api::validate;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::common::ErrorPanel;
use crate::drafts;
use crate::timeline::TimelineCtx;
use crate::transport::Client;
use crate::util::new_cid;

enum AccountCall {
    Register(String, RegisterAccount),
    Delete(String, ReasonBody),
}

/// The name of this section's draft (see [`drafts`]).
const DRAFT: &str = "accounts";

const WARNING: &str = "Please check with Thales integration team before using this API request.";

#[component]
pub fn AdvancedSection() -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let client = expect_context::<Client>();
    let account_id = RwSignal::new(String::new());
    let consumer_id = RwSignal::new(ctx.consumer.get_untracked());
    // Follow the page's consumer when it changes (not on the first run: a restored draft says otherwise).
    Effect::new(move |first: Option<()>| {
        let id = ctx.consumer.get();
        if first.is_some() {
            consumer_id.set(id);
        }
    });
    let product_id = RwSignal::new(String::new());
    let state = RwSignal::new(AccountState::Active.as_str().to_string());
    let reason = RwSignal::new(String::new());
    let reason_code = RwSignal::new(ReasonCode::IssuerDecision.as_str().to_string());
    let outcome = RwSignal::new(None::<Result<String, ErrorView>>);

    // What was typed before a session expiry sent the browser to sign in comes back, section open; every
    // change is saved, and a success forgets it.
    let fields = [account_id, consumer_id, product_id, state, reason, reason_code];
    let restored = drafts::load(&ctx.base_path(""), DRAFT, fields.len())
        .map(|values| fields.iter().zip(values).for_each(|(field, v)| field.set(v)))
        .is_some();
    // The deletion asked about, as it will be sent: any edit of the section withdraws the question.
    let confirming = RwSignal::new(None::<(String, ReasonBody)>);
    // Every input and change below bubbles here, after its own handler has set its signal (selects set
    // theirs on change, which comes after input).
    let save_draft = move |_| {
        confirming.set(None);
        let values = fields.map(|f| f.get_untracked());
        drafts::save(&ctx.base_path(""), DRAFT, &values.each_ref().map(String::as_str));
    };

    // One request at a time, with its own correlation id. (A task and signals rather than an `Action`: less
    // code in the wasm.)
    let pending = RwSignal::new(false);
    let call = move |call: AccountCall| {
        // A second click (a double-click) while the first is on its way sends nothing.
        if pending.get_untracked() {
            return;
        }
        let client = client.clone();
        let path = ctx.base_path("");
        outcome.set(None);
        pending.set(true);
        spawn_local(async move {
            let cid = new_cid();
            let result = match call {
                AccountCall::Register(id, body) => match client.register_account(&id, &body, Some(&cid)).await {
                    Ok(_) => Ok(format!("Account {id} registered for consumer {}.", body.consumer_id)),
                    Err(e) => Err(ErrorView::of(&e, Some(&cid))),
                },
                // D1's FAILED answer comes as a problem whose message names the failed operation.
                AccountCall::Delete(id, body) => match client.delete_account(&id, &body, Some(&cid)).await {
                    Ok(r) => Ok(format!(
                        "Deletion of account {id} accepted: operation {}.",
                        r.value.operation_id.unwrap_or_else(|| "(none returned)".into())
                    )),
                    Err(e) => Err(ErrorView::of(&e, Some(&cid))),
                },
            };
            if result.is_ok() {
                drafts::clear(&path, DRAFT);
            }
            outcome.try_set(Some(result));
            pending.try_set(false);
        });
    };
    let invalid = |message: String| {
        Err(ErrorView { title: "Check what you entered".into(), message, correlation_id: None, technical: None })
    };

    let register = {
        let call = call.clone();
        move |_| {
            let form = RegisterAccountForm {
                account_id: account_id.get_untracked(),
                consumer_id: consumer_id.get_untracked(),
                account_product_id: product_id.get_untracked(),
                state: state.get_untracked(),
            };
            match form.request() {
                Ok((id, body)) => call(AccountCall::Register(id, body)),
                Err(m) => outcome.set(Some(invalid(m))),
            }
        }
    };
    // Deleting asks first, naming the account (D1 cannot undo it): the form is checked, the question
    // holds the request, and Delete sends exactly that one.
    let ask_delete = move |_| {
        let form = DeleteAccountForm {
            account_id: account_id.get_untracked(),
            reason: reason.get_untracked(),
            reason_code: reason_code.get_untracked(),
        };
        match form.request() {
            Ok(request) => {
                outcome.set(None);
                confirming.set(Some(request));
            }
            Err(m) => outcome.set(Some(invalid(m))),
        }
    };
    let delete = move |_| {
        if let Some((id, body)) = confirming.get_untracked() {
            confirming.set(None);
            call(AccountCall::Delete(id, body));
        }
    };

    let account_error = Memo::new(move |_| account_id.with(|v| (!v.is_empty()).then(|| page::id_error(&validate::ACCOUNT_ID, v)).flatten()));
    let consumer_error = Memo::new(move |_| consumer_id.with(|v| page::id_error(&validate::CONSUMER_ID, v)));
    let product_error = Memo::new(move |_| product_id.with(|v| (!v.is_empty()).then(|| page::id_error(&validate::ACCOUNT_PRODUCT_ID, v)).flatten()));
    let reason_error = Memo::new(move |_| reason.with(|v| page::reason_error(v)));
    let hint = |m: Memo<Option<String>>, prefix: &'static str| {
        move || m.get().map(|m| view! { <p class="field-error">{prefix} " " {m}</p> })
    };

    view! {
        <details class="card advanced" prop:open=restored on:input=save_draft on:change=save_draft>
            <summary data-testid="advanced-toggle">
                <span class="advanced-title">"Advanced (deprecated)"</span>
                <span class="muted">" · account register and delete"</span>
            </summary>
            <div class="advanced-body">
                <div class="warning-box"><strong>"Deprecated API. "</strong>{WARNING}</div>
                <div class="field">
                    <label for="account-id">"Account ID"</label>
                    <input id="account-id" type="text" data-testid="account-id" autocomplete="off" spellcheck="false"
                        prop:value=account_id on:input=move |ev| account_id.set(event_target_value(&ev))/>
                    {hint(account_error, "Account ID")}
                </div>
                <div class="advanced-grid">
                    <fieldset class="subform">
                        <legend>"Register account"</legend>
                        <div class="field">
                            <label for="account-consumer-id">"Consumer ID"</label>
                            <input id="account-consumer-id" type="text" data-testid="account-consumer-id" autocomplete="off"
                                prop:value=consumer_id on:input=move |ev| consumer_id.set(event_target_value(&ev))/>
                            {hint(consumer_error, "Consumer ID")}
                        </div>
                        <div class="field">
                            <label for="account-product-id">"Account product ID " <span class="muted">"(optional)"</span></label>
                            <input id="account-product-id" type="text" data-testid="account-product-id" autocomplete="off"
                                prop:value=product_id on:input=move |ev| product_id.set(event_target_value(&ev))/>
                            {hint(product_error, "Account product ID")}
                        </div>
                        <div class="field">
                            <label for="account-state">"State"</label>
                            <select id="account-state" data-testid="account-state"
                                on:change=move |ev| state.set(event_target_value(&ev))>
                                {AccountState::KNOWN.iter().map(|s| {
                                    let wire = s.as_str();
                                    view! { <option value=wire prop:selected=move || state.get() == wire>{s.label()}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <button type="button" class="btn" data-testid="account-register" disabled=move || pending.get()
                            on:click=register>"Register account"</button>
                    </fieldset>
                    <fieldset class="subform">
                        <legend>"Delete account"</legend>
                        <div class="field">
                            <label for="account-delete-reason-code">"Reason code"</label>
                            <select id="account-delete-reason-code" data-testid="account-delete-reason-code"
                                on:change=move |ev| reason_code.set(event_target_value(&ev))>
                                {ReasonCode::KNOWN.iter().rev().map(|c| {
                                    let wire = c.as_str();
                                    view! { <option value=wire prop:selected=move || reason_code.get() == wire>{c.label()}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="account-delete-reason">"Reason " <span class="muted">"(optional)"</span></label>
                            <input id="account-delete-reason" type="text" data-testid="account-delete-reason" autocomplete="off"
                                prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))/>
                            {hint(reason_error, "Reason")}
                        </div>
                        <Show when=move || confirming.with(Option::is_some)
                            fallback=move || view! {
                                <button type="button" class="btn btn-danger-outline" data-testid="account-delete"
                                    disabled=move || pending.get() on:click=ask_delete>"Delete account…"</button>
                            }>
                            <div class="confirm" role="alertdialog" aria-label="Confirm the account's deletion">
                                <p data-testid="account-delete-question">
                                    {move || confirming.with(|c| format!("Delete account {} in D1? This cannot be undone.", c.as_ref().map_or("", |(id, _)| id.as_str())))}
                                </p>
                                <button type="button" class="btn btn-danger" data-testid="account-delete-confirm"
                                    disabled=move || pending.get() on:click=delete.clone()>"Delete"</button>
                                <button type="button" class="btn" data-testid="account-delete-cancel"
                                    on:click=move |_| confirming.set(None)>"Cancel"</button>
                            </div>
                        </Show>
                    </fieldset>
                </div>
                <div aria-live="polite">
                    {move || outcome.get().map(|o| match o {
                        Ok(m) => view! { <div class="success-box" data-testid="account-result" role="status">{m}</div> }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e testid="account-error"/> }.into_any(),
                    })}
                </div>
            </div>
        </details>
    }
}
