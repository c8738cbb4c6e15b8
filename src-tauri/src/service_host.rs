//! The console's service (`console_link::service`) run in this process for the signed-in person: the same
//! routes, role checks, audit lines and upstream calls as at the gateway. The service is built from the
//! active profile and its secrets in the keychain; [`SignedInHost`] puts the person's `Caller` into every
//! request, answers `/api/session` itself, and renews the access token with the refresh token (kept, rotated,
//! in the keychain) shortly before it runs out.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, Response};
use console_api::gateway::{routes, ApiProblem, ProblemKind, SessionInfo, SignedInUser};
use console_link::directory::DirectoryConfig;
use console_link::mas::MasConfig;
use console_link::roles::role_of;
use console_link::service::{AuditedReads, Caller, ConsentsConfig, Origin, RequestScope, ServiceSettings, ServiceState};
use console_link::service_token::ServiceCredentials;
use console_link::user_auth::{UserAuthError, UserTokens};
use console_link::{D1Config, RetryPolicy};
use tokio::sync::Mutex;
use tower::ServiceExt;

use crate::api::{json_response, problem_response, ApiHost, HostFuture};
use crate::keychain::{refresh_entry, Keychain};
use crate::profile::{Profile, SecretKind, SANDBOX, SANDBOX_DEMO_SECRETS};
use crate::state::PRODUCT;

/// Renewed this long before the access token runs out, so that no call goes up with a dying token.
const REFRESH_MARGIN: Duration = Duration::from_secs(30);

/// Each upstream call's time limit, as at the gateway.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(15);

/// The sandbox profile's secrets are its demo ones: put into the keychain on first use, so that the app
/// reads them from there as it reads a bank's (the keychain path runs in the sandbox too).
pub fn ensure_sandbox_secrets(keychain: &Keychain, sandbox: &Profile) -> Result<(), String> {
    let scope = sandbox.keychain_scope();
    for (kind, demo) in SANDBOX_DEMO_SECRETS {
        let entry = kind.entry(&scope);
        if keychain.get(&entry).map_err(|e| e.to_string())?.is_some() {
            continue;
        }
        match kind {
            SecretKind::D1Key => crate::d1_key::import(keychain, &scope, demo).map_err(|e| e.to_string())?,
            _ => keychain.set(&entry, demo.as_bytes()).map_err(|e| e.to_string())?,
        }
    }
    Ok(())
}

/// A service secret of `profile` as text, or the words that say which one to import.
fn secret(keychain: &Keychain, profile: &Profile, kind: SecretKind) -> Result<String, String> {
    let missing = || format!("The {} of the {} profile is not in the keychain: import it in the settings.", kind.label(), profile.name);
    let bytes = keychain.get(&kind.entry(&profile.keychain_scope())).map_err(|e| e.to_string())?.ok_or_else(missing)?;
    String::from_utf8(bytes).map_err(|_| missing())
}

/// What the service runs with in `profile`. Blocking (keychain): call from `spawn_blocking`.
pub fn settings(profile: &Profile, keychain: &Keychain, audit_log: Option<PathBuf>) -> Result<ServiceSettings, String> {
    profile.check().map_err(|e| e.to_string())?;
    if profile.name == SANDBOX {
        ensure_sandbox_secrets(keychain, profile)?;
    }
    let (d1_tls, others_tls) = crate::upstream_tls::for_profile(keychain, profile)?;
    let credentials = crate::d1_key::credentials(keychain, &profile.keychain_scope(), &profile.issuer_id, &profile.kid).map_err(|e| e.to_string())?;
    let directory_token = match &profile.directory_token_url {
        Some(url) => url.clone(),
        None => join(&profile.auth_base, "oauth2/token")?,
    };
    Ok(ServiceSettings {
        d1: D1Config {
            banking_base: profile.d1_banking.clone(),
            authz_base: profile.d1_authz.clone(),
            credentials,
            timeout: UPSTREAM_TIMEOUT,
            retry: RetryPolicy::default(),
        },
        d1_tls,
        directory: DirectoryConfig {
            base: profile.directory_base.clone(),
            credentials: ServiceCredentials {
                token_url: directory_token,
                client_id: profile.directory_client_id.clone(),
                client_secret: secret(keychain, profile, SecretKind::DirectoryClientSecret)?,
                scope: "directory:read".into(),
            },
            timeout: UPSTREAM_TIMEOUT,
            retry: RetryPolicy::default(),
        },
        directory_tls: others_tls.clone(),
        mas: MasConfig {
            base: profile.mas_base.clone(),
            credentials: ServiceCredentials {
                token_url: profile.mas_token_url.clone(),
                client_id: profile.mas_client_id.clone(),
                client_secret: secret(keychain, profile, SecretKind::MasClientSecret)?,
                scope: "accounts:read accounts:write".into(),
            },
            org: profile.mas_org.clone(),
            timeout: UPSTREAM_TIMEOUT,
            retry: RetryPolicy::default(),
        },
        mas_tls: others_tls.clone(),
        consents: ConsentsConfig {
            base: profile.consents_base.clone(),
            api_key: secret(keychain, profile, SecretKind::ConsentsApiKey)?,
            timeout: UPSTREAM_TIMEOUT,
        },
        consents_tls: others_tls,
        audit_log,
    })
}

/// `base` with `path` under it (`…/auth` + `oauth2/token` is `…/auth/oauth2/token`).
fn join(base: &url::Url, path: &str) -> Result<url::Url, String> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    base.join(path).map_err(|e| e.to_string())
}

/// The person's sign-in as the host keeps it. The tokens never leave this struct but to go upstream.
struct Session {
    user: SignedInUser,
    access_token: String,
    expires_at: Instant,
    refresh_token: Option<String>,
}

/// Answers for one signed-in person until they sign out or their sign-in ends upstream.
pub struct SignedInHost {
    router: axum::Router,
    service: ServiceState,
    profile: Profile,
    /// Where the access token is renewed (the profile's, with its CA bundle).
    sign_in: crate::sign_in::SignInSettings,
    keychain: Arc<Keychain>,
    session: Mutex<Session>,
    audited_reads: Arc<AuditedReads>,
    /// Set when an upstream or the authorization server ended the sign-in: from then on, signed out.
    ended: Arc<AtomicBool>,
}

impl SignedInHost {
    /// The host for the person `tokens` belong to, or why they may not use the console (no ID token, no
    /// console role): the sign-in is audited either way.
    pub fn open(
        service: ServiceState,
        profile: Profile,
        sign_in: crate::sign_in::SignInSettings,
        keychain: Arc<Keychain>,
        tokens: UserTokens,
    ) -> Result<SignedInHost, ApiProblem> {
        let cid = console_link::correlation::new_correlation_id();
        let identity = tokens.identity.as_ref().ok_or_else(|| {
            audit_sign_in_failed(&service, 401, "no ID token");
            ApiProblem::new(401, ProblemKind::Unauthorized, "The sign-in service sent no ID token. Sign in again.")
        })?;
        let role = role_of(&profile.roles, identity).map_err(|why| {
            desktop_scope(&cid).within(|| service.audit.record(&identity.sub, "-", "session.sign_in", "", cid.as_str(), 403));
            ApiProblem::new(403, ProblemKind::Forbidden, why)
        })?;
        let user = SignedInUser { id: identity.sub.clone(), name: identity.name.clone().unwrap_or_else(|| identity.sub.clone()), role };
        desktop_scope(&cid).within(|| service.audit.record(&user.id, user.role.as_str(), "session.sign_in", "", cid.as_str(), 200));
        let session = Session { user, access_token: tokens.access_token, expires_at: tokens.expires_at, refresh_token: tokens.refresh_token };
        Ok(SignedInHost {
            router: console_link::service::router(service.clone()),
            service,
            profile,
            sign_in,
            keychain,
            session: Mutex::new(session),
            audited_reads: Arc::default(),
            ended: Arc::default(),
        })
    }

    /// The service it answers with.
    pub fn service(&self) -> &ServiceState {
        &self.service
    }

    /// Who signed in (the authorization server's id).
    pub async fn user_id(&self) -> String {
        self.session.lock().await.user.id.clone()
    }

    /// Who signed in and their console role, for audit lines written outside the service.
    pub async fn who(&self) -> (String, String) {
        let session = self.session.lock().await;
        (session.user.id.clone(), session.user.role.as_str().to_string())
    }

    /// Ends this sign-in for a sign-out, and hands over its refresh token to revoke. Under the session's
    /// lock, as renewals are: one already under way finishes first (and its new token is the one handed
    /// over); any later one finds the sign-in ended, so no request in flight can renew and keep a token
    /// in the keychain after the sign-out deleted it.
    ///
    /// Audited with the sign-out's outcome (one line: the app has no write to attempt first), unless the
    /// sign-in had already ended upstream (that end is audited where it happened).
    pub async fn end_for_sign_out(&self) -> Option<String> {
        let mut session = self.session.lock().await;
        if !self.ended.swap(true, Ordering::SeqCst) {
            let cid = console_link::correlation::new_correlation_id();
            let user = &session.user;
            desktop_scope(&cid).within(|| self.service.audit.record(&user.id, user.role.as_str(), "session.sign_out", "", cid.as_str(), 204));
        }
        session.refresh_token.take()
    }

    async fn answer_signed_in(&self, mut request: Request<Body>) -> Response<Body> {
        if self.ended.load(Ordering::SeqCst) {
            return crate::api::signed_out_answer(&crate::state::signed_out_session(self.profile.environment.clone()), &request);
        }
        let caller = match self.caller().await {
            Ok(caller) => caller,
            Err(problem) => return problem_response(&problem),
        };
        if request.method() == Method::GET && request.uri().path() == routes::SESSION {
            let info = SessionInfo {
                environment: self.profile.environment.clone(),
                product: PRODUCT.into(),
                version: env!("CARGO_PKG_VERSION").into(),
                user: Some(caller.user.clone()),
                // As at the gateway: the D1 issuer is staff's business.
                issuer_id: caller.user.role.is_staff().then(|| self.profile.issuer_id.clone()),
                csrf_token: None,
            };
            return json_response(200, &info);
        }
        request.extensions_mut().insert(caller);
        self.router.clone().oneshot(request).await.unwrap_or_else(|never| match never {})
    }

    /// The caller for this request, the access token renewed first when it is about to run out.
    async fn caller(&self) -> Result<Caller, ApiProblem> {
        let mut session = self.session.lock().await;
        // Signed out while this request waited for the lock.
        if self.ended.load(Ordering::SeqCst) {
            return Err(ApiProblem::new(401, ProblemKind::Unauthorized, "You signed out. Sign in again."));
        }
        if session.expires_at <= Instant::now() + REFRESH_MARGIN {
            self.renew(&mut session).await?;
        }
        let ended = self.ended.clone();
        Ok(Caller::new(session.user.clone(), session.access_token.clone(), Origin::Desktop)
            .with_audited_reads(self.audited_reads.clone())
            .on_sign_in_ended(Arc::new(move || ended.store(true, Ordering::SeqCst))))
    }

    /// New tokens (the refresh token rotates: the new one replaces the old in the keychain). A refusal ends
    /// the sign-in; an unreachable server leaves the token in hand to serve until it expires.
    async fn renew(&self, session: &mut Session) -> Result<(), ApiProblem> {
        let cid = console_link::correlation::new_correlation_id();
        let signed_out = || ApiProblem::new(401, ProblemKind::Unauthorized, "Your sign-in has ended. Sign in again.");
        let Some(refresh) = session.refresh_token.clone() else {
            self.end(session, &cid, "no refresh token").await;
            return Err(signed_out());
        };
        match crate::sign_in::refresh(&self.sign_in, &refresh, &session.user.id).await {
            Ok(tokens) => {
                if let Some(identity) = &tokens.identity {
                    match role_of(&self.profile.roles, identity) {
                        Ok(role) => session.user.role = role,
                        Err(why) => {
                            self.end(session, &cid, why).await;
                            return Err(ApiProblem::new(403, ProblemKind::Forbidden, why));
                        }
                    }
                }
                session.access_token = tokens.access_token;
                session.expires_at = tokens.expires_at;
                if let Some(next) = tokens.refresh_token {
                    keep_refresh_token(&self.keychain, &self.profile.keychain_scope(), &session.user.id, &next).await;
                    session.refresh_token = Some(next);
                }
                Ok(())
            }
            Err(UserAuthError::Unreachable(e)) if session.expires_at > Instant::now() => {
                tracing::warn!("session refresh failed, the token in hand still serves: {e}");
                Ok(())
            }
            Err(UserAuthError::Unreachable(_)) => Err(ApiProblem::new(
                503,
                ProblemKind::UpstreamUnavailable,
                "The sign-in service could not be reached to renew your session. Try again in a moment.",
            )),
            Err(e) => {
                self.end(session, &cid, &e.to_string()).await;
                Err(signed_out())
            }
        }
    }

    /// The sign-in is over: audited, the refresh token dropped here and from the keychain.
    async fn end(&self, session: &mut Session, cid: &console_api::d1_client::CorrelationId, why: &str) {
        self.ended.store(true, Ordering::SeqCst);
        session.refresh_token = None;
        let user = &session.user;
        desktop_scope(cid).within(|| self.service.audit.record_because(&user.id, user.role.as_str(), "session.refresh", "", cid.as_str(), 401, why));
        let (keychain, entry) = (self.keychain.clone(), refresh_entry(&self.profile.keychain_scope()));
        let _ = tauri::async_runtime::spawn_blocking(move || keychain.delete(&entry)).await;
    }
}

impl ApiHost for SignedInHost {
    fn answer(&self, request: Request<Body>) -> HostFuture<'_> {
        Box::pin(self.answer_signed_in(request))
    }

    fn as_signed_in(&self) -> Option<&SignedInHost> {
        Some(self)
    }
}

/// What the keychain keeps of a sign-in between runs: the refresh token, and whose it is (a refresh's new
/// tokens must be about the same person).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct KeptSignIn {
    pub sub: String,
    pub refresh_token: String,
}

impl KeptSignIn {
    /// The one kept under `scope` (`Profile::keychain_scope`), if readable. Blocking (keychain).
    pub fn read(keychain: &Keychain, profile: &str) -> Option<KeptSignIn> {
        let bytes = keychain.get(&refresh_entry(profile)).ok()??;
        serde_json::from_slice(&bytes).ok()
    }
}

/// A sign-in that did not complete (a return with a state this app did not send, a refused or failed
/// code exchange, none in time), audited as the gateway audits its own: nobody is known yet.
pub fn audit_sign_in_failed(service: &ServiceState, status: u16, why: &str) {
    let cid = console_link::correlation::new_correlation_id();
    desktop_scope(&cid).within(|| service.audit.record_because("-", "-", "session.sign_in", "", cid.as_str(), status, why));
}

/// The audit scope of what the app does outside a page's request (sign-in, renewal): from the desktop app.
pub(crate) fn desktop_scope(cid: &console_api::d1_client::CorrelationId) -> RequestScope {
    RequestScope { origin: Origin::Desktop, request_id: cid.as_str().to_string(), session: None }
}

/// Keeps `token` as the refresh token for `sub` under `profile` (its `Profile::keychain_scope`); a keychain failure is logged (the next start asks
/// again).
pub async fn keep_refresh_token(keychain: &Arc<Keychain>, profile: &str, sub: &str, token: &str) {
    let kept = KeptSignIn { sub: sub.to_string(), refresh_token: token.to_string() };
    let (keychain, entry) = (keychain.clone(), refresh_entry(profile));
    let bytes = serde_json::to_vec(&kept).unwrap_or_default();
    let kept = tauri::async_runtime::spawn_blocking(move || keychain.set(&entry, &bytes)).await;
    match kept {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!("refresh token not kept: {e}"),
        Err(e) => tracing::warn!("refresh token not kept: {e}"),
    }
}
