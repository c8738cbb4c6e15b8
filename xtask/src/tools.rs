//! Installs what the build and the tests need, at pinned versions, skipping what is already there.
//! Versions: ../shared/TOOLCHAIN.md (wasm-bindgen-cli = the Cargo.lock's wasm-bindgen; binaryen 132 from
//! npm, never Debian's wasm-opt 108, which silently breaks the app).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::stage::{project_root, status};

pub const BINARYEN_VERSION: &str = "132.0.0";

/// The accessibility checker the browser tests inject into the end user's pages.
pub const AXE_CORE_VERSION: &str = "4.14.1";

/// For `bench`'s list of each bundle's largest functions.
pub const TWIGGY_VERSION: &str = "0.8.0";

/// The toolchain the page's wasm is built with when the machine has it: the nightly that comes with this
/// kind of machine, pinned by its version. Only it can rebuild the standard library for the page with
/// panics that abort at once (no message formatting: the page had no panic hook to show one anyway), no
/// panic locations, empty `Debug` output and std's size-optimized paths: 10 to 12% less brotli wasm in
/// every bundle (measured on the end user's, issue 8). The native code stays on stable.
pub const PAGE_NIGHTLY: &str = "nightly";
pub const PAGE_NIGHTLY_VERSION: &str = "rustc 1.97.0-nightly (e50aa6fba 2026-05-19)";

/// Where the tools are.
pub struct Tools {
    pub wasm_bindgen: PathBuf,
    pub wasm_opt: PathBuf,
    pub chromium: Option<PathBuf>,
    pub chromedriver: Option<PathBuf>,
    /// axe-core's `axe.min.js` (with the browser).
    pub axe_core: Option<PathBuf>,
    /// Only for `bench` (see [`twiggy`]).
    pub twiggy: Option<PathBuf>,
    /// Whether the page is built with [`PAGE_NIGHTLY`] (else stable, and larger).
    pub page_nightly: bool,
    /// The desktop app's test tools (`test` only: see `crate::desktop_tools`).
    pub desktop: Option<crate::desktop_tools::DesktopTools>,
}

pub fn tools_dir() -> PathBuf {
    std::env::var_os("CONSOLE_TOOLS").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp"));
        home.join(".cache/console-tools")
    })
}

/// Installs what is missing. `browser`: Chromium and chromedriver too (tests and bench).
pub fn ensure(browser: bool) -> Result<Tools, String> {
    let dir = tools_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    wasm_target()?;
    let page_nightly = page_nightly();
    let wasm_bindgen = wasm_bindgen_cli(&dir)?;
    let wasm_opt = binaryen(&dir)?;
    let (chromium, chromedriver, axe_core) = if browser {
        let (c, d) = chromium()?;
        (Some(c), Some(d), Some(axe_core(&dir)?))
    } else {
        (None, None, None)
    };
    Ok(Tools { wasm_bindgen, wasm_opt, chromium, chromedriver, axe_core, twiggy: None, page_nightly, desktop: None })
}

/// Installs twiggy if missing (a minute and a half, once): `bench` prints each bundle's largest functions.
pub fn twiggy() -> Result<PathBuf, String> {
    let dir = tools_dir();
    let bin = dir.join("bin/twiggy");
    let have = output(Command::new(&bin).arg("--version")).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(TWIGGY_VERSION) {
        return Ok(bin);
    }
    println!("installing twiggy {TWIGGY_VERSION}");
    status(Command::new("cargo").args(["install", "twiggy", "--locked", "--version", TWIGGY_VERSION, "--root"]).arg(&dir))?;
    Ok(bin)
}

fn output(cmd: &mut Command) -> Option<String> {
    cmd.output().ok().filter(|o| o.status.success()).map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
}

fn wasm_target() -> Result<(), String> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    println!("installing the wasm32-unknown-unknown target");
    status(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// Whether [`PAGE_NIGHTLY`] is here at its pinned version, with the standard library's source (added if
/// missing: a small download from the Rust distribution server). If not, the page is built on stable and
/// says so: it works the same, its bundles are larger than `bench`'s budgets allow.
fn page_nightly() -> bool {
    let version = output(Command::new("rustc").arg(format!("+{PAGE_NIGHTLY}")).arg("--version")).unwrap_or_default();
    if version.trim() != PAGE_NIGHTLY_VERSION {
        let found = if version.is_empty() { "none".to_string() } else { version.trim().to_string() };
        println!("NOTE: the page is built on stable, larger: it wants {PAGE_NIGHTLY_VERSION}, found {found}");
        return false;
    }
    let components = output(Command::new("rustup").args(["component", "list", "--installed", "--toolchain", PAGE_NIGHTLY]));
    if components.unwrap_or_default().lines().any(|l| l.starts_with("rust-src")) {
        return true;
    }
    println!("adding rust-src to {PAGE_NIGHTLY} (the page's build rebuilds the standard library)");
    let added = status(Command::new("rustup").args(["component", "add", "rust-src", "--toolchain", PAGE_NIGHTLY]));
    if let Err(e) = &added {
        println!("NOTE: the page is built on stable, larger: {e}");
    }
    added.is_ok()
}

/// The wasm-bindgen version Cargo.lock resolved: the CLI must match it exactly.
fn locked_wasm_bindgen() -> Result<String, String> {
    let lock = std::fs::read_to_string(project_root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.trim().strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen".into())
}

fn wasm_bindgen_cli(dir: &Path) -> Result<PathBuf, String> {
    let version = locked_wasm_bindgen()?;
    let bin = dir.join("bin/wasm-bindgen");
    let have = output(Command::new(&bin).arg("--version")).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(version.as_str()) {
        return Ok(bin);
    }
    println!("installing wasm-bindgen-cli {version} (about 4 minutes, once)");
    // Without --locked: its lock file names a crate version this registry lacks (TOOLCHAIN.md).
    status(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &version, "--root"]).arg(dir))?;
    Ok(bin)
}

fn binaryen(dir: &Path) -> Result<PathBuf, String> {
    let bin = dir.join("node_modules/.bin/wasm-opt");
    let have = output(Command::new(&bin).arg("--version")).unwrap_or_default();
    if have.contains(&format!("version {}", BINARYEN_VERSION.split('.').next().unwrap_or(""))) {
        return Ok(bin);
    }
    println!("installing binaryen {BINARYEN_VERSION} from npm");
    status(
        Command::new("npm")
            .args(["install", "--no-save", "--no-audit", "--no-fund", "--prefix"])
            .arg(dir)
            .arg(format!("binaryen@{BINARYEN_VERSION}")),
    )?;
    Ok(bin)
}

/// axe-core from npm, in its own prefix: an `npm install --no-save` into binaryen's would prune it.
fn axe_core(dir: &Path) -> Result<PathBuf, String> {
    let prefix = dir.join("axe-core");
    let package = prefix.join("node_modules/axe-core");
    let have = std::fs::read_to_string(package.join("package.json")).unwrap_or_default();
    if have.contains(&format!("\"version\": \"{AXE_CORE_VERSION}\"")) {
        return Ok(package.join("axe.min.js"));
    }
    println!("installing axe-core {AXE_CORE_VERSION} from npm");
    status(
        Command::new("npm")
            .args(["install", "--no-save", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(format!("axe-core@{AXE_CORE_VERSION}")),
    )?;
    Ok(package.join("axe.min.js"))
}

fn chromium() -> Result<(PathBuf, PathBuf), String> {
    let browser = PathBuf::from("/usr/bin/chromium");
    let driver = PathBuf::from("/usr/bin/chromedriver");
    if browser.exists() && driver.exists() {
        return Ok((browser, driver));
    }
    println!("installing Debian's chromium and chromium-driver");
    status(Command::new("apt-get").args(["update", "-qq"]))?;
    status(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-qq", "chromium", "chromium-driver"]),
    )?;
    Ok((browser, driver))
}
