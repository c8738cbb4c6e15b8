//! The manifest of the sources a `dist/` was built from, written by `cargo xtask build-ui` into
//! `dist/.source-stamp` and compared by the browser tests' harness (`console_e2e::require_dist`), which
//! includes this file by path: one definition on both sides, with no crate between xtask and the tests.
//!
//! Why: browser tests once passed on a `dist/` built before the commit they were meant to check (its
//! screenshots showed the old page). File times cannot tell (a checkout, a merge or the shared target's
//! `touch` all change them), so the stamp is each source file's SHA-256, taken before the build compiles
//! anything: a file edited during the build makes the stamp stale too. The name starts with a dot, so the
//! gateway never serves it (hidden names are a 404).

use std::path::Path;

use sha2::{Digest, Sha256};

/// The stamp's file in `dist/`.
pub const STAMP_FILE: &str = ".source-stamp";

/// What the page is built from, relative to the workspace root: the UI library and its bundles, the
/// logic they share with the server, the stylesheets, the static files, the locked dependencies, the
/// page's compiler flags and the build pipeline itself (`boot.js`, the CSS minifier, wasm-opt's passes;
/// the desktop's settings and downloads screens it writes; the pinned wasm-opt, esbuild and nightly;
/// the workspace's manifest, with the page's build profile and its dependencies' features).
pub const SOURCES: [&str; 11] = [
    "Cargo.toml",
    "src-ui",
    "src-api",
    "style",
    "public",
    "Cargo.lock",
    ".cargo/config.toml",
    "xtask/src/ui.rs",
    "xtask/src/desktop_settings.js",
    "xtask/src/desktop_downloads.js",
    "xtask/src/tools.rs",
];

/// One line per source file, sorted by path: `{sha256 hex}  {path}`, paths relative to `root` with `/`.
/// Hidden files (editor swap files, `.DS_Store`) and backups ending in `~` are left out; they build nothing.
pub fn manifest(root: &Path) -> Result<String, String> {
    let mut files = Vec::new();
    for source in SOURCES {
        let path = root.join(source);
        if path.is_dir() {
            list(&path, source, &mut files)?;
        } else if path.is_file() {
            files.push(source.to_string());
        }
    }
    files.sort();
    let mut out = String::new();
    for file in files {
        let data = std::fs::read(root.join(&file)).map_err(|e| format!("{file}: {e}"))?;
        let digest: String = Sha256::digest(&data).iter().map(|b| format!("{b:02x}")).collect();
        out.push_str(&format!("{digest}  {file}\n"));
    }
    Ok(out)
}

fn list(dir: &Path, relative: &str, out: &mut Vec<String>) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{relative}: {e}"))?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with('~') || name == "target" {
            continue;
        }
        let path = entry.path();
        let inner = format!("{relative}/{name}");
        if path.is_dir() {
            list(&path, &inner, out)?;
        } else {
            out.push(inner);
        }
    }
    Ok(())
}
