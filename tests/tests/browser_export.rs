//! Exporting a timeline from the page, in real headless Chromium: the file is made in the page, and the
//! gateway's audit log records who exported which consumer, in which format, and how many rows.

use std::time::Duration;

use console_e2e::{wait_until, Browser, Stack, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_from_the_page_is_in_the_audit_log() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.sign_in(&stack, "grace", "/consumers/demo-busy").await;
    b.wait_testid("op-row", WAIT).await;
    let rows = b.count("[data-testid=op-row]").await;
    b.click_testid("export-csv").await;
    let line = wait_until("the export's audit line", Duration::from_secs(10), || async {
        stack.audit_entries().into_iter().find(|e| e["action"] == "d1.operations.export")
    })
    .await;
    assert_eq!(line["userId"], "usr-grace");
    assert_eq!(line["status"], 200);
    let target = line["target"].as_str().unwrap_or_default();
    assert!(target.starts_with("demo-busy format=csv rows="), "{target}");
    let recorded: usize = target.rsplit('=').next().and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(recorded >= rows && recorded > 0, "{recorded} rows recorded, {rows} shown");
    assert!(b.by_testid("export-problem").await.is_none(), "{}", b.text_of("export-problem").await);
    b.close().await;
    stack.shutdown().await;
}
