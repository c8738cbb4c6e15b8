//! The customer directory through the gateway (`/api/people`), over real HTTP against the sandbox's
//! directory: staff find a person by name, e-mail or any id and get their id in each system; customers
//! are refused; bad input is refused before the directory is asked; every call is audited; the
//! directory's token never reaches the page.

use console_e2e::{read, Stack};
use serde_json::{json, Value};

/// Whether the audit log has a line of `user` doing `action` on `target` with `status`.
fn audited(stack: &Stack, user: &str, action: &str, target: &str, status: u16) -> bool {
    stack.audit_entries().iter().any(|e| e["userId"] == user && e["action"] == action && e["target"] == target && e["status"] == status)
}

fn names(body: &Value) -> Vec<&str> {
    body["people"].as_array().unwrap_or_else(|| panic!("not a people list: {body}")).iter().map(|p| p["name"].as_str().unwrap_or("")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_find_people_by_name_email_or_any_id_and_customers_are_refused() {
    let stack = Stack::start_with_stub_ui().await;
    let (ada, grace, alice) = (stack.sign_in("ada").await, stack.sign_in("grace").await, stack.sign_in("alice").await);
    for who in [&ada, &grace] {
        let (status, cid, body) = who.get("/api/people?q=diaz").await;
        assert_eq!((status, names(&body)), (200, vec!["Carol Díaz"]), "{}: {body}", who.username);
        assert!(cid.is_some(), "answers carry the correlation id");
    }
    let (_, _, body) = grace.get("/api/people?q=usr-alice").await;
    assert_eq!(
        body["people"][0],
        json!({"person_id": "C-100001", "name": "Alice Martin", "email": "alice.martin@example.com", "d1_consumer_id": "demo-alice",
               "mas_customer_id": "a11ce000-0000-4000-8000-000000000001", "apiture_user_id": "usr-alice"})
    );
    let (_, _, body) = grace.get("/api/people?q=DAVE.OKAFOR%40").await;
    assert_eq!(names(&body), ["Dave Okafor"], "e-mail, any case");
    assert!(audited(&stack, "usr-grace", "directory.search", "diaz", 200));

    let (status, _, body) = alice.get("/api/people?q=bob").await;
    assert_eq!((status, body["kind"].as_str()), (403, Some("forbidden")), "{body}");
    let (status, _, body) = alice.get("/api/people/C-100002").await;
    assert_eq!(status, 403, "{body}");
    assert!(audited(&stack, "usr-alice", "directory.search", "bob", 403));
    assert!(audited(&stack, "usr-alice", "directory.person", "C-100002", 403));
    let (status, _, _) = stack.get_anonymous("/api/people?q=bob").await;
    assert_eq!(status, 401);
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_by_any_id_has_each_systems_id_or_null() {
    let stack = Stack::start_with_stub_ui().await;
    let grace = stack.sign_in("grace").await;
    for id in ["C-100004", "demo-dave", "da7e0000-0000-4000-8000-000000000004"] {
        let (status, _, body) = grace.get(&format!("/api/people/{id}")).await;
        assert_eq!(status, 200, "{id}: {body}");
        assert_eq!((body["person_id"].as_str(), body["d1_consumer_id"].as_str()), (Some("C-100004"), Some("demo-dave")));
        assert_eq!(body["apiture_user_id"], Value::Null, "Dave has no Apiture user");
    }
    let (status, _, body) = grace.get("/api/people/C-999999").await;
    assert_eq!((status, body["kind"].as_str()), (404, Some("not_found")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("C-999999"), "{body}");
    assert!(audited(&stack, "usr-grace", "directory.person", "C-999999", 404));
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_searches_and_ids_are_refused_before_the_directory_is_asked_and_audited() {
    let stack = Stack::start_with_stub_ui().await;
    let grace = stack.sign_in("grace").await;
    // Any call that reached the directory would use this fault up.
    stack.arm_fault(json!({"path": "/directory/v1/{*rest}", "times": 100, "status": 500})).await;
    // The audit line's target is the input's first 100 printable characters, whatever was sent.
    let long = "x".repeat(101);
    let huge = format!("{}%0D%0A{}", "y".repeat(98), "z".repeat(20_000));
    for (path, field, target) in [
        ("/api/people?q=a".to_string(), "q", "a".to_string()),
        ("/api/people?q=%20a%20".to_string(), "q", " a ".to_string()),
        ("/api/people".to_string(), "q", String::new()),
        (format!("/api/people?q={long}"), "q", "x".repeat(100)),
        (format!("/api/people?q={huge}"), "q", format!("{}zz", "y".repeat(98))),
        ("/api/people?q=alice&limit=3".to_string(), "query", "alice".to_string()),
        ("/api/people/a.b".to_string(), "personId", "a.b".to_string()),
        ("/api/people/C-1%0A%7B%22forged%22%3A1%7D".to_string(), "personId", "C-1{\"forged\":1}".to_string()),
        (format!("/api/people/{long}"), "personId", "x".repeat(100)),
    ] {
        let (status, _, body) = grace.get(&path).await;
        assert_eq!((status, body["kind"].as_str(), body["field"].as_str()), (400, Some("invalid_input"), Some(field)), "{path}: {body}");
        assert!(!body["message"].as_str().unwrap_or("").is_empty());
        let action = if path.starts_with("/api/people/") { "directory.person" } else { "directory.search" };
        assert!(audited(&stack, "usr-grace", action, &target, 400), "{path} audited");
    }
    let faults = stack.armed_faults().await;
    assert_eq!(faults[0]["remaining"], 100, "the directory was never asked: {faults:?}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_outage_is_a_503_in_plain_words_and_no_token_reaches_the_page() {
    let stack = Stack::start_with_stub_ui().await;
    let ada = stack.sign_in("ada").await;
    let (status, _, body) = ada.get("/api/people?q=alice").await;
    assert_eq!(status, 200, "{body}");
    // GETs are retried (3 attempts): four 503s outlast them.
    stack.arm_fault(json!({"path": "/directory/v1/people", "times": 4, "status": 503})).await;
    let (status, _, body) = ada.get("/api/people?q=alice").await;
    assert_eq!((status, body["kind"].as_str()), (503, Some("upstream_unavailable")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("customer directory"), "{body}");
    let cleared = stack.http.delete(stack.sandbox("/_sandbox/faults")).send().await.expect("clear the faults");
    assert!(cleared.status().is_success());
    // A bank's directory stricter than the console's check: its own words say what to change.
    let refusal = json!({"_error": {"message": "search with at least 3 characters"}});
    stack.arm_fault(json!({"path": "/directory/v1/people", "times": 1, "status": 400, "body": refusal})).await;
    let (status, _, refused) = ada.get("/api/people?q=al").await;
    assert_eq!((status, refused["kind"].as_str()), (400, Some("invalid_input")), "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("at least 3 characters"), "{refused}");
    // Nothing the page gets carries a token, the directory's secret, or an upstream URL.
    let r = ada.request(reqwest::Method::GET, "/api/people/C-100001").send().await.expect("send");
    let (_, _, person) = read(r).await;
    for answer in [&body, &person] {
        let text = answer.to_string();
        for secret in ["eyJ", "Bearer", "sandbox-directory-secret", "access_token", &stack.sandbox_url] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    stack.shutdown().await;
}
