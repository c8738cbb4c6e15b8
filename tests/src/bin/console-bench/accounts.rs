//! The customer area's figures, in headless Chromium against the in-process gateway and sandbox, signed in
//! as an admin (ada), median of [`RUNS`] fresh pages each:
//!
//! 1. The cold first load of `/customers/{personId}` (the people bundle) and of an account's page (the
//!    accounts bundle): the wasm, js and css each transfers (brotli, Resource Timing) against the staff
//!    route budget (200 KB, the shell included).
//! 2. The customer page (Beatriz Busquets): from navigation start to each of its three panels answering
//!    (D1, accounts, consents), and to the last of them.
//! 3. The account page of Beatriz's first account (50 promotions, 200 billing address changes): from
//!    navigation start to its details, the promotion timeline with all 50 bars, every billing address
//!    drawn with what changed, and the promotion history.

use std::time::Duration;

use console_e2e::{Browser, Stack};
use serde_json::Value;

use super::{kb, median, RUNS, STAFF_BUDGET};

/// Beatriz Busquets (demo-busy in D1) and her MasCustomers customer.
const BEATRIZ: &str = "C-100006";
const BEATRIZ_MAS: &str = "b5e70000-0000-4000-8000-000000000006";

/// From navigation start: when each panel's `data-state` leaves `loading`.
const PANELS_JS: &str = r#"
const done = arguments[arguments.length - 1];
const started = performance.now();
const at = {};
function tick() {
  const now = performance.now();
  for (const p of ['panel-d1', 'panel-accounts', 'panel-consents']) {
    const e = document.querySelector('[data-testid="' + p + '"]');
    if (at[p] === undefined && e && e.dataset.state !== 'loading') at[p] = { ms: now, state: e.dataset.state };
  }
  if (Object.keys(at).length === 3) { done(at); return; }
  if (now - started > 30000) { done({ error: 'panels after 30 s: ' + JSON.stringify(at) }); return; }
  requestAnimationFrame(tick);
}
tick();
"#;

/// From navigation start: the account page with everything drawn. `arguments[0]`: the promotions.
const ACCOUNT_JS: &str = r#"
const want = arguments[0];
const done = arguments[arguments.length - 1];
const started = performance.now();
const count = (id) => document.querySelectorAll('[data-testid="' + id + '"]').length;
let details = null;
function tick() {
  const now = performance.now();
  if (details === null && count('account-details') > 0) details = now;
  const bars = count('promo-bar'), addresses = count('address-row'), history = count('promotion-history-row');
  if (details !== null && bars === want && addresses > 0 && history > 0) {
    done({ details, all: now, bars, addresses, changes: count('address-change'), history, nodes: document.getElementsByTagName('*').length });
    return;
  }
  if (now - started > 30000) { done({ error: `after 30 s: ${bars} bars, ${addresses} addresses, ${history} history rows` }); return; }
  requestAnimationFrame(tick);
}
tick();
"#;

/// Prints the figures; answers whether all were measured and the route is within its budget.
pub async fn figures(stack: &Stack) -> bool {
    println!("\nThe customer area (accounts bundle) in headless Chromium, as ada; median of {RUNS}, fresh page each");
    match tokio::time::timeout(Duration::from_secs(300), measure(stack)).await {
        Ok(Ok(within)) => within,
        Ok(Err(e)) => {
            println!("  not measured: {e}");
            false
        }
        Err(_) => {
            println!("  not measured: the runs took over 5 minutes");
            false
        }
    }
}

async fn measure(stack: &Stack) -> Result<bool, String> {
    let account = busy_account(stack).await?;
    let b = Browser::start().await;
    b.client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(Some(Duration::from_secs(60)), Some(Duration::from_secs(60)), Some(Duration::ZERO)))
        .await
        .map_err(|e| format!("timeouts: {e}"))?;
    let customer = stack.url(&format!("/customers/{BEATRIZ}"));
    b.sign_in(stack, "ada", &format!("/customers/{BEATRIZ}")).await;

    // 1. A cold load of each bundle.
    let page = stack.url(&format!("/customers/{BEATRIZ}/accounts/{account}"));
    let mut within = true;
    for (route, url, ready) in [
        ("/customers/{personId}", &customer, "[data-testid=panel-d1]"),
        ("/customers/{personId}/accounts/{accountId}", &page, "[data-testid=account-page]"),
    ] {
        b.cdp("Network.clearBrowserCache", serde_json::json!({})).await;
        b.goto("about:blank").await;
        b.goto(url).await;
        b.wait_css(ready, Duration::from_secs(30)).await;
        let t = b.transfers().await;
        let (wasm, js, css) = (t.encoded(".wasm"), t.encoded(".js"), t.encoded(".css"));
        let total = wasm + js + css;
        within &= total <= STAFF_BUDGET;
        println!(
            "  cold load of {route}: wasm {} + js {} + css {} = {} (budget {}: {})",
            kb(wasm), kb(js), kb(css), kb(total), kb(STAFF_BUDGET), if total <= STAFF_BUDGET { "ok" } else { "OVER" }
        );
    }

    // 2. The customer page's three panels.
    let (mut d1, mut accounts, mut consents, mut last) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in 0..RUNS {
        let v = run_js(&b, &customer, PANELS_JS, vec![]).await.map_err(|e| format!("customer page, run {run}: {e}"))?;
        let ms = |p: &str| -> Result<f64, String> {
            match (v[p]["ms"].as_f64(), v[p]["state"].as_str()) {
                (Some(ms), Some("ready")) => Ok(ms),
                (_, state) => Err(format!("customer page, run {run}: {p} ended {state:?}")),
            }
        };
        let (a, b_, c) = (ms("panel-d1")?, ms("panel-accounts")?, ms("panel-consents")?);
        println!("  customer page run {}: D1 {a:>5.0} ms   accounts {b_:>5.0} ms   consents {c:>5.0} ms", run + 1);
        d1.push(a);
        accounts.push(b_);
        consents.push(c);
        last.push(a.max(b_).max(c));
    }
    println!(
        "  customer page median: D1 {:.0} ms, accounts {:.0} ms, consents {:.0} ms; all three panels {:.0} ms",
        median(&mut d1), median(&mut accounts), median(&mut consents), median(&mut last)
    );

    // 3. The account page with 50 promotions and 200 billing addresses.
    let (mut details, mut all) = (Vec::new(), Vec::new());
    let mut shown = Value::Null;
    for run in 0..RUNS {
        let v = run_js(&b, &page, ACCOUNT_JS, vec![serde_json::json!(50)]).await.map_err(|e| format!("account page, run {run}: {e}"))?;
        let (d, a) = (v["details"].as_f64().unwrap_or(f64::NAN), v["all"].as_f64().unwrap_or(f64::NAN));
        println!("  account page run {}: details {d:>5.0} ms   everything drawn {a:>5.0} ms", run + 1);
        details.push(d);
        all.push(a);
        shown = v;
    }
    println!(
        "  account page median: details {:.0} ms; everything drawn {:.0} ms ({} promotion bars, {} addresses with {} changes listed, {} history rows, {} DOM elements)",
        median(&mut details), median(&mut all), shown["bars"], shown["addresses"], shown["changes"], shown["history"], shown["nodes"]
    );
    b.screenshot("bench-account-page").await;
    b.close().await;
    Ok(within)
}

/// Navigates afresh to `url` and runs `script` (asynchronous) there.
async fn run_js(b: &Browser, url: &str, script: &str, args: Vec<Value>) -> Result<Value, String> {
    b.client.goto("about:blank").await.map_err(|e| e.to_string())?;
    b.client.goto(url).await.map_err(|e| format!("navigate: {e}"))?;
    let v = b.client.execute_async(script, args).await.map_err(|e| e.to_string())?;
    match v.get("error").and_then(Value::as_str) {
        Some(e) => Err(e.to_string()),
        None => Ok(v),
    }
}

/// Beatriz's account with the 50 promotions (her first in the demo data).
async fn busy_account(stack: &Stack) -> Result<String, String> {
    let (status, _, ids) = stack.get(&format!("/api/mas/customers/{BEATRIZ_MAS}/accounts")).await;
    if status != 200 {
        return Err(format!("Beatriz's accounts: {status} {ids}"));
    }
    for id in ids["account_ids"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        let (_, _, promotions) = stack.get(&format!("/api/mas/accounts/{id}/account-promotions?account_promotion_type=ALL")).await;
        if promotions.as_array().is_some_and(|p| p.len() == 50) {
            return Ok(id.to_string());
        }
    }
    Err("no account of Beatriz has 50 promotions".into())
}
