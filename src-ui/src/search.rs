//! The staff search box: finds people in the bank's directory by name, e-mail address or any id as it is
//! typed (a list of links to their customer pages), and "Open" goes where `console_api::page::search`
//! says: a D1 consumerId typed exactly still opens its timeline, one person their customer page.

use std::time::Duration;

use console_api::directory::Person;
use console_api::page::search::{search_target, SearchTarget};
use console_api::route::AccountsPath;
use console_api::transport::encode_component;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;

use crate::transport::Client;

/// The pause in typing after which the directory is asked.
const PAUSE: Duration = Duration::from_millis(250);

#[component]
pub fn SearchBox() -> impl IntoView {
    let client = expect_context::<Client>();
    let navigate = use_navigate();
    let value = RwSignal::new(String::new());
    // The directory's answer for the text typed so far (`None`: not asked, or it could not answer).
    let found = RwSignal::new(None::<Vec<Person>>);
    let message = RwSignal::new(None::<String>);
    // Each keystroke starts a new generation; a late answer of an older one is dropped.
    let generation = StoredValue::new(0u32);

    let ask = {
        let client = client.clone();
        move |typed: String| {
            let client = client.clone();
            async move {
                // Short or long text is refused by the client before anything is sent.
                client.search_people(&typed, None).await.ok().map(|r| r.value.people)
            }
        }
    };
    let on_input = {
        let ask = ask.clone();
        move |ev: leptos::ev::Event| {
            let typed = event_target_value(&ev);
            value.set(typed.clone());
            message.set(None);
            generation.update_value(|g| *g += 1);
            let mine = generation.get_value();
            let ask = ask.clone();
            set_timeout(
                move || {
                    if generation.try_get_value() != Some(mine) {
                        return;
                    }
                    spawn_local(async move {
                        let people = if typed.trim().chars().count() >= 2 { ask(typed).await } else { None };
                        if generation.try_get_value() == Some(mine) {
                            found.try_set(people);
                        }
                    });
                },
                PAUSE,
            );
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // What was typed is answered by this search: a list still due from the pause in typing would
        // open over the page it leads to.
        generation.update_value(|g| *g += 1);
        let (typed, ask, navigate) = (value.get_untracked(), ask.clone(), navigate.clone());
        spawn_local(async move {
            let people = if typed.trim().chars().count() >= 2 { ask(typed.clone()).await } else { None };
            match search_target(&typed, people.as_deref()) {
                SearchTarget::Timeline(id) => navigate(&format!("/consumers/{}", encode_component(&id)), NavigateOptions::default()),
                SearchTarget::Customer(person) => navigate(&AccountsPath::customer(&person), NavigateOptions::default()),
                SearchTarget::Choose(why) | SearchTarget::Nothing(why) => {
                    found.try_set(people);
                    message.try_set(Some(why));
                }
            }
        });
    };
    let close = move || {
        found.set(None);
        message.set(None);
    };
    // A person opened (or any other page): the list has done its job.
    let path = use_location().pathname;
    Effect::new(move |_| {
        path.track();
        generation.update_value(|g| *g += 1);
        found.set(None);
    });

    view! {
        <form class="search" role="search" on:submit=submit novalidate>
            <label for="consumer-search" class="visually-hidden">"Find a customer"</label>
            <input
                id="consumer-search"
                data-testid="search-input"
                type="search"
                placeholder="Name, e-mail or any ID"
                autocomplete="off"
                spellcheck="false"
                maxlength="100"
                aria-invalid=move || message.with(Option::is_some).to_string()
                aria-describedby="search-error"
                aria-controls="search-results"
                prop:value=value
                on:input=on_input
                on:keydown=move |ev| if ev.key() == "Escape" { close() }
            />
            <button type="submit" class="btn btn-primary" data-testid="search-submit">"Open"</button>
            <div id="search-error" class="search-error" aria-live="polite">
                {move || message.get().map(|m| view! { <p class="field-error" data-testid="search-error">{m}</p> })}
            </div>
            <Show when=move || found.with(|f| f.is_some())>
                <ul id="search-results" class="search-results" data-testid="search-results">
                    {move || match found.get().unwrap_or_default() {
                        people if people.is_empty() => view! { <li class="muted" data-testid="search-none">"No one in the directory matches"</li> }.into_any(),
                        people => people.into_iter().map(|p| view! { <Found person=p/> }).collect_view().into_any(),
                    }}
                </ul>
            </Show>
        </form>
    }
}

/// One person found: a link to their customer page, with what identifies them.
#[component]
fn Found(person: Person) -> impl IntoView {
    let ids = [Some(person.person_id.clone()), person.d1_consumer_id.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
    view! {
        <li>
            <a href=AccountsPath::customer(&person.person_id) data-testid="search-person" data-person=person.person_id.clone()>
                <span class="search-name">{person.name}</span>
                <span class="search-detail">{person.email} " · " {ids}</span>
            </a>
        </li>
    }
}
