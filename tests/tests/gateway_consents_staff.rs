//! The staff consent routes over real HTTP, against the real sandbox: who may do what (admins act, agents
//! read, customers are refused, every refusal audited), the anti-CSRF proof on writes, the explorer and
//! its export, the 412 with the fresh version, previews that equal what the write then does, and the
//! type names in use.

use console_e2e::sign_in::SignedIn;
use console_e2e::{read, Stack};
use reqwest::Method;
use serde_json::{json, Value};

const PRIVACY: &str = "/vault/files/privacy-policy/content";
/// alice's pending checking terms (everyday checking), in the sandbox's demo data.
const ALICE_TERMS: &str = "9f6d94f0-121b-4ad4-8c8a-e1eb93ccd3d9";

fn encode(s: &str) -> String {
    console_api::transport::encode_component(s)
}

/// A write as the page sends it (cookie, anti-CSRF token), with `If-Match` when given.
async fn write(who: &SignedIn, method: Method, path: &str, if_match: Option<&str>, body: &Value) -> (u16, Value, Option<String>) {
    let mut r = who.request(method, path).header("x-csrf-token", &who.csrf_token).json(body);
    if let Some(tag) = if_match {
        r = r.header("if-match", tag);
    }
    let r = r.send().await.expect("send");
    let etag = r.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_string);
    let (status, _, body) = read(r).await;
    (status, body, etag)
}

/// GET with the answer's ETag.
async fn get_tagged(who: &SignedIn, path: &str) -> (u16, Value, Option<String>) {
    let r = who.request(Method::GET, path).send().await.expect("send");
    let etag = r.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_string);
    let (status, _, body) = read(r).await;
    (status, body, etag)
}

async fn text(who: &SignedIn, path: &str) -> (u16, String) {
    let r = who.request(Method::GET, path).send().await.expect("send");
    (r.status().as_u16(), r.text().await.expect("body"))
}

/// Whether the audit log has a line of `user` doing `action` with `status`.
fn audited(stack: &Stack, user: &str, action: &str, status: u16) -> bool {
    stack.audit_entries().iter().any(|e| e["userId"] == user && e["action"] == action && e["status"] == status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_act_agents_read_and_customers_are_refused_with_every_refusal_audited() {
    let stack = Stack::start_with_stub_ui().await;
    let (ada, grace, alice) = (stack.sign_in("ada").await, stack.sign_in("grace").await, stack.sign_in("alice").await);
    let reads = [
        "/api/consents?type=privacyPolicy&limit=5",
        &format!("/api/consents/{ALICE_TERMS}"),
        "/api/consents/rescind/preview?type=productTermsAndConditions&user=usr-alice",
        &format!("/api/documents/revise/preview?uri={}&type=privacyPolicy", encode(PRIVACY)),
        &format!("/api/documents/campaign?uri={}&revisionId=2026:1", encode(PRIVACY)),
        "/api/consent-types",
    ];
    for path in reads {
        for who in [&ada, &grace] {
            let (status, _, body) = who.get(path).await;
            assert_eq!(status, 200, "{} reads {path}: {body}", who.username);
        }
        let (status, _, body) = alice.get(path).await;
        assert_eq!((status, body["kind"].as_str()), (403, Some("forbidden")), "a customer reads {path}: {body}");
    }
    let (status, csv) = text(&grace, "/api/consents/export.csv?type=electronicConsent&state=stale").await;
    assert_eq!(status, 200, "an agent exports: {csv}");
    let writes: [(Method, &str, Value); 5] = [
        (Method::POST, "/api/consents/rescind", json!({"type": "privacyPolicy", "user": "usr-carol"})),
        (Method::POST, "/api/documents/revise", json!({"uri": PRIVACY, "type": "privacyPolicy", "revisedAt": "2027-01-01T00:00:00.000Z"})),
        (Method::POST, "/api/documents/move", json!({"uri": PRIVACY, "newUri": "/vault/files/p2/content", "type": "privacyPolicy"})),
        (Method::PATCH, &format!("/api/consents/{ALICE_TERMS}"), json!({"contextUri": "/products/products/x"})),
        (Method::PUT, "/api/consent-types", json!({"names": {}})),
    ];
    for (method, path, body) in &writes {
        for who in [&grace, &alice] {
            let (status, answer, _) = write(who, method.clone(), path, Some("\"x\""), body).await;
            assert_eq!((status, answer["kind"].as_str()), (403, Some("forbidden")), "{} {method} {path}: {answer}", who.username);
        }
    }
    for action in ["consents.rescind", "documents.revise", "documents.move", "consents.patch", "consents.types.put"] {
        assert!(audited(&stack, "usr-grace", action, 403), "the agent's refused {action} is audited");
        assert!(audited(&stack, "usr-alice", action, 403), "the customer's refused {action} is audited");
    }
    assert!(audited(&stack, "usr-alice", "consents.list", 403));
    // Nothing was changed by the refused writes.
    let (_, _, carol) = ada.get("/api/consents?userId=usr-carol&type=privacyPolicy").await;
    assert_eq!(carol["items"][0]["state"], "given", "{carol}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_write_without_the_anti_csrf_proof_is_refused_and_changes_nothing() {
    let stack = Stack::start_with_stub_ui().await;
    let ada = stack.admin().await;
    let body = json!({"uri": PRIVACY, "type": "privacyPolicy", "revisedAt": "2027-01-01T00:00:00.000Z"});
    let r = ada.request(Method::POST, "/api/documents/revise").json(&body).send().await.expect("send");
    let (status, _, problem) = read(r).await;
    assert_eq!(status, 403, "{problem}");
    assert!(problem["message"].as_str().unwrap_or("").contains("anti-CSRF"), "{problem}");
    let r = ada.request(Method::POST, "/api/consents/rescind").header("x-csrf-token", "forged").json(&json!({"type": "privacyPolicy"})).send().await.expect("send");
    assert_eq!(r.status().as_u16(), 403);
    let (_, _, preview) = ada.get(&format!("/api/documents/revise/preview?uri={}&type=privacyPolicy", encode(PRIVACY))).await;
    assert!(preview["consents"].as_u64().unwrap_or(0) > 0, "still given, nothing was made stale: {preview}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_refused_in_the_apis_own_words() {
    let stack = Stack::start_with_stub_ui().await;
    let ada = stack.admin().await;
    let huge = json!({"type": "privacyPolicy", "user": "x".repeat(3 * 1024 * 1024)});
    let (status, problem, _) = write(ada, Method::POST, "/api/consents/rescind", None, &huge).await;
    assert_eq!(status, 413, "{problem}");
    assert_eq!(problem["kind"], "invalid_input", "{problem}");
    assert!(problem["message"].as_str().unwrap_or("").contains("limit of 2 MB"), "{problem}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_filters_pages_and_checks_and_its_export_has_every_row() {
    let stack = Stack::start_with_stub_ui().await;
    let ada = stack.admin().await;
    let query = "type=productTermsAndConditions&state=stale&sortBy=-givenAt&start=10&limit=25";
    let (status, _, page) = ada.get(&format!("/api/consents?{query}")).await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().expect("items");
    assert_eq!((items.len(), page["start"].as_u64(), page["limit"].as_u64()), (25, Some(10), Some(25)));
    let count = page["count"].as_u64().expect("count");
    assert!(count > 1000, "more than one upstream page to export: {count}");
    assert!(items.iter().all(|c| c["type"] == "productTermsAndConditions" && c["state"] == "stale"));
    let given: Vec<&str> = items.iter().filter_map(|c| c["givenAt"].as_str()).collect();
    assert!(given.windows(2).all(|w| w[0] >= w[1]), "sorted by givenAt, newest first");
    assert!(!page.to_string().contains("/consents/consents"), "no upstream URL reaches the page: {page}");

    let (status, csv) = text(ada, &format!("/api/consents/export.csv?{query}")).await;
    assert_eq!(status, 200);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("CSV");
    assert_eq!(rows.len() as u64, count, "every row of the filtered set, all pages, whatever the page asked");
    assert!(rows.iter().all(|r| &r[2] == "productTermsAndConditions" && &r[3] == "stale"));
    let line = stack.audit_entries().into_iter().find(|e| e["action"] == "consents.export").expect("the export's audit line");
    assert!(line["target"].as_str().unwrap_or("").starts_with(&format!("rows={count} ")), "{line}");
    assert_ne!(line["client"], "-", "the line names the request's client: {line}");

    for (bad, field) in [("state=archived", "state"), ("filter=eq(state,given)", "query"), ("limit=5000", "limit"), ("contextUri=javascript:alert(1)", "contextUri")] {
        let (status, _, problem) = ada.get(&format!("/api/consents?{bad}")).await;
        assert_eq!((status, problem["field"].as_str()), (400, Some(field)), "{bad}: {problem}");
    }
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_if_match_is_a_412_carrying_the_fresh_consent_and_nothing_is_overwritten() {
    let stack = Stack::start_with_stub_ui().await;
    let ada = stack.admin().await;
    let path = format!("/api/consents/{ALICE_TERMS}");
    let (status, consent, first_tag) = get_tagged(ada, &path).await;
    assert_eq!(status, 200, "{consent}");
    let first_tag = first_tag.expect("the consent's ETag reaches the page");
    let (status, problem, _) = write(ada, Method::PATCH, &path, None, &json!({"contextUri": "/products/products/a"})).await;
    assert_eq!(status, 428, "a patch without If-Match is refused before it goes upstream: {problem}");

    let (status, changed, second_tag) = write(ada, Method::PATCH, &path, Some(&first_tag), &json!({"contextUri": "/products/products/a"})).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["contextUri"], "/products/products/a");
    let second_tag = second_tag.expect("the new ETag");
    assert_ne!(second_tag, first_tag);

    // Another admin's change, made on the version read before the first one.
    let (status, problem, _) = write(ada, Method::PATCH, &path, Some(&first_tag), &json!({"contextUri": "/products/products/b"})).await;
    assert_eq!(status, 412, "{problem}");
    assert_eq!(problem["errorType"], "preconditionFailed", "{problem}");
    assert_eq!(problem["current"]["contextUri"], "/products/products/a", "the fresh consent, to compare with: {problem}");
    assert_eq!(problem["etag"].as_str(), Some(second_tag.as_str()), "and its ETag, to retry on");
    let (_, now, _) = get_tagged(ada, &path).await;
    assert_eq!(now["contextUri"], "/products/products/a", "nothing overwritten");
    let (status, retried, _) = write(ada, Method::PATCH, &path, Some(&second_tag), &json!({"contextUri": "/products/products/b"})).await;
    assert_eq!((status, retried["contextUri"].as_str()), (200, Some("/products/products/b")), "retried on the fresh version");
    let attempts = stack.audit_entries().iter().filter(|e| e["action"] == "consents.patch" && e["outcome"] == "attempt").count();
    assert_eq!(attempts, 3, "each patch sent upstream has its attempt line");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_revise_preview_equals_what_the_revise_makes_stale_and_the_campaign_follows() {
    let stack = Stack::start_with_stub_ui().await;
    let ada = stack.admin().await;
    let preview_path = format!("/api/documents/revise/preview?uri={}&type=privacyPolicy", encode(PRIVACY));
    let (status, _, preview) = ada.get(&preview_path).await;
    assert_eq!(status, 200, "{preview}");
    let (consents, users) = (preview["consents"].as_u64().expect("consents"), preview["users"].as_u64().expect("users"));
    assert!(consents > 100 && users > 100 && users <= consents, "{preview}");

    let revision = json!({"uri": PRIVACY, "type": "privacyPolicy", "revisionId": "2027:1", "revisedAt": "2027-01-01T00:00:00.000Z"});
    let (status, revised, _) = write(ada, Method::POST, "/api/documents/revise", None, &revision).await;
    assert_eq!(status, 200, "{revised}");
    assert_eq!(revised["madeStale"].as_u64(), Some(consents), "the preview said what the revision did: {revised}");
    assert!(stack.audit_entries().iter().any(|e| e["action"] == "documents.revise" && e["outcome"] == "attempt"));
    let (_, _, after) = ada.get(&preview_path).await;
    assert_eq!(after["consents"], 0, "nothing given at an older revision is left: {after}");

    let campaign_path = format!("/api/documents/campaign?uri={}&revisionId=2027:1", encode(PRIVACY));
    let (status, _, campaign) = ada.get(&campaign_path).await;
    assert_eq!(status, 200, "{campaign}");
    assert_eq!(campaign["givenAgain"], 0, "{campaign}");
    let outstanding = campaign["outstanding"].as_array().expect("outstanding");
    assert!(outstanding.len() as u64 >= consents, "every consent made stale is outstanding");
    assert!(outstanding.iter().all(|o| o["state"] == "stale" || o["state"] == "pending"));
    let (status, csv) = text(ada, &format!("/api/documents/campaign/outstanding.csv?uri={}&revisionId=2027:1", encode(PRIVACY))).await;
    assert_eq!(status, 200);
    assert_eq!(csv.lines().count(), outstanding.len() + 1, "a header and one row per outstanding consent");

    let (status, _, older) = ada.get(&format!("/api/documents/revise/preview?uri={}&type=privacyPolicy&revisedAt=2026-01-01T00:00:00.000Z", encode(PRIVACY))).await;
    assert_eq!(status, 200, "{older}");
    let backwards = json!({"uri": PRIVACY, "type": "privacyPolicy", "revisedAt": "2026-01-01T00:00:00.000Z"});
    let (status, problem, _) = write(ada, Method::POST, "/api/documents/revise", None, &backwards).await;
    assert_eq!((status, problem["errorType"].as_str()), (409, Some("invalidDocumentRevision")), "{problem}");
    let (status, problem, _) = write(ada, Method::POST, "/api/documents/revise", None, &json!({"uri": "javascript:x", "type": "privacyPolicy", "revisedAt": "2027-02-01T00:00:00.000Z"})).await;
    assert_eq!((status, problem["field"].as_str()), (400, Some("uri")), "checked before it goes upstream: {problem}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rescind_preview_equals_what_the_rescind_does() {
    let stack = Stack::start_with_stub_ui().await;
    let ada = stack.admin().await;
    let (status, _, preview) = ada.get("/api/consents/rescind/preview?type=productTermsAndConditions&user=usr-alice").await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!((preview["consents"].as_u64(), preview["users"].as_u64()), (Some(2), Some(1)), "{preview}");
    let (status, done, _) = write(ada, Method::POST, "/api/consents/rescind", None, &json!({"type": "productTermsAndConditions", "user": "usr-alice"})).await;
    assert_eq!((status, done["consents"].as_u64()), (200, Some(2)), "{done}");
    let (_, _, after) = ada.get("/api/consents/rescind/preview?type=productTermsAndConditions&user=usr-alice").await;
    assert_eq!(after["consents"], 0, "{after}");
    let (status, _, problem) = ada.get("/api/consents/rescind/preview?user=usr-alice").await;
    assert_eq!((status, problem["field"].as_str()), (400, Some("type")), "{problem}");
    stack.shutdown().await;
}

/// Seed 004's label rule and the length caps are the gateway's too (the page's `check_type_labels`): a
/// call that skips the page is refused before the Consents API is asked, and the refusal is audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_type_names_label_breaking_the_seeds_rule_is_refused_before_the_consents_api_is_asked() {
    let stack = Stack::start_with_stub_ui().await;
    let ada = stack.admin().await;
    let (status, types, tag) = get_tagged(ada, "/api/consent-types").await;
    assert_eq!(status, 200, "{types}");
    let tag = tag.expect("the set's ETag");
    let long = "x".repeat(console_api::consents::labels::MAX_LABEL_CHARS + 1);
    // Refused as the Consents API refuses them (invalidProperty), the label named by its position and tag.
    for (labels, says, attributes) in [
        (json!([{ "label": "Privacy Policy" }, { "label": "Política de privacidad" }]), "label 2 has no language",
            json!({ "typeName": "privacyPolicy", "labelIndex": 1, "property": "language" })),
        (json!([{ "label": "Privacy Policy", "language": "en" }, { "label": "Privacy", "language": "EN" }]), "the label tagged 'EN' has the language of an earlier label",
            json!({ "typeName": "privacyPolicy", "labelIndex": 1, "language": "EN", "property": "language" })),
        (json!([{ "label": long }]), "at most 200", json!({ "typeName": "privacyPolicy", "labelIndex": 0, "property": "label" })),
        (json!([{ "label": "Privacy Policy" }, { "label": "Aviso\tMX", "language": "es-MX" }]), "the label tagged 'es-MX' has a control character",
            json!({ "typeName": "privacyPolicy", "labelIndex": 1, "language": "es-MX", "property": "label" })),
    ] {
        let mut names = types["names"].clone();
        names["privacyPolicy"] = labels;
        let (status, problem, _) = write(ada, Method::PUT, "/api/consent-types", Some(&tag), &json!({"names": names})).await;
        assert_eq!((status, problem["field"].as_str(), problem["errorType"].as_str()), (400, Some("names"), Some("invalidProperty")), "{problem}");
        assert!(problem["message"].as_str().unwrap_or_default().contains(says), "{says}: {problem}");
        assert_eq!(problem["attributes"], attributes, "{problem}");
    }
    let entries = stack.audit_entries();
    assert!(!entries.iter().any(|e| e["action"] == "consents.types.put" && e["outcome"] == "attempt"), "nothing was sent upstream");
    assert_eq!(entries.iter().filter(|e| e["action"] == "consents.types.put" && e["status"] == 400).count(), 4, "each refusal audited");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_type_name_in_use_cannot_be_removed_and_the_409_says_which_and_how_many() {
    let stack = Stack::start_with_stub_ui().await;
    let ada = stack.admin().await;
    let (status, types, tag) = get_tagged(ada, "/api/consent-types").await;
    assert_eq!(status, 200, "{types}");
    let tag = tag.expect("the set's ETag");
    let mut names = types["names"].as_object().expect("names").clone();
    assert!(names.remove("privacyPolicy").is_some());
    let (status, problem, _) = write(ada, Method::PUT, "/api/consent-types", Some(&tag), &json!({"names": names})).await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["errorType"], "consentTypeNameInUse");
    assert_eq!(problem["attributes"]["typeNames"], json!(["privacyPolicy"]), "{problem}");
    assert!(problem["attributes"]["counts"]["privacyPolicy"].as_u64().unwrap_or(0) > 1000, "{problem}");
    assert!(problem["message"].as_str().unwrap_or("").contains("privacyPolicy ("), "{problem}");

    let mut relabelled = types["names"].clone();
    relabelled["privacyPolicy"][0]["label"] = json!("Privacy Notice");
    let (status, saved, new_tag) = write(ada, Method::PUT, "/api/consent-types", Some(&tag), &json!({"names": relabelled})).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["names"]["privacyPolicy"][0]["label"], "Privacy Notice");
    assert_ne!(new_tag.as_deref(), Some(tag.as_str()));
    let (status, problem, _) = write(ada, Method::PUT, "/api/consent-types", Some(&tag), &json!({"names": types["names"]})).await;
    assert_eq!(status, 412, "an old ETag: {problem}");
    assert_eq!(problem["current"]["names"]["privacyPolicy"][0]["label"], "Privacy Notice", "the fresh set: {problem}");
    stack.shutdown().await;
}
