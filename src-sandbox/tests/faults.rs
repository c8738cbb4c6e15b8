//! `/_sandbox/faults` over HTTP: the next N calls of a route answer the armed status and body, or late,
//! then the route is served again; faults are listed and cleared, and never reach the control API.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

fn faults_url(s: &console_sandbox::Running) -> String {
    format!("{}/_sandbox/faults", s.base_url())
}

async fn arm(s: &console_sandbox::Running, fault: Value) -> Value {
    let (status, body) = post_json(&faults_url(s), None, &fault).await;
    assert_eq!(status, 201, "{fault}: {body}");
    body
}

async fn armed(s: &console_sandbox::Running) -> Vec<Value> {
    let r = client().get(faults_url(s)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json::<Value>().await.unwrap()["faults"].as_array().unwrap().clone()
}

const DELETE_ROUTE: &str = "/banking/v1/issuers/{issuerId}/consumers/{consumerId}/operations:delete";

#[tokio::test]
async fn a_500_failed_delete_answers_the_next_call_only_then_the_route_is_served_again() {
    let s = sandbox().await;
    let t = token(&s).await;
    let failed = json!({ "operationId": "op-failed-1", "status": "FAILED", "error": "Card network unavailable" });
    let fault = arm(&s, json!({ "method": "POST", "path": DELETE_ROUTE, "status": 500, "body": failed })).await;
    assert_eq!((fault["remaining"].as_u64(), fault["status"].as_u64()), (Some(1), Some(500)), "{fault}");

    let delete = format!("{}:delete", ops_url(&s, "demo-alice"));
    // Another method or route of the same consumer is not faulted.
    assert_eq!(get_json(&ops_url(&s, "demo-alice"), &t).await.0, 200);
    let (status, body) = post_json(&delete, Some(&t), &json!({ "reason": "fault test" })).await;
    assert_eq!((status, body), (500, failed));
    assert!(armed(&s).await.is_empty(), "used up after one call");
    // Nothing was deleted by the faulted call; the next one is D1's own answer.
    let (status, body) = post_json(&delete, Some(&t), &json!({ "reason": "fault test" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "SUCCESSFUL");
    s.shutdown().await;
}

#[tokio::test]
async fn the_token_endpoint_answers_503_twice_then_issues_tokens() {
    let s = sandbox().await;
    arm(&s, json!({ "path": "/authz/v1/oauth2/token", "times": 2, "status": 503 })).await;
    let assertion = good_assertion();
    let form = [("grant_type", GRANT), ("assertion", assertion.as_str())];
    for _ in 0..2 {
        let (status, body) = token_response(&s, &form).await;
        assert_eq!(status, 503);
        assert_eq!(error_text(&body), "fault injected by the sandbox");
    }
    let (status, body) = token_response(&s, &form).await;
    assert_eq!(status, 200, "{body}");
    s.shutdown().await;
}

#[tokio::test]
async fn a_delay_alone_serves_the_call_then_answers_late() {
    let s = sandbox().await;
    let t = token(&s).await;
    let delay = Duration::from_millis(400);
    arm(&s, json!({ "method": "POST", "path": DELETE_ROUTE, "delayMs": delay.as_millis() as u64 })).await;
    let started = Instant::now();
    let (status, body) = post_json(&format!("{}:delete", ops_url(&s, "demo-bob")), Some(&t), &json!({})).await;
    // A lower bound only: how much later it may come depends on the machine, not on the sandbox.
    assert!(started.elapsed() >= delay, "answered after {:?}", started.elapsed());
    assert_eq!(status, 200, "{body}");
    let (_, page) = get_json(&ops_url(&s, "demo-bob"), &t).await;
    assert_eq!(page["operations"][0]["operationId"], body["operationId"], "the delete was carried out");

    // With a status, the delay comes before the armed answer.
    arm(&s, json!({ "method": "GET", "path": "/banking/v1/issuers/{i}/consumers/{c}/operations", "status": 504, "delayMs": 400 })).await;
    let started = Instant::now();
    assert_eq!(get_json(&ops_url(&s, "demo-bob"), &t).await.0, 504);
    assert!(started.elapsed() >= delay, "answered after {:?}", started.elapsed());
    s.shutdown().await;
}

#[tokio::test]
async fn faults_are_listed_in_order_cleared_and_refused_when_they_make_no_sense() {
    let s = sandbox().await;
    let first = arm(&s, json!({ "method": "get", "path": "/banking/v1/{*rest}", "times": 3, "status": 503 })).await;
    let second = arm(&s, json!({ "path": "/auth/oauth2/token", "delayMs": 50 })).await;
    let list = armed(&s).await;
    assert_eq!(list, vec![first.clone(), second], "in arming order");
    assert_eq!(first["method"], "GET");
    assert_eq!(first["remaining"], 3);

    for (fault, says) in [
        (json!({ "path": "/_sandbox/reset", "status": 500 }), "control API"),
        (json!({ "path": "/banking/v1/openapi.json" }), "give status"),
        (json!({ "path": "/x", "status": 500, "times": 1001 }), "times"),
        (json!({ "path": "/x", "status": 500, "repeat": 2 }), "repeat"),
    ] {
        let (status, body) = post_json(&faults_url(&s), None, &fault).await;
        assert_eq!(status, 400, "{fault}: {body}");
        assert!(error_text(&body).contains(says), "{fault}: {body}");
    }

    let r = client().delete(faults_url(&s)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({ "cleared": 2 }));
    assert!(armed(&s).await.is_empty());
    let t = token(&s).await;
    assert_eq!(get_json(&ops_url(&s, "demo-alice"), &t).await.0, 200, "cleared faults no longer apply");
    s.shutdown().await;
}
