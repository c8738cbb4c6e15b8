//! The account page's timeline of promotion periods, as geometry: one bar per promotion, packed into as
//! few lanes as do not overlap, on a day axis with month ticks and today marked. The view draws it as SVG
//! in a `viewBox` of [`WIDTH`] units wide (it scales with the page); everything about where a bar goes and
//! what state it is in is decided here, over plain dates, and tested natively.

use chrono::{Datelike, Months, NaiveDate};

use crate::mas::{promotion, AccountPromotion, PromotionStatus};

/// The drawing's width in `viewBox` units.
pub const WIDTH: f64 = 800.0;
/// A lane's height and the gap under it.
pub const LANE: f64 = 18.0;
pub const LANE_GAP: f64 = 6.0;
/// Room above the lanes for the today label (it sits there, clear of the bars) and below them for the
/// month ticks.
pub const TOP: f64 = 24.0;
/// The baseline of the today label, inside [`TOP`].
pub const TODAY_LABEL_Y: f64 = 12.0;
pub const AXIS: f64 = 22.0;

/// One promotion as the drawing needs it: its dates decide its state by `mas::promotion`'s rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    /// What identifies it (the account promotion id): for tests and `data-` attributes.
    pub key: String,
    pub label: String,
    pub dates: promotion::Period,
}

impl Period {
    /// The period of a promotion as answered; `None` when one of its dates is malformed (the list shows
    /// it anyway, with its dates as sent).
    pub fn of(promotion: &AccountPromotion) -> Option<Period> {
        Some(Period {
            key: promotion.account_promotion_id.clone(),
            label: promotion.name.clone(),
            dates: promotion::Period::of(promotion).ok()?,
        })
    }

    /// Its state on `today`: MasCustomers' status, with an ending brought forward by a cancellation told
    /// apart.
    pub fn state(&self, today: NaiveDate) -> PeriodState {
        match self.dates.status_on(today) {
            PromotionStatus::Scheduled => PeriodState::Scheduled,
            PromotionStatus::Active | PromotionStatus::Other(_) => PeriodState::Active,
            PromotionStatus::Ended => {
                let early = self.dates.cancellation.is_some_and(|c| self.dates.end.is_none_or(|end| c <= end));
                if early { PeriodState::Cancelled } else { PeriodState::Ended }
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodState {
    Scheduled,
    Active,
    Ended,
    /// Ended before its end date by a cancellation.
    Cancelled,
}

impl PeriodState {
    /// The CSS class of its bar (`promo-bar promo-active`, ...).
    pub fn class(self) -> &'static str {
        match self {
            PeriodState::Scheduled => "promo-bar promo-scheduled",
            PeriodState::Active => "promo-bar promo-active",
            PeriodState::Ended => "promo-bar promo-ended",
            PeriodState::Cancelled => "promo-bar promo-cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PeriodState::Scheduled => "Scheduled",
            PeriodState::Active => "Active",
            PeriodState::Ended => "Ended",
            PeriodState::Cancelled => "Cancelled",
        }
    }
}

/// A bar to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodBar {
    pub key: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub state: PeriodState,
    /// Runs on past the drawing's right edge (no end): drawn with an open end.
    pub open_end: bool,
    /// The promotion's name: inside the bar when it fits, else beside it, else cut inside it; `None` on a
    /// sliver with no room anywhere (the hover text still names it).
    pub label: Option<BarLabel>,
    /// The hover text: name, dates and state.
    pub title: String,
}

/// Where a bar's label goes.
#[derive(Clone, Debug, PartialEq)]
pub struct BarLabel {
    pub text: String,
    /// Where the text starts, or ends when `anchor_end`.
    pub x: f64,
    pub anchor_end: bool,
    /// Inside the bar (white on its colour) or beside it (the text's colour).
    pub inside: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub x: f64,
    pub label: String,
}

/// The whole drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct PromotionTimeline {
    pub bars: Vec<PeriodBar>,
    pub ticks: Vec<Tick>,
    /// Where today's line goes.
    pub today_x: f64,
    pub height: f64,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

/// The shortest span drawn, so that a single short promotion is not one bar across the whole width.
const MIN_SPAN_DAYS: i64 = 60;
/// About how many `viewBox` units one character of a label takes (11-unit text, a little generous).
const UNITS_PER_CHAR: f64 = 6.5;
/// Between a bar's edge and its label.
const LABEL_PAD: f64 = 4.0;

/// Lays `periods` out around `today`: the axis runs from the first start (or today) to the last end (or
/// today), a little wider on the right so that today and the last bar are never on the edge; open-ended
/// promotions run to the edge. Each bar's name goes inside it when it fits, else beside it (right, or
/// left near the edge), and a bar goes to the first lane where neither it nor its label overlaps another.
/// `None` when there is nothing to draw.
pub fn layout(periods: &[Period], today: NaiveDate) -> Option<PromotionTimeline> {
    if periods.is_empty() {
        return None;
    }
    let first = periods.iter().map(|p| p.dates.start).min().unwrap_or(today).min(today);
    let ends = periods.iter().filter_map(|p| p.dates.last_day()).max().unwrap_or(today).max(today);
    let span = (ends - first).num_days().max(MIN_SPAN_DAYS);
    // A twelfth more on the right: the end of the last bar and today's label stay inside.
    let last = first + chrono::Duration::days(span + span / 12 + 1);
    let days = (last - first).num_days() as f64;
    let x_of = |day: NaiveDate| ((day - first).num_days() as f64 / days * WIDTH).clamp(0.0, WIDTH);

    let mut order: Vec<&Period> = periods.iter().collect();
    order.sort_by(|a, b| a.dates.start.cmp(&b.dates.start).then_with(|| a.key.cmp(&b.key)));
    // Each lane remembers how far right it is taken (bar or label); a bar goes to the first lane taken
    // no further than where it (or its label) begins.
    let mut lanes: Vec<f64> = Vec::new();
    let mut bars = Vec::with_capacity(order.len());
    for period in order {
        let end = period.dates.last_day().unwrap_or(last);
        let x = x_of(period.dates.start);
        // A period is drawn through the end of its last day, and at least a sliver wide.
        let width = (x_of(end + chrono::Duration::days(1)) - x).max(2.0);
        let label = place_label(&period.label, x, width);
        let (left, right) = match &label {
            Some(BarLabel { inside: false, anchor_end: false, text, .. }) => (x, x + width + LABEL_PAD + text_width(text)),
            Some(BarLabel { inside: false, anchor_end: true, text, .. }) => (x - LABEL_PAD - text_width(text), x + width),
            _ => (x, x + width),
        };
        let lane = match lanes.iter().position(|taken| *taken <= left) {
            Some(free) => free,
            None => {
                lanes.push(right);
                lanes.len() - 1
            }
        };
        lanes[lane] = right;
        let state = period.state(today);
        let until = period.dates.last_day().map_or_else(|| "no end".to_string(), |d| d.to_string());
        bars.push(PeriodBar {
            key: period.key.clone(),
            x,
            y: TOP + lane as f64 * (LANE + LANE_GAP),
            width,
            state,
            open_end: period.dates.last_day().is_none(),
            label,
            title: format!("{}: {} to {} ({})", period.label, period.dates.start, until, state.label()),
        });
    }
    let height = TOP + lanes.len() as f64 * (LANE + LANE_GAP) + AXIS;
    Some(PromotionTimeline { bars, ticks: ticks(first, last, x_of), today_x: x_of(today), height, first_day: first, last_day: last })
}

/// How wide `text` is drawn, in `viewBox` units (about).
fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * UNITS_PER_CHAR
}

/// The name inside a bar from `x`, `width` wide, when it fits whole; else beside it, on the right or, near
/// the drawing's right edge, on the left; else cut to what fits inside (at least three characters and the
/// ellipsis).
fn place_label(name: &str, x: f64, width: f64) -> Option<BarLabel> {
    let needed = text_width(name);
    let label = |text: String, x: f64, anchor_end: bool, inside: bool| Some(BarLabel { text, x, anchor_end, inside });
    if needed + 2.0 * LABEL_PAD <= width {
        return label(name.to_string(), x + LABEL_PAD, false, true);
    }
    if x + width + LABEL_PAD + needed <= WIDTH {
        return label(name.to_string(), x + width + LABEL_PAD, false, false);
    }
    if x - LABEL_PAD - needed >= 0.0 {
        return label(name.to_string(), x - LABEL_PAD, true, false);
    }
    let fits = ((width - 2.0 * LABEL_PAD) / UNITS_PER_CHAR).floor().max(0.0) as usize;
    if fits >= 4 { label(shorten(name, fits), x + LABEL_PAD, false, true) } else { None }
}

/// Month ticks, every 1, 2, 3, 6 or 12 months so that there are at most a dozen; a tick in January (and
/// the first one) names the year.
fn ticks(first: NaiveDate, last: NaiveDate, x_of: impl Fn(NaiveDate) -> f64) -> Vec<Tick> {
    let months = (last.year() - first.year()) * 12 + last.month() as i32 - first.month() as i32 + 1;
    let step = [1u32, 2, 3, 6, 12].into_iter().find(|s| months / *s as i32 <= 12).unwrap_or(12);
    let mut day = first.with_day(1).unwrap_or(first);
    // Aligned on the step (a quarterly axis ticks in January, April, ...).
    while (day.month() - 1) % step != 0 {
        day = day + Months::new(1);
    }
    let mut out = Vec::new();
    while day <= last {
        if day >= first {
            let name = MONTHS[day.month0() as usize];
            let label = if out.is_empty() || day.month() == 1 { format!("{name} {}", day.year()) } else { name.to_string() };
            // A label that would run past the right edge is left out, with its line.
            if x_of(day) + 2.0 + text_width(&label) <= WIDTH {
                out.push(Tick { x: x_of(day), label });
            }
        }
        day = day + Months::new(step);
    }
    out
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `label` cut to `max` characters with an ellipsis.
fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let mut cut: String = label.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn period(key: &str, start: &str, end: Option<&str>) -> Period {
        cancelled(key, start, end, None)
    }

    fn cancelled(key: &str, start: &str, end: Option<&str>, cancellation: Option<&str>) -> Period {
        let dates = promotion::Period { start: day(start), end: end.map(day), cancellation: cancellation.map(day) };
        Period { key: key.into(), label: format!("Promotion {key}"), dates }
    }

    #[test]
    fn a_period_is_scheduled_active_ended_or_cancelled_on_a_day() {
        let today = day("2026-11-30");
        assert_eq!(period("a", "2026-12-01", Some("2027-01-01")).state(today), PeriodState::Scheduled);
        assert_eq!(period("a", "2026-11-30", Some("2026-11-30")).state(today), PeriodState::Active, "its last day counts");
        assert_eq!(period("a", "2025-01-01", None).state(today), PeriodState::Active);
        assert_eq!(period("a", "2025-01-01", Some("2026-11-29")).state(today), PeriodState::Ended);
        let early = cancelled("a", "2026-01-01", Some("2026-12-31"), Some("2026-06-01"));
        assert_eq!(early.state(today), PeriodState::Cancelled);
        assert_eq!(early.dates.last_day(), Some(day("2026-05-31")), "the cancellation day no longer applies");
        let ahead = cancelled("a", "2026-01-01", Some("2026-12-31"), Some("2026-12-15"));
        assert_eq!(ahead.state(today), PeriodState::Active, "a cancellation ahead leaves it running until then");
        let after_end = cancelled("a", "2026-01-01", Some("2026-10-31"), Some("2026-11-01"));
        assert_eq!(after_end.state(today), PeriodState::Ended, "cancelled from the day after its end is just ended");
    }

    #[test]
    fn overlapping_periods_take_separate_lanes_and_the_rest_share() {
        let today = day("2026-06-15");
        let t = layout(
            &[
                period("a", "2026-01-01", Some("2026-03-31")),
                period("b", "2026-02-01", Some("2026-04-30")),
                period("c", "2026-04-01", Some("2026-05-31")),
                period("d", "2026-05-01", Some("2026-07-31")),
            ],
            today,
        )
        .expect("a drawing");
        let y = |k: &str| t.bars.iter().find(|b| b.key == k).expect(k).y;
        assert_eq!(y("a"), TOP);
        assert_eq!(y("b"), TOP + LANE + LANE_GAP, "b overlaps a");
        assert_eq!(y("c"), TOP, "c starts after a ended");
        assert_eq!(y("d"), TOP + LANE + LANE_GAP, "d starts after b ended, while c runs");
        assert_eq!(t.height, TOP + 2.0 * (LANE + LANE_GAP) + AXIS);
    }

    #[test]
    fn bars_and_today_sit_on_one_day_axis_inside_the_drawing() {
        let today = day("2026-11-30");
        let t = layout(&[period("old", "2025-01-01", Some("2025-12-31")), period("open", "2026-06-01", None)], today)
            .expect("a drawing");
        assert_eq!(t.first_day, day("2025-01-01"));
        let old = &t.bars[0];
        assert_eq!(old.x, 0.0);
        assert!(old.width > 0.0 && old.x + old.width < t.today_x, "{old:?} ends before today at {}", t.today_x);
        assert!(t.today_x > 0.0 && t.today_x < WIDTH, "today inside: {}", t.today_x);
        let open = &t.bars[1];
        assert!(open.open_end && (open.x + open.width - WIDTH).abs() < 1e-9, "an open end runs to the edge: {open:?}");
        assert_eq!(open.state, PeriodState::Active);
        assert!(open.title.contains("no end") && open.title.contains("Active"), "{}", open.title);
    }

    #[test]
    fn a_short_span_is_drawn_over_two_months_at_least() {
        let today = day("2026-11-30");
        let t = layout(&[period("a", "2026-12-01", Some("2026-12-03"))], today).expect("a drawing");
        assert!((t.last_day - t.first_day).num_days() >= MIN_SPAN_DAYS);
        assert!(t.bars[0].width < WIDTH / 10.0, "three days are not the whole width: {:?}", t.bars[0]);
        assert_eq!(t.bars[0].state, PeriodState::Scheduled);
    }

    #[test]
    fn ticks_are_months_at_most_a_dozen_with_the_year_where_it_changes() {
        let today = day("2026-11-30");
        let short = layout(&[period("a", "2026-10-10", Some("2027-01-20"))], today).expect("a drawing");
        let labels: Vec<_> = short.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["Nov 2026", "Dec", "Jan 2027"]);
        let long = layout(&[period("a", "2024-11-15", Some("2027-02-01"))], today).expect("a drawing");
        assert!(long.ticks.len() <= 12 && long.ticks.len() >= 4, "{:?}", long.ticks);
        assert!(long.ticks.windows(2).all(|w| w[0].x < w[1].x));
        assert!(long.ticks.iter().any(|t| t.label == "Jan 2026"), "{:?}", long.ticks);
    }

    #[test]
    fn a_label_is_cut_to_what_fits_and_none_on_a_sliver() {
        let today = day("2026-01-01");
        let mut long = period("a", "2025-01-01", Some("2026-12-31"));
        long.label = "A very long promotion name that cannot fit in a bar. ".repeat(5);
        let sliver = period("b", "2026-06-01", Some("2026-06-01"));
        let t = layout(&[long, sliver], today).expect("a drawing");
        let label = t.bars[0].label.clone().expect("a label on the wide bar");
        assert!(label.inside && label.text.ends_with('…'), "{label:?}");
        assert!(label.text.chars().count() <= (t.bars[0].width / UNITS_PER_CHAR) as usize, "{label:?}");
        // The one-day sliver has its short name beside it.
        let beside = t.bars[1].label.clone().expect("a label beside the sliver");
        assert!(!beside.inside && beside.text == "Promotion b", "{beside:?}");
        assert!(layout(&[], today).is_none());
    }

    /// The account of the review's screenshots: a month-long bonus two years ago, a cancelled half price,
    /// an active promotion and a scheduled one near the right edge.
    fn demo() -> Vec<Period> {
        let named = |key: &str, name: &str, start: &str, end: &str, cancellation: Option<&str>| {
            let mut p = cancelled(key, start, Some(end), cancellation);
            p.label = name.into();
            p
        };
        vec![
            named("welcome", "Welcome bonus", "2024-12-30", "2025-01-29", None),
            named("half", "Half price", "2025-10-26", "2026-05-14", Some("2026-02-03")),
            named("5gb", "5 GB extra data", "2026-10-31", "2027-01-29", None),
            named("summer", "Summer data boost", "2026-12-12", "2027-02-08", None),
        ]
    }

    #[test]
    fn every_name_is_drawn_whole_without_overlapping_a_bar_or_another_name() {
        let t = layout(&demo(), day("2026-11-30")).expect("a drawing");
        let mut taken: Vec<(f64, f64, f64)> = Vec::new();
        for bar in &t.bars {
            let label = bar.label.clone().unwrap_or_else(|| panic!("{} has no label", bar.key));
            assert!(!label.text.ends_with('…'), "{} is cut: {label:?}", bar.key);
            let w = text_width(&label.text);
            let (text_left, text_right) = if label.anchor_end { (label.x - w, label.x) } else { (label.x, label.x + w) };
            assert!(text_left >= 0.0 && text_right <= WIDTH, "{} runs off the drawing: {label:?}", bar.key);
            if label.inside {
                assert!(text_left >= bar.x && text_right <= bar.x + bar.width, "{} spills out of its bar: {label:?} {bar:?}", bar.key);
            }
            let (left, right) = (text_left.min(bar.x), text_right.max(bar.x + bar.width));
            for (y, l, r) in &taken {
                assert!(*y != bar.y || right <= *l || left >= *r, "{} overlaps [{l}, {r}] in its lane", bar.key);
            }
            taken.push((bar.y, left, right));
        }
        // The short ones have their names beside them.
        let welcome = t.bars.iter().find(|b| b.key == "welcome").and_then(|b| b.label.clone()).expect("welcome");
        assert!(!welcome.inside, "{welcome:?}");
    }

    #[test]
    fn today_is_marked_above_the_lanes_and_tick_labels_stay_inside() {
        let t = layout(&demo(), day("2026-11-30")).expect("a drawing");
        assert!(TODAY_LABEL_Y < TOP - 6.0, "the today label clears the first lane");
        assert!(t.bars.iter().all(|b| b.y >= TOP));
        let last_end = day("2027-02-08");
        assert!(t.last_day > last_end, "the axis runs past the last end: {}", t.last_day);
        let summer = t.bars.iter().find(|b| b.key == "summer").expect("summer");
        assert!(summer.x + summer.width < WIDTH, "the last bar ends inside: {summer:?}");
        for tick in &t.ticks {
            assert!(tick.x + 2.0 + text_width(&tick.label) <= WIDTH, "{tick:?}");
        }
    }
}
