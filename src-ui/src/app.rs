//! The shell: header with the product name, environment badge, navigation for the role, search and the
//! user menu; the routes, shown once the session says who is signed in.

use console_api::gateway::{ClientError, Environment, SessionInfo};
use console_api::page::ErrorView;
use leptos::prelude::*;
use leptos_router::components::Router;
use leptos_router::hooks::use_location;

use crate::common::ErrorPanel;
use crate::menu::{SignedOut, UserMenu};
use crate::routes::Routes;
use crate::session::use_role;
use crate::transport::Client;

pub const PRODUCT: &str = "Consent & Operations Console";

/// The shell's own words in the page's language, when it is not always English: the end user's pages
/// (`crate::me`) fill the slot, and refill it when the person switches language. `None`: English, as the
/// staff pages are. A slot rather than the translations themselves, so that staff bundles carry none.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ShellWords {
    pub skip_to_content: &'static str,
    pub home: &'static str,
    pub role: &'static str,
    pub environment: &'static str,
    pub sign_out: &'static str,
}

/// Provided by [`App`] for the whole page.
pub type ShellWordsSlot = RwSignal<Option<ShellWords>>;

/// One of the shell's words: the slot's, else the English `default`.
pub fn shell_word(pick: fn(ShellWords) -> &'static str, default: &'static str) -> impl Fn() -> &'static str + Copy {
    let slot = use_context::<ShellWordsSlot>();
    move || slot.and_then(|s| s.get()).map_or(default, pick)
}

/// The console, mounted once the session is known (see `crate::start`): everything is built once from
/// plain values, and the router starts at the URL the session bootstrap may have replaced (a customer's
/// "/" becomes "/me"). `routes`: the bundle's route table (`crate::routes`).
#[component]
pub fn App(client: Client, session: Result<SessionInfo, ClientError>, routes: Routes) -> impl IntoView {
    // The one client of the console API; components take it from context (another transport can replace it).
    provide_context(client);
    let words: ShellWordsSlot = RwSignal::new(None);
    provide_context(words);
    let info = session.as_ref().ok().cloned();
    // The pages are routed only when someone is signed in, and take who it is from context.
    if let Some(user) = info.as_ref().and_then(|i| i.user.clone()) {
        crate::drafts::keep_for(&user.id);
        provide_context(user);
    }
    view! {
        <Router>
            <a class="skip-link" href="#main">{shell_word(|w| w.skip_to_content, "Skip to content")}</a>
            <Header info=info search=routes.search/>
            <main id="main" class="main" tabindex="-1">
                {match session {
                    Ok(info) if info.user.is_some() => (routes.pages)(),
                    // Nobody signed in and still here: the bootstrap went to sign in everywhere else.
                    Ok(_) => view! { <SignedOut/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=ErrorView::of(&e, None)/> }.into_any(),
                }}
            </main>
        </Router>
    }
}

/// Built once, from the session's answer (`None`: the gateway could not say). `search`: the bundle's
/// staff search box, shown to staff.
#[component]
fn Header(info: Option<SessionInfo>, search: Option<fn() -> AnyView>) -> impl IntoView {
    let production = info.as_ref().is_some_and(|i| i.environment == Environment::Production);
    let (class, label, title) = match &info {
        Some(i) => (
            format!("env-badge env-{}", i.environment.as_str()),
            i.environment.label().to_string(),
            // The issuer only when the gateway tells it (it does to staff).
            match &i.issuer_id {
                Some(issuer) => format!("Issuer {issuer} · {} {}", i.product, i.version),
                None => format!("{} {}", i.product, i.version),
            },
        ),
        None => ("env-badge env-unknown".into(), "Environment unknown".into(), "GET /api/session failed".into()),
    };
    let signed_in = info.and_then(|i| Some((i.user?, i.environment)));
    let home = signed_in.as_ref().map_or("/", |(user, _)| user.role.home());
    // Plain links (the router handles clicks on every same-origin <a>), with aria-current as <A> would.
    let pathname = use_location().pathname;
    let current = move || (pathname.get() == home).then_some("page");
    // Staff look consumers up and work on consents (another bundle: its links are full loads); a customer
    // has their own documents.
    let nav = signed_in.map(|(user, environment)| {
        let staff = user.role.is_staff();
        let home_word = shell_word(|w| w.home, "My documents");
        let area = move |prefix: &'static str| move || pathname.with(|p| p == prefix || p.starts_with(&format!("{prefix}/"))).then_some("page");
        view! {
            <nav class="topnav" aria-label="Main">
                <a href=home aria-current=current>{move || if staff { "Timeline" } else { home_word() }}</a>
                {staff.then(|| view! {
                    <a href="/consents" aria-current=area("/consents") data-testid="nav-consents">"Consents"</a>
                    <a href="/documents" aria-current=area("/documents") data-testid="nav-documents">"Documents"</a>
                    <a href="/consent-types" aria-current=area("/consent-types") data-testid="nav-types">"Consent types"</a>
                })}
            </nav>
            {search.filter(|_| staff).map(|search| view! { <div class="topbar-search">{search()}</div> })}
            <div class="topbar-end"><UserMenu user=user environment=environment/></div>
        }
    });
    view! {
        <header class="topbar" class:is-production=production>
            <div class="topbar-inner">
                <a href=home class="brand">
                    <img src="/favicon.svg" alt="" width="24" height="24"/>
                    <span class="brand-name">{PRODUCT}</span>
                </a>
                <span class=class data-testid="env-badge" title=title>{label}</span>
                {nav}
            </div>
        </header>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card empty">
            <h1>"Page not found"</h1>
            <p>"Go back to the " <a href=use_role().home()>"start page"</a> "."</p>
        </section>
    }
}
