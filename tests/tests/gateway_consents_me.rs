//! The end user's "My documents" routes over real HTTP, against the sandbox's Consents API and vault:
//! the consolidated inbox, giving (every matching consent at once), history, revoking, labels in three
//! languages, the documents relayed from the API's own origin only, each refusal and the audit lines.

use console_e2e::sign_in::SignedIn;
use console_e2e::Stack;
use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use serde_json::{json, Value};

/// alice's demo consents (src-sandbox/src/demo/consents.rs): a stale privacy policy, two pending terms of
/// one document (two accounts), a given e-consent. bob's pending privacy policy.
const ALICE_PRIVACY_STALE: &str = "d311f16d-7407-4757-bfa9-162ba8bf8634";
const ALICE_TERMS_1: &str = "9f6d94f0-121b-4ad4-8c8a-e1eb93ccd3d9";
const ALICE_TERMS_2: &str = "babafaa6-9208-4b65-9f42-c07fa894b26a";
const ALICE_ESIGN_GIVEN: &str = "ad276625-349e-47c2-a0a6-17f99c9ceb69";
const BOB_PRIVACY: &str = "950f52f8-134e-4cc2-868a-4e8647231c00";
const PRIVACY: &str = "/vault/files/privacy-policy/content";

fn items(body: &Value) -> Vec<Value> {
    body["_embedded"]["items"].as_array().cloned().unwrap_or_else(|| panic!("not a consent collection: {body}"))
}

fn ids(consents: &[Value]) -> Vec<&str> {
    consents.iter().map(|c| c["_id"].as_str().unwrap_or_default()).collect()
}

/// (outcome, status) of each audit line of `action`, in order.
fn audit_of(stack: &Stack, action: &str) -> Vec<(String, Option<u64>, String)> {
    stack
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == action)
        .map(|e| (e["outcome"].as_str().unwrap_or_default().to_string(), e["status"].as_u64(), e["userId"].as_str().unwrap_or_default().to_string()))
        .collect()
}

async fn post_empty(who: &SignedIn, path: &str) -> (u16, Value) {
    let (status, _, body) = who.post(path, &Value::Null).await;
    (status, body)
}

/// The consent's ETag as the document page reads it (`GET /api/me/consents/{id}`), or "" when refused.
async fn read_etag(who: &SignedIn, id: &str) -> String {
    let r = who.request(reqwest::Method::GET, &format!("/api/me/consents/{id}")).send().await.expect("GET the consent");
    r.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// "I have read and agree" as the page sends it: with the anti-CSRF token and, when given, `If-Match`.
async fn give(who: &SignedIn, id: &str, if_match: Option<&str>) -> (u16, Value) {
    let mut r = who.request(reqwest::Method::POST, &format!("/api/me/consents/{id}/give")).header("x-csrf-token", &who.csrf_token);
    if let Some(tag) = if_match {
        r = r.header("if-match", tag);
    }
    let r = r.send().await.expect("POST give");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A give naming the version read, as the document page does.
async fn give_as_read(who: &SignedIn, id: &str) -> (u16, Value) {
    let etag = read_etag(who, id).await;
    give(who, id, Some(&etag)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_acceptance_gives_every_matching_consent_and_history_shows_it() {
    let stack = Stack::start_with_stub_ui().await;
    let alice = stack.sign_in("alice").await;

    // Consolidated: the two terms of one document are one entry.
    let (status, _, needed) = alice.get("/api/me/consents/needed").await;
    assert_eq!(status, 200, "{needed}");
    let needed = items(&needed);
    assert_eq!(needed.len(), 2, "the privacy policy and the terms, once each: {needed:?}");
    let terms: Vec<&Value> = needed.iter().filter(|c| c["type"] == "productTermsAndConditions").collect();
    assert_eq!(terms.len(), 1);
    let terms_id = terms[0]["_id"].as_str().expect("an id");
    assert!([ALICE_TERMS_1, ALICE_TERMS_2].contains(&terms_id), "{terms_id}");

    let (status, given) = give_as_read(&alice, terms_id).await;
    assert_eq!(status, 200, "{given}");
    let consents = given["consents"].as_array().cloned().expect("the given consents");
    let mut given_ids = ids(&consents);
    given_ids.sort_unstable();
    let mut both = [ALICE_TERMS_1, ALICE_TERMS_2];
    both.sort_unstable();
    assert_eq!(given_ids, both, "both accounts' terms, by one acceptance: {given}");
    assert_eq!(consents[0]["_id"], terms_id, "the named one first");
    for c in &consents {
        assert_eq!(c["state"], "given", "{c}");
        assert_eq!(c["givenAt"], consents[0]["givenAt"], "given together: {c}");
        assert_eq!(c["document"]["revisionId"], "2026:2.1", "the receipt's revision: {c}");
    }
    assert_eq!(audit_of(&stack, "consents.give.mine"), [
        ("attempt".to_string(), None, "usr-alice".to_string()),
        ("ok".to_string(), Some(200), "usr-alice".to_string()),
    ]);

    // What staff see of alice agrees: only the privacy policy is still needed.
    let grace = stack.sign_in("grace").await;
    let (status, _, theirs) = grace.get("/api/consents/needed?userId=usr-alice").await;
    assert_eq!(status, 200, "{theirs}");
    assert_eq!(ids(&items(&theirs)), [ALICE_PRIVACY_STALE]);
    let (_, _, mine) = alice.get("/api/me/consents/needed").await;
    assert_eq!(ids(&items(&mine)), [ALICE_PRIVACY_STALE]);

    // History: the given (and stale) ones, newest given first.
    let (status, _, history) = alice.get("/api/me/consents/history").await;
    assert_eq!(status, 200, "{history}");
    let history = items(&history);
    assert!(history.iter().all(|c| c["userId"] == "usr-alice"), "{history:?}");
    assert_eq!(history.len(), 4, "two terms, the e-consent, the stale policy: {history:?}");
    let times: Vec<&str> = history.iter().map(|c| c["givenAt"].as_str().unwrap_or_default()).collect();
    let mut newest_first = times.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(times, newest_first);
    assert!(given_ids.contains(&history[0]["_id"].as_str().unwrap_or_default()));
    stack.shutdown().await;
}

/// A give names the version read: the gateway passes its `If-Match` on, refuses (and audits) one that is
/// missing or not one strong entity tag before the API hears of it, and a revision published while alice
/// read is a 412 that gives nothing; the version read again gives the new revision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_give_passes_the_version_read_on_and_a_revision_published_meanwhile_is_412() {
    let stack = Stack::start_with_stub_ui().await;
    let alice = stack.sign_in("alice").await;
    let (status, _, read) = alice.get(&format!("/api/me/consents/{ALICE_PRIVACY_STALE}")).await;
    assert_eq!((status, read["document"]["revisionId"].as_str()), (200, Some("2026:1")), "{read}");
    let read_etag = read_etag(&alice, ALICE_PRIVACY_STALE).await;
    assert!(read_etag.starts_with('"') && read_etag.len() > 2, "{read_etag:?}");

    let too_long = format!("\"{}\"", "a".repeat(200));
    for bad in [None, Some("*"), Some("W/\"a\""), Some("unquoted"), Some("\"a\", \"b\""), Some(too_long.as_str())] {
        let (status, body) = give(&alice, ALICE_PRIVACY_STALE, bad).await;
        assert_eq!((status, body["kind"].as_str(), body["field"].as_str()), (400, Some("invalid_input"), Some("If-Match")), "{bad:?}: {body}");
    }
    console_e2e::revise_document(&stack.http, &stack.sandbox(""), "privacyPolicy", PRIVACY, "2027:1", "2027-02-01T08:00:00.000Z").await;
    let (status, body) = give(&alice, ALICE_PRIVACY_STALE, Some(&read_etag)).await;
    assert_eq!(status, 412, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("revised while you read it"), "{body}");
    let (_, _, fresh) = alice.get(&format!("/api/me/consents/{ALICE_PRIVACY_STALE}")).await;
    assert_eq!((fresh["state"].as_str(), fresh["document"]["revisionId"].as_str()), (Some("stale"), Some("2027:1")), "nothing given: {fresh}");

    let (status, given) = give_as_read(&alice, ALICE_PRIVACY_STALE).await;
    assert_eq!(status, 200, "{given}");
    assert_eq!((given["consents"][0]["state"].as_str(), given["consents"][0]["document"]["revisionId"].as_str()), (Some("given"), Some("2027:1")));
    let lines: Vec<(String, Option<u64>)> = audit_of(&stack, "consents.give.mine").into_iter().map(|(o, s, _)| (o, s)).collect();
    let refused = ("refused".to_string(), Some(400));
    let mut expected = vec![refused; 6];
    expected.extend([("attempt", None), ("refused", Some(412)), ("attempt", None), ("ok", Some(200))].map(|(o, s)| (o.to_string(), s)));
    assert_eq!(lines, expected, "each bad If-Match refused before any attempt; the stale one tried and refused");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_is_audited_and_a_second_revoke_is_a_conflict() {
    let stack = Stack::start_with_stub_ui().await;
    let alice = stack.sign_in("alice").await;
    let (status, revoked) = post_empty(&alice, &format!("/api/me/consents/{ALICE_ESIGN_GIVEN}/revoke")).await;
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(revoked["state"], "revoked");
    assert!(revoked["requestRevokedAt"].is_string(), "{revoked}");
    assert!(revoked["_links"].get("apiture:give").is_some(), "a revoked consent may be given again: {revoked}");

    let (status, again) = post_empty(&alice, &format!("/api/me/consents/{ALICE_ESIGN_GIVEN}/revoke")).await;
    assert_eq!(status, 409, "{again}");
    assert!(again["message"].as_str().unwrap_or_default().contains("Reload"), "{again}");
    let lines = audit_of(&stack, "consents.revoke.mine");
    let outcomes: Vec<(&str, Option<u64>)> = lines.iter().map(|(o, s, _)| (o.as_str(), *s)).collect();
    assert_eq!(outcomes, [("attempt", None), ("ok", Some(200)), ("attempt", None), ("refused", Some(409))]);

    // The history shows it revoked.
    let (_, _, history) = alice.get("/api/me/consents/history").await;
    let esign = items(&history).into_iter().find(|c| c["_id"] == ALICE_ESIGN_GIVEN).expect("in the history");
    assert_eq!(esign["state"], "revoked");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_another_users_consent_bad_ids_and_cross_site_writes_are_refused() {
    let stack = Stack::start_with_stub_ui().await;
    let alice = stack.sign_in("alice").await;
    let ada = stack.sign_in("ada").await;

    // Staff have no "My documents": every route is 403, audited.
    for path in ["/api/me/consents/history", "/api/me/labels?lang=en", &format!("/api/me/documents?uri={PRIVACY}"), &format!("/api/me/documents/summary?uri={PRIVACY}")] {
        let (status, _, body) = ada.get(path).await;
        assert_eq!((status, body["kind"].as_str()), (403, Some("forbidden")), "{path}: {body}");
    }
    let (status, body) = give(&ada, ALICE_TERMS_1, Some("\"x\"")).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(audit_of(&stack, "consents.give.mine"), [("refused".to_string(), Some(403), "usr-ada".to_string())], "refused before any attempt");

    // bob's consent is not alice's: the API says it does not exist for her (ids do not leak).
    let (status, body) = give(&alice, BOB_PRIVACY, Some(&format!("\"{BOB_PRIVACY}-v1\""))).await;
    assert_eq!((status, body["kind"].as_str()), (404, Some("not_found")), "{body}");
    let (status, body) = post_empty(&alice, &format!("/api/me/consents/{BOB_PRIVACY}/revoke")).await;
    assert_eq!(status, 404, "{body}");
    let grace = stack.sign_in("grace").await;
    let (_, _, bobs) = grace.get("/api/consents/needed?userId=usr-bob").await;
    assert_eq!(ids(&items(&bobs)), [BOB_PRIVACY], "bob's consent is untouched");

    // An id that is not one is refused before the API hears of it (and audited).
    let (status, body) = give(&alice, "a.b", Some("\"x\"")).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("consentId")), "{body}");
    let give_lines: Vec<(String, Option<u64>)> = audit_of(&stack, "consents.give.mine").into_iter().map(|(o, s, _)| (o, s)).collect();
    let expected = [("refused", Some(403)), ("attempt", None), ("refused", Some(404)), ("refused", Some(400))];
    assert_eq!(give_lines, expected.map(|(o, s)| (o.to_string(), s)), "ada's refusal, bob's consent, the bad id (no attempt)");

    // A write without the session's anti-CSRF token never reaches the handler.
    let r = alice.request(reqwest::Method::POST, &format!("/api/me/consents/{ALICE_TERMS_1}/give")).send().await.expect("POST");
    assert_eq!(r.status().as_u16(), 403);
    let (_, _, needed) = alice.get("/api/me/consents/needed").await;
    assert_eq!(items(&needed).len(), 2, "nothing was given");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_come_in_english_spanish_and_french() {
    let stack = Stack::start_with_stub_ui().await;
    let alice = stack.sign_in("alice").await;
    for (lang, given, revised) in [("en", "Given", "Stale (document revised)"), ("es", "Otorgado", "Caducado (documento revisado)"), ("fr", "Donné", "Périmé (document révisé)")] {
        let (status, _, labels) = alice.get(&format!("/api/me/labels?lang={lang}")).await;
        assert_eq!(status, 200, "{labels}");
        assert_eq!(labels["groups"]["consentState"]["given"]["label"], given, "{lang}");
        assert_eq!(labels["groups"]["consentState"]["stale"]["label"], revised, "{lang}");
        assert!(labels["groups"]["consentType"]["privacyPolicy"]["label"].is_string(), "{labels}");
    }
    let (status, _, es) = alice.get("/api/me/labels?lang=es").await;
    assert_eq!(status, 200);
    assert_ne!(es["groups"]["consentType"]["privacyPolicy"]["label"], json!("Privacy policy"), "the type's Spanish label: {es}");
    let (status, _, body) = alice.get("/api/me/labels?lang=de").await;
    assert_eq!((status, body["field"].as_str()), (400, Some("lang")), "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("en, es or fr"), "{body}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_are_relayed_inert_from_the_api_origin_only_and_only_the_persons_own() {
    let stack = Stack::start_with_stub_ui().await;
    let alice = stack.sign_in("alice").await;

    let r = alice.request(reqwest::Method::GET, &format!("/api/me/documents?uri={PRIVACY}")).send().await.expect("GET the document");
    assert_eq!(r.status().as_u16(), 200);
    let header = |name| r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(header(CONTENT_TYPE), "text/html; charset=utf-8");
    assert_eq!(header(CONTENT_SECURITY_POLICY), "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'");
    assert_eq!(header(X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(header(reqwest::header::X_FRAME_OPTIONS), "SAMEORIGIN");
    assert_eq!(header(reqwest::header::CACHE_CONTROL), "no-store");
    let html = r.text().await.expect("the document");
    assert!(html.contains("<meta name=\"revision-id\" content=\"2026:1\">"), "the current revision: {html}");

    let (status, _, summary) = alice.get(&format!("/api/me/documents/summary?uri={PRIVACY}")).await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["revisionId"], "2026:1");
    assert!(summary["whatChanged"].as_str().unwrap_or_default().starts_with("Card tokens"), "{summary}");
    // In the page's language, as the document says it.
    for (lang, start) in [("es", "Tokens de tarjeta"), ("fr", "Jetons de carte"), ("en", "Card tokens")] {
        let (status, _, summary) = alice.get(&format!("/api/me/documents/summary?uri={PRIVACY}&lang={lang}")).await;
        assert_eq!(status, 200, "{summary}");
        assert!(summary["whatChanged"].as_str().unwrap_or_default().starts_with(start), "{lang}: {summary}");
    }
    let (status, _, body) = alice.get(&format!("/api/me/documents/summary?uri={PRIVACY}&lang=de")).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("lang")), "{body}");

    // Refused before anything is fetched: not http(s) or relative, another origin, credentials.
    let encoded = |uri: &str| url::form_urlencoded::byte_serialize(uri.as_bytes()).collect::<String>();
    for hostile in ["javascript:alert(1)", "data:text/html,<script>1</script>", "//evil.example/x", "https://evil.example/vault/files/privacy-policy/content", ""] {
        for route in ["/api/me/documents", "/api/me/documents/summary"] {
            let (status, _, body) = alice.get(&format!("{route}?uri={}", encoded(hostile))).await;
            assert_eq!((status, body["field"].as_str()), (400, Some("uri")), "{route} {hostile:?}: {body}");
        }
    }
    let (_, _, body) = alice.get(&format!("/api/me/documents?uri={}", encoded("https://evil.example/x"))).await;
    assert!(body["message"].as_str().unwrap_or_default().contains("not on the Consents service's origin"), "{body}");

    // On the API's origin but not a document of hers: a 404, whatever it is.
    for not_hers in ["/vault/files/savings-terms/content", "/consents/consents", "/vault/files/privacy-policy/content?revisionId=2027:1"] {
        let (status, _, body) = alice.get(&format!("/api/me/documents?uri={}", encoded(not_hers))).await;
        assert_eq!((status, body["kind"].as_str()), (404, Some("not_found")), "{not_hers}: {body}");
    }

    let reads = audit_of(&stack, "documents.read.mine");
    let statuses: Vec<Option<u64>> = reads.iter().map(|l| l.1).collect();
    assert_eq!(statuses.first(), Some(&Some(200)), "{reads:?}");
    assert_eq!(statuses.iter().filter(|s| **s == Some(400)).count(), 6, "{reads:?}");
    assert_eq!(statuses.iter().filter(|s| **s == Some(404)).count(), 3, "{reads:?}");
    stack.shutdown().await;
}
