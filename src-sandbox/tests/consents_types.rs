//! Consent type names (GET, PUT with If-Match, names in use), labels in three languages, the API root and
//! its OpenAPI document, over real HTTP.

mod common;

use common::apiture::Callers;
use console_api::consents::labels::{MAX_CODE_CHARS, MAX_DESCRIPTION_CHARS, MAX_LABELS, MAX_LABEL_CHARS, MAX_LANGUAGE_TAG_CHARS};
use reqwest::Method;
use serde_json::json;

const TYPES: &str = "/consents/consentTypeNames";

#[tokio::test]
async fn type_names_are_replaced_whole_with_if_match_and_names_in_use_stay() {
    let c = Callers::start().await;
    let current = c.get(TYPES, &c.grace).await;
    let names = current.ok(200)["names"].as_object().unwrap().clone();
    assert_eq!(names.keys().collect::<Vec<_>>(), ["electronicConsent", "privacyPolicy", "productTermsAndConditions", "termsAndConditions"]);
    assert_eq!(names["privacyPolicy"][0]["label"], "Privacy Policy");
    assert_eq!(names["privacyPolicy"][2]["language"], "fr");
    let etag = current.header("etag").to_string();

    let mut wanted = json!({ "names": names });
    wanted["names"]["loyaltyProgram"] = json!([{ "label": "Loyalty Program", "description": "Points and rewards." }]);
    c.call(Method::PUT, TYPES, &c.ada, Some(&wanted), &[]).await.refused(412, "ifMatchRequired");
    c.call(Method::PUT, TYPES, &c.ada, Some(&wanted), &[("If-Match", "\"type-names-v0\"")]).await.refused(412, "preconditionFailed");
    c.call(Method::PUT, TYPES, &c.service, Some(&wanted), &[("If-Match", &etag)]).await.refused(403, "forbidden");
    c.call(Method::PUT, TYPES, &c.grace, Some(&wanted), &[("If-Match", &etag)]).await.refused(403, "forbidden");
    let added = c.call(Method::PUT, TYPES, &c.ada, Some(&wanted), &[("If-Match", &etag)]).await;
    assert!(added.ok(200)["names"].get("loyaltyProgram").is_some());
    let etag = added.header("etag").to_string();

    // The new type can be used; leaving out names in use is refused with the names.
    let consent = json!({ "document": { "uri": "/vault/files/account-terms/content", "contentType": "text/html", "revisedAt": "2026-01-15T09:00:00Z" },
                          "type": "loyaltyProgram", "userId": "usr-bob" });
    c.post("/consents/consents", &c.ada, Some(&consent)).await.ok(201);
    let only = json!({ "names": { "privacyPolicy": [{ "label": "Privacy Policy" }] } });
    let refused = c.call(Method::PUT, TYPES, &c.ada, Some(&only), &[("If-Match", &etag)]).await;
    refused.refused(409, "consentTypeNameInUse");
    let in_use: Vec<&str> = refused.body["_error"]["attributes"]["typeNames"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(in_use, ["electronicConsent", "loyaltyProgram", "productTermsAndConditions", "termsAndConditions"]);
    assert_eq!(c.get(TYPES, &c.ada).await.header("etag"), etag, "a refused PUT changes nothing");

    for (body, says) in [
        (json!({ "names": { "bad name": [{ "label": "x" }] } }), "not a type name"),
        (json!({ "names": { "privacyPolicy": [] } }), "at least one label"),
    ] {
        let m = c.call(Method::PUT, TYPES, &c.ada, Some(&body), &[("If-Match", &etag)]).await.refused(400, "invalidProperty");
        assert!(m.contains(says), "{m}");
    }
    c.call(Method::PUT, TYPES, &c.ada, Some(&json!({ "nomes": {} })), &[("If-Match", &etag)]).await.refused(400, "malformedRequestBody");
    c.stop().await;
}

/// Seed 004's `localizedLabels`: "the remaining items must have a language"; one tag once per name
/// (without regard to case); a label is one line; the console's caps, also stated in the served OpenAPI.
/// Each refusal names the label by its tag (message and `attributes.language`).
#[tokio::test]
async fn a_label_after_the_first_names_its_language_once_and_labels_fit_their_caps() {
    let c = Callers::start().await;
    let current = c.get(TYPES, &c.ada).await;
    let names = current.ok(200)["names"].clone();
    let etag = current.header("etag").to_string();
    let with = |privacy: serde_json::Value| {
        let mut body = json!({ "names": names.clone() });
        body["names"]["privacyPolicy"] = privacy;
        body
    };
    let long_label = "x".repeat(MAX_LABEL_CHARS + 1);
    let long_description = "d".repeat(MAX_DESCRIPTION_CHARS + 1);
    let (label_cap, description_cap) = (format!("at most {MAX_LABEL_CHARS}"), format!("at most {MAX_DESCRIPTION_CHARS}"));
    let tag35 = "de-Latn-DE-1996-abcdefgh-x-abcdefgh";
    let long_tag = format!("{tag35}1");
    assert_eq!((tag35.len(), long_tag.len()), (MAX_LANGUAGE_TAG_CHARS, MAX_LANGUAGE_TAG_CHARS + 1));
    let (tag_cap, code_cap) = (format!("at most {MAX_LANGUAGE_TAG_CHARS}"), format!("at most {MAX_CODE_CHARS}"));
    let many: Vec<serde_json::Value> = (0..=MAX_LABELS).map(|i| json!({ "label": format!("Label {i}"), "language": format!("de-{i}") })).collect();
    let label_count = format!("has {} labels: at most {MAX_LABELS}", MAX_LABELS + 1);
    for (privacy, index, tag, property, says) in [
        (json!([{ "label": "Privacy Policy" }, { "label": "Política de privacidad" }]), Some(1), None, "language", "label 2 has no language"),
        (json!([{ "label": "Privacy Policy" }, { "label": "Política", "language": " " }]), Some(1), None, "language", "label 2 has no language"),
        (json!([{ "label": "Privacy Policy" }, { "label": "Política", "language": "es_MX" }]), Some(1), Some("es_MX"), "language", "not a language tag"),
        (json!([{ "label": "Privacy Policy", "language": "en" }, { "label": "Privacy", "language": "EN" }]), Some(1), Some("EN"), "language", "the label tagged 'EN' has the language of an earlier label"),
        (json!([{ "label": "Privacy Policy" }, { "label": "Política", "language": "es" }, { "label": "Otra", "language": "ES" }]), Some(2), Some("ES"), "language", "of an earlier label"),
        (json!([{ "label": long_label }]), Some(0), None, "label", label_cap.as_str()),
        (json!([{ "label": "Privacy Policy", "description": long_description }]), Some(0), None, "description", description_cap.as_str()),
        // One line: the rule the editor had alone is the API's too, said of the label by its tag.
        (json!([{ "label": "Privacy Policy" }, { "label": "Aviso\nde privacidad", "language": "es-MX" }]), Some(1), Some("es-MX"), "label", "the label tagged 'es-MX' has a control character"),
        (json!([{ "label": "Privacy\tPolicy", "language": "en" }]), Some(0), Some("en"), "label", "the default label (en) has a control character"),
        (json!([{ "label": "Privacy Policy" }, { "label": "Datenschutz", "language": long_tag }]), Some(1), Some(long_tag.as_str()), "language", tag_cap.as_str()),
        (json!([{ "label": "Privacy Policy", "code": "c".repeat(MAX_CODE_CHARS + 1) }]), Some(0), None, "code", code_cap.as_str()),
        (json!(many), None, None, "label", label_count.as_str()),
    ] {
        let refused = c.call(Method::PUT, TYPES, &c.ada, Some(&with(privacy.clone())), &[("If-Match", &etag)]).await;
        let message = refused.refused(400, "invalidProperty");
        assert!(message.contains("'privacyPolicy'") && message.contains(says), "{privacy}: {message}");
        let attributes = &refused.body["_error"]["attributes"];
        assert_eq!((attributes["typeName"].as_str(), attributes["labelIndex"].as_u64(), attributes["property"].as_str()),
            (Some("privacyPolicy"), index, Some(property)), "{privacy}");
        assert_eq!(attributes["language"].as_str(), tag, "the label's tag: {privacy}");
    }
    assert_eq!(c.get(TYPES, &c.ada).await.header("etag"), etag, "a refused PUT changes nothing");

    // At the caps, a regional tag beside its language, an explicit default language: taken as sent.
    let fits = json!([
        { "label": "p".repeat(MAX_LABEL_CHARS), "description": "d".repeat(MAX_DESCRIPTION_CHARS), "language": "en", "code": "c".repeat(MAX_CODE_CHARS) },
        { "label": "Datenschutz", "language": tag35 },
        { "label": "Política de privacidad", "language": "es" },
        { "label": "Aviso de privacidad", "language": "es-MX" },
        { "label": "Politique de confidentialité", "language": "fr" },
    ]);
    let taken = c.call(Method::PUT, TYPES, &c.ada, Some(&with(fits.clone())), &[("If-Match", &etag)]).await;
    let etag = taken.header("etag").to_string();
    assert_eq!(taken.ok(200)["names"]["privacyPolicy"], fits);

    // A tag in capitals is the same language when the labels are served: a Spanish reader gets it.
    let capitals = json!([{ "label": "Privacy Policy" }, { "label": "Política (mayúsculas)", "language": "ES" }]);
    c.call(Method::PUT, TYPES, &c.ada, Some(&with(capitals)), &[("If-Match", &etag)]).await.ok(200);
    let spanish = c.call(Method::GET, "/consents/labels", &c.alice, None, &[("Accept-Language", "es")]).await;
    assert_eq!(spanish.ok(200)["groups"]["consentType"]["privacyPolicy"]["label"], "Política (mayúsculas)");

    let doc = c.get("/consents/apiDoc", &c.grace).await;
    let put = doc.ok(200)["paths"]["/consents/consentTypeNames"]["put"]["description"].as_str().unwrap_or_default().to_string();
    assert!(put.contains(&format!("a label has at most {MAX_LABEL_CHARS} characters and a description at most {MAX_DESCRIPTION_CHARS}")), "{put}");
    assert!(put.contains(&format!("a name has at most {MAX_LABELS} labels, a language tag at most {MAX_LANGUAGE_TAG_CHARS} characters")), "{put}");
    assert!(put.contains(&format!("a code at most {MAX_CODE_CHARS}")) && put.contains("no control character"), "{put}");
    assert!(put.contains("must name its language"), "{put}");
    // The schema says the same caps.
    let schema = &doc.body["components"]["schemas"]["LocalizedLabel"]["properties"];
    let caps: Vec<Option<u64>> = ["label", "description", "language", "code"].iter().map(|p| schema[p]["maxLength"].as_u64()).collect();
    let expected = [MAX_LABEL_CHARS, MAX_DESCRIPTION_CHARS, MAX_LANGUAGE_TAG_CHARS, MAX_CODE_CHARS].map(|c| Some(c as u64));
    assert_eq!(caps, expected, "{schema}");
    c.stop().await;
}

#[tokio::test]
async fn labels_come_in_the_callers_language() {
    let c = Callers::start().await;
    for (accept, language, stale, privacy) in [
        (None, "en", "Stale (document revised)", "Privacy Policy"),
        (Some("es-MX,es;q=0.9,en;q=0.5"), "es", "Caducado (documento revisado)", "Política de privacidad"),
        (Some("de-DE, fr;q=0.8, en;q=0.7"), "fr", "Périmé (document révisé)", "Politique de confidentialité"),
        (Some("de"), "en", "Stale (document revised)", "Privacy Policy"),
    ] {
        let extra: Vec<(&str, &str)> = accept.map(|a| ("Accept-Language", a)).into_iter().collect();
        let a = c.call(Method::GET, "/consents/labels", &c.alice, None, &extra).await;
        let groups = &a.ok(200)["groups"];
        assert_eq!(a.header("content-language"), language);
        assert_eq!(groups["consentState"]["stale"]["label"], stale, "{accept:?}");
        assert_eq!(groups["consentType"]["privacyPolicy"]["label"], privacy, "{accept:?}");
        assert_eq!(groups["consentState"]["given"]["variants"]["fr"]["label"], "Donné");
        assert_eq!(groups["consentType"]["termsAndConditions"]["variants"]["es"]["label"], "Términos y condiciones");
    }
    c.stop().await;
}

#[tokio::test]
async fn the_root_links_the_api_and_its_document_states_the_readings_chosen() {
    let c = Callers::start().await;
    for path in ["/consents", "/consents/"] {
        let root = c.get(path, &c.grace).await;
        let body = root.ok(200);
        assert_eq!((body["_id"].as_str(), body["apiVersion"].as_str()), (Some("consents"), Some("0.12.0")));
        assert_eq!(body["_links"]["apiture:consents"]["href"], "/consents/consents");
    }
    let doc = c.get("/consents/apiDoc", &c.grace).await;
    let paths = doc.ok(200)["paths"].as_object().unwrap();
    for p in ["/consents/consents", "/consents/consents/{consentId}", "/consents/neededConsents", "/consents/givenConsents", "/consents/revokedConsents",
              "/consents/rescindedConsents", "/consents/revisedDocuments", "/consents/movedDocuments", "/consents/consentTypeNames", "/consents/labels",
              "/consents/apiDoc", "/consents/", "/vault/files/{fileId}/content"] {
        assert!(paths.contains_key(p), "{p} is described");
    }
    let revoke = doc.body["paths"]["/consents/revokedConsents"]["post"]["description"].as_str().unwrap();
    assert!(revoke.contains("Reading chosen") && revoke.contains("back to pending"), "{revoke}");
    let rescind = doc.body["paths"]["/consents/rescindedConsents"]["post"]["description"].as_str().unwrap();
    assert!(rescind.contains("All of them are rescinded"), "{rescind}");
    let create = doc.body["paths"]["/consents/consents"]["post"]["description"].as_str().unwrap();
    assert!(create.contains("200 answers exactly when"), "{create}");
    // The same document is part of the sandbox's served OpenAPI.
    let served: serde_json::Value = common::client().get(format!("{}/banking/v1/openapi.json", c.s.base_url())).send().await.unwrap().json().await.unwrap();
    assert!(served["paths"]["/consents/revisedDocuments"]["post"].is_object());
    c.stop().await;
}
