//! `/consents`: the consents explorer. Filters, search, sort and paging live in the URL's query (an
//! [`ExplorerQuery`], checked before anything is sent), so that a reload, a link or the back button shows
//! the same list. Counts by state are one small request per state with the same filters.

use console_api::consents::{Consent, ConsentState, ConsentTypeNames};
use console_api::consents_staff::type_names::{type_alternatives, type_choices, TypeChoice};
use console_api::consents_staff::{thousands, ConsentPage, ExplorerQuery, LIMIT_DEFAULT};
use console_api::gateway::{routes, ClientError};
use console_api::page::ErrorView;
use console_api::validate::ValidationError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;
use wasm_bindgen::JsCast;

use super::{error_of, is_staff, query_pairs, short_time, StateBadge};
use crate::common::{ErrorPanel, Forbidden};
use crate::transport::Client;

const STATES: [ConsentState; 5] = [ConsentState::Given, ConsentState::Pending, ConsentState::Stale, ConsentState::Revoked, ConsentState::Rescinded];

#[component]
pub fn Explorer() -> impl IntoView {
    if !is_staff() {
        return view! { <Forbidden/> }.into_any();
    }
    let client = expect_context::<Client>();
    let search = use_location().search;
    let query = Memo::new(move |_| search.with(|s| ExplorerQuery::from_pairs(query_pairs(s))));
    let page = LocalResource::new({
        let client = client.clone();
        move || {
            let (client, query) = (client.clone(), query.get());
            async move {
                match query {
                    Ok(q) => client.consents(&q).await.map(|r| r.value).map_err(|e| error_of(&e)),
                    Err(e) => Err(ErrorView::of(&ClientError::from(e), None)),
                }
            }
        }
    });
    view! {
        <section class="consents-page" data-testid="explorer">
            <div class="page-head">
                <div class="page-title">
                    <p class="eyebrow">"Consents"</p>
                    <h1>"Explorer"</h1>
                </div>
                <div class="page-actions">
                    <a class="btn" data-testid="export-csv" download="consents.csv"
                        href=move || format!("{}?{}", routes::CONSENTS_EXPORT, query.get().map(|q| q.to_query_string()).unwrap_or_default())>
                        "Export CSV"
                    </a>
                </div>
            </div>
            <Filters query/>
            <StateChart query client/>
            <div class="card">
                {move || match page.get() {
                    None => view! { <p class="loading" role="status">"Loading consents…"</p> }.into_any(),
                    Some(Err(error)) => view! { <ErrorPanel error/> }.into_any(),
                    Some(Ok(page)) => view! { <Table page query/> }.into_any(),
                }}
            </div>
        </section>
    }
    .into_any()
}

/// The explorer's URL for `q`.
fn url_of(q: &ExplorerQuery) -> String {
    let qs = q.to_query_string();
    if qs.is_empty() { "/consents".to_string() } else { format!("/consents?{qs}") }
}

/// The filter form: its fields start from the URL; "Apply" checks them and puts them in the URL.
#[component]
fn Filters(query: Memo<Result<ExplorerQuery, ValidationError>>) -> impl IntoView {
    let current = query.get_untracked().unwrap_or_default();
    let field = |v: &Option<String>| RwSignal::new(v.clone().unwrap_or_default());
    let (state, user, context, q, sort) =
        (field(&current.state), field(&current.user_id), field(&current.context_uri), field(&current.q), field(&current.sort_by));
    let types = type_alternatives(current.type_.as_deref());
    let limit = RwSignal::new(current.limit.to_string());
    let problem = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pairs = [
            ("type", ev.target().and_then(|form| form.dyn_into().ok()).map(|form| checked_types(&form)).unwrap_or_default()),
            ("state", state.get_untracked()),
            ("userId", user.get_untracked().trim().to_string()),
            ("contextUri", context.get_untracked().trim().to_string()),
            ("q", q.get_untracked()),
            ("sortBy", sort.get_untracked()),
            ("limit", limit.get_untracked()),
        ];
        match ExplorerQuery::from_pairs(pairs) {
            Ok(q) => {
                problem.set(None);
                navigate(&url_of(&q), NavigateOptions::default());
            }
            Err(e) => problem.set(Some(e.to_string())),
        }
    };
    let input = |id: &'static str, label: &'static str, value: RwSignal<String>, placeholder: &'static str| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input data-testid=id type="text" placeholder=placeholder prop:value=value
                    on:input=move |ev| value.set(event_target_value(&ev))/>
            </label>
        }
    };
    view! {
        <form class="card filters" on:submit=submit novalidate data-testid="explorer-filters">
            <TypePicker selected=types/>
            <label class="field">
                <span>"State"</span>
                <select data-testid="filter-state" prop:value=state on:change=move |ev| state.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    {STATES.iter().map(|s| view! { <option value=s.as_str()>{s.label().to_string()}</option> }).collect_view()}
                    <option value="pending|stale">"Needed (pending or stale)"</option>
                </select>
            </label>
            {input("filter-user", "User", user, "usr-demo-0001")}
            {input("filter-context", "Context URI", context, "/products/products/…")}
            {input("filter-q", "Search", q, "any text")}
            <label class="field">
                <span>"Sort"</span>
                <select data-testid="filter-sort" prop:value=sort on:change=move |ev| sort.set(event_target_value(&ev))>
                    <option value="">"Creation order"</option>
                    <option value="-givenAt">"Given, newest first"</option>
                    <option value="givenAt">"Given, oldest first"</option>
                    <option value="-document.revisedAt">"Revised, newest first"</option>
                    <option value="type">"Type"</option>
                    <option value="userId">"User"</option>
                </select>
            </label>
            <label class="field">
                <span>"Rows"</span>
                <select data-testid="filter-limit" prop:value=limit on:change=move |ev| limit.set(event_target_value(&ev))>
                    {[25u64, LIMIT_DEFAULT, 100, 250].map(|n| view! { <option value=n.to_string()>{n.to_string()}</option> }).collect_view()}
                </select>
            </label>
            <button class="btn btn-primary" type="submit" data-testid="filter-apply">"Apply"</button>
            {move || problem.get().map(|p| view! { <p class="form-error" role="alert" data-testid="filter-error">{p}</p> })}
        </form>
    }
}

/// The type filter: a checkbox per consent type name the gateway serves, labelled with its default
/// label (several checked: any of them, the URL's `a|b`). A type the URL names that is not served is
/// offered too, so that the filter in force can be seen and cleared; if the names cannot be loaded, the
/// picker says so and still offers the URL's. The boxes are read when the form is sent
/// ([`checked_types`]): a signal and a handler per box cost the bundle more than the whole picker.
#[component]
fn TypePicker(selected: Vec<String>) -> impl IntoView {
    let client = expect_context::<Client>();
    let loaded = RwSignal::new(None::<Result<Vec<TypeChoice>, String>>);
    let checked = selected.clone();
    spawn_local(async move {
        let answer = match client.consent_types().await {
            Ok(r) => Ok(type_choices(&r.value, &selected)),
            Err(e) => Err(format!("The type names could not be loaded: {}", error_of(&e).message)),
        };
        loaded.try_set(Some(answer));
    });
    let boxes = move || {
        let (choices, failed) = match loaded.get() {
            // While the names load, the URL's own types are offered (checked): an Apply pressed meanwhile
            // keeps the filter instead of silently widening it to every type.
            None => (type_choices(&ConsentTypeNames::default(), &checked), None),
            Some(Ok(choices)) => (choices, None),
            Some(Err(failed)) => (type_choices(&ConsentTypeNames::default(), &checked), Some(failed)),
        };
        let boxes = choices.into_iter().map(|c| {
            let on = checked.contains(&c.name);
            view! {
                <label class="check">
                    <input type="checkbox" name="type" data-testid="filter-type-option" value=c.name checked=on/>
                    {c.label}
                </label>
            }
        });
        view! {
            <div class="type-choices">{boxes.collect_view()}</div>
            {failed.map(|f| view! { <p class="form-error" data-testid="filter-type-error">{f}</p> })}
        }
    };
    view! {
        <fieldset class="field type-picker" data-testid="filter-type">
            <legend>"Type"</legend>
            {boxes}
        </fieldset>
    }
}

/// The type boxes checked in `form`, in the picker's order, as the explorer's `type` value (`a|b`).
fn checked_types(form: &web_sys::Element) -> String {
    let Ok(list) = form.query_selector_all("input[name=type]:checked") else { return String::new() };
    let names: Vec<String> =
        (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value()).collect();
    names.join("|")
}

/// The page of consents, and the paging under it.
#[component]
fn Table(page: ConsentPage, query: Memo<Result<ExplorerQuery, ValidationError>>) -> impl IntoView {
    let q = query.get_untracked().unwrap_or_default();
    let count = page.count;
    let (start, shown) = (page.start, page.items.len() as u64);
    let shown_words = match count {
        Some(c) if shown > 0 => format!("{}–{} of {}", thousands(start + 1), thousands(start + shown), thousands(c)),
        Some(c) => format!("none of {}", thousands(c)),
        None => format!("{shown} shown"),
    };
    let previous = (start > 0).then(|| ExplorerQuery { start: start.saturating_sub(q.limit), ..q.clone() });
    let next = (count.is_none_or(|c| start + shown < c) && shown == q.limit).then(|| ExplorerQuery { start: start + q.limit, ..q.clone() });
    // Each page is a history entry: back returns to the previous one.
    let (previous, next) = (previous.map(|p| url_of(&p)), next.map(|n| url_of(&n)));
    let navigate = use_navigate();
    let go = move |url: &Option<String>| {
        if let Some(url) = url {
            navigate(url, NavigateOptions::default());
        }
    };
    let go_next = go.clone();
    let (no_previous, no_next) = (previous.is_none(), next.is_none());
    if page.items.is_empty() {
        return view! {
            <div class="empty-state" data-testid="explorer-empty">
                <p class="empty-title">"No consent matches"</p>
                <p class="muted">"Change the filters above."</p>
            </div>
        }
        .into_any();
    }
    view! {
        <table class="consents-table explorer-table" data-testid="consents-table">
            <thead><tr>
                <th>"User"</th><th>"Type"</th><th>"Document"</th><th>"Contexts"</th><th>"State"</th><th>"Given"</th><th>"Revised"</th>
            </tr></thead>
            <tbody>{page.items.into_iter().map(|c| view! { <Row consent=c/> }).collect_view()}</tbody>
        </table>
        <div class="pager">
            <span class="muted" data-testid="explorer-range">{shown_words}</span>
            <button class="btn btn-small" data-testid="page-previous" disabled=no_previous
                on:click=move |_| go(&previous)>"Previous"</button>
            <button class="btn btn-small" data-testid="page-next" disabled=no_next
                on:click=move |_| go_next(&next)>"Next"</button>
        </div>
    }
    .into_any()
}

#[component]
fn Row(consent: Consent) -> impl IntoView {
    let href = format!("/consents/{}", console_api::transport::encode_component(&consent.id));
    let document = match &consent.document.revision_id {
        Some(r) => format!("{} · {r}", consent.document.uri),
        None => consent.document.uri.clone(),
    };
    let contexts = [consent.context_uri.clone(), consent.secondary_context_uri.clone()].into_iter().flatten().collect::<Vec<_>>().join("\n");
    view! {
        <tr data-testid="consent-row">
            <td><a href=href data-testid="consent-link">{consent.user_id.clone()}</a></td>
            <td data-testid="row-type">{consent.type_.clone()}</td>
            <td class="uri">{document}</td>
            <td class="uri">{contexts}</td>
            <td><StateBadge state=consent.state.clone()/></td>
            <td data-testid="row-given">{consent.given_at.as_deref().map(short_time).unwrap_or_default()}</td>
            <td>{short_time(&consent.document.revised_at)}</td>
        </tr>
    }
}

/// Counts by state of the filtered set, as bars (one request per state: the list's `count`).
#[component]
fn StateChart(query: Memo<Result<ExplorerQuery, ValidationError>>, client: Client) -> impl IntoView {
    let counts = LocalResource::new(move || {
        let (client, query) = (client.clone(), query.get());
        async move {
            let Ok(q) = query else { return None };
            let mut counts = Vec::new();
            for state in STATES {
                let narrowed = ExplorerQuery { state: Some(state.as_str().to_string()), start: 0, limit: 1, ..q.clone() };
                // A state the filter excludes counts nothing (its request would widen the filter).
                let excluded = q.state.as_ref().is_some_and(|s| !s.split('|').any(|x| x == state.as_str()));
                let n = if excluded { 0 } else { client.consents(&narrowed).await.ok()?.value.count.unwrap_or(0) };
                counts.push((state, n));
            }
            Some(counts)
        }
    });
    move || {
        counts.get().flatten().map(|counts| {
            let max = counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
            let bars = counts.into_iter().enumerate().map(|(i, (state, n))| {
                let width = (n as f64 / max as f64 * 300.0).round();
                let y = i as f64 * 22.0;
                view! {
                    <g data-testid="state-bar" data-state=state.as_str() data-count=n.to_string()>
                        <text x="0" y=y + 14.0 class="bar-label">{state.label().to_string()}</text>
                        <rect x="170" y=y + 3.0 width=width.max(1.0) height="14" rx="3" class=format!("bar bar-{}", state.as_str())/>
                        <text x=176.0 + width y=y + 14.0 class="bar-value">{thousands(n)}</text>
                    </g>
                }
            });
            view! {
                <figure class="card state-chart" data-testid="state-chart">
                    <figcaption class="card-title">"By state"</figcaption>
                    <svg viewBox="0 0 560 110" role="img" aria-label="Consents by state">{bars.collect_view()}</svg>
                </figure>
            }
        })
    }
}
