//! Exporting a timeline from the page, in real headless Chromium. The buttons are links to the gateway's
//! export: Chromium saves the file into a folder of ours (DevTools' `Browser.setDownloadBehavior`), the
//! file holds what the page's filter shows of the whole history, and the audit line is the gateway's own.

use std::path::Path;
use std::time::Duration;

use console_e2e::{wait_until, Browser, Stack, TempDir, WAIT};
use serde_json::{json, Value};

/// The ids of demo-busy's operations with `status`, as the gateway's list route pages them.
async fn listed_with_status(stack: &Stack, status: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut offset = 0;
    loop {
        let (code, _, page) = stack.get(&format!("/api/d1/consumers/demo-busy/operations?offset={offset}&limit=50")).await;
        assert_eq!(code, 200, "{page}");
        let operations = page["operations"].as_array().cloned().unwrap_or_default();
        offset += operations.len();
        let kept = operations.iter().filter(|op| op["status"] == status);
        ids.extend(kept.map(|op| op["operationId"].as_str().expect("operationId").to_string()));
        if operations.is_empty() || page["remainingOperations"] == 0 {
            return ids;
        }
    }
}

/// The file once Chromium has finished writing it (it writes `NAME.crdownload`, then renames).
async fn downloaded(folder: &Path, name: &str) -> String {
    let file = folder.join(name);
    wait_until(&format!("{name} in the download folder"), Duration::from_secs(15), || {
        let file = file.clone();
        async move { std::fs::read_to_string(file).ok() }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_link_downloads_what_the_filter_shows_and_the_gateway_audits_it() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    let downloads = TempDir::new("console-e2e-downloads");
    b.cdp("Browser.setDownloadBehavior", json!({ "behavior": "allow", "downloadPath": downloads.path() })).await;
    b.sign_in(&stack, "grace", "/consumers/demo-busy?status=FAILED").await;
    b.wait_testid("all-loaded", WAIT).await;
    let summary = b.text_of("filter-summary").await;
    let shown: usize = summary.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{summary:?}"));
    assert!(summary.ends_with("of 523") && shown > 0, "{summary:?}");

    // The link has its address once the page has read the browser's time zone (after the history loaded).
    let json_link = b
        .wait_for("the JSON link's address", "export-json-href", WAIT, || async {
            b.wait_testid("export-json", WAIT).await.attr("href").await.ok().flatten()
        })
        .await;
    assert!(json_link.starts_with("/api/d1/consumers/demo-busy/operations/export?format=json&status=FAILED&tz="), "{json_link}");
    b.click_testid("export-csv").await;
    let text = downloaded(downloads.path(), "operations-demo-busy.csv").await;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().expect("a header row").get(0), Some("operationId"));
    let ids: Vec<String> = reader.records().map(|r| r.expect("a CSV record")[0].to_string()).collect();
    assert_eq!(ids.len(), shown, "the file holds the rows the page says it shows");
    assert_eq!(ids, listed_with_status(&stack, "FAILED").await, "every FAILED operation of the whole history, in D1's order");

    let lines: Vec<Value> = stack.audit_entries().into_iter().filter(|e| e["action"] == "d1.operations.export").collect();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!((lines[0]["userId"].as_str(), lines[0]["status"].as_u64()), (Some("usr-grace"), Some(200)));
    assert_eq!(lines[0]["target"], format!("demo-busy format=csv rows={shown}"));
    b.screenshot("export-downloaded").await;
    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_nothing_loaded_the_export_links_lead_nowhere() {
    // demo-empty: a consumer of the demo data without operations.
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.sign_in(&stack, "grace", "/consumers/demo-empty").await;
    b.wait_testid("empty-state", WAIT).await;
    for id in ["export-csv", "export-json"] {
        let link = b.wait_testid(id, WAIT).await;
        assert_eq!(link.attr("aria-disabled").await.expect("attribute").as_deref(), Some("true"), "{id}");
        assert_eq!(link.attr("href").await.expect("attribute"), None, "{id} has no href");
    }
    b.click_testid("export-csv").await;
    assert_eq!(b.url().await.path(), "/consumers/demo-empty", "a click on the disabled link goes nowhere");
    b.close().await;
    stack.shutdown().await;
}
