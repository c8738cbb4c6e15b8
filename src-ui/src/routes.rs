//! The route table of each bundle. The page ships as one bundle per role (`src-ui/bundles/`), each a
//! thin crate that starts the shared shell with one of these tables: a table names the only screens its
//! bundle contains, and link-time optimisation leaves out the rest. `boot.js` picks the bundle from the
//! path (`/me` is the end user's), so a route belongs to exactly one table.

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Routes as RouteTable};
use leptos_router::path;

use crate::app::NotFound;
use crate::detail::OperationDrawer;
use crate::home::Home;
use crate::me::MyDocuments;
use crate::timeline::{ConsumerPage, NoDrawer};

/// A bundle's routes, rendered inside the shell's router once someone is signed in.
pub type Routes = fn() -> AnyView;

/// Admins and agents: the start page and the consumer timeline with its drawer.
pub const STAFF: Routes = || {
    view! {
        <RouteTable fallback=NotFound>
            <Route path=path!("/") view=Home/>
            <ParentRoute path=path!("/consumers/:consumer") view=ConsumerPage>
                <Route path=path!("") view=NoDrawer/>
                <Route path=path!("operations/:operation") view=OperationDrawer/>
            </ParentRoute>
        </RouteTable>
    }
    .into_any()
};

/// End users: their documents. (A customer's "/" is replaced by "/me" before the router starts.)
pub const CUSTOMER: Routes = || {
    view! {
        <RouteTable fallback=NotFound>
            <Route path=path!("/me") view=MyDocuments/>
        </RouteTable>
    }
    .into_any()
};
