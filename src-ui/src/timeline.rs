//! `/consumers/{consumerId}`: the operations timeline. The first page, then the whole history fetched in
//! the background ([`PARALLEL_PAGES`] pages at a time, up to [`console_api::page::MAX_OPERATIONS`]), filters in the URL,
//! counts, the weekly chart, export links, live refresh of PENDING operations and the newest ones, and the delete
//! dialog. What is loaded, counted and matched lives in [`LoadedTimeline`]; the view reads it.
//!
//! - [`ahead`]: the first page, asked before the page is built when the console opens on a consumer.
//! - [`list`]: the day groups and rows, revealed 50 at a time, and the footer that says how loading goes.
//! - [`stats`]: counts by status and the weekly chart.
//! - [`filters`]: type, status, requestor and date range.
//! - [`export`]: links to the gateway's export of what the filter shows.

mod ahead;
mod export;
mod filters;
mod list;
mod stats;

use std::time::Duration;

use chrono::{DateTime, Local, Utc};
use console_api::d1::OperationStatus;
use console_api::page::{ErrorView, LoadedTimeline, PAGE_SIZE, PARALLEL_PAGES};
use console_api::timeline::TimelineFilter;
use console_api::transport::encode_component;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

use crate::accounts::AdvancedSection;
use crate::common::{ErrorPanel, Forbidden, Loading, SkeletonRows};
use crate::delete::{self, DeleteDialog};
use crate::detail::OperationDrawer;
use crate::routes::use_staff_path;
use crate::session::use_role;
use crate::transport::Client;
use crate::util::new_cid;

pub use ahead::FirstPageAhead;
use export::ExportLinks;
use filters::Filters;
use list::{ListFooter, TimelineList};
use stats::Stats;

/// What the consumer page shares with its drawer and dialogs.
#[derive(Clone, Copy)]
pub struct TimelineCtx {
    pub consumer: Memo<String>,
    pub timeline: RwSignal<LoadedTimeline<Local>>,
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

/// Where a failed page of the history is told: the first page's failure replaces the timeline, a later
/// one shows under what is loaded, with a retry.
#[derive(Clone, Copy)]
struct PageErrors {
    first: RwSignal<Option<ErrorView>>,
    more: RwSignal<Option<ErrorView>>,
}

/// What asks the timeline's pages: the client, and the first page if the console asked it ahead.
#[derive(Clone)]
struct PageAsker {
    client: Client,
    ahead: Option<FirstPageAhead>,
}

/// Asks the pages the timeline still needs, up to [`PARALLEL_PAGES`] at a time. Each answer goes to the
/// timeline (in whatever order they come), unless the person has since left for another consumer.
fn ask_pages(asker: &PageAsker, ctx: TimelineCtx, errors: PageErrors) {
    let Some(consumer) = ctx.consumer.try_get_untracked() else { return };
    let cid = ctx.cid.get_untracked();
    // Marking a page as asked changes nothing on screen: no one is notified.
    while let Some(offset) = ctx.timeline.try_update_untracked(|t| t.next_to_ask(PARALLEL_PAGES)).flatten() {
        let (asker, consumer, cid) = (asker.clone(), consumer.clone(), cid.clone());
        spawn_local(async move {
            let ahead = asker.ahead.as_ref().filter(|_| offset == 0).and_then(|a| a.take(&consumer, &cid));
            let result = match ahead {
                Some(answer) => answer.await,
                None => asker.client.operations(&consumer, offset, PAGE_SIZE, Some(&cid)).await,
            };
            let current = ctx.consumer.try_get_untracked().zip(ctx.cid.try_get_untracked());
            if current != Some((consumer, cid.clone())) {
                return; // an answer for a use case we left
            }
            match result {
                Ok(reply) => {
                    // The next pages leave before this one is drawn: the answer says how many there are,
                    // and drawing 50 rows takes longer than a page's round trip (measured: the pages
                    // after the first left only once its rows were built, 90 ms later).
                    ctx.timeline.update_untracked(|t| t.apply_page(offset, reply.value));
                    ask_pages(&asker, ctx, errors);
                    ctx.timeline.notify();
                }
                Err(e) => {
                    let shown_in = if offset == 0 { errors.first } else { errors.more };
                    shown_in.set(Some(ErrorView::of(&e, Some(&cid))));
                    ctx.timeline.update(|t| t.page_failed(offset));
                }
            }
        });
    }
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
    let path = use_staff_path();
    let consumer = Memo::new(move |_| path.with(|p| p.consumer().unwrap_or_default().to_string()));
    // The drawer of `/consumers/{id}/operations/{op}`: opened and closed over the page, which stays.
    let drawer_open = Memo::new(move |_| path.with(|p| p.operation().is_some()));
    let ahead = use_context::<FirstPageAhead>();
    let ctx = TimelineCtx {
        consumer,
        timeline: RwSignal::new(LoadedTimeline::new(Local)),
        // The first page asked ahead began this use case: it continues under the same id.
        cid: RwSignal::new(ahead.as_ref().and_then(|a| a.cid_for(&consumer.get_untracked())).unwrap_or_else(new_cid)),
        now: RwSignal::new(Utc::now()),
    };
    provide_context(ctx);
    let timeline = ctx.timeline;
    let errors = PageErrors { first: RwSignal::new(None), more: RwSignal::new(None) };
    // How many matching rows the list shows: 50, then 50 more as the reader nears the end.
    let shown = RwSignal::new(PAGE_SIZE as usize);

    // Filters live in the URL query, and apply to everything loaded.
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query.with(|q| TimelineFilter::from_query(FILTER_KEYS.iter().filter_map(|k| q.get_str(k).map(|v| (*k, v)))))
    });
    Effect::new(move |_| {
        let filter = filter.get();
        timeline.update(|t| t.set_filter(filter));
        shown.set(PAGE_SIZE as usize);
    });

    // Agents look but do not change: no delete, no account register or delete (the gateway refuses too).
    let may_write = use_role().may_write();
    // The delete dialog, open with the fields it starts from (none: a fresh form).
    let delete_open = RwSignal::new(None::<Vec<String>>);

    // Another consumer starts a new use case with its own correlation id.
    Effect::new(move |previous: Option<String>| {
        let id = consumer.get();
        // A delete dialog left half-filled on this consumer (a session expiry) opens again.
        delete_open.set(if may_write { delete::saved_draft(&ctx) } else { None });
        if previous.is_some_and(|p| p != id) {
            ctx.cid.set(new_cid());
            let mut fresh = LoadedTimeline::new(Local);
            fresh.set_filter(filter.get_untracked());
            timeline.set(fresh);
            errors.first.set(None);
            errors.more.set(None);
            shown.set(PAGE_SIZE as usize);
        }
        id
    });
    // Whenever the timeline changes (a first page, an answer, a retry, a longer history), the pages it
    // still needs are asked.
    let asker = StoredValue::new_local(PageAsker { client: client.clone(), ahead });
    Effect::new(move |_| {
        timeline.track();
        asker.with_value(|asker| ask_pages(asker, ctx, errors));
    });
    let retry = Callback::new(move |()| {
        errors.more.set(None);
        timeline.update(|t| t.retry_failed());
    });

    // Live: PENDING operations every 2 s until they settle, the newest every 10 s, the clock every 30 s.
    // The polls are background requests: they do not keep the session alive (only the person does), and
    // a hidden tab does not poll at all; it catches up when it is shown again.
    let polling = StoredValue::new(Vec::<String>::new());
    let poll_pending = {
        let client = client.background();
        move || {
            if polls_wait() {
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
            let idle = timeline.with_untracked(|t| t.started() && t.in_flight() == 0);
            if idle && !polls_wait() {
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

    let delete_opener = NodeRef::<html::Button>::new();
    let started = Memo::new(move |_| timeline.with(|t| t.started()));
    let body = move || {
        if let Some(error) = errors.first.get() {
            return view! { <ErrorPanel error=error/> }.into_any();
        }
        if !started.get() {
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
                <TimelineList shown=shown/>
                <ListFooter shown=shown more_error=errors.more retry=retry/>
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
                    <ExportLinks filter=filter/>
                    <DeleteAction may_write=may_write opener=delete_opener open=delete_open/>
                </div>
            </section>
            {body}
            {may_write.then(|| view! { <AdvancedSection/> })}
            <Show when=move || delete_open.with(Option::is_some)>
                <DeleteDialog
                    draft=delete_open.get_untracked().unwrap_or_default()
                    on_close=move || {
                        delete_open.set(None);
                        if let Some(b) = delete_opener.get_untracked() {
                            let _ = b.focus();
                        }
                    }
                />
            </Show>
            <Show when=move || drawer_open.get()>
                <OperationDrawer/>
            </Show>
        </div>
    }
    .into_any()
}

/// What the page head offers about deleting: the button for an admin, a note for an agent, "Deleted" once
/// D1 recorded it; nothing for a consumer D1 does not know (a 404 has nothing left to delete).
#[component]
fn DeleteAction(
    may_write: bool,
    opener: NodeRef<html::Button>,
    open: RwSignal<Option<Vec<String>>>,
) -> impl IntoView {
    #[derive(Clone, Copy, PartialEq)]
    enum Offer {
        Nothing,
        Button,
        NotAllowed,
        Deleted,
    }
    let timeline = expect_context::<TimelineCtx>().timeline;
    // A Memo: pages arriving do not rebuild the button, only a change of what is offered does.
    let offer = Memo::new(move |_| {
        timeline.with(|t| match (t.deletable(), t.deleted()) {
            (true, _) if may_write => Offer::Button,
            (true, _) => Offer::NotAllowed,
            (false, true) => Offer::Deleted,
            (false, false) => Offer::Nothing,
        })
    });
    move || match offer.get() {
        Offer::Button => view! {
            <button
                class="btn btn-danger"
                data-testid="delete-consumer-open"
                node_ref=opener
                aria-haspopup="dialog"
                on:click=move |_| open.set(Some(Vec::new()))
            >
                "Delete consumer…"
            </button>
        }
        .into_any(),
        Offer::NotAllowed => {
            view! { <span class="muted not-allowed" data-testid="delete-not-allowed">"Deleting needs an admin"</span> }
                .into_any()
        }
        Offer::Deleted => view! { <span class="deleted-mark" data-testid="consumer-deleted">"Deleted"</span> }.into_any(),
        Offer::Nothing => ().into_any(),
    }
}

/// Whether polls wait: the tab is hidden, or the page is on its way elsewhere (signed out: a page the
/// back button brings back is reloaded by `boot.js`, but its timers may fire first).
fn polls_wait() -> bool {
    crate::util::leaving() || web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

fn local_zone_label() -> String {
    let offset = Local::now().offset().local_minus_utc();
    let (sign, abs) = if offset < 0 { ('-', -offset) } else { ('+', offset) };
    format!("UTC{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60)
}
