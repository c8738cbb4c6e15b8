//! The staff consent area (three bundles: `consents`, `documents`, `consent_types`; see `crate::routes`):
//! admins act, agents read. Every write button exists
//! only for admins, is enabled from the consent's own links (`Consent::can`), and asks for a confirmation.
//!
//! * [`explorer`]: `/consents`, the list with its filters in the URL, counts by state, CSV export.
//! * [`detail`]: `/consents/{id}`, one consent, its history, rescind and the contexts' edit;
//!   [`conflict`]: what a 412 changed, and the choice to apply one's change to the fresh version or not.
//! * [`documents`]: `/documents`, revise (with its impact first), move, rescind with a preview;
//!   [`campaign`]: `/documents/campaign`, who accepted again and who is outstanding.
//! * [`types`]: `/consent-types`, the type names and their labels.

mod campaign;
mod conflict;
mod detail;
mod documents;
mod explorer;
mod types;

pub use campaign::CampaignPage;
pub use detail::ConsentDetail;
pub use documents::DocumentsPage;
pub use explorer::Explorer;
pub use types::TypeNamesPage;

use console_api::consents::ConsentState;
use console_api::gateway::{ClientError, Role};
use console_api::page::ErrorView;
use console_api::transport::decode_component;
use leptos::prelude::*;

use crate::session::use_role;

/// Whether the signed-in person may change anything (admins); agents get no write button at all.
fn may_write() -> bool {
    use_role() == Role::Admin
}

/// Staff only: a customer sent here gets the "not for your role" page (the gateway refuses them anyway).
fn is_staff() -> bool {
    use_role().is_staff()
}

/// `a=1&b=%7C` as decoded pairs (`+` is a space, as forms send it).
fn query_pairs(search: &str) -> Vec<(String, String)> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode_component(&k.replace('+', " ")), decode_component(&v.replace('+', " ")))
        })
        .collect()
}

fn error_of(e: &ClientError) -> ErrorView {
    ErrorView::of(e, None)
}

/// A consent state as a coloured badge.
#[component]
pub(crate) fn StateBadge(state: ConsentState) -> impl IntoView {
    let class = match state {
        ConsentState::Given => "badge badge-ok",
        ConsentState::Pending => "badge badge-pending",
        ConsentState::Stale => "badge badge-stale",
        ConsentState::Revoked | ConsentState::Rescinded => "badge badge-failed",
        ConsentState::Other(_) => "badge badge-other",
    };
    view! { <span class=class data-testid="state-badge">{state.label().to_string()}</span> }
}

/// `2026-09-15T08:00:00.000Z` as `2026-09-15 08:00` (UTC).
fn short_time(at: &str) -> String {
    match (at.get(..10), at.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => at.to_string(),
    }
}

/// A URI as a link only when it is safe to follow (http(s) or relative); anything else is shown as text.
#[component]
fn UriLink(uri: String) -> impl IntoView {
    if console_api::validate::is_safe_uri(&uri) {
        let href = uri.clone();
        view! { <a href=href target="_blank" rel="noopener noreferrer" class="uri">{uri}</a> }.into_any()
    } else {
        view! { <code class="uri unsafe" title="Not a safe URI: not linked">{uri}</code> }.into_any()
    }
}

/// A write behind a confirmation (its buttons submit no form they sit in): the first click asks, "Confirm" does it, "Cancel" goes back. With
/// `check`, the first click asks only when it answers true (the form's fields are valid): a refusal is
/// said before the question, not after it. Focus follows the keyboard user: into the question (on
/// Cancel, the harmless choice) when it opens, and back to the button after Confirm or Cancel (the
/// button is rebuilt, so focus would otherwise fall to the page's body).
#[component]
fn Confirmed(
    /// The button's words ("Rescind…").
    label: &'static str,
    /// What the confirmation says will happen.
    #[prop(into)]
    question: Signal<String>,
    #[prop(into)] enabled: Signal<bool>,
    testid: &'static str,
    on_confirm: Callback<()>,
    #[prop(optional)] check: Option<Callback<(), bool>>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let ask = move || asking.set(check.is_none_or(|check| check.run(())));
    let (opener, cancel) = (NodeRef::<leptos::html::Button>::new(), NodeRef::<leptos::html::Button>::new());
    // Set by Confirm and Cancel: the rebuilt button takes focus once it is there.
    let refocus = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(button) = cancel.get() {
            let _ = button.focus();
        }
    });
    Effect::new(move |_| {
        if let Some(button) = opener.get() {
            if refocus.get_untracked() {
                refocus.set(false);
                let _ = button.focus();
            }
        }
    });
    let close = move || {
        refocus.set(true);
        asking.set(false);
    };
    view! {
        <Show
            when=move || asking.get()
            fallback=move || view! {
                <button type="button" class="btn btn-danger-outline" data-testid=testid disabled=move || !enabled.get()
                    node_ref=opener on:click=move |_| ask()>{label}</button>
            }
        >
            <div class="confirm" role="alertdialog" aria-label="Confirm">
                <p>{move || question.get()}</p>
                <button type="button" class="btn btn-danger" data-testid=format!("{testid}-confirm")
                    on:click=move |_| { close(); on_confirm.run(()); }>"Confirm"</button>
                <button type="button" class="btn" data-testid=format!("{testid}-cancel") node_ref=cancel on:click=move |_| close()>"Cancel"</button>
            </div>
        </Show>
    }
}
