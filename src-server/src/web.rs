//! Static files of the built UI, the SPA fallback, and what every request goes through: its client address
//! and audit scope, the rate limit of `/auth/*`, and the headers every response carries.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use console_link::service::audit::{session_ref, RequestScope};
use console_link::service::Origin;

use crate::auth::{cookie, WebOrigin};
use crate::client::{ClientAddr, ClientAddrs};
use crate::rate_limit::{retry_after_secs, AuthRateLimit};
use crate::AppState;

/// The page runs only our own script and wasm, styles only from our own sheet (it sets no style
/// attributes), talks only to this origin, and cannot be framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The console uses none of these powerful features; denying them means a script that got in cannot either.
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), bluetooth=(), camera=(), display-capture=(), \
     geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), serial=(), usb=()";

/// Over https only: browsers keep to https for a year, subdomains included (a bank's are all https).
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// The request id made for every request (the audit log's `requestId`), sent back to help support.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// What the request layer needs.
#[derive(Clone)]
struct RequestLayer {
    web: WebOrigin,
    clients: Arc<ClientAddrs>,
    auth_limit: Arc<AuthRateLimit>,
}

/// `auth_limit`: the gateway's, which its sweeper keeps small ([`crate::rate_limit::spawn_sweeper`]).
pub fn app(state: AppState, dist: &Path, trusted_proxies: &[IpAddr], auth_limit: Arc<AuthRateLimit>) -> Router {
    let layer = RequestLayer { web: state.web.clone(), clients: Arc::new(ClientAddrs::new(trusted_proxies)), auth_limit };
    let set = |name: header::HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    // The service's routes each need a caller: the session's, or the refusal, before any of them runs.
    // Unknown `/api` routes stay a 404 for everyone.
    let api = console_link::service::routes(state.service.clone())
        .route_layer(middleware::from_fn_with_state(state.clone(), crate::auth::authenticate))
        .merge(console_link::service::unknown_routes());
    Router::new()
        .merge(crate::auth::router().with_state(state))
        .merge(api)
        .merge(static_files(dist))
        .layer(middleware::from_fn_with_state(layer, per_request))
        .layer(set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(header::REFERRER_POLICY, "no-referrer"))
        // No other window keeps a handle on ours, and no other site may embed our answers.
        .layer(set(header::HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
        .layer(set(header::HeaderName::from_static("cross-origin-resource-policy"), "same-origin"))
        .layer(set(header::HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY))
        // What is not a content-hashed asset (index.html, boot.js, the icon) is revalidated every time
        // (cheap: Last-Modified is sent). `/api` and `/auth` answers are `no-store` instead (set below).
        .layer(set(header::CACHE_CONTROL, "no-cache"))
        .layer(TraceLayer::new_for_http())
}

/// Where the build puts the files whose names carry a hash of their content (`xtask/src/ui.rs`).
pub const ASSETS_DIR: &str = "assets";

/// The path under which they are served.
const ASSETS_PATH: &str = "/assets/";

/// A hashed asset never changes under its name: browsers keep it a year without asking again.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `dist/`: the content-hashed assets under `/assets/` (immutable; a name this build does not have, such
/// as a chunk of the build before a redeploy, is a 404), the other files as they are, and index.html for
/// every other path that is not a file name (the routes of the single-page app). Brotli or gzip copies are
/// served to browsers that accept them, so every answer varies by `Accept-Encoding`.
fn static_files(dist: &Path) -> Router {
    let index = ServeFile::new(dist.join("index.html")).precompressed_br().precompressed_gzip();
    let route_or_missing = tower::service_fn(move |request: Request| {
        let index = index.clone();
        async move {
            if names_a_file(request.uri().path()) {
                return Ok::<_, std::convert::Infallible>(StatusCode::NOT_FOUND.into_response());
            }
            Ok(index.oneshot(request).await.into_response())
        }
    });
    let assets = ServeDir::new(dist.join(ASSETS_DIR)).precompressed_br().precompressed_gzip();
    let files = ServeDir::new(dist).precompressed_br().precompressed_gzip().fallback(route_or_missing);
    Router::new()
        .nest_service(ASSETS_PATH.trim_end_matches('/'), Router::new().fallback_service(assets).layer(middleware::map_response(immutable)))
        .fallback_service(files)
        .layer(middleware::from_fn(refuse_odd_names))
        .layer(SetResponseHeaderLayer::appending(header::VARY, HeaderValue::from_static("accept-encoding")))
}

/// The longest name a file system takes; a longer segment is no file of ours (and would be an I/O error).
const MAX_NAME_BYTES: usize = 255;

/// Names the build never writes are a 404 before they reach the file system: a segment too long for it,
/// a hidden name (`/.env`, `/.well-known/…`: no id of the app starts with a dot), and among file names
/// (top level or under `/assets/`) a precompressed copy asked by name (`/assets/x.wasm.br`: it is served
/// only as the encoding of its original, with the original's type). The build's own `.source-stamp` is
/// such a hidden name.
async fn refuse_odd_names(request: Request, next: Next) -> Response {
    // Judged decoded, as `ServeDir` opens it: `/%2Eenv` is `/.env`.
    let path = percent_encoding::percent_decode_str(request.uri().path()).decode_utf8_lossy();
    let path = path.as_ref();
    let odd = path.split('/').any(|segment| segment.len() > MAX_NAME_BYTES || segment.starts_with('.'))
        || file_name(path).is_some_and(|name| name.ends_with(".br") || name.ends_with(".gz"));
    if odd {
        return StatusCode::NOT_FOUND.into_response();
    }
    next.run(request).await
}

/// A found asset is immutable; a 404 is not (the name may exist after the next deploy).
async fn immutable(mut response: Response) -> Response {
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    }
    response
}

/// Every file the build writes outside `/assets/` sits at the top (`/boot.js`, `/favicon.svg`), and no
/// route of the app is one segment with a dot in it, so a missing `/{name}.{ext}` is a file this build does
/// not have (such as `/console-ui_bg.wasm` of the builds before hashing): a 404, never the page.
fn names_a_file(path: &str) -> bool {
    top_level_name(path).is_some_and(|name| name.rsplit_once('.').is_some_and(|(stem, ext)| !stem.is_empty() && !ext.is_empty()))
}

/// The name of a file the build could have written there: a path of one segment, at the top or under
/// `/assets/`.
fn file_name(path: &str) -> Option<&str> {
    path.strip_prefix(ASSETS_PATH).filter(|name| !name.contains('/')).or_else(|| top_level_name(path))
}

fn top_level_name(path: &str) -> Option<&str> {
    path.strip_prefix('/').filter(|name| !name.contains('/'))
}

/// Every request: its client address (in its extensions), its audit scope, the rate limit of `/auth/*`;
/// on the way out, `no-store` on personal data, HSTS over https, the request id.
async fn per_request(State(layer): State<RequestLayer>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let client = layer.clients.of(peer, request.headers());
    request.extensions_mut().insert(ClientAddr(client));
    let user_agent = request.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string);
    let origin = Origin::Web { ip: client, user_agent };
    request.extensions_mut().insert(origin.clone());
    let path = request.uri().path();
    let sign_in = path.starts_with("/auth/");
    // `/api` answers carry personal data, `/auth` answers one-time codes and cookies: no cache keeps them.
    let personal = sign_in || path == "/api" || path.starts_with("/api/");
    let request_id = uuid::Uuid::new_v4().to_string();
    let limited = if sign_in { layer.auth_limit.check(client).err() } else { None };
    let mut response = match limited {
        Some(wait) => {
            tracing::warn!(client = ?client, path, "rate limit of /auth/* reached");
            too_many_requests(wait)
        }
        None => {
            let session = cookie(request.headers(), layer.web.session_cookie()).map(session_ref);
            RequestScope { origin, request_id: request_id.clone(), session }.run(next.run(request)).await
        }
    };
    let headers = response.headers_mut();
    if personal {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if layer.web.secure {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(STRICT_TRANSPORT_SECURITY));
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID_HEADER, v);
    }
    response
}

fn too_many_requests(wait: std::time::Duration) -> Response {
    let secs = retry_after_secs(wait);
    let message = format!("Too many sign-in requests from your address. Try again in {secs} seconds.");
    let mut response = (StatusCode::TOO_MANY_REQUESTS, message).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}
