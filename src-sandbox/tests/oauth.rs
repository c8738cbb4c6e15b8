//! The token endpoint: the JWT-bearer grant as D1 does it, and its refusals.

mod common;

use common::*;
use console_sandbox::{DEMO_ISSUER, DEMO_KID};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::json;

#[tokio::test]
async fn grants_a_token_for_a_good_assertion_form_and_json() {
    let s = sandbox().await;
    let assertion = good_assertion();
    let r = client()
        .post(format!("{}/authz/v1/oauth2/token", s.base_url()))
        .form(&[("grant_type", GRANT), ("assertion", assertion.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    let (status, body) = token_response(&s, &[("grant_type", GRANT), ("assertion", &assertion)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["scope"], "d1-api:account:full d1-api:consumer:read");
    assert!(body["access_token"].as_str().unwrap().len() >= 32);

    // JSON body too, and without aud.
    let claims = json!({ "iss": DEMO_ISSUER, "sub": DEMO_ISSUER, "exp": now() + 900 });
    let assertion = assertion_with(&claims, Some(DEMO_KID));
    let (status, body) = post_json(
        &format!("{}/authz/v1/oauth2/token", s.base_url()),
        None,
        &json!({ "grant_type": GRANT, "assertion": assertion }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    s.shutdown().await;
}

async fn refused(s: &console_sandbox::Running, assertion: &str, error: &str, hint: &str) {
    let (status, body) = token_response(s, &[("grant_type", GRANT), ("assertion", assertion)]).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], error, "{body}");
    let description = body["error_description"].as_str().expect("error_description");
    assert!(description.contains(hint), "'{description}' should mention '{hint}'");
}

#[tokio::test]
async fn refuses_bad_assertions_with_invalid_grant() {
    let s = sandbox().await;
    // HS256 instead of ES256.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(DEMO_KID.into());
    let hs = encode(&header, &good_claims(), &EncodingKey::from_secret(b"secret")).unwrap();
    refused(&s, &hs, "invalid_grant", "ES256").await;
    // No kid, unknown kid.
    refused(&s, &assertion_with(&good_claims(), None), "invalid_grant", "kid").await;
    refused(&s, &assertion_with(&good_claims(), Some("nobody-key")), "invalid_grant", "nobody-key").await;
    // Expired, too far ahead, missing exp.
    let mut c = good_claims();
    c["exp"] = json!(now() - 60);
    refused(&s, &assertion_with(&c, Some(DEMO_KID)), "invalid_grant", "expired").await;
    c["exp"] = json!(now() + 3600);
    refused(&s, &assertion_with(&c, Some(DEMO_KID)), "invalid_grant", "15 minutes").await;
    c.as_object_mut().unwrap().remove("exp");
    refused(&s, &assertion_with(&c, Some(DEMO_KID)), "invalid_grant", "exp").await;
    // iss != sub, and an iss that is not the key's issuer.
    let mut c = good_claims();
    c["sub"] = json!("OTHERISSUE");
    refused(&s, &assertion_with(&c, Some(DEMO_KID)), "invalid_grant", "differ").await;
    let mut c = good_claims();
    c["iss"] = json!("OTHERISSUE");
    c["sub"] = json!("OTHERISSUE");
    refused(&s, &assertion_with(&c, Some(DEMO_KID)), "invalid_grant", "not the issuer").await;
    // A tampered signature.
    let good = good_assertion();
    let (head, _) = good.rsplit_once('.').unwrap();
    let tampered = format!("{head}.{}", "A".repeat(86));
    refused(&s, &tampered, "invalid_grant", "signature").await;
    // Not a JWT.
    refused(&s, "not-a-jwt", "invalid_grant", "not a JWT").await;
    s.shutdown().await;
}

#[tokio::test]
async fn refuses_wrong_grant_type_and_missing_parameters() {
    let s = sandbox().await;
    let assertion = good_assertion();
    let (status, body) =
        token_response(&s, &[("grant_type", "client_credentials"), ("assertion", &assertion)]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unsupported_grant_type")), "{body}");
    let (status, body) = token_response(&s, &[("assertion", &assertion)]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
    let (status, body) = token_response(&s, &[("grant_type", GRANT)]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
    let r = client()
        .post(format!("{}/authz/v1/oauth2/token", s.base_url()))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    s.shutdown().await;
}

#[tokio::test]
async fn bearer_is_required_and_must_be_the_paths_issuer() {
    let s = sandbox().await;
    let url = ops_url(&s, "demo-alice");
    // Missing.
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(error_text(&body).contains("Authorization"));
    // Garbage and not-Bearer.
    let (status, body) = get_json(&url, "garbage-token").await;
    assert_eq!(status, 401, "{body}");
    error_text(&body);
    let r = client().get(&url).header("authorization", "Basic Zm9vOmJhcg==").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);

    // A DEMOISSUER token on another issuer's path, where that consumer exists.
    let token = token(&s).await;
    let (status, _) = post_json(
        &format!("{}/_sandbox/issuers/OTHERISSUE/consumers", s.base_url()),
        None,
        &json!({ "consumerId": "other-1" }),
    )
    .await;
    assert_eq!(status, 201);
    let other = format!("{}/banking/v1/issuers/OTHERISSUE/consumers/other-1/operations", s.base_url());
    let (status, body) = get_json(&other, &token).await;
    assert_eq!(status, 401, "{body}");
    assert!(error_text(&body).contains("OTHERISSUE"));
    let (status, body) = post_json(&format!("{other}:delete"), Some(&token), &json!({})).await;
    assert_eq!(status, 401, "{body}");

    // And the right token works.
    let (status, _) = get_json(&url, &token).await;
    assert_eq!(status, 200);
    s.shutdown().await;
}

#[tokio::test]
async fn expired_access_tokens_are_refused() {
    let path = temp_db("expired");
    let s = sandbox_on(path.to_str().unwrap()).await;
    // Plant a token that expired a second ago, as 900 s of waiting would.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let expired_ms = chrono::Utc::now().timestamp_millis() - 1000;
    conn.execute(
        "INSERT INTO access_tokens (token_sha256, issuer_id, expires_ms) VALUES (?1, ?2, ?3)",
        rusqlite::params![console_sandbox::oauth::sha256_hex("old-token"), DEMO_ISSUER, expired_ms],
    )
    .unwrap();
    drop(conn);
    let (status, body) = get_json(&ops_url(&s, "demo-alice"), "old-token").await;
    assert_eq!(status, 401, "{body}");
    assert!(error_text(&body).contains("expired"));
    s.shutdown().await;
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}
