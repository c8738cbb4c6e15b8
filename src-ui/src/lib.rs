//! The Leptos front end (wasm32): pages, components, state, and the transports to the Rust side.
