//! `/me/documents/{consentId}`: one document, read inside the console and accepted once. The document is
//! shown in a sandboxed frame (no scripts, no forms, an opaque origin) whose `src` is the gateway's
//! `/api/me/documents?uri=`: the gateway fetches it from the bank's own document host only, and serves it
//! inert. The page reads the consent itself, with its ETag; its revision line is the consent's (the
//! revision it asks for: [`super::revision_line`], as the inbox says it). "I have read and agree" starts
//! unchecked; Accept gives this consent and every matching one (`scope=matching`) naming that ETag, then a
//! receipt says what was accepted and when.
//!
//! What the give names is the consent's ETag, not the revision id shown: a revision of the document
//! changes the ETag of every consent still asking for it, and an ETag is what HTTP and the Consents API
//! compare (`If-Match`), so the API itself refuses a give read before a revision, in the same transaction
//! as the give; a revision id would have to be compared by the gateway, a step apart from the write. On
//! that refusal (412) the page reads the consent again, says that the document was revised while the
//! person read it, shows the new revision in a fresh frame, and asks again, unchecked.

use console_api::consents::ConsentState;
use console_api::gateway::me::{document_path, GivenConsents, MyConsent};
use console_api::gateway::{ClientError, Reply};
use console_api::i18n::{self, Text};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{local_time, revision_line, use_me, MeCtx, MeError, MeHeader};
use crate::transport::Client;
use crate::util::new_cid;

/// The consent as read: its answer and ETag, or why it could not be read. `None` while it loads.
type Read = RwSignal<Option<Result<Reply<MyConsent>, ClientError>>>;

/// Reads the consent (again) into `read`.
fn read_consent(client: Client, id: String, read: Read) {
    read.set(None);
    spawn_local(async move {
        read.try_set(Some(client.my_consent(&id).await));
    });
}

#[component]
pub fn DocumentPage(consent: String) -> impl IntoView {
    let me = use_me();
    let client = expect_context::<Client>();
    let read: Read = RwSignal::new(None);
    read_consent(client.clone(), consent.clone(), read);
    // Set when a give was refused because the document was revised while the person read it.
    let revised_while_reading = RwSignal::new(false);
    let reread = move || {
        revised_while_reading.set(true);
        read_consent(client.clone(), consent.clone(), read);
    };
    // Kept when accepted: the consent is no longer needed then, and the receipt still needs it.
    let given = RwSignal::new(None::<GivenConsents<MyConsent>>);
    let body = move || match (given.get(), read.get()) {
        (Some(given), _) => view! { <Receipt given/> }.into_any(),
        (None, None) => view! { <p class="me-loading" role="status">{me.t(Text::DocumentLoading)}</p> }.into_any(),
        (None, Some(Err(error))) => view! { <MeError error/> }.into_any(),
        (None, Some(Ok(reply))) if !matches!(reply.value.state, ConsentState::Pending | ConsentState::Stale) => view! {
            <div class="card empty-state" data-testid="not-needed">
                <p class="empty-title">{me.t(Text::NoLongerNeeded)}</p>
                <p><a href="/me">{me.t(Text::BackToInbox)}</a></p>
            </div>
        }
        .into_any(),
        (None, Some(Ok(reply))) => {
            let (consent, etag) = (reply.value, reply.etag.unwrap_or_default());
            let revised = revised_while_reading.get_untracked();
            view! { <ReadAndAccept consent etag revised given reread=reread.clone()/> }.into_any()
        }
    };
    view! {
        <section class="my-documents" data-testid="document-page" lang=me.language.get_untracked().code()>
            <MeHeader title=Text::MyDocuments/>
            <p><a href="/me" class="back-link">"← " {me.t(Text::BackToInbox)}</a></p>
            {body}
        </section>
    }
}

/// The document in its frame, the agreement and the one Accept button. `etag`: the consent's as read,
/// named by the give. `revised`: the last give was refused because the document was revised meanwhile.
#[component]
fn ReadAndAccept(
    consent: MyConsent,
    etag: String,
    revised: bool,
    given: RwSignal<Option<GivenConsents<MyConsent>>>,
    reread: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let me = use_me();
    let client = expect_context::<Client>();
    let type_ = consent.type_.clone();
    let title = {
        let type_ = type_.clone();
        move || i18n::document_title(me.language.get_untracked(), &me.type_name(&type_))
    };
    let revision = revision_line(me, &consent);
    // Said where the focus goes (the Accept button that had it is gone), so that a keyboard or screen
    // reader user reads it before the new revision.
    let notice = revised.then(|| {
        let text = i18n::revised_while_reading(me.language.get_untracked(), consent.document.revision_id.as_deref());
        let said = NodeRef::<html::P>::new();
        Effect::new(move |_| {
            if let Some(p) = said.get() {
                let _ = p.focus();
            }
        });
        view! { <p class="revised-notice" role="alert" tabindex="-1" node_ref=said data-testid="revised-while-reading">{text}</p> }
    });
    // The page can be opened by its address: the URI is checked again, as the inbox checks it.
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
        let (client, id, etag, reread) = (client.clone(), id.clone(), etag.clone(), reread.clone());
        pending.set(true);
        failed.set(None);
        spawn_local(async move {
            match client.give_my_consent(&id, &etag, Some(&new_cid())).await {
                Ok(reply) => {
                    given.try_set(Some(reply.value));
                }
                // Revised while read: never accepted unread. The page asks again with the new revision.
                Err(ClientError::Problem(p)) if p.status == 412 => reread(),
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
            {notice}
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
