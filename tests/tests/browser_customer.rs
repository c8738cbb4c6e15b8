//! The customer page in real headless Chromium (the people bundle): a person found by name in the staff
//! search box, their D1 consumer, MasCustomers accounts and consents side by side, each panel loading on
//! its own; with MasCustomers down the page still shows D1 and the consents and says what is missing; an
//! agent reads without a single action button.

use console_e2e::{testid, Browser, Stack, StackOptions, WAIT};
use serde_json::json;

/// Alice Martin in the demo directory (src-sandbox/src/demo/people.rs).
const ALICE: &str = "C-100001";

/// Waits until a panel has answered, and answers its `data-state`.
pub async fn panel_state(b: &Browser, panel: &str) -> String {
    let css = format!("{}:not([data-state=loading])", testid(panel));
    b.wait_css(&css, WAIT).await;
    let state = b.js(&format!("return document.querySelector('{}').dataset.state;", testid(panel)), vec![]).await;
    state.as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_finds_a_person_by_name_and_sees_all_three_systems_side_by_side() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/").await;
    // The start page says what the box finds and where it leads.
    let lead = b.wait_testid("home-lead", WAIT).await.text().await.unwrap_or_default();
    assert!(lead.contains("a name, an e-mail address or any of a person's IDs") && lead.contains("customer page"), "{lead}");

    // Part of the name, in lower case: the directory lists her as it is typed.
    b.type_into("search-input", "alice mar").await;
    let found = b.wait_testid("search-person", WAIT).await;
    assert_eq!(found.attr("data-person").await.ok().flatten().as_deref(), Some(ALICE));
    assert!(b.text_of("search-results").await.contains("alice.martin@example.com"));
    b.screenshot("customer-search-by-name").await;
    // Typed in one go, the box asked the directory once (250 ms after the last key), not per keystroke.
    let searches: Vec<String> = stack
        .audit_entries()
        .iter()
        .filter(|e| e["userId"] == "usr-ada" && e["action"] == "directory.search")
        .map(|e| e["target"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(searches, ["alice mar"], "one lookup for what was typed, not one per key");
    // The staff header (brand, areas, search, menu) fits the window: nothing scrolls sideways.
    let widths = b.js("return [document.documentElement.scrollWidth, window.innerWidth];", vec![]).await;
    assert!(widths[0].as_u64() <= widths[1].as_u64(), "the page is wider than the window: {widths}");
    // One person matches: "Open" goes to her customer page (a full load: another bundle).
    b.click_testid("search-submit").await;
    b.wait_for("Alice's customer page", "customer-search-open", WAIT, || async {
        (b.url().await.path() == format!("/customers/{ALICE}")).then_some(())
    })
    .await;
    assert_eq!(b.wait_testid("person-name", WAIT).await.text().await.unwrap_or_default(), "Alice Martin");
    assert_eq!(b.text_of("person-d1").await, "demo-alice");
    assert_eq!(b.text_of("person-apiture").await, "usr-alice");

    assert_eq!(panel_state(&b, "panel-d1").await, "ready");
    assert!(b.count(&testid("d1-operation")).await > 0, "the latest operations are listed");
    let timeline = b.js(&format!("return document.querySelector('{}').getAttribute('href');", testid("d1-timeline-link")), vec![]).await;
    assert_eq!(timeline, json!("/consumers/demo-alice"));

    assert_eq!(panel_state(&b, "panel-accounts").await, "ready");
    b.wait_for("both of Alice's accounts with their details", "customer-accounts", WAIT, || async {
        (b.count(&testid("account-payment")).await == 2).then_some(())
    })
    .await;
    // Badges are upper-cased by CSS, which WebDriver's rendered text reflects.
    let accounts = b.text_of("panel-accounts").await;
    let modalities = accounts.to_lowercase();
    assert!(modalities.contains("postpaid") && modalities.contains("recurring prepaid"), "{accounts}");
    assert!(accounts.contains("Direct debit ····1332"), "the postpaid line pays by direct debit: {accounts}");
    assert!(b.by_testid("create-account").await.is_some(), "an admin may create an account");

    assert_eq!(panel_state(&b, "panel-consents").await, "ready");
    assert!(b.count(&testid("consent-row")).await > 0, "alice's consents are listed");
    assert!(b.count(&testid("consents-count")).await > 0, "counted by state");
    let explorer = b.js(&format!("return document.querySelector('{}').getAttribute('href');", testid("consents-explorer-link")), vec![]).await;
    assert_eq!(explorer, json!("/consents?userId=usr-alice"));
    let widths = b.js("return [document.documentElement.scrollWidth, window.innerWidth];", vec![]).await;
    assert!(widths[0].as_u64() <= widths[1].as_u64(), "the customer page is wider than the window: {widths}");
    b.screenshot("customer-page-alice").await;

    // A D1 consumerId typed exactly still opens its timeline, as the box always did.
    b.type_into("search-input", "demo-busy").await;
    b.click_testid("search-submit").await;
    b.wait_for("demo-busy's timeline", "customer-search-d1", WAIT, || async {
        (b.url().await.path() == "/consumers/demo-busy").then_some(())
    })
    .await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "the console logged errors: {errors:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_mas_customers_down_the_customer_page_still_shows_d1_and_the_consents_and_says_what_is_missing() {
    // MasCustomers and its token endpoint stopped (a closed port); D1, the consents and the directory up.
    let stack = Stack::start_with(StackOptions { mas_down: true, ..StackOptions::default() }).await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", &format!("/customers/{ALICE}")).await;
    assert_eq!(panel_state(&b, "panel-d1").await, "ready");
    assert_eq!(panel_state(&b, "panel-consents").await, "ready");
    assert!(b.count(&testid("d1-operation")).await > 0 && b.count(&testid("consent-row")).await > 0);
    assert_eq!(panel_state(&b, "panel-accounts").await, "failed");
    let missing = b.wait_css(&format!("{} {}", testid("panel-accounts"), testid("panel-missing")), WAIT).await;
    let missing = missing.text().await.unwrap_or_default();
    assert!(missing.contains("accounts could not be loaded from MasCustomers") && missing.contains("other panels"), "{missing}");
    assert!(b.by_testid("error-panel").await.is_some(), "the error itself, with its correlation id");
    b.screenshot("customer-page-mas-down").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_reads_the_customer_and_account_pages_without_any_action() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    // An account's URL trimmed to its list is the customer page.
    b.sign_in(&stack, "grace", &format!("/customers/{ALICE}/accounts")).await;
    assert_eq!(b.wait_testid("person-name", WAIT).await.text().await.unwrap_or_default(), "Alice Martin");
    assert_eq!(panel_state(&b, "panel-accounts").await, "ready");
    b.wait_testid("account-payment", WAIT).await;
    assert!(b.by_testid("create-account").await.is_none(), "no create for an agent");
    // Alice's two accounts read apart (the demo ids share their first and last groups).
    let links = b.js("return [...document.querySelectorAll('[data-testid=account-link]')].map(a => a.textContent)", vec![]).await;
    let links: Vec<String> = serde_json::from_value(links).unwrap_or_default();
    assert_eq!(links.len(), 2, "{links:?}");
    assert_ne!(links[0], links[1], "each account link says which account it is");
    b.click_testid("account-link").await;
    b.wait_testid("account-details", WAIT).await;
    b.wait_testid("promotion-history-row", WAIT).await;
    for action in ["change-payment", "delete-account", "promotion-cancel"] {
        assert!(b.by_testid(action).await.is_none(), "no {action} for an agent");
    }
    b.screenshot("account-page-agent").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_is_told_the_customer_area_is_not_for_them() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.sign_in(&stack, "alice", &format!("/customers/{ALICE}")).await;
    b.wait_testid("forbidden-page", WAIT).await;
    assert!(b.by_testid("panel-accounts").await.is_none());
    let (status, _, _) = stack.sign_in("alice").await.get(&format!("/api/people/{ALICE}")).await;
    assert_eq!(status, 403, "the gateway refuses a customer too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_system_says_so_in_its_own_panel_while_the_others_show() {
    let stack = Stack::start().await;
    // D1 answers the operations list 7 s late (the gateway waits up to 15 s).
    stack
        .arm_fault(json!({ "method": "GET", "path": "/banking/v1/issuers/{issuerId}/consumers/{consumerId}/operations", "delayMs": 7000, "times": 3 }))
        .await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", &format!("/customers/{ALICE}")).await;
    assert_eq!(panel_state(&b, "panel-accounts").await, "ready");
    assert_eq!(panel_state(&b, "panel-consents").await, "ready");
    b.wait_for("the D1 panel saying D1 is slow", "customer-d1-slow", WAIT, || async {
        b.text_of("panel-d1").await.contains("D1 is slow to answer").then_some(())
    })
    .await;
    let d1 = b.js(&format!("return document.querySelector('{}').dataset.state;", testid("panel-d1")), vec![]).await;
    assert_eq!(d1, json!("loading"), "D1 still on its way while the others show");
    b.screenshot("customer-page-d1-slow").await;
    assert_eq!(panel_state(&b, "panel-d1").await, "ready", "and it arrives");
}
