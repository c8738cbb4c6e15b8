//! The Leptos front end (wasm32): pages, components, state, and the transports to the Rust side.
//!
//! The page only ever talks to the console's own gateway on the same origin (see [`transport`]); pure logic
//! (paging counts, forms, wording, chart geometry) lives in `console_api::page` and `console_api::timeline`.

mod accounts;
mod app;
mod common;
mod delete;
mod detail;
mod drafts;
mod me;
mod menu;
mod search;
mod session;
mod timeline;
pub mod transport;
mod util;

pub use app::App;

/// Mounts the console on `<body>` once the module is loaded.
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}
