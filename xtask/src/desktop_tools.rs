//! What the desktop app (`src-tauri`) needs to build, bundle and be tested, installed when missing:
//! Debian's WebKitGTK and test packages, and the npm Tauri tools. Recipe and versions:
//! ../shared/TOOLCHAIN.md and the issue 11 research (tried on this kind of machine).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::stage::status;
use crate::tools::tools_dir;

/// `--no-install-recommends`: 177 packages instead of 348. Not `dbus-x11` (with it, a test app without a
/// bus address autolaunches one whose locked keyring waits for a prompt nobody answers), nor
/// `libayatana-appindicator3-dev` (only for Tauri's tray icon, which the app has not).
pub const APT_PACKAGES: [&str; 17] = [
    // Compiling wry and Tauri.
    "libwebkit2gtk-4.1-dev",
    "libjavascriptcoregtk-4.1-dev",
    "libsoup-3.0-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "libssl-dev",
    "build-essential",
    "pkg-config",
    "file",
    // keyring's Secret Service client (libdbus through pkg-config).
    "libdbus-1-dev",
    // End to end: an X server, WebKit's WebDriver, a session bus and a Secret Service for the keychain
    // test, screenshots of the whole screen.
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus",
    "gnome-keyring",
    "libsecret-tools",
    "imagemagick",
];

/// The Tauri CLI (bundles the .deb) and the WebDriver proxy, prebuilt from npm: seconds, against 16 min
/// for `cargo install tauri-cli`.
pub const TAURI_CLI_VERSION: &str = "2.12.5";
pub const TAURI_DRIVER_VERSION: &str = "2.0.9";

/// Where the desktop tools are.
pub struct DesktopTools {
    pub tauri_cli: PathBuf,
    pub tauri_driver: PathBuf,
    pub webkit_driver: PathBuf,
}

/// Installs what is missing, printing how long each part took.
pub fn ensure() -> Result<DesktopTools, String> {
    apt()?;
    if installed("dbus-x11") {
        println!("WARNING: dbus-x11 is installed: a desktop test app without DBUS_SESSION_BUS_ADDRESS may hang on a keyring prompt");
    }
    let prefix = tools_dir().join("tauri");
    npm(&prefix)?;
    let bin = prefix.join("node_modules/.bin");
    Ok(DesktopTools {
        tauri_cli: bin.join("tauri"),
        tauri_driver: bin.join("tauri-driver"),
        webkit_driver: PathBuf::from("/usr/bin/WebKitWebDriver"),
    })
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).ends_with("install ok installed"))
}

fn apt() -> Result<(), String> {
    let missing: Vec<&str> = APT_PACKAGES.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        println!("apt: the {} desktop packages are installed", APT_PACKAGES.len());
        return Ok(());
    }
    let command = format!("apt-get install -y -q --no-install-recommends {}", missing.join(" "));
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err(format!("missing Debian packages; as root run: apt-get update && {command}"));
    }
    println!("apt: installing {}", missing.join(" "));
    let started = Instant::now();
    status(Command::new("apt-get").args(["update", "-qq"]))?;
    status(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(&missing),
    )?;
    println!("apt: {} packages in {:.1} s", missing.len(), started.elapsed().as_secs_f64());
    Ok(())
}

/// The version an npm package in `prefix` has, from its package.json.
fn npm_version(prefix: &Path, package: &str) -> Option<String> {
    let text = std::fs::read_to_string(prefix.join("node_modules").join(package).join("package.json")).ok()?;
    let line = text.lines().find(|l| l.trim_start().starts_with("\"version\""))?;
    Some(line.split('"').nth(3)?.to_string())
}

/// Both tools in one prefix of their own (an `npm install --no-save` into binaryen's would prune it).
fn npm(prefix: &Path) -> Result<(), String> {
    let wanted = [("@tauri-apps/cli", TAURI_CLI_VERSION), ("@crabnebula/tauri-driver", TAURI_DRIVER_VERSION)];
    if wanted.iter().all(|(p, v)| npm_version(prefix, p).as_deref() == Some(*v)) {
        println!("npm: @tauri-apps/cli {TAURI_CLI_VERSION} and @crabnebula/tauri-driver {TAURI_DRIVER_VERSION} are installed");
        return Ok(());
    }
    println!("npm: installing @tauri-apps/cli {TAURI_CLI_VERSION} and @crabnebula/tauri-driver {TAURI_DRIVER_VERSION}");
    let started = Instant::now();
    std::fs::create_dir_all(prefix).map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;
    status(
        Command::new("npm")
            .args(["install", "--no-save", "--no-audit", "--no-fund", "--prefix"])
            .arg(prefix)
            .args(wanted.iter().map(|(p, v)| format!("{p}@{v}"))),
    )?;
    println!("npm: installed in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
