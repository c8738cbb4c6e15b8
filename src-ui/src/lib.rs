//! The Leptos front end (wasm32): pages, components, state, and the transports to the Rust side.
//!
//! The page only ever talks to the console's own Rust side, the gateway on the same origin or the desktop
//! app (see [`transport`]); pure logic
//! (paging counts, forms, wording, chart geometry) lives in `console_api::page` and `console_api::timeline`.

mod accounts;
mod app;
mod common;
mod consents;
mod customers;
mod delete;
mod detail;
mod drafts;
mod home;
mod me;
mod menu;
pub mod routes;
mod search;
mod session;
mod timeline;
pub mod transport;
mod util;

pub use app::App;

/// Asks who is signed in, then mounts the console for them: built once from plain values, no view switching
/// on the session. Until then the stylesheet shows an empty bar (`body:not(:has(> .topbar))`), so nothing of
/// any role's console shows early, and nobody on the way to sign in sees more.
///
/// A bundle may ask, as soon as the session is known, the first data its page will need
/// ([`routes::Routes::ahead`]: the staff timeline's first page), and the mount waits up to 250 ms for it.
///
/// Called by each bundle's entry (`src-ui/bundles/*`) with its route table.
pub fn start(routes: routes::Routes) {
    wasm_bindgen_futures::spawn_local(async move {
        let client = transport::client();
        if let Some(session) = session::ask(&client).await {
            let ahead = routes.ahead.and_then(|ask| ask(&client, &session));
            if let Some(ahead) = &ahead {
                // A first page that comes within a quarter of a second is mounted with the page, in one
                // frame; one that takes longer gets the skeleton meanwhile.
                ahead.settled_within(std::time::Duration::from_millis(250)).await;
            }
            leptos::mount::mount_to_body(move || {
                if let Some(ahead) = ahead {
                    leptos::prelude::provide_context(ahead);
                }
                leptos::view! { <App client=client session=session routes=routes/> }
            });
        }
    });
}
