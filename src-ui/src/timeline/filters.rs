//! The filter bar: type, status, requestor and date range. Every change rewrites the URL query; the page
//! follows the URL, and the filter applies to every loaded operation (the whole history, once loaded).

use console_api::d1::{OperationStatus, OperationType, RequestorType};
use console_api::page;
use console_api::timeline::{self as tl, TimelineFilter};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;

use super::TimelineCtx;

#[component]
pub fn Filters(filter: Memo<TimelineFilter>) -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let navigate = use_navigate();
    let location = use_location();
    let show = Callback::new(move |f: TimelineFilter| {
        navigate(
            &page::path_with_query(&location.pathname.get_untracked(), &f.to_query()),
            NavigateOptions { replace: true, scroll: false, ..Default::default() },
        );
    });
    // A field's new value, written into the filter by `edit`.
    let on_change = move |edit: fn(&mut TimelineFilter, String)| {
        Callback::new(move |value: String| {
            let mut f = filter.get_untracked();
            edit(&mut f, value);
            show.run(f);
        })
    };
    let type_value = Memo::new(move |_| filter.with(|f| single(f.types.iter().map(|x| x.as_str()).collect())));
    let status_value = Memo::new(move |_| filter.with(|f| single(f.statuses.iter().map(|x| x.as_str()).collect())));
    let requestor_value = Memo::new(move |_| filter.with(|f| single(f.requestors.iter().map(|x| x.as_str()).collect())));
    let types = OperationType::KNOWN.iter().map(|t| (t.as_str(), t.label())).collect::<Vec<_>>();
    let statuses = OperationStatus::KNOWN.iter().map(|t| (t.as_str(), t.label())).collect::<Vec<_>>();
    let requestors = RequestorType::KNOWN.iter().map(|t| (t.as_str(), t.label())).collect::<Vec<_>>();

    let summary = move || {
        ctx.timeline.with(|t| page::filter_summary(t.matching_count(), t.len(), t.load_state().finished()))
    };
    let on_from = on_change(|f, v| f.from = tl::parse_day(&v));
    let on_to = on_change(|f, v| f.to = tl::parse_day(&v));
    view! {
        <section class="card filters" aria-label="Filters">
            <FilterSelect label="Type" testid="filter-type" value=type_value options=types
                on_pick=on_change(|f, v| f.types = one_or_any(&v, OperationType::from_wire))/>
            <FilterSelect label="Status" testid="filter-status" value=status_value options=statuses
                on_pick=on_change(|f, v| f.statuses = one_or_any(&v, OperationStatus::from_wire))/>
            <FilterSelect label="Requestor" testid="filter-requestor" value=requestor_value options=requestors
                on_pick=on_change(|f, v| f.requestors = one_or_any(&v, RequestorType::from_wire))/>
            <div class="field">
                <label for="filter-from">"From"</label>
                <input id="filter-from" type="date" data-testid="filter-from" class:is-empty=move || filter.with(|f| f.from.is_none())
                    prop:value=move || filter.with(|f| f.from.map(|d| d.to_string()).unwrap_or_default())
                    on:change=move |ev| on_from.run(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="filter-to">"To"</label>
                <input id="filter-to" type="date" data-testid="filter-to" class:is-empty=move || filter.with(|f| f.to.is_none())
                    prop:value=move || filter.with(|f| f.to.map(|d| d.to_string()).unwrap_or_default())
                    on:change=move |ev| on_to.run(event_target_value(&ev))/>
            </div>
            <div class="filters-end">
                <button class="btn btn-ghost" data-testid="filter-clear" disabled=move || filter.with(|f| f.is_empty())
                    on:click=move |_| show.run(TimelineFilter::default())>"Clear filters"</button>
                <p class="filter-summary" data-testid="filter-summary" aria-live="polite">{summary}</p>
            </div>
            {move || filter.with(|f| f.unknown_values_problem().or_else(|| f.date_range_problem())).map(|m| view! {
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
    /// Called with the picked option's wire value ("" for "Any").
    on_pick: Callback<String>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=testid>{label}</label>
            <select id=testid data-testid=testid on:change=move |ev| on_pick.run(event_target_value(&ev))>
                <option value="" prop:selected=move || value.get().is_empty()>"Any"</option>
                {options.into_iter().map(|(wire, text)| view! {
                    <option value=wire prop:selected=move || value.get() == wire>{text}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// The one value a select shows: "" ("Any") for none, or for several (from a hand-made URL).
fn single(values: Vec<&str>) -> String {
    if values.len() == 1 { values[0].to_string() } else { String::new() }
}

/// A select's value as a filter list: empty for "Any", else that one value.
fn one_or_any<T>(value: &str, parse: fn(&str) -> T) -> Vec<T> {
    if value.is_empty() { vec![] } else { vec![parse(value)] }
}
