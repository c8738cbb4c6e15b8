//! The end user's agreements: the shared shell with a document to read and accept and the history of what
//! was accepted (see `console_ui::routes`). Apart from the inbox's bundle so that `/me`, every customer's
//! first load, carries neither.

#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_ui::start(console_ui::routes::AGREEMENTS);
}
