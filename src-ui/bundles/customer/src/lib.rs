//! The end user's start: the shared shell with the inbox of "My documents" only, so that a customer never downloads
//! the staff console (see `console_ui::routes`).

#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_ui::start(console_ui::routes::CUSTOMER);
}
