//! An account's promotions: tabs Active, Scheduled and All (MasCustomers' own filter), the periods drawn
//! on a timeline with today marked, cancel (admins) with a date between today and the promotion's end,
//! checked by `mas::promotion`'s rule and confirmed before it is sent, and the promotion history.

use chrono::{Datelike, NaiveDate};
use console_api::gateway::ClientError;
use console_api::mas::promotion::Period as Dates;
use console_api::mas::{AccountPromotion, AccountPromotionHistory, AccountPromotionType, PatchAccountPromotion, PromotionStatus};
use console_api::page::promotion_timeline::Period;
use console_api::page::ErrorView;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::may_write;
use super::payment::write_failure;
use super::promotion_chart::PromotionChart;
use super::short_time;
use crate::common::ErrorPanel;
use crate::transport::Client;
use crate::util::{new_cid, today};

const TABS: [AccountPromotionType; 3] = [AccountPromotionType::Active, AccountPromotionType::Scheduled, AccountPromotionType::All];

#[component]
pub fn Promotions(account: String, version: RwSignal<u32>) -> impl IntoView {
    let client = expect_context::<Client>();
    let tab = RwSignal::new(AccountPromotionType::Active);
    let listed = LocalResource::new({
        let (client, account) = (client.clone(), account.clone());
        move || {
            version.track();
            let (client, account, kind) = (client.clone(), account.clone(), tab.get());
            async move { client.mas_account_promotions(&account, &kind, Some(&new_cid())).await.map(|r| r.value).map_err(|e| ErrorView::of(&e, None)) }
        }
    });
    // The drawing shows every promotion, whichever tab is open.
    let all = LocalResource::new({
        let (client, account) = (client.clone(), account.clone());
        move || {
            version.track();
            let (client, account) = (client.clone(), account.clone());
            async move { client.mas_account_promotions(&account, &AccountPromotionType::All, Some(&new_cid())).await.map(|r| r.value).map_err(|e| ErrorView::of(&e, None)) }
        }
    });
    let tabs = TABS.into_iter().map(|kind| {
        let (k, label, testid) = (kind.clone(), kind.label().to_string(), format!("promo-tab-{}", kind.as_str()));
        view! {
            <button role="tab" class="tab" data-testid=testid aria-selected=move || (tab.get() == k).to_string()
                on:click=move |_| tab.set(kind.clone())>{label}</button>
        }
    });
    let history_account = account.clone();
    view! {
        <section class="card" data-testid="promotions-section">
            <h2 class="card-title">"Promotions"</h2>
            {move || match all.get() {
                Some(Ok(promotions)) => {
                    let periods = promotions.iter().filter_map(Period::of).collect::<Vec<_>>();
                    view! { <PromotionChart periods today=today()/> }.into_any()
                }
                _ => ().into_any(),
            }}
            <div role="tablist" class="tabs" aria-label="Which promotions">{tabs.collect_view()}</div>
            <div role="tabpanel">
                {move || match listed.get() {
                    None => view! { <p class="loading" role="status">"Loading the promotions…"</p> }.into_any(),
                    Some(Err(error)) => view! { <ErrorPanel error/> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => view! { <p class="muted" data-testid="promotions-none">"None."</p> }.into_any(),
                    Some(Ok(list)) => {
                        let account = account.clone();
                        view! {
                            <table class="table promotions-table">
                                <thead><tr><th>"Promotion"</th><th>"Status"</th><th>"From"</th><th>"Until"</th><th>"Cancelled from"</th><th></th></tr></thead>
                                <tbody>{list.into_iter().map(|p| view! { <Row promotion=p account=account.clone() version/> }).collect_view()}</tbody>
                            </table>
                        }.into_any()
                    }
                }}
            </div>
        </section>
        <History account=history_account version/>
    }
}

#[component]
fn Row(promotion: AccountPromotion, account: String, version: RwSignal<u32>) -> impl IntoView {
    let can_cancel = may_write() && promotion.status != PromotionStatus::Ended;
    let status_class = match promotion.status {
        PromotionStatus::Active => "badge badge-ok",
        PromotionStatus::Scheduled => "badge badge-pending",
        _ => "badge badge-other",
    };
    // The cancel form opens in a row of its own under the promotion, the table's whole width, so that the
    // date columns keep theirs.
    let open = RwSignal::new(false);
    let p = promotion.clone();
    view! {
        <tr data-testid="promotion-row" data-promotion=promotion.account_promotion_id.clone() data-status=promotion.status.as_str().to_string()>
            <td><strong>{promotion.name.clone()}</strong> <span class="muted">" " {promotion.promotion_id.clone()}</span></td>
            <td><span class=status_class>{promotion.status.label().to_string()}</span></td>
            <td class="date"><time>{promotion.start_date.clone()}</time></td>
            <td class="date"><time>{promotion.end_date.clone().unwrap_or_else(|| "no end".into())}</time></td>
            <td class="date" data-testid="promotion-cancellation">{promotion.cancellation_date.clone().unwrap_or_default()}</td>
            <td class="row-action">{can_cancel.then(|| view! {
                <Show when=move || !open.get()>
                    <button class="btn btn-danger-outline" data-testid="promotion-cancel" on:click=move |_| open.set(true)>"Cancel…"</button>
                </Show>
            })}</td>
        </tr>
        {can_cancel.then(|| view! {
            <Show when=move || open.get()>
                <tr class="cancel-row" data-testid="cancel-row">
                    <td colspan="6">
                        <Cancel promotion=p.clone() account=account.clone() version on_close=Callback::new(move |()| open.set(false))/>
                    </td>
                </tr>
            </Show>
        })}
    }
}

/// Cancel one promotion: a date between today and its end (today by default), then a confirmation.
#[component]
fn Cancel(promotion: AccountPromotion, account: String, version: RwSignal<u32>, on_close: Callback<()>) -> impl IntoView {
    let client = expect_context::<Client>();
    let today = today();
    let dates = Dates::of(&promotion).ok();
    let limits = dates.and_then(|d| d.cancellation_limits(today));
    let (min, max) = (limits.map(|l| l.0.to_string()), limits.and_then(|l| l.1).map(|d| d.to_string()));
    let confirming = RwSignal::new(false);
    let date = RwSignal::new(today.to_string());
    let problem = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ClientError>);
    let name = StoredValue::new(promotion.name.clone());
    let check = move || -> Result<NaiveDate, String> {
        let chosen = console_api::mas::check::date("cancellation_date", &date.get_untracked()).map_err(|e| e.to_string())?;
        match dates {
            Some(d) => d.check_cancellation(chosen, today).map(|()| chosen).map_err(|(_, why)| why),
            None => Ok(chosen),
        }
    };
    let ask = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match check() {
            Ok(_) => { problem.set(None); confirming.set(true); }
            Err(why) => problem.set(Some(why)),
        }
    };
    let confirm = Callback::new(move |()| {
        confirming.set(false);
        let body = PatchAccountPromotion { cancellation_date: date.get_untracked() };
        let (client, account, id) = (client.clone(), account.clone(), promotion.account_promotion_id.clone());
        spawn_local(async move {
            match client.mas_cancel_promotion(&account, &id, &body, Some(&new_cid())).await {
                Ok(_) => { version.update(|v| *v += 1); }
                Err(e) => { failure.try_set(Some(e)); }
            }
        });
    });
    let limits_text = StoredValue::new(match (&min, &max) {
        (Some(min), Some(max)) => format!("From {min} (today) to {max} (its last day)"),
        (Some(min), None) => format!("From {min} (today); it has no end date"),
        _ => "It has ended: nothing to cancel".to_string(),
    });
    view! {
        <form class="cancel-promotion" on:submit=ask novalidate data-testid="cancel-form">
            <label class="field">
                <span>{format!("Cancel \"{}\": stops applying from", name.get_value())}</span>
                <input type="date" data-testid="cancel-date" min=min.clone() max=max.clone() prop:value=date
                    on:input=move |ev| date.set(event_target_value(&ev))/>
            </label>
            <p class="muted" data-testid="cancel-limits">{limits_text.get_value()}</p>
            {move || problem.get().map(|m| view! { <p class="field-error" data-testid="cancel-refused">{m}</p> })}
            <Show when=move || confirming.get()
                fallback=move || view! {
                    <div class="form-actions">
                        <button type="submit" class="btn btn-danger-outline" data-testid="cancel-ask">"Cancel promotion"</button>
                        <button type="button" class="btn" on:click=move |_| on_close.run(())>"Close"</button>
                    </div>
                }>
                <div class="confirm" role="alertdialog" aria-label="Confirm">
                    <p>{format!("Cancel \"{}\" from {}? It no longer applies from that day.", name.get_value(), date.get_untracked())}</p>
                    <button type="button" class="btn btn-danger" data-testid="cancel-confirm" on:click=move |_| confirm.run(())>"Confirm"</button>
                    <button type="button" class="btn" on:click=move |_| confirming.set(false)>"Back"</button>
                </div>
            </Show>
            {move || failure.get().map(|e| write_failure(&e))}
        </form>
    }
}

/// The promotion history from a start date (two years back by default), as MasCustomers answers it.
#[component]
fn History(account: String, version: RwSignal<u32>) -> impl IntoView {
    let client = expect_context::<Client>();
    let today = today();
    let start = today.with_year(today.year() - 2).unwrap_or(today).to_string();
    let history = LocalResource::new(move || {
        version.track();
        let (client, account, start) = (client.clone(), account.clone(), start.clone());
        async move { client.mas_promotions_history(&account, Some(&start), Some(&new_cid())).await.map(|r| r.value).map_err(|e| ErrorView::of(&e, None)) }
    });
    view! {
        <section class="card" data-testid="promotion-history">
            <h2 class="card-title">"Promotion history"</h2>
            {move || match history.get() {
                None => view! { <p class="loading" role="status">"Loading the history…"</p> }.into_any(),
                Some(Err(error)) => view! { <ErrorPanel error/> }.into_any(),
                Some(Ok(rows)) if rows.is_empty() => view! { <p class="muted">"No changes in the last two years."</p> }.into_any(),
                Some(Ok(rows)) => view! {
                    <ol class="promotion-history">{rows.into_iter().map(|row| view! { <HistoryRow row/> }).collect_view()}</ol>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn HistoryRow(row: AccountPromotionHistory) -> impl IntoView {
    let detail = match (&row.previous_cancellation_date, &row.cancellation_date) {
        (Some(before), Some(after)) => format!("cancellation {before} → {after}"),
        (None, Some(after)) => format!("cancelled from {after}"),
        _ => format!("{} to {}", row.start_date, row.end_date.clone().unwrap_or_else(|| "no end".into())),
    };
    view! {
        <li data-testid="promotion-history-row" data-action=row.action.as_str().to_string()>
            <time>{short_time(&row.action_date)}</time>
            " " <strong>{row.promotion_name}</strong>
            " · " {row.action.label().to_string()}
            " · " <span class="muted">{detail}</span>
        </li>
    }
}
