//! Installs what the build and the tests need, at pinned versions, skipping what is already there.
//! Versions: ../shared/TOOLCHAIN.md (wasm-bindgen-cli = the Cargo.lock's wasm-bindgen; binaryen 132 from
//! npm, never Debian's wasm-opt 108, which silently breaks the app).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::stage::{project_root, status};

pub const BINARYEN_VERSION: &str = "132.0.0";

/// The accessibility checker the browser tests inject into the end user's pages.
pub const AXE_CORE_VERSION: &str = "4.14.1";

/// Minifies wasm-bindgen's glue (its generated JavaScript, 49 to 55 KB per bundle as written): 1.4 KB of
/// brotli less on every first load (measured on the documents bundle: 6.9 KB to 5.5 KB).
pub const ESBUILD_VERSION: &str = "0.25.12";

/// For `bench`'s list of each bundle's largest functions.
pub const TWIGGY_VERSION: &str = "0.8.0";

/// The nightly the page's wasm is built with, by the date of its channel: the toolchain
/// `nightly-2026-05-20` (its rustc says `1.97.0-nightly (e50aa6fba 2026-05-19)`), the nightly that comes
/// with this kind of machine. The one place it is named. Only a nightly can rebuild the standard library
/// for the page with panics that abort at once (no message formatting: the page had no panic hook to show
/// one anyway), no panic locations, empty `Debug` output and std's size-optimized paths: 10 to 12% less
/// brotli wasm in every bundle (measured on the end user's, issue 8). The native code stays on stable.
pub const PAGE_NIGHTLY_DATE: &str = "2026-05-20";

/// [`PAGE_NIGHTLY_DATE`]'s toolchain as rustup names it.
pub fn page_nightly_name() -> String {
    format!("nightly-{PAGE_NIGHTLY_DATE}")
}

/// What the page is built with on this machine.
#[derive(Clone, Debug, PartialEq)]
pub enum PageToolchain {
    /// The pinned nightly, with its standard library's source: the rustup toolchain to run (its name
    /// here: `nightly-2026-05-20`, or a plain `nightly` whose channel is of that date).
    Pinned(String),
    /// Not here: stable builds the page, larger. What was found, for the message.
    Missing(String),
}

impl PageToolchain {
    /// For a figure (`bench`'s sizes and speeds) or a release (`bundle`): only the pinned nightly's build
    /// is what ships, so a stable one would measure, or be, something else.
    pub fn required_for(&self, what: &str) -> Result<&str, String> {
        match self {
            PageToolchain::Pinned(toolchain) => Ok(toolchain),
            PageToolchain::Missing(found) => Err(format!(
                "{what} needs the page built with {name} (the page's pinned nightly, xtask/src/tools.rs PAGE_NIGHTLY_DATE), \
                 and this machine has {found}. Get it with `rustup toolchain install {name} --profile minimal --component rust-src`; \
                 `cargo xtask test`, `run` and `build-ui` still work without it, on stable, with larger bundles",
                name = page_nightly_name()
            )),
        }
    }
}

/// Where the tools are.
pub struct Tools {
    pub wasm_bindgen: PathBuf,
    pub wasm_opt: PathBuf,
    pub esbuild: PathBuf,
    pub chromium: Option<PathBuf>,
    pub chromedriver: Option<PathBuf>,
    /// axe-core's `axe.min.js` (with the browser).
    pub axe_core: Option<PathBuf>,
    /// Only for `bench` (see [`twiggy`]).
    pub twiggy: Option<PathBuf>,
    /// Whether the page is built with the pinned nightly (else stable, and larger).
    pub page: PageToolchain,
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
    let page = page_toolchain();
    let wasm_bindgen = wasm_bindgen_cli(&dir)?;
    let wasm_opt = binaryen(&dir)?;
    let esbuild = esbuild(&dir)?;
    let (chromium, chromedriver, axe_core) = if browser {
        let (c, d) = chromium()?;
        (Some(c), Some(d), Some(axe_core(&dir)?))
    } else {
        (None, None, None)
    };
    Ok(Tools { wasm_bindgen, wasm_opt, esbuild, chromium, chromedriver, axe_core, twiggy: None, page, desktop: None })
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

/// Whether the pinned nightly is here (by the date of its channel, whatever rustup calls it), with the
/// standard library's source. The nightly comes with this kind of machine, its source does not always:
/// it is added (rustup's component, from the same server as the wasm target) so that every build, CI's
/// too, makes the page as it ships. No nightly is installed: when it is missing, or its source cannot
/// be had, the page is built on stable and says so (it works the same, its bundles are larger than
/// `bench`'s budgets allow), and `bench` and `bundle` refuse ([`PageToolchain::required_for`]).
fn page_toolchain() -> PageToolchain {
    let listed = output(Command::new("rustup").args(["toolchain", "list"])).unwrap_or_default();
    let nightlies: Vec<(String, Option<String>)> = listed
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|t| t.starts_with("nightly"))
        .map(|t| (t.to_string(), channel_date(t)))
        .collect();
    if let Some((toolchain, _)) = nightlies.iter().find(|(_, date)| date.as_deref() == Some(PAGE_NIGHTLY_DATE)) {
        // Offline (cargo's own switch), nothing is fetched: the page is built on stable, as below.
        if !has_rust_src(toolchain) && std::env::var_os("CARGO_NET_OFFLINE").is_none() {
            println!("adding rust-src to {toolchain} (the page's standard library is built from it)");
            if let Err(e) = status(Command::new("rustup").args(["component", "add", "rust-src", "--toolchain", toolchain])) {
                println!("NOTE: rust-src could not be added ({e}), so:");
            }
        }
    }
    let page = choose(&nightlies);
    if let PageToolchain::Missing(found) = &page {
        println!("NOTE: the page is built on stable, larger: it wants {}, found {found}", page_nightly_name());
    }
    page
}

/// The toolchain of [`PAGE_NIGHTLY_DATE`] among `nightlies` (rustup's name, the date of its channel).
fn choose(nightlies: &[(String, Option<String>)]) -> PageToolchain {
    let Some((toolchain, _)) = nightlies.iter().find(|(_, date)| date.as_deref() == Some(PAGE_NIGHTLY_DATE)) else {
        let found: Vec<String> = nightlies
            .iter()
            .map(|(t, date)| format!("{t} of {}", date.as_deref().unwrap_or("an unknown date")))
            .collect();
        return PageToolchain::Missing(if found.is_empty() { "no nightly".into() } else { found.join(", ") });
    };
    if !has_rust_src(toolchain) {
        return PageToolchain::Missing(format!(
            "{toolchain} without rust-src (`rustup component add rust-src --toolchain {toolchain}`)"
        ));
    }
    PageToolchain::Pinned(toolchain.clone())
}

/// The date of a toolchain's channel, from the manifest rustup keeps in its sysroot.
fn channel_date(toolchain: &str) -> Option<String> {
    let sysroot = output(Command::new("rustc").arg(format!("+{toolchain}")).args(["--print", "sysroot"]))?;
    let manifest = std::fs::read_to_string(Path::new(sysroot.trim()).join("lib/rustlib/multirust-channel-manifest.toml")).ok()?;
    manifest_date(&manifest).map(str::to_string)
}

/// `date = "yyyy-mm-dd"` of a channel manifest.
fn manifest_date(manifest: &str) -> Option<&str> {
    manifest.lines().find_map(|l| l.trim().strip_prefix("date = \"")?.strip_suffix('"'))
}

fn has_rust_src(toolchain: &str) -> bool {
    output(Command::new("rustc").arg(format!("+{toolchain}")).args(["--print", "sysroot"]))
        .is_some_and(|sysroot| Path::new(sysroot.trim()).join("lib/rustlib/src/rust/library").is_dir())
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
    npm_install(dir, "binaryen", BINARYEN_VERSION)?;
    Ok(bin)
}

/// esbuild from npm, in its own prefix (see [`npm_install`]). npm
/// brings its native binary as the optional dependency `@esbuild/linux-x64`, from the same registry.
fn esbuild(dir: &Path) -> Result<PathBuf, String> {
    let prefix = dir.join("esbuild");
    let bin = prefix.join("node_modules/.bin/esbuild");
    let have = output(Command::new(&bin).arg("--version")).unwrap_or_default();
    if have.trim() == ESBUILD_VERSION {
        return Ok(bin);
    }
    npm_install(&prefix, "esbuild", ESBUILD_VERSION)?;
    Ok(bin)
}

/// axe-core from npm, in its own prefix (see [`npm_install`]).
fn axe_core(dir: &Path) -> Result<PathBuf, String> {
    let prefix = dir.join("axe-core");
    let package = prefix.join("node_modules/axe-core");
    let have = std::fs::read_to_string(package.join("package.json")).unwrap_or_default();
    if have.contains(&format!("\"version\": \"{AXE_CORE_VERSION}\"")) {
        return Ok(package.join("axe.min.js"));
    }
    npm_install(&prefix, "axe-core", AXE_CORE_VERSION)?;
    Ok(package.join("axe.min.js"))
}

/// `npm install` of one package at its pinned version into `prefix`. `--no-save`: no package.json is
/// written, so a second package installed into the same prefix would prune the first; each has its own.
fn npm_install(prefix: &Path, package: &str, version: &str) -> Result<(), String> {
    println!("installing {package} {version} from npm");
    status(
        Command::new("npm")
            .args(["install", "--no-save", "--no-audit", "--no-fund", "--prefix"])
            .arg(prefix)
            .arg(format!("{package}@{version}")),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_nightly_is_found_by_the_date_of_its_channel() {
        assert_eq!(manifest_date("manifest-version = \"2\"\ndate = \"2026-05-20\"\n"), Some("2026-05-20"));
        assert_eq!(manifest_date("manifest-version = \"2\"\n"), None);
        let older = ("nightly-2026-01-02-x86_64-unknown-linux-gnu".to_string(), Some("2026-01-02".to_string()));
        let missing = choose(&[older]);
        assert!(matches!(&missing, PageToolchain::Missing(found) if found.contains("2026-01-02")), "{missing:?}");
        assert_eq!(choose(&[]), PageToolchain::Missing("no nightly".into()));
    }

    #[test]
    fn figures_and_releases_refuse_the_stable_fallback_and_say_how_to_get_the_nightly() {
        let missing = PageToolchain::Missing("no nightly".into());
        let refusal = missing.required_for("bench").unwrap_err();
        for words in ["bench", "nightly-2026-05-20", "no nightly", "rustup toolchain install nightly-2026-05-20", "rust-src"] {
            assert!(refusal.contains(words), "{words:?} missing from: {refusal}");
        }
        let pinned = PageToolchain::Pinned("nightly-x86_64-unknown-linux-gnu".into());
        assert_eq!(pinned.required_for("bench"), Ok("nightly-x86_64-unknown-linux-gnu"));
    }
}
