//! What the page loads by address rather than through its typed client: the end user's document, shown in
//! a sandboxed frame. In a browser the frame's `src` is the gateway's `/api/me/documents?uri=…`; in the
//! app the page is on `tauri://localhost`, which answers every path with `index.html`, so the frame loads
//! from this app's own scheme instead, `console:` (`console://localhost/<the /api path, URL-encoded>`, or
//! `http://console.localhost/…` where the webview wants http: the page asks Tauri's `convertFileSrc`).
//!
//! The scheme is answered by the same [`ApiHost`] as the `api` command, so the same person, checks and
//! audit lines apply. It is narrower than the command: GET only, and only the routes listed in
//! [`RESOURCE_ROUTES`]. A frame, an image or a link can reach this scheme without the page's code, so
//! nothing here may change anything; the document route only reads.

use std::borrow::Cow;

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, Response, StatusCode};
use console_api::gateway::me::routes::MY_DOCUMENT;
use console_api::gateway::{ApiProblem, ProblemKind};

use crate::api::{problem_response, request_of, ApiCall, ApiHost};

/// The app's scheme for resources.
pub const SCHEME: &str = "console";

/// The routes served over [`SCHEME`]: each a GET that only reads.
pub const RESOURCE_ROUTES: [&str; 1] = [MY_DOCUMENT];

/// The largest resource answered (a document; the gateway's own bound on them is smaller).
const MAX_RESOURCE_BYTES: usize = 16 * 1024 * 1024;

/// Headers of the host's answer that reach the frame: what it needs to show the document.
const KEPT_HEADERS: [&str; 2] = ["content-type", "content-disposition"];

/// The policy of every answer on the scheme, whatever the service said, errors included: no script, no
/// request of its own, a sandbox (an opaque origin with no IPC, even if the window itself were sent
/// here), inline styles only; framed by the app's page alone.
pub const RESOURCE_CSP: &str =
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors tauri://localhost http://tauri.localhost";

/// The start of a document's address on the scheme, as `convertFileSrc` encodes it: the navigation guard
/// lets the window load nothing else from the scheme.
pub const DOCUMENT_PREFIX: &str = "/%2Fapi%2Fme%2Fdocuments%3F";

/// The `/api` request a [`SCHEME`] address stands for, or the problem that refuses it. The address's path is
/// the console's path and query, URL-encoded as one segment (what `convertFileSrc` makes of it).
pub fn request_of_resource(method: &Method, uri: &axum::http::Uri) -> Result<Request<Body>, ApiProblem> {
    if method != Method::GET {
        return Err(ApiProblem::new(405, ProblemKind::InvalidInput, "The app's resources are read with GET only."));
    }
    let encoded = uri.path().strip_prefix('/').unwrap_or_default();
    let path = String::from_utf8(console_api::transport::percent_decode(encoded))
        .map_err(|_| ApiProblem::new(400, ProblemKind::InvalidInput, "The resource's address is not text."))?;
    let route = path.split('?').next().unwrap_or_default();
    if !RESOURCE_ROUTES.contains(&route) {
        return Err(ApiProblem::new(404, ProblemKind::NotFound, "The app serves documents at this address, and nothing else."));
    }
    // The `api` command's own checks (a local /api path, no stray header) apply as well.
    request_of(ApiCall { method: "GET".into(), path, headers: Vec::new(), body: None })
}

/// The answer to one [`SCHEME`] request, as the webview takes it.
pub async fn answer(host: &dyn ApiHost, method: &Method, uri: &axum::http::Uri) -> axum::http::Response<Cow<'static, [u8]>> {
    let response = match request_of_resource(method, uri) {
        Ok(request) => host.answer(request).await,
        Err(problem) => problem_response(&problem),
    };
    let (parts, body) = response.into_parts();
    let (status, body) = match axum::body::to_bytes(body, MAX_RESOURCE_BYTES).await {
        Ok(bytes) => (parts.status, bytes.to_vec()),
        Err(e) => {
            tracing::warn!("a resource could not be read: {e}");
            (StatusCode::BAD_GATEWAY, b"The document could not be read.".to_vec())
        }
    };
    let mut answer = Response::new(Cow::Owned(body));
    *answer.status_mut() = status;
    for name in KEPT_HEADERS {
        if let Some(value) = parts.headers.get(name) {
            answer.headers_mut().insert(name, value.clone());
        }
    }
    let headers = answer.headers_mut();
    headers.insert("content-security-policy", HeaderValue::from_static(RESOURCE_CSP));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    // Whoever is signed in may change: a document shown to one person is never kept for the next.
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    answer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{json_response, HostFuture};

    /// Answers with the path and query it was asked, and a header the frame must not get.
    struct Echo;

    impl ApiHost for Echo {
        fn answer(&self, request: Request<Body>) -> HostFuture<'_> {
            let asked = request.uri().to_string();
            Box::pin(async move {
                let mut response = json_response(200, &asked);
                response.headers_mut().insert("content-security-policy", HeaderValue::from_static("sandbox"));
                response.headers_mut().insert("set-cookie", HeaderValue::from_static("a=b"));
                response
            })
        }
    }

    fn uri(text: &str) -> axum::http::Uri {
        text.parse().unwrap()
    }

    #[tokio::test]
    async fn a_document_address_is_answered_by_the_host_with_its_guards() {
        let address = "console://localhost/%2Fapi%2Fme%2Fdocuments%3Furi%3D%252Fvault%252Ffiles%252Fprivacy%252Fcontent";
        let answer = answer(&Echo, &Method::GET, &uri(address)).await;
        assert_eq!(answer.status(), 200);
        assert_eq!(std::str::from_utf8(answer.body()).unwrap(), "\"/api/me/documents?uri=%2Fvault%2Ffiles%2Fprivacy%2Fcontent\"");
        assert_eq!(answer.headers()["content-security-policy"], RESOURCE_CSP, "the scheme's own policy, not the service's");
        assert_eq!(answer.headers()["x-content-type-options"], "nosniff");
        assert_eq!(answer.headers()["cache-control"], "no-store");
        assert!(answer.headers().get("set-cookie").is_none());
        // Windows' form of the same address.
        let windows = "http://console.localhost/%2Fapi%2Fme%2Fdocuments%3Furi%3Dx";
        assert_eq!(answer_status(&Method::GET, windows).await, 200);
    }

    async fn answer_status(method: &Method, address: &str) -> u16 {
        answer(&Echo, method, &uri(address)).await.status().as_u16()
    }

    #[tokio::test]
    async fn nothing_but_reading_a_document_is_served() {
        let document = "console://localhost/%2Fapi%2Fme%2Fdocuments%3Furi%3Dx";
        assert_eq!(answer_status(&Method::POST, document).await, 405);
        for other in [
            "console://localhost/%2Fapi%2Fsession",
            "console://localhost/%2Fapi%2Fd1%2Fconsumers%2Fdemo-alice",
            "console://localhost/%2Fapi%2Fconsents%2Fexport.csv",
            "console://localhost/%2Fapi%2Fme%2Fdocuments%2Fsummary%3Furi%3Dx",
            "console://localhost/api/me/documents",
            "console://localhost/%2Fapi%2Fme%2Fdocuments%2F..%2F..%2Fsession",
            "console://localhost/",
        ] {
            assert_eq!(answer_status(&Method::GET, other).await, 404, "{other}");
        }
        // A control character smuggled into the query is refused by the api command's own check.
        let refused = answer(&Echo, &Method::GET, &uri("console://localhost/%2Fapi%2Fme%2Fdocuments%3Furi%3D%250a")).await;
        assert_eq!(refused.status(), 400);
        assert_eq!(refused.headers()["content-security-policy"], RESOURCE_CSP, "refusals are sandboxed too");
        assert!(document.starts_with(&format!("console://localhost{DOCUMENT_PREFIX}")));
    }
}
