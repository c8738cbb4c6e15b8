//! Who may call `/_sandbox/` over HTTP: loopback peers naming a loopback host, no page of another origin,
//! JSON bodies only. The served APIs themselves are not restricted.

mod common;

use std::net::{IpAddr, SocketAddr, UdpSocket};

use common::*;
use console_sandbox::{start, Config};
use serde_json::{json, Value};

async fn status_and_error(r: reqwest::RequestBuilder) -> (u16, String) {
    let r = r.send().await.expect("send");
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    (status, body.get("error").and_then(Value::as_str).unwrap_or("").to_string())
}

#[tokio::test]
async fn a_page_of_another_origin_is_refused() {
    let s = sandbox().await;
    let reset = format!("{}/_sandbox/reset", s.base_url());
    for origin in ["http://evil.example", "null", "http://127.0.0.1", "https://localhost"] {
        let (status, error) = status_and_error(client().post(&reset).header("origin", origin)).await;
        assert_eq!(status, 403, "{origin}");
        assert!(error.contains("other origins"), "{origin}: {error}");
    }
    // The sandbox's own origin (its address as the page's Host names it) is not foreign.
    let own = s.base_url();
    let (status, error) = status_and_error(client().post(&reset).header("origin", &own)).await;
    assert_eq!(status, 200, "{own}: {error}");
    // A GET is refused too: the sign-ins count is no page's business.
    let (status, _) = status_and_error(
        client().get(format!("{own}/_sandbox/auth/users/u-ada/sign-ins")).header("origin", "http://evil.example"),
    )
    .await;
    assert_eq!(status, 403);
    // D1's API is not the control API: it takes no Origin check.
    let r = client().get(format!("{own}/banking/v1/openapi.json")).header("origin", "http://evil.example").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    s.shutdown().await;
}

#[tokio::test]
async fn a_body_must_be_declared_json() {
    let s = sandbox().await;
    let consumers = format!("{}/_sandbox/issuers/DEMOISSUER/consumers", s.base_url());
    let body = json!({ "consumerId": "guard-1" }).to_string();
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("application/jsonp")] {
        let mut r = client().post(&consumers).body(body.clone());
        if let Some(t) = content_type {
            r = r.header("content-type", t);
        }
        let (status, error) = status_and_error(r).await;
        assert_eq!(status, 415, "{content_type:?}");
        assert!(error.contains("Content-Type: application/json"), "{content_type:?}: {error}");
    }
    let r = client().post(&consumers).header("content-type", "application/json; charset=utf-8").body(body);
    assert_eq!(status_and_error(r).await.0, 201);
    // No body, no content type needed (curl -X POST .../_sandbox/reset).
    assert_eq!(status_and_error(client().post(format!("{}/_sandbox/reset", s.base_url()))).await.0, 200);
    s.shutdown().await;
}

#[tokio::test]
async fn a_host_name_other_than_loopback_is_refused() {
    let s = sandbox().await;
    let url = format!("{}/_sandbox/faults", s.base_url());
    let port = s.addr().port();
    let (status, error) = status_and_error(client().get(&url).header("host", format!("rebound.evil.example:{port}"))).await;
    assert_eq!(status, 403);
    assert!(error.contains("loopback host name"), "{error}");
    let (status, _) = status_and_error(client().get(&url).header("host", format!("localhost:{port}"))).await;
    assert_eq!(status, 200);
    s.shutdown().await;
}

/// This machine's address on its default route, when it has one that is not loopback. (Connecting a UDP
/// socket sends nothing: it only picks the route.)
fn non_loopback_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.255:9").or_else(|_| socket.connect("203.0.113.1:9")).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test]
async fn a_peer_that_is_not_loopback_is_refused() {
    // The peer check itself is unit-tested in control_guard.rs; this is the same over a real connection.
    let Some(ip) = non_loopback_address() else {
        eprintln!("SKIPPED: this machine has no address but loopback, so no peer can be anything else");
        return;
    };
    let s = start(Config { control: true, ..Config::new("0.0.0.0:0".parse().unwrap(), ":memory:") }).await.unwrap();
    let base = format!("http://{}", SocketAddr::new(ip, s.addr().port()));
    let (status, error) = status_and_error(client().post(format!("{base}/_sandbox/reset"))).await;
    assert_eq!(status, 403, "from {ip}");
    assert!(error.contains("loopback peers only"), "{error}");
    // The same call over loopback passes, and the served APIs answer every peer.
    assert_eq!(status_and_error(client().post(format!("{}/_sandbox/reset", s.base_url()))).await.0, 200);
    let r = client().get(format!("{base}/banking/v1/openapi.json")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    s.shutdown().await;
}
