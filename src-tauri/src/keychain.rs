//! Where the app's secrets live: refresh tokens and the D1 signing key. The OS keychain (the Secret Service
//! on Linux: gnome-keyring, KWallet) when one answers at start; otherwise memory only, which the page
//! says ("no keychain: you will sign in again next start"). Never a file: nothing secret is written in
//! clear to disk.
//!
//! The keychain's calls block (D-Bus round trips, and a locked collection may wait on an unlock prompt):
//! call them from `tauri::async_runtime::spawn_blocking`, never on the async runtime itself.

use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use thiserror::Error;

/// The keychain's service name for every entry of the app.
pub const SERVICE: &str = "console-desktop";

/// How long the start-up probe may take. A Secret Service that waits on a prompt nobody answers (a
/// locked collection on a headless session) would otherwise hang the start.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The entry of an environment's refresh token.
pub fn refresh_entry(environment: &str) -> String {
    format!("refresh:{environment}")
}

/// The entry of an environment's D1 signing key (PKCS#8 DER).
pub fn d1_key_entry(environment: &str) -> String {
    format!("d1-key:{environment}")
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeychainError {
    /// The keychain refused or failed; its words, for the log and the page (they name no secret).
    #[error("the keychain failed: {0}")]
    Failed(String),
}

/// What the page shows about where secrets are kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeychainStatus {
    /// Secrets survive a restart (kept in the OS keychain).
    pub persistent: bool,
    /// Said to the person when not: why, and what it means for them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

enum Store {
    Os,
    /// Entry name -> secret, for this run only.
    Memory(Mutex<HashMap<String, Vec<u8>>>),
}

pub struct Keychain {
    store: Store,
    /// Why the OS keychain is not used (`None` when it is).
    unavailable: Option<String>,
}

impl Keychain {
    /// The OS keychain if it answers a write and a delete within [`PROBE_TIMEOUT`], else memory only.
    pub fn probe() -> Keychain {
        Keychain::probe_with(PROBE_TIMEOUT, os_probe)
    }

    /// [`Keychain::probe`] with the probe and its time limit given (tests).
    pub fn probe_with(timeout: Duration, probe: impl FnOnce() -> Result<(), String> + Send + 'static) -> Keychain {
        let (tx, rx) = mpsc::channel();
        // A thread of its own: a hung D-Bus call cannot be cancelled, only left behind.
        let spawned = std::thread::Builder::new().name("keychain-probe".into()).spawn(move || {
            let _ = tx.send(probe());
        });
        let outcome = match spawned {
            Err(e) => Err(format!("could not start the probe: {e}")),
            Ok(_) => match rx.recv_timeout(timeout) {
                Ok(result) => result,
                Err(_) => Err(format!("no answer within {} s (a locked keychain waiting for a prompt?)", timeout.as_secs_f32())),
            },
        };
        match outcome {
            Ok(()) => Keychain { store: Store::Os, unavailable: None },
            Err(reason) => {
                tracing::warn!("no OS keychain, secrets kept in memory only: {reason}");
                Keychain::memory_only(reason)
            }
        }
    }

    /// Secrets in this process's memory only, because of `reason`.
    pub fn memory_only(reason: impl Into<String>) -> Keychain {
        Keychain { store: Store::Memory(Mutex::new(HashMap::new())), unavailable: Some(reason.into()) }
    }

    pub fn status(&self) -> KeychainStatus {
        match &self.unavailable {
            None => KeychainStatus { persistent: true, message: None },
            Some(reason) => KeychainStatus {
                persistent: false,
                message: Some(format!(
                    "No keychain: you will sign in again next start, and import every secret of your profiles again. \
                     ({reason}) To keep them, log in to a desktop where GNOME Keyring or KWallet runs, then restart \
                     the app."
                )),
            },
        }
    }

    pub fn set(&self, name: &str, secret: &[u8]) -> Result<(), KeychainError> {
        match &self.store {
            Store::Os => entry(name)?.set_secret(secret).map_err(failed),
            Store::Memory(map) => {
                map.lock().unwrap_or_else(|p| p.into_inner()).insert(name.to_string(), secret.to_vec());
                Ok(())
            }
        }
    }

    /// The secret, or `None` if there is none under `name`.
    pub fn get(&self, name: &str) -> Result<Option<Vec<u8>>, KeychainError> {
        match &self.store {
            Store::Os => match entry(name)?.get_secret() {
                Ok(secret) => Ok(Some(secret)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(failed(e)),
            },
            Store::Memory(map) => Ok(map.lock().unwrap_or_else(|p| p.into_inner()).get(name).cloned()),
        }
    }

    /// Removes the secret; none there is not an error.
    pub fn delete(&self, name: &str) -> Result<(), KeychainError> {
        match &self.store {
            Store::Os => match entry(name)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(failed(e)),
            },
            Store::Memory(map) => {
                map.lock().unwrap_or_else(|p| p.into_inner()).remove(name);
                Ok(())
            }
        }
    }
}

fn entry(name: &str) -> Result<keyring::Entry, KeychainError> {
    keyring::Entry::new(SERVICE, name).map_err(failed)
}

fn failed(e: keyring::Error) -> KeychainError {
    KeychainError::Failed(e.to_string())
}

/// A write and a delete of a throwaway entry: reading alone would pass on a locked collection that then
/// refuses (or prompts on) the first real write.
fn os_probe() -> Result<(), String> {
    let probe = keyring::Entry::new(SERVICE, "probe").map_err(|e| e.to_string())?;
    probe.set_password("probe").map_err(|e| e.to_string())?;
    probe.delete_credential().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_only_keeps_secrets_for_the_run_and_says_so() {
        let keychain = Keychain::memory_only("no session bus");
        assert_eq!(keychain.get(&refresh_entry("sandbox")), Ok(None));
        keychain.set(&refresh_entry("sandbox"), b"r1").unwrap();
        keychain.set(&refresh_entry("staging"), b"r2").unwrap();
        assert_eq!(keychain.get(&refresh_entry("sandbox")), Ok(Some(b"r1".to_vec())));
        keychain.delete(&refresh_entry("sandbox")).unwrap();
        keychain.delete(&refresh_entry("sandbox")).unwrap();
        assert_eq!(keychain.get(&refresh_entry("sandbox")), Ok(None));
        assert_eq!(keychain.get(&refresh_entry("staging")), Ok(Some(b"r2".to_vec())));
        let status = keychain.status();
        assert!(!status.persistent);
        let message = status.message.unwrap();
        assert!(message.contains("you will sign in again next start") && message.contains("no session bus"), "{message}");
    }

    #[test]
    fn a_failing_probe_falls_back_to_memory() {
        let keychain = Keychain::probe_with(Duration::from_secs(1), || Err("org.freedesktop.secrets not provided".into()));
        assert!(!keychain.status().persistent);
        assert!(keychain.status().message.unwrap().contains("org.freedesktop.secrets"));
    }

    #[test]
    fn a_hung_probe_falls_back_to_memory_in_time() {
        let started = std::time::Instant::now();
        let keychain = Keychain::probe_with(Duration::from_millis(200), || {
            std::thread::sleep(Duration::from_secs(30));
            Ok(())
        });
        assert!(started.elapsed() < Duration::from_secs(2), "the start waited {:?}", started.elapsed());
        assert!(keychain.status().message.unwrap().contains("no answer within"));
        // And it works, in memory.
        keychain.set("x", b"y").unwrap();
        assert_eq!(keychain.get("x"), Ok(Some(b"y".to_vec())));
    }

    #[test]
    fn a_succeeding_probe_means_the_os_keychain() {
        let keychain = Keychain::probe_with(Duration::from_secs(1), || Ok(()));
        assert_eq!(keychain.status(), KeychainStatus { persistent: true, message: None });
    }

    /// The no-keychain path for real: a session bus address that leads nowhere fails at once.
    #[test]
    fn no_session_bus_means_memory_only() {
        // Other tests of this binary do not touch the OS keychain, so the variable is ours to set.
        std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/console-desktop-test");
        let keychain = Keychain::probe();
        assert!(!keychain.status().persistent);
    }
}
