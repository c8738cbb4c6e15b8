//! Small browser helpers: correlation ids, downloads, the local clock.

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

/// Saves `text` as a file through a Blob, an object URL and a temporary `<a download>`.
pub fn download(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    let err = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(err)?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(err)?.unchecked_into();
    a.set_href(&url);
    a.set_download(filename);
    a.set_class_name("visually-hidden");
    let body = document.body().ok_or("no body")?;
    body.append_child(&a).map_err(err)?;
    a.click();
    a.remove();
    // Revoke after the click has been handled.
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(2),
    );
    Ok(())
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
