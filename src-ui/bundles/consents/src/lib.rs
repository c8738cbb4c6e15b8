//! The staff consent area's bundle (admins and agents): the shared shell with the explorer, a consent's
//! detail, the documents and their campaigns, and the type names. A bundle of its own, so that the staff
//! timeline's bundle does not grow; links between the two areas are full loads (see `console_ui::routes`).

#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_ui::start(console_ui::routes::CONSENTS);
}
