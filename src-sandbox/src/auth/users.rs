//! The sandbox bank's users: demo people with roles, and their (salted, hashed) passwords.
//!
//! A real identity provider would hash passwords with a slow, memory-hard KDF (Argon2id, scrypt): a
//! single SHA-256 is fast to brute-force. This is a sandbox whose one password is printed on its sign-in
//! page; what matters here is that the stored form is salted and hashed and the comparison constant-time.

use rand::RngCore;
use rusqlite::{params, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

use crate::error::SandboxError;

/// Every demo user's password (DEMO ONLY: it is on the sign-in page).
pub const DEMO_PASSWORD: &str = "sandbox";

/// A demo user of the sandbox bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoUser {
    pub username: &'static str,
    pub user_id: &'static str,
    pub name: &'static str,
    /// `admin`, `agent` (customer care) or `customer`.
    pub role: &'static str,
}

pub const DEMO_USERS: &[DemoUser] = &[
    DemoUser { username: "ada", user_id: "usr-ada", name: "Ada Lovelace", role: "admin" },
    DemoUser { username: "grace", user_id: "usr-grace", name: "Grace Hopper", role: "agent" },
    DemoUser { username: "alice", user_id: "usr-alice", name: "Alice Martin", role: "customer" },
    DemoUser { username: "bob", user_id: "usr-bob", name: "Bob Nguyen", role: "customer" },
    DemoUser { username: "carol", user_id: "usr-carol", name: "Carol Díaz", role: "customer" },
];

/// A user as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub user_id: String,
    pub username: String,
    pub name: String,
    pub role: String,
}

/// A [`User`] from a row whose first columns are `user_id, username, name, role`.
fn user(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User { user_id: r.get(0)?, username: r.get(1)?, name: r.get(2)?, role: r.get(3)? })
}

fn hash(salt: &str, password: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update([0u8]);
    h.update(password.as_bytes());
    crate::oauth::hex(&h.finalize())
}

fn new_salt() -> String {
    let mut raw = [0u8; 16];
    rand::rng().fill_bytes(&mut raw);
    crate::oauth::hex(&raw)
}

/// Loads the demo users when there are none; returns how many were added.
pub fn load_demo(tx: &Transaction<'_>) -> Result<usize, SandboxError> {
    let count: i64 = tx.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
    if count > 0 {
        return Ok(0);
    }
    for u in DEMO_USERS {
        let salt = new_salt();
        tx.execute(
            "INSERT INTO users (user_id, username, name, role, password_salt, password_sha256)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![u.user_id, u.username, u.name, u.role, salt, hash(&salt, DEMO_PASSWORD)],
        )?;
    }
    Ok(DEMO_USERS.len())
}

/// The user if the password is theirs.
pub fn check_password(tx: &Transaction<'_>, username: &str, password: &str) -> Result<Option<User>, SandboxError> {
    let row = tx
        .query_row(
            "SELECT user_id, username, name, role, password_salt, password_sha256 FROM users WHERE username = ?1",
            params![username],
            |r| {
                Ok((
                    user(r)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )
        .optional()?;
    // An unknown user costs a hash too, so the answer's timing does not tell which user names exist.
    let (user, salt, stored) = match row {
        Some(r) => r,
        None => {
            let _ = hash("0000", password);
            return Ok(None);
        }
    };
    Ok(super::constant_time_eq(hash(&salt, password).as_bytes(), stored.as_bytes()).then_some(user))
}

pub fn by_id(tx: &Transaction<'_>, user_id: &str) -> Result<Option<User>, SandboxError> {
    Ok(tx
        .query_row("SELECT user_id, username, name, role FROM users WHERE user_id = ?1", params![user_id], user)
        .optional()?)
}
