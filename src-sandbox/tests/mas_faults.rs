//! MasCustomers under the sandbox's faults: a route made to answer 500, 503 or 504 answers an
//! ErrorResponse with that status's code (so a client reads it like MasStack's own), or answers late.

mod mas_common;

use std::time::{Duration, Instant};

use mas_common::*;
use serde_json::{json, Value};

async fn arm(s: &console_sandbox::Running, fault: Value) {
    let r = client().post(format!("{}/_sandbox/faults", s.base_url())).json(&fault).send().await.unwrap();
    assert_eq!(r.status(), 201, "{fault}");
}

const ACCOUNT_ROUTE: &str = "/masstack/v4/orgs/{org_id}/accounts/{account_id}";

#[tokio::test]
async fn an_armed_status_answers_mascustomers_error_response_then_the_route_is_served_again() {
    let s = sandbox().await;
    let token = token(&s).await;
    let url = account_url(&s, ALICE_POSTPAID, "");
    for (status, code) in [(503, "SERVICE_UNAVAILABLE"), (504, "REPOSITORY_TIMEOUT"), (500, "INTERNAL_ERROR")] {
        arm(&s, json!({"method": "GET", "path": ACCOUNT_ROUTE, "status": status})).await;
        refused(&get(&url, &token).await, status, code);
        assert_eq!(get(&url, &token).await.0, 200, "used up after one call");
    }
    // The typed client reads it as MasStack's own error.
    let decoded: console_api::mas::ErrorResponse = {
        arm(&s, json!({"path": "/masstack/v4/orgs/{org_id}/customers/{customer_id}/accounts", "status": 503})).await;
        serde_json::from_value(get(&customer_url(&s, ALICE, ""), &token).await.1).unwrap()
    };
    assert_eq!(decoded.code, console_api::mas::ErrorCode::ServiceUnavailable);
}

#[tokio::test]
async fn a_delayed_write_is_carried_out_and_answered_late() {
    let s = sandbox().await;
    let token = token(&s).await;
    arm(&s, json!({"method": "PATCH", "path": "/masstack/v4/orgs/{org_id}/accounts/{account_id}/payment-method", "delayMs": 700})).await;
    let started = Instant::now();
    let answer = patch(&account_url(&s, ALICE_POSTPAID, "/payment-method"), &token, json!({"type": "DIRECT_DEBIT", "details": {"iban": GOOD_IBAN}})).await;
    assert_eq!(answer.0, 204, "{}", answer.1);
    assert!(started.elapsed() >= Duration::from_millis(700));
    let (_, account) = get(&account_url(&s, ALICE_POSTPAID, ""), &token).await;
    assert_eq!(account["payment_method"]["details"]["iban"], "DE89370400440532013000");
}
