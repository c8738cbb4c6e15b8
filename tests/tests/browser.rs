//! The console in real headless Chromium, against the gateway and an in-memory sandbox of its own.
//!
//! Three browser sessions in all (2 cores): demo-busy (search, the whole history loaded in the background
//! and compared with the sandbox's list, scroll to the end, filter, detail),
//! deleting demo-alice, and the edge consumers (empty, unknown, pending). They need the built UI: without
//! `dist/index.html` they fail and say to run `cargo xtask test`.

use std::time::Duration;

use console_e2e::{find_uuid, has_hex32, parse_of, testid, Browser, Stack, WAIT};
use fantoccini::Locator;
use serde_json::{json, Value};

const LONG: Duration = Duration::from_secs(60);

/// `data-status` of every op-row, in page order.
async fn row_statuses(b: &Browser) -> Vec<String> {
    let v = b
        .js(
            "return Array.from(document.querySelectorAll('[data-testid=\"op-row\"]')).map(r => r.getAttribute('data-status') || '');",
            vec![],
        )
        .await;
    v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect()
}

/// `data-op-id` of the first op-row.
async fn first_row_id(b: &Browser) -> Option<String> {
    let v = b
        .js("const r = document.querySelector('[data-testid=\"op-row\"]'); return r ? r.getAttribute('data-op-id') : null;", vec![])
        .await;
    v.as_str().map(str::to_string)
}

/// `data-op-id` of every op-row, in page order.
async fn row_ids(b: &Browser) -> Vec<String> {
    let v = b
        .js("return Array.from(document.querySelectorAll('[data-testid=\"op-row\"]')).map(r => r.getAttribute('data-op-id'));", vec![])
        .await;
    v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect()
}

/// The numbers of the status counts (successful, pending, failed, other).
async fn status_counts(b: &Browser) -> Vec<u32> {
    let v = b
        .js("return Array.from(document.querySelectorAll('[data-testid=\"status-counts\"] .count-n')).map(n => n.textContent);", vec![])
        .await;
    v.as_array().into_iter().flatten().filter_map(|n| n.as_str()?.trim().parse().ok()).collect()
}

/// The offsets of the operation pages the page asked, in the order it asked them (Resource Timing).
async fn page_offsets_asked(b: &Browser) -> Vec<u32> {
    let v = b
        .js(
            "return performance.getEntriesByType('resource').map(e => e.name)\
               .filter(n => n.includes('/operations?offset='))\
               .map(n => Number(new URL(n).searchParams.get('offset')));",
            vec![],
        )
        .await;
    v.as_array().into_iter().flatten().filter_map(|n| n.as_u64().map(|n| n as u32)).collect()
}

/// Whether two operation pages were in flight at the same time.
async fn pages_overlapped(b: &Browser) -> bool {
    b.js(
        "const p = performance.getEntriesByType('resource').filter(e => e.name.includes('/operations?offset='));\
         return p.some(a => p.some(c => c !== a && c.startTime >= a.startTime && c.startTime < a.responseEnd));",
        vec![],
    )
    .await
    .as_bool()
    .unwrap_or(false)
}

/// The operation ids of `consumer` as the gateway lists them, page by page, newest first.
async fn sandbox_ids(stack: &Stack, consumer: &str) -> Vec<String> {
    let mut ids = Vec::new();
    loop {
        let (status, _, page) = stack.get(&format!("/api/d1/consumers/{consumer}/operations?offset={}&limit=50", ids.len())).await;
        assert_eq!(status, 200, "{page}");
        let operations = page["operations"].as_array().cloned().unwrap_or_default();
        ids.extend(operations.iter().filter_map(|o| o["operationId"].as_str().map(str::to_string)));
        if operations.is_empty() || page["remainingOperations"] == 0 {
            return ids;
        }
    }
}

/// Searches for a consumer from the search box and waits for its page to answer.
async fn search(b: &Browser, consumer: &str) {
    b.type_into("search-input", consumer).await;
    b.click_testid("search-submit").await;
    let want = format!("/consumers/{consumer}");
    b.wait_for(&format!("the URL to become {want}"), "search-navigation", WAIT, || async {
        (b.url().await.path() == want).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_busy_search_scroll_filter_and_detail() {
    let stack = Stack::start().await;
    let b = Browser::start().await;

    // (a) The home page: environment badge, search validation, then the timeline.
    b.sign_in(&stack, "ada", "/").await;
    b.wait_testid("env-badge", WAIT).await;
    // textContent: the badge is upper-cased by CSS, which WebDriver's rendered text reflects.
    let badge_text = b.js(&format!("return document.querySelector('{}').textContent;", testid("env-badge")), vec![]).await;
    let badge_text = badge_text.as_str().unwrap_or("");
    assert!(badge_text.contains("Sandbox"), "env badge says {badge_text:?}");
    b.type_into("search-input", "bad id!").await;
    b.click_testid("search-submit").await;
    let error = b.wait_testid("search-error", WAIT).await;
    assert!(!error.text().await.unwrap_or_default().trim().is_empty(), "the search error says what is wrong");
    assert_eq!(b.url().await.path(), "/", "an invalid id does not navigate");
    b.screenshot("search-invalid-id").await;

    search(&b, "demo-busy").await;
    b.wait_testid("timeline", WAIT).await;
    b.wait_testid("op-row", WAIT).await;
    // The whole history loads by itself, pages asked in parallel, with no scrolling.
    let all = b.wait_testid("all-loaded", WAIT).await.text().await.unwrap_or_default();
    assert!(all.contains("All 523 operations loaded"), "demo-busy has 523 operations within 3 months: {all:?}");
    assert!(b.by_testid("loaded-count").await.is_none(), "no progress line once everything is loaded");
    // Typed and opened within the pause after which the directory is asked: its list, due after the
    // search had answered, does not open over the timeline (it did, in the screenshots).
    assert!(b.by_testid("search-results").await.is_none(), "no list of people over the opened timeline");
    assert_eq!(status_counts(&b).await.iter().sum::<u32>(), 523, "the counts cover the whole history");
    assert_eq!(b.count(&testid("op-row")).await, 50, "the first 50 rows, not the 473 below the fold");
    assert!(b.by_testid("show-more").await.is_some(), "show-more while rows are left to show");
    assert!(b.count(&testid("timeline-day")).await > 0, "rows are grouped by day");
    let chart = b.wait_testid("week-chart", WAIT).await;
    assert_eq!(chart.tag_name().await.expect("tag").to_lowercase(), "svg", "week-chart is an <svg>");
    b.wait_testid("export-csv", WAIT).await;
    b.wait_testid("export-json", WAIT).await;
    let offsets = page_offsets_asked(&b).await;
    let mut once = offsets.clone();
    once.sort_unstable();
    once.dedup();
    assert_eq!(once, (0..11).map(|i| i * 50).collect::<Vec<_>>(), "every page of 523 asked: {offsets:?}");
    // (Offset 0 again would be the refresh of the newest, every 10 s: a use case of its own.)
    let later: Vec<u32> = offsets.iter().copied().filter(|&o| o > 0).collect();
    assert_eq!(later.len(), once.len() - 1, "no page asked twice: {offsets:?}");
    assert!(pages_overlapped(&b).await, "pages are asked in parallel, not one after another");

    // (b) Scroll (sentinel into view, or show-more) to the end: every operation of the sandbox's list, in
    // its order, none missing, none twice.
    b.wait_for("all 523 rows to show by scrolling", "scroll-to-end", LONG, || async {
        if b.count(&testid("op-row")).await == 523 && b.by_testid("show-more").await.is_none() {
            return Some(());
        }
        b.js(
            "const s = document.querySelector('[data-testid=\"scroll-sentinel\"]'); if (s) s.scrollIntoView();\
             const m = document.querySelector('[data-testid=\"show-more\"]'); if (m) m.click();",
            vec![],
        )
        .await;
        None
    })
    .await;
    assert_eq!(row_ids(&b).await, sandbox_ids(&stack, "demo-busy").await, "the page shows the sandbox's list exactly");
    b.js("window.scrollTo(0, 0);", vec![]).await;
    b.screenshot("timeline-demo-busy").await;

    // (c) Filter FAILED: only FAILED rows, the filter in the URL, kept on reload, then cleared.
    let failed_total = row_statuses(&b).await.iter().filter(|s| *s == "FAILED").count();
    assert!(failed_total > 0, "demo-busy has FAILED operations to filter");
    let select = b.wait_testid("filter-status", WAIT).await;
    select.select_by_value("FAILED").await.expect("choose FAILED in filter-status");
    b.wait_for("only FAILED rows", "filter-failed", WAIT, || async {
        let s = row_statuses(&b).await;
        (s.len() == failed_total.min(50) && s.iter().all(|x| x == "FAILED")).then_some(())
    })
    .await;
    let url = b.url().await;
    assert!(url.query().unwrap_or("").contains("status=FAILED"), "the filter is in the URL: {url}");
    let summary = b.text_of("filter-summary").await;
    assert_eq!(summary, format!("showing {failed_total} of 523"), "the filter covers the whole history");
    b.screenshot("timeline-filter-failed").await;

    b.client.refresh().await.expect("reload");
    b.wait_testid("timeline", WAIT).await;
    b.wait_testid("all-loaded", WAIT).await;
    // A load of the consumer's address asks its first page ahead, before the page is built: the page
    // takes that answer rather than asking it again, and every page is asked once.
    let offsets = page_offsets_asked(&b).await;
    let mut once = offsets.clone();
    once.sort_unstable();
    once.dedup();
    assert_eq!(once, (0..11).map(|i| i * 50).collect::<Vec<_>>(), "every page of 523 asked: {offsets:?}");
    assert_eq!(offsets.len(), once.len(), "no page asked twice after a load of the address: {offsets:?}");
    b.wait_for("filter-status to be FAILED after reload", "reload-filter", WAIT, || async {
        (b.value_of("filter-status").await == "FAILED").then_some(())
    })
    .await;
    assert!(b.url().await.query().unwrap_or("").contains("status=FAILED"), "the URL keeps the filter");
    let after = row_statuses(&b).await;
    assert!(after.iter().all(|s| s == "FAILED"), "after reload only FAILED rows show: {after:?}");
    assert_eq!(after.len(), failed_total.min(50));
    assert_eq!(parse_of(&b.text_of("filter-summary").await), Some((failed_total as u32, 523)));

    b.click_testid("filter-clear").await;
    b.wait_for("the filter to clear", "filter-clear", WAIT, || async {
        let ok = b.value_of("filter-status").await.is_empty()
            && !b.url().await.query().unwrap_or("").contains("status=")
            && b.count(&testid("op-row")).await == 50
            && b.text_of("filter-summary").await == "showing 523 of 523";
        ok.then_some(())
    })
    .await;
    // A hand-typed link: its values in any case are D1's; one D1 does not document is said, not hidden
    // behind selects that show "Any".
    b.goto(&stack.url("/consumers/demo-busy?status=failed")).await;
    b.wait_for("status=failed read as FAILED", "filter-typed", WAIT, || async {
        (b.value_of("filter-status").await == "FAILED" && parse_of(&b.text_of("filter-summary").await) == Some((failed_total as u32, 523)))
            .then_some(())
    })
    .await;
    assert!(b.by_testid("filter-error").await.is_none(), "a known value in another case is no problem");
    b.goto(&stack.url("/consumers/demo-busy?status=DONE")).await;
    let said = b.wait_testid("filter-error", WAIT).await.text().await.unwrap_or_default();
    assert!(said.starts_with("Status 'DONE' is not a value D1 documents") && said.contains("clear the filters"), "{said}");
    b.screenshot("timeline-filter-unknown-value").await;
    b.click_testid("filter-clear").await;
    b.wait_for("the odd filter cleared", "filter-odd-clear", WAIT, || async {
        (b.by_testid("filter-error").await.is_none() && b.count(&testid("op-row")).await == 50).then_some(())
    })
    .await;

    // (d) Open a row: the drawer, its raw JSON, the deep link on reload.
    let op_id = first_row_id(&b).await.expect("an op-row with data-op-id");
    let row = b.client.find(Locator::Css(&format!("[data-testid=\"op-row\"][data-op-id=\"{op_id}\"]"))).await.expect("the row");
    row.click().await.expect("click the row");
    let drawer = b.wait_testid("op-detail", WAIT).await;
    assert!(drawer.is_displayed().await.unwrap_or(false), "the drawer is visible");
    let want_path = format!("/consumers/demo-busy/operations/{op_id}");
    b.wait_for(&format!("the URL {want_path}"), "detail-url", WAIT, || async {
        (b.url().await.path() == want_path).then_some(())
    })
    .await;
    b.click_testid("raw-json-toggle").await;
    let raw = b.wait_testid("raw-json", WAIT).await.text().await.expect("raw JSON text");
    assert!(raw.contains(&op_id), "raw JSON holds the operationId: {raw}");
    let parsed: Value = serde_json::from_str(&raw).unwrap_or_else(|e| panic!("raw-json is not JSON ({e}): {raw}"));
    // The gateway's own answer for the operation, indented by the browser's JSON.stringify(…, null, 2).
    let (_, _, sent) = stack.get(&format!("/api/d1/consumers/demo-busy/operations/{op_id}")).await;
    assert_eq!(parsed, sent, "the raw JSON is the operation as the gateway sends it");
    assert!(raw.starts_with("{\n  \"operationId\": "), "two-space indent, D1's field order: {raw}");
    b.screenshot("operation-detail").await;

    b.client.refresh().await.expect("reload the deep link");
    b.wait_testid("op-detail", WAIT).await;
    b.click_testid("raw-json-toggle").await;
    let raw = b.wait_testid("raw-json", WAIT).await.text().await.expect("raw JSON text");
    assert!(raw.contains(&op_id), "the deep link shows the same operation: {raw}");
    b.screenshot("operation-detail-deep-link").await;
    b.click_testid("op-detail-close").await;
    b.wait_gone("op-detail", WAIT).await;
    assert_eq!(b.url().await.path(), "/consumers/demo-busy", "closing returns to the timeline");

    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_demo_alice_through_the_dialog() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/").await;
    b.wait_testid("env-badge", WAIT).await;
    search(&b, "demo-alice").await;
    b.wait_testid("op-row", WAIT).await;

    // Cancel closes without doing anything.
    b.click_testid("delete-consumer-open").await;
    b.wait_testid("delete-dialog", WAIT).await;
    b.click_testid("delete-cancel").await;
    b.wait_gone("delete-dialog", WAIT).await;

    b.click_testid("delete-consumer-open").await;
    b.wait_testid("delete-dialog", WAIT).await;
    let code = b.wait_testid("delete-reason-code", WAIT).await;
    code.select_by_value("USER_DECISION").await.expect("choose USER_DECISION");

    // A reason with punctuation is refused and submit stays disabled.
    b.type_into("delete-reason", "fraud!").await;
    b.wait_testid("delete-reason-error", WAIT).await;
    assert!(!b.is_enabled("delete-submit").await, "submit is disabled while the reason is invalid");

    // A good reason but the wrong confirmation: still disabled.
    b.type_into("delete-reason", "customer asked on the phone").await;
    b.wait_gone("delete-reason-error", WAIT).await;
    b.type_into("delete-confirm-input", "demo-alic").await;
    b.wait_for("the confirmation input to hold the text", "confirm-typed", WAIT, || async {
        (b.value_of("delete-confirm-input").await == "demo-alic").then_some(())
    })
    .await;
    assert!(!b.is_enabled("delete-submit").await, "submit is disabled until the consumerId is typed exactly");

    b.type_into("delete-confirm-input", "demo-alice").await;
    b.wait_for("delete-submit to be enabled", "submit-enabled", WAIT, || async {
        b.is_enabled("delete-submit").await.then_some(())
    })
    .await;
    b.screenshot("delete-dialog").await;
    b.click_testid("delete-submit").await;

    let result = b.wait_testid("delete-result", WAIT).await.text().await.expect("result text");
    let op_id = find_uuid(&result).unwrap_or_else(|| panic!("delete-result shows no operationId: {result}"));
    b.screenshot("delete-result").await;

    // The gateway agrees, and the timeline shows the DELETE first.
    let (status, _, op) = stack.get(&format!("/api/d1/consumers/demo-alice/operations/{op_id}")).await;
    assert_eq!(status, 200, "{op}");
    assert_eq!(op["operation"], "DELETE");
    assert_eq!(op["reason"], "customer asked on the phone");
    assert_eq!(op["reasonCode"], "USER_DECISION");
    b.wait_for("the DELETE to be the first op-row", "delete-first-row", WAIT, || async {
        (first_row_id(&b).await.as_deref() == Some(op_id.as_str())).then_some(())
    })
    .await;
    if b.by_testid("delete-dialog").await.is_some() {
        if let Some(cancel) = b.by_testid("delete-cancel").await {
            let _ = cancel.click().await;
        }
    }
    // Nothing is left to delete: the page says so instead of offering it again.
    b.wait_testid("consumer-deleted", WAIT).await;
    assert!(b.by_testid("delete-consumer-open").await.is_none(), "no delete offered for a deleted consumer");
    b.screenshot("timeline-after-delete").await;

    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_unknown_and_pending_consumers() {
    let stack = Stack::start().await;
    let b = Browser::start().await;

    // (f) No operations: an empty state, not an error.
    b.sign_in(&stack, "ada", "/consumers/demo-empty").await;
    b.wait_testid("empty-state", WAIT).await;
    assert!(b.by_testid("error-panel").await.is_none());
    assert_eq!(b.count(&testid("op-row")).await, 0);

    // An unknown (valid) consumer: an error panel quoting a correlation id, technical details on demand.
    b.goto(&stack.url("/")).await;
    b.wait_testid("env-badge", WAIT).await;
    search(&b, "nobody-here-42").await;
    let panel = b.wait_testid("error-panel", WAIT).await;
    assert!(b.by_testid("delete-consumer-open").await.is_none(), "no delete offered for a consumer D1 does not know");
    let text = panel.text().await.unwrap_or_default();
    let html = panel.html(true).await.unwrap_or_default();
    let quoted = |t: &str| has_hex32(t) || find_uuid(t).is_some();
    assert!(quoted(&text) || quoted(&html), "the error panel quotes the correlation id: {text}");
    b.wait_testid("technical-details", WAIT).await;
    b.screenshot("error-unknown-consumer").await;

    // (g) PENDING shows, and an operation that settles turns FAILED by itself (the page polls).
    b.goto(&stack.url("/consumers/demo-pending")).await;
    b.wait_for("a PENDING op-row", "pending-row", WAIT, || async {
        row_statuses(&b).await.iter().any(|s| s == "PENDING").then_some(())
    })
    .await;
    let op = stack
        .control_add_operation(
            "demo-pending",
            json!({
                "operation": "ENROLL_AUTHN", "requestorType": "USER", "requestorId": "demo-pending",
                "pendingSeconds": 2, "finalStatus": "FAILED", "errorCode": "E2E-1", "error": "failed on purpose"
            }),
        )
        .await;
    let id = op["operationId"].as_str().expect("operationId").to_string();
    assert_eq!(op["status"], "PENDING");
    let css = format!("[data-testid=\"op-row\"][data-op-id=\"{id}\"]");
    let seen = std::cell::RefCell::new(Vec::<String>::new());
    b.wait_for("the new operation to show FAILED", "pending-settles", Duration::from_secs(20), || async {
        let status = b
            .js(&format!("const r = document.querySelector('{css}'); return r ? r.getAttribute('data-status') : null;"), vec![])
            .await;
        let s = status.as_str().map(str::to_string);
        if let Some(s) = &s {
            let mut seen = seen.borrow_mut();
            if seen.last() != Some(s) {
                seen.push(s.clone());
            }
        }
        (s.as_deref() == Some("FAILED")).then_some(())
    })
    .await;
    // With 2 s of PENDING the page usually first sees it (newest poll, every 10 s) already FAILED.
    eprintln!("the 2 s operation's states on the page: {:?}", seen.borrow());

    // So also watch the transition itself: PENDING long enough (8 s) to be shown as PENDING after a reload,
    // then FAILED through the page's 2 s polling of PENDING operations, with no reload.
    let op = stack
        .control_add_operation(
            "demo-pending",
            json!({
                "operation": "ENROLL_AUTHN", "requestorType": "USER", "requestorId": "demo-pending",
                "pendingSeconds": 8, "finalStatus": "FAILED"
            }),
        )
        .await;
    let id = op["operationId"].as_str().expect("operationId").to_string();
    b.client.refresh().await.expect("reload");
    let css = format!("[data-testid=\"op-row\"][data-op-id=\"{id}\"]");
    let status_of = || async {
        b.js(&format!("const r = document.querySelector('{css}'); return r ? r.getAttribute('data-status') : null;"), vec![])
            .await
            .as_str()
            .map(str::to_string)
    };
    let first = b.wait_for("the 8 s operation to show", "pending-8s-shows", WAIT, || async { status_of().await }).await;
    assert_eq!(first, "PENDING", "shown while D1 still has it PENDING");
    b.screenshot("pending-before-settling").await;
    b.wait_for("the 8 s operation to turn FAILED by itself", "pending-8s-settles", Duration::from_secs(20), || async {
        (status_of().await.as_deref() == Some("FAILED")).then_some(())
    })
    .await;
    assert!(row_statuses(&b).await.iter().any(|s| s == "PENDING"), "the ever-pending operation is still PENDING");
    b.screenshot("pending-settled-failed").await;

    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deprecated_account_register_and_delete_in_the_advanced_section() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/consumers/demo-bob").await;
    b.wait_testid("op-row", WAIT).await;
    b.click_testid("advanced-toggle").await;
    b.wait_testid("account-id", WAIT).await;
    assert_eq!(b.value_of("account-consumer-id").await, "demo-bob", "the consumer is prefilled");

    // A bad account id is refused on the page, before any request.
    b.type_into("account-id", "bad id").await;
    b.click_testid("account-register").await;
    b.wait_testid("account-error", WAIT).await;

    b.type_into("account-id", "acct-ui-1").await;
    b.click_testid("account-register").await;
    b.wait_for("the account to be registered", "account-registered", WAIT, || async {
        let text = b.by_testid("account-result").await?.text().await.ok()?;
        text.contains("acct-ui-1").then_some(())
    })
    .await;

    b.type_into("account-delete-reason", "closed by the bank").await;
    b.click_testid("account-delete").await;
    // Asked first, naming the account; then one deletion however fast the clicks.
    let question = b.wait_testid("account-delete-question", WAIT).await.text().await.unwrap_or_default();
    assert_eq!(question, "Delete account acct-ui-1 in D1? This cannot be undone.");
    // An edit withdraws the question (what was asked about is what is sent): asked again.
    b.type_into("account-delete-reason", "closed by the bank asked twice").await;
    b.wait_gone("account-delete-question", WAIT).await;
    b.click_testid("account-delete").await;
    b.wait_testid("account-delete-question", WAIT).await;
    b.wait_testid("account-delete-confirm", WAIT).await;
    b.js("const e = document.querySelector('[data-testid=account-delete-confirm]'); e.click(); e.click();", vec![]).await;
    let op_id = b
        .wait_for("the account delete's operationId", "account-deleted", WAIT, || async {
            let text = b.by_testid("account-result").await?.text().await.ok()?;
            find_uuid(&text)
        })
        .await;
    b.screenshot("account-deleted").await;
    assert!(!op_id.is_empty());
    let deletes = stack.audit_entries().into_iter().filter(|e| e["action"] == "d1.account.delete" && e["outcome"] != "attempt").count();
    assert_eq!(deletes, 1, "one deletion sent");

    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn date_range_filter_from_the_url() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    let today = chrono::Utc::now().date_naive();
    let yesterday = today - chrono::Duration::days(1);

    // Yesterday and today only: some of the first 50 loaded operations (about a week's worth), not all.
    b.sign_in(&stack, "ada", &format!("/consumers/demo-busy?from={yesterday}&to={today}")).await;
    b.wait_testid("op-row", WAIT).await;
    let summary = b
        .wait_for("the range to filter", "date-range", WAIT, || async {
            let text = b.by_testid("filter-summary").await?.text().await.ok()?;
            (text.starts_with("showing ") && !text.starts_with("showing 50 of")).then_some(text)
        })
        .await;
    assert!(!summary.starts_with("showing 0 "), "demo-busy has operations in the last two days: {summary}");
    assert_eq!(b.value_of("filter-from").await, yesterday.to_string(), "the URL's range is in the inputs");
    assert!(b.by_testid("filter-error").await.is_none());

    // Reversed: the page says why nothing can match instead of an unexplained empty list.
    b.goto(&stack.url(&format!("/consumers/demo-busy?from={today}&to={yesterday}"))).await;
    let error = b.wait_testid("filter-error", WAIT).await.text().await.unwrap_or_default();
    assert!(error.contains("after"), "{error}");
    b.screenshot("filter-reversed-range").await;

    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_fails_in_the_background_keeps_what_is_loaded_and_retry_asks_only_it() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    // The first page is served late, so that the next call, one of the pages asked in parallel after it,
    // meets the 500 (which the gateway does not retry).
    let list = "/banking/v1/issuers/{issuerId}/consumers/{consumerId}/operations";
    stack.arm_fault(json!({ "method": "GET", "path": list, "delayMs": 500 })).await;
    stack.arm_fault(json!({ "method": "GET", "path": list, "status": 500 })).await;
    b.sign_in(&stack, "ada", "/consumers/demo-busy").await;

    b.wait_testid("load-retry", WAIT).await;
    let progress = b.text_of("loaded-count").await;
    assert!(progress.contains("a page could not be loaded"), "{progress}");
    assert_eq!(b.count(&testid("op-row")).await, 50, "what is loaded stays");
    let panel = b.wait_testid("error-panel", WAIT).await.text().await.unwrap_or_default();
    assert!(has_hex32(&panel) || find_uuid(&panel).is_some(), "the error quotes its correlation id: {panel}");
    assert!(b.by_testid("all-loaded").await.is_none());
    assert!(stack.armed_faults().await.is_empty(), "both faults were used");
    b.screenshot("timeline-page-failed").await;

    b.click_testid_once_still("load-retry").await;
    b.wait_testid("all-loaded", WAIT).await;
    assert!(b.by_testid("error-panel").await.is_none(), "the error goes once the page came");
    assert_eq!(status_counts(&b).await.iter().sum::<u32>(), 523);
    let offsets: Vec<u32> = page_offsets_asked(&b).await.into_iter().filter(|&o| o > 0).collect();
    let mut once = offsets.clone();
    once.sort_unstable();
    once.dedup();
    assert_eq!(once, (1..11).map(|i| i * 50).collect::<Vec<_>>(), "{offsets:?}");
    assert_eq!(offsets.len(), once.len() + 1, "only the failed page is asked again: {offsets:?}");

    b.close().await;
    stack.shutdown().await;
}
