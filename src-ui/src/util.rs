//! Small browser helpers: correlation ids, the local clock, focus and leaving the app.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Local, NaiveDate};
use wasm_bindgen::JsCast;

/// A fresh correlation id for one use case (a UUID: letters, digits and '-', as the API allows).
pub fn new_cid() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("console-{}", js_sys::Date::now() as u64))
}

/// Today in the browser's time zone.
pub fn today() -> NaiveDate {
    Local::now().date_naive()
}

/// Focuses the first element matching `selector`, if any.
pub fn focus_selector(selector: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Where the page's own static route for "you have signed out" lives.
pub const SIGNED_OUT: &str = "/signed-out";

/// The in-app path and query the window is at, to come back to after signing in.
pub fn current_path() -> String {
    web_sys::window()
        .map(|w| w.location())
        .map(|l| format!("{}{}", l.pathname().unwrap_or_default(), l.search().unwrap_or_default()))
        .unwrap_or_else(|| "/".into())
}

/// A full-page navigation (leaving the app: sign-in runs on the gateway and the authorization server).
pub fn leave_to(url: &str) {
    set_leaving(true);
    if let Some(w) = web_sys::window() {
        let _ = w.location().assign(url);
    }
}

/// Set once the page is on its way elsewhere: a poll refused (401) while the person signs out must not
/// send them to sign in instead of "you have signed out". (A page brought back from the back/forward
/// cache is loaded afresh by `boot.js`, so this never outlives the page it was set in.)
static LEAVING: AtomicBool = AtomicBool::new(false);

/// Whether the page has been sent elsewhere ([`leave_to`]), or is signing out: it asks nothing more.
pub fn leaving() -> bool {
    LEAVING.load(Ordering::Relaxed)
}

/// Marks the page as leaving before it knows where (signing out, until the gateway answers), or not
/// (the sign-out failed: the page stays and works on).
pub fn set_leaving(leaving: bool) {
    LEAVING.store(leaving, Ordering::Relaxed);
}

/// The session ended while nobody was acting (a background poll was refused): off to `/signed-out`,
/// which says so and offers to sign in back to here. Not straight to sign-in: a sign-in service that
/// still remembers the person would sign them in at once, and the page would reopen a customer's data
/// at an empty desk.
pub fn session_ended_here() {
    if !leaving() {
        leave_to(&format!("{SIGNED_OUT}?{ENDED_AT}={}", console_api::transport::encode_component(&current_path())));
    }
}

/// The `/signed-out` query key of the page a session ended on ([`session_ended_here`]).
pub const ENDED_AT: &str = "from";

/// Off to sign in, coming back to where the window is now; nothing if the page is already leaving.
pub fn sign_in_here() {
    if !leaving() {
        leave_to(&console_api::gateway::sign_in_url(&current_path()));
    }
}
