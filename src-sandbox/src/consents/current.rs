//! The current revision of each document (`document_revisions`, migration 12): one per document URI,
//! set only by `POST /consents/revisedDocuments` (administrators and services) and by the demo data.
//! It is what `/vault` serves without `?revisionId=`, what a give records, what a customer's create
//! takes and what a revision's `invalidDocumentRevision` check compares with.
//!
//! Why a table of its own: the current revision used to be the latest `revisedAt` among the document's
//! consents, so a customer who created a consent of their own with a made-up revision dated 2099 made it
//! the revision served to everyone, and every revision after it "predated" it.
//!
//! The rule that keeps the pages honest: a consent of a tracked document that may be given (pending,
//! stale or revoked) carries its current revision ([`follow`]), so that what a person is asked to accept is the consent's
//! own `document`, and a revision changes the ETag of every consent still asking for the document: a
//! give that names the ETag read before the revision is refused (412), never recorded unread.

use rusqlite::{params, OptionalExtension, Transaction};

use crate::error::SandboxError;

/// A document's current revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    pub revision_id: String,
    pub revised_at: String,
    pub content_type: String,
}

/// The current revision of `uri`, if the bank has published one.
pub fn of(tx: &Transaction<'_>, uri: &str) -> Result<Option<Revision>, SandboxError> {
    Ok(tx
        .prepare_cached("SELECT revision_id, revised_at, content_type FROM document_revisions WHERE document_uri = ?1")?
        .query_row(params![uri], |r| Ok(Revision { revision_id: r.get(0)?, revised_at: r.get(1)?, content_type: r.get(2)? }))
        .optional()?)
}

/// Makes `revision` the current one of `uri`.
pub fn set(tx: &Transaction<'_>, uri: &str, revision: &Revision) -> Result<(), SandboxError> {
    tx.prepare_cached(
        "INSERT INTO document_revisions (document_uri, revision_id, revised_at, content_type) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (document_uri) DO UPDATE SET revision_id = excluded.revision_id, revised_at = excluded.revised_at,
             content_type = excluded.content_type",
    )?
    .execute(params![uri, revision.revision_id, revision.revised_at, revision.content_type])?;
    Ok(())
}

/// Every consent of `uri` that may be given (pending, stale, or revoked: a person may give again what
/// they revoked) and carries another revision takes the current one, its version bumped (a new ETag), so
/// that a give, which records the current revision, is always of the revision the consent named when it
/// was read. Given and rescinded consents keep the revision they name: that is their history. Returns
/// how many changed.
pub fn follow(tx: &Transaction<'_>, uri: &str) -> Result<usize, SandboxError> {
    let Some(current) = of(tx, uri)? else { return Ok(0) };
    Ok(tx
        .prepare_cached(
            "UPDATE consents SET revision_id = ?2, revised_at = ?3, content_type = ?4, version = version + 1
             WHERE document_uri = ?1 AND state IN ('pending', 'stale', 'revoked')
               AND (revision_id IS NOT ?2 OR revised_at <> ?3)",
        )?
        .execute(params![uri, current.revision_id, current.revised_at, current.content_type])?)
}

/// A document moved from `from` to `to`: `to` takes its current revision unless it has one of its own
/// (the document already there), and `from` keeps it while consents still point there (another type's
/// or context's, which the move did not name).
pub fn moved(tx: &Transaction<'_>, from: &str, to: &str) -> Result<(), SandboxError> {
    if from == to {
        return Ok(());
    }
    if let (Some(revision), None) = (of(tx, from)?, of(tx, to)?) {
        set(tx, to, &revision)?;
    }
    let still_used: Option<i64> =
        tx.query_row("SELECT 1 FROM consents WHERE document_uri = ?1 LIMIT 1", params![from], |r| r.get(0)).optional()?;
    if still_used.is_none() {
        tx.execute("DELETE FROM document_revisions WHERE document_uri = ?1", params![from])?;
    }
    follow(tx, to)?;
    Ok(())
}

/// The demo's documents and their current revisions, replacing whatever was there; their consents that
/// may be given then carry them.
pub fn load(tx: &Transaction<'_>, documents: &[(&str, (&str, &str))]) -> Result<(), SandboxError> {
    tx.execute("DELETE FROM document_revisions", [])?;
    for (uri, (revision_id, revised_at)) in documents {
        let revision = Revision { revision_id: revision_id.to_string(), revised_at: revised_at.to_string(), content_type: "text/html".into() };
        set(tx, uri, &revision)?;
        follow(tx, uri)?;
    }
    Ok(())
}
