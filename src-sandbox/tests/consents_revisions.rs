//! One current revision per document, over real HTTP: set only by revisedDocuments (and the demo data),
//! never by a consent someone creates; what /vault serves, what a give records, and what a needed consent
//! asks for, so that a give naming the ETag read before a revision is refused.

mod common;

use common::apiture::Callers;
use reqwest::Method;
use serde_json::{json, Value};

const LIST: &str = "/consents/consents";
const PRIVACY: &str = "/vault/files/privacy-policy/content";
const CHECKING: &str = "/vault/files/checking-terms/content";
/// bob's PENDING privacy policy, alice's STALE one, and alice's PENDING everyday checking terms (demo data).
const BOB_PRIVACY: &str = "950f52f8-134e-4cc2-868a-4e8647231c00";
const ALICE_PRIVACY: &str = "d311f16d-7407-4757-bfa9-162ba8bf8634";
const ALICE_EVERYDAY: &str = "9f6d94f0-121b-4ad4-8c8a-e1eb93ccd3d9";
/// bob's GIVEN everyday checking terms (2026:2.1).
const BOB_EVERYDAY: &str = "b5cf42c1-9d1d-47ad-bc7c-12f9626d8eac";

fn privacy_consent(user: &str, revision_id: &str, revised_at: &str) -> Value {
    json!({
        "document": { "uri": PRIVACY, "contentType": "application/pdf", "revisionId": revision_id, "revisedAt": revised_at },
        "type": "privacyPolicy",
        "userId": user,
        "contextUri": "/products/products/everyday-checking",
    })
}

fn revision(uri: &str, type_: &str, revision_id: &str, revised_at: &str) -> Value {
    json!({ "uri": uri, "type": type_, "revisionId": revision_id, "revisedAt": revised_at })
}

#[tokio::test]
async fn a_customers_create_dated_2099_changes_nothing_anyone_is_served_or_gives() {
    let c = Callers::start().await;
    let created = c.post(LIST, &c.alice, Some(&privacy_consent("usr-alice", "2099:evil", "2099-01-01T00:00:00Z"))).await;
    let mine = created.ok(201);
    assert_eq!(
        (mine["document"]["revisionId"].as_str(), mine["document"]["revisedAt"].as_str(), mine["document"]["contentType"].as_str()),
        (Some("2026:1"), Some("2026-09-15T08:00:00.000Z"), Some("text/html")),
        "a customer's create takes the document's current revision"
    );
    // bob is served the current revision, and gives it.
    assert_eq!(c.get(PRIVACY, &c.bob).await.header("document-revision-id"), "2026:1");
    let given = c.post(&format!("/consents/givenConsents?consent={BOB_PRIVACY}"), &c.bob, None).await;
    assert_eq!(given.ok(200)["document"]["revisionId"], "2026:1");
    // The bank's next revision is not "older than 2099".
    c.post("/consents/revisedDocuments", &c.ada, Some(&revision(PRIVACY, "privacyPolicy", "2027:1", "2027-02-01T08:00:00Z"))).await.ok(202);
    assert_eq!(c.get(PRIVACY, &c.bob).await.header("document-revision-id"), "2027:1");
    c.stop().await;
}

#[tokio::test]
async fn a_banks_create_names_the_current_revision_or_is_told_which_it_is() {
    let c = Callers::start().await;
    let m = c.post(LIST, &c.ada, Some(&privacy_consent("usr-bob", "2025:1", "2025-03-01T09:00:00.000Z"))).await;
    m.refused(422, "invalidDocumentRevision");
    assert_eq!((m.body["_error"]["attributes"]["revisionId"].as_str(), m.body["_error"]["attributes"]["revisedAt"].as_str()),
        (Some("2026:1"), Some("2026-09-15T08:00:00.000Z")));
    c.post(LIST, &c.service, Some(&privacy_consent("usr-bob", "2099:1", "2099-01-01T00:00:00Z"))).await.refused(422, "invalidDocumentRevision");
    // The current one, with or without its id.
    let mut current = privacy_consent("usr-bob", "2026:1", "2026-09-15T10:00:00+02:00");
    assert_eq!(c.post(LIST, &c.ada, Some(&current)).await.ok(201)["document"]["revisionId"], "2026:1");
    current["document"].as_object_mut().unwrap().remove("revisionId");
    current["contextUri"] = json!("/products/products/premium-checking");
    assert_eq!(c.post(LIST, &c.service, Some(&current)).await.ok(201)["document"]["revisionId"], "2026:1");
    // A document the bank never revised has no current revision: the consent keeps its own, and the
    // vault has nothing to serve for it.
    let mut untracked = privacy_consent("usr-bob", "7", "2030-01-01T00:00:00Z");
    untracked["document"]["uri"] = json!("/vault/files/odd-terms/content");
    assert_eq!(c.post(LIST, &c.ada, Some(&untracked)).await.ok(201)["document"]["revisionId"], "7");
    c.get("/vault/files/odd-terms/content", &c.bob).await.refused(404, "documentNotFound");
    c.stop().await;
}

#[tokio::test]
async fn a_revision_moves_the_current_revision_and_every_needed_consent_of_the_document_with_it() {
    let c = Callers::start().await;
    assert_eq!(c.get(CHECKING, &c.alice).await.header("document-revision-id"), "2026:2.1");
    // Narrowed to premium checking: the document's current revision moves all the same.
    let mut premium = revision(CHECKING, "productTermsAndConditions", "2027:1.0", "2027-03-01T12:00:00Z");
    premium["contextUri"] = json!("/products/products/premium-checking");
    c.post("/consents/revisedDocuments", &c.ada, Some(&premium)).await.ok(202);
    assert_eq!(c.get(CHECKING, &c.alice).await.header("document-revision-id"), "2027:1.0");
    // alice's pending everyday terms ask for it now; bob's given everyday terms keep what he gave.
    let alice = c.get(&format!("{LIST}/{ALICE_EVERYDAY}"), &c.alice).await;
    assert_eq!((alice.ok(200)["state"].as_str(), alice.body["document"]["revisionId"].as_str()), (Some("pending"), Some("2027:1.0")));
    let bob = c.get(&format!("{LIST}/{BOB_EVERYDAY}"), &c.bob).await;
    assert_eq!((bob.ok(200)["state"].as_str(), bob.body["document"]["revisionId"].as_str()), (Some("given"), Some("2026:2.1")));
    // Older than the current revision: refused, whatever the consents of another context say.
    let mut everyday = revision(CHECKING, "productTermsAndConditions", "2026:3", "2026-12-01T00:00:00Z");
    everyday["contextUri"] = json!("/products/products/everyday-checking");
    let m = c.post("/consents/revisedDocuments", &c.ada, Some(&everyday)).await.refused(409, "invalidDocumentRevision");
    assert!(m.contains("2027-03-01T12:00:00.000Z"), "{m}");
    // A move takes the current revision with it.
    let moved = json!({ "type": "productTermsAndConditions", "uri": CHECKING, "newUri": "https://bank.example/checking-terms" });
    c.post("/consents/movedDocuments", &c.service, Some(&moved)).await.ok(202);
    let mut next = revision("https://bank.example/checking-terms", "productTermsAndConditions", "2027:0.9", "2027-01-01T00:00:00Z");
    c.post("/consents/revisedDocuments", &c.ada, Some(&next)).await.refused(409, "invalidDocumentRevision");
    next["revisedAt"] = json!("2027-04-01T00:00:00Z");
    c.post("/consents/revisedDocuments", &c.ada, Some(&next)).await.ok(202);
    c.stop().await;
}

#[tokio::test]
async fn a_give_naming_the_etag_read_before_a_revision_is_412_and_the_fresh_one_gives_the_new_revision() {
    let c = Callers::start().await;
    let read = c.get(&format!("{LIST}/{ALICE_PRIVACY}"), &c.alice).await;
    assert_eq!(read.ok(200)["document"]["revisionId"], "2026:1");
    let read_etag = read.header("etag").to_string();
    // Published while alice reads 2026:1.
    c.post("/consents/revisedDocuments", &c.ada, Some(&revision(PRIVACY, "privacyPolicy", "2027:1", "2027-02-01T08:00:00Z"))).await.ok(202);
    let give = format!("/consents/givenConsents?consent={ALICE_PRIVACY}");
    c.call(Method::POST, &give, &c.alice, None, &[("if-match", &read_etag)]).await.refused(412, "preconditionFailed");
    let fresh = c.get(&format!("{LIST}/{ALICE_PRIVACY}"), &c.alice).await;
    assert_eq!((fresh.ok(200)["state"].as_str(), fresh.body["document"]["revisionId"].as_str()), (Some("stale"), Some("2027:1")), "nothing was given");
    let fresh_etag = fresh.header("etag").to_string();
    assert_ne!(fresh_etag, read_etag);
    let given = c.call(Method::POST, &give, &c.alice, None, &[("if-match", &fresh_etag)]).await;
    assert_eq!((given.ok(200)["state"].as_str(), given.body["document"]["revisionId"].as_str()), (Some("given"), Some("2027:1")));
    c.stop().await;
}

#[tokio::test]
async fn the_served_openapi_states_the_readings_of_the_current_revision() {
    let c = Callers::start().await;
    let doc = c.get("/consents/apiDoc", &c.grace).await;
    let describe = |path: &str, method: &str| doc.body["paths"][path][method]["description"].as_str().unwrap_or_default().to_string();
    let create = describe("/consents/consents", "post");
    assert!(create.contains("Reading chosen for the document's revision") && create.contains("422 invalidDocumentRevision"), "{create}");
    let give = describe("/consents/givenConsents", "post");
    assert!(give.contains("records the document's current revision") && give.contains("412"), "{give}");
    let revise = describe("/consents/revisedDocuments", "post");
    assert!(revise.contains("becomes the document's current revision"), "{revise}");
    assert!(describe("/vault/files/{fileId}/content", "get").contains("never by a consent's own revisedAt"));
    c.stop().await;
}

#[tokio::test]
async fn a_revoked_consent_follows_a_revision_of_another_context_so_a_give_of_it_is_of_what_was_read() {
    let c = Callers::start().await;
    c.post(&format!("/consents/revokedConsents?consent={BOB_EVERYDAY}"), &c.bob, None).await.ok(200);
    let read = c.get(&format!("{LIST}/{BOB_EVERYDAY}"), &c.bob).await;
    assert_eq!((read.ok(200)["state"].as_str(), read.body["document"]["revisionId"].as_str()), (Some("revoked"), Some("2026:2.1")));
    let read_etag = read.header("etag").to_string();
    // A revision narrowed to premium checking: bob's everyday terms are out of its scope, yet they may be
    // given again, so they ask for the new revision (a new ETag).
    let mut premium = revision(CHECKING, "productTermsAndConditions", "2027:1.0", "2027-03-01T12:00:00Z");
    premium["contextUri"] = json!("/products/products/premium-checking");
    c.post("/consents/revisedDocuments", &c.ada, Some(&premium)).await.ok(202);
    let give = format!("/consents/givenConsents?consent={BOB_EVERYDAY}");
    c.call(Method::POST, &give, &c.bob, None, &[("if-match", &read_etag)]).await.refused(412, "preconditionFailed");
    let fresh = c.get(&format!("{LIST}/{BOB_EVERYDAY}"), &c.bob).await;
    assert_eq!((fresh.ok(200)["state"].as_str(), fresh.body["document"]["revisionId"].as_str()), (Some("revoked"), Some("2027:1.0")));
    let fresh_etag = fresh.header("etag").to_string();
    let given = c.call(Method::POST, &give, &c.bob, None, &[("if-match", &fresh_etag)]).await;
    assert_eq!((given.ok(200)["state"].as_str(), given.body["document"]["revisionId"].as_str()), (Some("given"), Some("2027:1.0")));
    c.stop().await;
}

#[tokio::test]
async fn a_first_revision_never_takes_its_content_type_from_a_customers_consent() {
    let c = Callers::start().await;
    const ODD: &str = "/vault/files/odd-terms/content";
    let mut own = privacy_consent("usr-bob", "1", "2026-01-01T00:00:00Z");
    own["document"]["uri"] = json!(ODD);
    own["document"]["contentType"] = json!("zzz/x");
    c.post(LIST, &c.bob, Some(&own)).await.ok(201);
    // The bank's first revision of the document names no content type: text/html, not bob's.
    c.post("/consents/revisedDocuments", &c.ada, Some(&revision(ODD, "privacyPolicy", "2", "2026-06-01T00:00:00Z"))).await.ok(202);
    let mut alices = privacy_consent("usr-alice", "2", "2026-06-01T00:00:00Z");
    alices["document"]["uri"] = json!(ODD);
    let created = c.post(LIST, &c.alice, Some(&alices)).await;
    assert_eq!((created.ok(201)["document"]["revisionId"].as_str(), created.body["document"]["contentType"].as_str()), (Some("2"), Some("text/html")));
    c.stop().await;
}
