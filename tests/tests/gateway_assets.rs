//! The built UI as the gateway serves it: content-hashed assets cached for a year and precompressed,
//! the page and its loader revalidated, and a file the build does not have answered 404, never with the
//! page (a tab open across a redeploy must not get index.html as its wasm).

use console_e2e::{dist_dir, named_assets, sign_in::no_redirects, Stack};
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY};

fn header(r: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    r.headers().get(&name).and_then(|v| v.to_str().ok()).unwrap_or("<absent>").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_assets_are_immutable_and_precompressed_and_the_page_is_revalidated() {
    let stack = Stack::start().await;
    let http = no_redirects();
    let assets = named_assets(&dist_dir());
    for bundle in ["staff", "customer", "agreements", "history", "consents", "documents", "consent_types", "people", "accounts"] {
        for ext in ["js", "wasm", "css"] {
            let named = assets.iter().any(|a| a.starts_with(&format!("/assets/{bundle}.")) && a.ends_with(&format!(".{ext}")));
            assert!(named, "boot.js names the {bundle} bundle's {ext}: {assets:?}");
        }
    }
    for asset in &assets {
        for (accept, encoding) in [("br, gzip", "br"), ("gzip", "gzip"), ("identity", "<absent>")] {
            let r = http.get(stack.url(asset)).header(ACCEPT_ENCODING, accept).send().await.expect("GET an asset");
            assert_eq!(r.status(), 200, "{asset} ({accept})");
            assert_eq!(header(&r, CACHE_CONTROL), "public, max-age=31536000, immutable", "{asset}");
            assert!(header(&r, VARY).to_ascii_lowercase().contains("accept-encoding"), "{asset}: Vary {}", header(&r, VARY));
            assert_eq!(header(&r, CONTENT_ENCODING), encoding, "{asset} with Accept-Encoding: {accept}");
            let want_type = match asset.rsplit('.').next() {
                Some("wasm") => "application/wasm",
                Some("js") => "text/javascript",
                _ => "text/css",
            };
            assert!(header(&r, CONTENT_TYPE).starts_with(want_type), "{asset}: {}", header(&r, CONTENT_TYPE));
        }
    }
    for page in ["/", "/boot.js", "/index.html", "/me", "/consumers/demo-busy", "/customers/C-100006"] {
        let r = http.get(stack.url(page)).header(ACCEPT_ENCODING, "br").send().await.expect("GET a page");
        assert_eq!(r.status(), 200, "{page}");
        assert_eq!(header(&r, CACHE_CONTROL), "no-cache", "{page} is revalidated at every load");
        assert!(header(&r, VARY).to_ascii_lowercase().contains("accept-encoding"), "{page}: Vary {}", header(&r, VARY));
    }
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_the_build_does_not_have_is_a_404_never_the_page() {
    let stack = Stack::start().await;
    let http = no_redirects();
    // An old build's chunk, the names before hashing, and a mistyped top-level file.
    for missing in [
        "/assets/staff.0000000000000000.wasm",
        "/assets/staff.0000000000000000.js",
        "/assets/nothing",
        "/console-ui_bg.wasm",
        "/console-ui.js",
        "/style.css",
        "/favicon.png",
        // Names the build never writes: hidden files, precompressed copies by name, names too long.
        "/.env",
        "/.well-known/security.txt",
        // The same, percent-encoded: the file server decodes before it opens (dist/.source-stamp exists).
        "/%2Esource-stamp",
        "/%2esource-stamp",
        "/boot.js%2Egz",
        "/favicon.svg.br",
        "/boot.js.gz",
        &format!("/assets/{}.wasm", "a".repeat(5000)),
        &format!("/{}", "a".repeat(300)),
    ] {
        let r = http.get(stack.url(missing)).header(ACCEPT_ENCODING, "br, gzip").send().await.expect("GET");
        assert_eq!(r.status(), 404, "{missing}");
        assert_ne!(header(&r, CACHE_CONTROL), "public, max-age=31536000, immutable", "a 404 is not kept: {missing}");
        let body = r.text().await.unwrap_or_default();
        assert!(!body.contains("<html"), "{missing} answered with a page: {body:.80}");
    }
    // Routes of the app, dots in a consumer id included, still get the page.
    for route in ["/consumers/demo.busy", "/consumers/x.wasm", "/me", "/signed-out"] {
        let r = http.get(stack.url(route)).send().await.expect("GET a route");
        assert_eq!(r.status(), 200, "{route}");
        assert!(r.text().await.unwrap_or_default().contains("/boot.js"), "{route} is the page");
    }
    stack.shutdown().await;
}
