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
        let mut url = join(&self.base, path);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let response = self
            .http
            .get(url)
            .bearer_auth(access_token)
            .header(API_KEY_HEADER, &self.api_key)
            .header("accept", "application/hal+json, application/json")
            .header("x-correlation-id", correlation_id)
            .send()
            .await
            .map_err(|e| ApitureError::Unreachable(transport_error(&e).to_string()))?;
        let status = response.status().as_u16();
        let invalid_token = status == 401
            && response
                .headers()
                .get_all(reqwest::header::WWW_AUTHENTICATE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.contains("error=\"invalid_token\""));
        let bytes = response.bytes().await.map_err(|e| ApitureError::Unreachable(transport_error(&e).to_string()))?;
        if (200..300).contains(&status) {
            serde_json::from_slice(&bytes).map_err(|e| ApitureError::Decode(e.to_string()))
        } else {
            // The error document, for the technical details; an empty or non-JSON one is kept as null.
            let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
            Err(if invalid_token { ApitureError::InvalidToken { body } } else { ApitureError::Status { status, body } })
        }
    }
}
