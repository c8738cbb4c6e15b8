//! A profile's TLS files: D1's client certificate with its key (mutual TLS: production D1 accepts only the
//! certificate exchanged at onboarding), and a private CA bundle trusted beside the public roots by every
//! server of the profile (D1, the sign-in server, Consents, the directory, MasStack). They are imported
//! from PEM files into the keychain beside the profile's secrets and under the same scope
//! (`Profile::keychain_scope`): a profile edited to send elsewhere presents no certificate and trusts no
//! CA imported for it before. Checked when imported, so that a wrong file is said then and not at the
//! first call; read when the service is built.

use std::sync::Arc;

use console_link::UpstreamTls;

use crate::keychain::Keychain;
use crate::profile::{Profile, SecretKind};

/// The PEM labels of the private keys rustls reads: PKCS#8, PKCS#1 (RSA) and SEC1 (EC).
const KEY_LABELS: [&str; 3] = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"];

/// The blocks of a PEM file, or why it is not one. (The parser's own words could quote the file.)
fn blocks(text: &str, shown: &str) -> Result<Vec<pem::Pem>, String> {
    let blocks = pem::parse_many(text).map_err(|_| format!("{shown} is not a PEM file (-----BEGIN …-----)."))?;
    if blocks.is_empty() {
        return Err(format!("{shown} holds no PEM block (-----BEGIN …-----): give the PEM file, not a DER one."));
    }
    Ok(blocks)
}

/// Whether a key block is encrypted the old way (`Proc-Type: 4,ENCRYPTED` in a PKCS#1 or SEC1 block).
fn legacy_encrypted(block: &pem::Pem) -> bool {
    block.headers().get("Proc-Type").is_some_and(|value| value.contains("ENCRYPTED"))
}

fn encrypted(shown: &str) -> String {
    format!("{shown} holds an encrypted key: the app cannot ask for its passphrase. Give it unencrypted (openssl pkey -in … -out …), kept in a file only you can read.")
}

/// A certificate file as the D1 client certificate's import reads it: the certificate and its chain, and
/// the private key when the file holds it too (as `openssl … -out both.pem` writes them).
pub struct CertificateFile {
    certificates: Vec<pem::Pem>,
    key: Option<pem::Pem>,
}

impl std::fmt::Debug for CertificateFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = self.key.as_ref().map(|_| "<redacted>");
        f.debug_struct("CertificateFile").field("certificates", &self.certificates.len()).field("key", &key).finish()
    }
}

impl CertificateFile {
    pub fn parse(text: &str, shown: &str) -> Result<CertificateFile, String> {
        let (mut certificates, mut key) = (Vec::new(), None);
        for block in blocks(text, shown)? {
            match block.tag() {
                "CERTIFICATE" => certificates.push(block),
                label if KEY_LABELS.contains(&label) => {
                    if legacy_encrypted(&block) {
                        return Err(encrypted(shown));
                    }
                    if key.replace(block).is_some() {
                        return Err(format!("{shown} holds two private keys: give the certificate's own alone."));
                    }
                }
                // What `openssl ecparam -genkey` writes before the key.
                "EC PARAMETERS" => {}
                "ENCRYPTED PRIVATE KEY" => return Err(encrypted(shown)),
                other => return Err(format!("{shown} holds a block labelled {other}, where a certificate and its key were expected.")),
            }
        }
        if certificates.is_empty() && key.is_some() {
            return Err(format!("{shown} holds a private key but no certificate: choose the certificate first, and the app asks for its key next."));
        }
        if certificates.is_empty() {
            return Err(format!("{shown} holds no certificate (-----BEGIN CERTIFICATE-----)."));
        }
        Ok(CertificateFile { certificates, key })
    }

    /// Whether the key came in the same file (else it is asked for next).
    pub fn has_key(&self) -> bool {
        self.key.is_some()
    }
}

/// The private key of a key file, which holds it alone.
pub fn key_file(text: &str, shown: &str) -> Result<pem::Pem, String> {
    let mut key = None;
    for block in blocks(text, shown)? {
        match block.tag() {
            label if KEY_LABELS.contains(&label) && legacy_encrypted(&block) => return Err(encrypted(shown)),
            label if KEY_LABELS.contains(&label) && key.is_none() => key = Some(block),
            "EC PARAMETERS" => {}
            "ENCRYPTED PRIVATE KEY" => return Err(encrypted(shown)),
            _ => return Err(format!("{shown} should hold the certificate's private key alone (-----BEGIN PRIVATE KEY-----).")),
        }
    }
    key.ok_or_else(|| format!("{shown} holds no private key (-----BEGIN PRIVATE KEY-----)."))
}

/// What the keychain keeps as D1's client identity (the certificates, then the key, PEM), checked:
/// rustls takes the key and compares it with the certificate's.
pub fn client_identity(file: CertificateFile, separate_key: Option<pem::Pem>) -> Result<Vec<u8>, String> {
    let key = file.key.or(separate_key).ok_or("The certificate's private key is missing: choose its key file.")?;
    let identity = pem::encode_many(&[file.certificates, vec![key]].concat()).into_bytes();
    let tls = UpstreamTls { client_identity_pem: Some(identity), ca_bundle_pem: None };
    // The check's own error may name the key's parse failure; it never holds the key.
    tls.check().map_err(|e| {
        tracing::info!("a D1 client certificate was refused: {e}");
        "The key is not the certificate's own, or is not one the app can use (RSA, P-256 or P-384; PKCS#8, PKCS#1 or SEC1 PEM): choose the certificate exchanged with D1 and the key it was made for.".to_string()
    })?;
    Ok(tls.client_identity_pem.unwrap_or_default())
}

/// A CA bundle as the keychain keeps it: certificates alone, each one a usable trust anchor.
pub fn ca_bundle(text: &str, shown: &str) -> Result<Vec<u8>, String> {
    let certificates = blocks(text, shown)?;
    if let Some(other) = certificates.iter().find(|b| b.tag() != "CERTIFICATE") {
        return Err(format!("{shown} holds a block labelled {}: a CA bundle holds certificates alone.", other.tag()));
    }
    let bundle = pem::encode_many(&certificates).into_bytes();
    let tls = UpstreamTls { client_identity_pem: None, ca_bundle_pem: Some(bundle) };
    tls.check().map_err(|_| format!("{shown} holds a certificate that cannot be trusted as a CA (is it X.509, PEM?)."))?;
    Ok(tls.ca_bundle_pem.unwrap_or_default())
}

/// The TLS files of `profile`'s servers, from the keychain: D1's (its client identity and the CA bundle)
/// and every other server's (the CA bundle). Production D1 without a client certificate is refused here,
/// as the gateway refuses it, in words that say what to import. Blocking (keychain).
pub fn for_profile(keychain: &Keychain, profile: &Profile) -> Result<(UpstreamTls, UpstreamTls), String> {
    let scope = profile.keychain_scope();
    let read = |kind: SecretKind| keychain.get(&kind.entry(&scope)).map_err(|e| e.to_string());
    let identity = read(SecretKind::D1ClientCertificate)?;
    let ca_bundle = read(SecretKind::CaBundle)?;
    if identity.is_none() && SecretKind::D1ClientCertificate.needed_in(&profile.environment) {
        return Err(format!(
            "Production D1 accepts only the client certificate exchanged at onboarding: import the D1 client certificate (and its key) of the {} profile in the settings.",
            profile.name
        ));
    }
    let d1 = UpstreamTls { client_identity_pem: identity, ca_bundle_pem: ca_bundle.clone() };
    Ok((d1, UpstreamTls { client_identity_pem: None, ca_bundle_pem: ca_bundle }))
}

/// The sign-in settings of `profile`, trusting its CA bundle. A keychain that cannot be read leaves the
/// public roots alone (logged): a private sign-in server then fails as untrusted, which the page says.
pub async fn sign_in_settings(keychain: &Arc<Keychain>, profile: &Profile) -> crate::sign_in::SignInSettings {
    let (keychain, entry) = (keychain.clone(), SecretKind::CaBundle.entry(&profile.keychain_scope()));
    let read = tauri::async_runtime::spawn_blocking(move || keychain.get(&entry)).await;
    let ca_bundle = match read.map_err(|e| e.to_string()).and_then(|got| got.map_err(|e| e.to_string())) {
        Ok(bundle) => bundle,
        Err(e) => {
            tracing::warn!("the profile's CA bundle could not be read: {e}");
            None
        }
    };
    profile.sign_in(UpstreamTls { client_identity_pem: None, ca_bundle_pem: ca_bundle })
}

/// The SHA-256 fingerprints of what is about to be imported, for the confirmation: what the person
/// compares with what the bank gave them (the client certificate's own, or each CA's). Empty for a
/// secret that is not a certificate.
pub fn fingerprints_said(kind: SecretKind, checked: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    if !matches!(kind, SecretKind::D1ClientCertificate | SecretKind::CaBundle) {
        return String::new();
    }
    let certificates: Vec<pem::Pem> = pem::parse_many(checked).unwrap_or_default().into_iter().filter(|b| b.tag() == "CERTIFICATE").collect();
    // The client certificate's own (its chain's CAs are not trusted by it); every CA of a bundle.
    let shown: Vec<&pem::Pem> = match kind {
        SecretKind::D1ClientCertificate => certificates.iter().take(1).collect(),
        _ => certificates.iter().collect(),
    };
    let mut said = String::from("\n\nSHA-256 fingerprint");
    said.push_str(if shown.len() == 1 { ":" } else { "s:" });
    for certificate in &shown {
        let digest = Sha256::digest(certificate.contents());
        said.push_str("\n");
        said.push_str(&digest.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":"));
    }
    said
}

/// Where a profile's TLS file is used, in the words of the import's confirmation.
pub fn used_with(profile: &Profile, kind: SecretKind) -> String {
    match kind {
        SecretKind::D1ClientCertificate => format!("D1 at {} and {} (it proves to D1 that the calls are the bank's)", profile.d1_authz, profile.d1_banking),
        _ => {
            let mut hosts: Vec<String> = profile.urls().into_iter().filter_map(|(_, url)| url.host_str().map(String::from)).collect();
            hosts.sort();
            hosts.dedup();
            format!("every server of the profile ({}): their certificates are trusted when this CA signed them", hosts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use console_api::gateway::Environment;
    use rcgen::{CertificateParams, KeyPair};

    /// A self-signed certificate and its key, PEM.
    fn certificate(name: &str) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let certificate = CertificateParams::new(vec![name.to_string()]).unwrap().self_signed(&key).unwrap();
        (certificate.pem(), key.serialize_pem())
    }

    #[test]
    fn a_client_certificate_comes_with_its_own_key_in_one_file_or_two() {
        let (cert, key) = certificate("console.bank.example");
        let identity = client_identity(CertificateFile::parse(&format!("{cert}{key}"), "both.pem").unwrap(), None).unwrap();
        let text = String::from_utf8(identity).unwrap();
        assert!(text.starts_with("-----BEGIN CERTIFICATE-----") && text.contains("-----BEGIN PRIVATE KEY-----"), "{text}");
        let alone = CertificateFile::parse(&cert, "cert.pem").unwrap();
        assert!(!alone.has_key(), "the key is asked for next");
        assert!(client_identity(alone, Some(key_file(&key, "key.pem").unwrap())).is_ok());
        let alone = CertificateFile::parse(&cert, "cert.pem").unwrap();
        assert!(client_identity(alone, None).unwrap_err().contains("key is missing"));
    }

    #[test]
    fn a_key_that_is_not_the_certificates_own_is_refused_without_quoting_it() {
        let (cert, _) = certificate("console.bank.example");
        let (_, other_key) = certificate("someone.else");
        let file = CertificateFile::parse(&cert, "cert.pem").unwrap();
        let refused = client_identity(file, Some(key_file(&other_key, "key.pem").unwrap())).unwrap_err();
        assert!(refused.contains("not the certificate's own"), "{refused}");
        assert!(!refused.contains("PRIVATE KEY-----"), "{refused}");
    }

    #[test]
    fn files_that_are_not_what_was_asked_for_say_what_to_give() {
        let (cert, key) = certificate("console.bank.example");
        assert!(CertificateFile::parse("secret words", "x.pem").unwrap_err().contains("no PEM block"));
        assert!(CertificateFile::parse(&key, "key.pem").unwrap_err().contains("no certificate"));
        assert!(CertificateFile::parse(&format!("{cert}{key}{key}"), "x.pem").unwrap_err().contains("two private keys"));
        let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(key_file(encrypted, "k.pem").unwrap_err().contains("unencrypted"));
        assert!(key_file(&cert, "cert.pem").unwrap_err().contains("private key alone"));
        assert!(ca_bundle(&format!("{cert}{key}"), "ca.pem").unwrap_err().contains("certificates alone"));
        let garbage = pem::encode(&pem::Pem::new("CERTIFICATE", vec![0x30, 0x03, 0x02, 0x01, 0x00]));
        assert!(ca_bundle(&garbage, "ca.pem").unwrap_err().contains("cannot be trusted"));
        assert!(ca_bundle(&cert, "ca.pem").is_ok());
    }

    #[test]
    fn production_needs_the_client_certificate_and_staging_may_go_without() {
        let keychain = Keychain::memory_only("tests");
        let mut profile = Profile::sandbox(&"https://api.bank.example/".parse().unwrap()).unwrap();
        profile.environment = Environment::Staging;
        let (d1, others) = for_profile(&keychain, &profile).unwrap();
        assert!(d1.client_identity_pem.is_none() && d1.ca_bundle_pem.is_none() && others.ca_bundle_pem.is_none());
        profile.environment = Environment::Production;
        assert!(for_profile(&keychain, &profile).unwrap_err().contains("D1 client certificate"));
    }
}
