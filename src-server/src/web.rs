//! Static files of the built UI, the SPA fallback, and the headers every response carries.

use std::path::Path;

use axum::http::{header, HeaderValue};
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::api::{self, AppState};

/// The page runs only our own script and wasm, styles only from our own sheet (it sets no style
/// attributes), talks only to this origin, and cannot be framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub fn app(state: AppState, dist: &Path) -> Router {
    // Unknown non-API paths are routes of the single-page app: answer them with index.html.
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(dist.join("index.html")));
    let set = |name: header::HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    Router::new()
        .merge(api::router(state))
        .fallback_service(files)
        .layer(set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(header::REFERRER_POLICY, "no-referrer"))
        // Asset names are not content-hashed: revalidate every time (cheap, Last-Modified is sent).
        .layer(set(header::CACHE_CONTROL, "no-cache"))
        .layer(TraceLayer::new_for_http())
}
