//! The gateway meeting D1's failures, injected at the real sandbox through `/_sandbox/faults`: seed 001's
//! 500 FAILED delete (the problem names the failed operation), a 503 (GETs retried, then a 503 problem),
//! and a D1 that answers too late (the gateway's D1 timeout, set short).

use std::time::Duration;

use console_e2e::{Stack, StackOptions};
use serde_json::{json, Value};

const DELETE_ROUTE: &str = "/banking/v1/issuers/{issuerId}/consumers/{consumerId}/operations:delete";
const OPERATIONS_ROUTE: &str = "/banking/v1/issuers/{issuerId}/consumers/{consumerId}/operations";

fn assert_problem(status: u16, body: &Value, want_status: u16, kind: &str) {
    assert_eq!(status, want_status, "status; body {body}");
    assert_eq!(body["status"], want_status, "ApiProblem.status in {body}");
    assert_eq!(body["kind"], kind, "ApiProblem.kind in {body}");
}

async fn operations_of(stack: &Stack, consumer: &str) -> Vec<Value> {
    let (status, _, page) = stack.get(&format!("/api/d1/consumers/{consumer}/operations?limit=50")).await;
    assert_eq!(status, 200, "{page}");
    page["operations"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_d1_records_as_failed_is_a_problem_naming_the_failed_operation() {
    let stack = Stack::start_with_stub_ui().await;
    let failed = json!({ "operationId": "op-failed-1", "status": "FAILED", "error": "Card network unavailable" });
    stack.arm_fault(json!({ "method": "POST", "path": DELETE_ROUTE, "status": 500, "body": failed })).await;

    let (status, cid, body) =
        stack.post("/api/d1/consumers/demo-alice/operations:delete", &json!({ "reason": "fault test" })).await;
    assert_problem(status, &body, 502, "operation_failed");
    assert_eq!(body["operationId"], "op-failed-1", "{body}");
    assert_eq!(body["technical"], "Card network unavailable", "D1's own text, for technical details: {body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("D1 recorded the delete as FAILED (operation op-failed-1)"), "{message}");
    assert_eq!(body["correlationId"].as_str(), cid.as_deref(), "the header and the body name the same use case");
    assert!(stack.armed_faults().await.is_empty(), "the one faulted call reached D1");
    // Nothing was deleted: demo-alice has no DELETE, and a delete now goes through.
    assert!(!operations_of(&stack, "demo-alice").await.iter().any(|o| o["operation"] == "DELETE"));
    let (status, _, body) = stack.post("/api/d1/consumers/demo-alice/operations:delete", &json!({})).await;
    assert_eq!(status, 200, "{body}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_result_is_never_a_success_even_with_a_200() {
    // Seed 002's account delete documents only its 200; a FAILED result in it is still a failure.
    let stack = Stack::start_with_stub_ui().await;
    let route = "/banking/v1/issuers/{issuerId}/accounts/{accountId}/operations:delete";
    let failed = json!({ "operationId": "op-failed-2", "status": "FAILED" });
    stack.arm_fault(json!({ "method": "POST", "path": route, "status": 200, "body": failed })).await;
    let (status, _, body) = stack.post("/api/d1/accounts/acc-alice-01/operations:delete", &json!({})).await;
    assert_problem(status, &body, 502, "operation_failed");
    assert_eq!(body["operationId"], "op-failed-2", "{body}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_get_rides_out_two_503s_and_a_third_is_a_503_problem() {
    let stack = Stack::start_with_stub_ui().await;
    let url = "/api/d1/consumers/demo-busy/operations?limit=20";
    stack.arm_fault(json!({ "method": "GET", "path": OPERATIONS_ROUTE, "times": 2, "status": 503 })).await;
    let (status, _, body) = stack.get(url).await;
    assert_eq!(status, 200, "two 503s, then D1's answer: {body}");
    assert!(stack.armed_faults().await.is_empty(), "both 503s were met: the GET was retried twice");

    stack.arm_fault(json!({ "method": "GET", "path": OPERATIONS_ROUTE, "times": 4, "status": 503 })).await;
    let (status, cid, body) = stack.get(url).await;
    assert_problem(status, &body, 503, "upstream_unavailable");
    assert!(cid.is_some());
    let left = stack.armed_faults().await;
    assert_eq!(left[0]["remaining"], 1, "3 attempts in all, no more: {left:?}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_d1_answering_after_the_timeout_is_a_503_and_a_delete_is_not_repeated() {
    let options = StackOptions { built_ui: false, d1_timeout: Some(Duration::from_secs(1)), ..StackOptions::default() };
    let stack = Stack::start_with(options).await;
    // Sign in first: the session's set-up is not what is timed here.
    let before = operations_of(&stack, "demo-alice").await.len();

    // A GET answered late 3 times: each attempt times out, then the page is told D1 is unavailable.
    stack.arm_fault(json!({ "method": "GET", "path": OPERATIONS_ROUTE, "times": 3, "delayMs": 3000 })).await;
    let (status, _, body) = stack.get("/api/d1/consumers/demo-alice/operations").await;
    assert_problem(status, &body, 503, "upstream_unavailable");
    assert!(stack.armed_faults().await.is_empty(), "retried up to 3 attempts");

    // A delete carried out but answered late: one attempt only (its wording, "may or may not have been
    // carried out", is the gateway's transport mapping's).
    stack.arm_fault(json!({ "method": "POST", "path": DELETE_ROUTE, "times": 2, "delayMs": 3000 })).await;
    let (status, _, body) = stack.post("/api/d1/consumers/demo-alice/operations:delete", &json!({ "reason": "slow" })).await;
    assert_problem(status, &body, 503, "upstream_unavailable");
    assert_eq!(stack.armed_faults().await[0]["remaining"], 1, "a delete is never retried blindly");
    stack.http.delete(stack.sandbox("/_sandbox/faults")).send().await.expect("clear the faults");
    let after = operations_of(&stack, "demo-alice").await;
    assert_eq!(after.len(), before + 1);
    assert_eq!(after[0]["operation"], "DELETE", "D1 did carry it out: {}", after[0]);
    stack.shutdown().await;
}
