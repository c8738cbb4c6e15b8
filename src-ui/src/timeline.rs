//! `/consumers/{consumerId}`: the operations timeline with paging, filters in the URL, counts, the weekly
//! chart, export, live refresh of PENDING operations and the newest ones, and the delete dialog.

use std::hash::{Hash, Hasher};
use std::time::Duration;

use chrono::{DateTime, Local, Utc};
use console_api::d1::{Operation, OperationStatus, OperationType, RequestorType};
use console_api::gateway::ExportRecord;
use console_api::page::{self, ErrorView, LoadedTimeline, PAGE_SIZE};
use console_api::timeline::{self as tl, TimelineFilter};
use console_api::transport::encode_component;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Outlet;
use leptos_router::hooks::{use_location, use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::accounts::AdvancedSection;
use crate::common::{ErrorPanel, Forbidden, Loading, OpIcon, SkeletonRows, StatusBadge};
use crate::delete::{self, DeleteDialog};
use crate::session::use_role;
use crate::transport::Client;
use crate::util::{download, new_cid, today};

/// What the consumer page shares with its drawer and dialogs.
#[derive(Clone, Copy)]
pub struct TimelineCtx {
    pub consumer: Memo<String>,
    pub timeline: RwSignal<LoadedTimeline>,
    /// The correlation id of "opening this consumer's timeline".
    pub cid: RwSignal<String>,
    /// Ticks so that relative times stay true.
    pub now: RwSignal<DateTime<Utc>>,
}

impl TimelineCtx {
    /// `/consumers/{id}` plus the current filter query.
    pub fn base_path(&self, search: &str) -> String {
        let path = format!("/consumers/{}", encode_component(&self.consumer.get_untracked()));
        if search.is_empty() {
            path
        } else {
            format!("{path}?{}", search.trim_start_matches('?'))
        }
    }
}

/// Fetches offset 0 and merges the newest operations in front (after a delete, and every 10 s with the
/// background client).
pub fn refresh_newest(client: Client, ctx: TimelineCtx) {
    let Some(consumer) = ctx.consumer.try_get_untracked() else { return };
    let cid = ctx.cid.get_untracked();
    spawn_local(async move {
        if let Ok(reply) = client.operations(&consumer, 0, PAGE_SIZE, Some(&cid)).await {
            if ctx.consumer.try_get_untracked().as_deref() == Some(consumer.as_str()) {
                ctx.timeline.try_update(|t| t.apply_newest(reply.value));
            }
        }
    });
}

/// One page request of the timeline use case.
#[derive(Clone, Debug, PartialEq, Eq)]
struct PageRequest {
    consumer: String,
    cid: String,
    offset: u32,
}


/// The filter keys of the URL query.
const FILTER_KEYS: [&str; 5] = ["type", "status", "requestor", "from", "to"];

#[component]
pub fn ConsumerPage() -> impl IntoView {
    // The consumer pages are for staff (the gateway refuses customers their calls anyway).
    if !use_role().is_staff() {
        return view! { <Forbidden/> }.into_any();
    }
    let client = expect_context::<Client>();
    let params = use_params_map();
    let consumer = Memo::new(move |_| params.read().get("consumer").unwrap_or_default());
    let ctx = TimelineCtx {
        consumer,
        timeline: RwSignal::new(LoadedTimeline::default()),
        cid: RwSignal::new(new_cid()),
        now: RwSignal::new(Utc::now()),
    };
    provide_context(ctx);
    let timeline = ctx.timeline;

    let first_error = RwSignal::new(None::<ErrorView>);
    let more_error = RwSignal::new(None::<ErrorView>);
    // Pages in flight: while one is, "load more" waits, so that a page is never asked twice. (Tasks and
    // signals rather than an `Action`: less code in the wasm.)
    let in_flight = RwSignal::new(0u32);
    let loading = Memo::new(move |_| in_flight.get() > 0);
    let page_client = StoredValue::new(client.clone());
    let load_page = move |req: PageRequest| {
        let client = page_client.get_value();
        in_flight.update(|n| *n += 1);
        spawn_local(async move {
            let result = client.operations(&req.consumer, req.offset, PAGE_SIZE, Some(&req.cid)).await;
            in_flight.try_update(|n| *n -= 1);
            let current = consumer.try_get_untracked().zip(ctx.cid.try_get_untracked());
            if current != Some((req.consumer, req.cid.clone())) {
                return; // an answer for a use case we left
            }
            match result {
                Ok(reply) => {
                    timeline.update(|t| t.apply_page(req.offset, reply.value));
                    more_error.set(None);
                }
                Err(e) => {
                    let view = ErrorView::of(&e, Some(&req.cid));
                    if timeline.with_untracked(|t| t.started()) {
                        more_error.set(Some(view));
                    } else {
                        first_error.set(Some(view));
                    }
                }
            }
        });
    };

    // Agents look but do not change: no delete, no account register or delete (the gateway refuses too).
    let may_write = use_role().may_write();
    // The delete dialog, open with the fields it starts from (none: a fresh form).
    let delete_open = RwSignal::new(None::<Vec<String>>);

    // A new consumer (or the first visit) starts a new use case with its own correlation id.
    Effect::new(move |_| {
        let id = consumer.get();
        // A delete dialog left half-filled on this consumer (a session expiry) opens again.
        delete_open.set(if may_write { delete::saved_draft(&ctx) } else { None });
        let cid = new_cid();
        ctx.cid.set(cid.clone());
        timeline.set(LoadedTimeline::default());
        first_error.set(None);
        more_error.set(None);
        load_page(PageRequest { consumer: id, cid, offset: 0 });
    });
    let load_more = move || {
        if loading.get_untracked() || !timeline.with_untracked(|t| t.has_more()) {
            return;
        }
        let offset = timeline.with_untracked(|t| t.next_offset());
        load_page(PageRequest { consumer: consumer.get_untracked(), cid: ctx.cid.get_untracked(), offset });
    };

    // Live: PENDING operations every 2 s until they settle, the newest every 10 s, the clock every 30 s.
    // The polls are background requests: they do not keep the session alive (only the person does), and
    // a hidden tab does not poll at all; it catches up when it is shown again.
    let polling = StoredValue::new(Vec::<String>::new());
    let poll_pending = {
        let client = client.background();
        move || {
            if page_hidden() {
                return;
            }
            let ids = timeline.with_untracked(|t| t.pending_ids());
            for id in ids.into_iter().take(10) {
                if polling.with_value(|p| p.contains(&id)) {
                    continue;
                }
                polling.update_value(|p| p.push(id.clone()));
                let client = client.clone();
                let consumer_id = consumer.get_untracked();
                let cid = ctx.cid.get_untracked();
                spawn_local(async move {
                    let result = client.operation(&consumer_id, &id, Some(&cid)).await;
                    polling.try_update_value(|p| p.retain(|x| x != &id));
                    if let Ok(reply) = result {
                        if reply.value.status != OperationStatus::Pending
                            && consumer.try_get_untracked().as_deref() == Some(consumer_id.as_str())
                        {
                            timeline.try_update(|t| t.replace(reply.value));
                        }
                    }
                });
            }
        }
    };
    let poll_newest = {
        let client = client.background();
        move || {
            if timeline.with_untracked(|t| t.started()) && !loading.get_untracked() && !page_hidden() {
                refresh_newest(client.clone(), ctx);
            }
        }
    };
    let catch_up = {
        let (poll_pending, poll_newest) = (poll_pending.clone(), poll_newest.clone());
        window_event_listener_untyped("visibilitychange", move |_| {
            poll_pending();
            poll_newest();
        })
    };
    let handles = [
        set_interval_with_handle(poll_pending, Duration::from_secs(2)),
        set_interval_with_handle(poll_newest, Duration::from_secs(10)),
        set_interval_with_handle(move || ctx.now.set(Utc::now()), Duration::from_secs(30)),
    ];
    on_cleanup(move || {
        handles.into_iter().flatten().for_each(|h| h.clear());
        catch_up.remove();
    });

    // Filters live in the URL query.
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query.with(|q| TimelineFilter::from_query(FILTER_KEYS.iter().filter_map(|k| q.get_str(k).map(|v| (*k, v)))))
    });

    // (Conditions are Memos, so that what they show is rebuilt only when they flip.)
    let dialog_shown = Memo::new(move |_| delete_open.with(Option::is_some));
    let delete_opener = NodeRef::<html::Button>::new();

    let started = move || timeline.with(|t| t.started());
    let body = move || {
        if let Some(error) = first_error.get() {
            return view! { <ErrorPanel error=error/> }.into_any();
        }
        if !started() {
            return view! {
                <div class="card timeline-card">
                    <Loading label="Loading operations…"/>
                    <SkeletonRows/>
                </div>
            }
            .into_any();
        }
        view! {
            <Stats filter=filter/>
            <Filters filter=filter/>
            <div class="card timeline-card">
                <TimelineList filter=filter/>
                <ListFooter load_more=load_more loading=loading more_error=more_error filter=filter/>
            </div>
        }
        .into_any()
    };

    view! {
        <div class="consumer-page">
            <section class="page-head">
                <div class="page-title">
                    <p class="eyebrow">"Consumer"</p>
                    <h1><code class="consumer-id">{move || consumer.get()}</code></h1>
                    <p class="retention">
                        "D1 keeps operations for 3 months: older ones are removed and cannot be shown. "
                        <span class="muted">"Times are local (" {local_zone_label()} ")."</span>
                    </p>
                </div>
                <div class="page-actions">
                    <ExportButtons/>
                    // Offered only for a consumer D1 knows and has not deleted: a 404 or a deleted
                    // consumer has nothing left to delete.
                    {move || if timeline.with(|t| t.deletable()) && !may_write {
                        view! { <span class="muted not-allowed" data-testid="delete-not-allowed">"Deleting needs an admin"</span> }.into_any()
                    } else if timeline.with(|t| t.deletable()) {
                        view! {
                            <button
                                class="btn btn-danger"
                                data-testid="delete-consumer-open"
                                node_ref=delete_opener
                                aria-haspopup="dialog"
                                on:click=move |_| delete_open.set(Some(Vec::new()))
                            >
                                "Delete consumer…"
                            </button>
                        }.into_any()
                    } else if timeline.with(|t| t.deleted()) {
                        view! { <span class="deleted-mark" data-testid="consumer-deleted">"Deleted"</span> }.into_any()
                    } else {
                        ().into_any()
                    }}
                </div>
            </section>
            {body}
            {may_write.then(|| view! { <AdvancedSection/> })}
            {move || dialog_shown.get().then(|| view! {
                <DeleteDialog
                    draft=delete_open.get_untracked().unwrap_or_default()
                    on_close=move || {
                        delete_open.set(None);
                        if let Some(b) = delete_opener.get_untracked() {
                            let _ = b.focus();
                        }
                    }
                />
            })}
            <Outlet/>
        </div>
    }
    .into_any()
}

/// The child route of a consumer without an open drawer.
#[component]
pub fn NoDrawer() -> impl IntoView {}

fn page_hidden() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

fn local_zone_label() -> String {
    let offset = Local::now().offset().local_minus_utc();
    let (sign, abs) = if offset < 0 { ('-', -offset) } else { ('+', offset) };
    format!("UTC{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60)
}

/// Saves the loaded operations as a file, and tells the gateway, which audits who took what away.
#[component]
fn ExportButtons() -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let client = StoredValue::new(expect_context::<Client>());
    let problem = RwSignal::new(None::<String>);
    let export = move |ext: &'static str| {
        let consumer = ctx.consumer.get_untracked();
        let (text, rows) = ctx.timeline.with_untracked(|t| {
            let text = match ext {
                "csv" => console_api::export::to_csv(&t.operations),
                _ => console_api::export::to_json(&consumer, &Utc::now().to_rfc3339(), &t.operations),
            };
            (text, t.operations.len() as u32)
        });
        let mime = if ext == "csv" { "text/csv;charset=utf-8" } else { "application/json" };
        // The file is made from what the page already holds; the record goes beside it (a failed record
        // is shown, it cannot take the file back).
        problem.set(download(&page::export_filename(&consumer, ext), mime, &text).err().map(|e| format!("Export failed: {e}")));
        let record = ExportRecord { consumer_id: consumer, format: ext.into(), row_count: rows };
        let (client, cid) = (client.get_value(), ctx.cid.get_untracked());
        spawn_local(async move {
            if let Err(e) = client.record_export(&record, Some(&cid)).await {
                problem.try_set(Some(format!("The file was saved, but the console could not record the export: {e}")));
            }
        });
    };
    let empty = move || ctx.timeline.with(|t| t.operations.is_empty());
    view! {
        <div class="btn-group" role="group" aria-label="Export loaded operations">
            <button class="btn" data-testid="export-csv" disabled=empty on:click=move |_| export("csv")
                title="Download the loaded operations as CSV">"Export CSV"</button>
            <button class="btn" data-testid="export-json" disabled=empty on:click=move |_| export("json")
                title="Download the loaded operations as JSON">"Export JSON"</button>
        </div>
        {move || problem.get().map(|p| view! { <p class="field-error" role="alert" data-testid="export-problem">{p}</p> })}
    }
}

/// Counts by status and operations per week (last 13 weeks) of the loaded operations.
#[component]
fn Stats(filter: Memo<TimelineFilter>) -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    // Plain derived values (no Memo): cheap to recompute, and each Memo type costs code in the wasm.
    let counts = move || ctx.timeline.with(|t| tl::count_by_status(&t.operations));
    let navigate = use_navigate();
    let location = use_location();
    // Clicking a count filters by that status.
    let pick = move |status: OperationStatus| {
        let mut f = filter.get_untracked();
        f.statuses = if f.statuses == [status.clone()] { vec![] } else { vec![status] };
        navigate(
            &page::path_with_query(&location.pathname.get_untracked(), &f.to_query()),
            NavigateOptions { replace: true, scroll: false, ..Default::default() },
        );
    };
    let count = move |status: OperationStatus, class: &'static str| {
        let pick = pick.clone();
        let label = status.label().to_string();
        let wire = status.as_str().to_string();
        let s2 = status.clone();
        let n = move || {
            let c = counts();
            match s2 {
                OperationStatus::Successful => c.successful,
                OperationStatus::Pending => c.pending,
                OperationStatus::Failed => c.failed,
                OperationStatus::Other(_) => c.other,
            }
        };
        let pressed = move || filter.with(|f| f.statuses.iter().any(|s| s.as_str() == wire));
        view! {
            <button class=format!("count {class}") data-status=status.as_str().to_string()
                aria-pressed=move || pressed().to_string()
                title="Show only this status"
                on:click=move |_| pick(status.clone())>
                <span class="count-n">{n}</span>
                <span class="count-label">{label}</span>
            </button>
        }
    };
    view! {
        <section class="stats" aria-label="Summary of the loaded operations">
            <div class="card stat-card">
                <h2 class="card-title">"By status"</h2>
                <div class="status-counts" data-testid="status-counts">
                    {count(OperationStatus::Successful, "count-ok")}
                    {count(OperationStatus::Pending, "count-pending")}
                    {count(OperationStatus::Failed, "count-failed")}
                    {move || {
                        let other = counts().other;
                        (other > 0).then(|| view! {
                        <span class="count count-other"><span class="count-n">{other}</span>
                        <span class="count-label">"Other"</span></span>
                        })
                    }}
                </div>
            </div>
            <div class="card stat-card chart-card">
                <h2 class="card-title">"Operations per week " <span class="muted">"(last 13 weeks, loaded)"</span></h2>
                <WeekChart/>
            </div>
        </section>
    }
}

#[component]
fn WeekChart() -> impl IntoView {
    const W: f64 = 390.0;
    const H: f64 = 64.0;
    const VIEW_BOX: &str = "0 0 390 66";
    let ctx = expect_context::<TimelineCtx>();
    let buckets = move || ctx.timeline.with(|t| tl::per_week(&t.operations, &Local, today(), 13));
    let label = move || {
        let b = buckets();
        let total: usize = b.iter().map(|x| x.total).sum();
        format!("Bar chart: {total} loaded operations over the last 13 weeks")
    };
    let first = move || buckets().first().map(|x| page::date_label(x.week_start)).unwrap_or_default();
    view! {
        <svg class="week-chart" data-testid="week-chart" viewBox=VIEW_BOX role="img"
            aria-label=label preserveAspectRatio="none">
            <line class="axis" x1="0" y1=H as u32 x2=W as u32 y2=H as u32></line>
            {move || page::week_bars(&buckets(), W, H).into_iter().map(|bar| {
                // Whole units: integer attributes keep float formatting out of the WebAssembly.
                let (x, y, w, h) = (bar.x.round() as u32, bar.y.round() as u32, bar.width.round() as u32, bar.height.round() as u32);
                let fh = bar.failed_height.round() as u32;
                view! {
                    <g class="bar">
                        <title>{bar.title}</title>
                        <rect class="bar-slot" x=x y="0" width=w height=H as u32></rect>
                        <rect class="bar-total" x=x y=y width=w height=h rx="1.5"></rect>
                        <rect class="bar-failed" x=x y=H as u32 - fh width=w height=fh></rect>
                    </g>
                }
            }).collect_view()}
        </svg>
        <div class="chart-legend">
            <span>{first}</span>
            <span class="legend"><i class="swatch swatch-total"></i>"All" <i class="swatch swatch-failed"></i>"Failed"</span>
            <span>"This week"</span>
        </div>
    }
}

/// Type, status, requestor and date range; every change rewrites the URL query.
#[component]
fn Filters(filter: Memo<TimelineFilter>) -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let navigate = use_navigate();
    let location = use_location();
    let set = move |change: &dyn Fn(&mut TimelineFilter)| {
        let mut f = filter.get_untracked();
        change(&mut f);
        navigate(
            &page::path_with_query(&location.pathname.get_untracked(), &f.to_query()),
            NavigateOptions { replace: true, scroll: false, ..Default::default() },
        );
    };
    let single = |v: &[String]| if v.len() == 1 { v[0].clone() } else { String::new() };
    let type_value = Memo::new(move |_| filter.with(|f| single(&f.types.iter().map(|x| x.to_string()).collect::<Vec<_>>())));
    let status_value = Memo::new(move |_| filter.with(|f| single(&f.statuses.iter().map(|x| x.to_string()).collect::<Vec<_>>())));
    let requestor_value = Memo::new(move |_| filter.with(|f| single(&f.requestors.iter().map(|x| x.to_string()).collect::<Vec<_>>())));
    let options = |known: Vec<(&'static str, &'static str)>| known;
    let types = options(OperationType::KNOWN.iter().map(|t| (t.as_str(), t.label())).collect());
    let statuses = options(OperationStatus::KNOWN.iter().map(|t| (t.as_str(), t.label())).collect());
    let requestors = options(RequestorType::KNOWN.iter().map(|t| (t.as_str(), t.label())).collect());

    let set1 = set.clone();
    let set2 = set.clone();
    let set3 = set.clone();
    let set4 = set.clone();
    let set5 = set.clone();
    let set6 = set;
    let summary = move || {
        let shown = filter.with(|f| {
            ctx.timeline.with(|t| t.operations.iter().filter(|o| f.matches(o, &Local)).count())
        });
        page::filter_summary(shown, ctx.timeline.with(|t| t.operations.len()))
    };
    view! {
        <section class="card filters" aria-label="Filters">
            <FilterSelect label="Type" testid="filter-type" value=type_value options=types
                on_pick=Box::new(move |v| set1(&|f| f.types = if v.is_empty() { vec![] } else { vec![OperationType::from_wire(&v)] }))/>
            <FilterSelect label="Status" testid="filter-status" value=status_value options=statuses
                on_pick=Box::new(move |v| set2(&|f| f.statuses = if v.is_empty() { vec![] } else { vec![OperationStatus::from_wire(&v)] }))/>
            <FilterSelect label="Requestor" testid="filter-requestor" value=requestor_value options=requestors
                on_pick=Box::new(move |v| set3(&|f| f.requestors = if v.is_empty() { vec![] } else { vec![RequestorType::from_wire(&v)] }))/>
            <div class="field">
                <label for="filter-from">"From"</label>
                <input id="filter-from" type="date" data-testid="filter-from"
                    prop:value=move || filter.with(|f| f.from.map(|d| d.to_string()).unwrap_or_default())
                    on:change=move |ev| { let v = event_target_value(&ev); set4(&|f| f.from = tl::parse_day(&v)) }/>
            </div>
            <div class="field">
                <label for="filter-to">"To"</label>
                <input id="filter-to" type="date" data-testid="filter-to"
                    prop:value=move || filter.with(|f| f.to.map(|d| d.to_string()).unwrap_or_default())
                    on:change=move |ev| { let v = event_target_value(&ev); set5(&|f| f.to = tl::parse_day(&v)) }/>
            </div>
            <div class="filters-end">
                <button class="btn btn-ghost" data-testid="filter-clear" disabled=move || filter.with(|f| f.is_empty())
                    on:click=move |_| set6(&|f| *f = TimelineFilter::default())>"Clear filters"</button>
                <p class="filter-summary" data-testid="filter-summary" aria-live="polite">{summary}</p>
            </div>
            {move || filter.with(|f| f.date_range_problem()).map(|m| view! {
                <p class="field-error filters-problem" role="alert" data-testid="filter-error">{m}</p>
            })}
        </section>
    }
}

#[component]
fn FilterSelect(
    label: &'static str,
    testid: &'static str,
    value: Memo<String>,
    options: Vec<(&'static str, &'static str)>,
    // Boxed, not generic: one copy of this component in the wasm for the three filters.
    on_pick: Box<dyn Fn(String)>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=testid>{label}</label>
            <select id=testid data-testid=testid on:change=move |ev| on_pick(event_target_value(&ev))>
                <option value="" prop:selected=move || value.get().is_empty()>"Any"</option>
                {options.into_iter().map(|(wire, text)| view! {
                    <option value=wire prop:selected=move || value.get() == wire>{text}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// The day groups, newest first.
#[component]
fn TimelineList(filter: Memo<TimelineFilter>) -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let groups = Memo::new(move |_| {
        filter.with(|f| ctx.timeline.with(|t| tl::group_by_day(t.operations.iter().filter(|o| f.matches(o, &Local)), &Local)))
    });
    // Memos, so that the list below is rebuilt only when it switches between empty and not.
    let no_operations = Memo::new(move |_| ctx.timeline.with(|t| t.operations.is_empty()));
    let no_match = Memo::new(move |_| groups.with(|g| g.is_empty()));
    let location = use_location();
    view! {
        <div class="timeline" data-testid="timeline">
            {move || {
                if no_operations.get() {
                    view! {
                        <div class="empty-state" data-testid="empty-state">
                            <p class="empty-title">"No operations in the last 3 months"</p>
                            <p class="muted">"D1 keeps operations for 3 months. Anything older has been removed."</p>
                        </div>
                    }.into_any()
                } else if no_match.get() {
                    view! {
                        <div class="empty-state filtered-empty" data-testid="filter-empty">
                            <p class="empty-title">"No loaded operation matches these filters"</p>
                            <p class="muted">"Filters apply to the loaded operations. Load more, or clear the filters."</p>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <For each=move || groups.get() key=group_key let:group>
                            <DayGroup group=group search=location.search/>
                        </For>
                    }.into_any()
                }
            }}
        </div>
    }
}

fn group_key(g: &tl::DayGroup) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    g.day.hash(&mut h);
    for o in &g.operations {
        o.operation_id.hash(&mut h);
        o.status.as_str().hash(&mut h);
        o.end_time.hash(&mut h);
        o.error.hash(&mut h);
    }
    h.finish()
}

#[component]
fn DayGroup(group: tl::DayGroup, search: Memo<String>) -> impl IntoView {
    let label = page::day_label(group.day, today());
    let n = group.operations.len();
    view! {
        <section class="day" data-testid="timeline-day">
            <h3 class="day-head">
                <span>{label}</span>
                <span class="day-count">{format!("{n} operation{}", if n == 1 { "" } else { "s" })}</span>
            </h3>
            <ol class="ops">
                {group.operations.into_iter().map(|op| view! { <li><OpRow op=op search=search/></li> }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn OpRow(op: Operation, search: Memo<String>) -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let href = {
        let id = op.operation_id.clone();
        move || {
            let s = search.get();
            let base = format!(
                "/consumers/{}/operations/{}",
                encode_component(&ctx.consumer.get_untracked()),
                encode_component(&id)
            );
            if s.is_empty() { base } else { format!("{base}?{}", s.trim_start_matches('?')) }
        }
    };
    let start = tl::parse_time(&op.start_time);
    let start_clock = start.map(|t| page::clock_label(&t.with_timezone(&Local))).unwrap_or_else(|| op.start_time.clone());
    let start_utc = start.map(|t| t.with_timezone(&Utc));
    let relative = move || start_utc.map(|t| tl::relative(t, ctx.now.get())).unwrap_or_default();
    let end = op.end_time.as_deref().map(|e| page::local_time_label(e, &Local));
    let took = tl::duration(&op).map(tl::format_duration);
    let pending = op.status == OperationStatus::Pending;
    let failed = op.status == OperationStatus::Failed;
    let reason = match (&op.reason, &op.reason_code) {
        (Some(r), Some(c)) => Some(format!("“{r}” · {}", c.label())),
        (Some(r), None) => Some(format!("“{r}”")),
        (None, Some(c)) => Some(c.label().to_string()),
        (None, None) => None,
    };
    let details = tl::details_summary(&op);
    let requestor = tl::requestor_label(&op);
    let error_line = failed.then(|| {
        let code = op.error_code.clone().map(|c| format!("{c}: ")).unwrap_or_default();
        format!("{code}{}", op.error.clone().unwrap_or_else(|| "no error text".into()))
    });
    let status_class = format!("op-row status-{}", op.status.as_str().to_ascii_lowercase());
    view! {
        <a class=status_class data-testid="op-row" data-op-id=op.operation_id.clone() data-status=op.status.as_str().to_string()
            href=href title="Open the details of this operation">
            <div class="op-when">
                <time class="op-clock" datetime=op.start_time.clone()>{start_clock}</time>
                <span class="op-rel">{relative}</span>
            </div>
            <div class="op-main">
                <div class="op-title">
                    <OpIcon kind=op.operation.clone()/>
                    <span class="op-label">{op.operation.label().to_string()}</span>
                    <StatusBadge status=op.status.clone()/>
                </div>
                <div class="op-meta">
                    <span class="op-requestor">{requestor}</span>
                    {reason.map(|r| view! { <span class="op-reason">{r}</span> })}
                    {details.map(|d| view! { <span class="op-details">{d}</span> })}
                </div>
                {error_line.map(|e| view! { <div class="op-error">{e}</div> })}
            </div>
            <div class="op-end">
                {match (pending, end, took) {
                    (true, _, _) => view! { <span class="muted">"In progress…"</span> }.into_any(),
                    (false, Some(end), Some(took)) => view! {
                        <span>"Ended " {end}</span><span class="op-took">"took " {took}</span>
                    }.into_any(),
                    (false, Some(end), None) => view! { <span>"Ended " {end}</span> }.into_any(),
                    (false, None, _) => view! { <span class="muted">"Synchronous"</span> }.into_any(),
                }}
            </div>
        </a>
    }
}

/// "120 of 523 loaded", the load-more button, the sentinel that loads the next page on scroll.
#[component]
fn ListFooter(
    load_more: impl Fn() + Copy + Send + Sync + 'static,
    loading: Memo<bool>,
    more_error: RwSignal<Option<ErrorView>>,
    filter: Memo<TimelineFilter>,
) -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let timeline = ctx.timeline;
    let sentinel = NodeRef::<html::Div>::new();
    type Observer = (web_sys::IntersectionObserver, Closure<dyn FnMut(js_sys::Array)>);
    let observer = StoredValue::new_local(None::<Observer>);
    Effect::new(move |_| {
        let Some(el) = sentinel.get() else { return };
        // Re-observe after every page: a sentinel still in view then reports again.
        let _ = timeline.with(|t| t.operations.len());
        let _ = loading.get();
        observer.update_value(|slot| {
            if slot.is_none() {
                let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                    let seen = entries.iter().any(|e| e.unchecked_into::<web_sys::IntersectionObserverEntry>().is_intersecting());
                    // With filters on, paging is explicit so the counts do not move under the reader.
                    if seen && filter.with_untracked(|f| f.is_empty()) {
                        load_more();
                    }
                });
                let options = web_sys::IntersectionObserverInit::new();
                options.set_root_margin("300px 0px");
                if let Ok(obs) = web_sys::IntersectionObserver::new_with_options(cb.as_ref().unchecked_ref(), &options) {
                    *slot = Some((obs, cb));
                }
            }
            if let Some((obs, _)) = slot {
                obs.unobserve(&el);
                obs.observe(&el);
            }
        });
    });
    on_cleanup(move || {
        observer.try_update_value(|slot| {
            if let Some((obs, _)) = slot.take() {
                obs.disconnect();
            }
        });
    });

    // Memos, so that what they show is rebuilt only when they flip.
    let has_more = Memo::new(move |_| timeline.with(|t| t.has_more()));
    let spinning = Memo::new(move |_| loading.get() && timeline.with(|t| t.started()));
    let all_loaded = Memo::new(move |_| timeline.with(|t| t.all_loaded()));
    view! {
        <footer class="list-footer">
            <p class="loaded-count" data-testid="loaded-count" aria-live="polite">
                {move || timeline.with(|t| t.loaded_summary())}
            </p>
            {move || more_error.get().map(|e| view! { <ErrorPanel error=e/> })}
            {move || has_more.get().then(|| view! {
                <button class="btn" data-testid="load-more" disabled=move || loading.get() on:click=move |_| load_more()>
                    {move || if loading.get() { "Loading…" } else { "Load more" }}
                </button>
            })}
            {move || spinning.get().then(|| view! { <span class="spinner small" aria-hidden="true"></span> })}
            {move || all_loaded.get().then(|| view! {
                <p class="all-loaded" data-testid="all-loaded">
                    {move || format!("All {} operations loaded", timeline.with(|t| t.operations.len()))}
                    <span class="muted">" · D1 keeps the last 3 months"</span>
                </p>
            })}
            <div class="scroll-sentinel" data-testid="scroll-sentinel" node_ref=sentinel aria-hidden="true"></div>
        </footer>
    }
}
