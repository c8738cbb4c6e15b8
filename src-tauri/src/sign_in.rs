//! Signing a person in as RFC 8252 says for native apps: the system browser (never an embedded window),
//! authorization code + PKCE S256 with a random `state` and OpenID Connect `nonce` (console_link's
//! `UserAuth`, as a public client: no secret), back through the one-shot [`Loopback`] listener.

use std::process::Command;
use std::time::Duration;

use console_link::user_auth::{UserAuth, UserAuthConfig, UserAuthError, UserTokens};
use thiserror::Error;

use crate::loopback::{single_use_path, Loopback, LoopbackError};

/// Test hook: a command that "plays the system browser" (it is run with the authorization URL as its one
/// argument). Without it the opener plugin opens the person's default browser. Only in builds for tests
/// ([`browser_hook`]).
pub const BROWSER_HOOK_ENV: &str = "CONSOLE_DESKTOP_BROWSER";

/// [`BROWSER_HOOK_ENV`]'s command, in the builds that have the hook: debug builds (the end-to-end tests)
/// and the benchmark's build (`--features e2e-hooks`, in its own `bench-app` profile, never where a package
/// is made from). The packaged app has none: whatever its environment says, sign-in goes to the person's
/// own browser.
pub fn browser_hook() -> Option<String> {
    if cfg!(any(debug_assertions, feature = "e2e-hooks")) {
        std::env::var(BROWSER_HOOK_ENV).ok()
    } else {
        None
    }
}

/// Where and as whom the app signs people in (from the environment's profile).
#[derive(Clone, Debug)]
pub struct SignInSettings {
    /// The authorization server's base (`…/auth`), as in `UserAuthConfig::base`.
    pub auth_base: url::Url,
    pub audience: String,
    /// The app's public client id (the sandbox's is `console-desktop`).
    pub client_id: String,
    pub scopes: Vec<String>,
    /// Each back-channel call's time limit.
    pub http_timeout: Duration,
    /// The profile's private CA, if it has one (no client certificate: the app is a public client).
    pub tls: console_link::UpstreamTls,
}

#[derive(Debug, Error)]
pub enum SignInError {
    #[error("could not listen for the sign-in's return on 127.0.0.1: {0}")]
    Listen(String),
    #[error("could not open the browser: {0}")]
    Browser(String),
    #[error(transparent)]
    Callback(#[from] LoopbackError),
    #[error(transparent)]
    Auth(#[from] UserAuthError),
    /// Called off before the browser came back: cancelled in the app, or replaced by a newer sign-in.
    #[error("the sign-in was {0}")]
    Cancelled(&'static str),
}

/// Opens `url` in the system browser, or runs [`BROWSER_HOOK_ENV`]'s command on it when set.
pub fn open_with(hook: Option<String>, open_system_browser: impl FnOnce(&str) -> Result<(), String>) -> impl FnOnce(&str) -> Result<(), String> {
    move |url: &str| match hook {
        // Spawned, not waited for: a real browser stays open.
        Some(command) => Command::new(&command).arg(url).spawn().map(drop).map_err(|e| format!("{command}: {e}")),
        None => open_system_browser(url),
    }
}

/// The whole sign-in: listen, send the browser to the authorization server, wait up to `wait` for it to
/// come back, exchange the code. Tokens stay on the Rust side.
///
/// `called_off` ends it, with why, until the browser is back (the listener then stops with it); once the
/// code is in hand the exchange finishes, so that no tokens are issued only to be dropped unrevoked.
pub async fn sign_in(
    settings: &SignInSettings,
    open_browser: impl FnOnce(&str) -> Result<(), String>,
    wait: Duration,
    called_off: impl std::future::Future<Output = &'static str>,
) -> Result<UserTokens, SignInError> {
    let mut called_off = Box::pin(called_off);
    let mut loopback = Loopback::start(&single_use_path()).await.map_err(|e| SignInError::Listen(e.to_string()))?;
    let auth = UserAuth::with_tls(
        UserAuthConfig {
            base: settings.auth_base.clone(),
            audience: settings.audience.clone(),
            client_id: settings.client_id.clone(),
            // A public client (RFC 8252 section 8.5): an app's binary cannot keep a secret.
            client_secret: String::new(),
            redirect_uri: loopback.redirect_uri().clone(),
            scopes: settings.scopes.clone(),
        },
        settings.http_timeout,
        &settings.tls,
    )?;
    // No sign-in server, no browser: said now, not after the wait.
    tokio::select! {
        biased;
        why = &mut called_off => return Err(SignInError::Cancelled(why)),
        keys = auth.load_keys() => keys?,
    }
    let request = auth.begin();
    loopback.expect(request.state.clone());
    open_browser(request.url.as_str()).map_err(SignInError::Browser)?;
    let code = tokio::select! {
        biased;
        why = &mut called_off => return Err(SignInError::Cancelled(why)),
        code = loopback.code(wait) => code?,
    };
    // Too late to call it off: whoever tries is told so (their message finds nobody listening).
    drop(called_off);
    Ok(auth.exchange(&code, &request.pkce_verifier, &request.nonce).await?)
}

/// The app's client at the authorization server for a call that is not a sign-in (its redirect URI is
/// not used then; a valid URL all the same).
fn back_channel(settings: &SignInSettings) -> Result<UserAuth, UserAuthError> {
    UserAuth::with_tls(
        UserAuthConfig {
            base: settings.auth_base.clone(),
            audience: settings.audience.clone(),
            client_id: settings.client_id.clone(),
            client_secret: String::new(),
            redirect_uri: url::Url::parse("http://127.0.0.1/callback").map_err(|e| UserAuthError::Config(e.to_string()))?,
            scopes: settings.scopes.clone(),
        },
        settings.http_timeout,
        &settings.tls,
    )
}

/// Revokes a refresh token at the authorization server (RFC 7009; the whole sign-in ends there).
pub async fn revoke(settings: &SignInSettings, refresh_token: &str) -> Result<(), UserAuthError> {
    back_channel(settings)?.revoke(refresh_token).await
}

/// New tokens for `sub`'s sign-in from its refresh token (which rotates).
pub async fn refresh(settings: &SignInSettings, refresh_token: &str, sub: &str) -> Result<UserTokens, UserAuthError> {
    back_channel(settings)?.refresh(refresh_token, sub).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn no_sign_in_server_no_browser_and_no_wait() {
        // A port nothing listens on: bound, then let go.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let settings = SignInSettings {
            auth_base: format!("http://127.0.0.1:{port}/auth").parse().unwrap(),
            audience: "a".into(),
            client_id: "console-desktop".into(),
            scopes: vec!["openid".into()],
            http_timeout: Duration::from_secs(2),
            tls: console_link::UpstreamTls::default(),
        };
        let started = std::time::Instant::now();
        let opened = std::sync::atomic::AtomicBool::new(false);
        let never = std::future::pending();
        let outcome = sign_in(&settings, |_| Ok(opened.store(true, std::sync::atomic::Ordering::SeqCst)), Duration::from_secs(300), never).await;
        assert!(matches!(outcome, Err(SignInError::Auth(UserAuthError::Unreachable(_)))), "{outcome:?}");
        assert!(!opened.load(std::sync::atomic::Ordering::SeqCst), "no browser sent to a server that does not answer");
        assert!(started.elapsed() < Duration::from_secs(10), "said at once, not after the sign-in's wait");
    }
}
