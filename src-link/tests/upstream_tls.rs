//! Mutual TLS with D1 and a bank's private CA, against a local https D1 that requires a client
//! certificate (`tls_stand_in`).

use std::net::SocketAddr;
use std::time::Duration;

use console_api::d1_client::{CorrelationId, D1Error};
use console_api::transport::TransportError;
use console_link::{D1Config, D1Credentials, D1Link, RetryPolicy, UpstreamTls};

mod tls_stand_in;

use tls_stand_in::{mutual_tls_d1, Ca, Pki};

const DEMO_KEY: &str = include_str!("../../src-sandbox/demo/DEMOISSUER.es256.key.pem");

fn link(addr: SocketAddr, tls: UpstreamTls) -> D1Link {
    let config = D1Config {
        banking_base: format!("https://{addr}/banking/v1").parse().expect("url"),
        authz_base: format!("https://{addr}/authz/v1").parse().expect("url"),
        credentials: D1Credentials { issuer_id: "DEMOISSUER".into(), kid: "DEMOISSUER-demo-es256".into(), private_key_pem: DEMO_KEY.into() },
        timeout: Duration::from_secs(5),
        retry: RetryPolicy::default(),
    };
    D1Link::with_tls(config, &tls).expect("link")
}

async fn list(link: &D1Link) -> Result<(), D1Error> {
    let cid = CorrelationId::parse("tls-test").expect("valid");
    link.client().list_operations("c1", 0, 10, &cid).await.map(|_| ())
}

#[tokio::test]
async fn with_the_onboarding_certificate_and_the_private_ca_the_token_and_operations_calls_succeed() {
    let pki = Pki::new();
    let addr = mutual_tls_d1(&pki).await;
    let tls = UpstreamTls {
        client_identity_pem: Some(Pki::identity(&pki.client)),
        ca_bundle_pem: Some(pki.server_ca.cert.pem().into_bytes()),
    };
    list(&link(addr, tls)).await.expect("the token and the list over mutual TLS");
}

#[tokio::test]
async fn without_a_client_certificate_the_handshake_is_refused_and_the_error_is_typed() {
    let pki = Pki::new();
    let addr = mutual_tls_d1(&pki).await;
    let ca = Some(pki.server_ca.cert.pem().into_bytes());
    let err = list(&link(addr, UpstreamTls { client_identity_pem: None, ca_bundle_pem: ca.clone() })).await.unwrap_err();
    assert!(
        matches!(err, D1Error::Transport(TransportError::Unauthenticated { upstream_error: None, .. })),
        "no certificate: {err:?}"
    );
    let stranger = UpstreamTls { client_identity_pem: Some(Pki::identity(&pki.stranger)), ca_bundle_pem: ca };
    let err = list(&link(addr, stranger)).await.unwrap_err();
    assert!(matches!(err, D1Error::Transport(TransportError::Unauthenticated { .. })), "a certificate D1 does not know: {err:?}");
}

#[tokio::test]
async fn without_the_private_ca_bundle_the_servers_certificate_is_not_trusted() {
    let pki = Pki::new();
    let addr = mutual_tls_d1(&pki).await;
    let tls = UpstreamTls { client_identity_pem: Some(Pki::identity(&pki.client)), ca_bundle_pem: None };
    let err = list(&link(addr, tls)).await.unwrap_err();
    assert!(matches!(err, D1Error::Transport(TransportError::Untrusted(_))), "public roots only: {err:?}");
    // Another private CA's bundle does not help either.
    let other = Ca::new("Another bank's CA");
    let tls = UpstreamTls { client_identity_pem: Some(Pki::identity(&pki.client)), ca_bundle_pem: Some(other.cert.pem().into_bytes()) };
    let err = list(&link(addr, tls)).await.unwrap_err();
    assert!(matches!(err, D1Error::Transport(TransportError::Untrusted(_))), "the wrong CA: {err:?}");
}
