//! Revised and moved documents, and the documents themselves, over real HTTP.

mod common;

use common::apiture::Callers;
use serde_json::json;

const NEEDED: &str = "/consents/neededConsents";
const PRIVACY: &str = "/vault/files/privacy-policy/content";
/// carol's GIVEN privacy policy (2026:1).
const CAROL_PRIVACY: &str = "b200b62e-2eeb-4bfd-979c-8990771c0063";

fn revision(revision_id: &str, revised_at: &str) -> serde_json::Value {
    json!({ "uri": PRIVACY, "type": "privacyPolicy", "revisionId": revision_id, "revisedAt": revised_at })
}

#[tokio::test]
async fn a_revision_makes_every_given_consent_of_an_older_revision_stale_in_one_go() {
    let c = Callers::start().await;
    let stale_before = c.count("type=privacyPolicy&state=stale").await;
    let revised = c.post("/consents/revisedDocuments", &c.ada, Some(&revision("2027:1", "2027-02-01T08:00:00.000Z"))).await;
    let body = revised.ok(202);
    assert_eq!(body["revisionId"], "2027:1");
    // 500 bulk users (half of them) and carol had given the 2026:1 policy.
    assert_eq!(revised.header("consents-made-stale"), "501");
    assert_eq!(c.count("type=privacyPolicy&state=given").await, 0);
    assert_eq!(c.count("type=privacyPolicy&state=stale").await, stale_before + 501);
    let carol = c.get(&format!("/consents/consents/{CAROL_PRIVACY}"), &c.ada).await;
    assert_eq!((carol.body["state"].as_str(), carol.body["document"]["revisionId"].as_str()), (Some("stale"), Some("2027:1")));
    assert!(carol.body["staleAt"].as_str().is_some() && carol.body["givenAt"].as_str().is_some());
    // Pending and stale ones now ask for the new revision; rescinded ones keep theirs.
    let oldest = c.get("/consents/consents?type=privacyPolicy&state=pending|stale|given|revoked&sortBy=document.revisedAt&limit=1", &c.ada).await;
    assert_eq!(oldest.items()[0]["document"]["revisedAt"], "2027-02-01T08:00:00.000Z");
    let rescinded = c.get("/consents/consents?type=privacyPolicy&state=rescinded&sortBy=-document.revisedAt&limit=1", &c.ada).await;
    assert_eq!(rescinded.items()[0]["document"]["revisionId"], "2026:1");
    // The same revision again changes no state; an older one is refused.
    let again = c.post("/consents/revisedDocuments", &c.service, Some(&revision("2027:1", "2027-02-01T08:00:00Z"))).await;
    again.ok(202);
    assert_eq!(again.header("consents-made-stale"), "0");
    let m = c.post("/consents/revisedDocuments", &c.ada, Some(&revision("2026:9", "2026-12-01T00:00:00Z"))).await.refused(409, "invalidDocumentRevision");
    assert!(m.contains("2027-02-01T08:00:00.000Z"), "{m}");
    c.stop().await;
}

#[tokio::test]
async fn after_a_revision_the_user_sees_it_and_one_give_covers_it() {
    let c = Callers::start().await;
    let carol = common::flow::access(&common::flow::login(&c.s, "carol", "banking/read banking/write").await);
    assert_eq!(c.get(NEEDED, &carol).await.items().len(), 0);
    c.post("/consents/revisedDocuments", &c.ada, Some(&revision("2027:1", "2027-02-01T08:00:00.000Z"))).await.ok(202);
    let needed = c.get(NEEDED, &carol).await;
    assert_eq!(needed.items().len(), 1);
    assert_eq!(needed.items()[0]["state"], "stale");
    let doc = c.get(PRIVACY, &carol).await;
    assert_eq!(doc.status, 200);
    assert!(doc.text.contains("Revision <strong id=\"revision-id\">2027:1</strong>"), "the current revision is served");
    let give = needed.items()[0]["_links"]["apiture:give"]["href"].as_str().unwrap().to_string();
    c.post(&give, &carol, None).await.ok(200);
    assert_eq!(c.get(NEEDED, &carol).await.items().len(), 0);
    c.stop().await;
}

#[tokio::test]
async fn revisions_and_moves_are_for_the_bank_and_check_what_they_are_given() {
    let c = Callers::start().await;
    let r = revision("2027:1", "2027-02-01T08:00:00.000Z");
    c.post("/consents/revisedDocuments", &c.alice, Some(&r)).await.refused(403, "forbidden");
    c.post("/consents/revisedDocuments", &c.grace, Some(&r)).await.refused(403, "forbidden");
    let mut bad = r.clone();
    bad["newUri"] = json!("javascript:alert(1)");
    c.post("/consents/revisedDocuments", &c.ada, Some(&bad)).await.refused(400, "invalidDocumentUri");
    let mut bad = r.clone();
    bad["contextUri"] = json!("data:,x");
    c.post("/consents/revisedDocuments", &c.ada, Some(&bad)).await.refused(400, "invalidContextUri");
    let mut bad = r.clone();
    bad["type"] = json!("loyaltyProgram");
    c.post("/consents/revisedDocuments", &c.ada, Some(&bad)).await.refused(409, "invalidConsentType");
    c.post("/consents/revisedDocuments", &c.ada, Some(&json!({ "uri": PRIVACY }))).await.refused(400, "malformedRequestBody");
    let moved = json!({ "type": "privacyPolicy", "uri": PRIVACY, "newUri": "vbscript:x" });
    c.post("/consents/movedDocuments", &c.ada, Some(&moved)).await.refused(400, "invalidDocumentUri");
    c.post("/consents/movedDocuments", &c.grace, Some(&moved)).await.refused(403, "forbidden");
    assert_eq!(c.count("type=privacyPolicy&state=given").await, 501, "nothing refused was written");
    c.stop().await;
}

#[tokio::test]
async fn a_moved_document_keeps_its_consents_states() {
    let c = Callers::start().await;
    let given = c.count("type=privacyPolicy&state=given").await;
    let total = c.count("type=privacyPolicy").await;
    let moved = json!({ "type": "privacyPolicy", "uri": PRIVACY, "newUri": "https://bank.example/privacy" });
    let answer = c.post("/consents/movedDocuments", &c.service, Some(&moved)).await;
    answer.ok(202);
    assert_eq!(answer.header("consents-moved"), total.to_string());
    assert_eq!(c.count("q=bank.example/privacy").await, total);
    assert_eq!(c.count("type=privacyPolicy&state=given").await, given);
    c.stop().await;
}

#[tokio::test]
async fn the_vault_serves_each_revision_as_html_that_runs_no_script() {
    let c = Callers::start().await;
    let current = c.get(PRIVACY, &c.alice).await;
    assert_eq!(current.status, 200);
    assert_eq!(current.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(current.header("document-revision-id"), "2026:1");
    assert!(current.header("content-security-policy").contains("sandbox"));
    assert_eq!(current.header("x-content-type-options"), "nosniff");
    assert!(current.text.contains("<section id=\"what-changed\""));
    let old = c.get(&format!("{PRIVACY}?revisionId=2025:1"), &c.alice).await;
    assert!(old.text.contains("<meta name=\"revision-id\" content=\"2025:1\">"));
    for uri in ["/vault/files/checking-terms/content", "/vault/files/e-sign-agreement/content", "/vault/files/savings-terms/content", "/vault/files/account-terms/content"] {
        assert_eq!(c.get(uri, &c.grace).await.status, 200, "{uri}");
    }
    c.get(&format!("{PRIVACY}?revisionId=1999:1"), &c.alice).await.refused(404, "documentNotFound");
    c.get("/vault/files/secret/content", &c.alice).await.refused(404, "documentNotFound");
    let no_key = common::flow::browser().get(format!("{}{PRIVACY}", c.s.base_url())).bearer_auth(&c.alice).send().await.unwrap();
    assert_eq!(no_key.status(), 401);
    c.stop().await;
}

#[tokio::test]
async fn a_revision_narrowed_to_a_context_and_moved_touches_only_that_context() {
    let c = Callers::start().await;
    let terms = "/vault/files/checking-terms/content";
    let everyday = "contextUri=/products/products/everyday-checking";
    let premium_given = c.count("type=productTermsAndConditions&contextUri=/products/products/premium-checking&state=given").await;
    let everyday_given = c.count(&format!("type=productTermsAndConditions&{everyday}&state=given")).await;
    assert!(everyday_given > 0 && premium_given > 0);
    let body = json!({ "uri": terms, "type": "productTermsAndConditions", "contextUri": "/products/products/everyday-checking",
                       "revisionId": "2027:1.0", "revisedAt": "2027-03-01T12:00:00.000Z", "newUri": "/vault/files/checking-terms-everyday/content" });
    let revised = c.post("/consents/revisedDocuments", &c.ada, Some(&body)).await;
    revised.ok(202);
    assert_eq!(revised.header("consents-made-stale"), everyday_given.to_string());
    assert_eq!(c.count(&format!("type=productTermsAndConditions&{everyday}&state=given")).await, 0);
    assert_eq!(c.count("type=productTermsAndConditions&contextUri=/products/products/premium-checking&state=given").await, premium_given, "another product's consents are untouched");
    // The everyday consents that are not rescinded moved to the new URI; the premium ones stayed.
    let moved = c.count("q=checking-terms-everyday").await;
    assert_eq!(moved, c.count(&format!("type=productTermsAndConditions&{everyday}&state=pending|given|stale|revoked")).await);
    assert_eq!(c.count("q=checking-terms-everyday&contextUri=/products/products/premium-checking").await, 0);
    c.stop().await;
}
