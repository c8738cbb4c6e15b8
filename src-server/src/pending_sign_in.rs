//! The sign-in in progress, between `/auth/login` and `/auth/callback`, carried by the browser.
//!
//! Nothing is stored on the server before the callback, so anonymous requests cannot fill its memory.
//! Each sign-in gets its own cookie, named after its `state` (so two tabs can sign in at once), whose value
//! is the PKCE verifier, the OpenID Connect nonce, the path to return to and the start time, sealed with
//! AES-256-GCM under a key made at start (the `cookie` crate's private cookies; the cookie's name is the
//! associated data, so a value moved under another name does not open). A restart voids the sign-ins in
//! progress, nothing else. The cookie also binds the callback to the browser that started the sign-in
//! (login CSRF): another browser has no cookie for that `state`.

use std::time::Duration;

use axum::http::HeaderMap;
use base64::Engine;
use cookie::{Cookie, CookieJar, Key};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// How long someone may take on the authorization server's page.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// A sign-in that has not come back from the authorization server yet. Holds secrets: not `Debug`.
#[derive(Serialize, Deserialize)]
pub struct PendingSignIn {
    pub state: String,
    pub pkce_verifier: String,
    pub nonce: String,
    pub return_to: String,
    /// Unix seconds: the cookie's Max-Age is the browser's word, this is ours.
    pub started: u64,
}

/// Why a callback's pending sign-in could not be read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PendingError {
    #[error("this browser holds no sign-in for this state: it was already used, timed out, or started in another browser")]
    Missing,
    #[error("the sign-in cookie does not open: altered, or sealed before the gateway restarted")]
    Unreadable,
    #[error("the sign-in cookie belongs to another sign-in")]
    OtherState,
    #[error("the sign-in started more than 10 minutes ago")]
    Expired,
}

/// Seals and opens pending sign-ins with this process's key.
pub struct PendingSignIns {
    key: Key,
    secure: bool,
}

impl PendingSignIns {
    /// A fresh random key; `secure` (https) gives the cookies the `__Host-` prefix.
    pub fn new(secure: bool) -> Self {
        PendingSignIns { key: Key::generate(), secure }
    }

    /// `console_login_` and 72 bits of SHA-256 of the state: one name per sign-in, fixed length.
    pub fn cookie_name(&self, state: &str) -> String {
        let hash = Sha256::digest(state.as_bytes());
        let short = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&hash[..9]);
        let prefix = if self.secure { "__Host-" } else { "" };
        format!("{prefix}console_login_{short}")
    }

    /// The cookie's name and sealed value.
    pub fn seal(&self, pending: &PendingSignIn) -> (String, String) {
        let name = self.cookie_name(&pending.state);
        // Serializing a struct of strings and a number cannot fail.
        let plain = serde_json::to_string(pending).unwrap_or_default();
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key).add(Cookie::new(name.clone(), plain));
        let sealed = jar.get(&name).map(|c| c.value().to_string()).unwrap_or_default();
        (name, sealed)
    }

    /// The pending sign-in of `state` from the request's cookies, checked against `now` (unix seconds).
    pub fn open(&self, headers: &HeaderMap, state: &str, now: u64) -> Result<PendingSignIn, PendingError> {
        let name = self.cookie_name(state);
        let sealed = crate::auth::cookie(headers, &name).ok_or(PendingError::Missing)?;
        let jar = CookieJar::new();
        let plain = jar
            .private(&self.key)
            .decrypt(Cookie::new(name, sealed.to_string()))
            .ok_or(PendingError::Unreadable)?;
        let pending: PendingSignIn = serde_json::from_str(plain.value()).map_err(|_| PendingError::Unreadable)?;
        if !crate::session::same_secret(&pending.state, state) {
            return Err(PendingError::OtherState);
        }
        if now.saturating_sub(pending.started) >= SIGN_IN_TIMEOUT.as_secs() || pending.started > now + 60 {
            return Err(PendingError::Expired);
        }
        Ok(pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{header, HeaderValue};

    fn pending(state: &str, started: u64) -> PendingSignIn {
        PendingSignIn { state: state.into(), pkce_verifier: "v".repeat(43), nonce: "n".into(), return_to: "/x".into(), started }
    }

    fn with_cookie(name: &str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(&format!("other=1; {name}={value}")).unwrap());
        h
    }

    #[test]
    fn a_sealed_sign_in_opens_for_its_state_only_and_only_in_time() {
        let signins = PendingSignIns::new(false);
        let (name, value) = signins.seal(&pending("state-a", 1_000));
        assert!(name.starts_with("console_login_") && name.len() == "console_login_".len() + 12, "{name}");
        assert!(!value.contains("state-a") && !value.contains("vvvv"), "sealed, not readable: {value}");
        let opened = signins.open(&with_cookie(&name, &value), "state-a", 1_000 + 599).expect("opens");
        assert_eq!((opened.return_to.as_str(), opened.nonce.as_str()), ("/x", "n"));
        assert_eq!(signins.open(&with_cookie(&name, &value), "state-a", 1_600).err(), Some(PendingError::Expired));
        assert_eq!(signins.open(&with_cookie(&name, &value), "state-b", 1_001).err(), Some(PendingError::Missing));
        // The same value under state-b's name: the name is sealed in, it does not open.
        let other = signins.cookie_name("state-b");
        assert_eq!(signins.open(&with_cookie(&other, &value), "state-b", 1_001).err(), Some(PendingError::Unreadable));
        // One bit changed, or another process's key: does not open.
        let mut bytes = value.clone().into_bytes();
        bytes[20] = if bytes[20] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert_eq!(signins.open(&with_cookie(&name, &tampered), "state-a", 1_001).err(), Some(PendingError::Unreadable));
        let restarted = PendingSignIns::new(false);
        assert_eq!(restarted.open(&with_cookie(&name, &value), "state-a", 1_001).err(), Some(PendingError::Unreadable));
    }

    #[test]
    fn over_https_the_cookie_is_host_prefixed() {
        assert!(PendingSignIns::new(true).cookie_name("s").starts_with("__Host-console_login_"));
    }
}
