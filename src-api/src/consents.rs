//! Apiture Consents v0.12.0 (seed 004): the wire models the console, the gateway and the sandbox share.
//!
//! HAL representations: `_id`, `_links` (rel -> `{href}`) and `_embedded` keep their underscores on the
//! wire. A link such as `apiture:give` is present only when the caller may do it now, so the UI enables its
//! buttons from [`Consent::can`]. Serde only: this compiles for the page (wasm) too.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod labels;

/// The header that carries the client's API key on every Consents call.
pub const API_KEY_HEADER: &str = "API-Key";
/// Apiture's media type for every representation and error (`application/json` is accepted too).
pub const HAL_JSON: &str = "application/hal+json";

/// Link relations of a consent, present only when the caller may follow them now.
pub const REL_SELF: &str = "self";
pub const REL_GIVE: &str = "apiture:give";
pub const REL_REVOKE: &str = "apiture:revoke";
pub const REL_RESCIND: &str = "apiture:rescind";

crate::string_enum!(
    /// `consentStates`: where a consent is in its life cycle.
    ConsentState {
        Pending => "pending", "Pending";
        Given => "given", "Given";
        Stale => "stale", "Stale (document revised)";
        Rescinded => "rescinded", "Rescinded";
        Revoked => "revoked", "Revoked";
    }
);

impl ConsentState {
    /// Pending and stale consents are the ones the user still has to give (`neededConsents`).
    pub fn is_needed(&self) -> bool {
        matches!(self, ConsentState::Pending | ConsentState::Stale)
    }
}

/// A HAL link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub href: String,
}

/// `_links`: relation name -> link (ordered so that serialization is stable).
pub type Links = BTreeMap<String, Link>;

/// `document`: the target document the user consents to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentDocument {
    pub uri: String,
    pub content_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_id: Option<String>,
    /// RFC 3339 UTC, `YYYY-MM-DDThh:mm:ss.sssZ`.
    pub revised_at: String,
}

/// `consent` (v1.1.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "_profile", default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(rename = "_links", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub links: Links,
    pub document: ConsentDocument,
    /// A name of `/consentTypeNames` (productTermsAndConditions, privacyPolicy, electronicConsent, ...).
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_context_uri: Option<String>,
    pub user_id: String,
    pub state: ConsentState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_revoked_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_rescinded_at: Option<String>,
    /// When a revision of the document made this consent stale (a sandbox extension the seed does not
    /// have; the history a staff view shows). Absent unless the consent is or was stale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_at: Option<String>,
}

impl Consent {
    /// Whether the caller may follow `rel` now (the server sends the link only then).
    pub fn can(&self, rel: &str) -> bool {
        self.links.contains_key(rel)
    }
}

/// `_embedded` of a consent collection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentItems {
    #[serde(default)]
    pub items: Vec<Consent>,
}

/// `consents` (v1.1.1): a page of consents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentCollection {
    #[serde(rename = "_profile", default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(rename = "_links", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub links: Links,
    #[serde(default)]
    pub start: u64,
    #[serde(default)]
    pub limit: u64,
    /// Optional on the wire: "may be omitted if the count is not computable efficiently".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(default)]
    pub name: String,
    #[serde(rename = "_embedded", default)]
    pub embedded: ConsentItems,
}

/// `createConsent` (v1.1.1): the body of `POST /consents/consents`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateConsent {
    pub document: ConsentDocument,
    #[serde(rename = "type")]
    pub type_: String,
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_context_uri: Option<String>,
}

impl CreateConsent {
    /// Every URI of the request against [`crate::validate::uri_reference`], with the seed's error type
    /// (`invalidDocumentUri` or `invalidContextUri`) of the first one refused.
    pub fn check_uris(&self) -> Result<(), (&'static str, crate::validate::ValidationError)> {
        crate::validate::uri_reference("document.uri", &self.document.uri).map_err(|e| (ERR_INVALID_DOCUMENT_URI, e))?;
        check_context("contextUri", self.context_uri.as_deref())?;
        check_context("secondaryContextUri", self.secondary_context_uri.as_deref())
    }
}

/// A context URI, when there is one, with `invalidContextUri` if refused.
pub fn check_context(field: &'static str, uri: Option<&str>) -> Result<(), (&'static str, crate::validate::ValidationError)> {
    match uri {
        Some(u) => crate::validate::uri_reference(field, u).map_err(|e| (ERR_INVALID_CONTEXT_URI, e)),
        None => Ok(()),
    }
}

/// `revisedDocument` (v1.0.2): `POST /consents/revisedDocuments` (and its 202 answer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevisedDocument {
    pub uri: String,
    /// Listed as required by the schema but absent from its own example: optional here; when given, the
    /// matching consents take it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Defaults to `revisedAt` (the seed: "may be omitted and defaults to the revision time stamp").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_id: Option<String>,
    pub revised_at: String,
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_uri: Option<String>,
}

/// `movedDocument` (v1.0.1): `POST /consents/movedDocuments` (and its 202 answer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MovedDocument {
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_uri: Option<String>,
    pub uri: String,
    pub new_uri: String,
}

/// `localizedLabel` (v1.0.0): one language's label of a consent type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedLabel {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Empty or absent: the default label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// `consentTypeNames` (v1.0.2): type name -> its labels (the first is the default).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentTypeNames {
    #[serde(rename = "_profile", default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(rename = "_links", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub links: Links,
    pub names: BTreeMap<String, Vec<LocalizedLabel>>,
}

/// `simpleLabel` (v1.0.0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimpleLabel {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `labelItem` (v1.0.2): the label in the caller's language, and every language's in `variants`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelItem {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variants: BTreeMap<String, SimpleLabel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
}

/// `labelGroups` (v1.1.3): `GET /consents/labels`. Groups here: `consentState` and `consentType`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelGroups {
    #[serde(rename = "_profile", default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(rename = "_links", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub links: Links,
    pub groups: BTreeMap<String, BTreeMap<String, LabelItem>>,
}

/// The label groups of `GET /consents/labels`.
pub const LABEL_GROUP_STATE: &str = "consentState";
pub const LABEL_GROUP_TYPE: &str = "consentType";

/// The seed's error types (`_error.type`) of the Consents API, and the sandbox's own for what the seed
/// leaves unnamed (the bearer check's, malformed requests, preconditions).
pub const ERR_CONSENT_REF_NOT_FOUND: &str = "consentRefNotFound";
pub const ERR_CONSENT_TYPE_NAME_IN_USE: &str = "consentTypeNameInUse";
pub const ERR_INVALID_CONSENT_STATE: &str = "invalidConsentState";
pub const ERR_INVALID_CONSENT_TYPE: &str = "invalidConsentType";
pub const ERR_INVALID_CONTEXT_URI: &str = "invalidContextUri";
pub const ERR_INVALID_DOCUMENT_REVISION: &str = "invalidDocumentRevision";
pub const ERR_INVALID_DOCUMENT_URI: &str = "invalidDocumentUri";
pub const ERR_INVALID_QUERY_PARAMETER: &str = "invalidQueryParameter";
pub const ERR_MALFORMED_REQUEST_BODY: &str = "malformedRequestBody";
pub const ERR_INVALID_PROPERTY: &str = "invalidProperty";
pub const ERR_PRECONDITION_FAILED: &str = "preconditionFailed";
pub const ERR_IF_MATCH_REQUIRED: &str = "ifMatchRequired";
pub const ERR_FORBIDDEN: &str = "forbidden";

/// `error` (v2.1.1): what went wrong, with Apiture's error `type` (`consentRefNotFound`, `forbidden`, ...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApitureError {
    #[serde(rename = "_id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<String>,
}

/// `errorResponse` (v2.1.1): the body of every 4xx/5xx of an Apiture API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorResponse {
    #[serde(rename = "_profile", default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(rename = "_error")]
    pub error: ApitureError,
}

/// `_profile` of an error response, as the seed gives it.
pub const ERROR_RESPONSE_PROFILE: &str = "https://production.api.apiture.com/schemas/common/errorResponse/v2.1.1/profile.json";
/// `_profile` of a consent and of a consent collection.
pub const CONSENT_PROFILE: &str = "https://production.api.apiture.com/schemas/consents/consent/v1.1.1/profile.json";
pub const CONSENTS_PROFILE: &str = "https://production.api.apiture.com/schemas/consents/consents/v1.1.1/profile.json";
pub const REVISED_DOCUMENT_PROFILE: &str = "https://production.api.apiture.com/schemas/consents/revisedDocument/v1.0.2/profile.json";
pub const MOVED_DOCUMENT_PROFILE: &str = "https://production.api.apiture.com/schemas/consents/movedDocument/v1.0.1/profile.json";
pub const CONSENT_TYPE_NAMES_PROFILE: &str = "https://production.api.apiture.com/schemas/consents/consentTypeNames/v1.0.2/profile.json";
pub const LABEL_GROUPS_PROFILE: &str = "https://production.api.apiture.com/schemas/common/labelGroups/v1.1.3/profile.json";
pub const ROOT_PROFILE: &str = "https://production.api.apiture.com/schemas/common/root/v2.1.1/profile.json";

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's `consent` example, verbatim.
    const SEED_CONSENT: &str = r#"{
      "_profile": "https://production.api.apiture.com/schemas/consents/consent/v1.1.1/profile.json",
      "_links": {
        "self": { "href": "/consents/consents/0399abed-fd3d-4830-a88b-30f38b8a365c" },
        "apiture:revoke": { "href": "/consents/revokedConsents?consent=0399abed-fd3d-4830-a88b-30f38b8a365c" },
        "apiture:rescind": { "href": "/consents/rescindedConsents?consent=0399abed-fd3d-4830-a88b-30f38b8a365c" }
      },
      "_id": "0399abed-fd3d-4830-a88b-30f38b8a365c",
      "document": {
        "uri": "/vault/files/fd44d565-0086-4caf-8d9f-3b7681809251/content",
        "contentType": "application/pdf",
        "revisedAt": "2019-07-23T08:26:45.375Z",
        "revisionId": "2019:1.02.0"
      },
      "type": "productTermsAndConditions",
      "userId": "5a5e834c-a7bd-401c",
      "state": "given",
      "contextUri": "/products/products/34011fe5-192d-4ffb-be32-e7215e56028a",
      "givenAt": "2019-07-23T13:27:34.375Z"
    }"#;

    #[test]
    fn the_seed_consent_round_trips() {
        let original: serde_json::Value = serde_json::from_str(SEED_CONSENT).unwrap();
        let consent: Consent = serde_json::from_value(original.clone()).unwrap();
        assert_eq!(consent.state, ConsentState::Given);
        assert_eq!(consent.type_, "productTermsAndConditions");
        assert_eq!(consent.document.revision_id.as_deref(), Some("2019:1.02.0"));
        assert!(consent.can(REL_REVOKE) && !consent.can(REL_GIVE));
        assert_eq!(serde_json::to_value(&consent).unwrap(), original);
    }

    #[test]
    fn unknown_states_are_kept_and_needed_is_pending_or_stale() {
        let s: ConsentState = serde_json::from_str("\"archived\"").unwrap();
        assert_eq!(s, ConsentState::Other("archived".into()));
        assert!(ConsentState::Stale.is_needed() && ConsentState::Pending.is_needed());
        assert!(!ConsentState::Given.is_needed() && !s.is_needed());
    }

    #[test]
    fn the_seed_error_response_round_trips_what_we_model() {
        let seed = serde_json::json!({
            "_profile": ERROR_RESPONSE_PROFILE,
            "_error": {
                "_id": "2eae46e1-575c-4d69-8a8f-0a7b0115a4b3",
                "message": "Description of the error will appear here.",
                "statusCode": 422,
                "type": "specificErrorType",
                "attributes": { "value": "Optional attribute describing the error" },
                "remediation": "Optional instructions to remediate the error may appear here.",
                "occurredAt": "2018-01-25T05:50:52.375Z"
            }
        });
        let e: ErrorResponse = serde_json::from_value(seed.clone()).unwrap();
        assert_eq!(e.error.type_.as_deref(), Some("specificErrorType"));
        assert_eq!(e.error.status_code, Some(422));
        assert_eq!(serde_json::to_value(&e).unwrap(), seed);
    }

    #[test]
    fn a_collection_of_full_consents_round_trips() {
        let consent: Consent = serde_json::from_str(SEED_CONSENT).unwrap();
        let page = ConsentCollection {
            profile: Some(CONSENTS_PROFILE.into()),
            links: Links::from([("self".to_string(), Link { href: "/consents/neededConsents".into() })]),
            start: 0,
            limit: 100,
            count: Some(1),
            name: "consents".into(),
            embedded: ConsentItems { items: vec![consent] },
        };
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(json["_embedded"]["items"][0]["_id"], "0399abed-fd3d-4830-a88b-30f38b8a365c");
        assert_eq!(serde_json::from_value::<ConsentCollection>(json).unwrap(), page);
    }
}
