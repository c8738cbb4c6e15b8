//! Server-side sessions: the browser holds one random, HttpOnly cookie; the tokens it stands for stay in
//! this process's memory. A restart signs everybody out, which is the safe direction.
//!
//! Also the sign-ins in progress (between `/auth/login` and `/auth/callback`), each bound to the browser
//! that started it by a second short-lived cookie, so nobody can slip their own sign-in into someone
//! else's browser (login CSRF).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use console_api::gateway::SignedInUser;
use rand::RngCore;

/// A sign-in that has not come back from the authorization server yet.
pub struct PendingLogin {
    pub pkce_verifier: String,
    pub return_to: String,
    /// The value of the login cookie set on the browser that started it.
    pub browser_binding: String,
    created: Instant,
}

/// How long someone may take on the authorization server's page.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// One signed-in person's session. Tokens are secrets: this type is not `Debug` or `Serialize`.
pub struct Session {
    pub user: SignedInUser,
    pub csrf_token: String,
    pub access_token: String,
    pub access_expires_at: Instant,
    pub refresh_token: Option<String>,
    created: Instant,
    last_seen: Instant,
}

impl Session {
    pub fn new(user: SignedInUser, access_token: String, access_expires_at: Instant, refresh_token: Option<String>) -> Self {
        let now = Instant::now();
        Session {
            user,
            csrf_token: random_token(),
            access_token,
            access_expires_at,
            refresh_token,
            created: now,
            last_seen: now,
        }
    }
}

/// Every live session and pending sign-in. Each session has its own async lock, so a refresh holds up
/// only that person's requests, and two of their requests never refresh twice.
pub struct SessionStore {
    sessions: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Session>>>>,
    pending: Mutex<HashMap<String, PendingLogin>>,
    idle_timeout: Duration,
    absolute_timeout: Duration,
}

impl SessionStore {
    pub fn new(idle_timeout: Duration, absolute_timeout: Duration) -> Self {
        SessionStore { sessions: Mutex::default(), pending: Mutex::default(), idle_timeout, absolute_timeout }
    }

    /// Stores a session; returns the cookie value that names it.
    pub fn insert(&self, session: Session) -> String {
        let id = random_token();
        let mut sessions = lock(&self.sessions);
        // Forget the dead on the way in, so memory does not grow with abandoned sessions.
        let (idle, absolute) = (self.idle_timeout, self.absolute_timeout);
        sessions.retain(|_, s| s.try_lock().map(|s| alive(&s, idle, absolute)).unwrap_or(true));
        sessions.insert(id.clone(), Arc::new(tokio::sync::Mutex::new(session)));
        id
    }

    /// The live session named by a cookie value; an idle or too old one is removed and `None` is returned.
    /// `touch`: a person's request, which marks the session used now; the page's background refreshes pass
    /// `false`, so that an open tab alone never keeps a session alive.
    pub async fn get(&self, id: &str, touch: bool) -> Option<Arc<tokio::sync::Mutex<Session>>> {
        let entry = lock(&self.sessions).get(id).cloned()?;
        let mut session = entry.lock().await;
        if !alive(&session, self.idle_timeout, self.absolute_timeout) {
            drop(session);
            self.remove(id);
            return None;
        }
        if touch {
            session.last_seen = Instant::now();
        }
        drop(session);
        Some(entry)
    }

    pub fn remove(&self, id: &str) -> Option<Arc<tokio::sync::Mutex<Session>>> {
        lock(&self.sessions).remove(id)
    }

    /// Remembers a sign-in in progress under its `state`; returns the browser-binding cookie value.
    pub fn begin_login(&self, state: String, pkce_verifier: String, return_to: String) -> String {
        let browser_binding = random_token();
        let mut pending = lock(&self.pending);
        pending.retain(|_, p| p.created.elapsed() < LOGIN_TIMEOUT);
        pending.insert(
            state,
            PendingLogin { pkce_verifier, return_to, browser_binding: browser_binding.clone(), created: Instant::now() },
        );
        browser_binding
    }

    /// Takes (once) the sign-in a callback's `state` names, if it is not too old.
    pub fn take_login(&self, state: &str) -> Option<PendingLogin> {
        lock(&self.pending).remove(state).filter(|p| p.created.elapsed() < LOGIN_TIMEOUT)
    }
}

fn alive(s: &Session, idle: Duration, absolute: Duration) -> bool {
    s.last_seen.elapsed() < idle && s.created.elapsed() < absolute
}

/// A poisoned lock only means another request panicked mid-update of a map; the map is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// 256 random bits, base64url: session ids, CSRF tokens, login bindings.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares secrets without leaking where they differ through timing.
pub use console_api::secret::same_secret;

#[cfg(test)]
mod tests {
    use super::*;
    use console_api::gateway::Role;

    fn user() -> SignedInUser {
        SignedInUser { id: "usr-ada".into(), name: "Ada".into(), role: Role::Admin }
    }

    #[tokio::test]
    async fn idle_sessions_end() {
        let store = SessionStore::new(Duration::from_millis(50), Duration::from_secs(60));
        let id = store.insert(Session::new(user(), "t".into(), Instant::now(), None));
        assert!(store.get(&id, true).await.is_some());
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert!(store.get(&id, true).await.is_none());
        assert!(store.get(&id, true).await.is_none(), "removed, not revived");
    }

    #[tokio::test]
    async fn sessions_end_after_the_absolute_timeout_even_when_busy() {
        let store = SessionStore::new(Duration::from_secs(60), Duration::from_millis(60));
        let id = store.insert(Session::new(user(), "t".into(), Instant::now(), None));
        for _ in 0..3 {
            assert!(store.get(&id, true).await.is_some());
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(store.get(&id, true).await.is_none());
    }

    #[test]
    fn a_login_state_is_taken_once() {
        let store = SessionStore::new(Duration::from_secs(60), Duration::from_secs(60));
        let binding = store.begin_login("s1".into(), "v".into(), "/".into());
        let p = store.take_login("s1").expect("pending");
        assert!(same_secret(&p.browser_binding, &binding));
        assert!(store.take_login("s1").is_none());
        assert!(!same_secret("abc", "abd") && !same_secret("abc", "abcd"));
    }
}
