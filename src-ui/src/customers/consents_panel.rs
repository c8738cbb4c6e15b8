//! The customer page's consents panel: the person's consents (the staff consent routes, filtered by their
//! Apiture user), counted by state, and the way to the consents explorer filtered the same way.

use console_api::consents::{Consent, ConsentState};
use console_api::consents_staff::{ExplorerQuery, LIMIT_MAX};
use console_api::page::ErrorView;
use console_api::transport::encode_component;
use leptos::prelude::*;

use super::panel::{Absent, Failed, Panel, PanelState, Waiting};
use crate::consents::StateBadge;
use crate::transport::Client;

const STATES: [ConsentState; 5] = [ConsentState::Given, ConsentState::Pending, ConsentState::Stale, ConsentState::Revoked, ConsentState::Rescinded];

#[component]
pub fn ConsentsPanel(user: Option<String>) -> impl IntoView {
    let Some(user) = user else {
        return view! {
            <Panel title="Consents" testid="panel-consents" state=PanelState::Absent>
                <Absent text="This person has no consents user."/>
            </Panel>
        }
        .into_any();
    };
    let client = expect_context::<Client>();
    let consents = LocalResource::new({
        let user = user.clone();
        move || {
            let (client, user) = (client.clone(), user.clone());
            async move {
                let query = ExplorerQuery { user_id: Some(user), limit: LIMIT_MAX, ..ExplorerQuery::default() };
                client.consents(&query).await.map(|r| r.value).map_err(|e| ErrorView::of(&e, None))
            }
        }
    });
    let explorer = format!("/consents?userId={}", encode_component(&user));
    view! {
        <Panel title="Consents" testid="panel-consents" state=Signal::derive(move || PanelState::of(&consents.get()))>
            {move || match consents.get() {
                None => view! { <Waiting system="the Consents API"/> }.into_any(),
                Some(Err(error)) => view! { <Failed system="the Consents API" what="The person's consents" error/> }.into_any(),
                Some(Ok(page)) => view! { <ByState consents=page.items/> }.into_any(),
            }}
            <p class="panel-link"><a href=explorer.clone() data-testid="consents-explorer-link">"In the consents explorer →"</a></p>
        </Panel>
    }
    .into_any()
}

#[component]
fn ByState(consents: Vec<Consent>) -> impl IntoView {
    if consents.is_empty() {
        return view! { <p class="muted" data-testid="consents-none">"No consents."</p> }.into_any();
    }
    let counts: Vec<_> = STATES
        .into_iter()
        .map(|state| (consents.iter().filter(|c| c.state == state).count(), state))
        .filter(|(n, _)| *n > 0)
        .collect();
    let counts = counts.into_iter().map(|(n, state)| {
        let wire = state.as_str().to_string();
        view! { <span class="state-count" data-testid="consents-count" data-state=wire><StateBadge state/> " " {n}</span> }
    });
    let rows = consents.into_iter().map(|c| {
        let href = format!("/consents/{}", encode_component(&c.id));
        view! {
            <li data-testid="consent-row">
                <StateBadge state=c.state.clone()/>
                <a href=href>{c.type_.clone()}</a>
            </li>
        }
    });
    view! {
        <p class="state-counts">{counts.collect_view()}</p>
        <ul class="panel-list">{rows.collect_view()}</ul>
    }
    .into_any()
}
