//! The registered clients (a constant table: registering clients is not part of the sandbox) and client
//! authentication at the token and revocation endpoints.

use std::collections::HashMap;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::{
    constant_time_eq, AuthSettings, DESKTOP_CLIENT_ID, DIRECTORY_CLIENT_ID, DIRECTORY_CLIENT_SECRET, GATEWAY_CLIENT_ID,
    GATEWAY_CLIENT_SECRET, SCOPE_DIRECTORY_READ, SCOPE_FULL, SCOPE_READ, SCOPE_WRITE, SERVICE_CLIENT_ID,
    SERVICE_CLIENT_SECRET,
};

/// How a client's redirect URIs are matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redirects {
    /// Exact string match against the defaults and `Config::redirect_uris`.
    Gateway,
    /// `http://127.0.0.1:{any port}/callback`, exact but the port (RFC 8252 section 7.3), or under it a
    /// single-use segment the app picks for each sign-in (`/callback/{16 to 64 of A-Z a-z 0-9 - _}`).
    Loopback,
    /// No browser flow.
    None,
}

#[derive(Clone, Copy, Debug)]
pub struct Client {
    pub id: &'static str,
    /// None: a public client (it cannot keep a secret, so PKCE is its only proof).
    pub secret: Option<&'static str>,
    pub grants: &'static [&'static str],
    pub redirects: Redirects,
    /// What a client_credentials token of this client may carry (empty: no such grant).
    pub service_scopes: &'static [&'static str],
}

pub const CLIENTS: &[Client] = &[
    Client {
        id: GATEWAY_CLIENT_ID,
        secret: Some(GATEWAY_CLIENT_SECRET),
        grants: &["authorization_code", "refresh_token"],
        redirects: Redirects::Gateway,
        service_scopes: &[],
    },
    Client {
        id: DESKTOP_CLIENT_ID,
        secret: None,
        grants: &["authorization_code", "refresh_token"],
        redirects: Redirects::Loopback,
        service_scopes: &[],
    },
    Client {
        id: SERVICE_CLIENT_ID,
        secret: Some(SERVICE_CLIENT_SECRET),
        grants: &["client_credentials"],
        redirects: Redirects::None,
        service_scopes: &[SCOPE_READ, SCOPE_WRITE, SCOPE_FULL],
    },
    Client {
        id: DIRECTORY_CLIENT_ID,
        secret: Some(DIRECTORY_CLIENT_SECRET),
        grants: &["client_credentials"],
        redirects: Redirects::None,
        service_scopes: &[SCOPE_DIRECTORY_READ],
    },
];

/// The redirect URIs `console-gateway` always accepts (the gateway's default listen addresses).
pub const DEFAULT_GATEWAY_REDIRECTS: &[&str] =
    &["http://127.0.0.1:8080/auth/callback", "http://localhost:8080/auth/callback"];

pub fn find(client_id: &str) -> Option<&'static Client> {
    CLIENTS.iter().find(|c| c.id == client_id)
}

impl Client {
    pub fn allows(&self, grant: &str) -> bool {
        self.grants.contains(&grant)
    }

    /// Whether `uri` is registered for this client. No normalization: a URI that differs in any byte
    /// (but a loopback port) is another URI, so an attacker cannot slip a look-alike through.
    pub fn redirect_ok(&self, uri: &str, auth: &AuthSettings) -> bool {
        match self.redirects {
            Redirects::Gateway => {
                DEFAULT_GATEWAY_REDIRECTS.contains(&uri) || auth.gateway_redirect_uris.iter().any(|r| r == uri)
            }
            Redirects::Loopback => {
                // The IP literal only: `localhost` may resolve elsewhere (RFC 8252 section 8.3).
                let Some(rest) = uri.strip_prefix("http://127.0.0.1:") else { return false };
                let Some((port, path)) = rest.split_once('/') else { return false };
                let port_ok = !port.is_empty()
                    && port.len() <= 5
                    && port.bytes().all(|b| b.is_ascii_digit())
                    && port.parse::<u16>().is_ok_and(|p| p > 0);
                let single_use = |segment: &str| {
                    (16..=64).contains(&segment.len()) && segment.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                };
                port_ok && (path == "callback" || path.strip_prefix("callback/").is_some_and(single_use))
            }
            Redirects::None => false,
        }
    }
}

/// An OAuth error of the token or revocation endpoint (RFC 6749 section 5.2), never cached.
#[derive(Debug)]
pub struct OAuthFailure {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl OAuthFailure {
    pub fn bad(error: &'static str, description: impl Into<String>) -> Self {
        OAuthFailure { status: StatusCode::BAD_REQUEST, error, description: description.into() }
    }
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::bad("invalid_grant", description)
    }
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::bad("invalid_request", description)
    }
    pub fn invalid_client(description: impl Into<String>) -> Self {
        OAuthFailure { status: StatusCode::UNAUTHORIZED, error: "invalid_client", description: description.into() }
    }
}

impl From<crate::error::SandboxError> for OAuthFailure {
    fn from(e: crate::error::SandboxError) -> Self {
        tracing::error!(error = %e, "authorization server failed");
        OAuthFailure {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "server_error",
            description: "internal error of the sandbox: see its log".into(),
        }
    }
}

impl IntoResponse for OAuthFailure {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")],
            Json(serde_json::json!({ "error": self.error, "error_description": self.description })),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"sandbox\""));
        }
        response
    }
}

/// Parses a form body; a parameter sent twice is refused (RFC 6749 section 3.1).
pub fn form(body: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        if out.insert(k.to_string(), v.into_owned()).is_some() {
            return Err(format!("parameter '{k}' is sent more than once: send it once"));
        }
    }
    Ok(out)
}

/// Percent-decodes a client_secret_basic part: client id and secret are form-encoded before base64
/// (RFC 6749 section 2.3.1), so `+` is a space.
fn form_decode(s: &str) -> Result<String, OAuthFailure> {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| OAuthFailure::invalid_client("the Basic credentials are not UTF-8 once percent-decoded"))
}

/// Authenticates the client from `Authorization: Basic` or the form's `client_id` (+ `client_secret`).
pub fn authenticate(headers: &HeaderMap, form: &HashMap<String, String>) -> Result<&'static Client, OAuthFailure> {
    let basic = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(v) => {
            let v = v.to_str().map_err(|_| OAuthFailure::invalid_client("the Authorization header is not text"))?;
            let encoded = v
                .strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
                .ok_or_else(|| OAuthFailure::invalid_client("use Authorization: Basic (client_secret_basic) or client_id and client_secret in the body"))?;
            let raw = STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| OAuthFailure::invalid_client("the Basic credentials are not base64 of id:secret"))?;
            let (id, secret) = raw
                .split_once(':')
                .ok_or_else(|| OAuthFailure::invalid_client("the Basic credentials have no ':' between id and secret"))?;
            Some((form_decode(id)?, form_decode(secret)?))
        }
    };
    let (id, secret) = match basic {
        Some((id, secret)) => {
            if form.contains_key("client_secret") {
                return Err(OAuthFailure::invalid_request("send the client secret once: in the Authorization header or in the body, not both"));
            }
            if form.get("client_id").is_some_and(|f| *f != id) {
                return Err(OAuthFailure::invalid_client("client_id in the body differs from the Basic credentials"));
            }
            (id, Some(secret))
        }
        None => {
            let id = form.get("client_id").cloned().ok_or_else(|| {
                OAuthFailure::invalid_client("no client authentication: send Authorization: Basic or client_id (and client_secret)")
            })?;
            (id, form.get("client_secret").cloned())
        }
    };
    let client = find(&id).ok_or_else(|| OAuthFailure::invalid_client(format!("client '{id}' is unknown")))?;
    match (client.secret, secret) {
        (Some(expected), Some(given)) if constant_time_eq(expected.as_bytes(), given.as_bytes()) => Ok(client),
        (Some(_), _) => Err(OAuthFailure::invalid_client(format!("wrong or missing secret for client '{id}'"))),
        (None, None) => Ok(client),
        (None, Some(_)) => Err(OAuthFailure::invalid_client(format!(
            "client '{id}' is public: send only client_id (no secret); PKCE proves it is the same client"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> AuthSettings {
        AuthSettings::new(
            "http://127.0.0.1:1/auth".into(),
            vec!["https://console.example/auth/callback".into()],
            std::time::Duration::from_secs(300),
        )
        .unwrap()
    }

    #[test]
    fn redirect_uris_match_exactly_but_the_loopback_port() {
        let auth = settings();
        let gateway = find(GATEWAY_CLIENT_ID).unwrap();
        assert!(gateway.redirect_ok("http://localhost:8080/auth/callback", &auth));
        assert!(gateway.redirect_ok("https://console.example/auth/callback", &auth));
        assert!(!gateway.redirect_ok("https://console.example/auth/callback?x=1", &auth));
        assert!(!gateway.redirect_ok("HTTPS://console.example/auth/callback", &auth));
        let desktop = find(DESKTOP_CLIENT_ID).unwrap();
        assert!(desktop.redirect_ok("http://127.0.0.1:1/callback", &auth));
        assert!(desktop.redirect_ok("http://127.0.0.1:65535/callback", &auth));
        assert!(desktop.redirect_ok("http://127.0.0.1:40000/callback/3q2-7wEAAAAb_c9Xk1mZ0g", &auth));
        for bad in [
            "http://127.0.0.1:0/callback",
            "http://127.0.0.1:65536/callback",
            "http://127.0.0.1:+80/callback",
            "http://127.0.0.1:80/callback/",
            "http://127.0.0.1:80/callback#x",
            "http://127.0.0.1:80@evil.example/callback",
            "http://[::1]:80/callback",
            "http://127.0.0.1:80/callback/short",
            "http://127.0.0.1:80/callback/3q2-7wEAAAAb_c9Xk1mZ0g/more",
            "http://127.0.0.1:80/callback/3q2-7wEAAAAb.c9Xk1mZ0g",
            "http://127.0.0.1:80/callback/3q2-7wEAAAAb_c9Xk1mZ0g?x=1",
        ] {
            assert!(!desktop.redirect_ok(bad, &auth), "{bad}");
        }
        assert!(!find(SERVICE_CLIENT_ID).unwrap().redirect_ok("http://127.0.0.1:8080/auth/callback", &auth));
    }

    #[test]
    fn basic_credentials_are_percent_decoded_and_secrets_checked() {
        let basic = |id: &str, secret: &str| {
            let mut h = HeaderMap::new();
            let v = format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
            h.insert(header::AUTHORIZATION, HeaderValue::from_str(&v).unwrap());
            h
        };
        let none = HashMap::new();
        // RFC 6749 2.3.1: form-encoded before base64, so %2D is '-'.
        let h = basic("console%2Dgateway", "sandbox%2Dgateway-secret-DEMO-ONLY");
        assert_eq!(authenticate(&h, &none).unwrap().id, GATEWAY_CLIENT_ID);
        assert_eq!(authenticate(&basic(GATEWAY_CLIENT_ID, "x"), &none).unwrap_err().status, StatusCode::UNAUTHORIZED);
        let both = HashMap::from([("client_secret".to_string(), GATEWAY_CLIENT_SECRET.to_string())]);
        assert_eq!(authenticate(&basic(GATEWAY_CLIENT_ID, GATEWAY_CLIENT_SECRET), &both).unwrap_err().error, "invalid_request");
        let public = HashMap::from([("client_id".to_string(), DESKTOP_CLIENT_ID.to_string())]);
        assert_eq!(authenticate(&HeaderMap::new(), &public).unwrap().id, DESKTOP_CLIENT_ID);
        let secretless_confidential = HashMap::from([("client_id".to_string(), GATEWAY_CLIENT_ID.to_string())]);
        assert_eq!(authenticate(&HeaderMap::new(), &secretless_confidential).unwrap_err().error, "invalid_client");
    }
}
