//! Which language the end user's pages speak: the person's choice (kept in `localStorage`, so it holds
//! across visits on this browser), else the first of `navigator.languages` the pages have, else English.

use console_api::i18n::{Language, Text};
use leptos::prelude::*;

use super::use_me;

const STORAGE_KEY: &str = "console.language";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The language to start with.
pub fn initial() -> Language {
    if let Some(chosen) = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten()).and_then(|c| Language::parse(&c)) {
        return chosen;
    }
    let tags: Vec<String> = web_sys::window()
        .map(|w| w.navigator().languages().iter().filter_map(|v| v.as_string()).collect())
        .unwrap_or_default();
    Language::preferred(tags.iter().map(String::as_str))
}

/// A labelled `<select>` of the three languages, each named in itself; the choice is remembered.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let me = use_me();
    let change = move |ev| {
        if let Some(language) = Language::parse(&event_target_value(&ev)) {
            if let Some(s) = storage() {
                let _ = s.set_item(STORAGE_KEY, language.code());
            }
            me.language.set(language);
        }
    };
    view! {
        <div class="language-switch">
            <label for="language">{me.t(Text::LanguageLabel)}</label>
            <select id="language" data-testid="language-switch" on:change=change>
                {Language::ALL.map(|l| view! {
                    <option value=l.code() lang=l.code() selected=me.language.get_untracked() == l>{l.name()}</option>
                }).collect_view()}
            </select>
        </div>
    }
}
