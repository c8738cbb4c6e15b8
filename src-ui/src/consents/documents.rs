//! `/documents`: the documents the consents point at, each with its latest revision. An admin revises one
//! (the impact preview comes first: "1,234 given consents of 1,180 users will become stale", then the
//! confirmation), moves one, or rescinds consents with a preview of what matches. Every field is checked
//! before anything is sent.

use console_api::consents::{MovedDocument, RevisedDocument};
use console_api::consents_staff::{campaign_query, check_revision, thousands, DocumentInUse, Impact, RescindRequest};
use console_api::gateway::ClientError;
use console_api::page::ErrorView;
use console_api::validate;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use super::{error_of, is_staff, may_write, short_time, UriLink};
use crate::common::{ErrorPanel, Forbidden};
use crate::transport::Client;

#[component]
pub fn DocumentsPage() -> impl IntoView {
    if !is_staff() {
        return view! { <Forbidden/> }.into_any();
    }
    let client = expect_context::<Client>();
    let documents = LocalResource::new({
        let client = client.clone();
        move || {
            let client = client.clone();
            async move { client.documents().await.map(|r| r.value).map_err(|e| error_of(&e)) }
        }
    });
    view! {
        <section class="consents-page" data-testid="documents">
            <div class="page-title">
                <p class="eyebrow">"Consents"</p>
                <h1>"Documents"</h1>
                <p class="lead">"The documents people consent to, at their latest revision."</p>
            </div>
            <div class="card">
                {move || match documents.get() {
                    None => view! { <p class="loading" role="status">"Counting the documents' consents…"</p> }.into_any(),
                    Some(Err(error)) => view! { <ErrorPanel error/> }.into_any(),
                    Some(Ok(list)) => view! {
                        <table class="consents-table" data-testid="documents-table">
                            <thead><tr><th>"Document"</th><th>"Type"</th><th>"Latest revision"</th><th>"Consents"</th><th>"Given at latest"</th><th></th></tr></thead>
                            <tbody>{list.into_iter().map(|d| view! { <DocumentRow document=d/> }).collect_view()}</tbody>
                        </table>
                    }
                    .into_any(),
                }}
            </div>
            {may_write().then(|| view! { <RescindForm/> })}
        </section>
    }
    .into_any()
}

#[component]
fn DocumentRow(document: DocumentInUse) -> impl IntoView {
    let open = RwSignal::new(None::<&'static str>);
    let revision = document.revision_id.clone().unwrap_or_else(|| "—".into());
    let campaign = format!("/documents/campaign?{}", campaign_query(&document.uri, &revision));
    let stored = StoredValue::new(document.clone());
    view! {
        <tr data-testid="document-row" data-uri=document.uri.clone() data-type=document.type_.clone()>
            <td><UriLink uri=document.uri.clone()/></td>
            <td>{document.type_.clone()}</td>
            <td>{revision} <span class="muted">" · " {short_time(&document.revised_at)}</span></td>
            <td>{thousands(document.consents)}</td>
            <td>{thousands(document.given)}</td>
            <td class="row-actions">
                <a class="btn btn-small" href=campaign data-testid="open-campaign">"Campaign"</a>
                {may_write().then(|| view! {
                    <button class="btn btn-small" data-testid="open-revise" on:click=move |_| open.set(Some("revise"))>"Revise…"</button>
                    <button class="btn btn-small" data-testid="open-move" on:click=move |_| open.set(Some("move"))>"Move…"</button>
                })}
            </td>
        </tr>
        {move || open.get().map(|which| view! {
            <tr class="form-row"><td colspan="6">
                {if which == "revise" {
                    view! { <ReviseForm document=stored.get_value() close=Callback::new(move |()| open.set(None))/> }.into_any()
                } else {
                    view! { <MoveForm document=stored.get_value() close=Callback::new(move |()| open.set(None))/> }.into_any()
                }}
            </td></tr>
        })}
    }
}

/// Now, as the API writes times (`2026-09-15T08:00:00.000Z`).
fn now_utc() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Revise: the revision's id and time, checked; its impact asked and shown; then the confirmation; then
/// the campaign of that revision.
#[component]
fn ReviseForm(document: DocumentInUse, close: Callback<()>) -> impl IntoView {
    let client = expect_context::<Client>();
    let navigate = use_navigate();
    let revision_id = RwSignal::new(String::new());
    let revised_at = RwSignal::new(now_utc());
    let impact = RwSignal::new(None::<Impact>);
    let problem = RwSignal::new(None::<ErrorView>);
    let busy = RwSignal::new(false);
    let stored = StoredValue::new(document);
    let revision = move || {
        let d = stored.get_value();
        let id = revision_id.get_untracked().trim().to_string();
        RevisedDocument {
            uri: d.uri,
            content_type: None,
            revision_id: (!id.is_empty()).then_some(id),
            revised_at: revised_at.get_untracked().trim().to_string(),
            type_: d.type_,
            context_uri: None,
            new_uri: None,
        }
    };
    let preview = {
        let client = client.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let r = revision();
            if let Err(e) = check_revision(&r) {
                problem.set(Some(ErrorView::of(&ClientError::Invalid(e), None)));
                return;
            }
            let client = client.clone();
            busy.set(true);
            problem.set(None);
            spawn_local(async move {
                match client.revise_preview(&r.uri, &r.type_).await {
                    Ok(reply) => impact.set(Some(reply.value)),
                    Err(e) => problem.set(Some(error_of(&e))),
                }
                busy.set(false);
            });
        }
    };
    let confirm = move |_| {
        let (client, navigate, r) = (client.clone(), navigate.clone(), revision());
        busy.set(true);
        spawn_local(async move {
            match client.revise(&r).await {
                Ok(reply) => {
                    let id = reply.value.document.revision_id.unwrap_or(reply.value.document.revised_at);
                    navigate(&format!("/documents/campaign?{}", campaign_query(&reply.value.document.uri, &id)), NavigateOptions::default());
                }
                Err(e) => problem.set(Some(error_of(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form" data-testid="revise-form" on:submit=preview novalidate>
            <label class="field"><span>"Revision id"</span>
                <input data-testid="revise-id" type="text" placeholder="2027:1" prop:value=revision_id
                    on:input=move |ev| { revision_id.set(event_target_value(&ev)); impact.set(None); }/></label>
            <label class="field"><span>"Revised at (UTC)"</span>
                <input data-testid="revise-at" type="text" prop:value=revised_at
                    on:input=move |ev| { revised_at.set(event_target_value(&ev)); impact.set(None); }/></label>
            <button class="btn" type="submit" data-testid="revise-preview" disabled=move || busy.get()>"Show the impact"</button>
            <button class="btn btn-ghost" type="button" on:click=move |_| close.run(())>"Cancel"</button>
            {move || impact.get().map(|i| view! {
                <div class="impact" role="status">
                    <p data-testid="revise-impact">{i.stale_sentence()}</p>
                    <button class="btn btn-danger" type="button" data-testid="revise-confirm" disabled=move || busy.get() on:click=confirm.clone()>
                        "Revise the document"
                    </button>
                </div>
            })}
            {move || problem.get().map(|error| view! { <ErrorPanel error/> })}
        </form>
    }
}

/// Move: the new URI (http(s) or relative, checked), behind a confirmation.
#[component]
fn MoveForm(document: DocumentInUse, close: Callback<()>) -> impl IntoView {
    let client = expect_context::<Client>();
    let new_uri = RwSignal::new(String::new());
    let asking = RwSignal::new(false);
    let problem = RwSignal::new(None::<ErrorView>);
    let done = RwSignal::new(false);
    let stored = StoredValue::new(document);
    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match validate::uri_reference("newUri", new_uri.get_untracked().trim()) {
            Ok(()) => {
                problem.set(None);
                asking.set(true);
            }
            Err(e) => problem.set(Some(ErrorView::of(&ClientError::Invalid(e), None))),
        }
    };
    let confirm = move |_| {
        let d = stored.get_value();
        let moved = MovedDocument { type_: d.type_, context_uri: None, uri: d.uri, new_uri: new_uri.get_untracked().trim().to_string() };
        let client = client.clone();
        spawn_local(async move {
            match client.move_document(&moved).await {
                Ok(_) => done.set(true),
                Err(e) => problem.set(Some(error_of(&e))),
            }
            asking.set(false);
        });
    };
    view! {
        <form class="inline-form" data-testid="move-form" on:submit=check novalidate>
            <label class="field"><span>"New URI"</span>
                <input data-testid="move-uri" type="text" placeholder="/vault/files/…/content" prop:value=new_uri
                    on:input=move |ev| { new_uri.set(event_target_value(&ev)); asking.set(false); }/></label>
            <button class="btn" type="submit" data-testid="move-check">"Move…"</button>
            <button class="btn btn-ghost" type="button" on:click=move |_| close.run(())>"Cancel"</button>
            <Show when=move || asking.get()>
                <div class="impact" role="alertdialog">
                    <p>"Every consent to this document will point at the new URI."</p>
                    <button class="btn btn-danger" type="button" data-testid="move-confirm" on:click=confirm.clone()>"Move the document"</button>
                </div>
            </Show>
            <Show when=move || done.get()><p role="status" data-testid="move-done">"Moved. Reload to see the list as it is now."</p></Show>
            {move || problem.get().map(|error| view! { <ErrorPanel error/> })}
        </form>
    }
}

/// Rescind consents of a type, narrowed by context, user or document: the preview first, then confirm.
#[component]
fn RescindForm() -> impl IntoView {
    let client = expect_context::<Client>();
    let (type_, context, user, document) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    // The preview's answer with the request it answered: "Rescind them" sends that request, whatever the
    // fields say by then (an edit clears it, but an answer can arrive after the edit).
    let impact = RwSignal::new(None::<(Impact, RescindRequest)>);
    let problem = RwSignal::new(None::<ErrorView>);
    let done = RwSignal::new(None::<Impact>);
    // One rescind at a time: a second click (a double-click) while the first is on its way sends nothing.
    let rescinding = RwSignal::new(false);
    let request = move || {
        let value = |s: RwSignal<String>| Some(s.get_untracked().trim().to_string()).filter(|v| !v.is_empty());
        RescindRequest { type_: value(type_), context: value(context), user: value(user), document: value(document), ..RescindRequest::default() }
    };
    let preview = {
        let client = client.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (client, r) = (client.clone(), request());
            if let Err(e) = r.validate() {
                problem.set(Some(ErrorView::of(&ClientError::Invalid(e), None)));
                return;
            }
            problem.set(None);
            spawn_local(async move {
                let answer = client.rescind_preview(&r).await;
                match answer {
                    Ok(reply) => impact.set(Some((reply.value, r))),
                    Err(e) => problem.set(Some(error_of(&e))),
                }
            });
        }
    };
    let confirm = move |_| {
        let Some((_, r)) = impact.get_untracked() else { return };
        if rescinding.get_untracked() {
            return;
        }
        rescinding.set(true);
        let client = client.clone();
        spawn_local(async move {
            match client.rescind(&r).await {
                Ok(reply) => {
                    impact.try_set(None);
                    done.try_set(Some(reply.value));
                }
                Err(e) => {
                    problem.try_set(Some(error_of(&e)));
                }
            }
            rescinding.try_set(false);
        });
    };
    let input = |id: &'static str, label: &'static str, value: RwSignal<String>| view! {
        <label class="field"><span>{label}</span>
            <input data-testid=id type="text" prop:value=value on:input=move |ev| { value.set(event_target_value(&ev)); impact.set(None); }/></label>
    };
    view! {
        <form class="card inline-form" data-testid="rescind-form" on:submit=preview novalidate>
            <h2 class="card-title">"Rescind consents"</h2>
            {input("rescind-type", "Type (required)", type_)}
            {input("rescind-context", "Context URI", context)}
            {input("rescind-user", "User", user)}
            {input("rescind-document", "Document URI", document)}
            <button class="btn" type="submit" data-testid="rescind-preview">"Show what matches"</button>
            {move || impact.get().map(|(i, _)| {
                let nothing = i.consents == 0;
                view! {
                    <div class="impact" role="status">
                        <p data-testid="rescind-impact">{i.rescind_sentence()}</p>
                        <button class="btn btn-danger" type="button" data-testid="rescind-confirm"
                            disabled=move || nothing || rescinding.get() on:click=confirm.clone()>"Rescind them"</button>
                    </div>
                }
            })}
            {move || done.get().map(|i| view! { <p role="status" data-testid="rescind-done">{i.rescinded_sentence()}</p> })}
            {move || problem.get().map(|error| view! { <ErrorPanel error/> })}
        </form>
    }
}
