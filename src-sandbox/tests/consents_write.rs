//! Create, get and patch one consent over real HTTP: 201 or 200, ETags and 304, If-Match and 412, and the
//! refusals of bad URIs, unknown types and callers who may not write.

mod common;

use common::apiture::Callers;
use reqwest::Method;
use serde_json::{json, Value};

const LIST: &str = "/consents/consents";
/// alice's PENDING terms for premium checking (demo data).
const ALICE_PREMIUM: &str = "babafaa6-9208-4b65-9f42-c07fa894b26a";

fn new_consent(user: &str, context: &str) -> Value {
    json!({
        "document": { "uri": "/vault/files/savings-terms/content", "contentType": "text/html",
                      "revisionId": "2026:1", "revisedAt": "2026-04-01T11:00:00+02:00" },
        "type": "productTermsAndConditions",
        "userId": user,
        "contextUri": context,
        "secondaryContextUri": "/accounts/accounts/acc-new-01"
    })
}

#[tokio::test]
async fn create_is_201_with_location_and_etag_then_200_for_the_same_consent() {
    let c = Callers::start().await;
    let body = new_consent("usr-bob", "/products/products/savings-plus");
    let created = c.post(LIST, &c.ada, Some(&body)).await;
    let consent = created.ok(201).clone();
    let id = consent["_id"].as_str().unwrap();
    assert_eq!(created.header("location"), format!("/consents/consents/{id}"));
    assert!(created.header("etag").starts_with('"'), "a strong ETag");
    assert_eq!(consent["state"], "pending");
    assert_eq!(consent["document"]["revisedAt"], "2026-04-01T09:00:00.000Z", "stored in UTC with milliseconds");
    assert_eq!(consent["userId"], "usr-bob");

    // The identical request locates it: 200, no new consent.
    let again = c.post(LIST, &c.service, Some(&body)).await;
    assert_eq!(again.ok(200)["_id"], id);
    assert_eq!(again.header("etag"), created.header("etag"));
    assert!(again.headers.get("location").is_none());
    // Another context is another consent.
    let other = c.post(LIST, &c.ada, Some(&new_consent("usr-bob", "/products/products/cd-12-month"))).await;
    assert_ne!(other.ok(201)["_id"], id);
    // Bob sees it, with the give link.
    let mine = c.get(&format!("{LIST}/{id}"), &c.bob).await;
    assert!(mine.ok(200)["_links"].get("apiture:give").is_some());
    c.stop().await;
}

#[tokio::test]
async fn create_refuses_unsafe_uris_unknown_types_and_callers_who_may_not() {
    let c = Callers::start().await;
    for (field, value, type_) in [
        ("/document/uri", "javascript:alert(1)", "invalidDocumentUri"),
        ("/document/uri", "data:text/html,<script>alert(1)</script>", "invalidDocumentUri"),
        ("/document/uri", "//evil.example/x", "invalidDocumentUri"),
        ("/contextUri", "JavaScript:alert(1)", "invalidContextUri"),
        ("/secondaryContextUri", "file:///etc/passwd", "invalidContextUri"),
    ] {
        let mut body = new_consent("usr-bob", "/products/products/savings-plus");
        *body.pointer_mut(field).unwrap() = json!(value);
        let m = c.post(LIST, &c.ada, Some(&body)).await.refused(400, type_);
        assert!(m.contains("scheme") || m.contains("protocol-relative"), "{value}: {m}");
    }
    let mut body = new_consent("usr-bob", "/products/products/savings-plus");
    body["type"] = json!("loyaltyProgram");
    c.post(LIST, &c.ada, Some(&body)).await.refused(422, "invalidConsentType");
    body["type"] = json!("privacyPolicy");
    body["document"]["revisedAt"] = json!("yesterday");
    c.post(LIST, &c.ada, Some(&body)).await.refused(400, "invalidProperty");
    c.post(LIST, &c.ada, Some(&json!({ "type": "privacyPolicy" }))).await.refused(400, "malformedRequestBody");

    // An agent only reads; a customer creates only her own.
    let bobs = new_consent("usr-bob", "/products/products/savings-plus");
    c.post(LIST, &c.grace, Some(&bobs)).await.refused(403, "forbidden");
    c.post(LIST, &c.alice, Some(&bobs)).await.refused(403, "forbidden");
    c.post(LIST, &c.alice, Some(&new_consent("usr-alice", "/products/products/savings-plus"))).await.ok(201);
    assert_eq!(c.count("userId=usr-bob").await, 2, "nothing refused was stored");
    c.stop().await;
}

#[tokio::test]
async fn get_answers_304_to_its_own_etag_and_404_to_strangers() {
    let c = Callers::start().await;
    let path = format!("{LIST}/{ALICE_PREMIUM}");
    let first = c.get(&path, &c.alice).await;
    first.ok(200);
    let etag = first.header("etag").to_string();
    let not_modified = c.call(Method::GET, &path, &c.alice, None, &[("If-None-Match", &etag)]).await;
    assert_eq!(not_modified.status, 304);
    assert!(not_modified.text.is_empty());
    assert_eq!(not_modified.header("etag"), etag);
    let modified = c.call(Method::GET, &path, &c.alice, None, &[("If-None-Match", "\"other\"")]).await;
    modified.ok(200);
    c.get(&path, &c.bob).await.refused(404, "consentRefNotFound");
    c.get(&format!("{LIST}/no-such-consent"), &c.ada).await.refused(404, "consentRefNotFound");
    c.stop().await;
}

#[tokio::test]
async fn patch_changes_only_the_contexts_and_needs_the_current_etag() {
    let c = Callers::start().await;
    let path = format!("{LIST}/{ALICE_PREMIUM}");
    let before = c.get(&path, &c.ada).await;
    let etag = before.header("etag").to_string();
    let change = json!({ "secondaryContextUri": "/accounts/accounts/acc-alice-chk-09" });

    c.call(Method::PATCH, &path, &c.ada, Some(&change), &[]).await.refused(412, "ifMatchRequired");
    c.call(Method::PATCH, &path, &c.ada, Some(&change), &[("If-Match", "\"stale\"")]).await.refused(412, "preconditionFailed");
    c.call(Method::PATCH, &path, &c.grace, Some(&change), &[("If-Match", &etag)]).await.refused(403, "forbidden");
    c.call(Method::PATCH, &path, &c.alice, Some(&change), &[("If-Match", &etag)]).await.refused(403, "forbidden");
    let bad = json!({ "contextUri": "javascript:alert(1)" });
    c.call(Method::PATCH, &path, &c.ada, Some(&bad), &[("If-Match", &etag)]).await.refused(400, "invalidContextUri");
    let state = json!({ "state": "given" });
    let m = c.call(Method::PATCH, &path, &c.ada, Some(&state), &[("If-Match", &etag)]).await.refused(422, "invalidProperty");
    assert!(m.contains("'state'"), "{m}");

    // The whole representation sent back with one change: only the contexts move.
    let mut whole = before.body.clone();
    whole["secondaryContextUri"] = json!("/accounts/accounts/acc-alice-chk-09");
    whole["contextUri"] = Value::Null;
    let patched = c.call(Method::PATCH, &path, &c.ada, Some(&whole), &[("If-Match", &etag)]).await;
    let body = patched.ok(200);
    assert_eq!(body["secondaryContextUri"], "/accounts/accounts/acc-alice-chk-09");
    assert!(body.get("contextUri").is_none(), "null removes it");
    assert_eq!(body["state"], "pending");
    let new_etag = patched.header("etag").to_string();
    assert_ne!(new_etag, etag);
    // The old tag is stale now: a second writer holding it gets 412 and nothing is overwritten.
    let late = json!({ "secondaryContextUri": "/accounts/accounts/acc-lost-update" });
    c.call(Method::PATCH, &path, &c.service, Some(&late), &[("If-Match", &etag)]).await.refused(412, "preconditionFailed");
    assert_eq!(c.get(&path, &c.ada).await.body["secondaryContextUri"], "/accounts/accounts/acc-alice-chk-09");
    c.call(Method::PATCH, &path, &c.service, Some(&late), &[("If-Match", &new_etag)]).await.ok(200);
    c.stop().await;
}
