//! Mutual TLS with D1 and a bank's private CA, against a local https D1 that REQUIRES a client
//! certificate (rustls's `WebPkiClientVerifier`), with certificates made here by `rcgen`: a private CA
//! for the server, another for the clients, as at onboarding.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::{Json, Router};
use console_api::d1_client::{CorrelationId, D1Error};
use console_api::transport::TransportError;
use console_link::{D1Config, D1Credentials, D1Link, RetryPolicy, UpstreamTls};
use rcgen::{BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;

const DEMO_KEY: &str = include_str!("../../src-sandbox/demo/DEMOISSUER.es256.key.pem");

/// A CA: its certificate and key.
struct Ca {
    cert: Certificate,
    key: KeyPair,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        Ca { cert: params.self_signed(&key).expect("CA certificate"), key }
    }

    /// A leaf certificate for `names`, used for `usage`.
    fn issue(&self, names: &[&str], usage: ExtendedKeyUsagePurpose) -> (Certificate, KeyPair) {
        let key = KeyPair::generate().expect("leaf key");
        let mut params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).expect("leaf params");
        params.distinguished_name.push(DnType::CommonName, names.first().copied().unwrap_or("client"));
        params.extended_key_usages = vec![usage];
        (params.signed_by(&key, &self.cert, &self.key).expect("leaf certificate"), key)
    }
}

/// The certificates of one test: the server's private CA and certificate, the CA D1 trusts for clients,
/// our onboarding certificate, and one from a CA D1 does not know.
struct Pki {
    server_ca: Ca,
    server: (Certificate, KeyPair),
    client_ca: Ca,
    client: (Certificate, KeyPair),
    stranger: (Certificate, KeyPair),
}

impl Pki {
    fn new() -> Pki {
        let server_ca = Ca::new("Test Bank private CA");
        let server = server_ca.issue(&["127.0.0.1", "localhost"], ExtendedKeyUsagePurpose::ServerAuth);
        let client_ca = Ca::new("D1 onboarding CA");
        let client = client_ca.issue(&["console.bank.example"], ExtendedKeyUsagePurpose::ClientAuth);
        let stranger = Ca::new("Someone else's CA").issue(&["console.bank.example"], ExtendedKeyUsagePurpose::ClientAuth);
        Pki { server_ca, server, client_ca, client, stranger }
    }

    fn identity(leaf: &(Certificate, KeyPair)) -> Vec<u8> {
        format!("{}\n{}", leaf.0.pem(), leaf.1.serialize_pem()).into_bytes()
    }
}

/// D1's token endpoint and operations list over https on a free port, requiring a client certificate
/// issued by `pki.client_ca`.
async fn mutual_tls_d1(pki: &Pki) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut client_roots = rustls::RootCertStore::empty();
    client_roots.add(pki.client_ca.cert.der().clone()).expect("client CA");
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(client_roots), provider.clone())
        .build()
        .expect("client verifier");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server.1.serialize_der()));
    let chain: Vec<CertificateDer<'static>> = vec![pki.server.0.der().clone()];
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .expect("server certificate");
    let app = Router::new()
        .route(
            "/authz/v1/oauth2/token",
            post(|| async { Json(serde_json::json!({"access_token": "t", "token_type": "Bearer", "expires_in": 900})) }),
        )
        .route(
            "/banking/v1/issuers/DEMOISSUER/consumers/c1/operations",
            get(|| async { Json(serde_json::json!({"operations": [], "remainingOperations": 0})) }),
        );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("local addr");
    let server = axum_server::from_tcp_rustls(listener, axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(config)))
        .expect("https server");
    tokio::spawn(async move { server.serve(app.into_make_service()).await.expect("serve") });
    addr
}

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
