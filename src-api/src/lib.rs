//! The console's contract with the outside world, shared by every other crate.
//!
//! * [`validate`]: every pattern and length the API documents (`../shared/seeds/`) impose, as functions that
//!   say what to fix. The UI runs them before any request, the sandbox runs them to refuse bad input.
//! * [`d1`]: serde models of Thales D1's consumer operations API, decoding unknown enum values without failing.
//! * [`transport`]: the one seam between the typed clients and the network ([`transport::Transport`]).
//! * [`d1_client`]: the typed D1 client (used natively by `console-link` against the real upstream).
//! * [`gateway`]: the console's own `/api` surface between the page and the Rust side, and its typed client
//!   (used by the UI over HTTP or Tauri IPC).
//! * [`directory`]: the bank's customer directory (one person's id in D1, MasCustomers and Apiture) and
//!   its typed client.
//! * [`consents_staff`]: the staff consent area's query, pages, write bodies, previews and campaign.
//! * [`mas`]: MasStack MasCustomers v4's wire models (seed 003) and their checks (uuid, dates, IBAN);
//!   [`mas_client`]: its typed client.
//! * [`secret`]: constant-time comparison of secrets, for the gateway and the sandbox.
//! * [`i18n`]: the end user's pages in English, Spanish and French (a typed catalog).
//! * [`timeline`] and [`export`]: pure domain logic the UI renders; [`page`]: the pages' state and wording.
//!
//! This crate compiles for `wasm32-unknown-unknown` and natively: it does no I/O of its own.

pub mod consents;
pub mod consents_staff;
pub mod d1;
pub mod d1_client;
pub mod directory;
pub mod export;
pub mod gateway;
pub mod i18n;
pub mod mas;
pub mod mas_client;
pub mod page;
pub mod route;
pub mod secret;
pub mod timeline;
pub mod transport;
pub mod validate;

mod string_enum;
