//! The `/_sandbox/` control API, PENDING settlement, reset, and that it is absent without `--control`.

mod common;

use common::*;
use console_sandbox::{start, Config, DEMO_ISSUER};
use serde_json::{json, Value};

fn ctl(s: &console_sandbox::Running, path: &str) -> String {
    format!("{}/_sandbox{path}", s.base_url())
}

/// The operation at `url` once it is no longer PENDING, read every 100 ms for up to 10 s: it settles on
/// the sandbox's wall clock, so the test waits for the outcome rather than for a guessed moment.
async fn settled(url: &str, token: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, op) = get_json(url, token).await;
        assert_eq!(status, 200, "{url}: {op}");
        if op["status"] != "PENDING" {
            return op;
        }
        assert!(std::time::Instant::now() < deadline, "{url} still PENDING after 10 s: {op}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn creates_consumers_and_operations() {
    let s = sandbox().await;
    let t = token(&s).await;
    let (status, body) = post_json(&ctl(&s, "/issuers/DEMOISSUER/consumers"), None, &json!({ "consumerId": "ctl-1" })).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body, json!({ "issuerId": DEMO_ISSUER, "consumerId": "ctl-1", "state": "ACTIVE" }));
    let (status, body) = post_json(&ctl(&s, "/issuers/DEMOISSUER/consumers"), None, &json!({ "consumerId": "ctl-1" })).await;
    assert_eq!(status, 409);
    error_text(&body);
    let (status, body) = get_json(&ops_url(&s, "ctl-1"), &t).await;
    assert_eq!((status, body), (200, json!({ "operations": [], "remainingOperations": 0 })));

    let ops = ctl(&s, "/issuers/DEMOISSUER/consumers/ctl-1/operations");
    let (status, op) = post_json(&ops, None, &json!({
        "operation": "ENROLL_AUTHN", "requestorType": "USER", "requestorId": "ctl-1",
        "details": { "appInstanceId": "app-ctl-1" }
    })).await;
    assert_eq!(status, 201, "{op}");
    assert_eq!(op["status"], "SUCCESSFUL");
    assert_eq!(op["details"]["appInstanceId"], "app-ctl-1");
    assert!(op["endTime"].is_string());
    let id = op["operationId"].as_str().unwrap();
    assert_eq!(get_json(&format!("{}/{id}", ops_url(&s, "ctl-1")), &t).await.1, op);

    // A CCI suspend changes the state; the defaults fill details.
    let (status, op) = post_json(&ops, None, &json!({
        "operation": "SUSPEND", "requestorType": "CCI", "requestorId": "cci-agent-07",
        "reason": "customer travelling", "reasonCode": "USER_DECISION"
    })).await;
    assert_eq!(status, 201, "{op}");
    assert_eq!(op["details"], json!({ "oldState": "ACTIVE", "newState": "INACTIVE" }));

    // Refusals with the same rules.
    for (body, hint) in [
        (json!({ "operation": "TELEPORT", "requestorType": "USER", "requestorId": "ctl-1" }), "operation"),
        (json!({ "operation": "RESUME", "requestorType": "ROBOT", "requestorId": "ctl-1" }), "requestorType"),
        (json!({ "operation": "RESUME", "requestorType": "USER", "requestorId": "someone-else" }), "requestorId"),
        (json!({ "operation": "RESUME", "requestorType": "ISSUER", "requestorId": "ctl-1" }), "requestorId"),
        (json!({ "operation": "RESUME", "requestorType": "CCI", "requestorId": "agent 7" }), "requestorId"),
        (json!({ "operation": "RESUME", "requestorType": "USER", "requestorId": "ctl-1", "reason": "ok!" }), "reason"),
        (json!({ "operation": "RESUME", "requestorType": "USER", "requestorId": "ctl-1", "reasonCode": "X" }), "reasonCode"),
        (json!({ "operation": "RESUME", "requestorType": "USER", "requestorId": "ctl-1", "error": "boom" }), "FAILED"),
        (json!({ "operation": "RESUME", "requestorType": "USER", "requestorId": "ctl-1", "status": "FAILED", "error": "bad \"quote\"" }), "error"),
        (json!({ "operation": "RESUME", "requestorType": "USER", "requestorId": "ctl-1", "status": "SUCCESSFUL", "pendingSeconds": 1 }), "pendingSeconds"),
        (json!({ "operation": "RESUME", "requestorType": "USER", "requestorId": "ctl-1", "unknownField": 1 }), "unknownField"),
        (json!({ "operation": "RESUME" }), "requestorType"),
    ] {
        let (status, e) = post_json(&ops, None, &body).await;
        assert_eq!(status, 400, "{body}: {e}");
        assert!(error_text(&e).contains(hint), "{body}: {e}");
    }
    let (status, _) = post_json(&ctl(&s, "/issuers/DEMOISSUER/consumers/nobody/operations"), None,
        &json!({ "operation": "RESUME", "requestorType": "USER", "requestorId": "nobody" })).await;
    assert_eq!(status, 404);
    let (status, _) = post_json(&ctl(&s, "/issuers/SHORT/consumers"), None, &json!({ "consumerId": "x" })).await;
    assert_eq!(status, 400);

    // A FAILED operation gets error fields.
    let (status, op) = post_json(&ops, None, &json!({
        "operation": "CLICK_TO_PAY_UPDATE", "status": "FAILED", "requestorType": "ISSUER", "requestorId": DEMO_ISSUER,
        "errorCode": "C2P-503", "error": "Directory unavailable, retry later"
    })).await;
    assert_eq!(status, 201, "{op}");
    assert_eq!((op["errorCode"].as_str(), op["error"].as_str()), (Some("C2P-503"), Some("Directory unavailable, retry later")));
    s.shutdown().await;
}

#[tokio::test]
async fn pending_operations_settle_and_stay_settled() {
    let s = sandbox().await;
    let t = token(&s).await;
    let ops = ctl(&s, "/issuers/DEMOISSUER/consumers/demo-alice/operations");
    let (status, fails) = post_json(&ops, None, &json!({
        "operation": "ENROLL_AUTHN", "requestorType": "USER", "requestorId": "demo-alice",
        "details": { "appInstanceId": "app-alice-09" }, "pendingSeconds": 1, "finalStatus": "FAILED",
        "errorCode": "AUTHN-422", "error": "Attestation could not be verified"
    })).await;
    assert_eq!(status, 201, "{fails}");
    assert_eq!(fails["status"], "PENDING");
    assert!(fails.get("endTime").is_none() && fails.get("error").is_none());
    let (_, succeeds) = post_json(&ops, None, &json!({
        "operation": "CLICK_TO_PAY_UPDATE", "requestorType": "USER", "requestorId": "demo-alice", "pendingSeconds": 1
    })).await;
    assert_eq!(succeeds["status"], "PENDING");
    let url = |op: &Value| format!("{}/{}", ops_url(&s, "demo-alice"), op["operationId"].as_str().unwrap());
    assert_eq!(get_json(&url(&fails), &t).await.1["status"], "PENDING");

    let got = settled(&url(&fails), &t).await;
    assert_eq!(got["status"], "FAILED", "{got}");
    assert_eq!(got["errorCode"], "AUTHN-422");
    assert_eq!(got["error"], "Attestation could not be verified");
    assert!(got["endTime"].as_str().unwrap() >= got["startTime"].as_str().unwrap());
    // The other settles on its own clock (a few milliseconds later); the list then shows it settled.
    settled(&url(&succeeds), &t).await;
    let (_, page) = get_json(&ops_url(&s, "demo-alice"), &t).await;
    let listed: Vec<&Value> = page["operations"].as_array().unwrap().iter()
        .filter(|o| o["operationId"] == succeeds["operationId"]).collect();
    assert_eq!(listed[0]["status"], "SUCCESSFUL");
    assert!(listed[0]["endTime"].is_string() && listed[0].get("error").is_none());
    // demo-pending never settles.
    assert_eq!(get_json(&ops_url(&s, "demo-pending"), &t).await.1["operations"][0]["status"], "PENDING");
    s.shutdown().await;
}

#[tokio::test]
async fn reset_restores_the_demo_data() {
    let s = sandbox().await;
    let t = token(&s).await;
    let (status, _) = post_json(&format!("{}:delete", ops_url(&s, "demo-alice")), Some(&t), &json!({})).await;
    assert_eq!(status, 200);
    let (status, body) = post_json(&ctl(&s, "/reset"), None, &json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["consumers"].as_u64().unwrap() >= 20);
    let (_, page) = get_json(&ops_url(&s, "demo-alice"), &t).await;
    assert_ne!(page["operations"][0]["operation"], "DELETE");
    let (status, _) = post_json(&format!("{}:delete", ops_url(&s, "demo-alice")), Some(&t), &json!({})).await;
    assert_eq!(status, 200, "alice is usable again after reset");
    s.shutdown().await;
}

#[tokio::test]
async fn control_api_is_absent_without_the_flag() {
    let s = start(Config::new("127.0.0.1:0".parse().unwrap(), ":memory:")).await.unwrap();
    let (status, body) = post_json(&ctl(&s, "/reset"), None, &json!({})).await;
    assert_eq!(status, 404);
    error_text(&body);
    let (status, _) = post_json(&ctl(&s, "/issuers/DEMOISSUER/consumers"), None, &json!({ "consumerId": "x" })).await;
    assert_eq!(status, 404);
    let (status, _) = post_json(&ctl(&s, "/faults"), None, &json!({ "path": "/authz/v1/oauth2/token", "status": 503 })).await;
    assert_eq!(status, 404, "no faults without the control API");
    let doc: Value = client().get(format!("{}/banking/v1/openapi.json", s.base_url())).send().await.unwrap().json().await.unwrap();
    assert!(!doc["paths"].as_object().unwrap().contains_key("/_sandbox/reset"));
    assert!(!doc["paths"].as_object().unwrap().contains_key("/_sandbox/faults"));
    s.shutdown().await;
}

#[tokio::test]
async fn a_settled_operation_changes_its_consumer_as_an_immediate_one_would() {
    let s = sandbox().await;
    let t = token(&s).await;
    let (status, _) = post_json(&ctl(&s, "/issuers/DEMOISSUER/consumers"), None, &json!({ "consumerId": "ctl-settle" })).await;
    assert_eq!(status, 201);
    let ops = ctl(&s, "/issuers/DEMOISSUER/consumers/ctl-settle/operations");
    let (status, op) = post_json(&ops, None, &json!({
        "operation": "SUSPEND", "requestorType": "ISSUER", "requestorId": DEMO_ISSUER, "pendingSeconds": 1
    })).await;
    assert_eq!(status, 201, "{op}");
    // demo-dave has accounts; his DELETE is pending too.
    let dave = ctl(&s, "/issuers/DEMOISSUER/consumers/demo-dave/operations");
    let (status, dave_op) = post_json(&dave, None, &json!({
        "operation": "DELETE", "requestorType": "ISSUER", "requestorId": DEMO_ISSUER, "pendingSeconds": 1
    })).await;
    assert_eq!(status, 201, "{dave_op}");
    assert_eq!(dave_op["status"], "PENDING");

    settled(&format!("{}/{}", ops_url(&s, "ctl-settle"), op["operationId"].as_str().unwrap()), &t).await;
    settled(&format!("{}/{}", ops_url(&s, "demo-dave"), dave_op["operationId"].as_str().unwrap()), &t).await;
    // The SUSPEND has settled: the consumer is INACTIVE, as the next operation's details say.
    let (status, resume) = post_json(&ops, None, &json!({
        "operation": "RESUME", "requestorType": "ISSUER", "requestorId": DEMO_ISSUER
    })).await;
    assert_eq!(status, 201, "{resume}");
    assert_eq!(resume["details"], json!({ "oldState": "INACTIVE", "newState": "ACTIVE" }));
    // The DELETE has settled: dave cannot be deleted again, and his accounts went with him.
    let (status, e) = post_json(&format!("{}:delete", ops_url(&s, "demo-dave")), Some(&t), &json!({})).await;
    assert_eq!(status, 400, "{e}");
    assert!(error_text(&e).contains("deleted"), "{e}");
    let account = format!("{}/banking/v1/issuers/{DEMO_ISSUER}/accounts/acc-dave-01/operations:delete", s.base_url());
    let (status, e) = post_json(&account, Some(&t), &json!({})).await;
    assert_eq!(status, 404, "{e}");
    s.shutdown().await;
}
