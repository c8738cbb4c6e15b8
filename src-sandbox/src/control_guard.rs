//! Who may use the control API: it has no authentication (a test aid), so it answers only what cannot be
//! a browser page's request or a remote machine's.
//!
//! * The peer must be on loopback (403): the connection's own address, not a header.
//! * The `Host` must be a loopback name (403): a page on another site that made its name resolve to
//!   127.0.0.1 (DNS rebinding) comes from a loopback peer but names its own host.
//! * An `Origin` must be the sandbox's own (403): a page elsewhere may send a request without reading the
//!   answer, and `POST /_sandbox/reset` needs no answer to do harm.
//! * A body must be declared `application/json` (415): a page's form can only send form or text bodies
//!   without a CORS preflight, which the sandbox never grants.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::error_body;

/// Whether `peer` is this machine over loopback (IPv4-mapped IPv6 included).
pub fn is_loopback_peer(peer: SocketAddr) -> bool {
    peer.ip().to_canonical().is_loopback()
}

/// Whether a `Host` (or an origin's host and port) names this machine's loopback: `localhost`,
/// `127.x.x.x` or `[::1]`, with or without a port.
pub fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// Why a control call is refused, if it is.
pub fn refusal(peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<(StatusCode, String)> {
    let forbidden = |m: String| Some((StatusCode::FORBIDDEN, m));
    match peer {
        Some(p) if is_loopback_peer(p) => {}
        Some(p) => return forbidden(format!("the control API answers loopback peers only, not {}", p.ip())),
        None => return forbidden("the control API answers loopback peers only, and this peer is unknown".into()),
    }
    let host = headers.get(header::HOST).map(|h| h.to_str().unwrap_or(""));
    if let Some(host) = host {
        if !is_loopback_host(host) {
            return forbidden(format!("the control API answers to a loopback host name only, not '{host}'"));
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let own = host.is_some_and(|h| origin.eq_ignore_ascii_case(&format!("http://{h}")));
        if !own {
            return forbidden(format!("the control API refuses calls from pages of other origins ('{origin}')"));
        }
    }
    if has_body(headers) && !is_json(headers) {
        return Some((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the control API takes JSON: send the body with Content-Type: application/json".into(),
        ));
    }
    None
}

fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|l| l.to_str().ok().and_then(|l| l.trim().parse::<u64>().ok()) != Some(0))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// The middleware in front of every `/_sandbox/` route.
pub async fn guard(request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    match refusal(peer, request.headers()) {
        Some((status, message)) => {
            tracing::warn!(path = %request.uri().path(), ?peer, "control call refused: {message}");
            error_body(status, message).into_response()
        }
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_loopback_peers_pass() {
        let local = headers(&[(header::HOST, "127.0.0.1:8081")]);
        for peer in ["127.0.0.1:5000", "127.3.2.1:5000", "[::1]:5000", "[::ffff:127.0.0.1]:5000"] {
            assert_eq!(refusal(Some(peer.parse().unwrap()), &local), None, "{peer}");
        }
        for peer in ["192.0.2.2:5000", "10.0.0.1:5000", "[fd00::2]:5000", "[::ffff:192.0.2.2]:5000", "0.0.0.0:1"] {
            let (status, message) = refusal(Some(peer.parse().unwrap()), &local).unwrap();
            assert_eq!(status, StatusCode::FORBIDDEN, "{peer}");
            assert!(message.contains("loopback peers"), "{peer}: {message}");
        }
        assert_eq!(refusal(None, &local).unwrap().0, StatusCode::FORBIDDEN, "an unknown peer is refused");
    }

    #[test]
    fn host_names_of_loopback() {
        for host in ["localhost", "LOCALHOST:8081", "127.0.0.1", "127.0.0.1:8081", "[::1]:8081", "[::1]"] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in ["evil.example", "evil.example:8081", "192.0.2.2:8081", "[fd00::2]:1", "localhost.evil.example", ""] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
