//! The customer page's D1 panel: the consumer's state, their latest operations, how many are pending or
//! failed, and the way to the full timeline (the staff bundle's page: its code is not in this bundle).

use console_api::page::customer::{D1Summary, D1_LATEST};
use console_api::page::ErrorView;
use console_api::transport::encode_component;
use leptos::prelude::*;

use super::panel::{Absent, Failed, Panel, PanelState, Waiting};
use super::short_time;
use crate::common::StatusBadge;
use crate::transport::Client;
use crate::util::new_cid;

#[component]
pub fn D1Panel(consumer: Option<String>) -> impl IntoView {
    let Some(consumer) = consumer else {
        return view! {
            <Panel title="D1" testid="panel-d1" state=PanelState::Absent>
                <Absent text="This person has no D1 consumer."/>
            </Panel>
        }
        .into_any();
    };
    let client = expect_context::<Client>();
    let summary = LocalResource::new({
        let consumer = consumer.clone();
        move || {
            let (client, consumer) = (client.clone(), consumer.clone());
            async move {
                let page = client.operations(&consumer, 0, D1_LATEST, Some(&new_cid())).await.map_err(|e| ErrorView::of(&e, None))?;
                Ok::<_, ErrorView>(D1Summary::of(&page.value.operations, page.value.remaining_operations))
            }
        }
    });
    let timeline = format!("/consumers/{}", encode_component(&consumer));
    view! {
        <Panel title="D1" testid="panel-d1" state=Signal::derive(move || PanelState::of(&summary.get()))>
            {move || match summary.get() {
                None => view! { <Waiting system="D1"/> }.into_any(),
                Some(Err(error)) => view! { <Failed system="D1" what="The consumer's operations" error/> }.into_any(),
                Some(Ok(s)) => view! { <Summary summary=s/> }.into_any(),
            }}
            <p class="panel-link"><a href=timeline.clone() data-testid="d1-timeline-link">"Full timeline →"</a></p>
        </Panel>
    }
    .into_any()
}

#[component]
fn Summary(summary: D1Summary) -> impl IntoView {
    let state = summary.state.as_ref().map_or_else(|| "unknown".to_string(), |s| s.label().to_string());
    let scope = summary.scope();
    let rows = summary.latest.into_iter().map(|op| {
        view! {
            <li class="panel-op" data-testid="d1-operation">
                <StatusBadge status=op.status.clone()/>
                <span>{op.operation.label().to_string()}</span>
                <time class="muted">{short_time(&op.start_time)}</time>
            </li>
        }
    });
    view! {
        <dl class="facts-grid">
            <dt>"Consumer state"</dt><dd data-testid="d1-state">{state}</dd>
            <dt>"Pending"</dt><dd data-testid="d1-pending">{summary.pending} " " <span class="muted">{scope.clone()}</span></dd>
            <dt>"Failed"</dt><dd data-testid="d1-failed">{summary.failed} " " <span class="muted">{scope}</span></dd>
        </dl>
        <h3 class="panel-subtitle">"Latest operations"</h3>
        {if summary.counted == 0 {
            view! { <p class="muted">"No operations in D1's last three months."</p> }.into_any()
        } else {
            view! { <ul class="panel-list">{rows.collect_view()}</ul> }.into_any()
        }}
    }
}
