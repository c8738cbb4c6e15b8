//! The end user's agreement: the shared shell with a document to read and accept (see
//! `console_ui::routes`). Apart from the inbox's and the history's bundles so that each of the three
//! end-user routes loads only its own page.

#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_ui::start(console_ui::routes::AGREEMENTS);
}
