//! demo-busy's timeline (issue 8's "A long timeline, fast and whole"), in headless Chromium, signed in
//! as ada, median of [`RUNS`] fresh pages: from navigation start to 50 op-rows rendered (budget 120 ms)
//! and to all 523 loaded and counted (budget 400 ms), with the DOM's element count and the JS heap.
//!
//! The figures are seen by a watcher installed in every new document before the page's own scripts
//! ([`WATCH_JS`], CDP `Page.addScriptToEvaluateOnNewDocument`). A script started after WebDriver's
//! navigation returns (this bench's first form) begins after the document's load event and a WebDriver
//! round trip: when the rows were already there it reported its own start as their time.
//!
//! Warm is what a person signed in sees: the sign-in ended on this page, so the bundle is in the HTTP
//! cache (`boot.js` and the page revalidated, as on every visit). Cold clears the HTTP cache before each
//! run (the bundle over loopback, decompressed and compiled). Each run's Resource Timing must agree with
//! its label. The budgets are held against the warm figures; cold is printed beside them. For one run of
//! each, the waterfall: every request (start, first byte, end), the page's milestones and the main
//! thread's long tasks, so that where the time goes is read, not guessed. With
//! `CONSOLE_BENCH_CPU_PROFILES=<dir>`, each warm run's CPU profile (V8's sampling profiler, from before the
//! navigation to the end of the scroll) is written there as `timeline-warm-N.cpuprofile`, for DevTools'
//! Performance panel; for the wasm's function names, serve the bundle's unoptimized build (the names
//! survive until wasm-opt: `target/ui-stage/<bundle>/<bundle>_bg.wasm`). Profiled runs are slower (by
//! some 40 ms on this machine kind): read their proportions, not their figures.

use std::time::Duration;

use console_e2e::{Browser, Stack};
use serde_json::{json, Value};

use super::{median, RUNS};

/// Issue 8's budgets, on this machine kind.
const FIRST_50_BUDGET_MS: f64 = 120.0;
const ALL_LOADED_BUDGET_MS: f64 = 400.0;
/// demo-busy's history in the sandbox's demo seeding.
const OPERATIONS: usize = 523;

/// Installed before the page's scripts (on `/consumers/` only). A MutationObserver sees each change
/// when it happens, not at the next frame; "painted" is the first task after the frame that shows it
/// (a task queued from that frame's animation callback runs after its paint). Milestones: the shell's
/// top bar, the skeleton, the first row, 50 rows, all 523 loaded (the all-loaded marker and the status
/// counts summing to 523). Long tasks (over 50 ms on the main thread) are recorded from the start.
/// Times are `performance.now()`: from navigation start. `window.__bench.done` is a promise of them.
const WATCH_JS: &str = r#"
(() => {
  if (!location.pathname.startsWith('/consumers/')) return;
  const want = __WANT__;
  const q = (sel) => document.querySelector(sel);
  const rows = () => document.querySelectorAll('[data-testid="op-row"]').length;
  const counted = () => Array.from(document.querySelectorAll('[data-testid="status-counts"] .count-n'))
    .reduce((sum, n) => sum + Number(n.textContent), 0);
  const m = {};
  const longTasks = [];
  try {
    new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push([e.startTime, e.duration])))
      .observe({ type: 'longtask', buffered: true });
  } catch (e) {}
  let finished;
  window.__bench = { done: new Promise((resolve) => { finished = resolve; }), m, longTasks };
  const paintedAfter = (name) => requestAnimationFrame(() => setTimeout(() => { m[name] = performance.now(); check(); }, 0));
  function check() {
    const now = performance.now();
    if (m.shell === undefined && q('.topbar')) m.shell = now;
    if (m.skeleton === undefined && q('.skeleton')) m.skeleton = now;
    const n = rows();
    if (m.firstRow === undefined && n > 0) m.firstRow = now;
    if (m.rows50 === undefined && n >= 50) { m.rows50 = now; m.nodes50 = document.getElementsByTagName('*').length; paintedAfter('painted50'); }
    if (m.all === undefined && q('[data-testid="all-loaded"]') && counted() === want) {
      m.all = now; m.nodesLoaded = document.getElementsByTagName('*').length; paintedAfter('paintedAll');
    }
    if (m.painted50 !== undefined && m.paintedAll !== undefined) { observer.disconnect(); finished(m); }
  }
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, characterData: true });
})();
"#;

/// After the navigation: the watcher's milestones, the document's and every request's timing, the long
/// tasks; then the list scrolled to its end (every row revealed) for the DOM's size and the JS heap.
const COLLECT_JS: &str = r#"
const done = arguments[arguments.length - 1];
if (!window.__bench) { done({ error: 'the watcher is not in this page' }); return; }
const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 60000));
Promise.race([window.__bench.done, timeout]).then((m) => {
  const rows = () => document.querySelectorAll('[data-testid="op-row"]').length;
  if (m === null) { done({ error: 'not all loaded after 60 s: ' + rows() + ' rows, milestones ' + JSON.stringify(window.__bench.m) }); return; }
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource').map((e) => ({
    path: new URL(e.name).pathname + new URL(e.name).search, start: e.startTime, firstByte: e.responseStart,
    end: e.responseEnd, transfer: e.transferSize }));
  const marks = performance.getEntriesByType('mark').map((e) => [e.name, e.startTime]);
  const figures = { m, nav: { requestStart: nav.requestStart, responseEnd: nav.responseEnd, domInteractive: nav.domInteractive,
    domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd }, resources, marks,
    longTasks: window.__bench.longTasks };
  const started = performance.now();
  function reveal() {
    const more = document.querySelector('[data-testid="show-more"]');
    if (!more && rows() === __WANT__) {
      done({ ...figures, rows: rows(), nodesScrolled: document.getElementsByTagName('*').length,
             heap: performance.memory ? performance.memory.usedJSHeapSize : null });
      return;
    }
    if (performance.now() - started > 60000) { done({ error: 'scrolling: ' + rows() + ' rows after 60 s' }); return; }
    const s = document.querySelector('[data-testid="scroll-sentinel"]'); if (s) s.scrollIntoView();
    if (more) more.click();
    requestAnimationFrame(reveal);
  }
  reveal();
});
"#;

/// One load's figures.
struct Run {
    first50: f64,
    painted50: f64,
    all: f64,
    painted_all: f64,
    nodes_loaded: f64,
    nodes_scrolled: f64,
    heap_mb: Option<f64>,
    raw: Value,
}

pub async fn figures(stack: &Stack) -> Result<(), String> {
    let b = Browser::start().await;
    b.client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(150)),
            Some(Duration::from_secs(60)),
            Some(Duration::ZERO),
        ))
        .await
        .map_err(|e| format!("timeouts: {e}"))?;
    let watcher = WATCH_JS.replace("__WANT__", &OPERATIONS.to_string());
    b.cdp("Page.addScriptToEvaluateOnNewDocument", json!({ "source": watcher })).await;
    // Signed in once, ending on this page (so the bundle is cached, as for a person who signed in); the
    // session cookie then serves every run.
    b.sign_in(stack, "ada", "/consumers/demo-busy").await;
    let url = stack.url("/consumers/demo-busy");
    let outcome = async {
        let warm = series(&b, &url, false).await?;
        let cold = series(&b, &url, true).await?;
        Ok::<_, String>((warm, cold))
    }
    .await;
    b.screenshot("bench-demo-busy-all-loaded").await;
    b.close().await;
    let (warm, cold) = outcome?;
    let within = |v: f64, budget: f64| if v <= budget { "within" } else { "OVER" };
    let med = |runs: &[Run], f: fn(&Run) -> f64| median(&mut runs.iter().map(f).collect::<Vec<_>>());
    for (label, runs) in [("warm", &warm), ("cold", &cold)] {
        let (f, a) = (med(runs, |r| r.first50), med(runs, |r| r.all));
        let budgets = label == "warm";
        println!(
            "  median, {label}: first 50 rows {f:>5.0} ms{} (painted {:.0})   all {OPERATIONS} loaded and counted {a:>5.0} ms{} (painted {:.0})",
            if budgets { format!(" (budget {FIRST_50_BUDGET_MS:.0}: {})", within(f, FIRST_50_BUDGET_MS)) } else { String::new() },
            med(runs, |r| r.painted50),
            if budgets { format!(" (budget {ALL_LOADED_BUDGET_MS:.0}: {})", within(a, ALL_LOADED_BUDGET_MS)) } else { String::new() },
            med(runs, |r| r.painted_all),
        );
    }
    let heaps: Vec<f64> = warm.iter().filter_map(|r| r.heap_mb).collect();
    println!(
        "  DOM elements {:.0} when all loaded, {:.0} scrolled to the end   JS heap {}",
        med(&warm, |r| r.nodes_loaded),
        med(&warm, |r| r.nodes_scrolled),
        if heaps.is_empty() { "n/a".to_string() } else { format!("{:.1} MB", median(&mut heaps.clone())) }
    );
    for (label, runs) in [("warm", &warm), ("cold", &cold)] {
        // The run whose first rows are the median's.
        let f = med(runs, |r| r.first50);
        if let Some(run) = runs.iter().find(|r| r.first50 == f) {
            waterfall(label, &run.raw);
        }
    }
    Ok(())
}

/// [`RUNS`] fresh loads of `url` (the HTTP cache cleared before each if `cold`, after one uncounted load
/// that fills it if not).
async fn series(b: &Browser, url: &str, cold: bool) -> Result<Vec<Run>, String> {
    println!("  {}", if cold { "cold (HTTP cache cleared before each run)" } else { "warm (the bundle from the HTTP cache)" });
    if !cold {
        load(b, url, false, None).await.map_err(|e| format!("filling the cache: {e}"))?;
    }
    let mut runs = Vec::new();
    for n in 1..=RUNS {
        let profile = std::env::var_os("CONSOLE_BENCH_CPU_PROFILES")
            .filter(|_| !cold)
            .map(|dir| std::path::PathBuf::from(dir).join(format!("timeline-warm-{n}.cpuprofile")));
        let v = load(b, url, cold, profile.as_deref()).await.map_err(|e| format!("run {n}: {e}"))?;
        let at = |name: &str| v["m"][name].as_f64().ok_or(format!("run {n}: no '{name}' in {}", v["m"]));
        let number = |name: &str| v[name].as_f64().ok_or(format!("run {n}: no '{name}'"));
        if v["rows"] != json!(OPERATIONS) {
            return Err(format!("run {n}: {} rows at the end, expected {OPERATIONS}", v["rows"]));
        }
        let run = Run {
            first50: at("rows50")?,
            painted50: at("painted50")?,
            all: at("all")?,
            painted_all: at("paintedAll")?,
            nodes_loaded: at("nodesLoaded")?,
            nodes_scrolled: number("nodesScrolled")?,
            heap_mb: v["heap"].as_f64().map(|bytes| bytes / 1e6),
            raw: v,
        };
        println!(
            "    run {n}: first 50 rows {:>5.0} ms (painted {:>5.0})   all {OPERATIONS} loaded and counted {:>5.0} ms (painted {:>5.0})   \
             DOM elements {:>5.0} loaded, {:>5.0} scrolled to the end   JS heap {}",
            run.first50,
            run.painted50,
            run.all,
            run.painted_all,
            run.nodes_loaded,
            run.nodes_scrolled,
            run.heap_mb.map(|h| format!("{h:.1} MB")).unwrap_or_else(|| "n/a".into())
        );
        runs.push(run);
    }
    Ok(runs)
}

/// Navigates afresh to `url` and answers what the watcher saw. Refuses a run whose wasm did not come the
/// way `cold` says. Writes the load's CPU profile to `profile`, if given.
async fn load(b: &Browser, url: &str, cold: bool, profile: Option<&std::path::Path>) -> Result<Value, String> {
    b.client.goto("about:blank").await.map_err(|e| e.to_string())?;
    if cold {
        b.cdp("Network.clearBrowserCache", json!({})).await;
    }
    if profile.is_some() {
        b.cdp("Profiler.enable", json!({})).await;
        // 0.1 ms: the mount's components take a few ms each.
        b.cdp("Profiler.setSamplingInterval", json!({ "interval": 100 })).await;
        b.cdp("Profiler.start", json!({})).await;
    }
    b.client.goto(url).await.map_err(|e| format!("navigate: {e}"))?;
    let v = b
        .client
        .execute_async(&COLLECT_JS.replace("__WANT__", &OPERATIONS.to_string()), vec![])
        .await
        .map_err(|e| e.to_string())?;
    if let Some(path) = profile {
        let stopped = b.cdp("Profiler.stop", json!({})).await;
        if !stopped["profile"].is_object() {
            return Err(format!("the CPU profile did not come: {stopped}"));
        }
        let written = serde_json::to_vec(&stopped["profile"]).map_err(|e| e.to_string())?;
        std::fs::write(path, written).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(e) = v.get("error").and_then(Value::as_str) {
        return Err(e.to_string());
    }
    let wasm = v["resources"].as_array().into_iter().flatten().find(|r| r["path"].as_str().is_some_and(|p| p.ends_with(".wasm")));
    let transferred = wasm.and_then(|w| w["transfer"].as_f64()).ok_or("no wasm in the page's Resource Timing")?;
    if cold != (transferred > 0.0) {
        return Err(format!("a {} run transferred {transferred} bytes of wasm", if cold { "cold" } else { "warm" }));
    }
    Ok(v)
}

/// Prints one load in time order: the document, each request (start, first byte, end; bytes over the
/// network), the page's milestones and marks, the long tasks.
fn waterfall(label: &str, v: &Value) {
    println!("  waterfall of the median {label} run (ms from navigation start):");
    let mut lines: Vec<(f64, String)> = Vec::new();
    let nav = &v["nav"];
    let f = |x: &Value| x.as_f64().unwrap_or(f64::NAN);
    lines.push((f(&nav["requestStart"]), format!("document requested, answered by {:.1}", f(&nav["responseEnd"]))));
    lines.push((f(&nav["domInteractive"]), "document parsed (domInteractive)".into()));
    lines.push((f(&nav["domContentLoaded"]), "DOMContentLoaded handled (the module scripts have run)".into()));
    lines.push((f(&nav["load"]), "load event handled".into()));
    for r in v["resources"].as_array().into_iter().flatten() {
        let path = r["path"].as_str().unwrap_or("?");
        let path = if path.len() > 70 { format!("{}…", &path[..70]) } else { path.to_string() };
        lines.push((
            f(&r["start"]),
            format!("  GET {path} first byte {:.1} end {:.1} ({} B over the network)", f(&r["firstByte"]), f(&r["end"]), r["transfer"]),
        ));
    }
    let names = [
        ("shell", "the shell's top bar in the DOM"),
        ("skeleton", "the timeline's skeleton in the DOM"),
        ("firstRow", "first op-row in the DOM"),
        ("rows50", "50 op-rows in the DOM"),
        ("painted50", "  ... painted"),
        ("all", "all loaded and counted in the DOM"),
        ("paintedAll", "  ... painted"),
    ];
    for (key, what) in names {
        if let Some(t) = v["m"][key].as_f64() {
            lines.push((t, what.to_string()));
        }
    }
    for mark in v["marks"].as_array().into_iter().flatten() {
        lines.push((f(&mark[1]), format!("mark {}", mark[0].as_str().unwrap_or("?"))));
    }
    for task in v["longTasks"].as_array().into_iter().flatten() {
        lines.push((f(&task[0]), format!("long task on the main thread, {:.0} ms (to {:.0})", f(&task[1]), f(&task[0]) + f(&task[1]))));
    }
    lines.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (t, what) in lines {
        println!("    {t:>7.1}  {what}");
    }
}
