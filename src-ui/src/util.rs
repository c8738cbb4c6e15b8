//! Small browser helpers: correlation ids, the local clock, focus and leaving the app.

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
    if let Some(w) = web_sys::window() {
        let _ = w.location().assign(url);
    }
}

/// Off to sign in, coming back to where the window is now.
pub fn sign_in_here() {
    leave_to(&console_api::gateway::sign_in_url(&current_path()));
}
