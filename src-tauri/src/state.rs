//! What every command shares: the active profile, who answers the page's `/api` calls now, the keychain.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use console_api::gateway::{Environment, SessionInfo};
use console_link::service::AuditLog;

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
    /// The same log, open for the lines of the app's own settings changes (`crate::settings_api`), or why
    /// it could not be opened: then no such change is made.
    pub settings_audit: Result<AuditLog, String>,
    /// Set once the first call of the run has tried to take up a kept sign-in (`crate::commands::api`).
    pub resumed: tokio::sync::OnceCell<()>,
    /// The dialogs the app opens, when not the desktop's own ([`crate::dialogs::for_app`]): tests' scripts.
    pub dialogs: Option<Arc<dyn Dialogs>>,
    /// The sign-in under way, if one is: its number and what calls it off (`crate::commands::sign_in`).
    /// One at a time: a newer one, or Cancel, calls it off until the browser is back; after that it
    /// finishes, and the message finds nobody listening.
    pending_sign_in: Mutex<Option<(u64, tokio::sync::oneshot::Sender<&'static str>)>>,
    /// Numbers the sign-ins, so that one that ends forgets itself and never a newer one.
    sign_ins: std::sync::atomic::AtomicU64,
    /// Held by the settings change under way (`crate::settings_api`), which may wait on a dialog.
    pub one_settings_change: tokio::sync::Mutex<()>,
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
            settings_audit: AuditLog::open(audit_log.as_deref()).map_err(|e| e.to_string()),
            audit_log,
            resumed: tokio::sync::OnceCell::new(),
            dialogs: None,
            pending_sign_in: Mutex::new(None),
            sign_ins: std::sync::atomic::AtomicU64::new(0),
            one_settings_change: tokio::sync::Mutex::new(()),
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

    /// A new sign-in, made the pending one, ending the one before it (a page reloaded while its sign-in
    /// waited starts again, and the older listener must not wait on for 5 minutes). It stops being the
    /// pending one when dropped; [`PendingSignIn::called_off`] says when and why it is called off.
    pub fn begin_sign_in(&self) -> PendingSignIn<'_> {
        let number = self.sign_ins.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let (call_off, called_off) = tokio::sync::oneshot::channel();
        let older = self.pending_sign_in.lock().unwrap_or_else(|p| p.into_inner()).replace((number, call_off));
        if let Some((_, older)) = older {
            let _ = older.send("replaced by a newer sign-in");
        }
        PendingSignIn { state: self, number, called_off: Some(called_off) }
    }

    /// The sign-in numbered `number` is over: forgotten, unless a newer one has taken its place.
    fn end_sign_in(&self, number: u64) {
        let mut pending = self.pending_sign_in.lock().unwrap_or_else(|p| p.into_inner());
        if pending.as_ref().is_some_and(|(pending, _)| *pending == number) {
            *pending = None;
        }
    }

    /// Ends the pending sign-in, if any (the page's Cancel). Whether there was one.
    pub fn cancel_sign_in(&self) -> bool {
        let pending = self.pending_sign_in.lock().unwrap_or_else(|p| p.into_inner()).take();
        pending.is_some_and(|(_, cancel)| cancel.send("cancelled").is_ok())
    }

    /// Nobody is signed in any more: the next call is answered as before any sign-in.
    pub fn forget_caller(&self) {
        let environment = self.profile().environment;
        self.set_host(Arc::new(SignedOutHost { session: signed_out_session(environment) }));
    }
}

/// A sign-in under way, from [`AppState::begin_sign_in`] until dropped.
pub struct PendingSignIn<'a> {
    state: &'a AppState,
    number: u64,
    called_off: Option<tokio::sync::oneshot::Receiver<&'static str>>,
}

impl PendingSignIn<'_> {
    /// Resolves, with why, when the sign-in is called off (Cancel, or a newer sign-in); never otherwise.
    pub fn called_off(&mut self) -> impl std::future::Future<Output = &'static str> + use<> {
        let called_off = self.called_off.take();
        async move {
            match called_off {
                Some(called_off) => called_off.await.unwrap_or("ended"),
                None => std::future::pending().await,
            }
        }
    }
}

impl Drop for PendingSignIn<'_> {
    fn drop(&mut self) {
        self.state.end_sign_in(self.number);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_sign_in_or_cancel_ends_the_one_waiting_and_an_older_one_never_forgets_a_newer() {
        let path = std::env::temp_dir().join("console-state-tests/profiles.toml");
        let sandbox = Profile::sandbox(&"http://127.0.0.1:8081/".parse().unwrap()).unwrap();
        let state = AppState::signed_out(Profiles::load(&path, sandbox).unwrap(), Keychain::memory_only("tests"), None);
        let now = |future: &mut std::pin::Pin<Box<dyn std::future::Future<Output = &'static str>>>| {
            let waker = std::task::Waker::noop();
            match future.as_mut().poll(&mut std::task::Context::from_waker(waker)) {
                std::task::Poll::Ready(why) => Some(why),
                std::task::Poll::Pending => None,
            }
        };
        let mut first = state.begin_sign_in();
        let mut first_called_off: std::pin::Pin<Box<dyn std::future::Future<Output = &'static str>>> = Box::pin(first.called_off());
        let mut second = state.begin_sign_in();
        let mut second_called_off: std::pin::Pin<Box<dyn std::future::Future<Output = &'static str>>> = Box::pin(second.called_off());
        assert_eq!(now(&mut first_called_off), Some("replaced by a newer sign-in"));
        // The first one, ending, leaves the second pending.
        drop(first);
        assert_eq!(now(&mut second_called_off), None, "still waiting");
        assert!(state.cancel_sign_in());
        assert_eq!(now(&mut second_called_off), Some("cancelled"));
        assert!(!state.cancel_sign_in(), "nothing left to cancel");
        drop(second);
        assert!(state.pending_sign_in.lock().unwrap().is_none());
        // One that ends on its own forgets itself; one whose call-off is gone (the browser is back)
        // cannot be cancelled any more.
        drop(state.begin_sign_in());
        assert!(state.pending_sign_in.lock().unwrap().is_none(), "forgotten when it ends");
        let mut third = state.begin_sign_in();
        drop(third.called_off());
        assert!(!state.cancel_sign_in(), "too late to cancel");
    }
}
