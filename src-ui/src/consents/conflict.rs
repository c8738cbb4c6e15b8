//! A 412: someone changed what this person was editing. The page shows what changed, property by
//! property (what they read, what it is now), and lets them apply their own change to the fresh version
//! or drop it. Nothing is overwritten without their say.

use console_api::consents_staff::Change;
use leptos::prelude::*;

#[component]
pub fn ConflictPanel(
    /// What changed since the person read it.
    changes: Vec<Change>,
    /// Their own change, in words ("contextUri → /products/…").
    mine: String,
    on_apply: Callback<()>,
    on_discard: Callback<()>,
) -> impl IntoView {
    let rows = changes
        .into_iter()
        .map(|c| view! { <tr data-testid="conflict-change"><th>{c.field}</th><td class="uri">{c.read}</td><td class="uri">{c.fresh}</td></tr> })
        .collect_view();
    view! {
        <div class="conflict" role="alert" data-testid="conflict">
            <p class="conflict-title">"Someone changed this consent after you opened it. Nothing was written."</p>
            <table class="conflict-table">
                <thead><tr><th>"Property"</th><th>"When you opened it"</th><th>"Now"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <p>"Your change: " <code>{mine}</code></p>
            <div class="page-actions">
                <button class="btn btn-primary" data-testid="conflict-apply" on:click=move |_| on_apply.run(())>
                    "Apply my change to the fresh version"
                </button>
                <button class="btn" data-testid="conflict-discard" on:click=move |_| on_discard.run(())>"Discard mine"</button>
            </div>
        </div>
    }
}
