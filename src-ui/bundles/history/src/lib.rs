//! The end user's history: the shared shell with what they accepted and the revoke dialog (see
//! `console_ui::routes`). Apart from the inbox's and the document's bundles so that each of the three
//! end-user routes loads only its own page.

#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_ui::start(console_ui::routes::HISTORY);
}
