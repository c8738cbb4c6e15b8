//! Sign-in and roles in real headless Chromium: an admin, an agent and an end user each see what their
//! role allows; sign-out ends the session; no token ever lands where the page's scripts can read it; a
//! form half filled when the session expires survives signing in again.

use std::time::Duration;

use console_e2e::{Browser, Stack, StackOptions, WAIT};
use serde_json::{json, Value};

/// Runs `fetch` from the page (same origin, the page's own cookie) and returns the status.
async fn page_fetch(b: &Browser, method: &str, path: &str, csrf: &str, body: Value) -> u16 {
    let script = "const [method, path, csrf, body, done] = arguments; \
        fetch(path, {method, headers: {'content-type': 'application/json', 'x-csrf-token': csrf}, body: JSON.stringify(body)}) \
          .then(r => done(r.status), e => done(-1));";
    let v = b
        .client
        .execute_async(script, vec![json!(method), json!(path), json!(csrf), body])
        .await
        .unwrap_or_else(|e| panic!("fetch {path} from the page: {e}"));
    v.as_u64().unwrap_or(0) as u16
}

/// `/api/session` as the page sees it.
async fn page_session(b: &Browser) -> Value {
    let script = "const done = arguments[0]; fetch('/api/session').then(r => r.json()).then(done, () => done(null));";
    b.client.execute_async(script, vec![]).await.unwrap_or(Value::Null)
}

async fn menu_text(b: &Browser) -> (String, String) {
    b.click_testid("user-menu").await;
    let name = b.wait_testid("user-name", WAIT).await.text().await.unwrap_or_default();
    let role = b.wait_testid("user-role", WAIT).await.text().await.unwrap_or_default();
    (name, role)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_reads_but_is_offered_no_delete_and_a_forged_one_is_refused() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.sign_in(&stack, "grace", "/consumers/demo-alice").await;
    b.wait_testid("op-row", WAIT).await;
    b.wait_testid("delete-not-allowed", WAIT).await;
    assert!(b.by_testid("delete-consumer-open").await.is_none(), "no delete button for an agent");
    let (name, role) = menu_text(&b).await;
    assert!(name.contains("Grace Hopper"), "{name}");
    assert!(role.contains("Agent"), "{role}");
    b.screenshot("agent-consumer-page").await;

    // The agent's own browser, with her own valid CSRF token, forging the admin's request: 403.
    let session = page_session(&b).await;
    let csrf = session["csrfToken"].as_str().expect("csrf token in the page's session").to_string();
    let body = json!({"reason": "forged by an agent"});
    assert_eq!(page_fetch(&b, "POST", "/api/d1/consumers/demo-alice/operations:delete", &csrf, body).await, 403);
    let (_, _, page) = stack.get("/api/d1/consumers/demo-alice/operations?limit=5").await;
    assert_ne!(page["operations"][0]["operation"], "DELETE", "nothing was deleted");
    b.close().await;
    stack.shutdown().await;
}

/// The audit log's lines of D1 calls, refused ones included: a signed-in caller's under the call's action
/// (`d1.…`), one without a session as `session.refused` with the path as target.
fn d1_lines(stack: &Stack) -> Vec<Value> {
    let of_d1 = |e: &Value| {
        e["action"].as_str().is_some_and(|a| a.starts_with("d1.")) || e["target"].as_str().is_some_and(|t| t.contains("/api/d1/"))
    };
    stack.audit_entries().into_iter().filter(of_d1).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_signs_out_and_the_session_is_over_with_no_token_ever_in_reach_of_scripts() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/consumers/demo-alice").await;
    b.wait_testid("delete-consumer-open", WAIT).await;
    let (name, role) = menu_text(&b).await;
    assert!(name.contains("Ada Lovelace") && role.contains("Admin"), "{name} / {role}");
    b.screenshot("admin-user-menu").await;

    // What scripts can reach: storage, readable cookies, the URL and the history. No token, no code.
    let reach = b
        .js(
            "const all = []; \
             for (const s of [localStorage, sessionStorage]) for (let i = 0; i < s.length; i++) all.push(s.key(i) + '=' + s.getItem(s.key(i))); \
             return {storage: all.join('\\n'), cookie: document.cookie, url: location.href, history: history.length};",
            vec![],
        )
        .await;
    let storage = reach["storage"].as_str().unwrap_or_default();
    let cookie = reach["cookie"].as_str().unwrap_or_default();
    let url = reach["url"].as_str().unwrap_or_default();
    for (place, text) in [("storage", storage), ("document.cookie", cookie), ("URL", url)] {
        for needle in ["eyJ", "access_token", "refresh_token", "console_session", "code=", "Bearer"] {
            assert!(!text.contains(needle), "{place} holds {needle}: {text}");
        }
    }
    assert!(cookie.is_empty(), "the session cookie is HttpOnly: {cookie}");
    let session = page_session(&b).await;
    let keys: Vec<&str> = session.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    assert!(keys.iter().all(|k| ["environment", "product", "version", "user", "issuerId", "csrfToken"].contains(k)), "{session}");

    // Sign out: the signed-out page, and the old session no longer opens anything.
    b.click_testid("sign-out").await;
    b.wait_testid("sign-in-again", WAIT).await;
    b.screenshot("signed-out").await;
    let after = page_session(&b).await;
    assert!(after.get("user").is_none(), "signed out: {after}");
    let d1_before = d1_lines(&stack).len();
    // The back button does not bring the consumer's page back from the browser's back/forward cache as
    // it was: it is loaded afresh, finds nobody signed in, and sends the person to sign in.
    b.client.back().await.expect("back");
    b.wait_css("#username", WAIT).await;
    assert!(b.url().await.as_str().starts_with(&stack.sandbox_url), "back after signing out: sent to sign in");
    assert_eq!(b.count("[data-testid=op-row]").await, 0, "no operation of the signed-out session on screen");
    b.goto(&stack.url("/consumers/demo-alice")).await;
    b.wait_css("#username", WAIT).await;
    assert!(b.url().await.as_str().starts_with(&stack.sandbox_url), "sent to sign in again");
    let d1_after = d1_lines(&stack);
    assert_eq!(d1_after.len(), d1_before, "nobody signed in asks D1 nothing: {:#?}", &d1_after[d1_before..]);
    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_end_user_lands_on_my_documents_and_nowhere_else() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.goto(&stack.url("/")).await;
    b.sign_in_here(&stack, "alice").await;
    b.wait_for("/me", "customer-home", WAIT, || async { (b.url().await.path() == "/me").then_some(()) }).await;
    b.wait_testid("my-documents", WAIT).await;
    let rows = b
        .wait_for("two documents to accept (her two accounts' terms are one)", "needed-consents", WAIT, || async {
            let n = b.all_testid("needed-consent").await.len();
            (n == 2).then_some(n)
        })
        .await;
    assert_eq!(rows, 2);
    assert!(b.by_testid("search-input").await.is_none(), "no consumer search for an end user");
    let (name, role) = menu_text(&b).await;
    assert!(name.contains("Alice Martin") && role.contains("Customer"), "{name} / {role}");
    b.screenshot("customer-my-documents").await;

    b.goto(&stack.url("/consumers/demo-alice")).await;
    b.wait_testid("forbidden-page", WAIT).await;
    assert!(b.by_testid("op-row").await.is_none());
    // The timeline's first page is asked ahead for staff only: a customer's load of a consumer's address
    // sends no D1 read for the gateway to refuse under her name.
    assert!(d1_lines(&stack).is_empty(), "{:#?}", d1_lines(&stack));
    b.close().await;
    stack.shutdown().await;
}

/// Waits for a page whose session went idle to say so by itself (its polls of the newest operations,
/// every 10 s, are refused once the session is over: the idle timeout, then a poll), and signs in again
/// from there.
async fn session_ended_then_sign_in(b: &Browser, stack: &Stack) {
    b.wait_for("the page gone to say the session ended", "idle-left", Duration::from_secs(30), || async {
        (b.url().await.path() == "/signed-out").then_some(())
    })
    .await;
    b.click_testid("sign-in-again").await;
    b.sign_in_here(stack, "ada").await;
}

/// Makes the tab look hidden to the page, as the browser does: it stops polling.
const HIDE_TAB: &str = "Object.defineProperty(document, 'hidden', { configurable: true, get: () => true }); \
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' }); \
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_filled_delete_survives_the_session_expiring() {
    let stack = Stack::start_with(StackOptions { idle_timeout: Some(Duration::from_secs(6)), ..Default::default() }).await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/consumers/demo-alice").await;
    b.click_testid("delete-consumer-open").await;
    b.wait_testid("delete-dialog", WAIT).await;
    b.type_into("delete-reason", "customer asked on the phone").await;
    b.type_into("delete-confirm-input", "demo-alice").await;
    b.wait_for("submit enabled", "draft-submit-enabled", WAIT, || async { b.is_enabled("delete-submit").await.then_some(()) })
        .await;

    // The session goes idle with the tab in the background (no polls); the admin comes back and presses
    // Delete: refused (401), off to sign in, and back to the dialog as they left it.
    b.js(HIDE_TAB, vec![]).await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    b.click_testid("delete-submit").await;
    b.sign_in_here(&stack, "ada").await;
    b.wait_for("back on demo-alice", "draft-back", WAIT, || async {
        (b.url().await.path() == "/consumers/demo-alice").then_some(())
    })
    .await;
    b.wait_testid("delete-dialog", WAIT).await;
    b.wait_for("the reason restored", "draft-restored", WAIT, || async {
        (b.value_of("delete-reason").await == "customer asked on the phone").then_some(())
    })
    .await;
    b.screenshot("draft-restored-after-sign-in").await;
    let (_, _, page) = stack.get("/api/d1/consumers/demo-alice/operations?limit=5").await;
    assert_ne!(page["operations"][0]["operation"], "DELETE", "the expired request deleted nothing");
    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_filled_account_form_survives_the_session_expiring() {
    let stack = Stack::start_with(StackOptions { idle_timeout: Some(Duration::from_secs(6)), ..Default::default() }).await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/consumers/demo-bob").await;
    b.click_testid("advanced-toggle").await;
    b.type_into("account-id", "acct-draft-1").await;
    b.type_into("account-delete-reason", "closed by the bank").await;

    session_ended_then_sign_in(&b, &stack).await;
    b.wait_for("the section reopened with its fields", "account-draft-restored", WAIT, || async {
        let id = b.value_of("account-id").await;
        let reason = b.value_of("account-delete-reason").await;
        (id == "acct-draft-1" && reason == "closed by the bank").then_some(())
    })
    .await;
    assert_eq!(b.url().await.path(), "/consumers/demo-bob");
    // Registered now, the draft is forgotten: a reload shows an empty form.
    b.click_testid("account-register").await;
    b.wait_for("the account registered", "account-draft-registered", WAIT, || async {
        b.by_testid("account-result").await?.text().await.ok()?.contains("acct-draft-1").then_some(())
    })
    .await;
    b.goto(&stack.url("/consumers/demo-bob")).await;
    b.click_testid("advanced-toggle").await;
    b.wait_for("an empty form", "account-draft-cleared", WAIT, || async {
        (b.value_of("account-id").await.is_empty()).then_some(())
    })
    .await;
    b.close().await;
    stack.shutdown().await;
}
