//! A production profile's D1 over mutual TLS: the client certificate and the bank's private CA checked as
//! the settings screen checks them, kept in the keychain, read back by the service's settings, and a D1
//! call made with them against an https D1 that requires the certificate (console-link's stand-in).

use std::net::SocketAddr;
use std::time::Duration;

use console_api::d1_client::{CorrelationId, D1Error};
use console_api::gateway::Environment;
use console_api::transport::TransportError;
use console_desktop::keychain::Keychain;
use console_desktop::profile::{Profile, SecretKind, SANDBOX_DEMO_SECRETS};
use console_desktop::service_host::settings;
use console_desktop::upstream_tls::{ca_bundle, client_identity, CertificateFile};
use console_link::D1Link;

#[path = "../../src-link/tests/tls_stand_in/mod.rs"]
mod tls_stand_in;

use tls_stand_in::{mutual_tls_d1, Pki};

/// A production profile whose D1 is the stand-in at `addr` (the other servers are never called here).
fn production(addr: SocketAddr) -> Profile {
    let mut profile = Profile::sandbox(&"https://api.bank.example/".parse().unwrap()).unwrap();
    profile.name = "production".into();
    profile.environment = Environment::Production;
    profile.d1_banking = format!("https://{addr}/banking/v1").parse().unwrap();
    profile.d1_authz = format!("https://{addr}/authz/v1").parse().unwrap();
    profile
}

/// A keychain holding the profile's secrets (the sandbox's demo ones: the stand-in checks none).
fn keychain_for(profile: &Profile) -> Keychain {
    let keychain = Keychain::memory_only("tls-tests");
    let scope = profile.keychain_scope();
    for (kind, demo) in SANDBOX_DEMO_SECRETS {
        match kind {
            SecretKind::D1Key => console_desktop::d1_key::import(&keychain, &scope, demo).unwrap(),
            _ => keychain.set(&kind.entry(&scope), demo.as_bytes()).unwrap(),
        }
    }
    keychain
}

/// One call to D1 with the profile's settings as the service would build them.
async fn list_operations(profile: &Profile, keychain: &Keychain) -> Result<(), D1Error> {
    let mut settings = settings(profile, keychain, None).expect("the profile's settings");
    settings.d1.timeout = Duration::from_secs(5);
    let link = D1Link::with_tls(settings.d1, &settings.d1_tls).expect("the D1 link");
    link.client().list_operations("c1", 0, 10, &CorrelationId::parse("desktop-tls").unwrap()).await.map(drop)
}

#[tokio::test]
async fn production_d1_is_called_with_the_imported_client_certificate_and_the_private_ca() {
    let pki = Pki::new();
    let addr = mutual_tls_d1(&pki).await;
    let profile = production(addr);
    let keychain = keychain_for(&profile);
    let scope = profile.keychain_scope();

    // No client certificate: refused before any call, in words that say what to import.
    let refused = settings(&profile, &keychain, None).unwrap_err();
    assert!(refused.contains("import the D1 client certificate") && refused.contains("production profile"), "{refused}");

    // The certificate and its key in one file, as the settings screen imports it.
    let both = String::from_utf8(Pki::identity(&pki.client)).unwrap();
    let identity = client_identity(CertificateFile::parse(&both, "client.pem").unwrap(), None).unwrap();
    keychain.set(&SecretKind::D1ClientCertificate.entry(&scope), &identity).unwrap();
    // D1's certificate is from the bank's private CA: not trusted without it.
    let untrusted = list_operations(&profile, &keychain).await.unwrap_err();
    assert!(matches!(untrusted, D1Error::Transport(TransportError::Untrusted(_))), "{untrusted:?}");

    let bundle = ca_bundle(&pki.server_ca.cert.pem(), "bank-ca.pem").unwrap();
    keychain.set(&SecretKind::CaBundle.entry(&scope), &bundle).unwrap();
    list_operations(&profile, &keychain).await.expect("the token and the list over mutual TLS");
    // The other servers trust the CA too, and are shown no certificate.
    let built = settings(&profile, &keychain, None).unwrap();
    for tls in [&built.consents_tls, &built.directory_tls, &built.mas_tls] {
        assert!(tls.client_identity_pem.is_none() && tls.ca_bundle_pem.as_deref() == Some(bundle.as_slice()), "{tls:?}");
    }

    // A certificate D1 does not know is refused by D1, as the typed error the page explains.
    let stranger = String::from_utf8(Pki::identity(&pki.stranger)).unwrap();
    let identity = client_identity(CertificateFile::parse(&stranger, "other.pem").unwrap(), None).unwrap();
    keychain.set(&SecretKind::D1ClientCertificate.entry(&scope), &identity).unwrap();
    let refused = list_operations(&profile, &keychain).await.unwrap_err();
    assert!(matches!(refused, D1Error::Transport(TransportError::Unauthenticated { .. })), "{refused:?}");

    // The profile sent elsewhere finds none of it: the certificate stays with the D1 it was imported for.
    let mut moved = profile.clone();
    moved.d1_authz = "https://d1.elsewhere.example/authz/v1".parse().unwrap();
    assert!(settings(&moved, &keychain, None).unwrap_err().contains("import the D1 client certificate"));
}
