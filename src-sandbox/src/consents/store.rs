//! The consents table: rows to and from the wire model, and the small queries every handler shares.
//! Times are stored as RFC 3339 UTC text with milliseconds (`YYYY-MM-DDThh:mm:ss.sssZ`, normalized on the
//! way in by [`normalize_time`]), so that text order is time order and the sort indexes serve `sortBy`.

use chrono::{DateTime, SecondsFormat, Utc};
use console_api::consents::{Consent, ConsentDocument, ConsentState, Links, CONSENT_PROFILE};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::error::SandboxError;

/// A consent to store (the demo data's and the create operation's).
#[derive(Clone, Debug)]
pub struct NewConsent<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub type_: &'a str,
    pub document_uri: &'a str,
    pub content_type: &'a str,
    pub revision_id: Option<&'a str>,
    pub revised_at: &'a str,
    pub context_uri: Option<&'a str>,
    pub secondary_context_uri: Option<&'a str>,
    pub state: &'a str,
    pub given_at: Option<&'a str>,
    pub created_at: &'a str,
}

/// The insert of one consent, its `seq` the next free one. (Bulk loads prepare their own statement.)
pub fn insert(tx: &Transaction<'_>, c: &NewConsent<'_>) -> Result<(), SandboxError> {
    tx.prepare_cached(
        "INSERT INTO consents (id, user_id, type, document_uri, content_type, revision_id, revised_at, context_uri,
            secondary_context_uri, state, given_at, created_at, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, (SELECT COALESCE(MAX(seq), 0) + 1 FROM consents))",
    )?
    .execute(params![
        c.id, c.user_id, c.type_, c.document_uri, c.content_type, c.revision_id, c.revised_at, c.context_uri,
        c.secondary_context_uri, c.state, c.given_at, c.created_at
    ])?;
    Ok(())
}

/// The columns [`row`] reads, in its order.
pub const COLUMNS: &str = "id, user_id, type, document_uri, content_type, revision_id, revised_at, context_uri,
    secondary_context_uri, state, given_at, request_revoked_at, request_rescinded_at, stale_at, version";

/// A consent as stored: the wire model (without links) and its version, the ETag's source.
#[derive(Clone, Debug)]
pub struct Stored {
    pub consent: Consent,
    pub version: i64,
}

impl Stored {
    /// The strong entity tag of this version of the consent: every write bumps `version`.
    pub fn etag(&self) -> String {
        format!("\"{}-v{}\"", self.consent.id, self.version)
    }
}

pub fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Stored> {
    let consent = Consent {
        id: r.get(0)?,
        profile: Some(CONSENT_PROFILE.into()),
        links: Links::new(),
        user_id: r.get(1)?,
        type_: r.get(2)?,
        document: ConsentDocument {
            uri: r.get(3)?,
            content_type: r.get(4)?,
            revision_id: r.get(5)?,
            revised_at: r.get(6)?,
        },
        context_uri: r.get(7)?,
        secondary_context_uri: r.get(8)?,
        state: ConsentState::from_wire(&r.get::<_, String>(9)?),
        given_at: r.get(10)?,
        request_revoked_at: r.get(11)?,
        request_rescinded_at: r.get(12)?,
        stale_at: r.get(13)?,
    };
    Ok(Stored { consent, version: r.get(14)? })
}

pub fn by_id(tx: &Transaction<'_>, id: &str) -> Result<Option<Stored>, SandboxError> {
    Ok(tx.query_row(&format!("SELECT {COLUMNS} FROM consents WHERE id = ?1"), params![id], row).optional()?)
}

/// A user's pending and stale consents, oldest first.
pub fn needed(tx: &Transaction<'_>, user_id: &str) -> Result<Vec<Stored>, SandboxError> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM consents WHERE user_id = ?1 AND state IN ('pending', 'stale') ORDER BY seq"
    ))?;
    let rows = stmt.query_map(params![user_id], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Whether `name` is a registered consent type (`/consentTypeNames`).
pub fn type_exists(tx: &Transaction<'_>, name: &str) -> Result<bool, SandboxError> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM consent_type_names WHERE name = ?1")?
        .query_row(params![name], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Now, as the API writes times.
pub fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An RFC 3339 time in the stored form (UTC, milliseconds, `Z`), or None if it is not one.
pub fn normalize_time(value: &str) -> Option<String> {
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|t| t.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::Millis, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rebuilt_table_still_refuses_a_state_that_is_not_one() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        for sql in crate::db::MIGRATIONS {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute("INSERT INTO consent_type_names (name, label, description) VALUES ('privacyPolicy', 'P', 'P')", []).unwrap();
        let insert = |id: &str, state: &str, seq: i64| {
            conn.execute(
                "INSERT INTO consents (id, user_id, type, document_uri, content_type, revised_at, state, created_at, seq)
                 VALUES (?1, 'u', 'privacyPolicy', '/d', 'text/html', 't', ?2, 't', ?3)",
                params![id, state, seq],
            )
        };
        for (seq, state) in ["pending", "given", "stale", "rescinded", "revoked"].into_iter().enumerate() {
            insert(state, state, seq as i64).unwrap();
        }
        assert!(insert("x", "archived", 9).is_err());
        assert!(insert("y", "Given", 10).is_err());
        // The trigger came back with the table: each insert waits for the term index.
        let pending: i64 = conn.query_row("SELECT COUNT(*) FROM consent_terms_pending", [], |r| r.get(0)).unwrap();
        assert_eq!(pending, 5);
    }

    #[test]
    fn times_are_stored_in_one_form_so_text_order_is_time_order() {
        assert_eq!(normalize_time("2026-09-15T10:00:00+02:00").as_deref(), Some("2026-09-15T08:00:00.000Z"));
        assert_eq!(normalize_time("2026-09-15T08:00:00.5Z").as_deref(), Some("2026-09-15T08:00:00.500Z"));
        assert_eq!(normalize_time("15/09/2026"), None);
        assert!(normalize_time("2026-09-15T08:00:00Z") < normalize_time("2026-09-15T08:00:00.001Z"));
    }
}
