//! The promotion periods drawn in SVG: a bar per promotion in as few lanes as do not overlap, month ticks,
//! and today's line. The geometry is `console_api::page::promotion_timeline`'s; this only draws it.

use chrono::NaiveDate;
use console_api::page::promotion_timeline::{layout, Period, TODAY_LABEL_Y, TOP, WIDTH};
use leptos::prelude::*;

#[component]
pub fn PromotionChart(periods: Vec<Period>, today: NaiveDate) -> impl IntoView {
    let Some(chart) = layout(&periods, today) else {
        return view! { <p class="muted">"No promotions to draw."</p> }.into_any();
    };
    let height = chart.height;
    let axis_y = height - 18.0;
    let bars = chart.bars.into_iter().map(|bar| {
        // An open end fades out at the edge instead of stopping.
        let fill = if bar.open_end { "url(#promo-open)" } else { "" };
        view! {
            <g class=bar.state.class() data-testid="promo-bar" data-key=bar.key data-state=bar.state.label()>
                <title>{bar.title}</title>
                <rect x=num(bar.x) y=num(bar.y) width=num(bar.width) height="18" rx="3" style:fill=(!fill.is_empty()).then_some(fill)/>
                {bar.label.map(|l| {
                    let class = if l.inside { "promo-label" } else { "promo-label-outside" };
                    let anchor = if l.anchor_end { "end" } else { "start" };
                    view! { <text x=num(l.x) y=num(bar.y + 13.0) class=class text-anchor=anchor data-testid="promo-label">{l.text}</text> }
                })}
            </g>
        }
    });
    let ticks = chart.ticks.into_iter().map(|t| {
        view! {
            <g class="promo-tick">
                <line x1=num(t.x) x2=num(t.x) y1=num(TOP - 4.0) y2=num(axis_y)/>
                <text x=num(t.x + 2.0) y=num(height - 4.0)>{t.label}</text>
            </g>
        }
    });
    let today_x = chart.today_x;
    // "Today" sits left of its line when the line is near the right edge.
    let (anchor, label_x) = if today_x > WIDTH - 60.0 { ("end", today_x - 3.0) } else { ("start", today_x + 3.0) };
    view! {
        <figure class="promo-chart" data-testid="promo-chart">
            <svg viewBox=format!("0 0 {} {}", num(WIDTH), num(height)) role="img"
                aria-label=format!("Promotion periods from {} to {}, today marked", chart.first_day, chart.last_day)>
                <defs>
                    <linearGradient id="promo-open" x1="0" x2="1" y1="0" y2="0">
                        <stop offset="0.7" stop-color="currentColor" stop-opacity="1"/>
                        <stop offset="1" stop-color="currentColor" stop-opacity="0.15"/>
                    </linearGradient>
                </defs>
                {ticks.collect_view()}
                {bars.collect_view()}
                <g class="promo-today" data-testid="promo-today">
                    <line x1=num(today_x) x2=num(today_x) y1="2" y2=num(axis_y)/>
                    <text x=num(label_x) y=num(TODAY_LABEL_Y) text-anchor=anchor>"Today"</text>
                </g>
            </svg>
            <figcaption class="promo-legend">
                <span class="promo-key promo-active">"Active"</span>
                <span class="promo-key promo-scheduled">"Scheduled"</span>
                <span class="promo-key promo-ended">"Ended"</span>
                <span class="promo-key promo-cancelled">"Cancelled early"</span>
            </figcaption>
        </figure>
    }
    .into_any()
}

/// A coordinate to a tenth, written with integer formatting: the page then carries no float formatter
/// (about 10 KB of wasm before compression) for a drawing that needs none.
fn num(v: f64) -> String {
    let tenths = (v * 10.0).round() as i64;
    let (whole, tenth) = (tenths / 10, (tenths % 10).abs());
    let sign = if tenths < 0 && whole == 0 { "-" } else { "" };
    if tenth == 0 { format!("{sign}{whole}") } else { format!("{sign}{whole}.{tenth}") }
}
