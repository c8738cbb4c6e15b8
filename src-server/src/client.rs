//! Who is on the other end of a request, for the audit log and the rate limit of `/auth/*`.
//!
//! The peer's address, unless the peer is one of the operator's trusted proxies (`--trusted-proxy`): then
//! the address that proxy says it forwarded for, in `X-Forwarded-For`. Anyone can send that header, so it
//! is read only from a trusted peer, and from the right: each proxy appends the address it saw, so the
//! rightmost entry that is not itself a trusted proxy is the first one a trusted hop vouches for.
//!
//! Addresses are compared and returned canonical: a dual-stack listener (`--listen [::]:443`) sees an IPv4
//! peer 10.0.0.1 as `::ffff:10.0.0.1`, which is still the `--trusted-proxy 10.0.0.1` and is logged as such.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::HeaderMap;

/// `X-Forwarded-For`, as proxies (nginx's `$proxy_add_x_forwarded_for`, HAProxy, cloud balancers) set it.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client address of a request, once worked out (the request layer puts it in its extensions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

/// The client's address: `peer`, or what the trusted proxies in front of us forwarded for.
pub fn client_addr(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    let is_trusted = |addr: IpAddr| trusted.iter().any(|t| t.to_canonical() == addr);
    if !is_trusted(peer) {
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
        if !is_trusted(addr) {
            break;
        }
    }
    Some(nearest)
}

/// [`client_addr`] for one gateway, which also tells the operator (once) when a peer it does not trust
/// sends `X-Forwarded-For`: most likely a proxy nobody named with `--trusted-proxy`, which puts every user
/// behind it at the proxy's address, in the audit log and in one rate-limit bucket.
pub struct ClientAddrs {
    trusted: Box<[IpAddr]>,
    warned: AtomicBool,
}

impl ClientAddrs {
    pub fn new(trusted: &[IpAddr]) -> Self {
        ClientAddrs { trusted: trusted.iter().map(IpAddr::to_canonical).collect(), warned: AtomicBool::new(false) }
    }

    /// The client address of a request from `peer`.
    pub fn of(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let client = client_addr(peer, headers, &self.trusted);
        if let Some(peer) = self.first_untrusted_forwarder(peer, headers) {
            tracing::warn!(
                %peer,
                "X-Forwarded-For came from {peer}, which is not a --trusted-proxy, so it was ignored and {peer} is the client \
                 (audit log, rate limit of /auth/*). If {peer} is a proxy in front of the gateway, restart with \
                 --trusted-proxy {peer}: until then every user behind it shares its address and one rate-limit bucket. \
                 (Said once; later ones are not logged.)"
            );
        }
        client
    }

    /// `peer`, canonical, the first time an untrusted peer sends `X-Forwarded-For`; `None` ever after.
    fn first_untrusted_forwarder(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?.to_canonical();
        if self.trusted.contains(&peer) || !headers.contains_key(FORWARDED_FOR) || self.warned.load(Ordering::Relaxed) {
            return None;
        }
        (!self.warned.swap(true, Ordering::Relaxed)).then_some(peer)
    }
}

/// `203.0.113.7`, `2001:db8::1`, and the `addr:port` / `[v6]:port` forms some proxies write; canonical.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let addr = hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))?;
    Some(addr.to_canonical())
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

    #[test]
    fn a_dual_stack_listeners_mapped_peer_and_hops_are_their_ipv4_addresses() {
        // `--listen [::]:443`: the IPv4 proxy 10.0.0.1 connects as ::ffff:10.0.0.1.
        let h = forwarded(&["198.51.100.9"]);
        assert_eq!(client_addr(Some(ip("::ffff:10.0.0.1")), &h, &[ip("10.0.0.1")]), Some(ip("198.51.100.9")));
        // The other way round (an operator who wrote the mapped form), and a mapped hop of a second proxy.
        assert_eq!(client_addr(Some(ip("10.0.0.1")), &h, &[ip("::ffff:10.0.0.1")]), Some(ip("198.51.100.9")));
        let h = forwarded(&["198.51.100.9, ::ffff:10.0.0.2"]);
        assert_eq!(client_addr(Some(ip("::ffff:10.0.0.1")), &h, &[ip("10.0.0.1"), ip("10.0.0.2")]), Some(ip("198.51.100.9")));
        // What is logged and rate-limited is the IPv4 address, whichever way it arrived.
        assert_eq!(client_addr(Some(ip("::ffff:203.0.113.7")), &h, &[]), Some(ip("203.0.113.7")));
        let h = forwarded(&["::ffff:198.51.100.9"]);
        assert_eq!(client_addr(Some(ip("10.0.0.1")), &h, &[ip("10.0.0.1")]), Some(ip("198.51.100.9")));
    }

    #[test]
    fn forwarding_from_an_untrusted_peer_is_reported_once() {
        let addrs = ClientAddrs::new(&[ip("10.0.0.1")]);
        let h = forwarded(&["198.51.100.9"]);
        // Not worth a word: a trusted proxy forwarding, an untrusted peer not forwarding, no peer.
        assert_eq!(addrs.first_untrusted_forwarder(Some(ip("::ffff:10.0.0.1")), &h), None);
        assert_eq!(addrs.first_untrusted_forwarder(Some(ip("10.0.0.9")), &HeaderMap::new()), None);
        assert_eq!(addrs.first_untrusted_forwarder(None, &h), None);
        // A forgotten proxy: said the first time, then never again, whoever sends it.
        assert_eq!(addrs.first_untrusted_forwarder(Some(ip("::ffff:10.0.0.9")), &h), Some(ip("10.0.0.9")));
        assert_eq!(addrs.first_untrusted_forwarder(Some(ip("10.0.0.9")), &h), None);
        assert_eq!(addrs.first_untrusted_forwarder(Some(ip("10.0.0.8")), &h), None);
        // It is reported, not believed.
        assert_eq!(addrs.of(Some(ip("10.0.0.9")), &h), Some(ip("10.0.0.9")));
        assert_eq!(addrs.of(Some(ip("10.0.0.1")), &h), Some(ip("198.51.100.9")));
    }
}
