//! Apiture-style APIs (Consents now): every call carries the bank's `API-Key` and the signed-in person's
//! own bearer token, so the API itself decides what that person may see. The gateway never widens it.

use std::time::Duration;

use console_api::consents::API_KEY_HEADER;
use thiserror::Error;

use crate::http::{client, join, transport_error};
use crate::{LinkError, UpstreamTls};

#[derive(Debug, Error)]
pub enum ApitureError {
    /// The API answered with an error status; `body` is its `_error` document, for the technical details.
    #[error("the API answered {status}")]
    Status { status: u16, body: serde_json::Value },
    /// 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750): the person's access token is
    /// revoked or expired, their sign-in is over. `body` as in `Status`.
    #[error("the API refused the access token (invalid_token)")]
    InvalidToken { body: serde_json::Value },
    /// No answer; the text is for the server's log (it names the URL).
    #[error("the API could not be reached: {0}")]
    Unreachable(String),
    #[error("the API's answer is not what the console expects: {0}")]
    Decode(String),
}

/// One Apiture API base (e.g. `https://api.devbank.apiture.com/consents`) and the bank's key for it.
#[derive(Clone)]
pub struct ApitureLink {
    http: reqwest::Client,
    base: url::Url,
    api_key: String,
}

impl std::fmt::Debug for ApitureLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApitureLink").field("base", &self.base.as_str()).field("api_key", &"<redacted>").finish()
    }
}

impl ApitureLink {
    /// Over TLS with the public roots.
    pub fn new(base: url::Url, api_key: String, timeout: Duration) -> Result<Self, LinkError> {
        ApitureLink::with_tls(base, api_key, timeout, &UpstreamTls::default())
    }

    /// With the API's TLS files (a private CA bundle).
    pub fn with_tls(base: url::Url, api_key: String, timeout: Duration, tls: &UpstreamTls) -> Result<Self, LinkError> {
        Ok(ApitureLink { http: client(tls, timeout)?, base, api_key })
    }

    /// The API's base URL (its origin is where the bank's documents are, see [`ApitureLink::document_url`]).
    pub fn base(&self) -> &url::Url {
        &self.base
    }

    /// `GET {base}/{path}?{query}` as the person holding `access_token`, decoded into `T`.
    pub async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        access_token: &str,
        correlation_id: &str,
    ) -> Result<T, ApitureError> {
        self.call(Call::get(path, query), access_token, correlation_id).await.map(|a| a.value)
    }

    /// One exchange as the person holding `access_token`: the answer decoded into `T`, with its ETag and
    /// headers. A write is sent once: never retried here (the API may have done it before failing to
    /// answer).
    pub async fn call<T: serde::de::DeserializeOwned>(&self, call: Call<'_>, access_token: &str, correlation_id: &str) -> Result<Tagged<T>, ApitureError> {
        let mut request = self.http.request(call.method, self.url(call.path, call.query)).header("accept", JSON_ACCEPT);
        if let Some(language) = call.language {
            request = request.header(reqwest::header::ACCEPT_LANGUAGE, language);
        }
        if let Some(tag) = call.if_match {
            request = request.header(reqwest::header::IF_MATCH, tag);
        }
        if let Some(body) = call.body {
            request = request.header(reqwest::header::CONTENT_TYPE, "application/json").body(body);
        }
        let response = self.send(request, access_token, correlation_id).await?;
        let headers = response.headers().clone();
        let etag = headers.get(reqwest::header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_string);
        Ok(Tagged { value: decode(response).await?, etag, headers })
    }

    /// As [`ApitureLink::get`], asking for `language` (`Accept-Language`), for labels.
    pub async fn get_in_language<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        language: &str,
        access_token: &str,
        correlation_id: &str,
    ) -> Result<T, ApitureError> {
        let call = Call { language: Some(language), ..Call::get(path, query) };
        self.call(call, access_token, correlation_id).await.map(|a| a.value)
    }

    /// `POST {base}/{path}?{query}` without a body (Apiture's actions name their consent in the query), as
    /// the person holding `access_token`. Sent once: a write is never retried here.
    pub async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        access_token: &str,
        correlation_id: &str,
    ) -> Result<T, ApitureError> {
        let call = Call { method: reqwest::Method::POST, ..Call::get(path, query) };
        self.call(call, access_token, correlation_id).await.map(|a| a.value)
    }

    /// Where a consent's document URI points, if it is one of this API's own documents: a relative reference
    /// resolved against the base, or an absolute URL on the base's origin (scheme, host and port). Anything
    /// else is refused, so the gateway never fetches from a host the page chose.
    pub fn document_url(&self, uri: &str) -> Result<url::Url, DocumentUriError> {
        document_url(&self.base, uri)
    }

    /// `GET url` (from [`ApitureLink::document_url`]) as the person holding `access_token`: the document's
    /// bytes and content type, at most [`DOCUMENT_MAX_BYTES`].
    pub async fn document(&self, url: url::Url, access_token: &str, correlation_id: &str) -> Result<FetchedDocument, ApitureError> {
        let request = self.http.get(url).header("accept", "text/html, application/pdf");
        let mut response = self.send(request, access_token, correlation_id).await?;
        let content_type = response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
        let revision_id = response.headers().get("document-revision-id").and_then(|v| v.to_str().ok()).map(str::to_string);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| ApitureError::Unreachable(transport_error(&e).to_string()))? {
            if body.len() + chunk.len() > DOCUMENT_MAX_BYTES {
                return Err(ApitureError::Decode(format!("the document is larger than {DOCUMENT_MAX_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FetchedDocument { content_type, revision_id, body })
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> url::Url {
        let mut url = join(&self.base, path);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// Sends with the key and the person's token; a success comes back to be read, an error status as
    /// [`ApitureError`] with its `_error` document.
    async fn send(&self, request: reqwest::RequestBuilder, access_token: &str, correlation_id: &str) -> Result<reqwest::Response, ApitureError> {
        let response = request
            .bearer_auth(access_token)
            .header(API_KEY_HEADER, &self.api_key)
            .header("x-correlation-id", correlation_id)
            .send()
            .await
            .map_err(|e| ApitureError::Unreachable(transport_error(&e).to_string()))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(response);
        }
        let invalid_token = status == 401
            && response
                .headers()
                .get_all(reqwest::header::WWW_AUTHENTICATE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.contains("error=\"invalid_token\""));
        let bytes = response.bytes().await.map_err(|e| ApitureError::Unreachable(transport_error(&e).to_string()))?;
        // The error document, for the technical details; an empty or non-JSON one is kept as null.
        let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Err(if invalid_token { ApitureError::InvalidToken { body } } else { ApitureError::Status { status, body } })
    }
}

/// What [`ApitureLink::call`] sends: a method, a path under the base, query pairs, the language asked
/// (`Accept-Language`, for labels), and for writes `If-Match` and a JSON body.
#[derive(Clone, Debug)]
pub struct Call<'a> {
    pub method: reqwest::Method,
    pub path: &'a str,
    pub query: &'a [(&'a str, &'a str)],
    pub if_match: Option<&'a str>,
    pub body: Option<Vec<u8>>,
    pub language: Option<&'a str>,
}

impl<'a> Call<'a> {
    pub fn get(path: &'a str, query: &'a [(&'a str, &'a str)]) -> Self {
        Call { method: reqwest::Method::GET, path, query, if_match: None, body: None, language: None }
    }

    /// A write of `method` with `body` serialised as JSON.
    pub fn write<B: serde::Serialize>(method: reqwest::Method, path: &'a str, body: Option<&B>) -> Self {
        let body = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
        Call { method, path, query: &[], if_match: None, body, language: None }
    }

    pub fn query(mut self, query: &'a [(&'a str, &'a str)]) -> Self {
        self.query = query;
        self
    }

    pub fn if_match(mut self, tag: Option<&'a str>) -> Self {
        self.if_match = tag;
        self
    }
}

/// A decoded answer, its ETag and its headers (e.g. the sandbox's `consents-made-stale`).
#[derive(Clone, Debug)]
pub struct Tagged<T> {
    pub value: T,
    pub etag: Option<String>,
    pub headers: reqwest::header::HeaderMap,
}

impl ApitureError {
    /// The API's status, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApitureError::Status { status, .. } => Some(*status),
            ApitureError::InvalidToken { .. } => Some(401),
            _ => None,
        }
    }

    /// The API's `_error.type` (`consentTypeNameInUse`, `preconditionFailed`, ...), when it sent one.
    pub fn error_type(&self) -> Option<&str> {
        match self {
            ApitureError::Status { body, .. } | ApitureError::InvalidToken { body } => body.pointer("/_error/type").and_then(|t| t.as_str()),
            _ => None,
        }
    }
}

/// What the API's JSON operations are asked for.
const JSON_ACCEPT: &str = "application/hal+json, application/json";

/// A JSON (HAL) answer decoded into `T`.
async fn decode<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T, ApitureError> {
    let bytes = response.bytes().await.map_err(|e| ApitureError::Unreachable(transport_error(&e).to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| ApitureError::Decode(e.to_string()))
}

/// The largest document the gateway relays (a bank's terms are far smaller; a bigger answer is not one).
pub const DOCUMENT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// A document as the API's host served it.
#[derive(Clone, Debug)]
pub struct FetchedDocument {
    pub content_type: Option<String>,
    /// The `document-revision-id` header, when the host says which revision it served.
    pub revision_id: Option<String>,
    pub body: Vec<u8>,
}

/// Why a document URI is not one the gateway fetches.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DocumentUriError {
    /// Not http(s) or relative, or malformed (`javascript:`, `data:`, `//host`, spaces...).
    #[error("{0}")]
    Unsafe(console_api::validate::ValidationError),
    /// An absolute URL on another origin than the Consents API's.
    #[error("uri: {0} is not on the Consents service's origin ({1}): only the bank's own documents are shown")]
    ForeignOrigin(String, String),
    /// A URL with a user name or password in it.
    #[error("uri: must not carry a user name or password")]
    Credentials,
}

/// [`ApitureLink::document_url`] for a given base.
pub fn document_url(base: &url::Url, uri: &str) -> Result<url::Url, DocumentUriError> {
    console_api::validate::uri_reference("uri", uri).map_err(DocumentUriError::Unsafe)?;
    let url = base.join(uri).map_err(|e| {
        DocumentUriError::Unsafe(console_api::validate::ValidationError { field: "uri", message: format!("is not a URI reference: {e}") })
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(DocumentUriError::Credentials);
    }
    if url.origin() != base.origin() {
        return Err(DocumentUriError::ForeignOrigin(url.origin().ascii_serialization(), base.origin().ascii_serialization()));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> url::Url {
        "https://api.bank.example/consents".parse().unwrap()
    }

    #[test]
    fn relative_document_uris_resolve_on_the_api_origin() {
        let url = document_url(&base(), "/vault/files/privacy-policy/content").unwrap();
        assert_eq!(url.as_str(), "https://api.bank.example/vault/files/privacy-policy/content");
        let url = document_url(&base(), "https://api.bank.example/vault/files/x/content?revisionId=2026:1").unwrap();
        assert_eq!(url.path(), "/vault/files/x/content");
    }

    #[test]
    fn other_origins_schemes_and_credentials_are_refused() {
        for foreign in ["https://evil.example/vault/x", "http://api.bank.example/vault/x", "https://api.bank.example:8443/x"] {
            assert!(matches!(document_url(&base(), foreign), Err(DocumentUriError::ForeignOrigin(..))), "{foreign}");
        }
        for unsafe_uri in ["javascript:alert(1)", "data:text/html,x", "//evil.example/x", "file:///etc/passwd", "/a b", ""] {
            assert!(matches!(document_url(&base(), unsafe_uri), Err(DocumentUriError::Unsafe(_))), "{unsafe_uri}");
        }
        assert_eq!(document_url(&base(), "https://me:pw@api.bank.example/x"), Err(DocumentUriError::Credentials));
    }
}
