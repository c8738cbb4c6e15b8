//! The Consents API over real HTTP: the bearer check and the API key, who may see whose consents, and
//! what the demo data holds.

mod common;

use common::flow::*;
use common::*;
use console_api::consents::{ConsentCollection, ErrorResponse, HAL_JSON};
use console_sandbox::{Running, ACCESS_TOKEN_AUDIENCE, DEMO_API_KEY, GATEWAY_CLIENT_ID, SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET};
use serde_json::{json, Value};

const NEEDED: &str = "/consents/neededConsents";
/// bob's GIVEN terms and conditions (demo data).
const BOB_TERMS: &str = "b5cf42c1-9d1d-47ad-bc7c-12f9626d8eac";

/// Asserts an Apiture errorResponse with `status` and `_error.type`; returns the WWW-Authenticate header.
async fn refused(s: &Running, path: &str, token: Option<&str>, api_key: Option<&str>, status: u16, type_: &str) -> String {
    let (got, headers, body) = apiture_get(s, path, token, api_key).await;
    assert_eq!(got, status, "{body}");
    assert_eq!(headers["content-type"], HAL_JSON);
    let e: ErrorResponse = serde_json::from_value(body.clone()).expect("an errorResponse");
    assert_eq!(e.error.type_.as_deref(), Some(type_), "{body}");
    assert_eq!(e.error.status_code, Some(status));
    assert!(e.error.id.is_some() && e.error.occurred_at.is_some() && e.error.remediation.is_some());
    headers.get("www-authenticate").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

fn claims_now(s: &Running) -> Value {
    let now = now();
    json!({ "iss": s.auth_issuer(), "sub": "usr-grace", "aud": ACCESS_TOKEN_AUDIENCE, "iat": now, "nbf": now,
            "exp": now + 300, "jti": uuid::Uuid::new_v4().to_string(), "client_id": GATEWAY_CLIENT_ID,
            "scope": "banking/read", "roles": ["agent"], "name": "Grace Hopper" })
}

#[tokio::test]
async fn tokens_are_checked_before_anything_is_served() {
    let s = sandbox().await;
    let key = Some(DEMO_API_KEY);
    let www = refused(&s, NEEDED, None, key, 401, "unauthorized").await;
    assert_eq!(www, r#"Bearer realm="sandbox""#);

    let good = access(&login(&s, "grace", "banking/read").await);
    // One character of the payload changed: the signature no longer matches.
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let flipped = if parts[1].ends_with('A') { 'B' } else { 'A' };
    parts[1].pop();
    parts[1].push(flipped);
    let www = refused(&s, NEEDED, Some(&parts.join(".")), key, 401, "unauthorized").await;
    assert!(www.contains(r#"error="invalid_token""#), "{www}");

    // Forged with the sandbox's own key but expired, for another audience, from another issuer.
    let mut expired = claims_now(&s);
    expired["exp"] = json!(now() - 60);
    let mut other_aud = claims_now(&s);
    other_aud["aud"] = json!("other");
    let mut other_iss = claims_now(&s);
    other_iss["iss"] = json!("http://elsewhere/auth");
    for (what, claims) in [("expired", expired), ("audience", other_aud), ("issuer", other_iss)] {
        let www = refused(&s, NEEDED, Some(&forge(&claims)), key, 401, "unauthorized").await;
        assert!(www.contains("invalid_token") && www.contains(what), "{what}: {www}");
    }
    // The same forgery with good claims passes: it is the claims that were refused above.
    assert_eq!(consents_get(&s, NEEDED, &forge(&claims_now(&s))).await.0, 200);

    // Revoked at the revocation endpoint: refused at once, not only when it expires.
    assert_eq!(consents_get(&s, NEEDED, &good).await.0, 200);
    assert_eq!(revoke(&s, &good).await, 200);
    let www = refused(&s, NEEDED, Some(&good), key, 401, "unauthorized").await;
    assert!(www.contains("revoked"), "{www}");
    s.shutdown().await;
}

#[tokio::test]
async fn the_api_key_is_required() {
    let s = sandbox().await;
    let token = access(&login(&s, "alice", "banking/read").await);
    refused(&s, NEEDED, Some(&token), None, 401, "apiKeyRequired").await;
    refused(&s, NEEDED, Some(&token), Some("guess"), 401, "invalidApiKey").await;
    s.shutdown().await;
}

async fn needed(s: &Running, query: &str, token: &str) -> ConsentCollection {
    let (status, headers, body) = apiture_get(s, &format!("{NEEDED}{query}"), Some(token), Some(DEMO_API_KEY)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["content-type"], HAL_JSON);
    serde_json::from_value(body).expect("a consent collection")
}

#[tokio::test]
async fn alice_sees_her_needed_consents_and_may_give_them() {
    let s = sandbox().await;
    let token = access(&login(&s, "alice", "banking/read banking/write").await);
    let page = needed(&s, "", &token).await;
    let items = &page.embedded.items;
    assert_eq!(items.len(), 3);
    assert_eq!(page.count, Some(3));
    let states: Vec<&str> = items.iter().map(|c| c.state.as_str()).collect();
    assert_eq!(states, ["stale", "pending", "pending"]);
    assert!(items.iter().all(|c| c.user_id == "usr-alice"));
    assert_eq!(items[0].type_, "privacyPolicy");
    // Given to 2025:1; it names the revision it asks for now, the policy's current one.
    assert_eq!(items[0].document.revision_id.as_deref(), Some("2026:1"));
    assert!(items[0].given_at.is_some(), "a stale consent was given to an older revision");
    assert_ne!(items[1].context_uri, items[2].context_uri, "two products, one document");
    for c in items {
        assert_eq!(c.links["self"].href, format!("/consents/consents/{}", c.id));
        assert_eq!(c.links["apiture:give"].href, format!("/consents/givenConsents?consent={}", c.id));
    }
    // Consolidated: one per (type, document).
    assert_eq!(needed(&s, "?consolidate=true", &token).await.embedded.items.len(), 2);
    assert_eq!(needed(&s, "?userId=usr-alice&consolidate=false", &token).await.embedded.items.len(), 3);
    // Without banking/write she cannot give, so the link is not there.
    let read_only = access(&login(&s, "alice", "banking/read").await);
    assert!(needed(&s, "", &read_only).await.embedded.items.iter().all(|c| !c.can("apiture:give")));
    s.shutdown().await;
}

#[tokio::test]
async fn customers_see_only_their_own_consents() {
    let s = sandbox().await;
    let alice = access(&login(&s, "alice", "banking/read").await);
    refused(&s, &format!("{NEEDED}?userId=usr-bob"), Some(&alice), Some(DEMO_API_KEY), 403, "forbidden").await;
    refused(&s, &format!("/consents/consents/{BOB_TERMS}"), Some(&alice), Some(DEMO_API_KEY), 404, "consentRefNotFound").await;
    refused(&s, "/consents/consents/no-such-id", Some(&alice), Some(DEMO_API_KEY), 404, "consentRefNotFound").await;
    let bob = access(&login(&s, "bob", "banking/read").await);
    let (status, body) = consents_get(&s, &format!("/consents/consents/{BOB_TERMS}"), &bob).await;
    assert_eq!((status, body["state"].as_str(), body["userId"].as_str()), (200, Some("given"), Some("usr-bob")), "{body}");
    assert!(body["_links"].get("apiture:give").is_none(), "already given");
    s.shutdown().await;
}

#[tokio::test]
async fn staff_and_services_read_anyone_with_banking_read_only() {
    let s = sandbox().await;
    // grace (agent) only ever gets banking/read: enough to read.
    let grace = access(&login(&s, "grace", "").await);
    let page = needed(&s, "?userId=usr-alice", &grace).await;
    assert_eq!(page.embedded.items.len(), 3);
    assert!(page.embedded.items.iter().all(|c| !c.can("apiture:give")), "only the user gives consent");
    assert_eq!(needed(&s, "", &grace).await.embedded.items.len(), 0, "her own: none");
    assert_eq!(needed(&s, "?userId=usr-nobody", &grace).await.embedded.items.len(), 0, "unknown user: empty");
    assert_eq!(needed(&s, "?userId=usr-carol", &grace).await.embedded.items.len(), 0, "carol gave everything");
    let (status, body) = consents_get(&s, &format!("/consents/consents/{BOB_TERMS}"), &grace).await;
    assert_eq!(status, 200, "{body}");

    let form = [("grant_type", "client_credentials"), ("scope", "banking/read")];
    let (_, _, body) = token_call(&s, &form, Some((SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET))).await;
    let service = access(&body);
    let bob = needed(&s, "?userId=usr-bob", &service).await;
    assert_eq!(bob.embedded.items.len(), 1);
    assert_eq!(bob.embedded.items[0].type_, "privacyPolicy");
    s.shutdown().await;
}

#[tokio::test]
async fn a_token_without_banking_read_is_403_insufficient_scope() {
    let s = sandbox().await;
    let token = access(&login(&s, "alice", "banking/write").await);
    let www = refused(&s, NEEDED, Some(&token), Some(DEMO_API_KEY), 403, "forbidden").await;
    assert!(www.contains(r#"error="insufficient_scope""#), "{www}");
    refused(&s, &format!("{NEEDED}?consolidate=maybe"), Some(&access(&login(&s, "alice", "").await)), Some(DEMO_API_KEY), 400, "invalidQueryParameter").await;
    s.shutdown().await;
}

#[tokio::test]
async fn reset_restores_the_consents() {
    let s = sandbox().await;
    let (status, _) = post_json(&format!("{}/_sandbox/reset", s.base_url()), None, &json!({})).await;
    assert_eq!(status, 200);
    let alice = access(&login(&s, "alice", "banking/read").await);
    assert_eq!(needed(&s, "", &alice).await.embedded.items.len(), 3);
    s.shutdown().await;
}
