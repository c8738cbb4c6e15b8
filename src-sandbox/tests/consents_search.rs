//! `q`, `search()` and `contains()` answer what a scan of every consent answers, whichever path the term
//! index takes (trigram lookup, every value for a term under three characters, the plain scan when too
//! many values match): checked over real HTTP against all consents read page by page and compared here,
//! on the demo data and on consents whose values hold non-ASCII letters, `%`, `_`, `\` and `"`; and after
//! each write that changes a searchable value (create, patch, revise with a new URI, move).

mod common;

use std::collections::BTreeSet;

use common::apiture::Callers;
use reqwest::Method;
use serde_json::{json, Value};

const LIST: &str = "/consents/consents";

/// The searchable properties of a consent, as `q` names them, and `filter=`'s name for each it filters.
fn fields(c: &Value) -> [(Option<&'static str>, Option<&str>); 6] {
    [
        (None, c["type"].as_str()),
        (Some("userId"), c["userId"].as_str()),
        (None, c["document"]["uri"].as_str()),
        (None, c["document"]["revisionId"].as_str()),
        (Some("contextUri"), c["contextUri"].as_str()),
        (Some("secondaryContextUri"), c["secondaryContextUri"].as_str()),
    ]
}

/// SQLite's LIKE without wildcards: case-insensitive for ASCII letters only.
fn found_case_insensitive(value: &str, term: &str) -> bool {
    value.to_ascii_lowercase().contains(&term.to_ascii_lowercase())
}

/// Every consent, read in pages of 1,000 as the administrator.
async fn everything(c: &Callers) -> Vec<Value> {
    let mut all = Vec::new();
    loop {
        let page = c.get(&format!("{LIST}?start={}&limit=1000", all.len()), &c.ada).await;
        let items = page.items().clone();
        if items.is_empty() {
            return all;
        }
        all.extend(items);
    }
}

/// The ids the list answers for `query` (every page), and its count.
async fn answered(c: &Callers, query: &str) -> (u64, BTreeSet<String>) {
    let mut ids = BTreeSet::new();
    loop {
        let page = c.get(&format!("{LIST}?{query}&start={}&limit=1000", ids.len()), &c.ada).await;
        assert_eq!(page.status, 200, "{query}: {}", page.body);
        let count = page.body["count"].as_u64().expect("count");
        let before = ids.len();
        ids.extend(page.items().iter().map(|i| i["_id"].as_str().unwrap().to_string()));
        if ids.len() as u64 >= count || ids.len() == before {
            return (count, ids);
        }
    }
}

fn encoded(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// `"term"` as `filter=` reads a quoted value (`\` escapes the next character).
fn quoted(term: &str) -> String {
    format!("\"{}\"", term.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Checks `q=term` and `search()`/`contains()` of the term on each filterable property against `all`.
async fn agrees_with_a_scan(c: &Callers, all: &[Value], term: &str) {
    let id = |v: &Value| v["_id"].as_str().unwrap().to_string();
    let expected: BTreeSet<String> =
        all.iter().filter(|v| fields(v).iter().any(|(_, f)| f.is_some_and(|f| found_case_insensitive(f, term)))).map(id).collect();
    let (count, ids) = answered(c, &format!("q={}", encoded(term))).await;
    assert_eq!(count, expected.len() as u64, "q={term:?}");
    assert_eq!(ids, expected, "q={term:?}");
    for property in ["userId", "contextUri", "secondaryContextUri"] {
        let value_of = |v: &Value| fields(v).into_iter().find(|(p, _)| *p == Some(property)).and_then(|(_, f)| f.map(str::to_string));
        for (function, test) in [("search", found_case_insensitive as fn(&str, &str) -> bool), ("contains", |v: &str, t: &str| v.contains(t))] {
            let expected: BTreeSet<String> = all.iter().filter(|v| value_of(v).is_some_and(|f| test(&f, term))).map(id).collect();
            let filter = format!("{function}({property},{})", quoted(term));
            let (count, ids) = answered(c, &format!("filter={}", encoded(&filter))).await;
            assert_eq!(count, expected.len() as u64, "{filter}");
            assert_eq!(ids, expected, "{filter}");
        }
    }
}

/// A consent of a document the bank never revised (no current revision), so that it keeps the odd
/// revision it names (a tracked document's create must name the current one).
fn odd_consent(user: &str, revision: &str, secondary: &str) -> Value {
    json!({
        "document": { "uri": "/vault/files/odd-terms/content", "contentType": "text/html",
                      "revisionId": revision, "revisedAt": "2026-04-01T09:00:00.000Z" },
        "type": "productTermsAndConditions",
        "userId": user,
        "contextUri": "/products/products/savings-plus",
        "secondaryContextUri": secondary,
    })
}

#[tokio::test]
async fn every_search_answers_what_a_scan_of_every_consent_answers() {
    let c = Callers::start().await;
    // Values the demo data lacks: non-ASCII letters in both cases, LIKE's wildcards, its escape, a quote.
    for (user, revision, secondary) in [
        ("usr-bob", r#"Révision ÉTÉ 50%_\x "v2""#, "/accounts/accounts/acc-50%25_x"),
        ("usr-carol", "révision été 2026", "/accounts/accounts/ACC-0042-99"),
    ] {
        c.post(LIST, &c.ada, Some(&odd_consent(user, revision, secondary))).await.ok(201);
    }
    let all = everything(&c).await;
    assert_eq!(all.len(), 20_011);
    for term in [
        // The figures' terms, and their other case.
        "acc-0042", "ACC-0042", "DEMO-004", "cd-12", "CD-12",
        // Under three characters: every value is checked.
        "a", "42", "Z", "é", "É", "ét",
        // Non-ASCII: LIKE folds ASCII letters only, so "ÉTÉ" does not find "été" (the trigram index would).
        "été", "ÉTÉ", "Été", "révision", "RÉVISION",
        // Wildcards, the escape and a quote are literal.
        "%", "_", "\\", "50%_", "%_\\", "_x", "%25", "\"v2\"", "\"",
        // Matching many values (the plain scan answers) or many consents.
        "acc-", "usr-demo", "/products/", "2026:1", "privacy", "PRIVACYPOLICY",
        // Nothing.
        "nowhere-at-all",
    ] {
        agrees_with_a_scan(&c, &all, term).await;
    }
    c.stop().await;
}

#[tokio::test]
async fn a_value_written_by_create_patch_revise_or_move_is_found_at_once() {
    let c = Callers::start().await;
    // Searched once before the writes, so that the index is there to be kept up to date.
    assert_eq!(c.count("q=zz-").await, 0);
    let created = c.post(LIST, &c.ada, Some(&odd_consent("usr-bob", "2026:1", "/accounts/accounts/zz-created"))).await;
    let id = created.ok(201)["_id"].as_str().unwrap().to_string();
    let patch = json!({ "contextUri": "/products/products/zz-patched" });
    let etag = created.header("etag").to_string();
    c.call(Method::PATCH, &format!("{LIST}/{id}"), &c.ada, Some(&patch), &[("if-match", &etag)]).await.ok(200);
    let revised = json!({ "uri": "/vault/files/e-sign-agreement/content", "type": "electronicConsent",
                          "revisionId": "zz-Revision-9", "revisedAt": "2027-01-01T00:00:00.000Z",
                          "newUri": "/vault/files/zz-e-sign/content" });
    c.post("/consents/revisedDocuments", &c.service, Some(&revised)).await.ok(202);
    let moved = json!({ "uri": "/vault/files/account-terms/content", "type": "termsAndConditions", "newUri": "/vault/files/zz-moved/content" });
    c.post("/consents/movedDocuments", &c.service, Some(&moved)).await.ok(202);

    let all = everything(&c).await;
    for term in ["zz-created", "zz-patched", "zz-revision-9", "zz-e-sign", "zz-moved", "zz-", "e-sign-agreement"] {
        agrees_with_a_scan(&c, &all, term).await;
    }
    // Not vacuous: the revision moved every e-consent that is not rescinded, the move every account term.
    assert!(c.count("q=zz-e-sign").await > 900);
    assert_eq!(c.count("q=zz-moved").await, 6_000);
    c.stop().await;
}
