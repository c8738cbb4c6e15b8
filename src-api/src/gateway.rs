//! The console's own API between the page and the Rust side (gateway over HTTP, or Tauri IPC).
//!
//! Paths live here so that the gateway's router and the UI's client cannot drift apart. The page never
//! names an upstream host, an issuer key or a token: it names a consumer and an action.

use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub mod mas;
pub mod me;
pub mod people;

use crate::d1::{Operation, OperationResult, OperationsPage, ReasonBody, RegisterAccount};
use crate::string_enum;
use crate::transport::{percent_decode, Method, Request, Response, Transport, TransportError};
use crate::validate::{self, ValidationError};

/// The header carrying the use case's correlation id, both ways.
pub const CORRELATION_HEADER: &str = "x-correlation-id";

string_enum!(
    /// Which upstream the Rust side talks to; shown as a coloured badge.
    Environment {
        Sandbox => "sandbox", "Sandbox";
        Staging => "staging", "Staging";
        Production => "production", "Production";
    }
);

string_enum!(
    /// Who a signed-in person is to the console. The gateway enforces it on every route; the page only
    /// hides what a role cannot do.
    Role {
        Admin => "admin", "Admin";
        Agent => "agent", "Agent";
        Customer => "customer", "Customer";
    }
);

impl Role {
    /// Back-office staff: may look up any customer.
    pub fn is_staff(&self) -> bool {
        matches!(self, Role::Admin | Role::Agent)
    }

    /// May change anything upstream: D1 deletes and the deprecated account register (and later
    /// cancellations, revisions and rescinds). Agents are read-only.
    pub fn may_write(&self) -> bool {
        matches!(self, Role::Admin)
    }

    /// Where this role starts.
    pub fn home(&self) -> &'static str {
        match self {
            Role::Customer => "/me",
            _ => "/",
        }
    }
}

/// The signed-in person, as the gateway learnt it from the authorization server's token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedInUser {
    /// The authorization server's user id (Apiture's User `_id`).
    pub id: String,
    pub name: String,
    pub role: Role,
}

/// `GET /api/session`: where the page runs and who is signed in. Answers 200 when nobody is signed in too
/// (with `user` and the rest absent), so the page can send the person to sign in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub environment: Environment,
    pub product: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<SignedInUser>,
    /// The D1 issuer the console acts for; shown to staff only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_id: Option<String>,
    /// The anti-CSRF token of this session: the page sends it back in [`CSRF_HEADER`] on every
    /// state-changing call. Not a credential on its own: it works only with the HttpOnly session cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

/// The header carrying the session's anti-CSRF token on POST, PUT, PATCH and DELETE.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Marks the page's background refreshes (the timeline's polls): they are not the person's activity, so
/// the gateway neither extends the session's idle timeout for them nor writes an audit line per poll, and
/// when one of them finds the session ended the page says so (`/signed-out?from=…`) rather than sending
/// the person to sign in.
pub const BACKGROUND_HEADER: &str = "x-console-background";

/// Where the page sends a person to sign in, with the in-app path to come back to.
pub fn sign_in_url(return_to: &str) -> String {
    let safe = if is_local_path(return_to) { return_to } else { "/" };
    format!("{}?return_to={}", routes::AUTH_LOGIN, crate::transport::encode_path(safe))
}

/// Only same-origin absolute paths may be returned to: no `//host`, no scheme, and no control character
/// or `\` anywhere, raw or percent-encoded (browsers drop tabs and newlines from a URL and read `\` as
/// `/`, so `/\t/evil.example` or `/%5C/evil.example` would be another host). The gateway also resolves
/// what passes against its own origin (`console_server::auth::return_path`).
pub fn is_local_path(path: &str) -> bool {
    let decoded = percent_decode(path);
    let forbidden = |b: &u8| *b < 0x20 || *b == 0x7f || *b == b'\\';
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.bytes().any(|b| forbidden(&b))
        && !decoded.iter().any(forbidden)
        && !String::from_utf8_lossy(&decoded).chars().any(char::is_control)
}


string_enum!(
    /// The kind of failure, so the page can word it. `operation_failed`: D1 recorded the delete as
    /// FAILED, and the problem's `operationId` names that operation.
    ProblemKind {
        InvalidInput => "invalid_input", "Check what you entered";
        NotFound => "not_found", "Not found";
        Unauthorized => "unauthorized", "Not signed in";
        Forbidden => "forbidden", "Not allowed";
        UpstreamUnavailable => "upstream_unavailable", "Service unavailable";
        UpstreamError => "upstream_error", "The service refused the request";
        OperationFailed => "operation_failed", "The deletion failed";
        Internal => "internal", "Something went wrong";
    }
);

/// A JSON value carried as its text, read only where it is needed (the staff consent area reads a
/// problem's `attributes` and `current`). As a `serde_json::Value` it put that type's decoder, and the
/// B-tree of its maps, into every bundle that decodes a problem: 4.5 KB of brotli in the staff timeline's.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JsonText(Box<serde_json::value::RawValue>);

impl JsonText {
    /// `value` as JSON text (`None` if it cannot be written as JSON).
    pub fn of<T: Serialize + ?Sized>(value: &T) -> Option<Self> {
        serde_json::value::to_raw_value(value).ok().map(JsonText)
    }

    /// The text read as a `T` (`None` if it is not one).
    pub fn read<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(self.0.get()).ok()
    }
}

impl PartialEq for JsonText {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Eq for JsonText {}

/// Every gateway error body. `message` is plain language; `technical` holds the upstream's own text
/// (D1's `error`), which the UI shows only behind "technical details".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct ApiProblem {
    pub status: u16,
    pub kind: ProblemKind,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technical: Option<String>,
    /// The operation D1 recorded as FAILED (with [`ProblemKind::OperationFailed`]), to look up or quote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// An Apiture API's own error type (`consentTypeNameInUse`, `invalidDocumentRevision`, ...), kept so
    /// that the page can word it, with its `attributes` (e.g. `typeNames`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<JsonText>,
    /// On a 412: the version the write did not match, fresh from upstream, and its ETag, so that the page
    /// can show what changed and retry on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<JsonText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

impl ApiProblem {
    /// A problem in plain words, with nothing else.
    pub fn new(status: u16, kind: ProblemKind, message: impl Into<String>) -> Self {
        ApiProblem {
            status,
            kind,
            message: message.into(),
            field: None,
            correlation_id: None,
            technical: None,
            operation_id: None,
            error_type: None,
            attributes: None,
            current: None,
            etag: None,
        }
    }

    pub fn invalid(e: &ValidationError) -> Self {
        ApiProblem { field: Some(e.field.to_string()), ..ApiProblem::new(400, ProblemKind::InvalidInput, e.to_string()) }
    }
}

/// Gateway routes (axum syntax); the client below builds the same paths.
pub mod routes {
    pub const SESSION: &str = "/api/session";
    /// `GET ?return_to=/path`: starts sign-in at the authorization server.
    pub const AUTH_LOGIN: &str = "/auth/login";
    /// Where the authorization server sends the browser back.
    pub const AUTH_CALLBACK: &str = "/auth/callback";
    /// `POST` (with the anti-CSRF header): revokes the refresh token and ends the session; 204.
    pub const AUTH_LOGOUT: &str = "/auth/logout";
    /// The signed-in end user's own needed (pending or stale) consents.
    pub const MY_NEEDED_CONSENTS: &str = "/api/me/consents/needed";
    /// Staff: a user's needed consents, `?userId=`.
    pub const NEEDED_CONSENTS: &str = "/api/consents/needed";
    /// Staff: the explorer's list (`GET`, an [`crate::consents_staff::ExplorerQuery`]) and its CSV export
    /// (every page of the same filters).
    pub const CONSENTS: &str = "/api/consents";
    pub const CONSENTS_EXPORT: &str = "/api/consents/export.csv";
    /// Staff: one consent (`GET` with its ETag; `PATCH` with `If-Match`, admins).
    pub const CONSENT: &str = "/api/consents/{consent_id}";
    /// Admins: `POST` a [`crate::consents_staff::RescindRequest`]; staff: `GET` its preview (same fields
    /// as query parameters).
    pub const RESCIND: &str = "/api/consents/rescind";
    pub const RESCIND_PREVIEW: &str = "/api/consents/rescind/preview";
    /// Staff: the documents the consents point at, each with its latest revision.
    pub const DOCUMENTS: &str = "/api/documents";
    /// Admins: `POST` a revised document; staff: `GET` what it would make stale (`?uri=&type=&contextUri=`).
    pub const REVISE: &str = "/api/documents/revise";
    pub const REVISE_PREVIEW: &str = "/api/documents/revise/preview";
    /// Admins: `POST` a moved document.
    pub const MOVE: &str = "/api/documents/move";
    /// Staff: the re-consent campaign of a revision (`?uri=&revisionId=`), and its outstanding consents as CSV.
    pub const CAMPAIGN: &str = "/api/documents/campaign";
    pub const CAMPAIGN_OUTSTANDING: &str = "/api/documents/campaign/outstanding.csv";
    /// Staff: `GET` the consent type names; admins: `PUT` them (`If-Match`).
    pub const CONSENT_TYPES: &str = "/api/consent-types";
    pub const OPERATIONS: &str = "/api/d1/consumers/{consumer_id}/operations";
    pub const OPERATION: &str = "/api/d1/consumers/{consumer_id}/operations/{operation_id}";
    pub const DELETE_CONSUMER: &str = "/api/d1/consumers/{consumer_id}/operations:delete";
    pub const ACCOUNT: &str = "/api/d1/accounts/{account_id}";
    pub const DELETE_ACCOUNT: &str = "/api/d1/accounts/{account_id}/operations:delete";
    /// `GET` with a [`crate::export::ExportQuery`]: the consumer's operations as a file (CSV or JSON), read
    /// from D1 and audited by the gateway. A static segment: it wins over [`OPERATION`]'s `{operation_id}`.
    pub const EXPORT_OPERATIONS: &str = "/api/d1/consumers/{consumer_id}/operations/export";
}

/// Why a console call failed, as the page sees it.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ClientError {
    /// Refused before sending: nothing left the page.
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    /// The Rust side answered with a problem.
    #[error("{0}")]
    Problem(ApiProblem),
    /// The Rust side could not be reached.
    #[error("the console's server could not be reached: {0}")]
    Transport(#[from] TransportError),
    #[error("unexpected answer: {0}")]
    Decode(String),
}

impl ClientError {
    /// The correlation id to quote to support, when there is one.
    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            ClientError::Problem(p) => p.correlation_id.as_deref(),
            _ => None,
        }
    }
}

/// A successful answer and the correlation id it was made under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply<V> {
    pub value: V,
    pub correlation_id: Option<String>,
    /// The answer's `ETag`: the version a later write names in `If-Match`.
    pub etag: Option<String>,
}

/// An answer decoded, and the JSON text it was decoded from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsSent<V> {
    pub value: V,
    pub json: String,
}

/// The console API over any [`Transport`] whose base is the gateway's origin.
///
/// It remembers the session's anti-CSRF token from [`GatewayClient::session`] (in memory only) and sends it
/// on every state-changing call.
#[derive(Clone, Debug)]
pub struct GatewayClient<T> {
    transport: T,
    csrf: Arc<Mutex<Option<String>>>,
    /// Requests carry [`BACKGROUND_HEADER`] (see [`GatewayClient::background`]).
    background: bool,
}

impl<T: Transport> GatewayClient<T> {
    pub fn new(transport: T) -> Self {
        GatewayClient { transport, csrf: Arc::default(), background: false }
    }

    /// The same client for the page's background refreshes: its GETs say so ([`BACKGROUND_HEADER`]), and do
    /// not keep the session alive. Never for what the person asked for.
    pub fn background(&self) -> Self
    where
        T: Clone,
    {
        GatewayClient { background: true, ..self.clone() }
    }

    pub(crate) async fn call<V: DeserializeOwned>(&self, request: Request, cid: Option<&str>) -> Result<Reply<V>, ClientError> {
        let reply = self.exchange(request, cid).await?;
        Ok(Reply { value: decode(&reply.value)?, correlation_id: reply.correlation_id, etag: reply.etag })
    }

    /// One exchange: the successful answer's body, correlation id and ETag, or the problem it was.
    async fn exchange(&self, request: Request, cid: Option<&str>) -> Result<Reply<Vec<u8>>, ClientError> {
        self.exchange_with_status(request, cid).await.map(|(_, reply)| reply)
    }

    /// [`GatewayClient::exchange`] and the success status (a write answered 202 is not done yet).
    pub(crate) async fn exchange_with_status(&self, request: Request, cid: Option<&str>) -> Result<(u16, Reply<Vec<u8>>), ClientError> {
        let mut request = match cid {
            Some(cid) => {
                validate::CORRELATION_ID.check(cid)?;
                request.header(CORRELATION_HEADER, cid)
            }
            None => request,
        };
        if request.method != Method::Get {
            if let Some(token) = self.csrf.lock().ok().and_then(|t| t.clone()) {
                request = request.header(CSRF_HEADER, &token);
            }
        } else if self.background {
            request = request.header(BACKGROUND_HEADER, "1");
        }
        let response = self.transport.send(request).await?;
        let correlation_id = response.header(CORRELATION_HEADER).map(str::to_string);
        let etag = response.header("etag").map(str::to_string);
        if !response.is_success() {
            return Err(ClientError::Problem(problem_of(&response, correlation_id)));
        }
        Ok((response.status, Reply { value: response.body, correlation_id, etag }))
    }

    /// Who is signed in; remembers the anti-CSRF token for later writes.
    pub async fn session(&self) -> Result<Reply<SessionInfo>, ClientError> {
        let reply: Reply<SessionInfo> = self.call(Request::new(Method::Get, routes::SESSION), None).await?;
        if let Ok(mut token) = self.csrf.lock() {
            token.clone_from(&reply.value.csrf_token);
        }
        Ok(reply)
    }

    /// Ends the session at the gateway (which revokes its refresh token upstream).
    pub async fn sign_out(&self) -> Result<Reply<()>, ClientError> {
        let reply = self.call(Request::new(Method::Post, routes::AUTH_LOGOUT), None).await;
        if let Ok(mut token) = self.csrf.lock() {
            *token = None;
        }
        reply
    }

    /// The signed-in customer's own consents still to give: pending ones and stale ones (document revised).
    pub async fn my_needed_consents(&self) -> Result<Reply<me::MyConsents>, ClientError> {
        self.call(Request::new(Method::Get, routes::MY_NEEDED_CONSENTS), None).await
    }

    /// One page of a consumer's operations, newest first.
    pub async fn operations(
        &self,
        consumer_id: &str,
        offset: u32,
        limit: u32,
        cid: Option<&str>,
    ) -> Result<Reply<OperationsPage>, ClientError> {
        validate::CONSUMER_ID.check(consumer_id)?;
        validate::limit(limit)?;
        let path = format!("/api/d1/consumers/{consumer_id}/operations?offset={offset}&limit={limit}");
        self.call(Request::new(Method::Get, path), cid).await
    }

    pub async fn operation(
        &self,
        consumer_id: &str,
        operation_id: &str,
        cid: Option<&str>,
    ) -> Result<Reply<Operation>, ClientError> {
        validate::CONSUMER_ID.check(consumer_id)?;
        validate::OPERATION_ID.check(operation_id)?;
        let path = format!("/api/d1/consumers/{consumer_id}/operations/{operation_id}");
        self.call(Request::new(Method::Get, path), cid).await
    }

    /// Irreversible: deletes the consumer and everything attached to it.
    pub async fn delete_consumer(
        &self,
        consumer_id: &str,
        body: &ReasonBody,
        cid: Option<&str>,
    ) -> Result<Reply<OperationResult>, ClientError> {
        validate::CONSUMER_ID.check(consumer_id)?;
        body.validate()?;
        let path = format!("/api/d1/consumers/{consumer_id}/operations:delete");
        self.call(Request::new(Method::Post, path).json(body), cid).await
    }

    /// Deprecated account register.
    pub async fn register_account(
        &self,
        account_id: &str,
        body: &RegisterAccount,
        cid: Option<&str>,
    ) -> Result<Reply<()>, ClientError> {
        validate::ACCOUNT_ID.check(account_id)?;
        body.validate()?;
        let path = format!("/api/d1/accounts/{account_id}");
        self.call(Request::new(Method::Put, path).json(body), cid).await
    }

    /// Deprecated account delete.
    pub async fn delete_account(
        &self,
        account_id: &str,
        body: &ReasonBody,
        cid: Option<&str>,
    ) -> Result<Reply<OperationResult>, ClientError> {
        validate::ACCOUNT_ID.check(account_id)?;
        body.validate()?;
        let path = format!("/api/d1/accounts/{account_id}/operations:delete");
        self.call(Request::new(Method::Post, path).json(body), cid).await
    }

    /// [`GatewayClient::operation`], with the JSON text it was decoded from: the drawer shows the operation
    /// as it was sent, which the page then needs no serializer of its own for.
    pub async fn operation_as_sent(
        &self,
        consumer_id: &str,
        operation_id: &str,
        cid: Option<&str>,
    ) -> Result<Reply<AsSent<Operation>>, ClientError> {
        validate::CONSUMER_ID.check(consumer_id)?;
        validate::OPERATION_ID.check(operation_id)?;
        let path = format!("/api/d1/consumers/{consumer_id}/operations/{operation_id}");
        let Reply { value: body, correlation_id, etag } = self.exchange(Request::new(Method::Get, path), cid).await?;
        let value = decode(&body)?;
        let json = String::from_utf8(body).map_err(|e| ClientError::Decode(e.to_string()))?;
        Ok(Reply { value: AsSent { value, json }, correlation_id, etag })
    }
}

/// An answer's value; an empty body is `null` (the unit answers of writes).
fn decode<V: DeserializeOwned>(body: &[u8]) -> Result<V, serde_json::Error> {
    serde_json::from_slice(if body.is_empty() { b"null" } else { body })
}

impl From<serde_json::Error> for ClientError {
    fn from(e: serde_json::Error) -> Self {
        ClientError::Decode(e.to_string())
    }
}

fn problem_of(response: &Response, correlation_id: Option<String>) -> ApiProblem {
    serde_json::from_slice::<ApiProblem>(&response.body).unwrap_or_else(|_| ApiProblem {
        correlation_id: correlation_id.clone(),
        technical: Some(String::from_utf8_lossy(&response.body).chars().take(500).collect()),
        ..ApiProblem::new(response.status, ProblemKind::Internal, format!("The console's server answered {} without an explanation.", response.status))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_returns_only_to_local_paths() {
        assert_eq!(sign_in_url("/consumers/demo-busy?type=DELETE"), "/auth/login?return_to=/consumers/demo-busy%3Ftype%3DDELETE");
        for hostile in ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", ""] {
            assert_eq!(sign_in_url(hostile), "/auth/login?return_to=/", "{hostile:?}");
        }
    }

    #[test]
    fn control_characters_and_backslashes_are_refused_raw_or_percent_encoded() {
        for hostile in [
            "/\t/evil.example", "/\n/x", "/\u{c}/x", "/\u{1}x", "/\u{7f}x", "/\u{85}x", "/x\\y",
            "/%09/evil.example", "/%0A/x", "/%0a/x", "/%0C/x", "/%5C/x", "/%5c/x", "/%01", "/%7F", "/%C2%85/x",
            "//x", "/\\x", "https:x", "x/y",
        ] {
            assert!(!is_local_path(hostile), "{hostile:?}");
        }
        for fine in ["/", "/consumers/demo-busy?status=FAILED", "/me", "/a%20b", "/100%", "/%zz", "/caf%C3%A9"] {
            assert!(is_local_path(fine), "{fine:?}");
        }
    }

    #[test]
    fn only_admins_write_and_only_staff_look_up() {
        assert!(Role::Admin.may_write() && Role::Admin.is_staff());
        assert!(!Role::Agent.may_write() && Role::Agent.is_staff());
        assert!(!Role::Customer.may_write() && !Role::Customer.is_staff());
        assert!(!Role::Other("auditor".into()).is_staff());
        assert_eq!(Role::Customer.home(), "/me");
    }
}
