//! The issuer's D1 signing key: imported once from its PEM file into the keychain (as PKCS#8 DER, entry
//! `d1-key:<environment>`), and read from there to sign the JWT-bearer assertion. The key never reaches
//! the page nor any file the app writes; its `kid` is not secret and lives in the environment's profile.

use console_link::d1_token::D1Credentials;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use thiserror::Error;

use crate::keychain::{d1_key_entry, Keychain, KeychainError};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum D1KeyError {
    #[error("the file is not a PEM private key: {0}")]
    NotPem(String),
    #[error("the file holds a {0}, not a PKCS#8 private key (-----BEGIN PRIVATE KEY-----)")]
    WrongKind(String),
    #[error("the key cannot sign ES256 assertions (D1 wants a P-256 key): {0}")]
    NotEs256(String),
    #[error("The D1 signing key of the {0} profile is not in the keychain: import it in the settings.")]
    Missing(String),
    #[error(transparent)]
    Keychain(#[from] KeychainError),
}

/// Checks that `pem_text` is a P-256 private key in PKCS#8 PEM, and keeps its DER in the keychain for
/// `environment` (replacing any earlier one).
pub fn import(keychain: &Keychain, environment: &str, pem_text: &str) -> Result<(), D1KeyError> {
    let der = es256_der(pem_text)?;
    keychain.set(&d1_key_entry(environment), &der)?;
    Ok(())
}

/// The PKCS#8 DER of a P-256 private key, checked by signing with it.
pub fn es256_der(pem_text: &str) -> Result<Vec<u8>, D1KeyError> {
    let block = pem::parse(pem_text.trim()).map_err(|e| D1KeyError::NotPem(e.to_string()))?;
    if block.tag() != "PRIVATE KEY" {
        return Err(D1KeyError::WrongKind(block.tag().to_lowercase()));
    }
    let der = block.into_contents();
    // Signing proves the key is one ES256 can use: parsing alone accepts an RSA or P-384 key too.
    let key = EncodingKey::from_ec_der(&der);
    jsonwebtoken::encode(&Header::new(Algorithm::ES256), &serde_json::json!({"probe": true}), &key)
        .map_err(|e| D1KeyError::NotEs256(e.to_string()))?;
    Ok(der)
}

/// The credentials the D1 link signs with, the key taken from the keychain (as PEM, in memory only:
/// `console_link::d1_token` reads PEM).
pub fn credentials(keychain: &Keychain, environment: &str, issuer_id: &str, kid: &str) -> Result<D1Credentials, D1KeyError> {
    // The scope is `name:digest` (Profile::keychain_scope): the person knows the profile by its name.
    let missing = || D1KeyError::Missing(environment.split(':').next().unwrap_or(environment).to_string());
    let der = keychain.get(&d1_key_entry(environment))?.ok_or_else(missing)?;
    let private_key_pem = pem::encode(&pem::Pem::new("PRIVATE KEY", der));
    Ok(D1Credentials { issuer_id: issuer_id.to_string(), kid: kid.to_string(), private_key_pem })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO_KEY: &str = include_str!("../../src-sandbox/demo/DEMOISSUER.es256.key.pem");
    const DEMO_PUBLIC: &str = include_str!("../../src-sandbox/demo/DEMOISSUER.es256.pub.pem");

    #[test]
    fn the_demo_key_is_kept_as_der_and_signs_from_the_keychain() {
        let keychain = Keychain::memory_only("test");
        import(&keychain, "sandbox", DEMO_KEY).unwrap();
        let der = keychain.get(&d1_key_entry("sandbox")).unwrap().unwrap();
        assert_eq!(der[0], 0x30, "DER, not PEM text");
        let credentials = credentials(&keychain, "sandbox", "DEMOISSUER", "DEMOISSUER-demo-es256").unwrap();
        // The PEM handed to the D1 link is the same key: its signature verifies with the demo public key.
        let key = EncodingKey::from_ec_pem(credentials.private_key_pem.as_bytes()).unwrap();
        let token = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &serde_json::json!({"sub": "x"}), &key).unwrap();
        let public = jsonwebtoken::DecodingKey::from_ec_pem(DEMO_PUBLIC.as_bytes()).unwrap();
        let mut validation = jsonwebtoken::Validation::new(Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        jsonwebtoken::decode::<serde_json::Value>(&token, &public, &validation).expect("signed by the imported key");
    }

    #[test]
    fn what_is_not_a_p256_pkcs8_key_is_refused_in_words() {
        let keychain = Keychain::memory_only("test");
        assert!(matches!(import(&keychain, "sandbox", "not a key"), Err(D1KeyError::NotPem(_))));
        assert_eq!(import(&keychain, "sandbox", DEMO_PUBLIC), Err(D1KeyError::WrongKind("public key".into())));
        let garbage = pem::encode(&pem::Pem::new("PRIVATE KEY", vec![0x30, 0x03, 0x02, 0x01, 0x00]));
        assert!(matches!(import(&keychain, "sandbox", &garbage), Err(D1KeyError::NotEs256(_))));
        assert_eq!(keychain.get(&d1_key_entry("sandbox")), Ok(None), "nothing kept after a refusal");
        assert_eq!(
            credentials(&keychain, "staging", "I", "k").unwrap_err(),
            D1KeyError::Missing("staging".into())
        );
    }
}
