//! Where the built UI is, and whether it is the UI of this checkout: browser tests refuse a `dist/`
//! built from other sources (see `xtask/src/source_stamp.rs`).

use std::path::{Path, PathBuf};

use crate::{source_stamp, workspace_root};

/// Where the built UI is: `CONSOLE_DIST`, else `<workspace>/dist`.
pub fn dist_dir() -> PathBuf {
    std::env::var_os("CONSOLE_DIST").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("dist"))
}

/// The built UI, or a failure that says how to build it. Browser tests call this (through
/// [`crate::Stack::start`]): a missing UI is a failed test, never a skipped one, and so is a UI built from other
/// sources than this checkout's ([`dist_matches_sources`]): what a test passed on must be what ships.
pub fn require_dist() -> PathBuf {
    let dist = dist_dir();
    assert!(
        dist.join("index.html").is_file(),
        "the built UI is missing: {} has no index.html. Run `cargo xtask test` (it builds the UI into dist/ \
         and sets CONSOLE_DIST), or `cargo xtask build-ui` then `cargo test -p console-e2e`.",
        dist.display()
    );
    if let Err(stale) = dist_matches_sources(&workspace_root(), &dist) {
        panic!("{stale}");
    }
    dist
}

/// Whether `dist` was built from the sources now under `root` (the stamp `cargo xtask build-ui` leaves in
/// it, against the files' contents now). Err: what differs and the command that rebuilds it.
pub fn dist_matches_sources(root: &Path, dist: &Path) -> Result<(), String> {
    let rebuild = "Run `cargo xtask build-ui` (or `cargo xtask test`, which builds the UI first).";
    let stamp = dist.join(source_stamp::STAMP_FILE);
    let built = std::fs::read_to_string(&stamp).map_err(|e| {
        format!(
            "the built UI in {} has no readable {} ({e}): it was not built by `cargo xtask build-ui`, or its \
             build did not finish, so what it shows is unknown. {rebuild}",
            dist.display(),
            source_stamp::STAMP_FILE
        )
    })?;
    let now = source_stamp::manifest(root)?;
    let changed = stamp_differences(&built, &now);
    if changed.is_empty() {
        return Ok(());
    }
    const SHOWN: usize = 8;
    let more = changed.len().saturating_sub(SHOWN);
    let listed = changed.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    Err(format!(
        "the built UI in {} is stale: {} source file(s) changed, appeared or went away since it was built \
         ({listed}{}). A browser test would check the old page. {rebuild}",
        dist.display(),
        changed.len(),
        if more > 0 { format!(", and {more} more") } else { String::new() }
    ))
}

/// The files whose line differs between two stamps (changed, added or removed), sorted.
fn stamp_differences(built: &str, now: &str) -> Vec<String> {
    let lines = |m: &str| m.lines().map(str::to_string).collect::<std::collections::BTreeSet<String>>();
    let (built, now) = (lines(built), lines(now));
    let mut files: Vec<String> = built
        .symmetric_difference(&now)
        .map(|line| line.split_once("  ").map_or(line.as_str(), |(_, path)| path).to_string())
        .collect();
    files.sort();
    files.dedup();
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TempDir;

    /// A checkout with a few UI sources and a `dist/` built from them (stamped as the build stamps it).
    fn built_checkout() -> (TempDir, PathBuf) {
        let root = TempDir::new("console-e2e-stamp");
        let write = |path: &str, text: &str| {
            let path = root.path().join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("create a source folder");
            std::fs::write(path, text).expect("write a source");
        };
        write("src-ui/src/customers/accounts_panel.rs", "fn short_id() { /* the prefix */ }");
        write("src-api/src/route.rs", "pub enum Bundle {}");
        write("style/accounts.css", ".account { }");
        write("public/favicon.svg", "<svg/>");
        write("Cargo.lock", "version = 4");
        write("dist/index.html", "<!doctype html>");
        let dist = root.path().join("dist");
        let stamp = source_stamp::manifest(root.path()).expect("the manifest");
        std::fs::write(dist.join(source_stamp::STAMP_FILE), stamp).expect("write the stamp");
        (root, dist)
    }

    #[test]
    fn a_dist_built_from_the_sources_now_is_accepted_and_editor_leftovers_do_not_count() {
        let (root, dist) = built_checkout();
        assert_eq!(dist_matches_sources(root.path(), &dist), Ok(()));
        std::fs::write(root.path().join("src-ui/src/customers/.accounts_panel.rs.swp"), "x").expect("write");
        std::fs::write(root.path().join("style/accounts.css~"), "x").expect("write");
        assert_eq!(dist_matches_sources(root.path(), &dist), Ok(()));
    }

    #[test]
    fn a_dist_older_than_a_source_edit_is_refused_naming_the_file_and_the_command() {
        let (root, dist) = built_checkout();
        // The commit the old screenshots missed: the account link shows the id's end, not its prefix.
        std::fs::write(root.path().join("src-ui/src/customers/accounts_panel.rs"), "fn short_id() { /* the end */ }").expect("edit");
        let refused = dist_matches_sources(root.path(), &dist).expect_err("a stale dist is refused");
        assert!(refused.contains("stale"), "{refused}");
        assert!(refused.contains("src-ui/src/customers/accounts_panel.rs"), "{refused}");
        assert!(refused.contains("cargo xtask build-ui"), "{refused}");
        assert!(!refused.contains("src-api/src/route.rs"), "only what changed is named: {refused}");
    }

    #[test]
    fn a_source_added_or_removed_in_any_of_the_four_folders_or_the_lock_makes_the_dist_stale() {
        for change in ["add src-api/src/new.rs", "add style/new.css", "add public/robots.txt", "remove src-api/src/route.rs", "edit Cargo.lock"] {
            let (root, dist) = built_checkout();
            let (what, path) = change.split_once(' ').expect("a change");
            let file = root.path().join(path);
            match what {
                "remove" => std::fs::remove_file(&file).expect("remove"),
                _ => std::fs::write(&file, "new").expect("write"),
            }
            let refused = dist_matches_sources(root.path(), &dist).expect_err(change);
            assert!(refused.contains(path), "{change}: {refused}");
        }
    }

    #[test]
    fn a_dist_without_a_stamp_is_refused_it_was_not_built_by_xtask_or_not_to_the_end() {
        let (root, dist) = built_checkout();
        std::fs::remove_file(dist.join(source_stamp::STAMP_FILE)).expect("remove the stamp");
        let refused = dist_matches_sources(root.path(), &dist).expect_err("no stamp");
        assert!(refused.contains(".source-stamp") && refused.contains("cargo xtask build-ui"), "{refused}");
    }

    #[test]
    fn the_manifest_of_this_checkout_covers_the_page_sources() {
        let manifest = source_stamp::manifest(&workspace_root()).expect("this checkout's manifest");
        for file in ["src-ui/src/routes.rs", "src-api/src/route.rs", "style/shell.css", "Cargo.lock", "xtask/src/ui.rs", ".cargo/config.toml"] {
            assert!(manifest.lines().any(|l| l.ends_with(&format!("  {file}"))), "{file} is not in the manifest");
        }
        assert!(!manifest.contains("/target/"), "no build output");
    }
}
