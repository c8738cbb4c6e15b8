//! `GET /auth/login` and `GET /auth/callback`: signing people in with OpenID Connect.
//!
//! * `/auth/login?return_to=`: starts a sign-in (authorization code, PKCE S256, a nonce) at the bank's
//!   authorization server. Nothing is kept here: the sign-in in progress goes to the browser in its own
//!   sealed cookie ([`crate::pending_sign_in`]), so anonymous requests cannot fill the gateway's memory.
//! * `/auth/callback`: opens that cookie for the callback's `state` (missing, altered, another sign-in's
//!   or too old: refused), exchanges the code as a confidential client, checks the ID token (nonce
//!   included) and the access token, maps the ID token's claims to exactly one console role (the profile's
//!   `roles`; none or several: 403, audited), drops the session this browser had (revoking it upstream),
//!   opens a session, sets its HttpOnly cookie and goes back to `return_to`, which may only be a path of
//!   our own origin.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use console_api::gateway::{is_local_path, SignedInUser};
use console_link::correlation::new_correlation_id;
use console_link::user_auth::{unix_now, UserAuthError};

use crate::AppState;
use crate::auth::{cookie, page, redirect};
use crate::config::RoleMapping;
pub(crate) use console_link::roles::role_of;
use crate::pending_sign_in::{PendingSignIn, PendingSignIns, SIGN_IN_TIMEOUT};
use crate::session::Session;

/// The longest `return_to` kept; a longer one signs in to `/`.
pub const MAX_RETURN_TO: usize = 2048;

/// What sign-in needs besides the link: the key of the pending sign-in cookies and the claim-to-role
/// mapping of the environment file.
pub struct SignIn {
    pub pending: PendingSignIns,
    pub roles: RoleMapping,
}

/// The in-app address to come back to after signing in, from an untrusted `return_to`: resolved against
/// the console's own origin, kept only if it stays there, and then only its path and query. `None` for
/// anything else (the caller falls back to `/`).
pub fn return_path(origin: &str, return_to: &str) -> Option<String> {
    if return_to.len() > MAX_RETURN_TO || !is_local_path(return_to) {
        return None;
    }
    let base = url::Url::parse(origin).ok()?;
    let url = base.join(return_to).ok()?;
    if url.origin() != base.origin() {
        return None;
    }
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    // Once more on what the url crate made of it, which is what the Location header will say; the cap
    // again too, since percent-encoding can triple a path (and the sealed cookie must stay under 4 KB).
    (path.len() <= MAX_RETURN_TO && is_local_path(&path)).then_some(path)
}

pub(crate) async fn login(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    let return_to = q.get("return_to").and_then(|p| return_path(&state.web.origin, p)).unwrap_or_else(|| "/".into());
    // Cookies belong to one host name: a browser that came as `localhost` signs in as the public origin.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    if state.web.canonical_host_redirect && !host.is_empty() && !host.eq_ignore_ascii_case(&state.web.host) {
        return redirect(&format!("{}{}", state.web.origin, console_api::gateway::sign_in_url(&return_to)));
    }
    let request = state.auth.begin();
    let pending = PendingSignIn {
        state: request.state,
        pkce_verifier: request.pkce_verifier,
        nonce: request.nonce,
        return_to,
        started: unix_now(),
    };
    let (name, sealed) = state.sign_in.pending.seal(&pending);
    let mut response = redirect(request.url.as_str());
    response.headers_mut().append(header::SET_COOKIE, state.web.set_cookie(&name, &sealed, Some(SIGN_IN_TIMEOUT)));
    response
}

pub(crate) async fn callback(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    let cid = new_correlation_id();
    let again = "Sign in again to continue.";
    let state_param = q.get("state").map(String::as_str).unwrap_or_default();
    let pending = match state.sign_in.pending.open(&headers, state_param, unix_now()) {
        Ok(p) => p,
        Err(e) => {
            // Anyone can send a callback: these lines go through the anonymous refusals' limits.
            state.anonymous_refusals.record("session.sign_in", "", cid.as_str(), 400, &e.to_string());
            return page(StatusCode::BAD_REQUEST, "This sign-in has expired or was started elsewhere", &format!("Not completed: {e}. {again}"));
        }
    };
    // Whatever happens next, this sign-in is over: its cookie goes.
    let name = state.sign_in.pending.cookie_name(&pending.state);
    let clear_pending = state.web.set_cookie(&name, "", Some(Duration::ZERO));
    let mut response = finish_sign_in(&state, &headers, &q, pending, &cid).await;
    response.headers_mut().append(header::SET_COOKIE, clear_pending);
    response
}

async fn finish_sign_in(
    state: &AppState,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    pending: PendingSignIn,
    cid: &console_api::d1_client::CorrelationId,
) -> Response {
    let again = "Sign in again to continue.";
    if let Some(error) = q.get("error") {
        let why = q.get("error_description").map(String::as_str).unwrap_or(error);
        return page(StatusCode::UNAUTHORIZED, "Sign-in did not complete", &format!("The sign-in service said: {why}. {again}"));
    }
    let Some(code) = q.get("code") else {
        return page(StatusCode::BAD_REQUEST, "Sign-in did not complete", &format!("The sign-in service sent no code. {again}"));
    };
    let tokens = match state.auth.exchange(code, &pending.pkce_verifier, &pending.nonce).await {
        Ok(t) => t,
        Err(e) => {
            // Unreachable and unverifiable answers carry transport details and internal URLs: the log has
            // them, the page gets plain words. A refusal or an ID token that does not match this sign-in
            // is said as it is (the server's error code, our own check's words).
            tracing::warn!(correlation_id = cid.as_str(), "sign-in failed: {e}");
            let (status, why) = match &e {
                UserAuthError::Unreachable(_) => (StatusCode::SERVICE_UNAVAILABLE, "The sign-in service could not be reached.".to_string()),
                UserAuthError::Refused(_) | UserAuthError::BadIdToken(_) => (StatusCode::BAD_REQUEST, format!("{e}.")),
                UserAuthError::BadToken(_) => (StatusCode::BAD_GATEWAY, "The sign-in service's answer could not be verified, so it was not trusted.".to_string()),
                UserAuthError::Config(_) => (StatusCode::BAD_GATEWAY, "The console's sign-in is misconfigured. Tell the console's operators.".to_string()),
            };
            state.audit.record("-", "-", "session.sign_in", "", cid.as_str(), status.as_u16());
            return page(status, "Sign-in did not complete", &format!("{why} {again} (Reference {})", cid.as_str()));
        }
    };
    let Some(identity) = tokens.identity.as_ref() else {
        // `exchange` refuses an answer without an ID token; this only keeps the types honest.
        return page(StatusCode::BAD_GATEWAY, "Sign-in did not complete", &format!("No ID token came back. {again}"));
    };
    let role = match role_of(&state.sign_in.roles, identity) {
        Ok(role) => role,
        Err(why) => {
            state.audit.record(&identity.sub, "-", "session.sign_in", "", cid.as_str(), 403);
            if let Some(r) = &tokens.refresh_token {
                let _ = state.auth.revoke(r).await;
            }
            return page(StatusCode::FORBIDDEN, "No access to this console", why);
        }
    };
    let name = identity.name.clone().unwrap_or_else(|| identity.sub.clone());
    let user = SignedInUser { id: identity.sub.clone(), name, role };
    // Signing in again in a browser that has a session: that session ends here and upstream.
    if let Some(old) = cookie(headers, state.web.session_cookie()).and_then(|id| state.sessions.remove(id)) {
        let refresh = old.lock().await.refresh_token.clone();
        if let Some(refresh) = refresh {
            if let Err(e) = state.auth.revoke(&refresh).await {
                tracing::warn!(correlation_id = cid.as_str(), "signing in again: revoking the previous session failed: {e}");
            }
        }
    }
    let (user_id, role) = (user.id.clone(), user.role.clone());
    let id = state.sessions.insert(Session::new(user, tokens.access_token, tokens.expires_at, tokens.refresh_token));
    console_link::service::RequestScope::note_session(&id);
    state.audit.record(&user_id, role.as_str(), "session.sign_in", "", cid.as_str(), 200);
    let mut response = redirect(return_path(&state.web.origin, &pending.return_to).as_deref().unwrap_or("/"));
    response.headers_mut().append(header::SET_COOKIE, state.web.set_cookie(state.web.session_cookie(), &id, None));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    #[test]
    fn a_redirect_always_has_a_location() {
        let r = redirect("/x\u{0}y");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[header::LOCATION], "/");
        assert_eq!(redirect("/me").headers()[header::LOCATION], "/me");
    }

    #[test]
    fn return_paths_stay_on_our_origin_and_keep_path_and_query_only() {
        let origin = "http://127.0.0.1:8080";
        assert_eq!(return_path(origin, "/consumers/demo-busy?status=FAILED").as_deref(), Some("/consumers/demo-busy?status=FAILED"));
        assert_eq!(return_path(origin, "/me#top").as_deref(), Some("/me"));
        assert_eq!(return_path(origin, "/a/../b c").as_deref(), Some("/b%20c"));
        let long = format!("/{}", "a".repeat(MAX_RETURN_TO));
        for hostile in ["//x", "/\\x", "https:x", "/\t/evil.example", "/%5C/x", "/%09/x", long.as_str()] {
            assert_eq!(return_path(origin, hostile), None, "{hostile:.40}");
        }
    }
}
