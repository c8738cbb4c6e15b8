//! The signed-in end user's own routes ("My documents"): their needed consents (consolidated), giving and
//! revoking them, what they gave, the labels in their language, and the bank's documents, read through
//! the gateway. The gateway calls Apiture Consents with the person's own token, so the API itself keeps
//! them to their own consents.

use serde::{Deserialize, Serialize};

use super::{ClientError, GatewayClient, Reply};
use crate::consents::{Consent, ConsentCollection, LabelGroups};
use crate::i18n::Language;
use crate::transport::{encode_component, Method, Request, Transport};
use crate::validate::{self, CharRule, ValidationError};

/// Paths (axum syntax) of the end user's routes.
pub mod routes {
    /// `GET`: the needed consents, one per type and document (`consolidate=true` upstream).
    pub use super::super::routes::MY_NEEDED_CONSENTS;
    /// `GET`: given, stale and revoked consents, newest given first.
    pub const MY_HISTORY: &str = "/api/me/consents/history";
    /// `POST` (anti-CSRF): gives this consent and every matching needed one; answers [`super::GivenConsents`].
    pub const MY_GIVE: &str = "/api/me/consents/{consent_id}/give";
    /// `POST` (anti-CSRF): revokes this consent; answers the consent.
    pub const MY_REVOKE: &str = "/api/me/consents/{consent_id}/revoke";
    /// `GET ?lang=en|es|fr`: the consent states' and types' labels ([`crate::consents::LabelGroups`]).
    pub const MY_LABELS: &str = "/api/me/labels";
    /// `GET ?uri=`: the document itself (HTML or PDF), for a sandboxed frame.
    pub const MY_DOCUMENT: &str = "/api/me/documents";
    /// `GET ?uri=&lang=en|es|fr`: which revision the document is and what changed in it, in that language
    /// when the document says it in it ([`super::DocumentSummary`]).
    pub const MY_DOCUMENT_SUMMARY: &str = "/api/me/documents/summary";
}

/// A consent's `_id`: an opaque string to the seed; the console accepts ids that are safe in a path
/// segment and a query (the sandbox's and the seed's are UUIDs).
pub const CONSENT_ID: CharRule = validate::id_rule("consentId");

/// What one "I agree" gave: the consent named first, then every matching one the API gave with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenConsents {
    pub consents: Vec<Consent>,
}

/// What the page says about a document before it is opened: its revision and what changed in it, as the
/// document itself states (`<meta name="what-changed">`), when it does.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentSummary {
    pub uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub what_changed: Option<String>,
}

/// The gateway path that serves `uri` (a consent's document URI), for a frame's `src`. A URI that is not
/// http(s) or relative is refused here, before anything is asked.
pub fn document_path(uri: &str) -> Result<String, ValidationError> {
    validate::uri_reference("uri", uri)?;
    Ok(format!("{}?uri={}", routes::MY_DOCUMENT, encode_component(uri)))
}

/// `/api/me/consents/{id}/{action}` for a valid id.
fn consent_action(consent_id: &str, action: &str) -> Result<String, ValidationError> {
    CONSENT_ID.check(consent_id)?;
    Ok(format!("/api/me/consents/{consent_id}/{action}"))
}

impl<T: Transport> GatewayClient<T> {
    /// Given, stale and revoked consents of the signed-in person, newest first.
    pub async fn my_history(&self) -> Result<Reply<ConsentCollection>, ClientError> {
        self.call(Request::new(Method::Get, routes::MY_HISTORY), None).await
    }

    /// "I have read and agree": gives the consent and every needed one of the same type and document.
    pub async fn give_my_consent(&self, consent_id: &str, cid: Option<&str>) -> Result<Reply<GivenConsents>, ClientError> {
        let path = consent_action(consent_id, "give")?;
        self.call(Request::new(Method::Post, path), cid).await
    }

    /// Withdraws a given consent.
    pub async fn revoke_my_consent(&self, consent_id: &str, cid: Option<&str>) -> Result<Reply<Consent>, ClientError> {
        let path = consent_action(consent_id, "revoke")?;
        self.call(Request::new(Method::Post, path), cid).await
    }

    /// The labels of consent states and types in `language`.
    pub async fn my_labels(&self, language: Language) -> Result<Reply<LabelGroups>, ClientError> {
        self.call(Request::new(Method::Get, format!("{}?lang={}", routes::MY_LABELS, language.code())), None).await
    }

    /// The revision and "what changed" of a document the person has a consent for.
    pub async fn my_document_summary(&self, uri: &str, language: Language) -> Result<Reply<DocumentSummary>, ClientError> {
        validate::uri_reference("uri", uri)?;
        let path = format!("{}?uri={}&lang={}", routes::MY_DOCUMENT_SUMMARY, encode_component(uri), language.code());
        self.call(Request::new(Method::Get, path), None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_paths_encode_the_uri_and_refuse_unsafe_ones() {
        assert_eq!(
            document_path("/vault/files/privacy-policy/content").unwrap(),
            "/api/me/documents?uri=%2Fvault%2Ffiles%2Fprivacy-policy%2Fcontent"
        );
        for hostile in ["javascript:alert(1)", "data:text/html,x", "//evil.example/x", " /x"] {
            assert_eq!(document_path(hostile).unwrap_err().field, "uri", "{hostile}");
        }
    }

    #[test]
    fn consent_actions_take_only_path_safe_ids() {
        assert_eq!(consent_action("d311f16d-7407", "give").unwrap(), "/api/me/consents/d311f16d-7407/give");
        for bad in ["", "a/b", "../x", "a?b", "x y"] {
            assert_eq!(consent_action(bad, "give").unwrap_err().field, "consentId", "{bad:?}");
        }
    }
}
