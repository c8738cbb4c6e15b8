//! The staff consent area's type names bundle (admins and agents): the shared shell with the consent type
//! names editor and its labels per language. Its own bundle: with the consents and the documents the area's
//! first load was over the staff budget (see ARCHITECTURE.md, "The page's bundles"); links to the other
//! areas are full loads.

#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_ui::start(console_ui::routes::CONSENT_TYPES);
}
