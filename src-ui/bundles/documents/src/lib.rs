//! The staff consent area's documents bundle (admins and agents): the shared shell with the documents in
//! use (revise with its impact first, move, rescind) and a revision's re-consent campaign. Its own bundle:
//! with the consents and the type names the area's first load was over the staff budget (see
//! ARCHITECTURE.md, "The page's bundles"); links to the other areas are full loads.

#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_ui::start(console_ui::routes::DOCUMENTS);
}
