//! The commands the page may call (each one allowed by name in `capabilities/main.json`). They answer API
//! data and problems, never a token, a key or a refresh token.

use std::sync::Arc;

use console_api::gateway::{routes, ApiProblem, ProblemKind};
use console_link::service::ServiceState;
use console_link::user_auth::UserAuthError;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;

use crate::api::{ApiAnswer, ApiCall};
use crate::keychain::{refresh_entry, KeychainStatus};
use crate::loopback::{LoopbackError, SIGN_IN_TIMEOUT};
use crate::profile::Profile;
use crate::service_host::{keep_refresh_token, KeptSignIn, SignedInHost};
use crate::sign_in::{open_with, SignInError};
use crate::state::AppState;

/// One `/api` exchange, answered as the gateway would (see `crate::api`), or, under `/api/desktop/`, the
/// app's own settings (`crate::settings_api`). `Err`: the call itself was refused before any host saw it
/// (a method or path the console does not have), as the gateway's 400.
#[tauri::command]
pub async fn api<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, call: ApiCall) -> Result<ApiAnswer, ApiProblem> {
    // A sign-in kept in the keychain by an earlier run is taken up before the run's first answer: the app
    // starts it at launch (`crate::run`); a call that comes first (tests, which have no launch) starts it.
    resume_once(&state).await;
    // The page signs out as it does at the gateway; here the app itself ends the sign-in.
    if call.method == "POST" && call.path == routes::AUTH_LOGOUT {
        sign_out(&state).await;
        return Ok(ApiAnswer { status: 204, headers: Vec::new(), body: String::new() });
    }
    let dialogs = state.dialogs.clone().unwrap_or_else(|| crate::dialogs::for_app(&app).into());
    if let Some(answer) = crate::settings_api::answer(&state, dialogs.as_ref(), &call).await {
        return answer;
    }
    let host = state.host();
    crate::api::call(host.as_ref(), call).await
}

/// Forgets the caller and the refresh token (keychain entry deleted), then revokes the token upstream.
/// Signed out here whatever the authorization server says: a failed revocation is logged.
pub async fn sign_out(state: &AppState) {
    let host = state.host();
    let in_hand = match host.as_signed_in() {
        Some(signed_in) => signed_in.end_for_sign_out().await,
        None => None,
    };
    state.forget_caller();
    let profile = state.profile();
    let (keychain, entry, name) = (state.keychain.clone(), refresh_entry(&profile.keychain_scope()), profile.keychain_scope());
    let taken = tauri::async_runtime::spawn_blocking(move || {
        let kept = KeptSignIn::read(&keychain, &name);
        keychain.delete(&entry).map(|()| kept)
    })
    .await;
    let kept = match taken {
        Ok(Ok(kept)) => kept.map(|k| k.refresh_token),
        Ok(Err(e)) => {
            tracing::warn!("sign-out: the keychain failed: {e}");
            None
        }
        Err(e) => {
            tracing::warn!("sign-out: {e}");
            None
        }
    };
    if let Some(token) = in_hand.or(kept) {
        let settings = crate::upstream_tls::sign_in_settings(&state.keychain, &profile).await;
        if let Err(e) = crate::sign_in::revoke(&settings, &token).await {
            tracing::warn!("sign-out: the refresh token was not revoked upstream: {e}");
        }
    }
}

/// Whether secrets outlive this run (the OS keychain) or not (memory only), and what that means, for the
/// page to say.
#[tauri::command]
pub fn keychain_status(state: State<'_, AppState>) -> KeychainStatus {
    state.keychain.status()
}

/// The service of the active profile, built from its settings and keychain secrets: what is missing is
/// said before any browser opens.
async fn service(state: &AppState, profile: &Profile) -> Result<ServiceState, ApiProblem> {
    let (keychain, audit_log, for_settings) = (state.keychain.clone(), state.audit_log.clone(), profile.clone());
    let settings = tauri::async_runtime::spawn_blocking(move || crate::service_host::settings(&for_settings, &keychain, audit_log))
        .await
        .map_err(|e| ApiProblem::new(500, ProblemKind::Internal, e.to_string()))?
        .map_err(|why| ApiProblem { field: Some("profile".into()), ..ApiProblem::new(409, ProblemKind::InvalidInput, why) })?;
    ServiceState::new(settings).map_err(|e| ApiProblem::new(500, ProblemKind::Internal, format!("The console service cannot start: {e}")))
}

/// Signs a person in through the system browser (`crate::sign_in`), keeps the refresh token in the
/// keychain, and makes the console's service answer for them. The page gets nothing of the tokens: it
/// reloads, and `/api/session` says who is signed in.
#[tauri::command]
pub async fn sign_in<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> Result<(), ApiProblem> {
    // Pending from the start, so that a Cancel clicked at once is not lost.
    let mut pending = state.begin_sign_in();
    let called_off = pending.called_off();
    // The kept sign-in taken up at launch finishes first, so that it never replaces this one afterwards.
    resume_once(&state).await;
    let profile = state.profile();
    let service = service(&state, &profile).await?;
    let hook = crate::sign_in::browser_hook();
    let open = open_with(hook, move |url| app.opener().open_url(url, None::<&str>).map_err(|e| e.to_string()));
    let settings = crate::upstream_tls::sign_in_settings(&state.keychain, &profile).await;
    let outcome = crate::sign_in::sign_in(&settings, open, SIGN_IN_TIMEOUT, called_off).await;
    drop(pending);
    let tokens = match outcome {
        Ok(tokens) => tokens,
        Err(e) => {
            crate::service_host::audit_sign_in_failed(&service, audit_status(&e), &e.to_string());
            return Err(problem_of(e));
        }
    };
    let refresh = tokens.refresh_token.clone();
    // Nothing of this sign-in is kept unless it is used: its refresh token is revoked otherwise.
    let discard = |refresh: Option<String>, settings: crate::sign_in::SignInSettings| async move {
        if let Some(refresh) = refresh {
            if let Err(e) = crate::sign_in::revoke(&settings, &refresh).await {
                tracing::warn!("an unused sign-in was not revoked upstream: {e}");
            }
        }
    };
    // The profile may have changed while the browser was open: the sign-in was for the old one.
    if state.profile() != profile {
        discard(refresh, settings).await;
        return Err(environment_changed(&service));
    }
    let host = match SignedInHost::open(service, profile.clone(), settings.clone(), state.keychain.clone(), tokens) {
        Ok(host) => host,
        Err(problem) => {
            discard(refresh, settings).await;
            return Err(problem);
        }
    };
    // Signed in over a sign-in (the page may ask again; another person at the same desk): the one before
    // ends first, audited as a sign-out, so that no renewal of it can write its token over the new one's
    // in the keychain; it is revoked upstream once the new one stands.
    let replaced = match state.host().as_signed_in() {
        Some(signed_in) => signed_in.end_for_sign_out().await,
        None => None,
    };
    if let Some(refresh) = &refresh {
        keep_refresh_token(&state.keychain, &profile.keychain_scope(), &host.user_id().await, refresh).await;
    }
    // Checked again with nothing awaited before the host is set: a switch meanwhile wins.
    if state.profile() != profile {
        discard(refresh, settings.clone()).await;
        discard(replaced, settings).await;
        return Err(environment_changed(host.service()));
    }
    state.set_host(Arc::new(host));
    if let Some(token) = replaced {
        if let Err(e) = crate::sign_in::revoke(&settings, &token).await {
            tracing::warn!("the sign-in replaced by a new one was not revoked upstream: {e}");
        }
    }
    Ok(())
}

/// A sign-in made for the profile that was active when it began, after another was made active: audited,
/// and said to the page.
fn environment_changed(service: &ServiceState) -> ApiProblem {
    crate::service_host::audit_sign_in_failed(service, 409, "the environment changed during the sign-in");
    ApiProblem::new(409, ProblemKind::InvalidInput, "The environment changed during the sign-in. Sign in again.")
}

/// Ends the sign-in that waits for the browser, if one does (its listener stops; the page's `sign_in`
/// call answers that it was cancelled). Whether one did: once the browser is back, the sign-in finishes
/// and Cancel is too late.
#[tauri::command]
pub fn cancel_sign_in(state: State<'_, AppState>) -> bool {
    state.cancel_sign_in()
}

/// [`resume`], once per run: callers after the first wait for its outcome.
pub async fn resume_once(state: &AppState) {
    state.resumed.get_or_init(|| resume(state)).await;
}

/// A sign-in kept from an earlier run: its refresh token renewed, the person signed in without a browser.
/// Anything wrong (no entry, a refused or unreachable renewal, a missing secret): signed out, as before.
async fn resume(state: &AppState) {
    let profile = state.profile();
    let (keychain, name) = (state.keychain.clone(), profile.keychain_scope());
    let Ok(Some(kept)) = tauri::async_runtime::spawn_blocking(move || KeptSignIn::read(&keychain, &name)).await else {
        return;
    };
    let service = match service(state, &profile).await {
        Ok(service) => service,
        Err(problem) => return tracing::warn!("the kept sign-in is not resumed: {}", problem.message),
    };
    let settings = crate::upstream_tls::sign_in_settings(&state.keychain, &profile).await;
    let tokens = match crate::sign_in::refresh(&settings, &kept.refresh_token, &kept.sub).await {
        Ok(tokens) => tokens,
        Err(e) => {
            tracing::info!("the kept sign-in is not resumed: {e}");
            if !matches!(e, UserAuthError::Unreachable(_)) {
                let (keychain, entry) = (state.keychain.clone(), refresh_entry(&profile.keychain_scope()));
                let _ = tauri::async_runtime::spawn_blocking(move || keychain.delete(&entry)).await;
            }
            return;
        }
    };
    let refresh = tokens.refresh_token.clone();
    // The environment may have been switched meanwhile: this sign-in was for the one before.
    if state.profile() != profile {
        return tracing::info!("the kept sign-in is not resumed: the environment changed");
    }
    match SignedInHost::open(service, profile.clone(), settings, state.keychain.clone(), tokens) {
        Ok(host) => {
            if let Some(refresh) = refresh {
                keep_refresh_token(&state.keychain, &profile.keychain_scope(), &kept.sub, &refresh).await;
            }
            state.set_host(Arc::new(host));
        }
        Err(problem) => tracing::info!("the kept sign-in is not resumed: {}", problem.message),
    }
}

/// The status the gateway's audit line gives the same end of a sign-in (`src-server/src/sign_in.rs`): a
/// return it did not ask for or cannot use 400, refused 401, the server unreachable 503, its answer
/// unusable 502; what only the app has (no return in time, its own listener or browser failing) said as
/// such.
fn audit_status(e: &SignInError) -> u16 {
    match e {
        SignInError::Callback(LoopbackError::WrongState | LoopbackError::NoCode) => 400,
        SignInError::Callback(LoopbackError::Refused(_)) => 401,
        SignInError::Callback(LoopbackError::TimedOut(_)) => 408,
        SignInError::Callback(LoopbackError::Stopped) | SignInError::Listen(_) | SignInError::Browser(_) => 500,
        SignInError::Auth(UserAuthError::Refused(_) | UserAuthError::BadIdToken(_)) => 400,
        SignInError::Auth(UserAuthError::Unreachable(_)) => 503,
        SignInError::Auth(UserAuthError::BadToken(_) | UserAuthError::Config(_)) => 502,
        // The person's own doing (or their newer sign-in's), like a sign-in page they closed.
        SignInError::Cancelled(_) => 400,
    }
}

fn problem_of(e: SignInError) -> ApiProblem {
    let (status, kind, next) = match &e {
        SignInError::Auth(UserAuthError::Unreachable(_)) => (
            503,
            ProblemKind::UpstreamUnavailable,
            " Check the profile's sign-in server URL under Environments (for the sandbox: is `cargo xtask desktop` running?), then sign in again.",
        ),
        SignInError::Listen(_) | SignInError::Browser(_) => (500, ProblemKind::Internal, ""),
        _ => (401, ProblemKind::Unauthorized, ""),
    };
    ApiProblem::new(status, kind, format!("Not signed in: {e}.{next}"))
}
