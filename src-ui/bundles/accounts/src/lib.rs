//! The account page's bundle (admins and agents): the shared shell with
//! `/customers/{personId}/accounts/{accountId}`, one MasCustomers account (payment method, billing
//! addresses, promotions). The customer page is the `people` bundle's, so that each route stays within
//! its budget; links between them are full loads (see `console_ui::routes`).

#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_ui::start(console_ui::routes::ACCOUNTS);
}
