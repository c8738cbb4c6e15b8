//! The pages of each bundle. The page ships as one bundle per role (`src-ui/bundles/`), each a thin crate
//! that starts the shared shell with one of these: a table names the only screens its bundle contains, and
//! link-time optimisation leaves out the rest. `boot.js` picks the bundle from the path (`/me` is the end
//! user's), so a path belongs to exactly one table.
//!
//! The router (`leptos_router`'s `Router`) gives the URL, history and links; which page a path shows is a
//! `match` on `console_api::route`, not a `Routes` tree: the nested route machinery cost about 26 KB of
//! brotli wasm in every bundle (measured in issue 8), and these pages need none of it.

use console_api::gateway::{ClientError, SessionInfo};
use console_api::route::{AccountsPath, Bundle, ConsentsPath, CustomerPath, StaffArea, StaffPath};
use leptos::prelude::*;
use leptos_router::hooks::use_location;
use leptos_router::location::{BrowserUrl, LocationProvider};

use crate::app::NotFound;
use crate::consents::{CampaignPage, ConsentDetail, DocumentsPage, Explorer, TypeNamesPage};
use crate::customers::{AccountPage, CustomerPage};
use crate::home::Home;
use crate::search::SearchBox;
use crate::session::use_role;
use crate::timeline::{ConsumerPage, FirstPageAhead};
use crate::transport::Client;

/// A bundle's pages, shown inside the shell's router once someone is signed in, and the staff search box
/// of its header (`None` in the end user's bundle, which then carries none of its code).
#[derive(Clone, Copy)]
pub struct Routes {
    pub pages: fn() -> AnyView,
    pub search: Option<fn() -> AnyView>,
    /// Asks, once the session is known and before the shell is built, the first data its page will
    /// need (the staff bundle: a consumer's first page of operations).
    pub ahead: Option<fn(&Client, &Result<SessionInfo, ClientError>) -> Option<FirstPageAhead>>,
}

fn search_box() -> AnyView {
    view! { <SearchBox/> }.into_any()
}

/// Admins and agents: the start page and a consumer's timeline (with an operation's drawer over it).
pub const STAFF: Routes = Routes { pages: staff_pages, search: Some(search_box), ahead: Some(FirstPageAhead::ask) };

fn staff_pages() -> AnyView {
    complete_navigations();
    // Parsed once for the page, its drawer and its dialogs (see `use_staff_path`).
    let path = use_location().pathname;
    let path = Memo::new(move |_| StaffPath::parse(&path.get()));
    provide_context(path);
    // Only a change of page rebuilds: another consumer or drawer is the same page with other data.
    let area = Memo::new(move |_| path.with(StaffPath::area));
    let here = shown_here(Bundle::Staff);
    (move || match area.get() {
        _ if !here.get() => ().into_any(),
        StaffArea::Home => view! { <Home/> }.into_any(),
        StaffArea::Consumer => view! { <ConsumerPage/> }.into_any(),
        StaffArea::NotFound => view! { <NotFound/> }.into_any(),
    })
    .into_any()
}

/// Admins and agents, the consent area's consents (its own bundle): the explorer and a consent. The
/// area's documents and type names are bundles of their own ([`DOCUMENTS`], [`CONSENT_TYPES`]); a link
/// between them is a full load (`shown_here`). Agents see it all read-only.
pub const CONSENTS: Routes = Routes { pages: consents_pages, search: Some(search_box), ahead: None };

fn consents_pages() -> AnyView {
    complete_navigations();
    let path = use_location().pathname;
    let page = Memo::new(move |_| ConsentsPath::parse(&path.get()));
    let here = shown_here(Bundle::Consents);
    (move || match page.get() {
        _ if !here.get() => ().into_any(),
        ConsentsPath::Explorer => view! { <Explorer/> }.into_any(),
        ConsentsPath::Consent(id) => view! { <ConsentDetail id/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    })
    .into_any()
}

/// Admins and agents, the consent area's documents (its own bundle): revise, move, rescind, and a
/// revision's re-consent campaign.
pub const DOCUMENTS: Routes = Routes { pages: documents_pages, search: Some(search_box), ahead: None };

fn documents_pages() -> AnyView {
    complete_navigations();
    let path = use_location().pathname;
    let page = Memo::new(move |_| ConsentsPath::parse(&path.get()));
    let here = shown_here(Bundle::Documents);
    (move || match page.get() {
        _ if !here.get() => ().into_any(),
        ConsentsPath::Documents => view! { <DocumentsPage/> }.into_any(),
        ConsentsPath::Campaign => view! { <CampaignPage/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    })
    .into_any()
}

/// Admins and agents, the consent area's type names editor (its own bundle, `consent_types`).
pub const CONSENT_TYPES: Routes = Routes { pages: consent_types_pages, search: Some(search_box), ahead: None };

fn consent_types_pages() -> AnyView {
    complete_navigations();
    let path = use_location().pathname;
    let page = Memo::new(move |_| ConsentsPath::parse(&path.get()));
    let here = shown_here(Bundle::ConsentTypes);
    (move || match page.get() {
        _ if !here.get() => ().into_any(),
        ConsentsPath::Types => view! { <TypeNamesPage/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    })
    .into_any()
}

/// Admins and agents, the customer page (its own bundle, `people`): one person across D1, MasCustomers and the
/// consents. Agents read; customers are refused.
pub const PEOPLE: Routes = Routes { pages: people_pages, search: Some(search_box), ahead: None };

fn people_pages() -> AnyView {
    complete_navigations();
    let path = use_location().pathname;
    let page = Memo::new(move |_| AccountsPath::parse(&path.get()));
    let here = shown_here(Bundle::People);
    (move || match page.get() {
        _ if !here.get() => ().into_any(),
        AccountsPath::Customer { person } => view! { <CustomerPage person/> }.into_any(),
        // The account page is the accounts bundle's: `shown_here` loads it.
        AccountsPath::Account { .. } | AccountsPath::NotFound => view! { <NotFound/> }.into_any(),
    })
    .into_any()
}

/// Admins and agents, one MasCustomers account (its own bundle, beside the customer page's).
pub const ACCOUNTS: Routes = Routes { pages: accounts_pages, search: Some(search_box), ahead: None };

fn accounts_pages() -> AnyView {
    complete_navigations();
    let path = use_location().pathname;
    let page = Memo::new(move |_| AccountsPath::parse(&path.get()));
    let here = shown_here(Bundle::Accounts);
    (move || match page.get() {
        _ if !here.get() => ().into_any(),
        AccountsPath::Account { person, account } => view! { <AccountPage person account/> }.into_any(),
        AccountsPath::Customer { .. } | AccountsPath::NotFound => view! { <NotFound/> }.into_any(),
    })
    .into_any()
}

/// End users' start: the documents that need their consent. (A customer's "/" is replaced by "/me" before
/// the router starts.)
pub const CUSTOMER: Routes = Routes { pages: customer_pages, search: None, ahead: None };

fn customer_pages() -> AnyView {
    complete_navigations();
    crate::me::provide();
    let path = use_location().pathname;
    let page = Memo::new(move |_| CustomerPath::parse(&path.get()));
    let here = shown_here(Bundle::Customer);
    (move || match page.get() {
        _ if !here.get() => ().into_any(),
        CustomerPath::Documents => crate::me::inbox_page(),
        _ => view! { <NotFound/> }.into_any(),
    })
    .into_any()
}

/// End users' agreement (its own bundle, so that the inbox stays small): a document to read and accept.
pub const AGREEMENTS: Routes = Routes { pages: agreements_pages, search: None, ahead: None };

fn agreements_pages() -> AnyView {
    complete_navigations();
    crate::me::provide();
    let path = use_location().pathname;
    let page = Memo::new(move |_| CustomerPath::parse(&path.get()));
    let here = shown_here(Bundle::Agreements);
    (move || match page.get() {
        _ if !here.get() => ().into_any(),
        CustomerPath::Document { consent } => crate::me::document_page(consent),
        _ => view! { <NotFound/> }.into_any(),
    })
    .into_any()
}

/// End users' history (its own bundle, apart from the document's): what they accepted, and revoke.
pub const HISTORY: Routes = Routes { pages: history_pages, search: None, ahead: None };

fn history_pages() -> AnyView {
    complete_navigations();
    crate::me::provide();
    let path = use_location().pathname;
    let page = Memo::new(move |_| CustomerPath::parse(&path.get()));
    let here = shown_here(Bundle::History);
    (move || match page.get() {
        _ if !here.get() => ().into_any(),
        CustomerPath::History => crate::me::history_page(),
        _ => view! { <NotFound/> }.into_any(),
    })
    .into_any()
}

/// The router writes a new path into the address bar (and history) only once the page for it is ready,
/// which its `Routes` would say; the pages here render at once, so they say so after every change of path.
fn complete_navigations() {
    let location = use_context::<BrowserUrl>();
    let path = use_location().pathname;
    Effect::new(move |_| {
        path.track();
        if let Some(location) = &location {
            location.ready_to_complete();
        }
    });
}

/// Whether this bundle shows the current path. A link to the other role's pages (the start page from a
/// staff member's "My documents", "My documents" from a staff page a customer was sent to) is not: then
/// the page is loaded whole, and `boot.js` picks the bundle for it.
fn shown_here(this: Bundle) -> Memo<bool> {
    let location = use_location();
    let role = use_role();
    let here = Memo::new(move |_| location.pathname.with(|path| Bundle::for_path(path, Some(role.clone())) == this));
    Effect::new(move |_| {
        if !here.get() {
            let search = location.search.get_untracked();
            let query = if search.is_empty() { String::new() } else { format!("?{}", search.trim_start_matches('?')) };
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign(&format!("{}{query}", location.pathname.get_untracked()));
            }
        }
    });
    here
}

/// The staff page the URL names, with its ids decoded (provided by [`STAFF`]).
pub fn use_staff_path() -> Memo<StaffPath> {
    expect_context::<Memo<StaffPath>>()
}
