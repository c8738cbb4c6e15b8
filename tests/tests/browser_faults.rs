//! The console in real headless Chromium meeting D1's failures, injected at the sandbox through
//! `/_sandbox/faults`. (Every browser_* binary runs one at a time: see `.config/nextest.toml`.)

use console_e2e::{Browser, Stack, WAIT};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admins_delete_that_d1_records_as_failed_names_the_failed_operation() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/consumers/demo-alice").await;
    b.wait_testid("op-row", WAIT).await;

    // Seed 001's 500 for the next delete.
    let failed = json!({ "operationId": "op-failed-1", "status": "FAILED", "error": "Card network unavailable" });
    stack
        .arm_fault(json!({
            "method": "POST", "path": "/banking/v1/issuers/{issuerId}/consumers/{consumerId}/operations:delete",
            "status": 500, "body": failed
        }))
        .await;

    b.click_testid("delete-consumer-open").await;
    b.wait_testid("delete-dialog", WAIT).await;
    b.type_into("delete-reason", "customer asked on the phone").await;
    b.type_into("delete-confirm-input", "demo-alice").await;
    b.wait_for("delete-submit to be enabled", "faults-submit-enabled", WAIT, || async {
        b.is_enabled("delete-submit").await.then_some(())
    })
    .await;
    b.click_testid("delete-submit").await;

    let error = b.wait_testid("delete-error", WAIT).await.text().await.expect("the error panel's text");
    b.screenshot("delete-failed-operation").await;
    assert!(error.contains("The deletion failed"), "{error}");
    assert!(error.contains("D1 recorded the delete as FAILED (operation op-failed-1)"), "{error}");
    assert!(b.by_testid("delete-result").await.is_none(), "a FAILED delete is never shown as accepted");
    // D1's own words are behind "Technical details".
    b.click_testid("technical-details").await;
    let details = b.text_of("technical-details").await;
    assert!(details.contains("Card network unavailable"), "{details}");
    // Nothing was deleted, so the dialog may be submitted again.
    assert!(b.is_enabled("delete-submit").await, "a failed delete can be tried again");
    assert!(stack.armed_faults().await.is_empty(), "the faulted call reached the sandbox");

    b.close().await;
    stack.shutdown().await;
}

/// D1's texts reach the timeline's rows as text, never as markup: the rows' fixed part is written as
/// markup in one call (console_api::page::row_markup), so here a D1 that answers markup in every text
/// field it has. The sandbox itself refuses such texts (its patterns), hence the injected answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_in_d1_texts_shows_as_text_in_the_timeline() {
    let stack = Stack::start().await;
    let hostile = "<img src=x onerror=\"window.__pwned=1\"><b>bold</b> & more";
    let page = json!({
        "operations": [{
            "operationId": "op-hostile-1",
            "operation": "<img src=x onerror=\"window.__pwned=2\">",
            "status": "FAILED",
            "startTime": "2026-11-20T10:00:00Z",
            "endTime": "<b>not a time</b>",
            "requestorType": "CCI",
            "requestorId": "<i>agent</i>",
            "details": { "appInstanceId": "</span></div><img src=x onerror=\"window.__pwned=3\">" },
            "errorCode": "<u>E1</u>",
            "error": hostile
        }],
        "remainingOperations": 0
    });
    stack
        .arm_fault(json!({
            "method": "GET", "path": "/banking/v1/issuers/{issuerId}/consumers/{consumerId}/operations",
            "status": 200, "body": page
        }))
        .await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/consumers/demo-alice").await;
    b.wait_testid("op-row", WAIT).await;
    b.screenshot("timeline-markup-from-d1-as-text").await;

    let seen = b
        .js(
            "const row = document.querySelector('[data-testid=op-row]');
             return { elements: row.querySelectorAll('img, b, i, u').length, pwned: window.__pwned === undefined ? null : window.__pwned,
                      error: row.querySelector('.op-error').textContent, label: row.querySelector('.op-label').textContent,
                      text: row.textContent };",
            vec![],
        )
        .await;
    assert_eq!(seen["elements"], json!(0), "D1's markup became elements: {seen}");
    assert_eq!(seen["pwned"], json!(null), "D1's markup ran: {seen}");
    assert_eq!(seen["error"], json!(format!("<u>E1</u>: {hostile}")), "{seen}");
    assert_eq!(seen["label"], json!("<img src=x onerror=\"window.__pwned=2\">"), "{seen}");
    let text = seen["text"].as_str().unwrap_or_default();
    for raw in ["<i>agent</i>", "<b>not a time</b>", "</span></div><img"] {
        assert!(text.contains(raw), "{raw} is not shown as text: {text}");
    }

    b.close().await;
    stack.shutdown().await;
}
