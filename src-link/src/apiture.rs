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
        let mut url = join(&self.base, call.path);
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query);
        }
        let mut request = self
            .http
            .request(call.method, url)
            .bearer_auth(access_token)
            .header(API_KEY_HEADER, &self.api_key)
            .header("accept", "application/hal+json, application/json")
            .header("x-correlation-id", correlation_id);
        if let Some(tag) = call.if_match {
            request = request.header(reqwest::header::IF_MATCH, tag);
        }
        if let Some(body) = call.body {
            request = request.header(reqwest::header::CONTENT_TYPE, "application/json").body(body);
        }
        let response = request.send().await.map_err(|e| ApitureError::Unreachable(transport_error(&e).to_string()))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let invalid_token = status == 401
            && headers
                .get_all(reqwest::header::WWW_AUTHENTICATE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.contains("error=\"invalid_token\""));
        let bytes = response.bytes().await.map_err(|e| ApitureError::Unreachable(transport_error(&e).to_string()))?;
        if (200..300).contains(&status) {
            let value = serde_json::from_slice(&bytes).map_err(|e| ApitureError::Decode(e.to_string()))?;
            let etag = headers.get(reqwest::header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_string);
            Ok(Tagged { value, etag, headers })
        } else {
            // The error document, for the technical details; an empty or non-JSON one is kept as null.
            let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
            Err(if invalid_token { ApitureError::InvalidToken { body } } else { ApitureError::Status { status, body } })
        }
    }
}

/// What [`ApitureLink::call`] sends: a method, a path under the base, query pairs, and for writes
/// `If-Match` and a JSON body.
#[derive(Clone, Debug)]
pub struct Call<'a> {
    pub method: reqwest::Method,
    pub path: &'a str,
    pub query: &'a [(&'a str, &'a str)],
    pub if_match: Option<&'a str>,
    pub body: Option<Vec<u8>>,
}

impl<'a> Call<'a> {
    pub fn get(path: &'a str, query: &'a [(&'a str, &'a str)]) -> Self {
        Call { method: reqwest::Method::GET, path, query, if_match: None, body: None }
    }

    /// A write of `method` with `body` serialised as JSON.
    pub fn write<B: serde::Serialize>(method: reqwest::Method, path: &'a str, body: Option<&B>) -> Self {
        let body = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
        Call { method, path, query: &[], if_match: None, body }
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
