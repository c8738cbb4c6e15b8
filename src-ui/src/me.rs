//! `/me`, "My documents": a signed-in customer's consents still to give (new ones, and ones whose document
//! was revised since). Giving them comes later; this page lists what needs attention.

use console_api::consents::ConsentState;
use console_api::gateway::Role;
use console_api::page::ErrorView;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;

use crate::common::{ErrorPanel, Forbidden, Loading};
use crate::session::{use_role, use_session};
use crate::transport::Client;

/// The part of Apiture's consent collection (`console_api::consents::ConsentCollection`) this page shows;
/// decoding only this keeps about 7 KB brotli of the full HAL model out of the wasm.
#[derive(Deserialize)]
struct Needed {
    #[serde(rename = "_embedded", default)]
    embedded: Items,
}

#[derive(Default, Deserialize)]
struct Items {
    #[serde(default)]
    items: Vec<Consent>,
}

#[derive(Deserialize)]
struct Consent {
    #[serde(rename = "type")]
    type_: String,
    state: ConsentState,
    document: Document,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default)]
    revision_id: Option<String>,
    revised_at: String,
}

#[component]
pub fn MyDocuments() -> impl IntoView {
    // Staff have no documents of their own here (and the gateway answers 403 to them).
    if use_role() != Role::Customer {
        return view! { <Forbidden/> }.into_any();
    }
    let client = expect_context::<Client>();
    let name = use_session().user().map(|u| u.name).unwrap_or_default();
    // Asked once per visit, by a task. The rows are written into the list as plain DOM once the answer is
    // in: they never change, and a Leptos view per row (with its rebuild code) cost more of a tight wasm
    // budget (measured: 0.5 KB brotli). The states around the list use signal types the app has anyway.
    let list = NodeRef::<html::Div>::new();
    let loaded = RwSignal::new(false);
    let empty = RwSignal::new(false);
    let error = RwSignal::new(None::<ErrorView>);
    spawn_local(async move {
        match client.my_needed_consents_as::<Needed>().await {
            Ok(reply) => {
                let items = reply.value.embedded.items;
                empty.try_set(items.is_empty());
                if let Some(list) = list.get_untracked() {
                    for c in items {
                        let _ = row(&c).map(|li| list.append_child(&li));
                    }
                }
            }
            Err(e) => {
                error.try_set(Some(ErrorView::of(&e, None)));
            }
        }
        loaded.try_set(true);
    });
    view! {
        <section class="my-documents" data-testid="my-documents">
            <div class="page-title">
                <h1>"My documents"</h1>
                <p class="lead">"Hello, " {name} ". These documents need your review."</p>
            </div>
            <div class="card">
                {move || (!loaded.get()).then(|| view! { <Loading label="Loading your documents…"/> })}
                {move || error.get().map(|e| view! { <ErrorPanel error=e/> })}
                {move || empty.get().then(|| view! {
                    <div class="empty-state" data-testid="no-needed-consents">
                        <p class="empty-title">"Nothing needs your attention"</p>
                        <p class="muted">"When a document needs your consent, it will be listed here."</p>
                    </div>
                })}
                <div class="needed-list" role="list" node_ref=list></div>
            </div>
        </section>
    }
    .into_any()
}

/// One needed consent: what it is, which revision, and whether it is new or revised.
fn row(c: &Consent) -> Result<web_sys::Element, wasm_bindgen::JsValue> {
    let (state, class) = match &c.state {
        ConsentState::Pending => ("New", "badge badge-pending"),
        ConsentState::Stale => ("Revised — please review again", "badge badge-failed"),
        other => (other.label(), "badge badge-other"),
    };
    // The date is enough to recognise a revision (revisedAt is UTC, `YYYY-MM-DDThh:mm:ss.sssZ`).
    let revised = c.document.revised_at.get(..10).unwrap_or(&c.document.revised_at);
    let detail = match &c.document.revision_id {
        Some(r) => format!("Revision {r} · revised {revised}"),
        None => format!("Revised {revised}"),
    };
    let doc = document();
    let li = doc.create_element("div")?;
    li.set_class_name("needed-consent");
    li.set_attribute("role", "listitem")?;
    li.set_attribute("data-testid", "needed-consent")?;
    li.set_attribute("data-state", c.state.as_str())?;
    // Text only through text content: whatever the server sends is never parsed as markup.
    for (class, text) in [("needed-type", type_label(&c.type_)), ("muted", &detail), (class, state)] {
        let span = doc.create_element("span")?;
        span.set_class_name(class);
        span.set_text_content(Some(text));
        li.append_child(&span)?;
    }
    Ok(li)
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
