//! `/me/history`: what the person has accepted (given, and stale or revoked since), newest first, with
//! Revoke behind a confirmation dialog (focus kept inside it, Escape cancels, focus back to the button
//! that opened it). Revoke shows only where the API sent `apiture:revoke`.

use console_api::consents::ConsentState;
use console_api::gateway::me::MyConsent;
use console_api::gateway::ClientError;
use console_api::i18n::{self, Text};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{day_of, load, revision_line, use_me, Loaded, MeError, MeHeader};
use crate::delete::trap_focus;
use crate::transport::Client;
use crate::util::{focus_selector, new_cid};

/// The history, reloaded after a revoke.
#[derive(Clone, Copy)]
struct HistoryCtx {
    entries: Loaded<Vec<MyConsent>>,
    /// The consent whose revoke is being confirmed.
    confirming: RwSignal<Option<MyConsent>>,
    revoked_notice: RwSignal<bool>,
}

async fn history_of(client: Client) -> Result<Vec<MyConsent>, ClientError> {
    client.my_history().await.map(|r| r.value.embedded.items)
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let me = use_me();
    let client = expect_context::<Client>();
    let ctx = HistoryCtx {
        entries: load(history_of(client)),
        confirming: RwSignal::new(None),
        revoked_notice: RwSignal::new(false),
    };
    provide_context(ctx);
    let list = move || match ctx.entries.get() {
        None => view! { <p class="me-loading" role="status">{me.t(Text::Loading)}</p> }.into_any(),
        Some(Err(error)) => view! { <MeError error/> }.into_any(),
        Some(Ok(entries)) if entries.is_empty() => {
            view! { <p class="empty-state" data-testid="no-history">{me.t(Text::NoHistory)}</p> }.into_any()
        }
        Some(Ok(entries)) => view! {
            <ul class="needed-list">{entries.into_iter().map(|consent| view! { <HistoryEntry consent/> }).collect_view()}</ul>
        }
        .into_any(),
    };
    view! {
        <section class="my-documents" data-testid="history-page" lang=me.language.get_untracked().code()>
            <MeHeader title=Text::History lead=Text::HistoryIntro/>
            <p><a href="/me" class="back-link">"← " {me.t(Text::BackToInbox)}</a></p>
            <div role="status">
                <Show when=move || ctx.revoked_notice.get()>
                    <p class="success-box" data-testid="revoked-notice">{me.t(Text::RevokedNotice)}</p>
                </Show>
            </div>
            <div class="card">{list}</div>
            {move || ctx.confirming.get().map(|consent| view! { <RevokeDialog consent/> })}
        </section>
    }
}

#[component]
fn HistoryEntry(consent: MyConsent) -> impl IntoView {
    let me = use_me();
    let ctx = expect_context::<HistoryCtx>();
    let revision = revision_line(me, &consent);
    let language = me.language.get_untracked();
    let accepted = consent.given_at.as_deref().and_then(day_of).map(|d| i18n::accepted_on(language, d));
    let withdrawn = consent.request_revoked_at.as_deref().and_then(day_of).map(|d| i18n::withdrawn_on(language, d));
    let when = [accepted, withdrawn].into_iter().flatten().collect::<Vec<_>>().join(" · ");
    let (type_, state) = (consent.type_.clone(), consent.state.as_str().to_string());
    let badge = match consent.state {
        ConsentState::Given => "badge badge-ok",
        ConsentState::Revoked => "badge badge-other",
        _ => "badge badge-failed",
    };
    let id = consent.id.clone();
    let revoke = consent.can_revoke().then(|| {
        let consent = consent.clone();
        view! {
            <button type="button" class="btn btn-danger-outline" data-testid="revoke" data-revoke-id=id
                on:click=move |_| { ctx.revoked_notice.set(false); ctx.confirming.set(Some(consent.clone())) }>
                {me.t(Text::Revoke)}
            </button>
        }
    });
    view! {
        <li class="needed-consent" data-testid="history-entry" data-consent-id=consent.id.clone()>
            <div class="needed-main">
                <h2 class="needed-type">{move || me.type_name(&type_)}</h2>
                <p class="muted">{revision}</p>
                <p class="muted" data-testid="history-when">{when}</p>
            </div>
            <span class=badge data-testid="history-state">{move || me.state_name(&state)}</span>
            {revoke}
        </li>
    }
}

/// "Withdraw your consent?": Cancel (first, and where focus starts) or Withdraw.
#[component]
fn RevokeDialog(consent: MyConsent) -> impl IntoView {
    let me = use_me();
    let ctx = expect_context::<HistoryCtx>();
    let client = expect_context::<Client>();
    let pending = RwSignal::new(false);
    let failed = RwSignal::new(None);
    let dialog = NodeRef::<html::Div>::new();
    let cancel_button = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(b) = cancel_button.get() {
            let _ = b.focus();
        }
    });
    let id = consent.id.clone();
    // Focus goes back to the Revoke button that opened the dialog (after a revoke, to the page's heading).
    let close = {
        let id = id.clone();
        move || {
            if pending.get_untracked() {
                return;
            }
            ctx.confirming.set(None);
            let id = id.clone();
            set_timeout(move || focus_selector(&format!("[data-revoke-id=\"{id}\"]")), std::time::Duration::ZERO);
        }
    };
    let confirm = move |_| {
        // Asked once: a second click (a double-click) while the first is on its way sends nothing.
        if pending.get_untracked() {
            return;
        }
        let (client, id) = (client.clone(), id.clone());
        pending.set(true);
        spawn_local(async move {
            let result = client.revoke_my_consent(&id, Some(&new_cid())).await;
            pending.try_set(false);
            match result {
                Ok(_) => {
                    ctx.confirming.try_set(None);
                    ctx.revoked_notice.try_set(true);
                    focus_selector(".my-documents h1");
                    let entries = history_of(client).await;
                    ctx.entries.try_set(Some(entries));
                }
                Err(e) => {
                    failed.try_set(Some(e));
                }
            }
        });
    };
    let keydown = {
        let close = close.clone();
        move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
            "Escape" => {
                ev.prevent_default();
                close();
            }
            "Tab" => trap_focus(&ev, dialog.get_untracked()),
            _ => {}
        }
    };
    let what = move || format!("{} — {}", me.type_name(&consent.type_), revision_line(me, &consent));
    view! {
        <div class="modal-backdrop">
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby="revoke-title" aria-describedby="revoke-text"
                data-testid="revoke-dialog" node_ref=dialog on:keydown=keydown>
                <header class="modal-head danger"><h2 id="revoke-title">{me.t(Text::ConfirmRevokeTitle)}</h2></header>
                <div class="modal-body">
                    <p><strong>{what}</strong></p>
                    <p id="revoke-text">{me.t(Text::ConfirmRevokeText)}</p>
                    {move || failed.get().map(|error| view! { <MeError error/> })}
                </div>
                <footer class="modal-foot">
                    <button type="button" class="btn" data-testid="revoke-cancel" node_ref=cancel_button
                        disabled=move || pending.get() on:click=move |_| close()>{me.t(Text::Cancel)}</button>
                    <button type="button" class="btn btn-danger" data-testid="revoke-confirm"
                        disabled=move || pending.get() on:click=confirm>
                        {move || me.t(if pending.get() { Text::Revoking } else { Text::ConfirmRevoke })}
                    </button>
                </footer>
            </div>
        </div>
    }
}
