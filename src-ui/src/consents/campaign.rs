//! `/documents/campaign?uri=&revisionId=`: the re-consent campaign of one revision: how many of the
//! consents it made stale were given again, day by day (a chart of the running total), and who is still
//! outstanding (the first rows here, all of them in the CSV).

use console_api::consents_staff::{campaign_query, thousands, Campaign};
use console_api::gateway::{routes, ClientError};
use console_api::page::ErrorView;
use console_api::validate::ValidationError;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::{error_of, is_staff, query_pairs, short_time, StateBadge, UriLink};
use crate::common::{ErrorPanel, Forbidden};
use crate::transport::Client;

/// Outstanding consents listed on the page; the CSV has them all.
const LISTED: usize = 100;

#[component]
pub fn CampaignPage() -> impl IntoView {
    if !is_staff() {
        return view! { <Forbidden/> }.into_any();
    }
    let client = expect_context::<Client>();
    let search = use_location().search;
    let wanted = Memo::new(move |_| {
        search.with(|s| {
            let pairs = query_pairs(s);
            let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
            let (uri, revision) = (get("uri"), get("revisionId"));
            if revision.is_empty() {
                return Err(ValidationError { field: "revisionId", message: "is required: open a campaign from the documents' list".into() });
            }
            console_api::validate::uri_reference("uri", &uri).map(|()| (uri, revision))
        })
    });
    let campaign = LocalResource::new(move || {
        let (client, wanted) = (client.clone(), wanted.get());
        async move {
            match wanted {
                Ok((uri, revision)) => client.campaign(&uri, &revision).await.map(|r| r.value).map_err(|e| error_of(&e)),
                Err(e) => Err(ErrorView::of(&ClientError::Invalid(e), None)),
            }
        }
    });
    view! {
        <section class="consents-page" data-testid="campaign">
            <p><a href="/documents">"← Documents"</a></p>
            {move || match campaign.get() {
                None => view! { <p class="loading" role="status">"Counting the campaign…"</p> }.into_any(),
                Some(Err(error)) => view! { <ErrorPanel error/> }.into_any(),
                Some(Ok(c)) => view! { <CampaignView campaign=c/> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

#[component]
fn CampaignView(campaign: Campaign) -> impl IntoView {
    let csv = format!("{}?{}", routes::CAMPAIGN_OUTSTANDING, campaign_query(&campaign.uri, &campaign.revision_id));
    let outstanding = campaign.outstanding.len();
    let rows = campaign
        .outstanding
        .iter()
        .take(LISTED)
        .map(|o| view! {
            <tr data-testid="outstanding-row">
                <td>{o.user_id.clone()}</td>
                <td><StateBadge state=o.state.clone()/></td>
                <td class="uri">{o.context_uri.clone().unwrap_or_default()}</td>
                <td>{o.stale_at.as_deref().map(short_time).unwrap_or_default()}</td>
            </tr>
        })
        .collect_view();
    view! {
        <div class="card campaign-card">
            <p class="eyebrow">"Re-consent campaign"</p>
            <h1><UriLink uri=campaign.uri.clone()/></h1>
            <p class="lead">"Revision " <strong data-testid="campaign-revision">{campaign.revision_id.clone()}</strong></p>
            <div class="figures">
                <p><span class="figure" data-testid="campaign-stale">{thousands(campaign.made_stale)}</span> " to accept again"</p>
                <p><span class="figure" data-testid="campaign-given">{thousands(campaign.given_again)}</span> " accepted again"</p>
                <p><span class="figure" data-testid="campaign-outstanding">{thousands(outstanding as u64)}</span> " outstanding"</p>
            </div>
            <AcceptedChart campaign=campaign.clone()/>
        </div>
        <div class="card campaign-card">
            <div class="page-head">
                <h2 class="card-title">"Outstanding"</h2>
                <a class="btn" href=csv download="outstanding.csv" data-testid="outstanding-csv">"Export CSV"</a>
            </div>
            <table class="consents-table" data-testid="outstanding-table">
                <thead><tr><th>"User"</th><th>"State"</th><th>"Context"</th><th>"Stale since"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {(outstanding > LISTED).then(|| view! { <p class="muted">{format!("The first {LISTED} of {}: the CSV has them all.", thousands(outstanding as u64))}</p> })}
        </div>
    }
}

/// The running total of consents given again, by day, as an SVG line over the campaign's days.
#[component]
fn AcceptedChart(campaign: Campaign) -> impl IntoView {
    if campaign.by_day.is_empty() {
        return view! { <p class="muted" data-testid="campaign-chart-empty">"Nobody has accepted the revision again yet."</p> }.into_any();
    }
    let (width, height) = (600.0, 140.0);
    let total = campaign.made_stale.max(1) as f64;
    let step = if campaign.by_day.len() > 1 { width / (campaign.by_day.len() - 1) as f64 } else { width };
    let mut running = 0;
    let points: Vec<(f64, f64, String, u64)> = campaign
        .by_day
        .iter()
        .enumerate()
        .map(|(i, d)| {
            running += d.given;
            (i as f64 * step, height - running as f64 / total * height, d.day.clone(), running)
        })
        .collect();
    let line = points.iter().map(|(x, y, ..)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
    let dots = points
        .into_iter()
        .map(|(x, y, day, n)| view! { <circle cx=x cy=y r="3" class="chart-dot" data-testid="campaign-point"><title>{format!("{day}: {n} accepted again")}</title></circle> })
        .collect_view();
    view! {
        <figure class="campaign-chart" data-testid="campaign-chart">
            <svg viewBox="-10 -10 620 160" role="img" aria-label="Consents accepted again, running total by day">
                <line x1="0" y1=height x2=width y2=height class="chart-axis"/>
                <polyline points=line class="chart-line"/>
                {dots}
            </svg>
            <figcaption class="muted">"Accepted again, running total, of " {thousands(campaign.made_stale)} " made stale"</figcaption>
        </figure>
    }
    .into_any()
}
