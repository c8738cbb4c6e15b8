//! How the page reaches the console's Rust side: `fetch` to the same origin (the gateway), behind
//! `console_api::transport::Transport`. The app takes its [`Client`] from context, so another transport
//! (Tauri IPC) plugs in without touching a component.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use console_api::gateway::{routes, GatewayClient, BACKGROUND_HEADER};
use console_api::transport::{Method, Request, Response, Transport, TransportError};
use gloo_net::http::{Method as HttpMethod, RequestBuilder};

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

impl Transport for FetchTransport {
    async fn send(&self, request: Request) -> Result<Response, TransportError> {
        let mut builder = RequestBuilder::new(&request.path).method(method(request.method));
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let built = match request.body {
            Some(body) => builder.body(js_sys::Uint8Array::from(body.as_slice())),
            None => builder.build(),
        }
        .map_err(|e| TransportError::Other(e.to_string()))?;
        // fetch rejects only when no response came: the network, CORS, or the server being down.
        let response = built.send().await.map_err(|e| TransportError::Connect(e.to_string()))?;
        let status = response.status();
        // The session expired or was revoked mid-use: every /api call says so with 401, and the one answer is
        // to sign in again and come back here. Drafts of forms are already saved (they are on every input).
        // Not for /api/session, which answers 200 to nobody, nor /auth/logout, which ends the session anyway,
        // nor a background poll: the session's end shows at the person's next action, not under their eyes.
        let background = request.headers.iter().any(|(name, _)| name == BACKGROUND_HEADER);
        if status == 401 && request.path.starts_with("/api/") && request.path != routes::SESSION && !background {
            crate::util::sign_in_here();
        }
        let headers = response.headers().entries().collect();
        let body = response.binary().await.map_err(|e| TransportError::Connect(e.to_string()))?;
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

/// The client over `fetch` to the gateway.
pub fn http_client() -> Client {
    GatewayClient::new(SharedTransport::new(FetchTransport))
}
