//! The customer page's bundle, `people` (admins and agents; named apart from `customer`, the end user's
//! bundle): the shared shell with `/customers/{personId}`, one
//! person's D1 consumer, MasCustomers accounts and consents side by side. The account pages are the
//! `accounts` bundle's: the two together weighed 242 KB of brotli against the 200 KB route budget
//! (measured), each alone is within it. Links between them are full loads (see `console_ui::routes`).

#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_ui::start(console_ui::routes::PEOPLE);
}
