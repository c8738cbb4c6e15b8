//! `/consents/{id}`: one consent: its document, contexts and state history, and what an admin may do to it
//! now (the buttons follow the consent's links): edit its contexts (`If-Match`: a 412 shows what changed)
//! and rescind it, each behind a confirmation.

use console_api::consents::{Consent, REL_RESCIND};
use console_api::consents_staff::{changes, ConsentPatch, RescindRequest};
use console_api::gateway::ClientError;
use console_api::page::ErrorView;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::conflict::ConflictPanel;
use super::{error_of, is_staff, may_write, short_time, Confirmed, StateBadge, UriLink};
use crate::common::{ErrorPanel, Forbidden};
use crate::transport::Client;

/// The consent as read, with the ETag a write names.
#[derive(Clone, Debug, PartialEq)]
struct Versioned {
    consent: Consent,
    etag: String,
}

/// A 412: the fresh version, and the change the person had asked for.
#[derive(Clone, Debug, PartialEq)]
struct Conflict {
    fresh: Versioned,
    change: ConsentPatch,
}

#[component]
pub fn ConsentDetail(id: String) -> impl IntoView {
    if !is_staff() {
        return view! { <Forbidden/> }.into_any();
    }
    let client = expect_context::<Client>();
    let current = RwSignal::new(None::<Result<Versioned, ErrorView>>);
    let load = {
        let (client, id) = (client.clone(), id.clone());
        move || {
            let (client, id) = (client.clone(), id.clone());
            spawn_local(async move {
                let answer = client.consent(&id).await;
                current.try_set(Some(answer.map(|r| Versioned { consent: r.value, etag: r.etag.unwrap_or_default() }).map_err(|e| error_of(&e))));
            });
        }
    };
    load();
    view! {
        <section class="consents-page" data-testid="consent-detail">
            <p><a href="/consents" data-testid="back-to-explorer">"← Explorer"</a></p>
            {move || match current.get() {
                None => view! { <p class="loading" role="status">"Loading the consent…"</p> }.into_any(),
                Some(Err(error)) => view! { <ErrorPanel error/> }.into_any(),
                Some(Ok(v)) => view! { <Detail versioned=v current client=client.clone()/> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

#[component]
fn Detail(versioned: Versioned, current: RwSignal<Option<Result<Versioned, ErrorView>>>, client: Client) -> impl IntoView {
    let c = versioned.consent.clone();
    let history = [
        ("Given", c.given_at.clone()),
        ("Made stale (document revised)", c.stale_at.clone()),
        ("Revoked", c.request_revoked_at.clone()),
        ("Rescinded", c.request_rescinded_at.clone()),
    ];
    let history: Vec<_> = history
        .into_iter()
        .filter_map(|(what, at)| at.map(|at| view! { <li data-testid="history-item"><span>{what}</span> " " <time>{short_time(&at)}</time></li> }))
        .collect();
    let history = if history.is_empty() {
        view! { <p class="muted" data-testid="history-empty">"Never given yet."</p> }.into_any()
    } else {
        view! { <ul class="history">{history}</ul> }.into_any()
    };
    let context = |v: &Option<String>| match v {
        Some(u) => view! { <UriLink uri=u.clone()/> }.into_any(),
        None => view! { <span class="muted">"none"</span> }.into_any(),
    };
    let revision = c.document.revision_id.clone().unwrap_or_else(|| "—".into());
    view! {
        <div class="card detail-card">
            <div class="page-head">
                <div class="page-title">
                    <p class="eyebrow">{c.type_.clone()}</p>
                    <h1 data-testid="detail-user">{c.user_id.clone()}</h1>
                </div>
                <StateBadge state=c.state.clone()/>
            </div>
            <dl class="facts-grid">
                <dt>"Consent"</dt><dd><code>{c.id.clone()}</code></dd>
                <dt>"Document"</dt><dd><UriLink uri=c.document.uri.clone()/></dd>
                <dt>"Revision"</dt><dd data-testid="detail-revision">{revision} " · revised " {short_time(&c.document.revised_at)}</dd>
                <dt>"Context"</dt><dd data-testid="detail-context">{context(&c.context_uri)}</dd>
                <dt>"Secondary context"</dt><dd>{context(&c.secondary_context_uri)}</dd>
            </dl>
            <h2 class="card-title">"History"</h2>
            {history}
        </div>
        {may_write().then(|| view! { <Actions versioned current client/> })}
    }
}

/// An admin's actions: edit the contexts, rescind. Enabled from the consent's links.
#[component]
fn Actions(versioned: Versioned, current: RwSignal<Option<Result<Versioned, ErrorView>>>, client: Client) -> impl IntoView {
    let consent = versioned.consent.clone();
    let context = RwSignal::new(consent.context_uri.clone().unwrap_or_default());
    let problem = RwSignal::new(None::<ErrorView>);
    let conflict = RwSignal::new(None::<Conflict>);
    let busy = RwSignal::new(false);
    let read = StoredValue::new(versioned);
    let id = consent.id.clone();

    // Sends `change` on the version `base`; a 412 keeps the fresh version beside the change.
    let send = {
        let (client, id) = (client.clone(), id.clone());
        move |base: Versioned, change: ConsentPatch| {
            let (client, id) = (client.clone(), id.clone());
            busy.set(true);
            spawn_local(async move {
                match client.patch_consent(&id, &base.etag, &change).await {
                    Ok(r) => {
                        conflict.set(None);
                        problem.set(None);
                        current.set(Some(Ok(Versioned { consent: r.value, etag: r.etag.unwrap_or_default() })));
                    }
                    Err(ClientError::Problem(p)) if p.status == 412 => {
                        let fresh = p.current.as_ref().and_then(|v| v.read::<Consent>());
                        match (fresh, p.etag.clone()) {
                            (Some(consent), Some(etag)) => conflict.set(Some(Conflict { fresh: Versioned { consent, etag }, change })),
                            _ => problem.set(Some(error_of(&ClientError::Problem(p)))),
                        }
                    }
                    Err(e) => problem.set(Some(error_of(&e))),
                }
                busy.set(false);
            });
        }
    };
    let save = {
        let send = send.clone();
        Callback::new(move |()| {
            let value = context.get_untracked().trim().to_string();
            let change = ConsentPatch { context_uri: Some((!value.is_empty()).then_some(value)), ..ConsentPatch::default() };
            match change.validate() {
                Ok(()) => send(read.get_value(), change),
                Err(e) => problem.set(Some(ErrorView::of(&ClientError::Invalid(e), None))),
            }
        })
    };
    let apply = {
        let send = send.clone();
        Callback::new(move |()| {
            if let Some(c) = conflict.get_untracked() {
                send(c.fresh.clone(), c.change.clone());
            }
        })
    };
    let discard = Callback::new(move |()| {
        if let Some(c) = conflict.get_untracked() {
            conflict.set(None);
            current.set(Some(Ok(c.fresh)));
        }
    });
    let rescind = {
        let (client, id) = (client.clone(), id.clone());
        Callback::new(move |()| {
            let (client, id) = (client.clone(), id.clone());
            busy.set(true);
            spawn_local(async move {
                let request = RescindRequest { consent: Some(id.clone()), ..RescindRequest::default() };
                match client.rescind(&request).await {
                    Ok(_) => match client.consent(&id).await {
                        Ok(r) => current.set(Some(Ok(Versioned { consent: r.value, etag: r.etag.unwrap_or_default() }))),
                        Err(e) => problem.set(Some(error_of(&e))),
                    },
                    Err(e) => problem.set(Some(error_of(&e))),
                }
                busy.set(false);
            });
        })
    };
    let can_rescind = consent.can(REL_RESCIND);
    view! {
        <div class="card actions-card" data-testid="consent-actions">
            <h2 class="card-title">"Actions"</h2>
            <div class="field-row">
                <label class="field">
                    <span>"Context URI"</span>
                    <input data-testid="edit-context" type="text" prop:value=context on:input=move |ev| context.set(event_target_value(&ev))/>
                </label>
                <Confirmed label="Save context…" testid="save-context" enabled=Signal::derive(move || !busy.get())
                    question="Change this consent's context URI?".to_string() on_confirm=save/>
            </div>
            <div class="field-row">
                <Confirmed label="Rescind…" testid="rescind-one" enabled=Signal::derive(move || can_rescind && !busy.get())
                    question="Rescind this consent? The user will be asked again only if the bank creates a new one.".to_string()
                    on_confirm=rescind/>
                {(!can_rescind).then(|| view! { <span class="muted">"This consent cannot be rescinded now."</span> })}
            </div>
            {move || conflict.get().map(|c| {
                let mine = format!("contextUri → {}", c.change.context_uri.clone().flatten().unwrap_or_else(|| "none".into()));
                view! { <ConflictPanel changes=changes(&read.get_value().consent, &c.fresh.consent) mine on_apply=apply on_discard=discard/> }
            })}
            {move || problem.get().map(|error| view! { <ErrorPanel error/> })}
        </div>
    }
}
