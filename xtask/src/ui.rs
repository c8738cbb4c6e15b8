//! Builds the UI into `dist/` the way Trunk would (cargo -> wasm-bindgen -> wasm-opt), without needing
//! Trunk installed, then precompresses it for the gateway. Also measures the payload for `bench`.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use crate::stage::{cargo, project_root, status, target_dir};
use crate::tools::Tools;

/// The budget: the whole UI payload (wasm + js + css), brotli-compressed.
pub const BUDGET_BROTLI_BYTES: usize = 250_000;

const INDEX_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Consent &amp; Operations Console</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/style.css">
<link rel="modulepreload" href="/console-ui.js">
<link rel="preload" href="/console-ui_bg.wasm" as="fetch" type="application/wasm" crossorigin>
<script type="module" src="/boot.js"></script>
</head>
<body>
<noscript>The console needs JavaScript and WebAssembly.</noscript>
</body>
</html>
"#;

pub fn build(tools: &Tools) -> Result<(), String> {
    let root = project_root();
    let dist = root.join("dist");
    // The linked wasm is shared by every checkout using this target directory: remove it so cargo
    // links it again from this checkout's own (possibly fresh) build.
    let wasm = target_dir().join("wasm32-unknown-unknown/wasm-release/console_ui.wasm");
    let _ = std::fs::remove_file(&wasm);
    cargo(&["build", "-p", "console-ui", "--target", "wasm32-unknown-unknown", "--profile", "wasm-release"])?;
    if dist.exists() {
        std::fs::remove_dir_all(&dist).map_err(|e| format!("cannot clear {}: {e}", dist.display()))?;
    }
    std::fs::create_dir_all(&dist).map_err(|e| e.to_string())?;
    status(
        Command::new(&tools.wasm_bindgen)
            .args(["--target", "web", "--no-typescript", "--out-name", "console-ui", "--out-dir"])
            .arg(&dist)
            .arg(&wasm),
    )?;
    let bg = dist.join("console-ui_bg.wasm");
    status(
        Command::new(&tools.wasm_opt)
            // -Oz, then flatten and re-loop the control flow and -Oz again until nothing shrinks: 1.8 KB
            // of brotli less than one -Oz (measured on this app), which the payload budget needs.
            .args(["-Oz", "--flatten", "--rereloop", "-Oz", "--converge", "--strip-debug", "--strip-producers"])
            // The features rustc's wasm32 target emits by default.
            .args([
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-sign-ext",
                "--enable-mutable-globals",
                "--enable-reference-types",
                "--enable-multivalue",
            ])
            .arg(&bg)
            .arg("-o")
            .arg(&bg),
    )?;
    copy_dir(&root.join("public"), &dist)?;
    let css = std::fs::read_to_string(root.join("style/main.css")).map_err(|e| format!("style/main.css: {e}"))?;
    std::fs::write(dist.join("style.css"), minify_css(&css)).map_err(|e| e.to_string())?;
    std::fs::write(dist.join("index.html"), INDEX_HTML).map_err(|e| e.to_string())?;
    precompress(&dist)
}

/// The stylesheet without its comments and layout whitespace (about 0.7 KB of brotli, which the payload
/// budget needs). Deliberately conservative: whitespace is collapsed, and dropped only next to `{ } ; ,`,
/// never next to `:` or in selectors (`a :hover` is not `a:hover`); string contents are kept as written.
pub fn minify_css(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for d in chars.by_ref() {
                    if last == '*' && d == '/' {
                        break;
                    }
                    last = d;
                }
                pending_space = true;
            }
            '"' | '\'' => {
                flush_space(&mut out, &mut pending_space, c);
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            c if c.is_whitespace() => pending_space = true,
            c => {
                flush_space(&mut out, &mut pending_space, c);
                out.push(c);
            }
        }
    }
    out.replace(";}", "}")
}

/// Writes the collapsed whitespace before `next` unless it sits next to punctuation that needs none.
fn flush_space(out: &mut String, pending: &mut bool, next: char) {
    let after_punct = matches!(out.chars().last(), None | Some('{' | '}' | ';' | ','));
    if *pending && !after_punct && !matches!(next, '{' | '}' | ';' | ',') {
        out.push(' ');
    }
    *pending = false;
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(from) else { return Ok(()) };
    for entry in entries.flatten() {
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            std::fs::create_dir_all(&dest).map_err(|e| e.to_string())?;
            copy_dir(&path, &dest)?;
        } else {
            std::fs::copy(&path, &dest).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

pub fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    let _ = brotli::BrotliCompress(&mut &data[..], &mut out, &params);
    out
}

/// Writes `.br` and `.gz` beside each text or wasm asset; the gateway serves them when the browser accepts.
fn precompress(dist: &Path) -> Result<(), String> {
    for entry in std::fs::read_dir(dist).map_err(|e| e.to_string())?.flatten() {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "wasm" | "js" | "css" | "html" | "svg" | "json") {
            continue;
        }
        let data = std::fs::read(&path).map_err(|e| e.to_string())?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        std::fs::write(dist.join(format!("{name}.br")), brotli(&data)).map_err(|e| e.to_string())?;
        std::fs::write(dist.join(format!("{name}.gz")), gzip(&data)).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Prints the payload table; returns whether it is within the budget.
pub fn report_payload(dist: &Path) -> Result<bool, String> {
    let files = ["console-ui_bg.wasm", "console-ui.js", "boot.js", "style.css", "index.html"];
    let (mut raw, mut gz, mut br) = (0, 0, 0);
    println!("\nUI payload ({})", dist.display());
    println!("  {:<22} {:>10} {:>10} {:>10}", "file", "raw", "gzip", "brotli");
    for f in files {
        let data = std::fs::read(dist.join(f)).map_err(|e| format!("{f}: {e} (build the UI first)"))?;
        let (g, b) = (gzip(&data).len(), brotli(&data).len());
        println!("  {:<22} {:>10} {:>10} {:>10}", f, kb(data.len()), kb(g), kb(b));
        raw += data.len();
        gz += g;
        br += b;
    }
    println!("  {:<22} {:>10} {:>10} {:>10}", "total", kb(raw), kb(gz), kb(br));
    let within = br <= BUDGET_BROTLI_BYTES;
    println!(
        "  budget: {} brotli -> {} ({:.0}% used)",
        kb(BUDGET_BROTLI_BYTES),
        if within { "within" } else { "OVER" },
        100.0 * br as f64 / BUDGET_BROTLI_BYTES as f64
    );
    Ok(within)
}

fn kb(n: usize) -> String {
    format!("{:.1} KB", n as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::minify_css;

    #[test]
    fn css_loses_comments_and_layout_but_not_meaning() {
        let css = "/* the bar */\n.topbar a :hover ,\n.x > .y {\n  color : red ;\n  font: \"Segoe  UI\", sans-serif;\n}\n\n@media (max-width: 600px) { .a { b: c } }\n";
        assert_eq!(
            minify_css(css),
            ".topbar a :hover,.x > .y{color : red;font: \"Segoe  UI\",sans-serif}@media (max-width: 600px){.a{b: c}}"
        );
    }
}
