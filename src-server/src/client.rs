//! Who is on the other end of a request, for the audit log and the rate limit of `/auth/*`.
//!
//! The peer's address, unless the peer is one of the operator's trusted proxies (`--trusted-proxy`): then
//! the address that proxy says it forwarded for, in `X-Forwarded-For`. Anyone can send that header, so it
//! is read only from a trusted peer, and from the right: each proxy appends the address it saw, so the
//! rightmost entry that is not itself a trusted proxy is the first one a trusted hop vouches for.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// `X-Forwarded-For`, as proxies (nginx's `$proxy_add_x_forwarded_for`, HAProxy, cloud balancers) set it.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client address of a request, once worked out (the request layer puts it in its extensions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

/// The client's address: `peer`, or what the trusted proxies in front of us forwarded for.
pub fn client_addr(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let hops = headers
        .get_all(FORWARDED_FOR)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("").split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect::<Vec<_>>();
    let mut nearest = peer;
    for hop in hops.iter().rev() {
        // A hop that is not an address ends what can be believed: the nearest one read so far is the answer.
        let Some(addr) = parse_hop(hop) else { break };
        nearest = addr;
        if !trusted.contains(&addr) {
            break;
        }
    }
    Some(nearest)
}

/// `203.0.113.7`, `2001:db8::1`, and the `addr:port` / `[v6]:port` forms some proxies write.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(FORWARDED_FOR, HeaderValue::from_str(v).expect("header value"));
        }
        h
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let h = forwarded(&["198.51.100.9"]);
        assert_eq!(client_addr(Some(ip("203.0.113.7")), &h, &[ip("10.0.0.1")]), Some(ip("203.0.113.7")));
        assert_eq!(client_addr(Some(ip("203.0.113.7")), &h, &[]), Some(ip("203.0.113.7")));
    }

    #[test]
    fn a_trusted_proxy_is_believed_from_the_right() {
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        // The client forged the first entry; our two proxies appended the rest.
        let h = forwarded(&["1.2.3.4, 198.51.100.9", "10.0.0.2"]);
        assert_eq!(client_addr(Some(ip("10.0.0.1")), &h, &proxies), Some(ip("198.51.100.9")));
        let h = forwarded(&["[2001:db8::7]:5555"]);
        assert_eq!(client_addr(Some(ip("10.0.0.1")), &h, &proxies), Some(ip("2001:db8::7")));
    }

    #[test]
    fn a_trusted_proxy_without_a_usable_header_is_the_client() {
        let proxies = [ip("10.0.0.1")];
        assert_eq!(client_addr(Some(ip("10.0.0.1")), &HeaderMap::new(), &proxies), Some(ip("10.0.0.1")));
        let h = forwarded(&["unknown"]);
        assert_eq!(client_addr(Some(ip("10.0.0.1")), &h, &proxies), Some(ip("10.0.0.1")));
        assert_eq!(client_addr(None, &h, &proxies), None);
    }
}
