//! Who is signed in: asked once when the page starts, shared through context (no global state).
//!
//! The role never changes during a page's life (a new sign-in is a new page load), so components read it
//! once, untracked, when they are built.

use console_api::gateway::{ClientError, Role, SessionInfo, SignedInUser};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;

use crate::transport::Client;
use crate::util::{current_path, sign_in_here, SIGNED_OUT};

/// `None` while `GET /api/session` is in flight; set once.
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<Option<Result<SessionInfo, ClientError>>>);

impl Session {
    /// The signed-in person (tracked).
    pub fn user(&self) -> Option<SignedInUser> {
        self.0.with(|s| s.as_ref().and_then(|r| r.as_ref().ok()).and_then(|i| i.user.clone()))
    }
}

/// Asks the gateway once and provides the answer. Nobody signed in (outside `/signed-out`): the window goes
/// to sign in at once, and the signal stays empty so that nothing of the console shows meanwhile.
pub fn start(client: Client) -> Session {
    let session = Session(RwSignal::new(None));
    provide_context(session);
    spawn_local(async move {
        let result = client.session().await.map(|r| r.value);
        let here = current_path();
        let path = here.split('?').next().unwrap_or_default();
        match &result {
            Ok(SessionInfo { user: None, .. }) if path != SIGNED_OUT => {
                sign_in_here();
                return;
            }
            // A customer's start is their own documents. Replaced before the router reads the URL, so that
            // Back does not bounce through "/".
            Ok(SessionInfo { user: Some(u), .. }) if path == "/" && u.role == Role::Customer => {
                if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                    let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(u.role.home()));
                }
            }
            _ => {}
        }
        session.0.try_set(Some(result));
    });
    session
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// The signed-in role. Pages render only once someone is signed in; a role nobody knows may do nothing.
pub fn use_role() -> Role {
    use_session().0.with_untracked(|s| match s {
        Some(Ok(SessionInfo { user: Some(u), .. })) => u.role.clone(),
        _ => Role::Other(String::new()),
    })
}
