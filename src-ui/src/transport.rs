//! How the page reaches the console's Rust side: `fetch` to the same origin (the gateway), or in the
//! desktop app Tauri's IPC to its `api` command, which answers what the gateway would. Both sit behind
//! `console_api::transport::Transport`; [`client`] picks one once at start, and the app takes its [`Client`]
//! from context, so no component knows which one it runs on.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use console_api::gateway::{routes, GatewayClient, BACKGROUND_HEADER};
use console_api::transport::{Method, Request, Response, Transport, TransportError};
use gloo_net::http::{Method as HttpMethod, RequestBuilder};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

/// `fetch` with paths relative to the page's origin. No credentials or tokens: the gateway holds them.
#[derive(Clone, Copy, Debug, Default)]
pub struct FetchTransport;

fn method(m: Method) -> HttpMethod {
    match m {
        Method::Get => HttpMethod::GET,
        Method::Post => HttpMethod::POST,
        Method::Put => HttpMethod::PUT,
        Method::Patch => HttpMethod::PATCH,
        Method::Delete => HttpMethod::DELETE,
    }
}

/// The answer to `GET /api/session` that `boot.js` asked while the bundle loaded (`consoleSessionAhead`,
/// xtask/src/ui.rs), taken once, by the same request: asking it again would add a round trip before
/// anything of the console shows.
fn session_asked_ahead(request: &Request) -> Option<js_sys::Promise> {
    if request.method != Method::Get || request.path != routes::SESSION || !request.headers.is_empty() {
        return None;
    }
    let window: JsValue = web_sys::window()?.into();
    let key = JsValue::from_str("consoleSessionAhead");
    let ahead = Reflect::get(&window, &key).ok()?.dyn_into::<js_sys::Promise>().ok()?;
    let _ = Reflect::delete_property(window.unchecked_ref::<Object>(), &key);
    Some(ahead)
}

impl Transport for FetchTransport {
    async fn send(&self, request: Request) -> Result<Response, TransportError> {
        let response = match session_asked_ahead(&request) {
            Some(ahead) => match wasm_bindgen_futures::JsFuture::from(ahead).await {
                Ok(answer) => gloo_net::http::Response::from(answer.unchecked_into::<web_sys::Response>()),
                Err(_) => return Err(TransportError::Connect("the console's server did not answer".into())),
            },
            None => fetch(&request).await?,
        };
        let status = response.status();
        signed_out_midway(&request, status);
        let headers = response.headers().entries().collect();
        let body = response.binary().await.map_err(|e| TransportError::Connect(e.to_string()))?;
        Ok(Response { status, headers, body })
    }
}

/// Sends `request` with `fetch`.
async fn fetch(request: &Request) -> Result<gloo_net::http::Response, TransportError> {
    let mut builder = RequestBuilder::new(&request.path).method(method(request.method));
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let built = match &request.body {
        Some(body) => builder.body(js_sys::Uint8Array::from(body.as_slice())),
        None => builder.build(),
    }
    .map_err(|e| TransportError::Other(e.to_string()))?;
    // fetch rejects only when no response came: the network, CORS, or the server being down.
    built.send().await.map_err(|e| TransportError::Connect(e.to_string()))
}

/// The session expired or was revoked mid-use: every /api call says so with 401, and the one answer is
/// to sign in again and come back here. Drafts of forms are already saved (they are on every input).
/// Not for /api/session, which answers 200 to nobody, nor /auth/logout, which ends the session anyway.
/// A background poll's 401 (nobody acting: an idle timeout) leaves the page too, for "your session has
/// ended" rather than for sign-in, so that a desk left alone keeps no customer's data on screen and
/// polls on, refused, into the audit log no more.
fn signed_out_midway(request: &Request, status: u16) {
    if status == 401 && request.path.starts_with("/api/") && request.path != routes::SESSION {
        if request.headers.iter().any(|(name, _)| name == BACKGROUND_HEADER) {
            crate::util::session_ended_here();
        } else {
            crate::util::sign_in_here();
        }
    }
}

#[wasm_bindgen]
extern "C" {
    /// Tauri's own `invoke` (always injected into the app's page, whatever `withGlobalTauri` says). It
    /// queues calls until the IPC is ready, and resolves with the command's answer or rejects with its error.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    /// Tauri's address of a path on one of the app's own schemes (`console://localhost/…`, or
    /// `http://console.localhost/…` where the webview wants http).
    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = convertFileSrc)]
    fn tauri_convert_file_src(path: &str, scheme: &str) -> String;
}

/// Whether the page runs in the desktop app.
fn in_desktop_app() -> bool {
    web_sys::window().is_some_and(|w| Reflect::has(&w, &JsValue::from_str("__TAURI_INTERNALS__")).unwrap_or(false))
}

/// Where a frame loads a gateway path from (`path`: `/api/…` with its query). In a browser, the path
/// itself; in the desktop app, whose page origin answers every path with the page, the app's `console:`
/// scheme, which the same Rust service answers (src-tauri/src/resources.rs).
pub fn resource_url(path: &str) -> String {
    if in_desktop_app() {
        tauri_convert_file_src(path, "console")
    } else {
        path.to_string()
    }
}

/// The desktop app's `api` command (src-tauri/src/api.rs): the same exchange as over HTTP, as plain JS
/// values built by hand (a serializer crate would weigh more in every bundle than these lines).
#[derive(Clone, Copy, Debug, Default)]
pub struct IpcTransport;

fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn get(source: &JsValue, key: &str) -> JsValue {
    Reflect::get(source, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

impl Transport for IpcTransport {
    async fn send(&self, request: Request) -> Result<Response, TransportError> {
        let call = Object::new();
        set(&call, "method", &JsValue::from_str(request.method.as_str()));
        set(&call, "path", &JsValue::from_str(&request.path));
        let headers: Array = request
            .headers
            .iter()
            .map(|(name, value)| Array::of2(&JsValue::from_str(name), &JsValue::from_str(value)))
            .collect();
        set(&call, "headers", &headers);
        if let Some(body) = &request.body {
            // Every body the console sends is JSON text.
            let text = std::str::from_utf8(body).map_err(|_| TransportError::Other("the request body is not text".into()))?;
            set(&call, "body", &JsValue::from_str(text));
        }
        let args = Object::new();
        set(&args, "call", &call);
        let answer = match tauri_invoke("api", args.into()).await {
            Ok(answer) => answer,
            // The command refused the call before any host saw it: its ApiProblem, as the gateway's 400.
            Err(problem) if get(&problem, "status").as_f64().is_some() => {
                let text = js_sys::JSON::stringify(&problem).map(String::from).unwrap_or_default();
                let status = get(&problem, "status").as_f64().unwrap_or(500.0) as u16;
                let headers = vec![("content-type".to_string(), "application/json".to_string())];
                return Ok(Response { status, headers, body: text.into_bytes() });
            }
            // The IPC itself failed (a command the capabilities do not allow, the app shutting down).
            Err(other) => return Err(TransportError::Other(other.as_string().unwrap_or_else(|| "the desktop app did not answer".into()))),
        };
        let status = get(&answer, "status").as_f64().unwrap_or(0.0) as u16;
        let headers = get(&answer, "headers")
            .dyn_into::<Array>()
            .unwrap_or_else(|_| Array::new())
            .iter()
            .filter_map(|pair| {
                let pair = pair.dyn_into::<Array>().ok()?;
                Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
            })
            .collect();
        let body = get(&answer, "body").as_string().unwrap_or_default().into_bytes();
        signed_out_midway(&request, status);
        Ok(Response { status, headers, body })
    }
}

/// A [`Transport`] made object-safe, so the client type does not depend on which transport runs.
trait DynTransport {
    fn send_boxed(&self, request: Request) -> Pin<Box<dyn Future<Output = Result<Response, TransportError>> + '_>>;
}

impl<T: Transport> DynTransport for T {
    fn send_boxed(&self, request: Request) -> Pin<Box<dyn Future<Output = Result<Response, TransportError>> + '_>> {
        Box::pin(self.send(request))
    }
}

/// Any transport, shared.
#[derive(Clone)]
pub struct SharedTransport(Arc<dyn DynTransport + Send + Sync>);

impl SharedTransport {
    pub fn new<T: Transport + Send + Sync + 'static>(transport: T) -> Self {
        SharedTransport(Arc::new(transport))
    }
}

impl Transport for SharedTransport {
    async fn send(&self, request: Request) -> Result<Response, TransportError> {
        self.0.send_boxed(request).await
    }
}

/// The console API client every component takes from context.
pub type Client = GatewayClient<SharedTransport>;

/// The client for where the page runs: IPC in the desktop app, else `fetch` to the gateway. Chosen once,
/// at start.
pub fn client() -> Client {
    if in_desktop_app() {
        GatewayClient::new(SharedTransport::new(IpcTransport))
    } else {
        GatewayClient::new(SharedTransport::new(FetchTransport))
    }
}
