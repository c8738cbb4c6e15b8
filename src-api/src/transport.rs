//! The seam between typed clients and the network.
//!
//! A [`Transport`] moves one HTTP exchange. Natively it is `console-link`'s upstream HTTP (token, retries);
//! in the page it is `fetch` to the gateway or a Tauri IPC call. The typed clients above it never know which.

use thiserror::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Safe to repeat after a lost answer (RFC 9110 idempotent and safe methods we use).
    pub fn is_idempotent_read(self) -> bool {
        matches!(self, Method::Get)
    }
}

/// One request. `path` is relative to the transport's base and includes the query string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Request {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Request { method, path: path.into(), headers: Vec::new(), body: None }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// A JSON body (sets `content-type`).
    pub fn json<B: serde::Serialize>(mut self, body: &B) -> Self {
        // Serializing our own models cannot fail: they hold only strings, numbers and options.
        self.body = Some(serde_json::to_vec(body).unwrap_or_default());
        self.header("content-type", "application/json")
    }
}

/// One response, body fully read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The exchange did not produce a response. The `String`s are details for the server's log (they may
/// name upstream URLs): never send them to the page.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TransportError {
    /// No connection could be made (refused, no route, or the upstream's token endpoint is down or
    /// answered 5xx): the request itself was not sent.
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("no answer in time")]
    Timeout,
    /// The connection broke before a whole answer came: a write may or may not have been carried out.
    #[error("the connection broke before the answer: {0}")]
    Interrupted(String),
    /// The upstream refused the console's own credentials (its token endpoint refused our assertion, or
    /// the TLS handshake refused our client certificate): operators must act; retrying will not help.
    /// `upstream_error` is the upstream's own `error` text, if it gave one (fit for staff to read).
    #[error("the upstream refused the console's credentials: {detail}")]
    Unauthenticated { upstream_error: Option<String>, detail: String },
    /// The upstream's TLS certificate is not trusted (a private CA whose bundle is not configured, or
    /// the wrong host): operators must act.
    #[error("the upstream's TLS certificate is not trusted: {0}")]
    Untrusted(String),
    #[error("{0}")]
    Other(String),
}

impl TransportError {
    /// A passing outage (down, slow, cut off): worth trying again later, and, for a read, now.
    pub fn is_outage(&self) -> bool {
        matches!(self, TransportError::Connect(_) | TransportError::Timeout | TransportError::Interrupted(_))
    }
}

/// Moves one HTTP exchange.
#[allow(async_fn_in_trait)]
pub trait Transport {
    async fn send(&self, request: Request) -> Result<Response, TransportError>;
}

impl<T: Transport + ?Sized> Transport for &T {
    async fn send(&self, request: Request) -> Result<Response, TransportError> {
        (**self).send(request).await
    }
}

impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    async fn send(&self, request: Request) -> Result<Response, TransportError> {
        (**self).send(request).await
    }
}

/// Percent-encodes one path segment or query value (ids are validated first, so this is belt and braces).
pub fn encode_component(s: &str) -> String {
    percent_encode(s, b"")
}

/// Percent-encodes an in-app path given as one query value (`return_to=/consumers/x%3Fq%3D1`): like
/// [`encode_component`], but `/` stays readable.
pub fn encode_path(s: &str) -> String {
    percent_encode(s, b"/")
}

/// The text of one percent-encoded path segment (what [`encode_component`] made, or what a person typed):
/// [`percent_decode`], and bytes that are not UTF-8 become U+FFFD.
pub fn decode_component(s: &str) -> String {
    String::from_utf8_lossy(&percent_decode(s)).into_owned()
}

/// Each valid `%XX` as its byte, anything else as it is (a lone `%` too).
pub fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Every byte but RFC 3986's unreserved characters and `keep` as `%XX`. By hand because this runs in the
/// page too, where the `url` crate's IDNA tables would cost far more than these lines.
fn percent_encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_encode_every_reserved_byte_and_paths_keep_slashes() {
        assert_eq!(encode_component("a b/c?d=é"), "a%20b%2Fc%3Fd%3D%C3%A9");
        assert_eq!(encode_path("/consumers/x?type=DELETE"), "/consumers/x%3Ftype%3DDELETE");
        assert_eq!(encode_component("AZaz09-_.~"), "AZaz09-_.~");
    }
}
