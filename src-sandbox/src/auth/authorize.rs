//! `GET|POST /auth/oauth2/authorize`: the sign-in page of the sandbox bank (authorization code grant with
//! PKCE S256 required of every client, RFC 6749 section 4.1 and RFC 7636).
//!
//! Until the client and its redirect URI are known good, errors are a 400 page: redirecting to an
//! unchecked URI would make the sandbox an open redirector (RFC 6749 section 4.1.2.1). After that, errors
//! go back to the client on its redirect URI.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::clients::{self, Client};
use super::{store, users};
use crate::AppState;

/// The request's parameters, carried from the query to the form's hidden fields.
const CARRIED: &[&str] = &[
    "response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method", "nonce",
];

/// The longest OpenID Connect `nonce` accepted (it is stored with the code).
const MAX_NONCE: usize = 255;

/// A request whose client and redirect URI are known good.
struct Valid {
    client: &'static Client,
    redirect_uri: String,
    state: Option<String>,
    scope: Option<Vec<String>>,
    code_challenge: String,
    nonce: Option<String>,
}

enum Refusal {
    /// 400 page, no redirect.
    Page(String),
    /// 303 back to the client with `error`.
    Redirect { to: String, state: Option<String>, error: &'static str, description: String },
}

fn validate(state: &AppState, p: &HashMap<String, String>) -> Result<Valid, Refusal> {
    let client_id = p.get("client_id").ok_or_else(|| Refusal::Page("client_id is missing.".into()))?;
    let client = clients::find(client_id)
        .filter(|c| c.redirects != clients::Redirects::None)
        .ok_or_else(|| Refusal::Page(format!("The application '{client_id}' is not registered for sign-in here.")))?;
    let redirect_uri = p.get("redirect_uri").ok_or_else(|| Refusal::Page("redirect_uri is missing.".into()))?;
    if !client.redirect_ok(redirect_uri, &state.auth) {
        return Err(Refusal::Page(format!(
            "The redirect URI '{redirect_uri}' is not registered for the application '{client_id}'."
        )));
    }
    let back = |error: &'static str, description: &str| Refusal::Redirect {
        to: redirect_uri.clone(),
        state: p.get("state").cloned(),
        error,
        description: description.to_string(),
    };
    if p.get("response_type").map(String::as_str) != Some("code") {
        return Err(back("unsupported_response_type", "response_type must be code"));
    }
    const PKCE: &str = "PKCE with code_challenge_method=S256 is required: send code_challenge=BASE64URL(SHA256(code_verifier))";
    let challenge = p.get("code_challenge").ok_or_else(|| back("invalid_request", PKCE))?;
    if p.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return Err(back("invalid_request", PKCE));
    }
    if challenge.len() != 43 || !challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(back("invalid_request", "code_challenge must be 43 base64url characters (an S256 hash)"));
    }
    let scope = super::parse_scope(p.get("scope").map(String::as_str)).map_err(|e| back("invalid_scope", &e))?;
    let nonce = p.get("nonce").filter(|n| !n.is_empty()).cloned();
    if nonce.as_ref().is_some_and(|n| n.len() > MAX_NONCE || n.chars().any(char::is_control)) {
        return Err(back("invalid_request", &format!("nonce must be at most {MAX_NONCE} characters, none of them control characters")));
    }
    Ok(Valid {
        client,
        redirect_uri: redirect_uri.clone(),
        state: p.get("state").cloned(),
        scope,
        code_challenge: challenge.clone(),
        nonce,
    })
}

fn redirect(to: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let Ok(mut url) = url::Url::parse(to) else {
        return page(StatusCode::BAD_REQUEST, &error_body("The redirect URI is not a valid URL."));
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
        if let Some(s) = state {
            q.append_pair("state", s);
        }
    }
    (StatusCode::SEE_OTHER, [(header::LOCATION, url.to_string()), (header::CACHE_CONTROL, "no-store".into())])
        .into_response()
}

fn refuse(r: Refusal) -> Response {
    match r {
        Refusal::Page(message) => page(StatusCode::BAD_REQUEST, &error_body(&message)),
        Refusal::Redirect { to, state, error, description } => {
            redirect(&to, &[("error", error), ("error_description", &description)], state.as_deref())
        }
    }
}

/// `GET /auth/oauth2/authorize`
#[utoipa::path(get, path = "/auth/oauth2/authorize", tag = "Authorization server",
    description = "The sign-in page. Query: response_type=code, client_id, redirect_uri, scope (openid for an ID token), state, nonce (OpenID Connect, up to 255 characters), code_challenge (43 base64url), code_challenge_method=S256 (required). Unknown client or unregistered redirect_uri: 400 page, never a redirect; other errors: 303 to redirect_uri with error, error_description, state.",
    responses(
        (status = 200, description = "The sign-in form", content_type = "text/html"),
        (status = 303, description = "Back to the client with error, error_description and state"),
        (status = 400, description = "Unknown client or unregistered redirect_uri", content_type = "text/html"),
    ))]
pub async fn show(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let p = match clients::form(query.unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(e) => return refuse(Refusal::Page(e)),
    };
    match validate(&state, &p) {
        Ok(v) => page(StatusCode::OK, &sign_in_body(v.client, &p, "", None)),
        Err(r) => refuse(r),
    }
}

/// `POST /auth/oauth2/authorize`: the sign-in form.
#[utoipa::path(post, path = "/auth/oauth2/authorize", tag = "Authorization server",
    description = "The sign-in form: the authorization request's fields plus username and password. Success: 303 to redirect_uri?code=CODE&state=STATE (the code lives 60 s, single use).",
    request_body(content = crate::openapi_apiture::SignInForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "To redirect_uri with code and state (or error)"),
        (status = 400, description = "Unknown client or unregistered redirect_uri", content_type = "text/html"),
        (status = 401, description = "Wrong user name or password: the page again", content_type = "text/html"),
    ))]
pub async fn submit(State(state): State<AppState>, body: Bytes) -> Response {
    let p = match clients::form(&body) {
        Ok(p) => p,
        Err(e) => return refuse(Refusal::Page(e)),
    };
    let v = match validate(&state, &p) {
        Ok(v) => v,
        Err(r) => return refuse(r),
    };
    let username = p.get("username").cloned().unwrap_or_default();
    let password = p.get("password").cloned().unwrap_or_default();
    let name = username.clone();
    let user = match state.db.tx(move |tx| users::check_password(tx, &name, &password)).await {
        Ok(u) => u,
        Err(e) => return page(StatusCode::INTERNAL_SERVER_ERROR, &error_body(&format!("The sandbox failed: {e}"))),
    };
    let Some(user) = user else {
        let body = sign_in_body(v.client, &p, &username, Some("Wrong user name or password."));
        return page(StatusCode::UNAUTHORIZED, &body);
    };
    let granted = super::grant(v.scope.as_deref(), super::scopes_of_role(&user.role));
    if granted.is_empty() {
        let d = format!("the role {} of {} grants none of the requested scopes", user.role, user.username);
        return redirect(&v.redirect_uri, &[("error", "invalid_scope"), ("error_description", &d)], v.state.as_deref());
    }
    let code = super::random_secret();
    let hash = super::sha256_hex(&code);
    let (client_id, redirect_uri, challenge, user_id, nonce) =
        (v.client.id, v.redirect_uri.clone(), v.code_challenge.clone(), user.user_id.clone(), v.nonce.clone());
    let scope = granted.join(" ");
    let stored = state
        .db
        .tx(move |tx| {
            let now = Utc::now().timestamp_millis();
            let c = store::NewCode {
                code_sha256: &hash,
                client_id,
                redirect_uri: &redirect_uri,
                code_challenge: &challenge,
                user_id: &user_id,
                scope: &scope,
                expires_ms: now + super::CODE_LIFETIME_SECS * 1000,
                nonce: nonce.as_deref(),
            };
            store::insert_code(tx, &c, now)
        })
        .await;
    if let Err(e) = stored {
        return page(StatusCode::INTERNAL_SERVER_ERROR, &error_body(&format!("The sandbox failed: {e}")));
    }
    tracing::info!(client = v.client.id, user = %user.user_id, "signed in, code issued");
    redirect(&v.redirect_uri, &[("code", &code)], v.state.as_deref())
}

/// HTML-escapes text for an element or a quoted attribute (`& < > " '`).
pub fn escape(s: &str) -> String {
    html_escape::encode_quoted_attribute(s).into_owned()
}

/// The page with the headers that keep it from being framed, cached or leaking its URL.
fn page(status: StatusCode, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Sandbox bank — sign in</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>\n"
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // No form-action: after the POST the browser follows a redirect to the client's origin.
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response()
}

fn error_body(message: &str) -> String {
    format!(
        "<h1>Sandbox bank</h1><p id=\"error\" role=\"alert\">{}</p>\
         <p class=\"hint\">The application that sent you here is misconfigured; you cannot sign in from this link.</p>",
        escape(message)
    )
}

fn sign_in_body(client: &Client, p: &HashMap<String, String>, username: &str, error: Option<&str>) -> String {
    let hidden: String = CARRIED
        .iter()
        .filter_map(|k| p.get(*k).map(|v| format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\">", escape(v))))
        .collect();
    let error = error.map(|e| format!("<p id=\"error\" role=\"alert\">{}</p>", escape(e))).unwrap_or_default();
    let users: String = super::DEMO_USERS
        .iter()
        .map(|u| format!("<li><code>{}</code> {} ({})</li>", escape(u.username), escape(u.name), escape(u.role)))
        .collect();
    let scope = p.get("scope").filter(|s| !s.trim().is_empty()).map(String::as_str).unwrap_or("everything your role allows");
    format!(
        "<h1>Sandbox bank</h1>\
         <p class=\"client\"><strong>{client}</strong> asks to act for you ({scope}).</p>{error}\
         <form method=\"post\" action=\"/auth/oauth2/authorize\">{hidden}\
         <label for=\"username\">User name</label>\
         <input id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus value=\"{username}\">\
         <label for=\"password\">Password</label>\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
         <button id=\"sign-in\" type=\"submit\">Sign in</button></form>\
         <aside class=\"hint\"><p>This is a sandbox. Demo users (password <code>{password}</code>):</p><ul>{users}</ul></aside>",
        client = escape(client.id),
        scope = escape(scope),
        username = escape(username),
        password = escape(super::DEMO_PASSWORD),
    )
}

const STYLE: &str = "body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#eef2f6;color:#1d2733}\
main{max-width:24rem;margin:8vh auto;background:#fff;padding:2rem;border-radius:12px;box-shadow:0 4px 24px #0002}\
h1{margin:0 0 .5rem;font-size:1.4rem;color:#0b4f8a}label{display:block;margin-top:1rem;font-weight:600}\
input{box-sizing:border-box;width:100%;padding:.6rem;border:1px solid #9aa8b6;border-radius:6px;font:inherit}\
button{margin-top:1.5rem;width:100%;padding:.7rem;border:0;border-radius:6px;background:#0b4f8a;color:#fff;font:inherit;font-weight:600;cursor:pointer}\
#error{background:#fde8e8;color:#8a1111;padding:.6rem;border-radius:6px}.hint{margin-top:1.5rem;font-size:.85rem;color:#4a5a6a}\
.hint ul{padding-left:1.2rem;margin:.3rem 0}code{background:#eef2f6;padding:0 .25rem;border-radius:3px}";
