//! A D1 stand-in over https that REQUIRES a client certificate (rustls's `WebPkiClientVerifier`), and the
//! certificates of a test made here by `rcgen`: a private CA for the server, another for the clients, as
//! at onboarding. Shared by console-link's TLS tests and the desktop app's (`#[path]` from src-tauri).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::{Json, Router};
use rcgen::{BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;

/// A CA: its certificate and key.
pub struct Ca {
    pub cert: Certificate,
    pub key: KeyPair,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        Ca { cert: params.self_signed(&key).expect("CA certificate"), key }
    }

    /// A leaf certificate for `names`, used for `usage`.
    pub fn issue(&self, names: &[&str], usage: ExtendedKeyUsagePurpose) -> (Certificate, KeyPair) {
        let key = KeyPair::generate().expect("leaf key");
        let mut params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).expect("leaf params");
        params.distinguished_name.push(DnType::CommonName, names.first().copied().unwrap_or("client"));
        params.extended_key_usages = vec![usage];
        (params.signed_by(&key, &self.cert, &self.key).expect("leaf certificate"), key)
    }
}

/// The certificates of one test: the server's private CA and certificate, the CA D1 trusts for clients,
/// our onboarding certificate, and one from a CA D1 does not know.
pub struct Pki {
    pub server_ca: Ca,
    pub server: (Certificate, KeyPair),
    pub client_ca: Ca,
    pub client: (Certificate, KeyPair),
    pub stranger: (Certificate, KeyPair),
}

impl Pki {
    pub fn new() -> Pki {
        let server_ca = Ca::new("Test Bank private CA");
        let server = server_ca.issue(&["127.0.0.1", "localhost"], ExtendedKeyUsagePurpose::ServerAuth);
        let client_ca = Ca::new("D1 onboarding CA");
        let client = client_ca.issue(&["console.bank.example"], ExtendedKeyUsagePurpose::ClientAuth);
        let stranger = Ca::new("Someone else's CA").issue(&["console.bank.example"], ExtendedKeyUsagePurpose::ClientAuth);
        Pki { server_ca, server, client_ca, client, stranger }
    }

    pub fn identity(leaf: &(Certificate, KeyPair)) -> Vec<u8> {
        format!("{}\n{}", leaf.0.pem(), leaf.1.serialize_pem()).into_bytes()
    }
}

/// D1's token endpoint and operations list over https on a free port, requiring a client certificate
/// issued by `pki.client_ca`.
pub async fn mutual_tls_d1(pki: &Pki) -> SocketAddr {
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
