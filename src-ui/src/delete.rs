//! The delete-consumer dialog: irreversible, so it says what it cascades to, checks the reason live, asks
//! for the consumerId to be typed, and submits once.

use console_api::d1::{OperationResult, ReasonCode};
use console_api::gateway::{ClientError, Reply};
use console_api::page::{DeleteConsumerForm, ErrorView};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::common::ErrorPanel;
use crate::drafts;
use crate::timeline::{refresh_newest, TimelineCtx};
use crate::transport::Client;
use crate::util::new_cid;

/// The name of this form's draft (see [`drafts`]).
const DRAFT: &str = "delete-consumer";

/// The fields of a delete dialog left half-filled on this consumer (a session expiry sent the browser to
/// sign in): read once, by the page, which opens the dialog with them.
pub fn saved_draft(ctx: &TimelineCtx) -> Option<Vec<String>> {
    drafts::load(&ctx.base_path(""), DRAFT, 3)
}

type Outcome = (String, Result<Reply<OperationResult>, ClientError>);

#[component]
pub fn DeleteDialog(
    /// What [`saved_draft`] brought back (empty: a fresh form).
    draft: Vec<String>,
    on_close: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let client = expect_context::<Client>();
    let consumer = ctx.consumer.get_untracked();
    let consumer_label = consumer.clone();
    // What was typed before a session expiry sent the browser to sign in comes back.
    // (The dialog's consumer does not change while it is open.)
    let draft_path = move || ctx.base_path("");
    let mut initial = DeleteConsumerForm::new(&consumer);
    if let [code, reason, confirmation] = &draft[..] {
        initial.reason_code.clone_from(code);
        initial.reason.clone_from(reason);
        initial.confirmation.clone_from(confirmation);
    }
    let form = RwSignal::new(initial);
    // Every input and change of the form bubbles here, after its own handler has updated the form (selects
    // update on change, which comes after input).
    let save_draft = move |_| {
        form.with_untracked(|f| {
            drafts::save(&draft_path(), DRAFT, &[&f.reason_code, &f.reason, &f.confirmation])
        })
    };
    let reason_error = Memo::new(move |_| form.with(|f| f.reason_error()));
    let body = move || form.with(|f| f.body());

    // One attempt = one correlation id. (A task and signals rather than an `Action`: less code in the wasm.)
    let pending = RwSignal::new(false);
    let attempt = RwSignal::new(None::<Outcome>);
    // Ok(operationId) on success. D1's FAILED answer is an error before it gets here: a problem whose
    // message names the failed operation (`console_api::page::failed_delete_message`).
    let outcome = move || {
        attempt.with(|v| {
            v.as_ref().map(|(cid, result)| match result {
                Ok(reply) => Ok(reply.value.operation_id.clone().unwrap_or_else(|| "(no operationId returned)".into())),
                Err(e) => Err(ErrorView::of(e, Some(cid))),
            })
        })
    };
    let succeeded = move || matches!(outcome(), Some(Ok(_)));
    let can_submit = move || body().is_some() && !pending.get() && !succeeded();

    // After success, show the new DELETE entry on the timeline.
    Effect::new({
        let client = client.clone();
        move |_| {
            if succeeded() {
                drafts::clear(&draft_path(), DRAFT);
                refresh_newest(client.clone(), ctx);
            }
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // Never twice: not while one is in flight, not after a success.
        if pending.get_untracked() || untrack(succeeded) {
            return;
        }
        let Some(body) = untrack(body) else { return };
        let (client, consumer, cid) = (client.clone(), consumer.clone(), new_cid());
        pending.set(true);
        spawn_local(async move {
            let result = client.delete_consumer(&consumer, &body, Some(&cid)).await;
            attempt.try_set(Some((cid, result)));
            pending.try_set(false);
        });
    };

    let dialog = NodeRef::<html::Div>::new();
    let first_field = NodeRef::<html::Select>::new();
    Effect::new(move |_| {
        if let Some(s) = first_field.get() {
            let _ = s.focus();
        }
    });
    let close = {
        let on_close = on_close.clone();
        move || {
            if !pending.get_untracked() {
                // Cancelled (or closed after success): nothing to bring back.
                drafts::clear(&draft_path(), DRAFT);
                on_close();
            }
        }
    };
    let close2 = close.clone();
    let keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            close2();
        }
        "Tab" => trap_focus(&ev, dialog.get_untracked()),
        _ => {}
    };

    view! {
        <div class="modal-backdrop">
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby="delete-title"
                aria-describedby="delete-warning" data-testid="delete-dialog" node_ref=dialog on:keydown=keydown>
                <form on:submit=submit on:input=save_draft on:change=save_draft novalidate>
                    <header class="modal-head danger">
                        <h2 id="delete-title">"Delete consumer " <code>{consumer_label.clone()}</code></h2>
                    </header>
                    <div class="modal-body">
                        <div id="delete-warning" class="warning-box">
                            <p><strong>"This cannot be undone."</strong>
                               " Deleting the consumer cascades to all of its accounts, cards and digital cards."</p>
                            <p>"If the same person wants to use the service again, a new registration with a new \
                                consumerId will be needed."</p>
                        </div>
                        <div class="field">
                            <label for="delete-reason-code">"Reason code"</label>
                            <select id="delete-reason-code" data-testid="delete-reason-code" node_ref=first_field
                                prop:disabled=move || pending.get() || succeeded()
                                on:change=move |ev| { let v = event_target_value(&ev); form.update(|f| f.reason_code = v) }>
                                {ReasonCode::KNOWN.iter().rev().map(|c| {
                                    let wire = c.as_str();
                                    view! {
                                        <option value=wire prop:selected=move || form.with(|f| f.reason_code == wire)>
                                            {format!("{} ({wire})", c.label())}
                                        </option>
                                    }
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="delete-reason">"Reason " <span class="muted">"(optional)"</span></label>
                            <input id="delete-reason" type="text" data-testid="delete-reason" maxlength="80"
                                placeholder="e.g. customer was contacted on June 28" autocomplete="off"
                                aria-invalid=move || reason_error.get().is_some().to_string()
                                aria-describedby="delete-reason-help"
                                prop:disabled=move || pending.get() || succeeded()
                                prop:value=move || form.with(|f| f.reason.clone())
                                on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.reason = v) }/>
                            <p id="delete-reason-help" class="help">
                                {move || match reason_error.get() {
                                    Some(m) => view! { <span class="field-error" data-testid="delete-reason-error">"Reason " {m}</span> }.into_any(),
                                    None => view! { <span>"Letters, digits and spaces, up to 64 characters. Shown in the operations list."</span> }.into_any(),
                                }}
                            </p>
                        </div>
                        <div class="field">
                            <label for="delete-confirm">"Type " <code>{consumer_label.clone()}</code> " to confirm"</label>
                            <input id="delete-confirm" type="text" data-testid="delete-confirm-input" autocomplete="off"
                                spellcheck="false"
                                prop:disabled=move || pending.get() || succeeded()
                                prop:value=move || form.with(|f| f.confirmation.clone())
                                on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.confirmation = v) }/>
                        </div>
                        <div aria-live="polite">
                            {move || outcome().map(|o| match o {
                                Ok(op_id) => view! {
                                    <div class="success-box" data-testid="delete-result" role="status">
                                        <strong>"Deletion accepted."</strong>
                                        " Operation " <code>{op_id}</code>
                                        " is now on the timeline."
                                    </div>
                                }.into_any(),
                                Err(e) => view! { <ErrorPanel error=e testid="delete-error"/> }.into_any(),
                            })}
                        </div>
                    </div>
                    <footer class="modal-foot">
                        <button type="button" class="btn" data-testid="delete-cancel"
                            disabled=move || pending.get() on:click=move |_| close()>
                            {move || if succeeded() { "Close" } else { "Cancel" }}
                        </button>
                        <button type="submit" class="btn btn-danger" data-testid="delete-submit"
                            disabled=move || !can_submit()>
                            {move || if pending.get() { "Deleting…" } else { "Delete consumer" }}
                        </button>
                    </footer>
                </form>
            </div>
        </div>
    }
}

/// Keeps Tab and Shift+Tab inside the dialog.
pub fn trap_focus(ev: &leptos::ev::KeyboardEvent, container: Option<web_sys::HtmlDivElement>) {
    let Some(container) = container else { return };
    let Ok(list) = container.query_selector_all(
        "button:not([disabled]), select:not([disabled]), input:not([disabled]), a[href], summary, [tabindex]:not([tabindex='-1'])",
    ) else {
        return;
    };
    let items: Vec<web_sys::HtmlElement> =
        (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into().ok()).collect();
    let (Some(first), Some(last)) = (items.first(), items.last()) else { return };
    let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
    let is = |el: &web_sys::HtmlElement| active.as_ref().is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>());
    if ev.shift_key() && is(first) {
        ev.prevent_default();
        let _ = last.focus();
    } else if (!ev.shift_key() && is(last)) || !items.iter().any(is) {
        // Forward past the last item, or focus outside the dialog: back to the first.
        ev.prevent_default();
        let _ = first.focus();
    }
}
