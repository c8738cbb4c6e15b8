//! The customer search box: validates the consumerId as it is typed and opens its timeline.

use console_api::transport::encode_component;
use console_api::validate::CONSUMER_ID;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

#[component]
pub fn SearchBox() -> impl IntoView {
    let navigate = use_navigate();
    let value = RwSignal::new(String::new());
    let touched = RwSignal::new(false);
    let error = Memo::new(move |_| value.with(|v| CONSUMER_ID.check(v.trim()).err().map(|e| e.message)));
    // A Memo, so that the message below is rebuilt only when it appears or goes.
    let show_error = Memo::new(move |_| touched.get() && error.get().is_some());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched.set(true);
        if error.get_untracked().is_none() {
            let id = value.get_untracked().trim().to_string();
            navigate(&format!("/consumers/{}", encode_component(&id)), NavigateOptions::default());
        }
    };

    view! {
        <form class="search" role="search" on:submit=submit novalidate>
            <label for="consumer-search" class="visually-hidden">"Consumer ID"</label>
            <input
                id="consumer-search"
                data-testid="search-input"
                type="search"
                placeholder="Consumer ID, e.g. demo-busy"
                autocomplete="off"
                spellcheck="false"
                maxlength="80"
                aria-invalid=move || show_error.get().to_string()
                aria-describedby="search-error"
                prop:value=value
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    touched.set(true);
                }
            />
            <button type="submit" class="btn btn-primary" data-testid="search-submit">"Open"</button>
            <div id="search-error" class="search-error" aria-live="polite">
                {move || show_error.get().then(|| view! {
                    <p class="field-error" data-testid="search-error">
                        "Consumer ID " {move || error.get().unwrap_or_default()}
                    </p>
                })}
            </div>
        </form>
    }
}
