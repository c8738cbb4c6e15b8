//! `/me`: the documents that need the person's consent, one entry per document (the gateway asks the API
//! to consolidate: the same terms for two accounts are accepted once). Each says what it is in the
//! person's language, its revision and date, whether it is new or revised, and for a revised one what
//! changed (the document's own summary, asked through the gateway).

use console_api::consents::ConsentState;
use console_api::gateway::me::MyConsent;
use console_api::i18n::{self, Text};
use console_api::route::CustomerPath;
use console_api::validate::is_safe_uri;
use leptos::prelude::*;

use super::{load, revision_line, use_me, MeError, MeHeader};
use crate::session::use_user;
use crate::transport::Client;

#[component]
pub fn Inbox() -> impl IntoView {
    let me = use_me();
    let client = expect_context::<Client>();
    let name = use_user().name;
    let needed = load(async move { client.my_needed_consents().await.map(|r| r.value.embedded.items) });
    let list = move || match needed.get() {
        None => view! { <p class="me-loading" role="status">{me.t(Text::Loading)}</p> }.into_any(),
        Some(Err(error)) => view! { <MeError error/> }.into_any(),
        Some(Ok(consents)) if consents.is_empty() => view! {
            <div class="empty-state" data-testid="no-needed-consents">
                <p class="empty-title">{me.t(Text::NothingNeeded)}</p>
                <p class="muted">{me.t(Text::NothingNeededHint)}</p>
            </div>
        }
        .into_any(),
        Some(Ok(consents)) => view! {
            <ul class="needed-list">
                {consents.into_iter().map(|consent| view! { <NeededDocument consent/> }).collect_view()}
            </ul>
        }
        .into_any(),
    };
    view! {
        <section class="my-documents" data-testid="my-documents" lang=me.language.get_untracked().code()>
            <MeHeader title=Text::MyDocuments lead=Text::Intro/>
            <p class="me-hello">{i18n::hello(me.language.get_untracked(), &name)}
                " " <a href="/me/history" data-testid="history-link">{me.t(Text::History)}</a></p>
            <div class="card">{list}</div>
        </section>
    }
}

/// One document to accept. A document whose URI is not http(s) or relative is never made a link.
#[component]
fn NeededDocument(consent: MyConsent) -> impl IntoView {
    let me = use_me();
    let revised = consent.state == ConsentState::Stale;
    let uri = consent.document.uri.clone();
    let safe = is_safe_uri(&uri);
    // What changed, from the document itself: asked for revised documents only (a new one is all new).
    let summary = (revised && safe).then(|| {
        let client = expect_context::<Client>();
        let language = me.language.get_untracked();
        load(async move { client.my_document_summary(&uri, language).await.map(|r| r.value) })
    });
    // The revision it asks for, at once (not after the summary loads): the same line as the document page's.
    let revision = revision_line(me, &consent);
    let what_changed = move || {
        summary.and_then(|s| s.with(|s| s.as_ref()?.as_ref().ok()?.what_changed.clone())).map(|text| {
            view! { <p class="what-changed" data-testid="what-changed"><strong>{me.t(Text::WhatChanged)}</strong> " " {text}</p> }
        })
    };
    let type_ = consent.type_.clone();
    let href = CustomerPath::document(&consent.id);
    view! {
        <li class="needed-consent" data-testid="needed-consent" data-consent-id=consent.id.clone()>
            <div class="needed-main">
                <h2 class="needed-type">{move || me.type_name(&type_)}</h2>
                <p class="muted" data-testid="needed-revision">{revision}</p>
                {what_changed}
            </div>
            <span class=if revised { "badge badge-failed" } else { "badge badge-pending" } data-testid="needed-state">
                {me.t(if revised { Text::Revised } else { Text::New })}
            </span>
            {if safe {
                view! { <a class="btn btn-primary needed-open" href=href data-testid="read-document">{me.t(Text::ReadAndAccept)}</a> }.into_any()
            } else {
                view! { <p class="field-error">{me.t(Text::UnsafeDocument)}</p> }.into_any()
            }}
        </li>
    }
}
