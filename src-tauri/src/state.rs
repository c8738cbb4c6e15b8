//! What every command shares: who answers the page's `/api` calls now.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use console_api::gateway::{ApiProblem, Environment, SessionInfo};
use console_link::user_auth::UserTokens;

use crate::api::{ApiHost, SignedOutHost};
use crate::keychain::Keychain;
use crate::sign_in::SignInSettings;

/// Makes the host that answers for a person once they are signed in: the console's service router
/// (`console_link::service`) with their `Caller`. Plugged in by whoever builds the app's state.
pub type ServiceFactory = Arc<dyn Fn(UserTokens) -> Result<Arc<dyn ApiHost>, ApiProblem> + Send + Sync>;

/// The environment the app works in (from its profile).
#[derive(Clone, Debug)]
pub struct ActiveEnvironment {
    pub environment: Environment,
    /// The profile's name: keychain entries are per profile.
    pub name: String,
    pub sign_in: SignInSettings,
}

impl ActiveEnvironment {
    /// The local sandbox at `base` (`http://127.0.0.1:8081` for `cargo xtask desktop`), signing in as its
    /// public client `console-desktop`.
    pub fn sandbox(base: &url::Url) -> Result<Self, url::ParseError> {
        Ok(ActiveEnvironment {
            environment: Environment::Sandbox,
            name: "sandbox".into(),
            sign_in: SignInSettings {
                auth_base: base.join("auth")?,
                audience: "sandbox-banking-apis".into(),
                client_id: "console-desktop".into(),
                scopes: Vec::new(),
                http_timeout: Duration::from_secs(15),
            },
        })
    }
}

pub const PRODUCT: &str = "Consent & Operations Console";

pub struct AppState {
    /// Swapped at sign-in and sign-out (and when the environment changes): a call already under way
    /// finishes on the host it started with.
    host: RwLock<Arc<dyn ApiHost>>,
    /// Where refresh tokens and the D1 key are kept (probed once at start).
    pub keychain: Arc<Keychain>,
    pub environment: ActiveEnvironment,
    /// `None`: this build has no service to sign in to (see [`ServiceFactory`]).
    pub services: Option<ServiceFactory>,
}

impl AppState {
    /// Nobody signed in yet.
    pub fn signed_out(environment: ActiveEnvironment, keychain: Keychain, services: Option<ServiceFactory>) -> Self {
        let host = Arc::new(SignedOutHost { session: signed_out_session(environment.environment.clone()) });
        AppState { host: RwLock::new(host), keychain: Arc::new(keychain), environment, services }
    }

    pub fn host(&self) -> Arc<dyn ApiHost> {
        // A poisoned lock still holds a whole Arc: a panic elsewhere cannot leave it half-written.
        self.host.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_host(&self, host: Arc<dyn ApiHost>) {
        *self.host.write().unwrap_or_else(|p| p.into_inner()) = host;
    }

    /// Nobody is signed in any more: the next call is answered as before any sign-in.
    pub fn forget_caller(&self) {
        self.set_host(Arc::new(SignedOutHost { session: signed_out_session(self.environment.environment.clone()) }));
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
