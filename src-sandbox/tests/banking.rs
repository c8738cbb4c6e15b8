//! The `/banking/v1` endpoints over real HTTP: lists, paging, retention, gets, deletes, accounts, and
//! every 400/404 in `{"error"}` form.

mod common;

use std::collections::HashSet;

use common::*;
use console_api::d1::{Operation, OperationsPage};
use console_sandbox::DEMO_ISSUER;
use serde_json::{json, Value};

#[tokio::test]
async fn lists_newest_first_with_defaults_and_empty_lists() {
    let s = sandbox().await;
    let t = token(&s).await;
    let (status, body) = get_json(&ops_url(&s, "demo-alice"), &t).await;
    assert_eq!(status, 200, "{body}");
    let page: OperationsPage = serde_json::from_value(body).unwrap();
    assert_eq!(page.operations.len(), 9);
    assert_eq!(page.remaining_operations, Some(0));
    let starts: Vec<_> = page.operations.iter().map(|o| o.start_time.clone()).collect();
    let mut sorted = starts.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(starts, sorted, "newest first");
    assert_eq!(page.operations.last().unwrap().operation.as_str(), "REGISTER");

    let (status, body) = get_json(&ops_url(&s, "demo-empty"), &t).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "operations": [], "remainingOperations": 0 }));

    // Default limit 10.
    let (_, body) = get_json(&ops_url(&s, "demo-busy"), &t).await;
    let page: OperationsPage = serde_json::from_value(body).unwrap();
    assert_eq!(page.operations.len(), 10);
    assert_eq!(page.remaining_operations, Some(513));
    s.shutdown().await;
}

#[tokio::test]
async fn pages_through_all_523_operations_of_demo_busy() {
    let s = sandbox().await;
    let t = token(&s).await;
    let mut seen = HashSet::new();
    let mut all: Vec<Operation> = Vec::new();
    let mut offset = 0;
    let mut remainders = Vec::new();
    loop {
        let (status, body) = get_json(&format!("{}?offset={offset}&limit=50", ops_url(&s, "demo-busy")), &t).await;
        assert_eq!(status, 200, "{body}");
        let page: OperationsPage = serde_json::from_value(body).unwrap();
        let remaining = page.remaining_operations.unwrap();
        offset += page.operations.len();
        assert_eq!(remaining as usize, 523 - offset);
        remainders.push(remaining);
        for op in page.operations {
            assert!(seen.insert(op.operation_id.clone()), "duplicate {}", op.operation_id);
            all.push(op);
        }
        if remaining == 0 {
            break;
        }
    }
    assert_eq!(all.len(), 523);
    assert_eq!(remainders.len(), 11);
    assert_eq!(*remainders.last().unwrap(), 0);
    for pair in all.windows(2) {
        assert!(pair[0].start_time >= pair[1].start_time, "not newest first");
    }
    // Retention: nothing older than 3 months (the 5 older operations of demo-busy are hidden).
    let cutoff = chrono::Utc::now() - chrono::Months::new(3);
    for op in &all {
        let start = chrono::DateTime::parse_from_rfc3339(&op.start_time).unwrap();
        assert!(start >= cutoff, "{} is older than 3 months", op.start_time);
    }
    // Past the end: empty page, nothing remaining.
    let (_, body) = get_json(&format!("{}?offset=600&limit=50", ops_url(&s, "demo-busy")), &t).await;
    assert_eq!(body, json!({ "operations": [], "remainingOperations": 0 }));
    s.shutdown().await;
}

#[tokio::test]
async fn operations_older_than_three_months_are_never_returned() {
    let path = temp_db("retention");
    let s = sandbox_on(path.to_str().unwrap()).await;
    let t = token(&s).await;
    let conn = rusqlite::Connection::open(&path).unwrap();
    let old: Vec<String> = conn
        .prepare("SELECT operation_id FROM operations WHERE consumer_id = 'demo-busy' ORDER BY start_ms LIMIT 5")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let total: i64 = conn
        .query_row("SELECT COUNT(*) FROM operations WHERE consumer_id = 'demo-busy'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(total, 528, "523 recent and 5 older are stored");
    for id in old {
        let (status, body) = get_json(&format!("{}/{id}", ops_url(&s, "demo-busy")), &t).await;
        assert_eq!(status, 404, "{id} is older than 3 months: {body}");
        error_text(&body);
    }
    s.shutdown().await;
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[tokio::test]
async fn gets_one_operation_and_404s() {
    let s = sandbox().await;
    let t = token(&s).await;
    let (_, body) = get_json(&ops_url(&s, "demo-bob"), &t).await;
    let first = body["operations"][0].clone();
    let id = first["operationId"].as_str().unwrap();
    let (status, got) = get_json(&format!("{}/{id}", ops_url(&s, "demo-bob")), &t).await;
    assert_eq!(status, 200);
    assert_eq!(got, first);
    // Another consumer's path does not find it.
    let (status, body) = get_json(&format!("{}/{id}", ops_url(&s, "demo-alice")), &t).await;
    assert_eq!(status, 404, "{body}");
    error_text(&body);
    let (status, body) = get_json(&format!("{}/no-such-op", ops_url(&s, "demo-bob")), &t).await;
    assert_eq!(status, 404);
    error_text(&body);
    // Unknown consumer: list and get.
    let (status, body) = get_json(&ops_url(&s, "nobody-here"), &t).await;
    assert_eq!(status, 404);
    assert!(error_text(&body).contains("nobody-here"));
    let (status, _) = get_json(&format!("{}/x", ops_url(&s, "nobody-here")), &t).await;
    assert_eq!(status, 404);
    s.shutdown().await;
}

#[tokio::test]
async fn bad_inputs_are_400_with_an_error_body() {
    let s = sandbox().await;
    let t = token(&s).await;
    let url = ops_url(&s, "demo-alice");
    for q in ["limit=0", "limit=51", "limit=abc", "limit=-1", "offset=-1", "offset=x"] {
        let (status, body) = get_json(&format!("{url}?{q}"), &t).await;
        assert_eq!(status, 400, "{q}: {body}");
        let e = error_text(&body);
        assert!(e.contains("limit") || e.contains("offset"), "{q}: {e}");
    }
    for (q, n) in [("limit=1", 1), ("limit=50", 9)] {
        let (status, body) = get_json(&format!("{url}?{q}"), &t).await;
        assert_eq!(status, 200);
        assert_eq!(body["operations"].as_array().unwrap().len(), n);
    }
    // Bad consumerId: a space, a dot, 65 characters.
    let long = "x".repeat(65);
    for bad in ["demo%20alice", "demo.alice", long.as_str()] {
        let (status, body) = get_json(&ops_url(&s, bad), &t).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(error_text(&body).contains("consumerId"));
    }
    // Bad operationId.
    let (status, body) = get_json(&format!("{url}/op.1"), &t).await;
    assert_eq!(status, 400);
    assert!(error_text(&body).contains("operationId"));
    // Bad issuerId (not 10 characters).
    let (status, body) =
        get_json(&format!("{}/banking/v1/issuers/SHORT/consumers/demo-alice/operations", s.base_url()), &t).await;
    assert_eq!(status, 400, "{body}");
    assert!(error_text(&body).contains("issuerId"));
    // Bad correlation id.
    let r = client().get(&url).bearer_auth(&t).header("x-correlation-id", "a:b").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.headers().get("x-correlation-id").is_none());
    let body: Value = r.json().await.unwrap();
    assert!(error_text(&body).contains("x-correlation-id"));
    let r = client().get(&url).bearer_auth(&t).header("x-correlation-id", "c".repeat(65)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    // Bad reason, bad reasonCode, malformed JSON on delete.
    let del = format!("{url}:delete");
    let (status, body) = post_json(&del, Some(&t), &json!({ "reason": "fraud!" })).await;
    assert_eq!(status, 400);
    assert!(error_text(&body).contains("reason"));
    let (status, body) = post_json(&del, Some(&t), &json!({ "reasonCode": "BOSS_SAID" })).await;
    assert_eq!(status, 400);
    assert!(error_text(&body).contains("reasonCode"));
    let r = client().post(&del).bearer_auth(&t).header("content-type", "application/json").body("{oops").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(error_text(&body).contains("JSON"));
    // None of these deleted alice.
    let (status, _) = get_json(&url, &t).await;
    assert_eq!(status, 200);
    s.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json() {
    let s = sandbox().await;
    let t = token(&s).await;
    for path in ["/banking/v1/nothing", "/banking/v1/issuers/DEMOISSUER/consumers", "/elsewhere"] {
        let (status, body) = get_json(&format!("{}{path}", s.base_url()), &t).await;
        assert_eq!(status, 404, "{path}");
        error_text(&body);
    }
    let r = client().delete(ops_url(&s, "demo-alice")).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let body: Value = r.json().await.unwrap();
    error_text(&body);
    s.shutdown().await;
}

#[tokio::test]
async fn correlation_id_is_echoed() {
    let s = sandbox().await;
    let t = token(&s).await;
    for (url, expect) in [(ops_url(&s, "demo-alice"), 200), (ops_url(&s, "nobody"), 404)] {
        let r = client().get(&url).bearer_auth(&t).header("x-correlation-id", "e2e-run 42.a_b").send().await.unwrap();
        assert_eq!(r.status().as_u16(), expect);
        assert_eq!(r.headers()["x-correlation-id"], "e2e-run 42.a_b");
    }
    let r = client()
        .post(format!("{}/authz/v1/oauth2/token", s.base_url()))
        .header("x-correlation-id", "tok-1")
        .form(&[("grant_type", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-correlation-id"], "tok-1");
    s.shutdown().await;
}

#[tokio::test]
async fn delete_consumer_records_cascades_and_is_final() {
    let s = sandbox().await;
    let t = token(&s).await;
    let base = s.base_url();
    let before: OperationsPage = serde_json::from_value(get_json(&ops_url(&s, "demo-dave"), &t).await.1).unwrap();

    let (status, body) = post_json(
        &format!("{}:delete", ops_url(&s, "demo-dave")),
        Some(&t),
        &json!({ "reason": "customer was contacted on June 28" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "SUCCESSFUL");
    let op_id = body["operationId"].as_str().unwrap().to_string();

    // The DELETE operation is the newest, as D1 records it.
    let (status, op) = get_json(&format!("{}/{op_id}", ops_url(&s, "demo-dave")), &t).await;
    assert_eq!(status, 200);
    assert_eq!(op["operation"], "DELETE");
    assert_eq!(op["status"], "SUCCESSFUL");
    assert_eq!(op["requestorType"], "ISSUER");
    assert_eq!(op["requestorId"], DEMO_ISSUER);
    assert_eq!(op["reasonCode"], "ISSUER_DECISION");
    assert_eq!(op["reason"], "customer was contacted on June 28");
    assert_eq!(op["details"]["newState"], "DELETED");
    assert!(op["details"]["oldState"] == "ACTIVE" || op["details"]["oldState"] == "INACTIVE");
    assert_eq!(op["startTime"], op["endTime"]);
    let after: OperationsPage = serde_json::from_value(get_json(&ops_url(&s, "demo-dave"), &t).await.1).unwrap();
    assert_eq!(after.operations[0].operation_id, op_id);
    // Its older operations stay readable.
    let old = &before.operations[0].operation_id;
    assert_eq!(get_json(&format!("{}/{old}", ops_url(&s, "demo-dave")), &t).await.0, 200);

    // Cannot be deleted again, nor get an account; its accounts went with it.
    let (status, body) = post_json(&format!("{}:delete", ops_url(&s, "demo-dave")), Some(&t), &json!({})).await;
    assert_eq!(status, 400);
    assert!(error_text(&body).contains("already deleted"));
    let put = client()
        .put(format!("{base}/banking/v1/issuers/{DEMO_ISSUER}/accounts/acc-dave-03"))
        .bearer_auth(&t)
        .json(&json!({ "consumerId": "demo-dave", "state": "ACTIVE" }))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 400);
    let (status, _) = post_json(
        &format!("{base}/banking/v1/issuers/{DEMO_ISSUER}/accounts/acc-dave-01/operations:delete"),
        Some(&t),
        &json!({}),
    )
    .await;
    assert_eq!(status, 404, "the cascade deleted acc-dave-01");

    // Unknown consumer on delete: 400 (the seed lists no 404 for delete).
    let (status, body) = post_json(&format!("{}:delete", ops_url(&s, "nobody-at-all")), Some(&t), &json!({})).await;
    assert_eq!(status, 400);
    error_text(&body);

    // No body at all is fine (the body is optional), and USER_DECISION is kept.
    let r = client().post(format!("{}:delete", ops_url(&s, "demo-user-01"))).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (status, body) = post_json(
        &format!("{}:delete", ops_url(&s, "demo-user-02")),
        Some(&t),
        &json!({ "reasonCode": "USER_DECISION" }),
    )
    .await;
    assert_eq!(status, 200);
    let id = body["operationId"].as_str().unwrap();
    let (_, op) = get_json(&format!("{}/{id}", ops_url(&s, "demo-user-02")), &t).await;
    assert_eq!(op["reasonCode"], "USER_DECISION");
    s.shutdown().await;
}

#[tokio::test]
async fn deprecated_accounts_register_update_and_delete() {
    let s = sandbox().await;
    let t = token(&s).await;
    let acc = |id: &str| format!("{}/banking/v1/issuers/{DEMO_ISSUER}/accounts/{id}", s.base_url());
    let put = |id: String, body: Value| {
        let t = t.clone();
        async move { client().put(id).bearer_auth(t).json(&body).send().await.unwrap() }
    };
    // Create, update.
    let r = put(acc("acc-new-1"), json!({ "consumerId": "demo-alice", "accountProductId": "debit-classic", "state": "ACTIVE" })).await;
    assert_eq!(r.status().as_u16(), 204);
    assert!(r.bytes().await.unwrap().is_empty());
    let r = put(acc("acc-new-1"), json!({ "consumerId": "demo-alice", "state": "INACTIVE" })).await;
    assert_eq!(r.status().as_u16(), 204);
    // Bad bodies and consumers.
    for (body, hint) in [
        (json!({ "consumerId": "demo-alice", "state": "CLOSED" }), "state"),
        (json!({ "consumerId": "demo-alice" }), "state"),
        (json!({ "consumerId": "demo alice", "state": "ACTIVE" }), "consumerId"),
        (json!({ "consumerId": "demo-alice", "accountProductId": "a/b", "state": "ACTIVE" }), "accountProductId"),
        (json!({ "consumerId": "nobody-here", "state": "ACTIVE" }), "unknown"),
        (json!({ "consumerId": "demo-carol", "state": "ACTIVE" }), "deleted"),
        (json!({ "consumerId": "demo-bob", "state": "ACTIVE" }), "another consumer"),
    ] {
        let r = put(acc("acc-new-1"), body.clone()).await;
        assert_eq!(r.status().as_u16(), 400, "{body}");
        let e: Value = r.json().await.unwrap();
        assert!(error_text(&e).contains(hint), "{body}: {e}");
    }
    let r = client().put(acc("acc-new-1")).bearer_auth(&t).header("content-type", "application/json").body("[").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let e: Value = r.json().await.unwrap();
    error_text(&e);
    let r = put(acc("bad.id"), json!({ "consumerId": "demo-alice", "state": "ACTIVE" })).await;
    assert_eq!(r.status().as_u16(), 400);

    // Delete: 200 then 404; unknown 404; bad reason 400.
    let (status, body) = post_json(&format!("{}/operations:delete", acc("acc-new-1")), Some(&t), &json!({ "reason": "closed" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "SUCCESSFUL");
    assert!(body["operationId"].as_str().is_some());
    let (status, body) = post_json(&format!("{}/operations:delete", acc("acc-new-1")), Some(&t), &json!({})).await;
    assert_eq!(status, 404);
    error_text(&body);
    let (status, _) = post_json(&format!("{}/operations:delete", acc("acc-none")), Some(&t), &json!({})).await;
    assert_eq!(status, 404);
    let (status, _) = post_json(&format!("{}/operations:delete", acc("acc-alice-01")), Some(&t), &json!({ "reason": "no!" })).await;
    assert_eq!(status, 400);
    // Without a token: 401.
    let (status, _) = post_json(&format!("{}/operations:delete", acc("acc-alice-01")), None, &json!({})).await;
    assert_eq!(status, 401);
    let r = client().put(acc("acc-x")).json(&json!({ "consumerId": "demo-alice", "state": "ACTIVE" })).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    s.shutdown().await;
}

#[tokio::test]
async fn demo_data_covers_every_type_status_and_requestor() {
    let s = sandbox().await;
    let t = token(&s).await;
    let mut kinds = HashSet::new();
    let names: Vec<String> = ["demo-alice", "demo-bob", "demo-carol", "demo-dave", "demo-erin", "demo-busy", "demo-pending"]
        .iter()
        .map(|s| s.to_string())
        .chain((1..=16).map(|i| format!("demo-user-{i:02}")))
        .collect();
    for name in &names {
        let (status, body) = get_json(&format!("{}?limit=50", ops_url(&s, name)), &t).await;
        assert_eq!(status, 200, "{name}");
        let page: OperationsPage = serde_json::from_value(body).unwrap();
        assert!(!page.operations.is_empty(), "{name}");
        for op in page.operations {
            kinds.insert(op.operation.as_str().to_string());
            kinds.insert(op.status.as_str().to_string());
            kinds.insert(op.requestor_type.as_str().to_string());
            if op.status.as_str() == "FAILED" {
                assert!(op.error_code.is_some() && op.error.is_some(), "{name}");
                console_api::validate::OPERATION_ERROR.check(op.error.as_deref().unwrap()).unwrap();
            }
            if op.status.as_str() == "PENDING" {
                assert!(op.end_time.is_none());
            }
            if op.requestor_type.as_str() == "USER" {
                assert_eq!(&op.requestor_id, name);
            }
            if let Some(r) = &op.reason {
                console_api::validate::REASON.check(r).unwrap();
            }
        }
    }
    for k in ["CLICK_TO_PAY_UPDATE", "DELETE", "DELETE_AUTHN", "ENROLL_AUTHN", "REGISTER", "RESUME", "SUSPEND",
        "SUCCESSFUL", "PENDING", "FAILED", "ISSUER", "USER", "CCI"] {
        assert!(kinds.contains(k), "demo data lacks {k}");
    }
    // demo-pending's operation never settles.
    let (_, body) = get_json(&ops_url(&s, "demo-pending"), &t).await;
    assert_eq!(body["operations"][0]["status"], "PENDING");
    // demo-carol is deleted: a second delete is refused.
    let (status, _) = post_json(&format!("{}:delete", ops_url(&s, "demo-carol")), Some(&t), &json!({})).await;
    assert_eq!(status, 400);
    s.shutdown().await;
}

#[tokio::test]
async fn openapi_document_is_served_without_auth() {
    let s = sandbox().await;
    let r = client().get(format!("{}/banking/v1/openapi.json", s.base_url())).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/authz/v1/oauth2/token",
        "/banking/v1/issuers/{issuerId}/consumers/{consumerId}/operations",
        "/banking/v1/issuers/{issuerId}/consumers/{consumerId}/operations/{operationId}",
        "/banking/v1/issuers/{issuerId}/consumers/{consumerId}/operations:delete",
        "/banking/v1/issuers/{issuerId}/accounts/{accountId}",
        "/banking/v1/issuers/{issuerId}/accounts/{accountId}/operations:delete",
        "/_sandbox/reset",
        "/_sandbox/faults",
    ] {
        assert!(paths.contains_key(p), "{p} missing from {:?}", paths.keys().collect::<Vec<_>>());
    }
    let text = doc.to_string();
    assert!(text.contains("ACTIVE and INACTIVE"), "the account state assumption is said");
    assert!(doc["components"]["securitySchemes"]["bearerAuth"].is_object());
    // Seed 001's failed delete is documented.
    let delete = &paths["/banking/v1/issuers/{issuerId}/consumers/{consumerId}/operations:delete"]["post"];
    let failed = &delete["responses"]["500"]["content"]["application/json"]["schema"]["$ref"];
    assert_eq!(failed, "#/components/schemas/OperationStatusFailed");
    s.shutdown().await;
}
