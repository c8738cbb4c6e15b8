//! The page's one door to the Rust side: the `api` command carries what would be one HTTP exchange with the
//! gateway's `/api` and answers what the gateway would (status, headers, JSON body or `ApiProblem`), so the
//! page's typed client and every page above it are the same in the browser and here.
//!
//! Who answers is an [`ApiHost`]: the console's service router (`console_link::service`) with the signed-in
//! caller, run in process, or, before anyone signs in, [`SignedOutHost`]. The host, never the page, says who
//! is calling: the page's headers are cut to an allow-list, so no cookie or `Authorization` it sends counts.

use std::future::Future;
use std::pin::Pin;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request, Response};
use console_api::gateway::{is_local_path, ApiProblem, ProblemKind, SessionInfo, BACKGROUND_HEADER, CORRELATION_HEADER};
use serde::{Deserialize, Serialize};
use tower::ServiceExt;

/// The largest answer carried back (the biggest is a staff CSV export; the gateway streams those).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// Request headers the page may set: what the typed client sends (`console_api::gateway`). `x-csrf-token`
/// is allowed and ignored: the desktop has no cookie for it to guard.
const FORWARDED_HEADERS: [&str; 6] = ["accept", "content-type", "if-match", CORRELATION_HEADER, BACKGROUND_HEADER, "x-csrf-token"];

/// One call, as the page's IPC transport sends it. `body`: the JSON text, if any.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ApiCall {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: Option<String>,
}

/// What the gateway would have answered. `body` is text: every `/api` answer is JSON or CSV.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct ApiAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

pub type HostFuture<'a> = Pin<Box<dyn Future<Output = Response<Body>> + Send + 'a>>;

/// Answers one `/api` request as the gateway would; the host adds who is calling.
pub trait ApiHost: Send + Sync + 'static {
    fn answer(&self, request: Request<Body>) -> HostFuture<'_>;

    /// The signed-in person's host, if this is one (sign-out revokes its refresh token).
    fn as_signed_in(&self) -> Option<&crate::service_host::SignedInHost> {
        None
    }
}

/// A router as the host: the console's service router with its caller layer (or a test's own).
pub struct RouterHost(pub axum::Router);

impl ApiHost for RouterHost {
    fn answer(&self, request: Request<Body>) -> HostFuture<'_> {
        let router = self.0.clone();
        // A Router's error type is Infallible: every failure is an answer.
        Box::pin(async move { router.oneshot(request).await.unwrap_or_else(|never| match never {}) })
    }
}

/// Nobody signed in: `/api/session` says so (the page then starts the sign-in), every other route is 401
/// as at the gateway.
pub struct SignedOutHost {
    pub session: SessionInfo,
}

impl ApiHost for SignedOutHost {
    fn answer(&self, request: Request<Body>) -> HostFuture<'_> {
        Box::pin(std::future::ready(signed_out_answer(&self.session, &request)))
    }
}

/// What nobody signed in is answered: `session` for `/api/session`, 401 for the rest.
pub fn signed_out_answer(session: &SessionInfo, request: &Request<Body>) -> Response<Body> {
    if request.method() == Method::GET && request.uri().path() == console_api::gateway::routes::SESSION {
        json_response(200, session)
    } else {
        problem_response(&ApiProblem::new(401, ProblemKind::Unauthorized, "Sign in to continue."))
    }
}

pub fn json_response<T: Serialize>(status: u16, value: &T) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    response
}

pub fn problem_response(problem: &ApiProblem) -> Response<Body> {
    json_response(problem.status, problem)
}

/// The call as an HTTP request for the host, or the problem that refuses it (before any host sees it).
pub fn request_of(call: ApiCall) -> Result<Request<Body>, ApiProblem> {
    let invalid = |message: String| ApiProblem { field: Some("call".into()), ..ApiProblem::new(400, ProblemKind::InvalidInput, message) };
    let method = match call.method.as_str() {
        "GET" => Method::GET,
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "PATCH" => Method::PATCH,
        "DELETE" => Method::DELETE,
        other => return Err(invalid(format!("method {:?} is not one the console uses (GET, POST, PUT, PATCH, DELETE)", shown(other)))),
    };
    // Only the console's own routes: no scheme, no other host, nothing but /api.
    if !is_local_path(&call.path) || !(call.path.starts_with("/api/") || call.path == "/api") {
        return Err(invalid(format!("path {:?} is not one of the console's /api routes", shown(&call.path))));
    }
    let mut request = Request::builder().method(method).uri(&call.path);
    for (name, value) in &call.headers {
        let name = name.to_ascii_lowercase();
        if !FORWARDED_HEADERS.contains(&name.as_str()) {
            continue;
        }
        let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) else {
            return Err(invalid(format!("header {:?} has a value HTTP cannot carry", shown(&name))));
        };
        request = request.header(name, value);
    }
    request
        .body(call.body.map(Body::from).unwrap_or_else(Body::empty))
        .map_err(|e| invalid(format!("the call cannot be made into a request: {e}")))
}

/// At most 40 characters of what the page sent, without control characters: enough to recognise it.
fn shown(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(40).collect()
}

/// The host's answer as the page's transport reads it.
pub async fn answer_of(response: Response<Body>) -> Result<ApiAnswer, ApiProblem> {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_ANSWER_BYTES).await.map_err(|e| {
        tracing::warn!("api answer unreadable: {e}");
        ApiProblem::new(500, ProblemKind::Internal, "The answer was too large or broke off; try a narrower query.")
    })?;
    let body = String::from_utf8(bytes.to_vec()).map_err(|_| {
        ApiProblem::new(500, ProblemKind::Internal, "The answer is not text, which the desktop app cannot show.")
    })?;
    let headers = parts
        .headers
        .iter()
        .filter(|(name, _)| *name != axum::http::header::SET_COOKIE)
        .filter_map(|(name, value)| Some((name.as_str().to_string(), value.to_str().ok()?.to_string())))
        .collect();
    Ok(ApiAnswer { status: parts.status.as_u16(), headers, body })
}

/// One call end to end: checked, answered by `host`, read back.
pub async fn call(host: &dyn ApiHost, call: ApiCall) -> Result<ApiAnswer, ApiProblem> {
    let request = request_of(call)?;
    answer_of(host.answer(request).await).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call_of(method: &str, path: &str) -> ApiCall {
        ApiCall { method: method.into(), path: path.into(), headers: Vec::new(), body: None }
    }

    #[test]
    fn only_the_consoles_api_paths_and_methods_pass() {
        for path in ["https://evil.example/api/x", "//evil.example/api", "/auth/login", "/api%2F..", "/api/\\evil", "/apix"] {
            let problem = request_of(call_of("GET", path)).expect_err(path);
            assert_eq!((problem.status, problem.kind), (400, ProblemKind::InvalidInput), "{path}");
        }
        let problem = request_of(call_of("TRACE", "/api/session")).unwrap_err();
        assert!(problem.message.contains("TRACE"), "{}", problem.message);
        assert!(request_of(call_of("DELETE", "/api/consumers/demo-alice")).is_ok());
    }

    #[test]
    fn headers_are_cut_to_the_allow_list() {
        let mut call = call_of("PATCH", "/api/consents/c1");
        call.headers = vec![
            ("If-Match".into(), "\"v1\"".into()),
            ("cookie".into(), "session=stolen".into()),
            ("authorization".into(), "Bearer x".into()),
        ];
        let request = request_of(call).unwrap();
        assert_eq!(request.headers().get("if-match").unwrap(), "\"v1\"");
        assert!(request.headers().get("cookie").is_none() && request.headers().get("authorization").is_none());
    }

    #[tokio::test]
    async fn answers_carry_status_headers_and_text_but_no_cookie() {
        let mut response = json_response(412, &serde_json::json!({"status": 412}));
        response.headers_mut().insert("etag", HeaderValue::from_static("\"v2\""));
        response.headers_mut().insert("set-cookie", HeaderValue::from_static("a=b"));
        let answer = answer_of(response).await.unwrap();
        assert_eq!(answer.status, 412);
        assert_eq!(answer.body, r#"{"status":412}"#);
        assert!(answer.headers.contains(&("etag".into(), "\"v2\"".into())));
        assert!(!answer.headers.iter().any(|(n, _)| n == "set-cookie"));
    }

    #[tokio::test]
    async fn binary_answers_are_refused_in_words() {
        let answer = answer_of(Response::new(Body::from(vec![0xff, 0xfe, 0x00]))).await.unwrap_err();
        assert_eq!((answer.status, answer.kind), (500, ProblemKind::Internal));
    }
}
