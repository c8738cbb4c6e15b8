//! The customer area's bundle (admins and agents): the shared shell with a person's customer page (D1,
//! MasCustomers accounts and consents side by side) and an account's page (payment method, billing
//! addresses, promotions). A bundle of its own, so that the staff timeline's and the consent area's do not
//! grow; links to the other areas are full loads (see `console_ui::routes`).

#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_ui::start(console_ui::routes::ACCOUNTS);
}
