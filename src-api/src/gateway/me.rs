//! The signed-in end user's own routes ("My documents"): their needed consents (consolidated), giving and
//! revoking them, what they gave, the labels in their language, and the bank's documents, read through
//! the gateway. The gateway calls Apiture Consents with the person's own token, so the API itself keeps
//! them to their own consents.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ClientError, GatewayClient, Reply};
use crate::consents::{Consent, ConsentDocument, ConsentState, Link};
use crate::i18n::Language;
use crate::transport::{encode_component, Method, Request, Transport};
use crate::validate::{self, CharRule, ValidationError};

/// Paths (axum syntax) of the end user's routes.
pub mod routes {
    /// `GET`: the needed consents, one per type and document (`consolidate=true` upstream).
    pub use super::super::routes::MY_NEEDED_CONSENTS;
    /// `GET`: given, stale and revoked consents, newest given first.
    pub const MY_HISTORY: &str = "/api/me/consents/history";
    /// `GET`: one of the person's consents, with its `ETag` (what a give names in `If-Match`).
    pub const MY_CONSENT: &str = "/api/me/consents/{consent_id}";
    /// `POST` (anti-CSRF) with `If-Match` (the ETag of the consent as read, [`super::check_entity_tag`]):
    /// gives this consent and every matching needed one; answers [`super::GivenConsents`]. 412 when the
    /// document was revised since.
    pub const MY_GIVE: &str = "/api/me/consents/{consent_id}/give";
    /// `POST` (anti-CSRF): revokes this consent; answers the consent.
    pub const MY_REVOKE: &str = "/api/me/consents/{consent_id}/revoke";
    /// `GET ?lang=en|es|fr`: the consent states' and types' labels ([`crate::consents::LabelGroups`]; the
    /// page reads them as [`super::ShownLabels`]).
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

/// The longest entity tag a give may name (the sandbox's are some 45 characters: `"{uuid}-v{version}"`).
pub const ENTITY_TAG_MAX: usize = 128;

/// An `If-Match` a give names: one strong entity tag as RFC 9110 writes it (`"` etagc* `"`, etagc being
/// the visible characters but `"`), at most [`ENTITY_TAG_MAX`] characters. Not `*` (it would give
/// whatever revision is current) nor a weak `W/` tag (If-Match compares strongly: it never matches).
pub fn check_entity_tag(tag: &str) -> Result<(), ValidationError> {
    let refused = |message: &str| Err(ValidationError { field: "If-Match", message: message.to_string() });
    if tag.len() > ENTITY_TAG_MAX {
        return refused(&format!("at most {ENTITY_TAG_MAX} characters: the ETag of the consent as read"));
    }
    let inner = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"'));
    match inner {
        Some(inner) if !inner.is_empty() && inner.bytes().all(|b| b == 0x21 || (0x23..=0x7e).contains(&b)) => Ok(()),
        _ => refused("one strong entity tag in double quotes, such as \"c-1-v2\": the ETag of the consent as read"),
    }
}

/// What one "I agree" gave: the consent named first, then every matching one the API gave with it. The
/// gateway answers whole [`Consent`]s; the page reads them as [`MyConsent`]s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenConsents<C = Consent> {
    pub consents: Vec<C>,
}

/// A consent as the end user's pages read it from the gateway's answers (Apiture's [`Consent`]): what
/// they show and whether it may be revoked. The rest of the consent (its context, user id, profile and
/// other links) is left unread.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MyConsent {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "_links", default)]
    pub links: MyConsentLinks,
    pub document: ConsentDocument,
    #[serde(rename = "type")]
    pub type_: String,
    pub state: ConsentState,
    #[serde(default)]
    pub given_at: Option<String>,
    #[serde(default)]
    pub request_revoked_at: Option<String>,
}

/// Of a consent's `_links`, the one the pages follow ([`crate::consents::REL_REVOKE`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct MyConsentLinks {
    #[serde(rename = "apiture:revoke", default)]
    pub revoke: Option<Link>,
}

impl MyConsent {
    /// Whether the person may revoke it now (the API sends the link only then).
    pub fn can_revoke(&self) -> bool {
        self.links.revoke.is_some()
    }
}

/// A list of consents as the pages read it: the items of Apiture's `consents` page
/// ([`crate::consents::ConsentCollection`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct MyConsents {
    #[serde(rename = "_embedded", default)]
    pub embedded: MyConsentItems,
}

/// `_embedded` of [`MyConsents`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct MyConsentItems {
    #[serde(default)]
    pub items: Vec<MyConsent>,
}

/// The consent states' and types' names as the end user's pages show them: per group (`consentState`,
/// `consentType`), each name's label in the language asked. The labels route answers Apiture's
/// [`crate::consents::LabelGroups`]; the page reads only this of it, and leaves unread what it never shows (descriptions,
/// codes, every other language's variants).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ShownLabels {
    pub groups: BTreeMap<String, BTreeMap<String, ShownLabel>>,
}

/// One name's label in the language asked.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ShownLabel {
    pub label: String,
}

impl ShownLabels {
    /// The label of `name` in `group` (e.g. [`crate::consents::LABEL_GROUP_TYPE`]), if the API has one.
    pub fn label(&self, group: &str, name: &str) -> Option<&str> {
        Some(self.groups.get(group)?.get(name)?.label.as_str())
    }
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
    pub async fn my_history(&self) -> Result<Reply<MyConsents>, ClientError> {
        self.call(Request::new(Method::Get, routes::MY_HISTORY), None).await
    }

    /// One of the person's consents, with its ETag ([`Reply::etag`]).
    pub async fn my_consent(&self, consent_id: &str) -> Result<Reply<MyConsent>, ClientError> {
        CONSENT_ID.check(consent_id)?;
        self.call(Request::new(Method::Get, format!("/api/me/consents/{consent_id}")), None).await
    }

    /// "I have read and agree": gives the consent and every needed one of the same type and document, if
    /// it is still the version read (`read`: its ETag then). A revision published since is a 412.
    pub async fn give_my_consent(&self, consent_id: &str, read: &str, cid: Option<&str>) -> Result<Reply<GivenConsents<MyConsent>>, ClientError> {
        let path = consent_action(consent_id, "give")?;
        check_entity_tag(read)?;
        self.call(Request::new(Method::Post, path).header("if-match", read), cid).await
    }

    /// Withdraws a given consent.
    pub async fn revoke_my_consent(&self, consent_id: &str, cid: Option<&str>) -> Result<Reply<MyConsent>, ClientError> {
        let path = consent_action(consent_id, "revoke")?;
        self.call(Request::new(Method::Post, path), cid).await
    }

    /// The labels of consent states and types in `language`.
    pub async fn my_labels(&self, language: Language) -> Result<Reply<ShownLabels>, ClientError> {
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

    /// A consent as the gateway answers it (the seed's example), read for what the pages show.
    #[test]
    fn the_page_reads_a_consent_and_whether_it_may_be_revoked() {
        let answer = r#"{ "_embedded": { "items": [
          { "_profile": "https://production.api.apiture.com/schemas/consents/consent/v1.1.1/profile.json",
            "_links": { "self": { "href": "/consents/consents/c-1" },
                        "apiture:revoke": { "href": "/consents/revokedConsents?consent=c-1" } },
            "_id": "c-1", "type": "privacyPolicy", "userId": "u-1", "state": "given",
            "document": { "uri": "/vault/files/p/content", "contentType": "text/html", "revisedAt": "2026-01-01T00:00:00.000Z",
                          "revisionId": "2026:1" },
            "contextUri": "/accounts/a-1", "givenAt": "2026-02-01T10:00:00.000Z" },
          { "_links": { "self": { "href": "/consents/consents/c-2" } }, "_id": "c-2", "type": "privacyPolicy", "userId": "u-1",
            "state": "revoked", "document": { "uri": "/v", "contentType": "text/html", "revisedAt": "2026-01-01T00:00:00.000Z" },
            "givenAt": "2026-01-05T10:00:00.000Z", "requestRevokedAt": "2026-01-06T10:00:00.000Z" } ] },
          "start": 0, "limit": 1000, "count": 2, "name": "consents" }"#;
        let items = serde_json::from_str::<MyConsents>(answer).unwrap().embedded.items;
        assert_eq!(items.len(), 2);
        let (given, revoked) = (&items[0], &items[1]);
        assert_eq!((given.id.as_str(), given.type_.as_str()), ("c-1", "privacyPolicy"));
        assert_eq!((&given.state, &revoked.state), (&ConsentState::Given, &ConsentState::Revoked));
        assert_eq!(given.document.revision_id.as_deref(), Some("2026:1"));
        assert_eq!(given.given_at.as_deref(), Some("2026-02-01T10:00:00.000Z"));
        assert!(given.can_revoke() && !revoked.can_revoke());
        assert_eq!(revoked.request_revoked_at.as_deref(), Some("2026-01-06T10:00:00.000Z"));
        // What the gateway answers a give, read back by the page.
        let wire: serde_json::Value = serde_json::from_str(answer).unwrap();
        let consent: Consent = serde_json::from_value(wire["_embedded"]["items"][0].clone()).unwrap();
        let sent = serde_json::to_string(&GivenConsents { consents: vec![consent] }).unwrap();
        let read: GivenConsents<MyConsent> = serde_json::from_str(&sent).unwrap();
        assert_eq!(read.consents, vec![given.clone()]);
    }

    /// Apiture's label groups, as the labels route answers them, read for the labels alone.
    #[test]
    fn the_page_reads_each_names_label_from_the_label_groups() {
        let answer = r#"{
          "_profile": "https://production.api.apiture.com/schemas/common/labelGroups/v1.1.3/profile.json",
          "groups": {
            "consentType": {
              "privacyPolicy": { "label": "Política de privacidad", "description": "Cómo usamos sus datos",
                "variants": { "en": { "label": "Privacy policy" }, "fr": { "label": "Politique de confidentialité" } },
                "code": "pp", "hidden": false }
            },
            "consentState": { "given": { "label": "Dado" } }
          }
        }"#;
        let labels: ShownLabels = serde_json::from_str(answer).unwrap();
        assert_eq!(labels.label(crate::consents::LABEL_GROUP_TYPE, "privacyPolicy"), Some("Política de privacidad"));
        assert_eq!(labels.label(crate::consents::LABEL_GROUP_STATE, "given"), Some("Dado"));
        assert_eq!(labels.label(crate::consents::LABEL_GROUP_STATE, "revoked"), None);
        assert_eq!(labels.label("other", "given"), None);
    }

    #[test]
    fn a_give_names_one_strong_entity_tag_of_bounded_length() {
        for good in ["\"d311f16d-7407-4757-bfa9-162ba8bf8634-v3\"", "\"x\"", "\"!#~\""] {
            assert_eq!(check_entity_tag(good), Ok(()), "{good}");
        }
        let long = format!("\"{}\"", "a".repeat(ENTITY_TAG_MAX - 1));
        for bad in ["", "*", "c-1-v2", "\"\"", "W/\"c-1-v2\"", "\"a\", \"b\"", "\"a b\"", "\"a\"b\"", "\"\u{e9}\"", "\"a\r\nX: y\"", long.as_str()] {
            assert_eq!(check_entity_tag(bad).map_err(|e| e.field), Err("If-Match"), "{bad:?}");
        }
        assert_eq!(check_entity_tag(&long[1..]).map_err(|e| e.field), Err("If-Match"));
    }

    #[test]
    fn consent_actions_take_only_path_safe_ids() {
        assert_eq!(consent_action("d311f16d-7407", "give").unwrap(), "/api/me/consents/d311f16d-7407/give");
        for bad in ["", "a/b", "../x", "a?b", "x y"] {
            assert_eq!(consent_action(bad, "give").unwrap_err().field, "consentId", "{bad:?}");
        }
    }
}
