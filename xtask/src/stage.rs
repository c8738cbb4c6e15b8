//! Stages with their durations, cargo and process helpers, and the long-running `run`/`test`/`bench` steps.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::tools::Tools;

/// Named stages and how long each took.
pub struct Stages {
    done: Vec<(&'static str, Duration)>,
    started: Instant,
}

impl Stages {
    pub fn new() -> Self {
        Stages { done: Vec::new(), started: Instant::now() }
    }

    pub fn run<T>(&mut self, name: &'static str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
        println!("==> {name}");
        let t = Instant::now();
        let out = f();
        let took = t.elapsed();
        self.done.push((name, took));
        println!("==> {name}: {} in {:.1} s", if out.is_ok() { "done" } else { "FAILED" }, took.as_secs_f64());
        out.map_err(|e| format!("{name}: {e}"))
    }

    pub fn report(&self) {
        println!("\nstage durations:");
        for (name, took) in &self.done {
            println!("  {name:<12} {:>8.1} s", took.as_secs_f64());
        }
        println!("  {:<12} {:>8.1} s", "total", self.started.elapsed().as_secs_f64());
    }
}

/// The checkout `cargo xtask` was invoked in. Read at run time (`cargo run` sets CARGO_MANIFEST_DIR):
/// checkouts that share a target directory share the linked xtask binary, and a path baked in at
/// compile time would send this one to build another checkout.
pub fn project_root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest.parent().map(PathBuf::from).unwrap_or_default()
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| project_root().join("target"))
}

/// Runs a command, failing with what it was if it fails.
pub fn status(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    match cmd.status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("{shown} failed ({s})")),
        Err(e) => Err(format!("{shown} could not start: {e}")),
    }
}

pub fn cargo(args: &[&str]) -> Result<(), String> {
    status(Command::new(env!("CARGO")).current_dir(project_root()).args(args))
}

fn has_nextest() -> bool {
    Command::new(env!("CARGO"))
        .args(["nextest", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Every crate but the page's (the UI library and its bundles), which are wasm-only: their logic lives
/// (and is tested) in console-api.
fn test_scope() -> Vec<&'static str> {
    let mut scope = vec!["--workspace", "--exclude", "console-ui"];
    for (package, _, _) in crate::ui::BUNDLES {
        scope.extend(["--exclude", package]);
    }
    scope
}

pub fn build_tests() -> Result<(), String> {
    if has_nextest() {
        cargo(&[&["nextest", "run", "--no-run"][..], &test_scope()[..]].concat())
    } else {
        cargo(&[&["test", "--no-run"][..], &test_scope()[..]].concat())
    }
}

pub struct TestOutcome {
    pub passed: bool,
    pub summary: Option<String>,
}

/// Runs every test of the workspace (nextest when installed), streaming its output and keeping its summary.
pub fn run_tests(tools: &Tools, args: &[String]) -> Result<TestOutcome, String> {
    let root = project_root();
    let nextest = has_nextest();
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(&root);
    if nextest {
        cmd.args(["nextest", "run", "--no-fail-fast"]);
    } else {
        cmd.args(["test", "--no-fail-fast"]);
    }
    cmd.args(test_scope());
    cmd.args(args);
    browser_env(&mut cmd, tools);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot start the tests: {e}"))?;
    let stderr = child.stderr.take();
    // Stream stderr on a thread (nextest writes its report there), stdout here.
    let err_thread = std::thread::spawn(move || {
        let mut summary = None;
        for line in stderr.map(BufReader::new).into_iter().flat_map(|r| r.lines().map_while(Result::ok)) {
            eprintln!("{line}");
            if line.trim_start().starts_with("Summary [") {
                summary = Some(line.trim().to_string());
            }
        }
        summary
    });
    let (mut passed, mut failed) = (0u64, 0u64);
    for line in child.stdout.take().map(BufReader::new).into_iter().flat_map(|r| r.lines().map_while(Result::ok)) {
        println!("{line}");
        if let Some(rest) = line.strip_prefix("test result: ") {
            passed += count(rest, " passed");
            failed += count(rest, " failed");
        }
    }
    let nextest_summary = err_thread.join().unwrap_or(None);
    let ok = child.wait().map_err(|e| e.to_string())?.success();
    let summary = if nextest { nextest_summary } else { Some(format!("{passed} passed, {failed} failed")) };
    Ok(TestOutcome { passed: ok, summary })
}

fn count(text: &str, word: &str) -> u64 {
    text.split(';')
        .find_map(|part| part.trim().trim_start_matches("ok. ").trim_start_matches("FAILED. ").strip_suffix(word.trim()))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Where the tests find the built UI and the browser.
fn browser_env(cmd: &mut Command, tools: &Tools) {
    cmd.env("CONSOLE_DIST", project_root().join("dist"));
    cmd.env("CONSOLE_ARTIFACTS", project_root().join("tests/artifacts"));
    if let Some(c) = &tools.chromium {
        cmd.env("CHROMIUM", c);
    }
    if let Some(d) = &tools.chromedriver {
        cmd.env("CHROMEDRIVER", d);
    }
    if let Some(a) = &tools.axe_core {
        cmd.env("AXE_CORE_JS", a);
    }
    // The desktop app's end-to-end tests drive it with these.
    if let Some(d) = &tools.desktop {
        cmd.env("TAURI_DRIVER", &d.tauri_driver).env("WEBKIT_DRIVER", &d.webkit_driver).env("TAURI_CLI", &d.tauri_cli);
    }
}

pub fn run_bench(tools: &Tools, args: &[String]) -> Result<(), String> {
    // The tests' "system browser" the desktop figures sign in with, beside console-bench.
    status(Command::new(env!("CARGO")).current_dir(project_root()).args(["build", "--release", "-p", "console-e2e", "--bin", "console-e2e-browser"]))?;
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(project_root()).args(["run", "--release", "-p", "console-e2e", "--bin", "console-bench", "--"]);
    cmd.args(args);
    browser_env(&mut cmd, tools);
    // The desktop app as shipped (built by `cargo xtask bench`: release, the UI embedded, the hook).
    cmd.env("CONSOLE_DESKTOP_APP", target_dir().join("bench-app/console-desktop"));
    status(&mut cmd)
}

static STOP: AtomicBool = AtomicBool::new(false);

/// Ctrl-C and SIGTERM set [`STOP`]: the run loops then stop what they started.
fn stop_on_signals() {
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
}

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn wait_for_port(port: &str, child: &mut Child, what: &str) -> Result<(), String> {
    let addr = format!("127.0.0.1:{port}");
    for _ in 0..200 {
        if TcpStream::connect(&addr).is_ok() {
            return Ok(());
        }
        if let Ok(Some(s)) = child.try_wait() {
            return Err(format!("the {what} exited ({s}) before listening on {addr}; is the port in use?"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("the {what} did not listen on {addr} within 20 s"))
}

fn terminate(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        // SIGTERM: both services shut down gracefully on it.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        for _ in 0..50 {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// Starts the sandbox and the gateway, and keeps them up until Ctrl-C.
pub fn run_services(root: &std::path::Path, port_ui: &str, port_sandbox: &str) -> Result<(), String> {
    stop_on_signals();
    let bin = target_dir().join("debug");
    let data = root.join(".sandbox");
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let mut sandbox = Command::new(bin.join("console-sandbox"))
        .current_dir(root)
        .args(["--listen", &format!("127.0.0.1:{port_sandbox}"), "--control"])
        // The gateway's exact callback, on whichever port it was given.
        .args(["--redirect-uri", &format!("http://127.0.0.1:{port_ui}/auth/callback")])
        .arg("--db")
        .arg(data.join("sandbox.db"))
        .spawn()
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    if let Err(e) = wait_for_port(port_sandbox, &mut sandbox, "sandbox") {
        terminate(&mut sandbox);
        return Err(e);
    }
    let mut gateway = match Command::new(bin.join("console-server"))
        .current_dir(root)
        .args(["--listen", &format!("127.0.0.1:{port_ui}"), "--dist", "dist", "--config", "config/console.toml"])
        .args(["--profile", "sandbox", "--upstream-origin", &format!("http://127.0.0.1:{port_sandbox}")])
        .arg("--audit-log")
        .arg(data.join("audit.jsonl"))
        .spawn()
    {
        Ok(g) => g,
        Err(e) => {
            terminate(&mut sandbox);
            return Err(format!("cannot start the gateway: {e}"));
        }
    };
    if let Err(e) = wait_for_port(port_ui, &mut gateway, "gateway") {
        terminate(&mut gateway);
        terminate(&mut sandbox);
        return Err(e);
    }
    println!(
        "\n  Console:  http://127.0.0.1:{port_ui}\n  Sandbox:  http://127.0.0.1:{port_sandbox} (D1 stand-in, demo data in .sandbox/sandbox.db)\n\n  \
         Sign in as ada (admin), grace (agent, read-only) or alice, bob, carol (customers); password: sandbox.\n  \
         Try first: search for demo-busy (523 operations: scroll, filter, open one),\n  \
         demo-pending (an operation that stays PENDING), demo-empty (none), then delete demo-alice as ada.\n  \
         Audit log: .sandbox/audit.jsonl\n  \
         Reset the demo data: curl -X POST http://127.0.0.1:{port_sandbox}/_sandbox/reset\n\n  Ctrl-C stops everything.\n"
    );
    let mut outcome = Ok(());
    while !STOP.load(Ordering::SeqCst) {
        if let Ok(Some(s)) = sandbox.try_wait() {
            outcome = Err(format!("the sandbox stopped ({s})"));
            break;
        }
        if let Ok(Some(s)) = gateway.try_wait() {
            outcome = Err(format!("the gateway stopped ({s})"));
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    println!("stopping");
    terminate(&mut gateway);
    terminate(&mut sandbox);
    outcome
}

/// Starts the sandbox, then the desktop app against it; stops the sandbox when the app's window closes
/// (or on Ctrl-C).
pub fn run_desktop(root: &std::path::Path, port_sandbox: &str) -> Result<(), String> {
    stop_on_signals();
    let bin = target_dir().join("debug");
    let data = root.join(".sandbox");
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let mut sandbox = Command::new(bin.join("console-sandbox"))
        .current_dir(root)
        .args(["--listen", &format!("127.0.0.1:{port_sandbox}"), "--control", "--db"])
        .arg(data.join("sandbox.db"))
        .spawn()
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    if let Err(e) = wait_for_port(port_sandbox, &mut sandbox, "sandbox") {
        terminate(&mut sandbox);
        return Err(e);
    }
    let mut app = match Command::new(bin.join("console-desktop"))
        .current_dir(root)
        .env("CONSOLE_DESKTOP_SANDBOX", format!("http://127.0.0.1:{port_sandbox}/"))
        .spawn()
    {
        Ok(app) => app,
        Err(e) => {
            terminate(&mut sandbox);
            return Err(format!("cannot start the desktop app: {e}"));
        }
    };
    println!(
        "\n  Desktop app started against the sandbox at http://127.0.0.1:{port_sandbox}\n  \
         Sign in as ada (admin), grace (agent) or alice, bob, carol (customers); password: sandbox.\n  \
         Closing the window (or Ctrl-C) stops everything.\n"
    );
    let mut outcome = Ok(());
    loop {
        if let Ok(Some(s)) = app.try_wait() {
            if !s.success() {
                outcome = Err(format!("the desktop app stopped ({s})"));
            }
            break;
        }
        if let Ok(Some(s)) = sandbox.try_wait() {
            outcome = Err(format!("the sandbox stopped ({s})"));
            break;
        }
        if STOP.load(Ordering::SeqCst) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    terminate(&mut app);
    terminate(&mut sandbox);
    outcome
}
