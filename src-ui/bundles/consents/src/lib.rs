//! The staff consent area's consents bundle (admins and agents): the shared shell with the explorer and a
//! consent's detail. The area is three bundles (this, `documents`, `consent_types`), so that none of its
//! routes' first loads passes the staff budget and the staff timeline's does not grow; links between them
//! are full loads (see `console_ui::routes`).

#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_ui::start(console_ui::routes::CONSENTS);
}
