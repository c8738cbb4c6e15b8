//! `/consumers/{consumerId}/operations/{operationId}`: one operation's every field, as a drawer over the
//! timeline. Deep-linkable: when the operation is not loaded (a reload), it is fetched by id.

use chrono::{Local, Utc};
use console_api::d1::Operation;
use console_api::page::{self, ErrorView};
use console_api::timeline as tl;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;

use crate::common::{ErrorPanel, Loading, OpIcon, StatusBadge};
use crate::routes::use_staff_path;
use crate::timeline::TimelineCtx;
use crate::transport::Client;
use crate::util::{focus_selector, new_cid};

#[component]
pub fn OperationDrawer() -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let client = expect_context::<Client>();
    let path = use_staff_path();
    let operation_id = Memo::new(move |_| path.with(|p| p.operation().unwrap_or_default().to_string()));
    let loaded = Memo::new(move |_| operation_id.with(|id| ctx.timeline.with(|t| t.find(id).cloned())));

    // Not loaded (yet): fetch it by id, as its own use case.
    // (A signal filled by a task, not a resource: no async-derived machinery in the wasm.)
    let fetched = RwSignal::new(None);
    Effect::new(move |_| {
        let id = operation_id.get();
        let consumer = ctx.consumer.get();
        fetched.set(None);
        if ctx.timeline.with_untracked(|t| t.find(&id).is_some()) {
            return;
        }
        let client = client.clone();
        spawn_local(async move {
            let cid = new_cid();
            let result = client.operation_as_sent(&consumer, &id, Some(&cid)).await;
            // Only the answer for the operation still shown.
            if operation_id.try_get_untracked().as_deref() == Some(id.as_str()) {
                fetched.try_set(Some((cid, result)));
            }
        });
    });

    let navigate = use_navigate();
    let location = use_location();
    let close = move || {
        let id = operation_id.get_untracked();
        navigate(&ctx.base_path(&location.search.get_untracked()), NavigateOptions { scroll: false, ..Default::default() });
        // Focus goes back to the row that opened the drawer.
        set_timeout(move || focus_selector(&format!("[data-op-id=\"{id}\"]")), std::time::Duration::from_millis(0));
    };
    let close_button = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(b) = close_button.get() {
            let _ = b.focus();
        }
    });
    let escape = window_event_listener(leptos::ev::keydown, {
        let close = close.clone();
        move |ev| {
            if ev.key() == "Escape" && !ev.default_prevented() {
                close();
            }
        }
    });
    on_cleanup(move || escape.remove());

    let content = move || {
        if let Some(op) = loaded.get() {
            let cid = ctx.cid.get();
            return view! { <OperationFields op=op cid=cid via="Loaded with the timeline" sent=None/> }.into_any();
        }
        match fetched.get() {
            None => view! { <Loading label="Loading the operation…"/> }.into_any(),
            Some((cid, Ok(reply))) => {
                let cid = reply.correlation_id.unwrap_or(cid);
                let sent = Some(reply.value.json);
                view! { <OperationFields op=reply.value.value cid=cid via="Fetched by id" sent=sent/> }.into_any()
            }
            Some((cid, Err(e))) => view! { <ErrorPanel error=ErrorView::of(&e, Some(&cid))/> }.into_any(),
        }
    };

    let close2 = close.clone();
    view! {
        <div class="drawer-backdrop" on:click=move |_| close2()></div>
        <aside class="drawer" data-testid="op-detail" role="dialog" aria-modal="false" aria-labelledby="drawer-title">
            <header class="drawer-head">
                <div>
                    <p class="eyebrow">"Operation"</p>
                    <h2 id="drawer-title"><code>{move || operation_id.get()}</code></h2>
                </div>
                <button class="btn btn-icon" data-testid="op-detail-close" aria-label="Close the details (Escape)"
                    node_ref=close_button on:click=move |_| close()>
                    <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor"
                        stroke-width="1.75" stroke-linecap="round"><path d="M3 3l10 10M13 3L3 13"></path></svg>
                </button>
            </header>
            <div class="drawer-body">{content}</div>
        </aside>
    }
}

/// `sent`: the operation's JSON as the gateway sent it, when the drawer fetched it by id.
#[component]
fn OperationFields(op: Operation, cid: String, via: &'static str, sent: Option<String>) -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let start_utc = tl::parse_time(&op.start_time).map(|t| t.with_timezone(&Utc));
    let relative = move || start_utc.map(|t| tl::relative(t, ctx.now.get())).unwrap_or_default();
    let details = op.details.clone().unwrap_or_default();
    let dash = || "—".to_string();
    let row = |label: &'static str, value: String| view! { <dt>{label}</dt><dd>{value}</dd> };
    view! {
        <div class="detail-summary">
            <OpIcon kind=op.operation.clone()/>
            <span class="op-label">{op.operation.label().to_string()}</span>
            <StatusBadge status=op.status.clone()/>
        </div>
        {op.error.clone().or(op.error_code.clone()).map(|_| view! {
            <div class="op-error block">
                <strong>{op.error_code.clone().unwrap_or_else(|| "Error".into())}</strong>
                " " {op.error.clone().unwrap_or_default()}
            </div>
        })}
        <dl class="fields">
            {row("Operation ID", op.operation_id.clone())}
            {row("Type", format!("{} ({})", op.operation.label(), op.operation.as_str()))}
            {row("Status", op.status.as_str().to_string())}
            <dt>"Started"</dt>
            <dd>{page::local_time_label(&op.start_time, &Local)} <span class="muted">" · " {relative}</span>
                <br/><code class="raw-time">{op.start_time.clone()}</code></dd>
            <dt>"Ended"</dt>
            <dd>{match op.end_time.clone() {
                Some(e) => view! { {page::local_time_label(&e, &Local)} <br/><code class="raw-time">{e}</code> }.into_any(),
                None => view! { <span class="muted">"Not ended (synchronous or still pending)"</span> }.into_any(),
            }}</dd>
            {row("Duration", tl::duration(&op).map(tl::format_duration).unwrap_or_else(dash))}
            {row("Requestor", format!("{} ({})", op.requestor_type.label(), op.requestor_type.as_str()))}
            {row("Requestor ID", op.requestor_id.clone())}
            {row("Reason", op.reason.clone().unwrap_or_else(dash))}
            {row("Reason code", op.reason_code.as_ref().map(|c| format!("{} ({})", c.label(), c.as_str())).unwrap_or_else(dash))}
            {row("Old state", details.old_state.as_ref().map(|s| s.label().to_string()).unwrap_or_else(dash))}
            {row("New state", details.new_state.as_ref().map(|s| s.label().to_string()).unwrap_or_else(dash))}
            {row("App instance", details.app_instance_id.clone().unwrap_or_else(dash))}
            {row("Error code", op.error_code.clone().unwrap_or_else(dash))}
            {row("Error", op.error.clone().unwrap_or_else(dash))}
            <dt>"Correlation id"</dt>
            <dd><code class="cid">{cid}</code> <span class="muted">" · " {via}</span></dd>
        </dl>
        <RawJson operation_id=op.operation_id.clone() sent=sent/>
    }
}

/// The operation as the gateway sent it (D1's fields), pretty-printed by the browser's own
/// `JSON.stringify`, so the page carries no serializer of D1's models. Asked when first shown, unless the
/// drawer fetched the operation by id already.
#[component]
fn RawJson(operation_id: String, sent: Option<String>) -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let client = StoredValue::new(expect_context::<Client>());
    let open = RwSignal::new(false);
    let json = RwSignal::new(sent.as_deref().map(pretty));
    let problem = RwSignal::new(None::<ErrorView>);
    let toggle = move |_| {
        open.update(|o| *o = !*o);
        if !open.get_untracked() || json.with_untracked(Option::is_some) {
            return;
        }
        problem.set(None);
        let (client, consumer, id, cid) = (client.get_value(), ctx.consumer.get_untracked(), operation_id.clone(), new_cid());
        spawn_local(async move {
            match client.operation_as_sent(&consumer, &id, Some(&cid)).await {
                Ok(reply) => {
                    json.try_set(Some(pretty(&reply.value.json)));
                }
                Err(e) => {
                    problem.try_set(Some(ErrorView::of(&e, Some(&cid))));
                }
            }
        });
    };
    view! {
        <div class="raw">
            <button class="btn btn-small" data-testid="raw-json-toggle" aria-expanded=move || open.get().to_string()
                aria-controls="raw-json" on:click=toggle>
                {move || if open.get() { "Hide raw JSON" } else { "Show raw JSON" }}
            </button>
            <Show when=move || open.get()>
                {move || match (json.get(), problem.get()) {
                    (Some(json), _) => view! { <pre id="raw-json" class="raw-json" data-testid="raw-json">{json}</pre> }.into_any(),
                    (None, Some(error)) => view! { <ErrorPanel error=error/> }.into_any(),
                    (None, None) => view! { <Loading label="Loading the operation's JSON…"/> }.into_any(),
                }}
            </Show>
        </div>
    }
}

/// `JSON.stringify(JSON.parse(json), null, 2)`; the text as it came if the browser cannot read it.
fn pretty(json: &str) -> String {
    let indent = wasm_bindgen::JsValue::from_f64(2.0);
    js_sys::JSON::parse(json)
        .and_then(|value| js_sys::JSON::stringify_with_replacer_and_space(&value, &wasm_bindgen::JsValue::NULL, &indent))
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_else(|| json.to_string())
}
