//! The explorer's list over real HTTP: the demo population, every filter and sort, paging and its links,
//! who sees what, and the 400/422 split of refused parameters.

mod common;

use common::apiture::{Answer, Callers};

const LIST: &str = "/consents/consents";

#[tokio::test]
async fn the_demo_population_has_every_state_type_and_a_thousand_users() {
    let c = Callers::start().await;
    assert_eq!(c.count("").await, 20_009);
    // The bulk's arithmetic (10/4/3/2/1 in 20, the e-consent never stale) plus alice's, bob's and carol's.
    for (state, n) in [("given", 10_155), ("pending", 4_003), ("stale", 2_851), ("revoked", 2_000), ("rescinded", 1_000)] {
        assert_eq!(c.count(&format!("state={state}")).await, n, "{state}");
    }
    for (type_, n) in [("privacyPolicy", 1_003), ("electronicConsent", 1_002), ("productTermsAndConditions", 12_004), ("termsAndConditions", 6_000)] {
        assert_eq!(c.count(&format!("type={type_}")).await, n, "{type_}");
    }
    assert_eq!(c.count("userId=usr-demo-0000|usr-demo-0999").await, 40);
    assert_eq!(c.count("userId=usr-demo-1000").await, 0, "exactly 1,000 bulk users");
    for product in ["everyday-checking", "premium-checking", "student-checking", "savings-plus", "cd-12-month"] {
        assert!(c.count(&format!("contextUri=/products/products/{product}")).await >= 2_000, "{product}");
    }
    c.stop().await;
}

#[tokio::test]
async fn filters_combine_with_and_and_alternatives_with_or() {
    let c = Callers::start().await;
    let needed = c.count("state=pending|stale").await;
    assert_eq!(needed, 4_003 + 2_851);
    assert_eq!(c.count("filter=eq(state,pending|stale)").await, needed);
    assert_eq!(c.count("filter=or(eq(state,pending),eq(state,stale))").await, needed);
    assert_eq!(c.count("filter=ne(state,pending|stale)").await, 20_009 - needed);
    let privacy_needed = c.count("type=privacyPolicy&state=pending|stale").await;
    assert_eq!(c.count("filter=and(eq(type,privacyPolicy),ne(state,given|revoked|rescinded))").await, privacy_needed);
    // contains is case-sensitive, search is not.
    assert_eq!(c.count("filter=contains(userId,usr-ALICE)").await, 0);
    assert_eq!(c.count("filter=search(userId,usr-ALICE)").await, 4);
    // A quoted value may hold ',' and ')'; ne keeps consents without the property.
    assert_eq!(c.count(r#"filter=eq(contextUri,"/products/products/everyday-checking")"#).await, c.count("contextUri=/products/products/everyday-checking").await);
    let without_context = c.count("filter=ne(contextUri,/products/products/everyday-checking)").await;
    assert_eq!(without_context, 20_009 - c.count("contextUri=/products/products/everyday-checking").await);
    assert_eq!(c.count("secondaryContextUri=/accounts/accounts/acc-alice-chk-02").await, 1);
    // q searches type, user, document, revision and contexts.
    assert_eq!(c.count("q=acc-alice-chk").await, 2);
    assert_eq!(c.count("q=E-SIGN-AGREEMENT&userId=usr-carol").await, 1);
    assert_eq!(c.count("q=50%25_").await, 0, "% and _ are literal in q");
    c.stop().await;
}

#[tokio::test]
async fn sorting_and_paging_follow_the_links() {
    let c = Callers::start().await;
    let page = c.get(&format!("{LIST}?state=given&sortBy=-givenAt,type&start=0&limit=50"), &c.ada).await;
    let body = page.ok(200);
    assert_eq!((body["start"].as_u64(), body["limit"].as_u64(), body["count"].as_u64()), (Some(0), Some(50), Some(10_155)));
    let given: Vec<&str> = page.items().iter().map(|i| i["givenAt"].as_str().unwrap()).collect();
    assert_eq!(given.len(), 50);
    assert!(given.windows(2).all(|w| w[0] >= w[1]), "newest first: {given:?}");
    assert!(body["_links"].get("prev").is_none());
    let next = body["_links"]["next"]["href"].as_str().unwrap().to_string();
    assert_eq!(next, "/consents/consents?state=given&sortBy=-givenAt%2Ctype&start=50&limit=50");
    assert_eq!(body["_links"]["first"]["href"], "/consents/consents?state=given&sortBy=-givenAt%2Ctype&start=0&limit=50");
    assert_eq!(body["_links"]["collection"]["href"], "/consents/consents");
    let second = c.get(&next, &c.ada).await;
    let second_given: Vec<&str> = second.items().iter().map(|i| i["givenAt"].as_str().unwrap()).collect();
    assert!(given.last().unwrap() >= second_given.first().unwrap(), "pages continue the order");
    assert_eq!(second.body["_links"]["prev"]["href"], "/consents/consents?state=given&sortBy=-givenAt%2Ctype&start=0&limit=50");
    // The last page has no next.
    let last = c.get(&format!("{LIST}?state=given&start=10150&limit=50"), &c.ada).await;
    assert_eq!(last.items().len(), 5);
    assert!(last.body["_links"].get("next").is_none());
    // Every sortable property, both ways.
    for (key, field) in [("type", "/type"), ("userId", "/userId"), ("document.revisedAt", "/document/revisedAt")] {
        for desc in [false, true] {
            let a = c.get(&format!("{LIST}?sortBy={}{key}&limit=200", if desc { "-" } else { "" }), &c.ada).await;
            let values: Vec<&str> = a.items().iter().map(|i| i.pointer(field).and_then(|v| v.as_str()).unwrap()).collect();
            assert!(values.windows(2).all(|w| if desc { w[0] >= w[1] } else { w[0] <= w[1] }), "{key} desc={desc}: {values:?}");
        }
    }
    // Default page size 100.
    assert_eq!(c.get(LIST, &c.ada).await.items().len(), 100);
    c.stop().await;
}

#[tokio::test]
async fn a_customer_lists_only_her_own_and_staff_list_anyone() {
    let c = Callers::start().await;
    let mine = c.get(LIST, &c.alice).await;
    assert_eq!(mine.ok(200)["count"], 4);
    assert!(mine.items().iter().all(|i| i["userId"] == "usr-alice"));
    assert_eq!(c.get(&format!("{LIST}?userId=usr-alice&state=pending"), &c.alice).await.items().len(), 2);
    let m = c.get(&format!("{LIST}?userId=usr-bob"), &c.alice).await.refused(403, "forbidden");
    assert!(m.contains("own"), "{m}");
    c.get(&format!("{LIST}?userId=usr-alice|usr-bob"), &c.alice).await.refused(403, "forbidden");
    // A filter naming someone else finds nothing of theirs.
    assert_eq!(c.get(&format!("{LIST}?filter=eq(userId,usr-bob)"), &c.alice).await.ok(200)["count"], 0);
    for staff in [&c.grace, &c.service] {
        assert_eq!(c.get(&format!("{LIST}?userId=usr-bob"), staff).await.ok(200)["count"], 2);
    }
    c.stop().await;
}

#[tokio::test]
async fn malformed_parameters_are_400_and_invalid_ones_422() {
    let c = Callers::start().await;
    for (query, says) in [
        ("filter=eq(state,given", "expected ')'"),
        ("filter=eq(state%20given)", "expected ','"),
        ("state=given|", "empty alternative"),
        ("start=-1", "whole number"),
        ("limit=ten", "whole number"),
        ("sortBy=type,,givenAt", "empty field"),
        ("state=given&state=stale", "more than once"),
    ] {
        let m = c.get(&format!("{LIST}?{query}"), &c.ada).await.refused(400, "invalidQueryParameter");
        assert!(m.contains(says), "{query}: {m}");
    }
    for (query, says) in [
        ("filter=eq(color,red)", "'color' cannot be filtered"),
        ("filter=gt(state,given)", "'gt' is not a function"),
        ("state=archived", "not a consent state"),
        ("sortBy=createdAt", "not sortable"),
        ("limit=0", "from 1 to 1000"),
        ("limit=1001", "from 1 to 1000"),
        ("colour=red", "not a parameter"),
    ] {
        let m = c.get(&format!("{LIST}?{query}"), &c.ada).await.refused(422, "invalidQueryParameter");
        assert!(m.contains(says), "{query}: {m}");
    }
    let m = c.get(&format!("{LIST}?type=loyaltyProgram"), &c.ada).await.refused(422, "invalidConsentType");
    assert!(m.contains("loyaltyProgram"), "{m}");
    c.get(&format!("{LIST}?filter=eq(type,loyaltyProgram)"), &c.ada).await.refused(422, "invalidConsentType");
    c.stop().await;
}

#[tokio::test]
async fn each_consent_of_the_list_has_exactly_the_links_its_caller_may_follow() {
    let c = Callers::start().await;
    let alice = c.get(LIST, &c.alice).await;
    for item in alice.items() {
        let state = item["state"].as_str().unwrap();
        assert_eq!(Answer::has_link(item, "apiture:give"), state != "given", "{item}");
        assert_eq!(Answer::has_link(item, "apiture:revoke"), matches!(state, "given" | "stale"), "{item}");
        assert!(!Answer::has_link(item, "apiture:rescind"), "a customer never rescinds");
    }
    let staff = c.get(&format!("{LIST}?userId=usr-alice"), &c.ada).await;
    for item in staff.items() {
        assert!(!Answer::has_link(item, "apiture:give") && !Answer::has_link(item, "apiture:revoke"), "only the user answers");
        assert!(Answer::has_link(item, "apiture:rescind"), "an administrator rescinds: {item}");
    }
    let grace = c.get(&format!("{LIST}?userId=usr-alice"), &c.grace).await;
    assert!(grace.items().iter().all(|i| i["_links"].as_object().unwrap().keys().eq(["self"])), "an agent only reads");
    c.stop().await;
}

#[tokio::test]
async fn sorted_pages_hold_only_matches_in_order_whichever_index_serves_them() {
    let c = Callers::start().await;
    for (query, field) in [
        ("state=given&sortBy=-givenAt", "/givenAt"),
        ("state=rescinded&sortBy=-givenAt", "/userId"),
        ("type=termsAndConditions&state=pending&sortBy=userId", "/userId"),
        ("filter=eq(type,privacyPolicy)&sortBy=-document.revisedAt", "/document/revisedAt"),
    ] {
        let all = c.count(query).await;
        let mut seen = Vec::new();
        let mut href = format!("{LIST}?{query}&limit=1000");
        loop {
            let page = c.get(&href, &c.ada).await;
            page.ok(200);
            seen.extend(page.items().iter().cloned());
            match page.body["_links"]["next"]["href"].as_str() {
                Some(next) if seen.len() < 3000 => href = next.to_string(),
                _ => break,
            }
        }
        assert_eq!(seen.len() as u64, all.min(3000), "{query}");
        for item in &seen {
            let wanted_state = query.split("state=").nth(1).map(|s| s.split('&').next().unwrap());
            if let Some(state) = wanted_state {
                assert_eq!(item["state"], state, "{query}");
            }
        }
        if query.contains("sortBy=-givenAt") && query.contains("rescinded") {
            assert!(seen.iter().all(|i| i.get("givenAt").is_none()), "rescinded consents were never given");
            continue;
        }
        let keys: Vec<&str> = seen.iter().map(|i| i.pointer(field).and_then(|v| v.as_str()).unwrap()).collect();
        let descending = query.contains("sortBy=-");
        assert!(keys.windows(2).all(|w| if descending { w[0] >= w[1] } else { w[0] <= w[1] }), "{query}");
    }
    c.stop().await;
}
