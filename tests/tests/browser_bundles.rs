//! The page as each role first loads it, in real Chromium: one bundle per role, content-hashed assets the
//! browser keeps, and a page that stays usable while a new build is deployed under it.

use console_e2e::{copy_tree, dist_dir, named_assets, redeploy, sign_in::no_redirects, testid, Browser, Stack, StackOptions, TempDir, Transfers, WAIT};
use serde_json::json;

/// Loads `path` with an empty HTTP cache and waits for `ready` (a CSS selector); answers what the page
/// fetched, after checking that the console logged no error on the way.
async fn cold_load(b: &Browser, stack: &Stack, path: &str, ready: &str) -> Transfers {
    let _ = b.console_errors().await; // what earlier pages (the sign-in page) logged
    b.cdp("Network.clearBrowserCache", json!({})).await;
    b.goto("about:blank").await;
    b.goto(&stack.url(path)).await;
    b.wait_css(ready, WAIT).await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "{path}: the console logged errors on a cold load: {errors:#?}");
    b.transfers().await
}

/// A gateway serving a copy of the built UI that the test may change (deploy into, break), and ada on
/// demo-busy's timeline.
async fn ada_on_demo_busy_served_from_a_copy() -> (TempDir, Stack, Browser) {
    let served = TempDir::new("console-served-copy");
    copy_tree(&dist_dir(), served.path());
    let stack = Stack::start_with(StackOptions { dist: Some(served.path().to_path_buf()), ..Default::default() }).await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/consumers/demo-busy").await;
    b.wait_css(&testid("op-row"), WAIT).await;
    (served, stack, b)
}

/// The role's bundle (its glue, wasm and stylesheet) came from the network, the other role's not at all.
fn fetched_only(transfers: &Transfers, mine: &str, other: &str, path: &str) {
    let names: Vec<&str> = transfers.0.iter().map(|t| t.path.as_str()).collect();
    for ext in [".js", ".wasm", ".css"] {
        let fetched = transfers.assets(mine).iter().any(|t| t.path.ends_with(ext) && t.transfer > 0);
        assert!(fetched, "{path}: no {mine}*{ext} from the network in {names:?}");
    }
    assert!(transfers.assets(other).is_empty(), "{path} fetched the {other} bundle: {names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_loads_cold_as_its_role_with_its_own_bundle_and_no_console_error() {
    let stack = Stack::start().await;
    let (_, _, page) = stack.get("/api/d1/consumers/demo-busy/operations?offset=0&limit=1").await;
    let op = page["operations"][0]["operationId"].as_str().expect("demo-busy has operations").to_string();

    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/").await;
    // The log this test reads does see the page's errors.
    b.js("console.error('a probe of the browser log');", vec![]).await;
    let probe = b.console_errors().await;
    assert!(probe.iter().any(|m| m.contains("a probe of the browser log")), "the browser log: {probe:?}");
    for (path, ready) in [
        ("/", ".home-card".to_string()),
        ("/consumers/demo-busy", testid("op-row")),
        (&*format!("/consumers/demo-busy/operations/{op}"), testid("op-detail")),
    ] {
        let transfers = cold_load(&b, &stack, path, &ready).await;
        fetched_only(&transfers, "staff.", "customer.", path);
    }
    b.screenshot("bundles-staff-drawer").await;
    b.close().await;

    let b = Browser::start().await;
    b.sign_in(&stack, "alice", "/me").await;
    let transfers = cold_load(&b, &stack, "/me", &testid("needed-consent")).await;
    fetched_only(&transfers, "customer.", "staff.", "/me");
    // At "/" the loader asks the session whose start it is: an end user's is "/me", in their own bundle.
    let transfers = cold_load(&b, &stack, "/", &testid("needed-consent")).await;
    assert_eq!(b.url().await.path(), "/me");
    fetched_only(&transfers, "customer.", "staff.", "/ as an end user");
    b.screenshot("bundles-customer-me").await;
    // A document and the history are bundles of their own: each route loads its page and neither the
    // inbox's nor the other's. (The page says whether alice's privacy policy still needs her consent.)
    let document = "/me/documents/d311f16d-7407-4757-bfa9-162ba8bf8634";
    let transfers = cold_load(&b, &stack, document, "[data-testid=not-needed], [data-testid=document-frame]").await;
    for other in ["customer.", "history."] {
        fetched_only(&transfers, "agreements.", other, document);
    }
    let transfers = cold_load(&b, &stack, "/me/history", &testid("history-page")).await;
    for other in ["customer.", "agreements."] {
        fetched_only(&transfers, "history.", other, "/me/history");
    }
    b.close().await;
    stack.shutdown().await;
}

/// The staff consent area's three bundles: each route loads its own and neither of the other two nor the
/// timeline's, and the header's links between them are full loads of the other bundle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consent_areas_routes_each_load_their_own_bundle() {
    const AREA: [&str; 4] = ["consents.", "documents.", "consent_types.", "staff."];
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/consents").await;
    for (path, ready, mine) in [
        ("/consents", testid("consents-table"), "consents."),
        ("/documents", testid("documents-table"), "documents."),
        ("/consent-types", testid("type-names"), "consent_types."),
    ] {
        let transfers = cold_load(&b, &stack, path, &ready).await;
        for other in AREA.iter().filter(|other| **other != mine) {
            fetched_only(&transfers, mine, other, path);
        }
    }
    b.screenshot("bundles-consent-types").await;

    // From the type names to the explorer and to the documents through the header: another bundle each.
    for (link, ready, theirs) in [("nav-consents", "consents-table", "consents."), ("nav-documents", "documents-table", "documents.")] {
        b.cdp("Network.clearBrowserCache", json!({})).await;
        b.goto(&stack.url("/consent-types")).await;
        b.wait_testid("type-names", WAIT).await;
        b.click_testid(link).await;
        b.wait_testid(ready, WAIT).await;
        // A new document: the type names' bundle is not among its files.
        let transfers = b.transfers().await;
        assert!(!transfers.assets(theirs).is_empty(), "{link} loaded the {theirs} bundle: {transfers:?}");
        assert!(transfers.assets("consent_types.").is_empty(), "{link} was a full load: {transfers:?}");
    }
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "the consent area logged errors: {errors:#?}");
    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_visit_of_a_route_fetches_no_wasm_js_or_css_again() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/consumers/demo-busy").await;
    let first = cold_load(&b, &stack, "/consumers/demo-busy", &testid("op-row")).await;
    assert!(first.transferred(".wasm") > 0, "the first visit fetched the wasm: {first:?}");
    b.goto("about:blank").await;
    b.goto(&stack.url("/consumers/demo-busy")).await;
    b.wait_css(&testid("op-row"), WAIT).await;
    let second = b.transfers().await;
    let hashed: Vec<_> = second.0.iter().filter(|t| t.path.starts_with("/assets/")).collect();
    assert!(hashed.len() >= 3, "the page used its glue, wasm and stylesheet: {second:?}");
    for t in hashed {
        assert_eq!(t.transfer, 0, "{} came over the network again on the second visit", t.path);
    }
    // boot.js is revalidated (it names the build): a 304, no body.
    let boot = second.0.iter().find(|t| t.path == "/boot.js").expect("boot.js");
    assert!(boot.transfer < 1000, "boot.js was revalidated, not fetched again: {boot:?}");
    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_open_across_a_redeploy_keeps_working_and_the_next_load_is_the_new_build() {
    let (served, stack, b) = ada_on_demo_busy_served_from_a_copy().await;
    let old = named_assets(served.path());
    let _ = b.console_errors().await;

    redeploy(served.path(), "second");
    let http = no_redirects();
    for name in &old {
        let r = http.get(stack.url(name)).send().await.expect("GET an old asset");
        assert_eq!(r.status(), 404, "{name} of the previous build");
    }

    // The open page goes on to the start page and to another consumer without loading anything.
    b.client.find(fantoccini::Locator::Css(".brand")).await.expect("the brand link").click().await.expect("click");
    b.wait_css(".home-card", WAIT).await;
    b.type_into("search-input", "demo-alice").await;
    b.click_testid("search-submit").await;
    b.wait_for("demo-alice's timeline", "redeploy-alice", WAIT, || async {
        (b.url().await.path() == "/consumers/demo-alice" && b.count(&testid("op-row")).await > 0).then_some(())
    })
    .await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "the open page logged errors after the redeploy: {errors:#?}");
    b.screenshot("redeploy-open-page").await;

    // A new load of a route is the new build, whole.
    b.goto(&stack.url("/consumers/demo-busy")).await;
    b.wait_css(&testid("op-row"), WAIT).await;
    let build = b.js("const m = document.querySelector('meta[name=build]'); return m ? m.content : null;", vec![]).await;
    assert_eq!(build, json!("second"), "the page after the redeploy");
    let transfers = b.transfers().await;
    for t in transfers.0.iter().filter(|t| t.path.starts_with("/assets/")) {
        assert!(!old.contains(&t.path), "{} is a name of the previous build", t.path);
    }
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "the new build logged errors: {errors:#?}");
    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_to_the_other_roles_pages_loads_their_bundle() {
    let stack = Stack::start().await;
    // A staff member at "/me" gets the end user's bundle ("not for your role"); its start page link
    // leads back to the staff console, whole.
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/me").await;
    b.wait_testid("forbidden-page", WAIT).await;
    b.client.find(fantoccini::Locator::Css(".brand")).await.expect("the brand link").click().await.expect("click");
    b.wait_css(".home-card", WAIT).await;
    let transfers = b.transfers().await;
    assert!(!transfers.assets("staff.").is_empty(), "the staff bundle loaded for the start page: {transfers:?}");
    b.close().await;

    // A customer sent a staff link: not for their role, and "My documents" is one click away.
    let b = Browser::start().await;
    b.sign_in(&stack, "alice", "/consumers/demo-alice").await;
    b.wait_testid("forbidden-page", WAIT).await;
    b.client.find(fantoccini::Locator::Css(".topnav a")).await.expect("the nav link").click().await.expect("click");
    b.wait_testid("needed-consent", WAIT).await;
    assert_eq!(b.url().await.path(), "/me");
    let errors = b.console_errors().await;
    assert!(errors.iter().all(|e| e.contains("403")), "only the refused staff calls: {errors:#?}");
    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_that_cannot_load_says_so_with_a_reload_button_never_a_blank_page() {
    let (served, stack, b) = ada_on_demo_busy_served_from_a_copy().await;
    // The files go away under the loader, as when a deploy lands between boot.js and them.
    for name in named_assets(served.path()).iter().filter(|n| n.starts_with("/assets/staff.") && n.ends_with(".wasm")) {
        let file = served.path().join(name.trim_start_matches('/'));
        for copy in ["", ".br", ".gz"] {
            let _ = std::fs::remove_file(format!("{}{copy}", file.display()));
        }
    }
    b.cdp("Network.clearBrowserCache", json!({})).await;
    b.goto(&stack.url("/consumers/demo-busy")).await;
    let panel = b.wait_testid("boot-failed", WAIT).await;
    let text = panel.text().await.unwrap_or_default();
    assert!(text.contains("could not load") && text.contains("Reload"), "{text}");
    b.screenshot("boot-failed").await;
    b.close().await;
    stack.shutdown().await;
}
