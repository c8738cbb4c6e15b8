//! What every command shares: the active profile, who answers the page's `/api` calls now, the keychain.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use console_api::gateway::{Environment, SessionInfo};

use crate::api::{ApiHost, SignedOutHost};
use crate::dialogs::Dialogs;
use crate::keychain::Keychain;
use crate::profile::{Profile, Profiles};

pub const PRODUCT: &str = "Consent & Operations Console";

pub struct AppState {
    /// Swapped at sign-in and sign-out (and when the profile changes): a call already under way finishes
    /// on the host it started with.
    host: RwLock<Arc<dyn ApiHost>>,
    /// Where refresh tokens, the D1 key and the service secrets are kept (probed once at start).
    pub keychain: Arc<Keychain>,
    /// The profiles (`profiles.toml` in the app's config folder).
    pub profiles: Mutex<Profiles>,
    active: RwLock<Profile>,
    /// The audit log the service appends to (JSON lines in the app's data folder); `None`: the tracing log
    /// only (tests).
    pub audit_log: Option<PathBuf>,
    /// Set once the first call of the run has tried to take up a kept sign-in (`crate::commands::api`).
    pub resumed: tokio::sync::OnceCell<()>,
    /// The dialogs the app opens, when not the desktop's own ([`crate::dialogs::for_app`]): tests' scripts.
    pub dialogs: Option<Arc<dyn Dialogs>>,
}

impl AppState {
    /// Nobody signed in yet, in the profiles' active one.
    pub fn signed_out(profiles: Profiles, keychain: Keychain, audit_log: Option<PathBuf>) -> Self {
        let active = profiles.active();
        let host = Arc::new(SignedOutHost { session: signed_out_session(active.environment.clone()) });
        AppState {
            host: RwLock::new(host),
            keychain: Arc::new(keychain),
            profiles: Mutex::new(profiles),
            active: RwLock::new(active),
            audit_log,
            resumed: tokio::sync::OnceCell::new(),
            dialogs: None,
        }
    }

    /// The same, its dialogs answered by `dialogs`.
    pub fn with_dialogs(self, dialogs: Arc<dyn Dialogs>) -> Self {
        AppState { dialogs: Some(dialogs), ..self }
    }

    pub fn host(&self) -> Arc<dyn ApiHost> {
        // A poisoned lock still holds a whole Arc: a panic elsewhere cannot leave it half-written.
        self.host.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_host(&self, host: Arc<dyn ApiHost>) {
        *self.host.write().unwrap_or_else(|p| p.into_inner()) = host;
    }

    /// The profile the app works in now.
    pub fn profile(&self) -> Profile {
        self.active.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Works in `profile` from now on, signed out: nothing of the previous environment's answers is kept.
    pub fn switch_to(&self, profile: Profile) {
        *self.active.write().unwrap_or_else(|p| p.into_inner()) = profile;
        self.forget_caller();
    }

    /// Nobody is signed in any more: the next call is answered as before any sign-in.
    pub fn forget_caller(&self) {
        let environment = self.profile().environment;
        self.set_host(Arc::new(SignedOutHost { session: signed_out_session(environment) }));
    }
}

/// `/api/session`'s answer when nobody is signed in.
pub fn signed_out_session(environment: Environment) -> SessionInfo {
    SessionInfo {
        environment,
        product: PRODUCT.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        user: None,
        issuer_id: None,
        csrf_token: None,
    }
}
