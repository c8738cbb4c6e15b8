//! SQL of the authorization server: codes, refresh-token families, revocations. Only hashes of codes and
//! refresh tokens are stored, so a copy of the database hands out nothing usable.

use rusqlite::{params, OptionalExtension, Transaction};

use crate::error::SandboxError;

/// An authorization code as stored.
#[derive(Clone, Debug)]
pub struct CodeRow {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub user_id: String,
    pub scope: String,
    pub expires_ms: i64,
    pub used_ms: Option<i64>,
    pub family_id: Option<String>,
    /// OpenID Connect's `nonce` of the authorize request, for the ID token.
    pub nonce: Option<String>,
}

pub struct NewCode<'a> {
    pub code_sha256: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub code_challenge: &'a str,
    pub user_id: &'a str,
    pub scope: &'a str,
    pub expires_ms: i64,
    pub nonce: Option<&'a str>,
}

pub fn insert_code(tx: &Transaction<'_>, c: &NewCode<'_>, now_ms: i64) -> Result<(), SandboxError> {
    // Codes long expired are useless (their replay window is gone too): drop them here, no ticker needed.
    tx.execute("DELETE FROM auth_codes WHERE expires_ms < ?1", params![now_ms - 24 * 3600 * 1000])?;
    tx.execute(
        "INSERT INTO auth_codes (code_sha256, client_id, redirect_uri, code_challenge, user_id, scope, expires_ms, nonce)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![c.code_sha256, c.client_id, c.redirect_uri, c.code_challenge, c.user_id, c.scope, c.expires_ms, c.nonce],
    )?;
    Ok(())
}

pub fn code(tx: &Transaction<'_>, code_sha256: &str) -> Result<Option<CodeRow>, SandboxError> {
    Ok(tx
        .query_row(
            "SELECT client_id, redirect_uri, code_challenge, user_id, scope, expires_ms, used_ms, family_id, nonce
             FROM auth_codes WHERE code_sha256 = ?1",
            params![code_sha256],
            |r| {
                Ok(CodeRow {
                    client_id: r.get(0)?,
                    redirect_uri: r.get(1)?,
                    code_challenge: r.get(2)?,
                    user_id: r.get(3)?,
                    scope: r.get(4)?,
                    expires_ms: r.get(5)?,
                    used_ms: r.get(6)?,
                    family_id: r.get(7)?,
                    nonce: r.get(8)?,
                })
            },
        )
        .optional()?)
}

pub fn mark_code_used(tx: &Transaction<'_>, code_sha256: &str, now_ms: i64, family_id: &str) -> Result<(), SandboxError> {
    tx.execute(
        "UPDATE auth_codes SET used_ms = ?2, family_id = ?3 WHERE code_sha256 = ?1",
        params![code_sha256, now_ms, family_id],
    )?;
    Ok(())
}

/// Test aid (control API): makes every unused code expired, as if its 60 s had passed.
pub fn expire_codes(tx: &Transaction<'_>, now_ms: i64) -> Result<usize, SandboxError> {
    Ok(tx.execute("UPDATE auth_codes SET expires_ms = ?1 - 1 WHERE used_ms IS NULL", params![now_ms])?)
}

/// A refresh family: one sign-in and every refresh token rotated from it.
#[derive(Clone, Debug)]
pub struct FamilyRow {
    pub family_id: String,
    pub client_id: String,
    pub user_id: String,
    pub scope: String,
    pub expires_ms: i64,
    pub revoked_ms: Option<i64>,
}

pub fn insert_family(
    tx: &Transaction<'_>,
    family_id: &str,
    client_id: &str,
    user_id: &str,
    scope: &str,
    now_ms: i64,
    expires_ms: i64,
) -> Result<(), SandboxError> {
    tx.execute(
        "INSERT INTO token_families (family_id, client_id, user_id, scope, created_ms, expires_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![family_id, client_id, user_id, scope, now_ms, expires_ms],
    )?;
    Ok(())
}

pub fn insert_refresh(tx: &Transaction<'_>, token_sha256: &str, family_id: &str, now_ms: i64) -> Result<(), SandboxError> {
    tx.execute(
        "INSERT INTO refresh_tokens (token_sha256, family_id, created_ms) VALUES (?1, ?2, ?3)",
        params![token_sha256, family_id, now_ms],
    )?;
    Ok(())
}

/// A refresh token's family and when it was rotated (None: it is the current one).
pub fn refresh(tx: &Transaction<'_>, token_sha256: &str) -> Result<Option<(FamilyRow, Option<i64>)>, SandboxError> {
    Ok(tx
        .query_row(
            "SELECT f.family_id, f.client_id, f.user_id, f.scope, f.expires_ms, f.revoked_ms, t.used_ms
             FROM refresh_tokens t JOIN token_families f ON f.family_id = t.family_id
             WHERE t.token_sha256 = ?1",
            params![token_sha256],
            |r| {
                Ok((
                    FamilyRow {
                        family_id: r.get(0)?,
                        client_id: r.get(1)?,
                        user_id: r.get(2)?,
                        scope: r.get(3)?,
                        expires_ms: r.get(4)?,
                        revoked_ms: r.get(5)?,
                    },
                    r.get(6)?,
                ))
            },
        )
        .optional()?)
}

pub fn mark_refresh_used(tx: &Transaction<'_>, token_sha256: &str, now_ms: i64) -> Result<(), SandboxError> {
    tx.execute("UPDATE refresh_tokens SET used_ms = ?2 WHERE token_sha256 = ?1", params![token_sha256, now_ms])?;
    Ok(())
}

/// Revokes a whole family: its refresh tokens stop working and access tokens with its `sid` are refused.
pub fn revoke_family(tx: &Transaction<'_>, family_id: &str, now_ms: i64) -> Result<(), SandboxError> {
    tx.execute(
        "UPDATE token_families SET revoked_ms = ?2 WHERE family_id = ?1 AND revoked_ms IS NULL",
        params![family_id, now_ms],
    )?;
    Ok(())
}

/// Records an access token's `jti` as revoked until it expires anyway.
pub fn revoke_jti(tx: &Transaction<'_>, jti: &str, expires_ms: i64, now_ms: i64) -> Result<(), SandboxError> {
    tx.execute("DELETE FROM revoked_jtis WHERE expires_ms < ?1", params![now_ms])?;
    tx.execute(
        "INSERT INTO revoked_jtis (jti, expires_ms) VALUES (?1, ?2) ON CONFLICT (jti) DO NOTHING",
        params![jti, expires_ms],
    )?;
    Ok(())
}

/// Whether an access token was revoked, by its own `jti` or through its refresh family (`sid`).
pub fn access_revoked(tx: &Transaction<'_>, jti: &str, sid: Option<&str>) -> Result<bool, SandboxError> {
    let by_jti: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM revoked_jtis WHERE jti = ?1)", params![jti], |r| r.get(0))?;
    if by_jti {
        return Ok(true);
    }
    let Some(sid) = sid else { return Ok(false) };
    Ok(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM token_families WHERE family_id = ?1 AND revoked_ms IS NOT NULL)",
        params![sid],
        |r| r.get(0),
    )?)
}

/// Revokes every live sign-in (refresh family) of a user; how many there were.
pub fn revoke_user_families(tx: &Transaction<'_>, user_id: &str, now_ms: i64) -> Result<usize, SandboxError> {
    Ok(tx.execute(
        "UPDATE token_families SET revoked_ms = ?2 WHERE user_id = ?1 AND revoked_ms IS NULL",
        params![user_id, now_ms],
    )?)
}

/// How many of a user's sign-ins (refresh families) are still live: neither revoked nor expired.
pub fn live_families(tx: &Transaction<'_>, user_id: &str, now_ms: i64) -> Result<usize, SandboxError> {
    let n: i64 = tx.query_row(
        "SELECT COUNT(*) FROM token_families WHERE user_id = ?1 AND revoked_ms IS NULL AND expires_ms > ?2",
        params![user_id, now_ms],
        |r| r.get(0),
    )?;
    Ok(usize::try_from(n).unwrap_or(0))
}
