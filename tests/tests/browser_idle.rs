//! The idle timeout with a consumer page open, in real headless Chromium: the timeline's polls are
//! background requests that do not keep the session alive, a hidden tab does not poll, and the first
//! poll refused after the timeout takes the page to "your session has ended", whose sign-in comes back
//! to the same page.

use std::time::Duration;

use console_e2e::{Browser, Stack, StackOptions, WAIT};
use serde_json::Value;

/// Counts, in `window.__backgroundPolls`, the page's fetches that carry the background header.
const COUNT_BACKGROUND_FETCHES: &str = "const name = arguments[0]; window.__backgroundPolls = 0; \
    const send = window.fetch; \
    window.fetch = function (input, init) { \
      const headers = input instanceof Request ? input.headers : new Headers((init && init.headers) || {}); \
      if (headers.has(name)) window.__backgroundPolls += 1; \
      return send.apply(this, arguments); };";

/// Makes the tab look hidden (or shown again) to the page, and tells it, as the browser does.
const SET_HIDDEN: &str = "const hidden = arguments[0]; \
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden }); \
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => hidden ? 'hidden' : 'visible' }); \
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));";

async fn background_polls(b: &Browser) -> u64 {
    b.js("return window.__backgroundPolls;", vec![]).await.as_u64().unwrap_or(0)
}

/// Signs ada in on demo-pending (its enrolment stays PENDING, so the page polls it every 2 s) and waits
/// for the pending row; its operation id.
async fn open_pending(b: &Browser, stack: &Stack) -> String {
    b.sign_in(stack, "ada", "/consumers/demo-pending").await;
    let row = b.wait_css("[data-testid=op-row][data-status=PENDING]", WAIT).await;
    row.attr("data-op-id").await.ok().flatten().expect("the pending row's operation id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idle_timeout_ends_a_polling_page_and_sign_in_comes_back_to_it() {
    let idle = Duration::from_secs(4);
    let stack = Stack::start_with(StackOptions { idle_timeout: Some(idle), ..Default::default() }).await;
    let b = Browser::start().await;
    let op = open_pending(&b, &stack).await;
    // A delete half typed, then nobody at the desk.
    b.click_testid("delete-consumer-open").await;
    b.type_into("delete-reason", "asked by the customer").await;
    b.type_into("delete-confirm-input", "demo-pending").await;

    // Polls (a pending poll every 2 s) do not keep the session alive; the first one refused after the
    // idle timeout takes the page to "your session has ended": the customer's operations leave the
    // screen, nothing signs anyone in again by itself, and the page polls on, refused, no more.
    b.wait_for("the page gone to say the session ended", "idle-left", idle + WAIT, || async {
        let url = b.url().await;
        (url.path() == "/signed-out" && url.query().unwrap_or("").starts_with("from=")).then_some(())
    })
    .await;
    let said = b.wait_testid("signed-out", WAIT).await.text().await.unwrap_or_default();
    assert!(said.contains("Your session has ended"), "{said}");
    assert_eq!(b.count("[data-testid=op-row]").await, 0);
    b.screenshot("idle-session-ended").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let refused = stack.audit_entries().iter().filter(|l| l["action"] == "session.refused").count();
    assert!((1..=3).contains(&refused), "the page stopped at its first refused polls: {refused} refusals");

    // Signed in again from there: back on the same page, with the dialog as it was left.
    b.click_testid("sign-in-again").await;
    b.sign_in_here(&stack, "ada").await;
    b.wait_for("back on demo-pending", "idle-back", WAIT, || async { (b.url().await.path() == "/consumers/demo-pending").then_some(()) })
        .await;
    b.wait_testid("delete-dialog", WAIT).await;
    b.wait_for("the reason restored", "idle-draft", WAIT, || async {
        (b.value_of("delete-reason").await == "asked by the customer").then_some(())
    })
    .await;
    b.wait_css(&format!("[data-op-id=\"{op}\"]"), WAIT).await;
    b.screenshot("idle-signed-in-again").await;
    let (_, _, page) = stack.get("/api/d1/consumers/demo-pending/operations?limit=5").await;
    assert_ne!(page["operations"][0]["operation"], "DELETE", "nothing was deleted");
    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hidden_tab_does_not_poll_and_catches_up_when_shown() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    open_pending(&b, &stack).await;
    b.js(COUNT_BACKGROUND_FETCHES, vec![Value::from(console_api::gateway::BACKGROUND_HEADER)]).await;
    b.wait_for("a background poll", "idle-polls", WAIT, || async { (background_polls(&b).await > 0).then_some(()) }).await;

    b.js(SET_HIDDEN, vec![Value::Bool(true)]).await;
    b.js("window.__backgroundPolls = 0;", vec![]).await;
    tokio::time::sleep(Duration::from_millis(4500)).await;
    assert_eq!(background_polls(&b).await, 0, "a hidden tab kept polling");

    b.js(SET_HIDDEN, vec![Value::Bool(false)]).await;
    b.wait_for("a poll once shown", "idle-catch-up", WAIT, || async { (background_polls(&b).await > 0).then_some(()) }).await;
    b.close().await;
    stack.shutdown().await;
}
