//! Give, revoke and rescind over real HTTP: matching and instance scope, the states each allows, who may,
//! If-Match, and the links that say so.

mod common;

use common::apiture::{Answer, Callers};
use reqwest::Method;

const LIST: &str = "/consents/consents";
const NEEDED: &str = "/consents/neededConsents";
/// alice's two PENDING terms of one document for two products, her STALE privacy policy, her GIVEN e-consent.
const ALICE_EVERYDAY: &str = "9f6d94f0-121b-4ad4-8c8a-e1eb93ccd3d9";
const ALICE_PREMIUM: &str = "babafaa6-9208-4b65-9f42-c07fa894b26a";
const ALICE_PRIVACY: &str = "d311f16d-7407-4757-bfa9-162ba8bf8634";
const ALICE_E_SIGN: &str = "ad276625-349e-47c2-a0a6-17f99c9ceb69";

#[tokio::test]
async fn giving_one_consent_gives_every_matching_needed_one_by_default() {
    let c = Callers::start().await;
    let consolidated = c.get(&format!("{NEEDED}?consolidate=true"), &c.alice).await;
    let terms: Vec<&serde_json::Value> = consolidated.items().iter().filter(|i| i["type"] == "productTermsAndConditions").collect();
    assert_eq!(terms.len(), 1, "one per (type, document)");
    let give = terms[0]["_links"]["apiture:give"]["href"].as_str().unwrap().to_string();
    let given = c.post(&give, &c.alice, None).await;
    let body = given.ok(200);
    assert_eq!(body["state"], "given");
    assert!(body["givenAt"].as_str().is_some());
    assert!(!given.header("etag").is_empty());
    let others = body["_embedded"]["consents"].as_array().expect("the other matching consent");
    assert_eq!(others.len(), 1);
    assert_eq!(others[0]["state"], "given");
    let ids = [body["_id"].as_str().unwrap(), others[0]["_id"].as_str().unwrap()];
    assert!(ids.contains(&ALICE_EVERYDAY) && ids.contains(&ALICE_PREMIUM), "{ids:?}");
    // Only the stale privacy policy is still needed; the given ones now offer revoke, not give.
    let needed = c.get(NEEDED, &c.alice).await;
    assert_eq!(needed.items().len(), 1);
    assert_eq!(needed.items()[0]["_id"], ALICE_PRIVACY);
    let everyday = c.get(&format!("{LIST}/{ALICE_EVERYDAY}"), &c.alice).await;
    assert!(Answer::has_link(&everyday.body, "apiture:revoke") && !Answer::has_link(&everyday.body, "apiture:give"));
    c.stop().await;
}

#[tokio::test]
async fn instance_scope_gives_only_the_named_consent_which_may_be_named_by_uri() {
    let c = Callers::start().await;
    let by_uri = format!("/consents/givenConsents?consent=/consents/consents/{ALICE_PREMIUM}&scope=instance");
    let given = c.post(&by_uri, &c.alice, None).await;
    assert!(given.ok(200).get("_embedded").is_none());
    assert_eq!(c.get(&format!("{LIST}/{ALICE_EVERYDAY}"), &c.alice).await.body["state"], "pending");
    c.post(&format!("/consents/givenConsents?consent={ALICE_EVERYDAY}&scope=all"), &c.alice, None).await.refused(422, "invalidQueryParameter");
    c.stop().await;
}

#[tokio::test]
async fn give_and_revoke_refuse_the_wrong_state_person_and_reference() {
    let c = Callers::start().await;
    let m = c.post(&format!("/consents/givenConsents?consent={ALICE_E_SIGN}"), &c.alice, None).await.refused(409, "invalidConsentState");
    assert!(m.contains("given"), "{m}");
    c.post(&format!("/consents/revokedConsents?consent={ALICE_EVERYDAY}"), &c.alice, None).await.refused(409, "invalidConsentState");
    // Someone else's consent does not exist for her; staff do not answer for users.
    c.post(&format!("/consents/givenConsents?consent={ALICE_EVERYDAY}"), &c.bob, None).await.refused(400, "consentRefNotFound");
    c.post(&format!("/consents/givenConsents?consent={ALICE_EVERYDAY}"), &c.ada, None).await.refused(403, "forbidden");
    c.post(&format!("/consents/revokedConsents?consent={ALICE_E_SIGN}"), &c.service, None).await.refused(403, "forbidden");
    c.post("/consents/givenConsents?consent=no-such-consent", &c.alice, None).await.refused(400, "consentRefNotFound");
    c.post("/consents/givenConsents", &c.alice, None).await.refused(400, "invalidQueryParameter");
    // An agent's token has no banking/write.
    let www = c.post(&format!("/consents/givenConsents?consent={ALICE_EVERYDAY}"), &c.grace, None).await;
    www.refused(403, "forbidden");
    assert!(www.header("www-authenticate").contains("insufficient_scope"));
    assert_eq!(c.get(NEEDED, &c.alice).await.items().len(), 3, "nothing refused was written");
    c.stop().await;
}

#[tokio::test]
async fn a_stale_if_match_is_412_and_writes_nothing() {
    let c = Callers::start().await;
    let path = format!("{LIST}/{ALICE_EVERYDAY}");
    let etag = c.get(&path, &c.alice).await.header("etag").to_string();
    // Something else changes it (its sibling given with matching scope).
    c.post(&format!("/consents/givenConsents?consent={ALICE_PREMIUM}&scope=instance"), &c.alice, None).await.ok(200);
    c.post(&format!("/consents/givenConsents?consent={ALICE_EVERYDAY}"), &c.alice, None).await.ok(200);
    let revoke = format!("/consents/revokedConsents?consent={ALICE_EVERYDAY}");
    c.call(Method::POST, &revoke, &c.alice, None, &[("If-Match", &etag)]).await.refused(412, "preconditionFailed");
    assert_eq!(c.get(&path, &c.alice).await.body["state"], "given");
    let fresh = c.get(&path, &c.alice).await.header("etag").to_string();
    c.call(Method::POST, &revoke, &c.alice, None, &[("If-Match", &fresh)]).await.ok(200);
    c.stop().await;
}

#[tokio::test]
async fn revoke_makes_a_consent_revoked_not_needed_and_it_can_be_given_again() {
    let c = Callers::start().await;
    let revoked = c.post(&format!("/consents/revokedConsents?consent={ALICE_E_SIGN}"), &c.alice, None).await;
    let body = revoked.ok(200);
    assert_eq!(body["state"], "revoked");
    assert!(body["requestRevokedAt"].as_str().is_some());
    assert_eq!(body["givenAt"], "2025-01-10T09:05:12.000Z", "when it was given stays as history");
    assert!(Answer::has_link(body, "apiture:give") && !Answer::has_link(body, "apiture:revoke"));
    assert_eq!(c.get(NEEDED, &c.alice).await.items().len(), 3, "a revoked consent is not asked again");
    let again = c.post(&format!("/consents/givenConsents?consent={ALICE_E_SIGN}"), &c.alice, None).await;
    assert_eq!(again.ok(200)["state"], "given");
    c.stop().await;
}

#[tokio::test]
async fn rescind_takes_every_match_of_its_type_and_narrowing_parameters() {
    let c = Callers::start().await;
    // Narrowed to one user and product: alice's everyday terms only.
    let one = c.post("/consents/rescindedConsents?type=productTermsAndConditions&user=usr-alice&context=/products/products/everyday-checking", &c.ada, None).await;
    let body = one.ok(200);
    assert_eq!(body["count"], 1);
    assert_eq!(body["_embedded"]["items"][0]["_id"], ALICE_EVERYDAY);
    assert_eq!(body["_embedded"]["items"][0]["state"], "rescinded");
    assert!(body["_embedded"]["items"][0]["requestRescindedAt"].as_str().is_some());
    // Every match, not the first: all of one account terms document for a user (6 consents, 1 already rescinded).
    let user = "usr-demo-0007";
    let before = c.count(&format!("userId={user}&type=termsAndConditions&state=rescinded")).await;
    let all = c.post(&format!("/consents/rescindedConsents?type=termsAndConditions&user={user}&document=/vault/files/account-terms/content"), &c.service, None).await;
    assert_eq!(all.ok(200)["count"].as_u64(), Some(6 - before));
    assert_eq!(c.count(&format!("userId={user}&type=termsAndConditions&state=rescinded")).await, 6);
    // The consent's own link rescinds that one; twice is a 409.
    let link = format!("/consents/rescindedConsents?consent={ALICE_PREMIUM}");
    assert_eq!(c.post(&link, &c.ada, None).await.ok(200)["count"], 1);
    c.post(&link, &c.ada, None).await.refused(409, "invalidConsentState");
    assert_eq!(c.get(NEEDED, &c.alice).await.items().len(), 1, "rescinded consents are not needed");
    c.stop().await;
}

#[tokio::test]
async fn rescind_is_for_the_bank_and_checks_its_parameters() {
    let c = Callers::start().await;
    c.post("/consents/rescindedConsents?type=privacyPolicy&user=usr-alice", &c.alice, None).await.refused(403, "forbidden");
    c.post("/consents/rescindedConsents?type=privacyPolicy&user=usr-alice", &c.grace, None).await.refused(403, "forbidden");
    c.post("/consents/rescindedConsents?user=usr-alice", &c.ada, None).await.refused(400, "invalidQueryParameter");
    c.post("/consents/rescindedConsents?type=loyaltyProgram", &c.ada, None).await.refused(422, "invalidConsentType");
    c.post("/consents/rescindedConsents?type=privacyPolicy&context=javascript:alert(1)", &c.ada, None).await.refused(400, "invalidContextUri");
    c.post("/consents/rescindedConsents?type=privacyPolicy&document=data:text/html,x", &c.ada, None).await.refused(400, "invalidDocumentUri");
    c.post("/consents/rescindedConsents?consent=no-such", &c.ada, None).await.refused(400, "consentRefNotFound");
    assert_eq!(c.count("state=rescinded").await, 1_000, "nothing refused was written");
    c.stop().await;
}
