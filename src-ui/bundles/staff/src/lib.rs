//! The staff console's bundle (admins and agents): the shared shell with the staff routes. Link-time
//! optimisation leaves out every screen these routes do not reach (see `console_ui::routes`).

#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_ui::start(console_ui::routes::STAFF);
}
