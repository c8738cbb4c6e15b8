//! The authorization server's signing key, its JWKS, its RFC 8414 metadata and its OpenID Connect
//! discovery document.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde_json::{json, Value};

use crate::error::SandboxError;
use crate::AppState;

/// The `kid` of the access tokens' signing key.
pub const AUTH_KID: &str = "sandbox-auth-demo-es256";
/// DEMO ONLY (see `demo/README.md`): the P-256 key that signs access tokens (PKCS#8) and its public half.
pub const AUTH_PRIVATE_KEY_PEM: &str = include_str!("../../demo/AUTH.es256.key.pem");
pub const AUTH_PUBLIC_KEY_PEM: &str = include_str!("../../demo/AUTH.es256.pub.pem");

/// The SubjectPublicKeyInfo DER of a P-256 key up to its uncompressed point (RFC 5480): the point's
/// 65 bytes (`04 || x || y`) follow. Knowing the fixed prefix spares an elliptic-curve crate.
const P256_SPKI_PREFIX: [u8; 27] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
    0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
];

/// The keys, parsed once at start.
pub struct Signer {
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    /// The JWKS document (RFC 7517) of the public key, serialized once: it never changes while running.
    pub jwks: Bytes,
}

impl Signer {
    pub fn demo() -> Result<Signer, SandboxError> {
        let bad = |what: &str, e: String| SandboxError::Internal(format!("the demo auth key: {what}: {e}"));
        let encoding =
            EncodingKey::from_ec_pem(AUTH_PRIVATE_KEY_PEM.as_bytes()).map_err(|e| bad("private key", e.to_string()))?;
        let decoding =
            DecodingKey::from_ec_pem(AUTH_PUBLIC_KEY_PEM.as_bytes()).map_err(|e| bad("public key", e.to_string()))?;
        let (x, y) = p256_point(AUTH_PUBLIC_KEY_PEM).map_err(|e| bad("public key", e))?;
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y),
            "kid": AUTH_KID, "alg": "ES256", "use": "sig",
        });
        let jwks = serde_json::to_vec(&json!({ "keys": [jwk] })).map_err(|e| bad("JWKS", e.to_string()))?;
        Ok(Signer { encoding, decoding, jwks: Bytes::from(jwks) })
    }
}

/// `(x, y)` of a P-256 public key in SPKI PEM.
fn p256_point(pem: &str) -> Result<(Vec<u8>, Vec<u8>), String> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = STANDARD.decode(body.trim()).map_err(|e| format!("not base64: {e}"))?;
    let point = der
        .strip_prefix(&P256_SPKI_PREFIX[..])
        .filter(|p| p.len() == 64)
        .ok_or("not an uncompressed P-256 SubjectPublicKeyInfo")?;
    Ok((point[..32].to_vec(), point[32..].to_vec()))
}

/// `GET /auth/.well-known/jwks.json`
#[utoipa::path(get, path = "/auth/.well-known/jwks.json", tag = "Authorization server",
    responses((status = 200, description = "The access tokens' public key", body = crate::openapi_apiture::Jwks)))]
pub async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "public, max-age=300")],
        state.auth.signer.jwks.clone(),
    )
}

/// `GET /auth/.well-known/oauth-authorization-server` (RFC 8414).
#[utoipa::path(get, path = "/auth/.well-known/oauth-authorization-server", tag = "Authorization server",
    responses((status = 200, description = "RFC 8414 metadata (also at /.well-known/oauth-authorization-server/auth)", body = serde_json::Value)))]
pub async fn metadata(State(state): State<AppState>) -> Json<Value> {
    let iss = &state.auth.issuer;
    Json(json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth2/authorize"),
        "token_endpoint": format!("{iss}/oauth2/token"),
        "revocation_endpoint": format!("{iss}/oauth2/revoke"),
        "jwks_uri": format!("{iss}/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "scopes_supported": super::ALL_SCOPES,
    }))
}

/// `GET /auth/.well-known/openid-configuration` (OpenID Connect Discovery 1.0): the RFC 8414 metadata
/// and what a relying party needs to check ID tokens.
#[utoipa::path(get, path = "/auth/.well-known/openid-configuration", tag = "Authorization server",
    responses((status = 200, description = "OpenID Connect discovery: issuer, endpoints, jwks_uri, ID token algorithms, claims", body = serde_json::Value)))]
pub async fn openid_configuration(state: State<AppState>) -> Json<Value> {
    let Json(mut doc) = metadata(state).await;
    doc["subject_types_supported"] = json!(["public"]);
    doc["id_token_signing_alg_values_supported"] = json!(["ES256"]);
    doc["claims_supported"] = json!(["iss", "sub", "aud", "exp", "iat", "nonce", "azp", "name", "roles"]);
    doc["claims_parameter_supported"] = json!(false);
    doc["request_parameter_supported"] = json!(false);
    Json(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_key_pair_loads_and_its_jwk_has_32_byte_coordinates() {
        let signer = Signer::demo().unwrap();
        let jwks: Value = serde_json::from_slice(&signer.jwks).unwrap();
        let jwk = &jwks["keys"][0];
        for c in ["x", "y"] {
            let v = URL_SAFE_NO_PAD.decode(jwk[c].as_str().unwrap()).unwrap();
            assert_eq!(v.len(), 32);
        }
        // The JWK's coordinates are those of the private key's public half.
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256),
            &json!({"sub": "x"}),
            &signer.encoding,
        )
        .unwrap();
        let from_jwk = DecodingKey::from_ec_components(
            jwk["x"].as_str().unwrap(),
            jwk["y"].as_str().unwrap(),
        )
        .unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
        v.required_spec_claims.clear();
        v.validate_exp = false;
        jsonwebtoken::decode::<Value>(&token, &from_jwk, &v).unwrap();
    }
}
