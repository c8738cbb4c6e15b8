//! Who is signed in: asked once, before the console is mounted, and the user shared through context as a
//! plain value (no global state, and no signal: it never changes during a page's life, since a new sign-in
//! is a new page load).

use console_api::gateway::{ClientError, Role, SessionInfo, SignedInUser};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::transport::Client;
use crate::util::{sign_in_here, SIGNED_OUT};

/// Asks the gateway who is signed in. `None`: nobody is (outside `/signed-out`), and the window is already
/// on its way to sign in, so nothing of the console is mounted.
pub async fn ask(client: &Client) -> Option<Result<SessionInfo, ClientError>> {
    let result = client.session().await.map(|r| r.value);
    let path = web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
    match &result {
        Ok(SessionInfo { user: None, .. }) if path != SIGNED_OUT => {
            sign_in_here();
            return None;
        }
        // A customer's start is their own documents. Replaced before the router reads the URL, so that Back
        // does not bounce through "/".
        Ok(SessionInfo { user: Some(u), .. }) if path == "/" && u.role == Role::Customer => {
            if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(u.role.home()));
            }
        }
        _ => {}
    }
    Some(result)
}

/// Who is signed in (the pages are routed only then; see `crate::app::App`).
pub fn use_user() -> SignedInUser {
    expect_context::<SignedInUser>()
}

/// The signed-in role.
pub fn use_role() -> Role {
    use_user().role
}
