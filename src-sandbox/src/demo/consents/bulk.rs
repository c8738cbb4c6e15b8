//! The bulk demo population: `usr-demo-0000` .. `usr-demo-0999`, 20 consents each (a privacy policy, an
//! e-consent, 12 product terms over five products and 6 account terms), 20,000 in all, in every state:
//! half given, a fifth pending, 15 % stale (given to the document's older revision, naming the current one as a revision leaves them), 10 % revoked, 5 %
//! rescinded. Arithmetic only (no RNG): the same data every time, so tests and figures can count on it.
//! One prepared statement in the caller's transaction.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rusqlite::{params, Transaction};

use super::{
    ACCOUNT_2026, ACCOUNT_TERMS, CD_12, CHECKING_2026, CHECKING_TERMS, E_SIGN, E_SIGN_2024, EVERYDAY, PREMIUM, PRIVACY,
    PRIVACY_2025, PRIVACY_2026, SAVINGS_2026, SAVINGS_PLUS, SAVINGS_TERMS, STUDENT,
};
use crate::error::SandboxError;

/// How many bulk users the demo data has.
pub const USERS: usize = 1000;
/// Consents per bulk user.
pub const PER_USER: usize = 20;

/// The older revisions the stale consents were given to (each has its file in `documents/`).
const CHECKING_2025: (&str, &str) = ("2025:9.0", "2025-09-01T12:00:00.000Z");
const SAVINGS_2025: (&str, &str) = ("2025:1", "2025-04-01T09:00:00.000Z");
const ACCOUNT_2025: (&str, &str) = ("2025:1", "2025-01-15T09:00:00.000Z");

const PRODUCTS: [&str; 5] = [EVERYDAY, PREMIUM, STUDENT, SAVINGS_PLUS, CD_12];

/// The bulk user ids, in order.
pub fn user_id(u: usize) -> String {
    format!("usr-demo-{u:04}")
}

/// The state of consent `k` of user `u`: 10 in 20 given, 4 pending, 3 stale, 2 revoked, 1 rescinded.
pub fn state_of(u: usize, k: usize) -> &'static str {
    match (u * 7 + k * 13) % 20 {
        0..=9 => "given",
        10..=13 => "pending",
        14..=16 => "stale",
        17..=18 => "revoked",
        _ => "rescinded",
    }
}

fn later(at: &str, minutes: usize) -> String {
    let t = DateTime::parse_from_rfc3339(at).map(|t| t.with_timezone(&Utc)).unwrap_or_default();
    (t + Duration::minutes(minutes as i64)).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The bulk users' consents (`usr-demo-...`), as an SQL condition the user index serves.
pub const IS_BULK: &str = "(user_id >= 'usr-demo-' AND user_id < 'usr-demo.')";

/// Whether the bulk population is there exactly as [`load`] left it: every write bumps a consent's
/// `version`, and a created or deleted one changes the count.
pub fn is_pristine(tx: &Transaction<'_>, users: usize) -> Result<bool, SandboxError> {
    let (count, versions): (i64, i64) = tx.query_row(
        &format!("SELECT COUNT(*), COALESCE(SUM(version), 0) FROM consents WHERE {IS_BULK}"),
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let expected = (users * PER_USER) as i64;
    Ok(count == expected && versions == expected)
}

/// Runs `f` with the consents table's secondary indexes dropped, then builds them again: building an
/// index from the finished table is faster than growing a dozen of them row by row.
pub fn without_indexes<T>(tx: &Transaction<'_>, f: impl FnOnce() -> Result<T, SandboxError>) -> Result<T, SandboxError> {
    let indexes: Vec<(String, String)> = {
        let mut stmt = tx.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'consents' AND sql IS NOT NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    let value = f()?;
    for (_, sql) in &indexes {
        tx.execute_batch(sql)?;
    }
    Ok(value)
}

/// Loads `users` bulk users' consents (20 each) after what is there; returns how many.
pub fn load(tx: &Transaction<'_>, users: usize) -> Result<usize, SandboxError> {
    let first_seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM consents", [], |r| r.get(0))?;
    let mut stmt = tx.prepare(
        "INSERT INTO consents (id, user_id, type, document_uri, content_type, revision_id, revised_at, context_uri,
            secondary_context_uri, state, given_at, request_revoked_at, request_rescinded_at, stale_at, created_at, seq)
         VALUES (?1, ?2, ?3, ?4, 'text/html', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, '2025-01-10T09:00:00.000Z', ?14)",
    )?;
    let mut n = 0usize;
    for u in 0..users {
        let user = user_id(u);
        for k in 0..PER_USER {
            let state = state_of(u, k);
            let account = format!("/accounts/accounts/acc-{u:04}-{k:02}");
            // (type, document, current revision, older revision, context, secondary context)
            let (type_, document, current, older, context, secondary) = match k {
                0 => ("privacyPolicy", PRIVACY, PRIVACY_2026, Some(PRIVACY_2025), None, None),
                // The e-consent has one revision only: no stale ones (they stay given).
                1 => ("electronicConsent", E_SIGN, E_SIGN_2024, None, None, None),
                2..=13 => {
                    let product = PRODUCTS[(u + k) % PRODUCTS.len()];
                    let (doc, cur, old) = if product == SAVINGS_PLUS || product == CD_12 {
                        (SAVINGS_TERMS, SAVINGS_2026, SAVINGS_2025)
                    } else {
                        (CHECKING_TERMS, CHECKING_2026, CHECKING_2025)
                    };
                    ("productTermsAndConditions", doc, cur, Some(old), Some(product.to_string()), Some(account))
                }
                _ => ("termsAndConditions", ACCOUNT_TERMS, ACCOUNT_2026, Some(ACCOUNT_2025), Some(account), None),
            };
            let state = if state == "stale" && older.is_none() { "given" } else { state };
            // A stale consent was given to the older revision and, as a revision does, now names the
            // current one (the one it asks for): its givenAt is from the older one's time.
            let (revision, revised_at) = current;
            let answered_revision = if state == "stale" { older.unwrap_or(current).1 } else { revised_at };
            let offset = (u * 131 + k * 17) % 90_000 + 60;
            let answered = matches!(state, "given" | "stale" | "revoked").then(|| later(answered_revision, offset));
            let revoked_at = (state == "revoked").then(|| later(revised_at, offset + 1440));
            let rescinded_at = (state == "rescinded").then(|| later(revised_at, offset));
            let stale_at = (state == "stale").then_some(current.1);
            stmt.execute(params![
                format!("00000000-0000-4000-8000-{:012x}", u * PER_USER + k),
                user,
                type_,
                document,
                revision,
                revised_at,
                context,
                secondary,
                state,
                answered,
                revoked_at,
                rescinded_at,
                stale_at,
                first_seq + n as i64,
            ])?;
            n += 1;
        }
    }
    Ok(n)
}

/// Replaces the bulk population with `users` users' (20 consents each), for figures at other sizes
/// (`console-bench`: 500 users for 10,000 consents, 5,000 for 100,000). Returns how many.
pub fn replace(tx: &Transaction<'_>, users: usize) -> Result<usize, SandboxError> {
    without_indexes(tx, || {
        tx.execute(&format!("DELETE FROM consents WHERE {IS_BULK}"), [])?;
        load(tx, users)
    })
}

/// For the figure of a large revision: `n` more consents, each of another user (`usr-bench-...`), all
/// GIVEN to the privacy policy's current revision, so that revising the policy makes each of them stale.
pub fn add_given_privacy(tx: &Transaction<'_>, n: usize) -> Result<usize, SandboxError> {
    without_indexes(tx, || {
        let first_seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM consents", [], |r| r.get(0))?;
        let mut stmt = tx.prepare(
            "INSERT INTO consents (id, user_id, type, document_uri, content_type, revision_id, revised_at, state, given_at,
                created_at, seq)
             VALUES (?1, ?2, 'privacyPolicy', ?3, 'text/html', ?4, ?5, 'given', ?6, ?5, ?7)",
        )?;
        for i in 0..n {
            stmt.execute(params![
                format!("00000000-0000-4000-9000-{i:012x}"),
                format!("usr-bench-{i:06}"),
                PRIVACY,
                PRIVACY_2026.0,
                PRIVACY_2026.1,
                later(PRIVACY_2026.1, i % 90_000 + 60),
                first_seq + i as i64,
            ])?;
        }
        Ok(n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_is_there_in_the_stated_shares() {
        let mut counts = std::collections::HashMap::new();
        for u in 0..USERS {
            for k in 0..PER_USER {
                *counts.entry(state_of(u, k)).or_insert(0) += 1;
            }
        }
        assert_eq!(counts["given"], 10_000);
        assert_eq!(counts["pending"], 4_000);
        assert_eq!(counts["stale"], 3_000);
        assert_eq!(counts["revoked"], 2_000);
        assert_eq!(counts["rescinded"], 1_000);
    }
}
