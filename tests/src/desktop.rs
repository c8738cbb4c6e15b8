//! The desktop app in a real window: an X server (Xvfb) of its own, tauri-driver in front of WebKit's
//! WebDriver, and a fantoccini session that launches the app (`browserName` "wry": the name wry gives
//! WebKit). Everything started here is stopped by [`Desktop::stop`], or on drop (even on a panic).
//!
//! Environment (set by `cargo xtask test`): `TAURI_DRIVER` [the tools dir's npm tauri-driver],
//! `WEBKIT_DRIVER` [`/usr/bin/WebKitWebDriver`], `CONSOLE_DESKTOP_APP` [`console-desktop` beside this
//! test's own binary's directory: `target/debug`].

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::{artifacts_dir, free_port, http_client, poll_until, WAIT};

/// The app's debug binary: built by `cargo test --workspace` (it is console-desktop's own binary).
pub fn app_binary() -> PathBuf {
    if let Some(app) = std::env::var_os("CONSOLE_DESKTOP_APP") {
        return PathBuf::from(app);
    }
    // target/debug/deps/<this test> -> target/debug/console-desktop
    let me = std::env::current_exe().expect("the test's own path");
    let debug = me.parent().and_then(Path::parent).expect("the test binary lives in target/<profile>/deps");
    let app = debug.join("console-desktop");
    assert!(app.is_file(), "the desktop app is not built: {} is missing; run `cargo build -p console-desktop` (after `cargo xtask build-ui`)", app.display());
    app
}

fn tauri_driver() -> PathBuf {
    std::env::var_os("TAURI_DRIVER").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp"));
        home.join(".cache/console-tools/tauri/node_modules/.bin/tauri-driver")
    })
}

/// A child stopped with SIGTERM (tauri-driver then stops WebKitWebDriver), then killed if it lingers.
struct Stopped(Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.0.id().to_string()).status();
        for _ in 0..30 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An Xvfb display of its own: the first free number from 120 (its lock file absent).
fn start_xvfb() -> (Stopped, u32) {
    for display in 120..200u32 {
        if Path::new(&format!("/tmp/.X{display}-lock")).exists() {
            continue;
        }
        let child = Command::new("Xvfb")
            .arg(format!(":{display}"))
            .args(["-screen", "0", "1400x1000x24", "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (Debian package xvfb; see cargo xtask desktop-tools)");
        let mut xvfb = Stopped(child);
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{display}"));
        for _ in 0..100 {
            if socket.exists() {
                return (xvfb, display);
            }
            if matches!(xvfb.0.try_wait(), Ok(Some(_))) {
                break; // Another test took this number meanwhile: try the next.
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("no free X display between :120 and :199");
}

/// WebKitWebDriver's snapshot waits for the page's next paint. The app paints without GL compositing
/// (src-tauri/src/webview_settings.rs), and then an idle page does not paint at all: the snapshot waited
/// for ever (seen in CI: a test stuck over 3 minutes at its first screenshot). So for 3 seconds a pixel
/// the person cannot see (1 px, in the corner, switching between two fully transparent colours) is
/// repainted every 50 ms; the picture is unchanged, and the element goes away afterwards. It hangs off
/// `<html>`, outside the `<body>` the UI renders into.
const PAINT_FOR_SNAPSHOT: &str = "
    const dot = document.createElement('div');
    dot.setAttribute('aria-hidden', 'true');
    dot.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;z-index:2147483647;background:rgba(0,0,0,0)';
    document.documentElement.appendChild(dot);
    let n = 0;
    const blink = setInterval(() => {
        dot.style.background = n++ % 2 ? 'rgba(0,0,0,0)' : 'rgba(255,255,255,0)';
        if (n >= 60) { clearInterval(blink); dot.remove(); }
    }, 50);";

/// How long a screenshot may take before the test fails (rather than hangs): normally about 0.2 s.
const SNAPSHOT_WAIT: Duration = Duration::from_secs(30);

/// The app running in a window, driven through WebDriver.
pub struct Desktop {
    pub client: Client,
    /// When the app was asked to start (the WebDriver session's request): its cold start counts from here.
    pub launched_at: std::time::Instant,
    // Dropped in this order: the driver (and with it the app's WebDriver session), then the display.
    _driver: Stopped,
    _xvfb: Stopped,
}

impl Desktop {
    /// Starts Xvfb, tauri-driver on free ports, and the app with `env` added to its environment (the
    /// app inherits tauri-driver's). Give every app an explicit `DBUS_SESSION_BUS_ADDRESS`: without one,
    /// libdbus may autolaunch a bus whose keyring waits on a prompt nobody answers.
    pub async fn start(env: &[(&str, String)]) -> Desktop {
        let app = app_binary();
        let (xvfb, display) = start_xvfb();
        let port = free_port();
        let native_port = std::iter::repeat_with(free_port).find(|p| *p != port).unwrap_or(port + 1);
        let webkit = std::env::var("WEBKIT_DRIVER").unwrap_or_else(|_| "/usr/bin/WebKitWebDriver".into());
        let mut driver = Command::new(tauri_driver());
        driver
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string(), "--native-driver", &webkit])
            .env("DISPLAY", format!(":{display}"))
            .env("NO_AT_BRIDGE", "1")
            .stdin(Stdio::null());
        for (name, value) in env {
            driver.env(name, value);
        }
        let driver = Stopped(driver.spawn().unwrap_or_else(|e| panic!("tauri-driver ({}; see cargo xtask desktop-tools): {e}", tauri_driver().display())));
        let status = format!("http://127.0.0.1:{port}/status");
        let ready = poll_until(Duration::from_secs(15), &mut || {
            let status = status.clone();
            async move {
                let answer: Value = http_client().get(&status).send().await.ok()?.json().await.ok()?;
                (answer["value"]["ready"] == true).then_some(())
            }
        })
        .await;
        assert!(ready.is_some(), "tauri-driver did not get ready on port {port}");
        let caps = json!({
            "browserName": "wry",
            "tauri:options": { "application": app, "args": [] },
        });
        let Value::Object(caps) = caps else { unreachable!("a JSON object literal") };
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(caps);
        let launched_at = std::time::Instant::now();
        let client = builder
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("no WebDriver session with the app ({}): {e}", app.display()));
        Desktop { client, launched_at, _driver: driver, _xvfb: xvfb }
    }

    /// Waits for `[data-testid=id]` in the app's window. A look that fails because the page is being
    /// replaced (WebKitWebDriver: "Callback was not called before the unload event", as the app goes from
    /// its start page to the sign-in screen) is looked again, as one that finds nothing yet.
    pub async fn wait_testid(&self, id: &str, timeout: Duration) -> fantoccini::elements::Element {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now()).max(Duration::from_millis(100));
            let why = match tokio::time::timeout(left, self.client.find(Locator::Css(&crate::testid(id)))).await {
                Ok(Ok(element)) => return element,
                Ok(Err(e)) => e.to_string(),
                Err(_) => "no answer from WebDriver".to_string(),
            };
            if std::time::Instant::now() >= deadline {
                let shot = self.screenshot(&format!("desktop-missing-{id}")).await;
                panic!("{id} did not show within {timeout:?} ({why}); the window: {}", shot.display())
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types `text` into `[data-testid=id]` (cleared first).
    pub async fn type_into(&self, id: &str, text: &str) {
        let e = self.wait_testid(id, WAIT).await;
        e.clear().await.unwrap_or_else(|err| panic!("clear {id}: {err}"));
        e.send_keys(text).await.unwrap_or_else(|err| panic!("type into {id}: {err}"));
    }

    /// Scrolls `[data-testid=id]` into view and clicks it.
    pub async fn click_testid(&self, id: &str) {
        let e = self.wait_testid(id, WAIT).await;
        let e_ref = serde_json::to_value(&e).expect("element ref");
        let _ = self.client.execute("arguments[0].scrollIntoView({block: 'center'});", vec![e_ref.clone()]).await;
        // WebKitWebDriver refuses some clicks on controls a person can click (an empty error, seen on the
        // header's search button): the element's own click() then, as the page's handlers see it the same.
        if let Err(err) = e.click().await {
            self.client.execute("arguments[0].click();", vec![e_ref]).await.unwrap_or_else(|e2| panic!("click {id}: {err}; then {e2}"));
        }
    }

    /// Runs `script` in the window and returns its value.
    pub async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("script {script}: {e}"))
    }

    /// The window's path (`/consumers/demo-busy`).
    pub async fn path(&self) -> String {
        self.client.current_url().await.map(|u| u.path().to_string()).unwrap_or_default()
    }

    /// Waits until the window's path is `path`; a screenshot named `shot` if it never is.
    pub async fn wait_path(&self, path: &str, shot: &str) {
        for _ in 0..(WAIT.as_millis() / 100) {
            if self.path().await == path {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let file = self.screenshot(&format!("desktop-failed-{shot}")).await;
        panic!("the window never reached {path} (at {}); the window: {}", self.path().await, file.display());
    }

    /// A PNG of the app's window as `<artifacts>/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let path = dir.join(format!("{name}.png"));
        // WebKit's snapshot is the last frame painted, which can lag the DOM a test has just seen change:
        // two animation frames later, what the DOM holds now is drawn.
        let frames = "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));";
        let _ = self.client.execute_async(frames, Vec::new()).await;
        let _ = self.client.execute(PAINT_FOR_SNAPSHOT, Vec::new()).await;
        let png = match tokio::time::timeout(SNAPSHOT_WAIT, self.client.screenshot()).await {
            Ok(png) => png.unwrap_or_else(|e| panic!("screenshot {name}: {e}")),
            Err(_) => panic!("screenshot {name}: WebKit's snapshot did not come within {SNAPSHOT_WAIT:?} (it waits for the page's next paint)"),
        };
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }

    /// Ends the WebDriver session (the app's window closes), then the driver and the display.
    pub async fn stop(self) {
        let _ = self.client.clone().close().await;
    }
}

/// A session bus of the test's own with a Secret Service on it (gnome-keyring, its `login` collection
/// unlocked), as a person's desktop session has: the app's keychain path runs for real. Stopped on drop.
pub struct KeyringSession {
    /// `DBUS_SESSION_BUS_ADDRESS` for the app.
    pub address: String,
    _bus: Stopped,
    _home: crate::TempDir,
}

impl KeyringSession {
    pub fn start() -> KeyringSession {
        use std::io::{BufRead, BufReader};
        let home = crate::TempDir::new("desktop-keyring");
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (Debian package dbus; see cargo xtask desktop-tools)");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().expect("its stdout")).read_line(&mut address).expect("the bus address");
        let bus = Stopped(bus);
        let address = address.trim().to_string();
        // The daemon reads the login password on stdin and creates `login` unlocked; it exits with the
        // bus. It is ready when secret-tool can store an item (it forks before that).
        let script = r#"printf %s test-password | gnome-keyring-daemon --daemonize --unlock --components=secrets >/dev/null || exit 1
for _ in $(seq 50); do
  printf x | secret-tool store --label=ready console-desktop-test ready 2>/dev/null && [ "$(secret-tool lookup console-desktop-test ready)" = x ] && secret-tool clear console-desktop-test ready && sleep 0.5 && exit 0
  sleep 0.2
done
exit 1"#;
        let ready = Command::new("sh")
            .args(["-c", script])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", home.path())
            .env_remove("DISPLAY")
            .status()
            .expect("sh");
        assert!(ready.success(), "gnome-keyring did not come up on the test's session bus");
        KeyringSession { address, _bus: bus, _home: home }
    }
}
