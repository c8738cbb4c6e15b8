//! The Apiture-style authorization server over real HTTP: sign-in page, codes with PKCE, tokens,
//! rotation and replay detection, revocation, clients and their redirect URIs.

mod common;

use common::flow::*;
use common::*;
use console_sandbox::{
    start, Config, ACCESS_TOKEN_AUDIENCE, AUTH_KID, DEMO_PASSWORD, DESKTOP_CLIENT_ID, GATEWAY_CLIENT_ID,
    SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

#[tokio::test]
async fn ada_signs_in_and_gets_a_token_the_jwks_verifies() {
    let s = sandbox().await;
    let (code, verifier) = code_for(&s, "ada", "banking/read banking/write banking/full").await;
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", GATEWAY_REDIRECT), ("code_verifier", verifier.as_str())];
    let (status, headers, body) = token_call(&s, &form, GATEWAY).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["scope"], "banking/read banking/write banking/full");
    assert!(body["refresh_token"].as_str().unwrap().len() >= 43);

    // The JWKS and the metadata describe the issuer and its key; the key verifies the token.
    let meta: Value = client().get(format!("{}/.well-known/oauth-authorization-server", s.auth_issuer())).send().await.unwrap().json().await.unwrap();
    assert_eq!(meta["issuer"], s.auth_issuer());
    assert_eq!(meta["token_endpoint"], format!("{}/oauth2/token", s.auth_issuer()));
    assert_eq!(meta["code_challenge_methods_supported"], serde_json::json!(["S256"]));
    let doc: Value = client().get(format!("{}/banking/v1/openapi.json", s.base_url())).send().await.unwrap().json().await.unwrap();
    for p in ["/auth/oauth2/authorize", "/auth/oauth2/token", "/auth/oauth2/revoke", "/auth/.well-known/jwks.json", "/consents/neededConsents", "/consents/consents/{consentId}"] {
        assert!(doc["paths"].get(p).is_some(), "{p} is described");
    }
    assert!(doc["components"]["securitySchemes"]["accessToken"].is_object());
    let jwks: Value = client().get(meta["jwks_uri"].as_str().unwrap()).send().await.unwrap().json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!((key["kty"].as_str(), key["crv"].as_str(), key["alg"].as_str(), key["use"].as_str()), (Some("EC"), Some("P-256"), Some("ES256"), Some("sig")));
    assert_eq!(key["kid"], AUTH_KID);
    let token = access(&body);
    assert_eq!(jsonwebtoken::decode_header(&token).unwrap().kid.as_deref(), Some(AUTH_KID));
    let decoding = DecodingKey::from_ec_components(key["x"].as_str().unwrap(), key["y"].as_str().unwrap()).unwrap();
    let mut v = Validation::new(Algorithm::ES256);
    v.set_issuer(&[s.auth_issuer()]);
    v.set_audience(&[ACCESS_TOKEN_AUDIENCE]);
    let claims = jsonwebtoken::decode::<Value>(&token, &decoding, &v).expect("verifies with the JWKS").claims;
    assert_eq!(claims["sub"], "usr-ada");
    assert_eq!(claims["name"], "Ada Lovelace");
    assert_eq!(claims["roles"], serde_json::json!(["admin"]));
    assert_eq!(claims["client_id"], GATEWAY_CLIENT_ID);
    assert_eq!(claims["scope"], "banking/read banking/write banking/full");
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 300);
    assert_eq!(claims["nbf"], claims["iat"]);
    assert!(claims["jti"].as_str().unwrap().len() >= 32 && claims["sid"].is_string());
    s.shutdown().await;
}

#[tokio::test]
async fn a_role_limits_the_scopes_and_no_scope_means_all_the_role_allows() {
    let s = sandbox().await;
    let grace = login(&s, "grace", "banking/read banking/write banking/full").await;
    assert_eq!(grace["scope"], "banking/read");
    assert_eq!(claims_of(&access(&grace))["roles"], serde_json::json!(["agent"]));
    let (verifier, challenge) = pkce();
    let mut params = gateway_request(&challenge, "x", "");
    params.retain(|(k, _)| *k != "scope");
    let q = redirected(&sign_in(&s, &params, "alice", DEMO_PASSWORD).await, GATEWAY_REDIRECT);
    let (status, body) = exchange(&s, &q["code"], &verifier).await;
    assert_eq!((status, body["scope"].as_str()), (200, Some("banking/read banking/write")));
    s.shutdown().await;
}

#[tokio::test]
async fn state_comes_back_byte_for_byte() {
    let s = sandbox().await;
    let state = "a&b=c d+e%20f/é?#x";
    let (_, challenge) = pkce();
    let r = sign_in(&s, &gateway_request(&challenge, state, "banking/read"), "bob", DEMO_PASSWORD).await;
    assert_eq!(redirected(&r, GATEWAY_REDIRECT)["state"], state);
    // Errors carry it back too.
    let mut params = gateway_request(&challenge, state, "banking/read");
    params.retain(|(k, _)| *k != "code_challenge_method");
    let r = browser().get(authorize_url(&s, &params)).send().await.unwrap();
    assert_eq!(redirected(&r, GATEWAY_REDIRECT)["state"], state);
    s.shutdown().await;
}

#[tokio::test]
async fn a_wrong_password_shows_the_page_again_with_an_alert() {
    let s = sandbox().await;
    let (_, challenge) = pkce();
    let r = sign_in(&s, &gateway_request(&challenge, "s", "banking/read"), "alice", "wrong").await;
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"<p id="error" role="alert">Wrong user name or password.</p>"#), "{html}");
    assert!(html.contains(r#"value="alice""#), "the user name is kept: {html}");
    // An unknown user gets the same answer (no user enumeration).
    let r = sign_in(&s, &gateway_request(&challenge, "s", "banking/read"), "mallory<script>", DEMO_PASSWORD).await;
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert!(html.contains("mallory&lt;script&gt;") && !html.contains("mallory<script>"), "escaped: {html}");
    s.shutdown().await;
}

#[tokio::test]
async fn pkce_s256_is_required_and_bad_requests_go_back_to_the_client() {
    let s = sandbox().await;
    let (_, challenge) = pkce();
    for (what, drop, method) in [("plain", None, Some("plain")), ("no method", None, None), ("no challenge", Some("code_challenge"), Some("S256"))] {
        let mut params: Vec<(&str, &str)> = gateway_request(&challenge, "s1", "banking/read");
        params.retain(|(k, _)| *k != "code_challenge_method" && Some(*k) != drop);
        if let Some(m) = method {
            params.push(("code_challenge_method", m));
        }
        let r = browser().get(authorize_url(&s, &params)).send().await.unwrap();
        let q = redirected(&r, GATEWAY_REDIRECT);
        assert_eq!(q["error"], "invalid_request", "{what}");
        assert!(q["error_description"].contains("S256"), "{what}: {q:?}");
        assert_eq!(q["state"], "s1");
    }
    let mut params = gateway_request("too-short", "s", "banking/read");
    let r = browser().get(authorize_url(&s, &params)).send().await.unwrap();
    assert_eq!(redirected(&r, GATEWAY_REDIRECT)["error"], "invalid_request");
    params = gateway_request(&challenge, "s", "banking/read profile");
    let r = browser().get(authorize_url(&s, &params)).send().await.unwrap();
    assert_eq!(redirected(&r, GATEWAY_REDIRECT)["error"], "invalid_scope");
    let long_nonce = "n".repeat(256);
    params = gateway_request(&challenge, "s", "openid banking/read");
    params.push(("nonce", &long_nonce));
    let r = browser().get(authorize_url(&s, &params)).send().await.unwrap();
    let q = redirected(&r, GATEWAY_REDIRECT);
    assert_eq!(q["error"], "invalid_request");
    assert!(q["error_description"].contains("nonce"), "{q:?}");
    params = gateway_request(&challenge, "s", "banking/read");
    params[0] = ("response_type", "token");
    let r = browser().get(authorize_url(&s, &params)).send().await.unwrap();
    assert_eq!(redirected(&r, GATEWAY_REDIRECT)["error"], "unsupported_response_type");
    s.shutdown().await;
}

#[tokio::test]
async fn unknown_clients_and_unregistered_redirects_get_a_page_never_a_redirect() {
    let s = sandbox().await;
    let (_, challenge) = pkce();
    let cases: [(&str, &str); 4] = [
        (GATEWAY_CLIENT_ID, "https://evil.example/auth/callback"),
        (GATEWAY_CLIENT_ID, "http://127.0.0.1:8080/auth/callback/"),
        ("no-such-client", GATEWAY_REDIRECT),
        (SERVICE_CLIENT_ID, GATEWAY_REDIRECT),
    ];
    for (client_id, redirect_uri) in cases {
        let mut params = gateway_request(&challenge, "s", "banking/read");
        params[1] = ("client_id", client_id);
        params[2] = ("redirect_uri", redirect_uri);
        for r in [
            browser().get(authorize_url(&s, &params)).send().await.unwrap(),
            sign_in_post(&s, &params).await,
        ] {
            assert_eq!(r.status(), 400, "{client_id} {redirect_uri}");
            assert!(r.headers().get("location").is_none());
            assert!(r.text().await.unwrap().contains(r#"id="error""#));
        }
    }
    s.shutdown().await;
}

async fn sign_in_post(s: &console_sandbox::Running, params: &[(&str, &str)]) -> reqwest::Response {
    let mut form = params.to_vec();
    form.extend([("username", "ada"), ("password", DEMO_PASSWORD)]);
    browser().post(format!("{}/oauth2/authorize", s.auth_issuer())).form(&form).send().await.unwrap()
}

#[tokio::test]
async fn bad_codes_are_invalid_grant() {
    let s = sandbox().await;
    let (status, body) = exchange(&s, "no-such-code", &pkce().0).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));

    // Another (registered) redirect URI than the authorization request's.
    let (code, verifier) = code_for(&s, "alice", "banking/read").await;
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", "http://localhost:8080/auth/callback"), ("code_verifier", verifier.as_str())];
    let (status, _, body) = token_call(&s, &form, GATEWAY).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    // A verifier that does not hash to the challenge.
    let (status, body) = exchange(&s, &code, &pkce().0).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    assert!(body["error_description"].as_str().unwrap().contains("code_verifier"));
    // Refusals did not use it up: the right request still works.
    assert_eq!(exchange(&s, &code, &verifier).await.0, 200);

    // Expired (the control API ages every unused code past its 60 s).
    let (code, verifier) = code_for(&s, "alice", "banking/read").await;
    let (status, _) = post_json(&format!("{}/_sandbox/auth/expire-codes", s.base_url()), None, &serde_json::json!({})).await;
    assert_eq!(status, 200);
    let (status, body) = exchange(&s, &code, &verifier).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    assert!(body["error_description"].as_str().unwrap().contains("expired"));
    s.shutdown().await;
}

#[tokio::test]
async fn a_reused_code_revokes_what_its_first_exchange_issued() {
    let s = sandbox().await;
    let (code, verifier) = code_for(&s, "alice", "banking/read").await;
    let (status, first) = exchange(&s, &code, &verifier).await;
    assert_eq!(status, 200);
    let (status, body) = exchange(&s, &code, &verifier).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    let (status, body) = refresh(&s, first["refresh_token"].as_str().unwrap()).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    let (status, _) = consents_get(&s, "/consents/neededConsents", &access(&first)).await;
    assert_eq!(status, 401, "the first access token is refused too (its sid is revoked)");
    s.shutdown().await;
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_replay_revokes_the_family() {
    let s = sandbox().await;
    let first = login(&s, "alice", "banking/read banking/write").await;
    let r1 = first["refresh_token"].as_str().unwrap().to_string();
    let (status, second) = refresh(&s, &r1).await;
    assert_eq!(status, 200, "{second}");
    let r2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2);
    assert_eq!(second["scope"], "banking/read banking/write");
    assert_eq!(claims_of(&access(&second))["sid"], claims_of(&access(&first))["sid"]);
    // r1 again: a replay. It is refused and so is r2, the family's current token.
    let (status, body) = refresh(&s, &r1).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    let (status, body) = refresh(&s, &r2).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    assert_eq!(consents_get(&s, "/consents/neededConsents", &access(&second)).await.0, 401);
    s.shutdown().await;
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_the_sign_in() {
    let s = sandbox().await;
    let body = login(&s, "bob", "banking/read").await;
    let rt = body["refresh_token"].as_str().unwrap();
    assert_eq!(revoke(&s, rt).await, 200);
    let (status, err) = refresh(&s, rt).await;
    assert_eq!((status, err["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(revoke(&s, "not-a-token-we-know").await, 200, "unknown tokens: 200 (RFC 7009)");
    s.shutdown().await;
}

#[tokio::test]
async fn client_credentials_is_for_the_service_client_only() {
    let s = sandbox().await;
    let form = [("grant_type", "client_credentials"), ("scope", "banking/read banking/full")];
    let (status, _, body) = token_call(&s, &form, Some((SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET))).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("refresh_token").is_none());
    assert_eq!(body["scope"], "banking/read banking/full");
    let claims = claims_of(&access(&body));
    assert_eq!((claims["sub"].as_str(), claims["name"].as_str()), (Some(SERVICE_CLIENT_ID), Some(SERVICE_CLIENT_ID)));
    assert_eq!(claims["roles"], serde_json::json!(["service"]));
    assert!(claims.get("sid").is_none());
    // Secret in the body works too.
    let form = [("grant_type", "client_credentials"), ("client_id", SERVICE_CLIENT_ID), ("client_secret", SERVICE_CLIENT_SECRET)];
    assert_eq!(token_call(&s, &form, None).await.0, 200);

    let (status, _, body) = token_call(&s, &[("grant_type", "client_credentials")], GATEWAY).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unauthorized_client")));
    s.shutdown().await;
}

#[tokio::test]
async fn a_wrong_client_secret_is_401_invalid_client() {
    let s = sandbox().await;
    let (code, verifier) = code_for(&s, "alice", "banking/read").await;
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", GATEWAY_REDIRECT), ("code_verifier", verifier.as_str())];
    let (status, headers, body) = token_call(&s, &form, Some((GATEWAY_CLIENT_ID, "guess"))).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    assert_eq!(headers["www-authenticate"], r#"Basic realm="sandbox""#);
    let (status, _, _) = token_call(&s, &[("grant_type", "client_credentials"), ("client_id", "nobody")], None).await;
    assert_eq!(status, 401);
    // The gateway cannot pose as the public desktop client with a secret either.
    let (status, _, _) = token_call(&s, &form, Some((DESKTOP_CLIENT_ID, "x"))).await;
    assert_eq!(status, 401);
    s.shutdown().await;
}

#[tokio::test]
async fn the_desktop_client_uses_any_loopback_port_but_not_localhost() {
    let s = sandbox().await;
    let (verifier, challenge) = pkce();
    let redirect = "http://127.0.0.1:53127/callback";
    let params = [
        ("response_type", "code"), ("client_id", DESKTOP_CLIENT_ID), ("redirect_uri", redirect),
        ("scope", "banking/read"), ("state", "d"), ("code_challenge", challenge.as_str()), ("code_challenge_method", "S256"),
    ];
    let q = redirected(&sign_in(&s, &params, "carol", DEMO_PASSWORD).await, redirect);
    // A public client: client_id only, PKCE is the proof.
    let form = [("grant_type", "authorization_code"), ("client_id", DESKTOP_CLIENT_ID), ("code", q["code"].as_str()), ("redirect_uri", redirect), ("code_verifier", verifier.as_str())];
    let (status, _, body) = token_call(&s, &form, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(claims_of(&access(&body))["client_id"], DESKTOP_CLIENT_ID);
    for bad in ["http://localhost:53127/callback", "http://127.0.0.1:53127/other", "http://127.0.0.1/callback", "https://127.0.0.1:53127/callback"] {
        let mut p = params.to_vec();
        p[2] = ("redirect_uri", bad);
        let r = browser().get(authorize_url(&s, &p)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
    s.shutdown().await;
}

#[tokio::test]
async fn configured_redirect_uris_and_ttl_are_honoured() {
    let config = Config {
        control: true,
        redirect_uris: vec!["http://127.0.0.1:9999/cb".into()],
        access_token_ttl: std::time::Duration::from_secs(42),
        ..Config::new("127.0.0.1:0".parse().unwrap(), ":memory:")
    };
    let s = start(config).await.unwrap();
    let (verifier, challenge) = pkce();
    let mut params = gateway_request(&challenge, "s", "banking/read");
    params[2] = ("redirect_uri", "http://127.0.0.1:9999/cb");
    let q = redirected(&sign_in(&s, &params, "ada", DEMO_PASSWORD).await, "http://127.0.0.1:9999/cb");
    let form = [("grant_type", "authorization_code"), ("code", q["code"].as_str()), ("redirect_uri", "http://127.0.0.1:9999/cb"), ("code_verifier", verifier.as_str())];
    let (status, _, body) = token_call(&s, &form, GATEWAY).await;
    assert_eq!((status, body["expires_in"].as_u64()), (200, Some(42)), "{body}");
    s.shutdown().await;
}

/// The JWKS's key, to verify ID tokens as a relying party does (from discovery, not from the crate).
async fn published_key(s: &console_sandbox::Running) -> DecodingKey {
    let discovery: Value = client().get(format!("{}/.well-known/openid-configuration", s.auth_issuer())).send().await.unwrap().json().await.unwrap();
    let jwks: Value = client().get(discovery["jwks_uri"].as_str().unwrap()).send().await.unwrap().json().await.unwrap();
    let key = &jwks["keys"][0];
    DecodingKey::from_ec_components(key["x"].as_str().unwrap(), key["y"].as_str().unwrap()).unwrap()
}

fn id_claims(s: &console_sandbox::Running, key: &DecodingKey, id_token: &str) -> Value {
    assert_eq!(jsonwebtoken::decode_header(id_token).unwrap().kid.as_deref(), Some(AUTH_KID));
    let mut v = Validation::new(Algorithm::ES256);
    v.set_issuer(&[s.auth_issuer()]);
    v.set_audience(&[GATEWAY_CLIENT_ID]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    jsonwebtoken::decode::<Value>(id_token, key, &v).expect("the ID token verifies with the JWKS, for the client").claims
}

#[tokio::test]
async fn an_openid_sign_in_gets_an_id_token_with_its_nonce_and_a_refresh_a_new_one_without() {
    let s = sandbox().await;
    let key = published_key(&s).await;
    let (verifier, challenge) = pkce();
    let mut params = gateway_request(&challenge, "st", "openid banking/read banking/write banking/full");
    params.push(("nonce", "nonce-of-this-sign-in"));
    let q = redirected(&sign_in(&s, &params, "grace", DEMO_PASSWORD).await, GATEWAY_REDIRECT);
    let (status, body) = exchange(&s, &q["code"], &verifier).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "openid banking/read", "an agent: openid and read");
    let id = id_claims(&s, &key, body["id_token"].as_str().expect("an id_token"));
    assert_eq!((id["sub"].as_str(), id["name"].as_str()), (Some("usr-grace"), Some("Grace Hopper")));
    assert_eq!((id["aud"].as_str(), id["azp"].as_str()), (Some(GATEWAY_CLIENT_ID), Some(GATEWAY_CLIENT_ID)));
    assert_eq!(id["nonce"], "nonce-of-this-sign-in");
    assert_eq!(id["roles"], serde_json::json!(["agent"]));
    assert_eq!(id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(), 300);
    assert_eq!(claims_of(&access(&body))["sub"], id["sub"], "the access token is about the same person");

    let (status, refreshed) = refresh(&s, body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(refreshed["scope"], "openid banking/read", "openid carries on");
    let id = id_claims(&s, &key, refreshed["id_token"].as_str().expect("a new id_token on refresh"));
    assert_eq!(id["sub"], "usr-grace");
    assert!(id.get("nonce").is_none(), "no nonce after a refresh (OIDC Core 12.2): {id}");

    // Without openid, no ID token (and none implied by a missing scope).
    let plain = login(&s, "alice", "banking/read").await;
    assert!(plain.get("id_token").is_none(), "{plain}");
    s.shutdown().await;
}

#[tokio::test]
async fn discovery_tells_a_relying_party_where_everything_is_and_how_id_tokens_are_signed() {
    let s = sandbox().await;
    let iss = s.auth_issuer();
    let r = client().get(format!("{iss}/.well-known/openid-configuration")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["issuer"], iss);
    assert_eq!(doc["authorization_endpoint"], format!("{iss}/oauth2/authorize"));
    assert_eq!(doc["token_endpoint"], format!("{iss}/oauth2/token"));
    assert_eq!(doc["jwks_uri"], format!("{iss}/.well-known/jwks.json"));
    assert_eq!(doc["id_token_signing_alg_values_supported"], serde_json::json!(["ES256"]));
    assert_eq!(doc["subject_types_supported"], serde_json::json!(["public"]));
    assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
    assert!(doc["scopes_supported"].as_array().unwrap().iter().any(|s| s == "openid"), "{doc}");
    for claim in ["sub", "nonce", "name", "roles"] {
        assert!(doc["claims_supported"].as_array().unwrap().iter().any(|c| c == claim), "{claim}: {doc}");
    }
    let openapi: Value = client().get(format!("{}/banking/v1/openapi.json", s.base_url())).send().await.unwrap().json().await.unwrap();
    assert!(openapi["paths"].get("/auth/.well-known/openid-configuration").is_some(), "described in the OpenAPI document");
    s.shutdown().await;
}
