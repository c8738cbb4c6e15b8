//! Sign-in, sign-out, and who is asking: [`authenticate`] puts the [`Caller`] of the service's every `/api`
//! route into the request, from the session cookie.
//!
//! * `GET /auth/login` and `GET /auth/callback`: OpenID Connect sign-in, in [`crate::sign_in`].
//! * `POST /auth/logout`: revokes the refresh token upstream and forgets the session.
//!
//! [`SessionCaller::extract`] is the only way a handler learns who is asking: it loads the session (401 without one),
//! refreshes its tokens when they are about to expire, and refuses state-changing requests that do not
//! prove they come from our own page (the anti-CSRF token in [`CSRF_HEADER`], plus `Origin` and
//! `Sec-Fetch-Site` when the browser sends them). Its refusals are audited as `session.refused`, always
//! (those of callers without a valid session within a limit per client address, see
//! [`crate::anonymous_refusals`]). The page's background refreshes (a GET with [`BACKGROUND_HEADER`]) do
//! not extend the session; what they read is audited the first time this session reads it
//! ([`console_link::service::audited`]): the header is the page's to send, so it must not hide a read.
//!
//! Roles on refresh: a refresh that brings a new ID token re-maps the role from it (and ends the session
//! if it no longer maps to exactly one); one without keeps the role of the sign-in. Either way the tokens
//! must be about the same person (`sub`) as the session.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use console_api::gateway::{routes, ProblemKind, SessionInfo, SignedInUser, BACKGROUND_HEADER, CSRF_HEADER};
use console_link::correlation::new_correlation_id;
use console_link::service::{not_signed_in, Caller, Cid, Origin, Problem};
use console_link::user_auth::{UserAuth, UserAuthError};

use crate::config::RoleMapping;
use crate::session::{same_secret, Session};
use crate::sign_in::role_of;
use crate::AppState;

/// Refresh this long before the access token expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(30);

/// The gateway's public origin and what follows from it for cookies.
#[derive(Clone, Debug)]
pub struct WebOrigin {
    /// `http://127.0.0.1:8080` or `https://console.bank.example`: what the browser's `Origin` says.
    pub origin: String,
    /// `host[:port]` of it, to send browsers that came by another name to the right one.
    pub host: String,
    /// Served over https (directly or behind a TLS proxy): cookies are `Secure` and `__Host-` prefixed.
    pub secure: bool,
    /// Send a browser that came by another host name (`localhost` for `127.0.0.1`) to this one before
    /// signing in. Only when we serve browsers directly: behind a proxy the `Host` we see may be the
    /// proxy's upstream name, and redirecting on it would loop.
    pub canonical_host_redirect: bool,
}

impl WebOrigin {
    pub fn new(public_url: &url::Url, canonical_host_redirect: bool) -> Self {
        let origin = public_url.origin().ascii_serialization();
        let host = match public_url.port() {
            Some(p) => format!("{}:{p}", public_url.host_str().unwrap_or_default()),
            None => public_url.host_str().unwrap_or_default().to_string(),
        };
        WebOrigin { origin, host, secure: public_url.scheme() == "https", canonical_host_redirect }
    }

    /// `__Host-` binds the cookie to this exact origin (Secure, Path=/, no Domain); browsers accept the
    /// prefix only over https.
    pub fn session_cookie(&self) -> &'static str {
        if self.secure { "__Host-console_session" } else { "console_session" }
    }

    pub(crate) fn set_cookie(&self, name: &str, value: &str, max_age: Option<Duration>) -> HeaderValue {
        let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
        if self.secure {
            cookie.push_str("; Secure");
        }
        if let Some(age) = max_age {
            cookie.push_str(&format!("; Max-Age={}", age.as_secs()));
        }
        HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::AUTH_LOGIN, get(crate::sign_in::login))
        .route(routes::AUTH_CALLBACK, get(crate::sign_in::callback))
        .route(routes::AUTH_LOGOUT, post(logout))
        .route(routes::SESSION, get(session))
        .route(PAGE_CSS, get(page_css))
}

/// The stylesheet of [`page`], served by the gateway itself: the app's stylesheets are content-hashed
/// bundles that only `boot.js` names, and the page must look like the console without them.
const PAGE_CSS: &str = "/auth/page.css";

/// The console's colours and card, in brief (style/shell.css is the app's whole sheet).
const PAGE_STYLE: &str = "body{margin:0;background:#f3f5f8;color:#172231;font:15px/1.5 system-ui,sans-serif}\
.main{max-width:560px;margin:12vh auto;padding:0 16px}\
.card{background:#fff;border:1px solid #dce2ea;border-radius:8px;padding:24px 28px}\
h1{font-size:20px;margin:0 0 8px}p{margin:8px 0;color:#3a4757}\
a{display:inline-block;margin-top:8px;padding:8px 16px;border-radius:5px;background:#1d4ed8;color:#fff;text-decoration:none;font-weight:600}\
a:hover{background:#1e40af}a:focus-visible{outline:none;box-shadow:0 0 0 3px rgba(29,78,216,.35)}";

/// (Like every `/auth/*` answer, it is `no-store`: see `web::per_request`.)
async fn page_css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], PAGE_STYLE).into_response()
}

/// The middleware in front of the service's routes: the [`Caller`] of the session cookie into the
/// request's extensions, or the refusal (audited) as the answer.
pub async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    match SessionCaller::extract(&mut parts, &state, false).await {
        Ok(signed_in) => {
            parts.extensions.insert(signed_in.caller);
            next.run(Request::from_parts(parts, body)).await
        }
        Err(refused) => refused.into_response(),
    }
}

/// `GET /api/session`: who is signed in. Nobody signed in is not an error here: the page needs to know it
/// to send the person to sign in.
async fn session(State(state): State<AppState>, request: Request) -> Result<Response, Problem> {
    let (mut parts, _) = request.into_parts();
    let mut info = SessionInfo { issuer_id: None, user: None, csrf_token: None, ..state.about.clone() };
    match SessionCaller::extract(&mut parts, &state, true).await {
        Ok(signed_in) => {
            if signed_in.caller.user.role.is_staff() {
                info.issuer_id.clone_from(&state.about.issuer_id);
            }
            info.user = Some(signed_in.caller.user);
            info.csrf_token = Some(signed_in.csrf_token);
        }
        Err(p) if p.0.status == 401 => {}
        Err(p) => return Err(p),
    }
    let mut response = Json(info).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A cookie's value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A 303 to `to`, or to `/` should `to` not fit in a header: never a 303 without a Location.
pub(crate) fn redirect(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let location = HeaderValue::from_str(to).unwrap_or_else(|_| HeaderValue::from_static("/"));
    response.headers_mut().insert(header::LOCATION, location);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A small page for the ends of sign-in that are not the app (it has no session to load yet).
pub(crate) fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let esc = |s: &str| html_escape::encode_text(s).into_owned();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><link rel=\"stylesheet\" href=\"{css}\"></head>\
         <body><main class=\"main\"><section class=\"card empty\" data-testid=\"auth-problem\"><h1>{t}</h1><p>{m}</p>\
         <p><a href=\"{login}\">Sign in again</a></p></section></main></body></html>",
        t = esc(title),
        m = esc(message),
        login = routes::AUTH_LOGIN,
        css = PAGE_CSS,
    );
    let mut response = (status, Html(html)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let cid = new_correlation_id();
    let clear = state.web.set_cookie(state.web.session_cookie(), "", Some(Duration::ZERO));
    if let Some(id) = cookie(&headers, state.web.session_cookie()) {
        if let Some(entry) = state.sessions.get(id, false).await {
            let session = entry.lock().await;
            if let Err(p) = check_same_site(&headers, &state, &session.csrf_token, &cid) {
                // A sign-out refused is someone else's page trying to end this person's session, or ours
                // broken: either way the log shows it, as the refusals of every other route.
                let (user, role) = (session.user.id.clone(), session.user.role.clone());
                drop(session);
                let target = format!("POST {}", routes::AUTH_LOGOUT);
                state.audit.record_because(&user, role.as_str(), "session.refused", &target, cid.as_str(), p.0.status, &p.0.message);
                return p.into_response();
            }
            let (user, role, refresh) = (session.user.id.clone(), session.user.role.clone(), session.refresh_token.clone());
            drop(session);
            // Ending a session only takes access away: an attempt line that cannot be written does not stop it.
            if let Err(e) = state.audit.attempt(&user, role.as_str(), "session.sign_out", "", cid.as_str()) {
                tracing::error!(correlation_id = cid.as_str(), "{e}");
            }
            state.sessions.remove(id);
            if let Some(refresh) = refresh {
                if let Err(e) = state.auth.revoke(&refresh).await {
                    tracing::warn!(correlation_id = cid.as_str(), "sign-out: revoking the refresh token failed: {e}");
                }
            }
            state.audit.record(&user, role.as_str(), "session.sign_out", "", cid.as_str(), 204);
        }
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(header::SET_COOKIE, clear);
    response
}

fn refusal(status: u16, kind: ProblemKind, message: &str, cid: &console_api::d1_client::CorrelationId) -> Problem {
    Problem::of(status, kind, message, cid)
}

/// A state-changing request must come from our own page: same-site per the browser's own headers, and
/// carrying the session's anti-CSRF token, which a page of another origin cannot read.
fn check_same_site(
    h: &HeaderMap,
    state: &AppState,
    csrf_token: &str,
    cid: &console_api::d1_client::CorrelationId,
) -> Result<(), Problem> {
    let cross = |why: &str| refusal(403, ProblemKind::Forbidden, &format!("Refused a cross-site request: {why}. Use the console's own page."), cid);
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site != "same-origin" {
            return Err(cross(&format!("the browser says it came from a {site} page")));
        }
    }
    if let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if origin != state.web.origin {
            return Err(cross(&format!("it came from {origin}")));
        }
    }
    match h.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        Some(token) if same_secret(token, csrf_token) => Ok(()),
        Some(_) => Err(cross("its anti-CSRF token is not this session's (reload the page)")),
        None => Err(cross("it carries no anti-CSRF token")),
    }
}

/// Who is asking, as the session cookie says. Extracting it enforces sign-in, the session timeouts, token
/// refresh and (on anything but GET and HEAD) the same-site proof.
pub struct SessionCaller {
    /// What the service's routes are given (the session's audited reads, and its end when an upstream
    /// refuses the person's token).
    pub caller: Caller,
    /// The session's anti-CSRF token, which `/api/session` gives the page.
    pub csrf_token: String,
}

/// Why no [`SessionCaller`] was made, for the answer and for the audit log.
struct Refused {
    problem: Problem,
    /// `session.refused`, or `session.refresh` when the sign-in service could not be reached.
    action: &'static str,
    why: String,
    /// Known once the session was found.
    user: Option<SignedInUser>,
}

impl Refused {
    fn new(problem: Problem, why: impl Into<String>, user: Option<&SignedInUser>) -> Self {
        Refused { problem, action: "session.refused", why: why.into(), user: user.cloned() }
    }
}

/// Why no session was found, when the request named none.
const NO_SESSION_COOKIE: &str = "no session cookie";

impl SessionCaller {
    /// The caller, or the answer that refuses the request, audited as `session.refused` (with the request's
    /// method and path as target: the handler's own action is not known yet), background or not: what a
    /// page sends must not decide what is audited. Not audited: when `anonymous_is_normal` (`/api/session`),
    /// a request without a cookie; and past their limit per client address, refusals of callers without a
    /// valid session (anyone can send those).
    pub async fn extract(parts: &mut Parts, state: &AppState, anonymous_is_normal: bool) -> Result<SessionCaller, Problem> {
        let cid = Cid::from_request_parts(parts, state).await?.0;
        let background = parts.method == Method::GET && parts.headers.contains_key(BACKGROUND_HEADER);
        match SessionCaller::load(parts, state, background, &cid).await {
            Ok(caller) => Ok(caller),
            Err(refused) => {
                let quiet = anonymous_is_normal && refused.why == NO_SESSION_COOKIE;
                if !quiet {
                    let target = format!("{} {}", parts.method, parts.uri.path());
                    let status = refused.problem.0.status;
                    match &refused.user {
                        Some(u) => state.audit.record_because(&u.id, u.role.as_str(), refused.action, &target, cid.as_str(), status, &refused.why),
                        None => state.anonymous_refusals.record(refused.action, &target, cid.as_str(), status, &refused.why),
                    }
                }
                Err(refused.problem)
            }
        }
    }

    async fn load(parts: &Parts, state: &AppState, background: bool, cid: &console_api::d1_client::CorrelationId) -> Result<SessionCaller, Refused> {
        let id = cookie(&parts.headers, state.web.session_cookie())
            .ok_or_else(|| Refused::new(not_signed_in(cid), NO_SESSION_COOKIE, None))?
            .to_string();
        let entry = state
            .sessions
            .get(&id, !background)
            .await
            .ok_or_else(|| Refused::new(not_signed_in(cid), "unknown or ended session (signed out, idle or too old)", None))?;
        let mut session = entry.lock().await;
        if !matches!(parts.method, Method::GET | Method::HEAD) {
            check_same_site(&parts.headers, state, &session.csrf_token, cid).map_err(|p| {
                let why = p.0.message.clone();
                Refused::new(p, why, Some(&session.user))
            })?;
        }
        if session.access_expires_at <= Instant::now() + REFRESH_MARGIN {
            match renew(&mut session, &state.auth, &state.sign_in.roles).await {
                Ok(()) => {}
                // The server ended the sign-in (revoked, reused, expired family, no console role): so do we.
                Err(e @ (UserAuthError::Refused(_) | UserAuthError::BadToken(_) | UserAuthError::BadIdToken(_) | UserAuthError::Config(_))) => {
                    let user = session.user.clone();
                    drop(session);
                    state.sessions.remove(&id);
                    return Err(Refused::new(not_signed_in(cid), format!("the sign-in service ended the sign-in: {e}"), Some(&user)));
                }
                // Not reachable: the token still in hand serves until it expires.
                Err(e @ UserAuthError::Unreachable(_)) => {
                    if session.access_expires_at <= Instant::now() {
                        tracing::warn!(correlation_id = cid.as_str(), "session refresh failed: {e}");
                        let problem = refusal(503, ProblemKind::UpstreamUnavailable, "The sign-in service could not be reached to renew your session. Try again in a moment.", cid);
                        let mut refused = Refused::new(problem, "the sign-in service could not be reached to renew the session", Some(&session.user));
                        refused.action = "session.refresh";
                        return Err(refused);
                    }
                }
            }
        }
        let origin = parts.extensions.get::<Origin>().cloned().unwrap_or_default();
        let (sessions, session_id) = (state.sessions.clone(), id);
        // An upstream refused the person's token (their sign-in was ended there): the next request is a 401.
        let end = Arc::new(move || {
            sessions.remove(&session_id);
        });
        let caller = Caller::new(session.user.clone(), session.access_token.clone(), origin)
            .with_audited_reads(session.audited_reads.clone())
            .on_sign_in_ended(end);
        Ok(SessionCaller { caller, csrf_token: session.csrf_token.clone() })
    }
}

/// New tokens for a session (rotating its refresh token), about the same person; a new ID token re-maps
/// the role, none keeps it.
async fn renew(session: &mut Session, auth: &UserAuth, roles: &RoleMapping) -> Result<(), UserAuthError> {
    let refresh = session.refresh_token.clone().ok_or_else(|| UserAuthError::Refused("no refresh token".into()))?;
    let tokens = auth.refresh(&refresh, &session.user.id).await?;
    if let Some(identity) = &tokens.identity {
        session.user.role = role_of(roles, identity).map_err(|why| UserAuthError::Refused(why.into()))?;
    }
    session.access_token = tokens.access_token;
    session.access_expires_at = tokens.expires_at;
    if tokens.refresh_token.is_some() {
        session.refresh_token = tokens.refresh_token;
    }
    Ok(())
}
