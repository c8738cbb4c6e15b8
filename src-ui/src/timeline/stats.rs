//! The summary above the timeline: counts by status (each one a filter) and operations per week over the
//! last 13 weeks. Both read what [`LoadedTimeline`](console_api::page::LoadedTimeline) maintains as pages
//! arrive, so a new page costs a few numbers here, not a recount.

use console_api::d1::OperationStatus;
use console_api::page::{self, Bar};
use console_api::timeline::TimelineFilter;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;

use super::TimelineCtx;
use crate::util::today;

/// Counts by status and operations per week (last 13 weeks) of the loaded operations.
#[component]
pub fn Stats(filter: Memo<TimelineFilter>) -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let counts = Memo::new(move |_| ctx.timeline.with(|t| t.counts()));
    let finished = Memo::new(move |_| ctx.timeline.with(|t| t.load_state().finished()));
    let navigate = use_navigate();
    let location = use_location();
    // Clicking a count filters by that status (and clicking it again clears that).
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
        let wire = status.as_str().to_string();
        let shown = status.clone();
        let n = move || {
            let c = counts.get();
            match shown {
                OperationStatus::Successful => c.successful,
                OperationStatus::Pending => c.pending,
                OperationStatus::Failed => c.failed,
                OperationStatus::Other(_) => c.other,
            }
        };
        let pressed = move || filter.with(|f| f.statuses.iter().any(|s| s.as_str() == wire)).to_string();
        view! {
            <button class=format!("count {class}") data-status=status.as_str().to_string()
                aria-pressed=pressed
                title="Show only this status"
                on:click=move |_| pick(status.clone())>
                <span class="count-n">{n}</span>
                <span class="count-label">{status.label().to_string()}</span>
            </button>
        }
    };
    let summary_label = move || {
        if finished.get() { "Summary of the operations" } else { "Summary of the loaded operations" }
    };
    view! {
        <section class="stats" aria-label=summary_label>
            <div class="card stat-card">
                <h2 class="card-title">"By status"</h2>
                <div class="status-counts" data-testid="status-counts">
                    {count(OperationStatus::Successful, "count-ok")}
                    {count(OperationStatus::Pending, "count-pending")}
                    {count(OperationStatus::Failed, "count-failed")}
                    <Show when=move || counts.with(|c| c.other > 0)>
                        <span class="count count-other">
                            <span class="count-n">{move || counts.get().other}</span>
                            <span class="count-label">"Other"</span>
                        </span>
                    </Show>
                </div>
            </div>
            <div class="card stat-card chart-card">
                <h2 class="card-title">
                    "Operations per week "
                    <span class="muted">{move || if finished.get() { "(last 13 weeks)" } else { "(last 13 weeks, loaded)" }}</span>
                </h2>
                <WeekChart finished=finished/>
            </div>
        </section>
    }
}

/// One bar as drawn, in whole SVG units (integer attributes keep float formatting out of the page). It is
/// also the bar's key: a page that changes no week redraws no bar.
#[derive(Clone, PartialEq, Eq, Hash)]
struct DrawnBar {
    x: u32,
    y: u32,
    width: u32,
    height: u32,
    failed_height: u32,
    title: String,
}

impl From<Bar> for DrawnBar {
    fn from(bar: Bar) -> Self {
        let whole = |v: f64| v.round() as u32;
        DrawnBar {
            x: whole(bar.x),
            y: whole(bar.y),
            width: whole(bar.width),
            height: whole(bar.height),
            failed_height: whole(bar.failed_height),
            title: bar.title,
        }
    }
}

#[component]
fn WeekChart(finished: Memo<bool>) -> impl IntoView {
    const W: f64 = 390.0;
    const H: u32 = 64;
    const VIEW_BOX: &str = "0 0 390 66";
    let ctx = expect_context::<TimelineCtx>();
    let buckets = Memo::new(move |_| ctx.timeline.with(|t| t.weeks(today(), 13)));
    let label = move || {
        let total: usize = buckets.with(|b| b.iter().map(|x| x.total).sum());
        let loaded = if finished.get() { "" } else { " loaded" };
        format!("Bar chart: {total}{loaded} operations over the last 13 weeks")
    };
    let first = move || buckets.with(|b| b.first().map(|x| page::date_label(x.week_start)).unwrap_or_default());
    let bars = move || buckets.with(|b| page::week_bars(b, W, H as f64).into_iter().map(DrawnBar::from).collect::<Vec<_>>());
    view! {
        <svg class="week-chart" data-testid="week-chart" viewBox=VIEW_BOX role="img"
            aria-label=label preserveAspectRatio="none">
            <line class="axis" x1="0" y1=H x2=W as u32 y2=H></line>
            <For each=bars key=DrawnBar::clone let:bar>
                <g class="bar">
                    <title>{bar.title}</title>
                    <rect class="bar-slot" x=bar.x y="0" width=bar.width height=H></rect>
                    <rect class="bar-total" x=bar.x y=bar.y width=bar.width height=bar.height rx="1.5"></rect>
                    <rect class="bar-failed" x=bar.x y=H - bar.failed_height width=bar.width height=bar.failed_height></rect>
                </g>
            </For>
        </svg>
        <div class="chart-legend">
            <span>{first}</span>
            <span class="legend"><i class="swatch swatch-total"></i>"All" <i class="swatch swatch-failed"></i>"Failed"</span>
            <span>"This week"</span>
        </div>
    }
}
