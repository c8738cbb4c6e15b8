//! Injected faults: `/_sandbox/faults` arms "the next N calls of this route answer that status and body,
//! or answer late", so that the gateway's and the page's handling of D1's failures (a 500 FAILED delete,
//! a 503, a timeout) can be tested against the real sandbox.
//!
//! Armed faults live in memory, in arming order; the first armed fault that matches a call is used and
//! counted down, and disappears after its last use. [`inject`] is the middleware that applies them to every
//! served API (D1's banking routes, its token endpoint, the authorization server, Consents), never to the
//! control API itself, so a fault cannot lock the tests out of clearing it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::SandboxError;

/// At most this many calls per fault, and this long a delay: a fault is a test's, not a soak's.
pub const MAX_TIMES: u32 = 1000;
pub const MAX_DELAY_MS: u64 = 60_000;

/// What `POST /_sandbox/faults` takes.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    /// `GET`, `POST`...; any method when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// A route in the router's syntax: literal segments, `{name}` for any one segment, `{*rest}` for the
    /// rest, e.g. `/banking/v1/issuers/{issuerId}/consumers/{consumerId}/operations:delete`.
    pub path: String,
    /// How many of the next matching calls it applies to (default 1).
    #[serde(default)]
    pub times: Option<u32>,
    /// The status to answer instead of serving the call.
    #[serde(default)]
    pub status: Option<u16>,
    /// The JSON body sent with `status` (default `{"error": "fault injected by the sandbox"}`).
    #[serde(default)]
    pub body: Option<Value>,
    /// Hold the answer back this long: before answering `status`, or after serving the call normally
    /// (so a write is carried out although its caller may give up waiting).
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

/// An armed fault, as `GET /_sandbox/faults` lists it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArmedFault {
    pub id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    pub path: String,
    /// Calls it still applies to.
    pub remaining: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

struct Armed {
    fault: ArmedFault,
    method: Option<Method>,
    route: matchit::Router<()>,
}

/// What one faulted call gets.
#[derive(Clone, Debug, PartialEq)]
struct Injection {
    status: Option<StatusCode>,
    body: Option<Value>,
    delay: Duration,
}

/// The armed faults of one sandbox.
#[derive(Default)]
pub struct Faults {
    armed: Mutex<Vec<Armed>>,
    next_id: AtomicU64,
}

impl Faults {
    /// Checks `spec` and arms it; the fault as listed.
    pub fn arm(&self, spec: FaultSpec) -> Result<ArmedFault, SandboxError> {
        let bad = |m: String| SandboxError::BadRequest(m);
        let method = match &spec.method {
            None => None,
            Some(m) => Some(
                Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                    .map_err(|_| bad(format!("method: '{m}' is not an HTTP method: use GET, POST, PUT...")))?,
            ),
        };
        if !spec.path.starts_with('/') {
            return Err(bad(format!("path: '{}' must start with '/'", spec.path)));
        }
        if spec.path.starts_with("/_sandbox") {
            return Err(bad("path: the control API cannot be faulted: pick a served route".into()));
        }
        let mut route = matchit::Router::new();
        route.insert(spec.path.clone(), ()).map_err(|e| bad(format!("path: '{}' is not a route: {e}", spec.path)))?;
        let times = spec.times.unwrap_or(1);
        if !(1..=MAX_TIMES).contains(&times) {
            return Err(bad(format!("times: is {times}: it must be from 1 to {MAX_TIMES}")));
        }
        let status = match spec.status {
            None => None,
            Some(s) => Some(
                StatusCode::from_u16(s)
                    .ok()
                    .filter(|s| s.as_u16() >= 200)
                    .ok_or_else(|| bad(format!("status: {s} is not a final HTTP status: use 200 to 599")))?,
            ),
        };
        if spec.body.is_some() && status.is_none() {
            return Err(bad("body: only with status (the answer that replaces the call's)".into()));
        }
        if let Some(d) = spec.delay_ms.filter(|d| *d > MAX_DELAY_MS) {
            return Err(bad(format!("delayMs: is {d}: it must be at most {MAX_DELAY_MS}")));
        }
        if status.is_none() && spec.delay_ms.is_none() {
            return Err(bad("give status (and body), delayMs, or both: this fault would change nothing".into()));
        }
        let fault = ArmedFault {
            id: self.next_id.fetch_add(1, Ordering::Relaxed) + 1,
            method: method.as_ref().map(|m| m.to_string()),
            path: spec.path,
            remaining: times,
            status: status.map(|s| s.as_u16()),
            body: spec.body,
            delay_ms: spec.delay_ms,
        };
        self.lock().push(Armed { fault: fault.clone(), method, route });
        Ok(fault)
    }

    /// The armed faults, in arming order.
    pub fn list(&self) -> Vec<ArmedFault> {
        self.lock().iter().map(|a| a.fault.clone()).collect()
    }

    /// Disarms every fault; how many there were.
    pub fn clear(&self) -> usize {
        std::mem::take(&mut *self.lock()).len()
    }

    /// The first armed fault matching the call, counted down (and dropped after its last use).
    fn take(&self, method: &Method, path: &str) -> Option<Injection> {
        let mut armed = self.lock();
        let i = armed
            .iter()
            .position(|a| a.method.as_ref().is_none_or(|m| m == method) && a.route.at(path).is_ok())?;
        let fault = &mut armed[i].fault;
        fault.remaining -= 1;
        let injection = Injection {
            status: fault.status.and_then(|s| StatusCode::from_u16(s).ok()),
            body: fault.body.clone(),
            delay: Duration::from_millis(fault.delay_ms.unwrap_or(0)),
        };
        if fault.remaining == 0 {
            armed.remove(i);
        }
        Some(injection)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Armed>> {
        // Nothing panics while holding it; if something did, the list itself is still sound.
        self.armed.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The middleware: a matching call gets its fault's answer (after its delay), or is served normally and
/// answered after the delay.
pub async fn inject(State(faults): State<std::sync::Arc<Faults>>, request: Request, next: Next) -> Response {
    let Some(injection) = faults.take(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    tracing::warn!(method = %request.method(), path = %request.uri().path(), ?injection, "injecting a fault");
    match injection.status {
        Some(status) => {
            tokio::time::sleep(injection.delay).await;
            let body = injection.body.unwrap_or_else(|| default_body(request.uri().path(), status));
            (status, Json(body)).into_response()
        }
        None => {
            let response = next.run(request).await;
            tokio::time::sleep(injection.delay).await;
            response
        }
    }
}

/// The body of a fault armed without one: MasCustomers' ErrorResponse on its routes (a code for the
/// status, as its OpenAPI document lists them), `{"error"}` everywhere else.
fn default_body(path: &str, status: StatusCode) -> Value {
    if !path.starts_with(crate::mas::BASE_PATH) {
        return serde_json::json!({ "error": "fault injected by the sandbox" });
    }
    use console_api::mas::{ErrorCode, ErrorResponse};
    let code = match status.as_u16() {
        503 => ErrorCode::ServiceUnavailable,
        504 => ErrorCode::RepositoryTimeout,
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        400..=499 => ErrorCode::InvalidRequest,
        _ => ErrorCode::InternalError,
    };
    serde_json::to_value(ErrorResponse::new(code, format!("fault injected by the sandbox ({status})"))).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: Value) -> FaultSpec {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn the_first_matching_fault_is_counted_down_then_gone() {
        let faults = Faults::default();
        faults
            .arm(spec(serde_json::json!({ "method": "post", "path": "/banking/v1/issuers/{i}/consumers/{c}/operations:delete", "times": 2, "status": 503 })))
            .unwrap();
        let delete = "/banking/v1/issuers/DEMOISSUER/consumers/demo-alice/operations:delete";
        assert_eq!(faults.take(&Method::GET, delete), None, "another method");
        assert_eq!(faults.take(&Method::POST, "/banking/v1/issuers/DEMOISSUER/consumers/demo-alice/operations"), None);
        assert_eq!(faults.take(&Method::POST, delete).unwrap().status, Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(faults.list()[0].remaining, 1);
        assert!(faults.take(&Method::POST, delete).is_some());
        assert_eq!(faults.take(&Method::POST, delete), None, "used up");
        assert!(faults.list().is_empty());
    }

    #[test]
    fn refuses_a_fault_that_says_nothing_or_the_impossible() {
        let faults = Faults::default();
        for (json, says) in [
            (serde_json::json!({ "path": "/authz/v1/oauth2/token" }), "give status"),
            (serde_json::json!({ "path": "authz", "status": 500 }), "start with '/'"),
            (serde_json::json!({ "path": "/_sandbox/reset", "status": 500 }), "control API"),
            (serde_json::json!({ "path": "/a/{b", "status": 500 }), "not a route"),
            (serde_json::json!({ "path": "/a", "status": 99 }), "status"),
            (serde_json::json!({ "path": "/a", "status": 500, "times": 0 }), "times"),
            (serde_json::json!({ "path": "/a", "delayMs": 60001 }), "delayMs"),
            (serde_json::json!({ "path": "/a", "body": {}, "delayMs": 5 }), "body"),
            (serde_json::json!({ "path": "/a", "method": "NOT A METHOD", "status": 500 }), "method"),
        ] {
            let e = faults.arm(spec(json.clone())).unwrap_err();
            assert!(e.to_string().contains(says), "{json}: {e}");
        }
        assert!(faults.list().is_empty());
    }
}
