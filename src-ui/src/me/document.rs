//! `/me/documents/{consentId}`: one document, read inside the console and accepted once. The document is
//! shown in a sandboxed frame (no scripts, no forms, an opaque origin) whose `src` is the gateway's
//! `/api/me/documents?uri=`: the gateway fetches it from the bank's own document host only, and serves it
//! inert. The revision line is the document's as the frame shows it: for a revised (stale) consent, the
//! revision the document states now (its summary, as the inbox asks), not the one the consent records,
//! which can be the revision accepted before. "I have read and agree" starts unchecked; Accept gives this consent and every matching one
//! (`scope=matching`), then a receipt says what was accepted and when.

use console_api::consents::ConsentState;
use console_api::gateway::me::{document_path, GivenConsents, MyConsent};
use console_api::gateway::{ClientError, Reply};
use console_api::i18n::{self, Text};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{load, local_time, revision_line, use_me, MeCtx, MeError, MeHeader};
use crate::transport::Client;
use crate::util::new_cid;

#[component]
pub fn DocumentPage(consent: String) -> impl IntoView {
    let me = use_me();
    let client = expect_context::<Client>();
    // The inbox's entry for this consent (still needed?), asked again so that the page stands on a reload.
    let needed = load({
        let (client, id) = (client.clone(), consent.clone());
        async move { client.my_needed_consents().await.map(|r| r.value.embedded.items.into_iter().find(|c| c.id == id)) }
    });
    // Kept when accepted: the entry leaves the inbox then, and the receipt still needs it.
    let given = RwSignal::new(None::<GivenConsents<MyConsent>>);
    let body = move || match (given.get(), needed.get()) {
        (Some(given), _) => view! { <Receipt given/> }.into_any(),
        (None, None) => view! { <p class="me-loading" role="status">{me.t(Text::DocumentLoading)}</p> }.into_any(),
        (None, Some(Err(error))) => view! { <MeError error/> }.into_any(),
        (None, Some(Ok(None))) => view! {
            <div class="card empty-state" data-testid="not-needed">
                <p class="empty-title">{me.t(Text::NoLongerNeeded)}</p>
                <p><a href="/me">{me.t(Text::BackToInbox)}</a></p>
            </div>
        }
        .into_any(),
        (None, Some(Ok(Some(consent)))) => view! { <ReadAndAccept consent given/> }.into_any(),
    };
    view! {
        <section class="my-documents" data-testid="document-page" lang=me.language.get_untracked().code()>
            <MeHeader title=Text::MyDocuments/>
            <p><a href="/me" class="back-link">"← " {me.t(Text::BackToInbox)}</a></p>
            {body}
        </section>
    }
}

/// The document in its frame, the agreement and the one Accept button.
#[component]
fn ReadAndAccept(consent: MyConsent, given: RwSignal<Option<GivenConsents<MyConsent>>>) -> impl IntoView {
    let me = use_me();
    let client = expect_context::<Client>();
    let type_ = consent.type_.clone();
    let title = {
        let type_ = type_.clone();
        move || i18n::document_title(me.language.get_untracked(), &me.type_name(&type_))
    };
    // A stale consent may still carry the revision accepted before: the line says the one in the frame.
    let summary = (consent.state == ConsentState::Stale).then(|| {
        let (client, uri, language) = (client.clone(), consent.document.uri.clone(), me.language.get_untracked());
        load(async move { client.my_document_summary(&uri, language).await.map(|r| r.value) })
    });
    let revision = {
        let consent = consent.clone();
        move || match summary.map(|s| s.get()) {
            None => revision_line(me, &consent, None),
            Some(Some(Ok(current))) => revision_line(me, &consent, current.revision_id.as_deref()),
            // Not known yet, or not said: the document in the frame states its own revision.
            Some(None | Some(Err(_))) => String::new(),
        }
    };
    // The inbox links only safe URIs, but this page can be opened by its address: check again.
    let frame = match document_path(&consent.document.uri).map(|path| crate::transport::resource_url(&path)) {
        Ok(src) => view! { <iframe class="document-frame" sandbox="" src=src title=title data-testid="document-frame"></iframe> }.into_any(),
        Err(_) => view! { <p class="field-error" data-testid="unsafe-document">{me.t(Text::UnsafeDocument)}</p> }.into_any(),
    };
    let agreed = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let failed = RwSignal::new(None::<ClientError>);
    let id = consent.id.clone();
    let accept = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !agreed.get_untracked() || pending.get_untracked() {
            return;
        }
        let (client, id) = (client.clone(), id.clone());
        pending.set(true);
        failed.set(None);
        spawn_local(async move {
            let result: Result<Reply<GivenConsents<MyConsent>>, ClientError> = client.give_my_consent(&id, Some(&new_cid())).await;
            match result {
                Ok(reply) => {
                    given.try_set(Some(reply.value));
                }
                Err(e) => {
                    failed.try_set(Some(e));
                }
            }
            pending.try_set(false);
        });
    };
    view! {
        <article class="card document-card">
            <h2 class="document-type">{move || me.type_name(&type_)}</h2>
            <p class="muted" data-testid="document-revision">{revision}</p>
            {frame}
            <form class="accept-form" on:submit=accept>
                <div class="agree">
                    <input type="checkbox" id="agree" data-testid="agree"
                        prop:checked=move || agreed.get() prop:disabled=move || pending.get()
                        on:change=move |ev| agreed.set(event_target_checked(&ev))/>
                    <label for="agree">{me.t(Text::Agree)}</label>
                </div>
                <button type="submit" class="btn btn-primary" data-testid="accept"
                    disabled=move || !agreed.get() || pending.get()>
                    {move || me.t(if pending.get() { Text::Accepting } else { Text::Accept })}
                </button>
                {move || failed.get().map(|error| view! { <MeError error/> })}
            </form>
        </article>
    }
}

/// What was accepted (document, revision) and when; focus moves here, so that a keyboard or screen
/// reader user is told at once.
#[component]
fn Receipt(given: GivenConsents<MyConsent>) -> impl IntoView {
    let me: MeCtx = use_me();
    let heading = NodeRef::<html::H2>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    let count = given.consents.len();
    let first = given.consents.into_iter().next();
    let sentence = move || {
        let language = me.language.get_untracked();
        first.as_ref().map(|c| {
            let at = c.given_at.as_deref().and_then(local_time).map(|t| i18n::date_time(language, t)).unwrap_or_default();
            i18n::receipt(language, &me.type_name(&c.type_), c.document.revision_id.as_deref(), &at)
        })
    };
    view! {
        <div class="card receipt" data-testid="receipt" role="status">
            <h2 tabindex="-1" node_ref=heading>{me.t(Text::Accepted)}</h2>
            <p data-testid="receipt-text">{sentence}</p>
            {i18n::covers(me.language.get_untracked(), count).map(|text| view! { <p class="muted">{text}</p> })}
            <p class="receipt-links">
                <a href="/me" data-testid="receipt-back">{me.t(Text::BackToInbox)}</a>
                <a href="/me/history">{me.t(Text::History)}</a>
            </p>
        </div>
    }
}
