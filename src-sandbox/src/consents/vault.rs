//! `GET /vault/files/{fileId}/content`: the documents the consents point at, real HTML files under
//! `src-sandbox/documents/{fileId}/{revision}.html` (one per revision, each stating its revision id and
//! what changed, also in `<meta name="revision-id">` and `<meta name="what-changed">`).
//!
//! Without `?revisionId=` it serves the document's current revision ([`super::current`]: set only by a
//! revision and the demo data, never by a consent's own revisedAt); a document without one, or a revision
//! the sandbox has no file for, is a 404. Some files are the *next* revisions, ready for a demo or test to
//! revise to: privacy-policy 2027:1, checking-terms 2027:1.0, e-sign-agreement 2026:2.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use super::{authorize, current, failure, query_map};
use crate::auth::bearer::{ApitureCaller, ApitureFailure};
use crate::auth::SCOPE_READ;
use crate::AppState;

/// One revision of a document, as served.
#[derive(Clone, Copy, Debug)]
pub struct StoredDocument {
    pub file_id: &'static str,
    pub revision_id: &'static str,
    pub revised_at: &'static str,
    pub html: &'static str,
}

macro_rules! document {
    ($file:literal, $revision:literal, $at:literal, $path:literal) => {
        StoredDocument { file_id: $file, revision_id: $revision, revised_at: $at, html: include_str!(concat!("../../documents/", $path)) }
    };
}

/// Every revision the sandbox can serve.
pub const DOCUMENTS: &[StoredDocument] = &[
    document!("privacy-policy", "2025:1", "2025-03-01T09:00:00.000Z", "privacy-policy/2025-1.html"),
    document!("privacy-policy", "2026:1", "2026-09-15T08:00:00.000Z", "privacy-policy/2026-1.html"),
    document!("privacy-policy", "2027:1", "2027-02-01T08:00:00.000Z", "privacy-policy/2027-1.html"),
    document!("checking-terms", "2025:9.0", "2025-09-01T12:00:00.000Z", "checking-terms/2025-9.0.html"),
    document!("checking-terms", "2026:2.1", "2026-06-30T12:00:00.000Z", "checking-terms/2026-2.1.html"),
    document!("checking-terms", "2027:1.0", "2027-03-01T12:00:00.000Z", "checking-terms/2027-1.0.html"),
    document!("e-sign-agreement", "2024:1.0", "2024-11-04T10:30:00.000Z", "e-sign-agreement/2024-1.0.html"),
    document!("e-sign-agreement", "2026:2", "2026-10-01T10:30:00.000Z", "e-sign-agreement/2026-2.html"),
    document!("savings-terms", "2025:1", "2025-04-01T09:00:00.000Z", "savings-terms/2025-1.html"),
    document!("savings-terms", "2026:1", "2026-04-01T09:00:00.000Z", "savings-terms/2026-1.html"),
    document!("account-terms", "2025:1", "2025-01-15T09:00:00.000Z", "account-terms/2025-1.html"),
    document!("account-terms", "2026:1", "2026-01-15T09:00:00.000Z", "account-terms/2026-1.html"),
];

/// The URI consents use for a file.
pub fn uri_of(file_id: &str) -> String {
    format!("/vault/files/{file_id}/content")
}

/// A stored revision by file and revision id.
pub fn find(file_id: &str, revision_id: &str) -> Option<&'static StoredDocument> {
    DOCUMENTS.iter().find(|d| d.file_id == file_id && d.revision_id == revision_id)
}

fn not_found(message: String) -> ApitureFailure {
    failure(StatusCode::NOT_FOUND, "documentNotFound", message, "Use a document URI of a consent, and a revision it names.")
}

/// `GET /vault/files/{fileId}/content`
#[utoipa::path(get, path = "/vault/files/{fileId}/content", tag = "Documents",
    description = "The document a consent points at, as HTML: the document's current revision (set only by revisedDocuments, never by a consent's own revisedAt), or ?revisionId=. \
Headers document-revision-id and document-revised-at say which; the page itself says what changed. Served with a CSP that runs \
no script (sandbox). API key and banking/read, like the API.",
    params(("fileId" = String, Path), ("revisionId" = Option<String>, Query)),
    security(("apiKey" = [], "accessToken" = ["banking/read"])),
    responses(
        (status = 200, description = "The document", content_type = "text/html"),
        (status = 404, description = "documentNotFound", body = crate::openapi_apiture::ErrorResponse, content_type = "application/hal+json"),
    ))]
pub async fn content(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: ApitureCaller,
    Path(file_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApitureFailure> {
    authorize(&headers, &caller, SCOPE_READ)?;
    let p = query_map(raw.as_deref(), &["revisionId"])?;
    if !DOCUMENTS.iter().any(|d| d.file_id == file_id) {
        return Err(not_found(format!("No document {file_id}.")));
    }
    let revision = match p.get("revisionId") {
        Some(r) => r.clone(),
        None => {
            let uri = uri_of(&file_id);
            let published = state.db.tx(move |tx| current::of(tx, &uri)).await?;
            published.map(|p| p.revision_id).ok_or_else(|| {
                not_found(format!("{file_id} has no current revision: the bank has not published one (POST /consents/revisedDocuments)."))
            })?
        }
    };
    let doc = find(&file_id, &revision).ok_or_else(|| not_found(format!("The sandbox has no file for revision {revision} of {file_id}.")))?;
    let mut response = (StatusCode::OK, doc.html).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("document-revision-id", HeaderValue::from_static(doc.revision_id));
    h.insert("document-revised-at", HeaderValue::from_static(doc.revised_at));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_states_its_revision_and_what_changed() {
        for d in DOCUMENTS {
            assert!(d.html.contains(&format!("<meta name=\"revision-id\" content=\"{}\">", d.revision_id)), "{}", d.file_id);
            assert!(d.html.contains(&format!("<meta name=\"revised-at\" content=\"{}\">", d.revised_at)), "{}", d.file_id);
            assert!(d.html.contains("<section id=\"what-changed\""), "{}", d.file_id);
            assert!(!d.html.contains("<script"), "{}", d.file_id);
        }
    }
}
