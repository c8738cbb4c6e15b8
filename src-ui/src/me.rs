//! `/me`, "My documents": a signed-in customer's consents still to give (new ones, and ones whose document
//! was revised since). Giving them comes later; this page lists what needs attention.

use console_api::consents::{Consent, ConsentState};
use console_api::gateway::Role;
use console_api::page::ErrorView;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::common::{ErrorPanel, Forbidden};
use crate::session::{use_role, use_user};
use crate::transport::Client;

#[component]
pub fn MyDocuments() -> impl IntoView {
    // Staff have no documents of their own here (and the gateway answers 403 to them).
    if use_role() != Role::Customer {
        return view! { <Forbidden/> }.into_any();
    }
    let client = expect_context::<Client>();
    let name = use_user().name;
    // Asked once per visit, by a task: `None` until the answer is in.
    let needed = RwSignal::new(None::<Result<Vec<Consent>, ErrorView>>);
    spawn_local(async move {
        let answer = client.my_needed_consents().await;
        needed.try_set(Some(answer.map(|r| r.value.embedded.items).map_err(|e| ErrorView::of(&e, None))));
    });
    let list = move || match needed.get() {
        None => view! { <p class="needed-loading" role="status">"Loading your documents…"</p> }.into_any(),
        Some(Err(error)) => view! { <ErrorPanel error=error/> }.into_any(),
        Some(Ok(consents)) if consents.is_empty() => view! {
            <div class="empty-state" data-testid="no-needed-consents">
                <p class="empty-title">"Nothing needs your attention"</p>
                <p class="muted">"When a document needs your consent, it will be listed here."</p>
            </div>
        }
        .into_any(),
        Some(Ok(consents)) => view! {
            <ul class="needed-list">
                {consents.into_iter().map(|consent| view! { <NeededConsent consent/> }).collect_view()}
            </ul>
        }
        .into_any(),
    };
    view! {
        <section class="my-documents" data-testid="my-documents">
            <div class="page-title">
                <h1>"My documents"</h1>
                <p class="lead">"Hello, " {name} ". Here is what needs your attention."</p>
            </div>
            <div class="card">{list}</div>
        </section>
    }
    .into_any()
}

/// One needed consent: what it is, which revision, and whether it is new or revised.
#[component]
fn NeededConsent(consent: Consent) -> impl IntoView {
    let (state, class) = match &consent.state {
        ConsentState::Pending => ("New".to_string(), "badge badge-pending"),
        ConsentState::Stale => ("Revised — please review again".to_string(), "badge badge-failed"),
        other => (other.label().to_string(), "badge badge-other"),
    };
    // The date is enough to recognise a revision (revisedAt is UTC, `YYYY-MM-DDThh:mm:ss.sssZ`).
    let document = consent.document;
    let revised = document.revised_at.get(..10).unwrap_or(&document.revised_at).to_string();
    let detail = match document.revision_id {
        Some(r) => format!("Revision {r} · revised {revised}"),
        None => format!("Revised {revised}"),
    };
    view! {
        <li class="needed-consent" data-testid="needed-consent">
            <span class="needed-type">{type_label(&consent.type_).to_string()}</span>
            <span class="muted">{detail}</span>
            <span class=class>{state}</span>
        </li>
    }
}

/// A consent type name in words; names this page does not know are shown as they are.
pub fn type_label(name: &str) -> &str {
    match name {
        "productTermsAndConditions" => "Product terms and conditions",
        "privacyPolicy" => "Privacy policy",
        "electronicConsent" => "Electronic consent",
        other => other,
    }
}
