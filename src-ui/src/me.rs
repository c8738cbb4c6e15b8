//! `/me`, "My documents": a signed-in customer's consents still to give (new ones, and ones whose document
//! was revised since). Giving them comes later; this page lists what needs attention.

use console_api::consents::ConsentState;
use console_api::gateway::Role;
use console_api::page::ErrorView;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::value::RawValue;
use wasm_bindgen::JsValue;

use crate::common::{ErrorPanel, Forbidden};
use crate::session::{use_role, use_user};
use crate::transport::Client;

/// What this page shows of one consent of Apiture's collection (`console_api::consents::ConsentCollection`).
struct Consent {
    type_: String,
    state: ConsentState,
    revision_id: Option<String>,
    revised_at: String,
}

/// Reads `_embedded.items[]` with the browser's own JSON parser. Decoding even a trimmed copy of the HAL
/// model with serde cost 0.6 KB brotli more of a tight wasm budget (a deserializer per nested struct);
/// the answer is read once and shown, so a typed model buys nothing here.
fn consents(raw: &RawValue) -> Vec<Consent> {
    let field = |v: &JsValue, k: &str| js_sys::Reflect::get(v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    let Ok(body) = js_sys::JSON::parse(raw.get()) else { return Vec::new() };
    let items = js_sys::Array::from(&field(&field(&body, "_embedded"), "items"));
    items
        .iter()
        .map(|c| {
            let document = field(&c, "document");
            Consent {
                type_: field(&c, "type").as_string().unwrap_or_default(),
                state: ConsentState::from_wire(&field(&c, "state").as_string().unwrap_or_default()),
                revision_id: field(&document, "revisionId").as_string(),
                revised_at: field(&document, "revisedAt").as_string().unwrap_or_default(),
            }
        })
        .collect()
}

#[component]
pub fn MyDocuments() -> impl IntoView {
    // Staff have no documents of their own here (and the gateway answers 403 to them).
    if use_role() != Role::Customer {
        return view! { <Forbidden/> }.into_any();
    }
    let client = expect_context::<Client>();
    let name = use_user().name;
    // Asked once per visit, by a task. The rows are written into the list as plain DOM once the answer is
    // in: they never change, and a Leptos view per row (with its rebuild code) cost more of a tight wasm
    // budget (measured: 0.5 KB brotli). The states around the list use signal types the app has anyway.
    let list = NodeRef::<html::Div>::new();
    let empty = RwSignal::new(false);
    let error = RwSignal::new(None::<ErrorView>);
    spawn_local(async move {
        match client.my_needed_consents_as::<Box<RawValue>>().await {
            Ok(reply) => {
                let items = consents(&reply.value);
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
        if let Some(list) = list.get_untracked() {
            let _ = list.remove_attribute("aria-busy");
        }
    });
    view! {
        <section class="my-documents" data-testid="my-documents">
            <div class="page-title">
                <h1>"My documents"</h1>
                <p class="lead">"Hello, " {name} ". Here is what needs your attention."</p>
            </div>
            <div class="card">
                {move || error.get().map(|e| view! { <ErrorPanel error=e/> })}
                {move || empty.get().then(|| view! {
                    <div class="empty-state" data-testid="no-needed-consents">
                        <p class="empty-title">"Nothing needs your attention"</p>
                        <p class="muted">"When a document needs your consent, it will be listed here."</p>
                    </div>
                })}
                // Busy until the answer is in; the stylesheet says "Loading…" meanwhile.
                <div class="needed-list" role="list" aria-busy="true" node_ref=list></div>
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
    let revised = c.revised_at.get(..10).unwrap_or(&c.revised_at);
    let detail = match &c.revision_id {
        Some(r) => format!("Revision {r} · revised {revised}"),
        None => format!("Revised {revised}"),
    };
    let doc = document();
    let li = doc.create_element("div")?;
    li.set_class_name("needed-consent");
    li.set_attribute("role", "listitem")?;
    li.set_attribute("data-testid", "needed-consent")?;
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
