//! The shell: header with the product name, environment badge, navigation and search; the routes.

use console_api::gateway::Environment;
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;

use crate::search::SearchBox;
use crate::timeline::{ConsumerPage, NoDrawer};
use crate::detail::OperationDrawer;
use crate::transport::{http_client, Client};

pub const PRODUCT: &str = "Consent & Operations Console";

#[component]
pub fn App() -> impl IntoView {
    // The one client of the console API; components take it from context (another transport can replace it).
    provide_context(http_client());
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header/>
            <main id="main" class="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home/>
                    <ParentRoute path=path!("/consumers/:consumer") view=ConsumerPage>
                        <Route path=path!("") view=NoDrawer/>
                        <Route path=path!("operations/:operation") view=OperationDrawer/>
                    </ParentRoute>
                </Routes>
            </main>
        </Router>
    }
}

#[component]
fn Header() -> impl IntoView {
    let client = expect_context::<Client>();
    // Asked once, when the shell mounts. A signal filled by a task rather than a resource: no async-derived
    // machinery in the wasm for a value that never refetches.
    let session = RwSignal::new(None);
    leptos::task::spawn_local(async move {
        let reply = client.session().await;
        session.try_set(Some(reply));
    });
    let environment = move || session.get().and_then(|r| r.ok()).map(|r| r.value.environment);
    let badge = move || match session.get() {
        None => view! { <span class="env-badge env-unknown" data-testid="env-badge">"…"</span> }.into_any(),
        Some(Ok(reply)) => {
            let env = reply.value.environment;
            let class = format!("env-badge env-{}", env.as_str());
            let title = format!("Issuer {} · {} {}", reply.value.issuer_id, reply.value.product, reply.value.version);
            view! { <span class=class data-testid="env-badge" title=title>{env.label().to_string()}</span> }.into_any()
        }
        Some(Err(_)) => view! {
            <span class="env-badge env-unknown" data-testid="env-badge" title="GET /api/session failed">
                "Environment unknown"
            </span>
        }
        .into_any(),
    };
    // Plain links (the router handles clicks on every same-origin <a>); both point at the start page and
    // say so with aria-current there, as <A> would.
    let location = use_location();
    let current = move || (location.pathname.get() == "/").then_some("page");
    view! {
        <header class="topbar" class:is-production=move || environment() == Some(Environment::Production)>
            <div class="topbar-inner">
                <a href="/" class="brand" aria-current=current>
                    <img src="/favicon.svg" alt="" width="24" height="24"/>
                    <span class="brand-name">{PRODUCT}</span>
                </a>
                {badge}
                <nav class="topnav" aria-label="Main">
                    <a href="/" aria-current=current>"Consumers"</a>
                </nav>
                <div class="topbar-search"><SearchBox/></div>
            </div>
        </header>
    }
}

#[component]
fn Home() -> impl IntoView {
    view! {
        <section class="home">
            <div class="card home-card">
                <h1>"Look up a consumer"</h1>
                <p class="lead">
                    "Enter a Thales D1 consumerId in the search box to see its operations timeline: registrations, \
                     suspensions, authenticator enrolments and deletions, newest first."
                </p>
                <ul class="facts">
                    <li>"D1 keeps operations for 3 months; older ones are no longer available."</li>
                    <li>"Every request carries a correlation id, shown with any error so that support can trace it."</li>
                    <li>"Deleting a consumer is irreversible and cascades to its accounts, cards and digital cards."</li>
                </ul>
            </div>
        </section>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="card empty">
            <h1>"Page not found"</h1>
            <p>"Use the search box to open a consumer, or go back to the " <a href="/">"start page"</a> "."</p>
        </section>
    }
}
