//! Server-side sessions: the browser holds one random, HttpOnly cookie; the tokens it stands for stay in
//! this process's memory. A restart signs everybody out, which is the safe direction.
//!
//! Sign-ins in progress are not kept here: each rides in its own encrypted cookie until the callback
//! (see `auth`), so nothing an anonymous request does grows this store.
//!
//! Time is tokio's (`tokio::time::Instant`), so tests pause and advance it instead of sleeping.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use console_api::gateway::SignedInUser;
use console_link::service::AuditedReads;
use rand::RngCore;
use tokio::time::Instant;

/// How often [`spawn_sweeper`] looks for dead sessions in the gateway.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// One signed-in person's session. Tokens are secrets: this type is not `Debug` or `Serialize`.
pub struct Session {
    pub user: SignedInUser,
    pub csrf_token: String,
    pub access_token: String,
    pub access_expires_at: std::time::Instant,
    pub refresh_token: Option<String>,
    /// What of this session's reads the audit log already shows (see [`AuditedReads`]). Behind its own
    /// lock and an `Arc`: the `Caller` takes it along, and the audit line is written after the session's
    /// lock is released.
    pub audited_reads: Arc<AuditedReads>,
    created: Instant,
    last_seen: Instant,
}

impl Session {
    pub fn new(user: SignedInUser, access_token: String, access_expires_at: std::time::Instant, refresh_token: Option<String>) -> Self {
        let now = Instant::now();
        Session {
            user,
            csrf_token: random_token(),
            access_token,
            access_expires_at,
            refresh_token,
            audited_reads: Arc::default(),
            created: now,
            last_seen: now,
        }
    }
}

/// Every live session. Each session has its own async lock, so a refresh holds up only that person's
/// requests, and two of their requests never refresh twice.
pub struct SessionStore {
    sessions: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Session>>>>,
    idle_timeout: Duration,
    absolute_timeout: Duration,
}

impl SessionStore {
    pub fn new(idle_timeout: Duration, absolute_timeout: Duration) -> Self {
        SessionStore { sessions: Mutex::default(), idle_timeout, absolute_timeout }
    }

    /// Stores a session; returns the cookie value that names it.
    pub fn insert(&self, session: Session) -> String {
        let id = random_token();
        lock(&self.sessions).insert(id.clone(), Arc::new(tokio::sync::Mutex::new(session)));
        id
    }

    /// The live session named by a cookie value; an idle or too old one is `None`. A dead one is left for
    /// the sweeper, which revokes its sign-in upstream: removing it here would forget its refresh token
    /// while the sign-in stays live at the authorization server.
    /// `touch`: a person's request, which marks the session used now; the page's background refreshes pass
    /// `false`, so that an open tab alone never keeps a session alive.
    pub async fn get(&self, id: &str, touch: bool) -> Option<Arc<tokio::sync::Mutex<Session>>> {
        let entry = lock(&self.sessions).get(id).cloned()?;
        let mut session = entry.lock().await;
        if !alive(&session, self.idle_timeout, self.absolute_timeout) {
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

    /// How many sessions the store holds, dead ones not swept yet included.
    pub fn len(&self) -> usize {
        lock(&self.sessions).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every idle or too old session; returns their refresh tokens, so that their sign-ins can
    /// be ended upstream too. A session locked right now is in use, so alive: it is left for next time.
    pub fn sweep(&self) -> Vec<String> {
        let (idle, absolute) = (self.idle_timeout, self.absolute_timeout);
        let mut refresh_tokens = Vec::new();
        lock(&self.sessions).retain(|_, entry| match entry.try_lock() {
            Ok(s) if !alive(&s, idle, absolute) => {
                refresh_tokens.extend(s.refresh_token.clone());
                false
            }
            _ => true,
        });
        refresh_tokens
    }
}

/// The session store's sweeping task.
pub type Sweeper = crate::periodic::Periodic;

/// Sweeps `store` every `every`, handing the swept sessions' refresh tokens to `on_swept` (which revokes
/// them), until the gateway drops the store or the returned handle.
pub fn spawn_sweeper(store: &Arc<SessionStore>, every: Duration, on_swept: impl Fn(Vec<String>) + Send + 'static) -> Sweeper {
    crate::periodic::every(store, every, move |store: &SessionStore| {
        let swept = store.sweep();
        if !swept.is_empty() {
            on_swept(swept);
        }
    })
}

fn alive(s: &Session, idle: Duration, absolute: Duration) -> bool {
    s.last_seen.elapsed() < idle && s.created.elapsed() < absolute
}

/// A poisoned lock only means another request panicked mid-update of a map; the map is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// 256 random bits, base64url: session ids, CSRF tokens.
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
    use tokio::time::advance;

    fn user() -> SignedInUser {
        SignedInUser { id: "usr-ada".into(), name: "Ada".into(), role: Role::Admin }
    }

    fn session(refresh: Option<&str>) -> Session {
        Session::new(user(), "t".into(), std::time::Instant::now(), refresh.map(str::to_string))
    }

    #[tokio::test(start_paused = true)]
    async fn idle_sessions_end() {
        let store = SessionStore::new(Duration::from_secs(30 * 60), Duration::from_secs(8 * 3600));
        let id = store.insert(session(Some("refresh-of-the-idle-one")));
        advance(Duration::from_secs(29 * 60)).await;
        assert!(store.get(&id, true).await.is_some(), "29 idle minutes: still alive, and now used again");
        advance(Duration::from_secs(29 * 60)).await;
        assert!(store.get(&id, true).await.is_some(), "the use above restarted the idle clock");
        advance(Duration::from_secs(30 * 60)).await;
        assert!(store.get(&id, true).await.is_none());
        assert!(store.get(&id, true).await.is_none(), "not revived by being asked for");
        // Asking for it did not lose its refresh token: the sweep hands it over for revocation.
        assert_eq!(store.sweep(), vec!["refresh-of-the-idle-one".to_string()]);
        assert!(store.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn sessions_end_after_the_absolute_timeout_even_when_busy() {
        let store = SessionStore::new(Duration::from_secs(30 * 60), Duration::from_secs(8 * 3600));
        let id = store.insert(session(None));
        for _ in 0..31 {
            assert!(store.get(&id, true).await.is_some());
            advance(Duration::from_secs(15 * 60)).await;
        }
        // 7 h 45 min of use: then the 8 hours are up whatever the activity.
        assert!(store.get(&id, true).await.is_some());
        advance(Duration::from_secs(15 * 60)).await;
        assert!(store.get(&id, true).await.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn the_sweeper_removes_dead_sessions_nobody_asks_for_and_hands_over_their_refresh_tokens() {
        let store = Arc::new(SessionStore::new(Duration::from_secs(60), Duration::from_secs(3600)));
        let idle = store.insert(session(Some("refresh-of-the-idle-one")));
        let busy = store.insert(session(Some("refresh-of-the-busy-one")));
        let (swept_tx, mut swept_rx) = tokio::sync::mpsc::unbounded_channel();
        let sweeper = spawn_sweeper(&store, Duration::from_secs(30), move |tokens| {
            let _ = swept_tx.send(tokens);
        });
        for _ in 0..3 {
            advance(Duration::from_secs(30)).await;
            assert!(store.get(&busy, true).await.is_some());
        }
        // 90 s: the idle one died at 60 s and the tick at 90 s swept it, without anyone asking for it.
        tokio::task::yield_now().await;
        assert_eq!(swept_rx.recv().await, Some(vec!["refresh-of-the-idle-one".to_string()]));
        assert_eq!(store.len(), 1);
        assert!(lock(&store.sessions).contains_key(&busy) && !lock(&store.sessions).contains_key(&idle));
        drop(sweeper);
        tokio::task::yield_now().await;
        advance(Duration::from_secs(120)).await;
        assert!(swept_rx.recv().await.is_none(), "stopped: the sender went with the task");
    }

    #[tokio::test(start_paused = true)]
    async fn the_sweeper_ends_with_its_store() {
        let store = Arc::new(SessionStore::new(Duration::from_secs(60), Duration::from_secs(3600)));
        let sweeper = spawn_sweeper(&store, Duration::from_secs(30), |_| {});
        drop(store);
        advance(Duration::from_secs(31)).await;
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(sweeper.is_finished());
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd") && !same_secret("abc", "abcd"));
    }
}
