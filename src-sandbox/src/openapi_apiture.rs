//! The OpenAPI description of the Apiture-style side of the sandbox: the authorization server (`/auth`)
//! and the Consents API (`/consents`, `/vault`), merged into the served document by [`crate::openapi::document`].
//! Schema-only types mirror `console_api::consents` (which stays free of utoipa: it compiles to wasm).

#![allow(dead_code)] // schema-only types: never constructed, only described

use serde::Serialize;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, AuthorizationCode, ClientCredentials, Flow, OAuth2, Scopes, SecurityScheme,
};
use utoipa::{Modify, OpenApi, ToSchema};

/// Token endpoint request (form-encoded). Client authentication: HTTP Basic, or client_id and
/// client_secret here; a public client sends client_id only.
#[derive(Serialize, ToSchema)]
pub struct AuthTokenRequest {
    /// `authorization_code`, `refresh_token` or `client_credentials`.
    pub grant_type: String,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    /// PKCE: 43 to 128 characters whose S256 is the authorization request's code_challenge.
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    /// Space separated: banking/read, banking/write, banking/full.
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuthTokenResponse {
    /// An ES256 JWT (kid sandbox-auth-demo-es256), aud sandbox-banking-apis.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    #[schema(example = 300)]
    pub expires_in: u64,
    /// Absent for client_credentials. Rotated on every use.
    pub refresh_token: Option<String>,
    #[schema(example = "banking/read banking/write")]
    pub scope: String,
    /// OpenID Connect, when the sign-in asked for `openid`: an ES256 JWT with iss, sub, aud (the client),
    /// exp, iat, nonce (after a sign-in, not after a refresh), name and roles.
    pub id_token: Option<String>,
}

/// RFC 6749 section 5.2.
#[derive(Serialize, ToSchema)]
pub struct AuthError {
    /// invalid_request, invalid_client, invalid_grant, unauthorized_client, unsupported_grant_type, invalid_scope
    pub error: String,
    pub error_description: String,
}

/// The sign-in form: the authorization request, carried in hidden fields, and the credentials.
#[derive(Serialize, ToSchema)]
pub struct SignInForm {
    pub response_type: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub code_challenge: String,
    pub code_challenge_method: String,
    /// OpenID Connect: echoed in the ID token.
    pub nonce: Option<String>,
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct RevokeRequest {
    pub token: String,
    pub token_type_hint: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Jwks {
    /// One EC P-256 key: kty, crv, x, y, kid, alg ES256, use sig.
    pub keys: Vec<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct HalLink {
    pub href: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsentDocument {
    #[schema(example = "/vault/files/privacy-policy/content")]
    pub uri: String,
    #[schema(example = "application/pdf")]
    pub content_type: String,
    #[schema(example = "2026:1")]
    pub revision_id: Option<String>,
    #[schema(example = "2026-09-15T08:00:00.000Z")]
    pub revised_at: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConsentState {
    Pending,
    Given,
    Stale,
    Rescinded,
    Revoked,
}

/// `consent` (v1.1.1). `_links.apiture:give` is present only when the caller may give it now.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "_profile")]
    pub profile: Option<String>,
    #[serde(rename = "_links")]
    pub links: std::collections::BTreeMap<String, HalLink>,
    pub document: ConsentDocument,
    /// productTermsAndConditions, privacyPolicy, electronicConsent
    #[serde(rename = "type")]
    pub type_: String,
    pub context_uri: Option<String>,
    pub secondary_context_uri: Option<String>,
    pub user_id: String,
    pub state: ConsentState,
    pub given_at: Option<String>,
    pub request_revoked_at: Option<String>,
    pub request_rescinded_at: Option<String>,
    /// Sandbox extension: when a revision made it stale.
    pub stale_at: Option<String>,
}

/// `createConsent` (v1.1.1).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateConsent {
    pub document: ConsentDocument,
    #[serde(rename = "type")]
    pub type_: String,
    pub user_id: String,
    /// http(s) or relative only.
    pub context_uri: Option<String>,
    pub secondary_context_uri: Option<String>,
}

/// `revisedDocument` (v1.0.2).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevisedDocument {
    #[schema(example = "/vault/files/privacy-policy/content")]
    pub uri: String,
    /// Optional here (the seed marks it required, and its own example leaves it out).
    pub content_type: Option<String>,
    /// Defaults to revisedAt.
    #[schema(example = "2027:1")]
    pub revision_id: Option<String>,
    #[schema(example = "2027-02-01T08:00:00.000Z")]
    pub revised_at: String,
    #[serde(rename = "type")]
    #[schema(example = "privacyPolicy")]
    pub type_: String,
    pub context_uri: Option<String>,
    pub new_uri: Option<String>,
}

/// `movedDocument` (v1.0.1).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovedDocument {
    #[serde(rename = "type")]
    pub type_: String,
    pub context_uri: Option<String>,
    pub uri: String,
    pub new_uri: String,
}

/// `localizedLabel` (v1.0.0), with the console's caps (the seed gives none; `console_api::consents::labels`).
#[derive(Serialize, ToSchema)]
pub struct LocalizedLabel {
    /// One line: no control character.
    #[schema(max_length = 200)]
    pub label: String,
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    /// Absent: the default label. A BCP 47 tag, unique per name without regard to case.
    #[schema(max_length = 35)]
    pub language: Option<String>,
    /// A lookup code, key or URI of an external standard.
    #[schema(max_length = 2048)]
    pub code: Option<String>,
}

/// `consentTypeNames` (v1.0.2): at most 20 labels per name.
#[derive(Serialize, ToSchema)]
pub struct ConsentTypeNames {
    pub names: std::collections::BTreeMap<String, Vec<LocalizedLabel>>,
}

/// `simpleLabel` (v1.0.0).
#[derive(Serialize, ToSchema)]
pub struct SimpleLabel {
    pub label: String,
    pub description: Option<String>,
}

/// `labelItem` (v1.0.2): label in the caller's language, every language in variants (en, es, fr).
#[derive(Serialize, ToSchema)]
pub struct LabelItem {
    pub label: String,
    pub description: Option<String>,
    pub variants: std::collections::BTreeMap<String, SimpleLabel>,
}

/// `labelGroups` (v1.1.3): groups consentState and consentType.
#[derive(Serialize, ToSchema)]
pub struct LabelGroups {
    pub groups: std::collections::BTreeMap<String, std::collections::BTreeMap<String, LabelItem>>,
}

/// `root` (v2.1.1).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiRoot {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
    pub api_version: String,
    #[serde(rename = "_links")]
    pub links: std::collections::BTreeMap<String, HalLink>,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentItems {
    pub items: Vec<Consent>,
}

/// `consents` (v1.1.1).
#[derive(Serialize, ToSchema)]
pub struct ConsentCollection {
    #[serde(rename = "_profile")]
    pub profile: Option<String>,
    #[serde(rename = "_links")]
    pub links: std::collections::BTreeMap<String, HalLink>,
    pub start: u64,
    pub limit: u64,
    pub count: Option<u64>,
    pub name: String,
    #[serde(rename = "_embedded")]
    pub embedded: ConsentItems,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApitureError {
    #[serde(rename = "_id")]
    pub id: String,
    pub message: String,
    pub status_code: u16,
    /// The seed's consentRefNotFound, consentTypeNameInUse, invalidConsentState, invalidConsentType, invalidContextUri,
    /// invalidDocumentRevision, invalidDocumentUri; and the sandbox's own for what the seed leaves unnamed:
    /// unauthorized, apiKeyRequired, invalidApiKey, forbidden, invalidQueryParameter (400 malformed, 422 invalid),
    /// malformedRequestBody, invalidProperty, ifMatchRequired and preconditionFailed (412), documentNotFound.
    #[serde(rename = "type")]
    pub type_: String,
    pub attributes: Option<serde_json::Value>,
    pub remediation: String,
    pub occurred_at: String,
}

/// `errorResponse` (v2.1.1), as `application/hal+json`.
#[derive(Serialize, ToSchema)]
pub struct ErrorResponse {
    #[serde(rename = "_profile")]
    pub profile: String,
    #[serde(rename = "_error")]
    pub error: ApitureError,
}

/// A person of the bank's customer directory and their id in each system (null where they have none).
#[derive(Serialize, ToSchema)]
pub struct DirectoryPerson {
    /// The bank's customer number, e.g. C-100001.
    pub person_id: String,
    pub name: String,
    pub email: String,
    pub d1_consumer_id: Option<String>,
    /// A uuid.
    pub mas_customer_id: Option<String>,
    pub apiture_user_id: Option<String>,
}

/// At most 20 people, best first.
#[derive(Serialize, ToSchema)]
pub struct DirectoryPeople {
    pub people: Vec<DirectoryPerson>,
}

struct ApitureSecurity;

impl Modify for ApitureSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("apiKey", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("API-Key"))));
        let scopes = || {
            Scopes::from_iter([
                ("banking/read", "Read access"),
                ("banking/write", "Write (update) access"),
                ("banking/full", "Full access"),
                ("directory:read", "Read the customer directory (client_credentials of console-directory)"),
            ])
        };
        components.add_security_scheme(
            "accessToken",
            SecurityScheme::OAuth2(OAuth2::new([
                Flow::AuthorizationCode(AuthorizationCode::new("/auth/oauth2/authorize", "/auth/oauth2/token", scopes())),
                Flow::ClientCredentials(ClientCredentials::new("/auth/oauth2/token", scopes())),
            ])),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(
        crate::auth::authorize::show,
        crate::auth::authorize::submit,
        crate::auth::token::token,
        crate::auth::token::revoke,
        crate::auth::keys::jwks,
        crate::auth::keys::metadata,
        crate::auth::keys::openid_configuration,
        crate::consents::labels::root,
        crate::consents::labels::api_doc,
        crate::consents::labels::labels,
        crate::consents::list::list_consents,
        crate::consents::single::create_consent,
        crate::consents::single::get_consent,
        crate::consents::single::patch_consent,
        crate::consents::list::needed_consents,
        crate::consents::actions::give,
        crate::consents::actions::revoke,
        crate::consents::actions::rescind,
        crate::consents::documents::revise,
        crate::consents::documents::move_document,
        crate::consents::type_names::get_type_names,
        crate::consents::type_names::put_type_names,
        crate::consents::vault::content,
        crate::directory::search,
        crate::directory::person,
    ),
    components(schemas(
        AuthTokenRequest, AuthTokenResponse, AuthError, SignInForm, RevokeRequest, Jwks, HalLink, ConsentDocument,
        ConsentState, Consent, ConsentItems, ConsentCollection, ApitureError, ErrorResponse, CreateConsent,
        RevisedDocument, MovedDocument, LocalizedLabel, ConsentTypeNames, SimpleLabel, LabelItem, LabelGroups, ApiRoot,
        DirectoryPerson, DirectoryPeople
    )),
    modifiers(&ApitureSecurity),
    tags(
        (name = "Authorization server", description = "Apiture-style OAuth 2.0: authorization code + PKCE S256, refresh rotation, client_credentials, revocation, JWKS."),
        (name = "Consents", description = "Apiture Consents v0.12.0 (seed 004), every operation. API-Key header and a bearer token of /auth \
(banking/read to read, banking/write to write). A bank user sees and answers only their own consents; administrators and services \
create, patch, rescind and revise; agents only read. A consent's apiture:give, apiture:revoke and apiture:rescind links are there \
exactly when this caller may do that now. Where the seed contradicts itself, the reading chosen and why is in the operation's \
description: createConsent (200 vs 201), revokeConsent (revoked, not back to pending), rescindConsents (all matches, not the first), \
patchConsent and updateConsentTypeNames (412 for a missing If-Match), reviseDocument (contentType optional). Where it is \
silent: a document has one current revision, set only by reviseDocument (createConsent takes or checks it, giveConsent records it, \
/vault serves it). Errors: 400 malformed, \
422 well-formed but invalid (409 where the seed says so: actions in the wrong state, revisions, type names in use)."),
        (name = "Consent actions", description = "Give, revoke, rescind."),
        (name = "Documents", description = "Revise and move documents; the documents themselves (/vault)."),
        (name = "Consent type names", description = "The registered consent types and their labels."),
        (name = "API", description = "Root, OpenAPI document, labels."),
    )
)]
pub struct ApitureDoc;
