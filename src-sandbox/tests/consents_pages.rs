//! The explorer's pages answer exactly what filtering and sorting every consent answers, whichever
//! index and statement shape the handler picks (`consents::list`: a count from the state index alone,
//! the page's rowids before its consents, a walk of the sort's index): every query of the speed figures
//! (`console-bench consents`), read page by page over real HTTP and compared, in order, with all consents
//! filtered and sorted here.

mod common;

use std::cmp::Ordering;

use common::apiture::Callers;
use serde_json::Value;

const LIST: &str = "/consents/consents";
const PAGE: usize = 1000;
/// Pages compared from the start of each answer (the rest is the last page, compared too).
const FIRST_PAGES: usize = 3;

/// Every consent in creation order (the default order), read in pages as the administrator.
async fn everything(c: &Callers) -> Vec<Value> {
    let mut all = Vec::new();
    loop {
        let page = c.get(&format!("{LIST}?start={}&limit={PAGE}", all.len()), &c.ada).await;
        let items = page.items().clone();
        if items.is_empty() {
            return all;
        }
        all.extend(items);
    }
}

fn text<'a>(c: &'a Value, pointer: &str) -> Option<&'a str> {
    c.pointer(pointer).and_then(Value::as_str)
}

/// `sortBy` as the API defines it: each key ascending or descending, a consent without the property
/// first when ascending (SQLite sorts NULL lowest), ties in creation order in the first key's direction.
fn sorted(mut matches: Vec<(usize, &Value)>, sort_by: &[(&str, bool)]) -> Vec<String> {
    let first_descending = sort_by.first().is_some_and(|(_, d)| *d);
    matches.sort_by(|(a_seq, a), (b_seq, b)| {
        for (pointer, descending) in sort_by {
            let o = text(a, pointer).cmp(&text(b, pointer));
            if o != Ordering::Equal {
                return if *descending { o.reverse() } else { o };
            }
        }
        if first_descending { b_seq.cmp(a_seq) } else { a_seq.cmp(b_seq) }
    });
    matches.into_iter().map(|(_, c)| c["_id"].as_str().unwrap().to_string()).collect()
}

/// The ids the list answers for `query` from `start`, `limit` at a time, up to `pages` pages.
async fn pages(c: &Callers, query: &str, start: usize, pages: usize) -> (u64, Vec<String>) {
    let (mut ids, mut count) = (Vec::new(), 0);
    for n in 0..pages {
        let page = c.get(&format!("{LIST}?{query}&start={}&limit={PAGE}", start + n * PAGE), &c.ada).await;
        assert_eq!(page.status, 200, "{query}: {}", page.body);
        count = page.body["count"].as_u64().expect("count");
        let items = page.items();
        ids.extend(items.iter().map(|i| i["_id"].as_str().unwrap().to_string()));
        if items.len() < PAGE {
            break;
        }
    }
    (count, ids)
}

#[tokio::test]
async fn every_figure_query_answers_what_a_sort_of_every_consent_answers() {
    let c = Callers::start().await;
    let all: Vec<(usize, Value)> = everything(&c).await.into_iter().enumerate().collect();
    assert_eq!(all.len(), 20_009);
    let state = |s: &'static [&'static str]| move |c: &Value| s.contains(&c["state"].as_str().unwrap());
    let of_type = |t: &'static str| move |c: &Value| c["type"] == t;
    type Filter = Box<dyn Fn(&Value) -> bool>;
    let cases: Vec<(&str, Filter, Vec<(&str, bool)>)> = vec![
        ("state=pending%7Cstale", Box::new(state(&["pending", "stale"])), vec![]),
        ("state=rescinded", Box::new(state(&["rescinded"])), vec![]),
        ("type=productTermsAndConditions", Box::new(of_type("productTermsAndConditions")), vec![]),
        (
            "filter=and(eq(type,privacyPolicy),ne(state,given))",
            Box::new(move |c: &Value| of_type("privacyPolicy")(c) && c["state"] != "given"),
            vec![],
        ),
        ("filter=ne(state,pending%7Cgiven%7Cstale%7Crescinded%7Crevoked)", Box::new(|_: &Value| false), vec![]),
        (
            "type=termsAndConditions&state=pending&sortBy=userId",
            Box::new(move |c: &Value| of_type("termsAndConditions")(c) && c["state"] == "pending"),
            vec![("/userId", false)],
        ),
        ("state=rescinded&sortBy=-givenAt", Box::new(state(&["rescinded"])), vec![("/givenAt", true)]),
        ("state=pending%7Crevoked&sortBy=-givenAt", Box::new(state(&["pending", "revoked"])), vec![("/givenAt", true)]),
        ("state=given&sortBy=-givenAt", Box::new(state(&["given"])), vec![("/givenAt", true)]),
        ("type=privacyPolicy&sortBy=givenAt", Box::new(of_type("privacyPolicy")), vec![("/givenAt", false)]),
        ("sortBy=-givenAt", Box::new(|_: &Value| true), vec![("/givenAt", true)]),
        ("sortBy=type,-document.revisedAt", Box::new(|_: &Value| true), vec![("/type", false), ("/document/revisedAt", true)]),
        ("sortBy=userId", Box::new(|_: &Value| true), vec![("/userId", false)]),
    ];
    for (query, filter, sort_by) in cases {
        let expected = sorted(all.iter().filter(|(_, c)| filter(c)).map(|(seq, c)| (*seq, c)).collect(), &sort_by);
        let (count, first) = pages(&c, query, 0, FIRST_PAGES).await;
        assert_eq!(count, expected.len() as u64, "{query}: count");
        let head = &expected[..expected.len().min(FIRST_PAGES * PAGE)];
        assert!(first == head, "{query}: the first pages differ from the sorted consents");
        let last_start = expected.len().saturating_sub(50);
        let page = c.get(&format!("{LIST}?{query}&start={last_start}&limit=50"), &c.ada).await;
        let last: Vec<String> = page.items().iter().map(|i| i["_id"].as_str().unwrap().to_string()).collect();
        assert!(last == expected[last_start..], "{query}: the last page differs from the sorted consents");
    }
    c.stop().await;
}
