//! The list of operations: day groups, newest first, of the operations the filter lets through. It shows
//! the first `shown` of them and reveals 50 more as the reader nears its end (or presses "Show more"):
//! the data is already loaded, or arriving in the background, so scrolling never waits for the network.
//!
//! Day groups are keyed by day, rows by their operation and its revision: a page that arrives, or a poll
//! that settles one operation, builds only the rows that are new or changed.

use chrono::{Local, Utc};
use console_api::d1::Operation;
use console_api::page::{self, row_markup, ErrorView, LoadState, RowRef, ShownDay, PAGE_SIZE};
use console_api::timeline as tl;
use console_api::transport::encode_component;
use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_location;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::TimelineCtx;
use crate::common::ErrorPanel;
use crate::util::today;

/// The day groups of the first `shown` matching operations.
#[component]
pub fn TimelineList(shown: RwSignal<usize>) -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let days = Memo::new(move |_| ctx.timeline.with(|t| t.shown_days(shown.get())));
    let no_operations = Memo::new(move |_| ctx.timeline.with(|t| t.is_empty()));
    let no_match = Memo::new(move |_| days.with(Vec::is_empty));
    let finished = Memo::new(move |_| ctx.timeline.with(|t| t.load_state().finished()));
    view! {
        <div class="timeline" data-testid="timeline">
            <Show when=move || !no_operations.get() fallback=|| view! {
                <div class="empty-state" data-testid="empty-state">
                    <p class="empty-title">"No operations in the last 3 months"</p>
                    <p class="muted">"D1 keeps operations for 3 months. Anything older has been removed."</p>
                </div>
            }>
                <Show when=move || !no_match.get() fallback=move || view! {
                    <div class="empty-state filtered-empty" data-testid="filter-empty">
                        {move || if finished.get() {
                            view! {
                                <p class="empty-title">"No operation matches these filters"</p>
                                <p class="muted">"Change or clear the filters."</p>
                            }.into_any()
                        } else {
                            view! {
                                <p class="empty-title">"No operation loaded so far matches these filters"</p>
                                <p class="muted">"The rest of the history is still loading."</p>
                            }.into_any()
                        }}
                    </div>
                }>
                    <For each=move || days.get() key=|day| day.key let:day>
                        <DayGroup key=day.key days=days/>
                    </For>
                </Show>
            </Show>
        </div>
    }
}

/// One local day: its heading (with how many of its operations match) and its shown rows.
#[component]
fn DayGroup(key: (Option<chrono::NaiveDate>, u32), days: Memo<Vec<ShownDay>>) -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let day = key.0;
    let rows = Memo::new(move |_| days.with(|all| all.iter().find(|d| d.key == key).map(|d| d.rows.clone()).unwrap_or_default()));
    let count = move || {
        let n = ctx.timeline.with(|t| t.matching_on(day));
        format!("{n} operation{}", if n == 1 { "" } else { "s" })
    };
    let location = use_location();
    view! {
        <section class="day" data-testid="timeline-day">
            <h3 class="day-head">
                <span>{page::day_label(day, today())}</span>
                <span class="day-count">{count}</span>
            </h3>
            <ol class="ops">
                <For each=move || rows.get() key=|row: &RowRef| *row let:row>
                    <li>{ctx.timeline.with_untracked(|t| t.at(row.place).cloned()).map(|op| view! {
                        <OpRow op=op search=location.search/>
                    })}</li>
                </For>
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
    let status_class = format!("op-row status-{}", op.status.as_str().to_ascii_lowercase());
    view! {
        <a class=status_class data-testid="op-row" data-op-id=op.operation_id.clone() data-status=op.status.as_str().to_string()
            href=href title="Open the details of this operation">
            <div class="op-when">
                <time class="op-clock" datetime=op.start_time.clone()>{start_clock}</time>
                <span class="op-rel">{relative}</span>
            </div>
            // What never changes once drawn, written in one call each (console_api::page::row_markup).
            <div class="op-main" inner_html=row_markup::main(&op)></div>
            <div class="op-end" inner_html=row_markup::end(&op, &Local)></div>
        </a>
    }
}

/// Under the list: how loading goes ("Loading 200 of 523…", then "All 523 operations loaded", or the cap),
/// a failed page with its retry, "Show more", and the sentinel that reveals more rows on scroll.
#[component]
pub fn ListFooter(
    shown: RwSignal<usize>,
    more_error: RwSignal<Option<ErrorView>>,
    /// Asks the failed pages again.
    retry: Callback<()>,
) -> impl IntoView {
    let timeline = expect_context::<TimelineCtx>().timeline;
    let state = Memo::new(move |_| timeline.with(|t| t.load_state()));
    let matching = Memo::new(move |_| timeline.with(|t| t.matching_count()));
    let more_to_show = Memo::new(move |_| matching.get() > shown.get());
    let show_more = move || {
        if more_to_show.get_untracked() {
            shown.update(|n| *n += PAGE_SIZE as usize);
        }
    };

    let sentinel = NodeRef::<html::Div>::new();
    type Observer = (web_sys::IntersectionObserver, Closure<dyn FnMut(js_sys::Array)>);
    let observer = StoredValue::new_local(None::<Observer>);
    Effect::new(move |_| {
        let Some(el) = sentinel.get() else { return };
        // Observe again whenever rows are revealed or arrive: a sentinel still in view then reports again.
        shown.track();
        matching.track();
        observer.update_value(|slot| {
            if slot.is_none() {
                let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                    let seen = entries.iter().any(|e| e.unchecked_into::<web_sys::IntersectionObserverEntry>().is_intersecting());
                    if seen {
                        show_more();
                    }
                });
                let options = web_sys::IntersectionObserverInit::new();
                options.set_root_margin("600px 0px");
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

    let status = move || {
        let now = state.get();
        let label = now.label();
        match now {
            LoadState::Loading { .. } => view! {
                <p class="loaded-count" data-testid="loaded-count">
                    <span class="spinner small" aria-hidden="true"></span>{label}
                </p>
            }
            .into_any(),
            LoadState::Starting | LoadState::Stalled { .. } => {
                view! { <p class="loaded-count" data-testid="loaded-count">{label}</p> }.into_any()
            }
            LoadState::Complete { .. } => view! {
                <p class="all-loaded" data-testid="all-loaded">
                    {label}<span class="muted">" · D1 keeps the last 3 months"</span>
                </p>
            }
            .into_any(),
            LoadState::Capped { .. } => {
                view! { <p class="all-loaded capped" data-testid="loading-capped">{label}</p> }.into_any()
            }
        }
    };
    view! {
        <footer class="list-footer">
            <div class="load-status" aria-live="polite">{status}</div>
            <Show when=move || matches!(state.get(), LoadState::Stalled { .. })>
                {move || more_error.get().map(|e| view! { <ErrorPanel error=e/> })}
                <button class="btn" data-testid="load-retry" on:click=move |_| retry.run(())>"Retry the missing pages"</button>
            </Show>
            <Show when=move || more_to_show.get()>
                <button class="btn" data-testid="show-more" on:click=move |_| show_more()>"Show more"</button>
            </Show>
            <div class="scroll-sentinel" data-testid="scroll-sentinel" node_ref=sentinel aria-hidden="true"></div>
        </footer>
    }
}
