//! The commands the page may call (each one allowed by name in `capabilities/main.json`). They answer API
//! data and problems, never a token, a key or a refresh token.

use console_api::gateway::{routes, ApiProblem, ProblemKind};
use console_link::user_auth::UserAuthError;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;

use crate::api::{ApiAnswer, ApiCall};
use crate::keychain::{refresh_entry, KeychainStatus};
use crate::loopback::SIGN_IN_TIMEOUT;
use crate::sign_in::{open_with, SignInError, BROWSER_HOOK_ENV};
use crate::state::AppState;

/// One `/api` exchange, answered as the gateway would (see `crate::api`). `Err`: the call itself was
/// refused before any host saw it (a method or path the console does not have), as the gateway's 400.
#[tauri::command]
pub async fn api(state: State<'_, AppState>, call: ApiCall) -> Result<ApiAnswer, ApiProblem> {
    // The page signs out as it does at the gateway; here the app itself ends the sign-in.
    if call.method == "POST" && call.path == routes::AUTH_LOGOUT {
        sign_out(&state).await;
        return Ok(ApiAnswer { status: 204, headers: Vec::new(), body: String::new() });
    }
    let host = state.host();
    crate::api::call(host.as_ref(), call).await
}

/// Forgets the caller and the refresh token (keychain entry deleted), then revokes the token upstream.
/// Signed out here whatever the authorization server says: a failed revocation is logged.
async fn sign_out(state: &AppState) {
    state.forget_caller();
    let (keychain, entry) = (state.keychain.clone(), refresh_entry(&state.environment.name));
    let taken = tauri::async_runtime::spawn_blocking(move || {
        let token = keychain.get(&entry);
        keychain.delete(&entry).map(|()| token)
    })
    .await;
    match taken {
        Ok(Ok(Ok(Some(token)))) => {
            if let Err(e) = crate::sign_in::revoke(&state.environment.sign_in, &String::from_utf8_lossy(&token)).await {
                tracing::warn!("sign-out: the refresh token was not revoked upstream: {e}");
            }
        }
        Ok(Ok(Ok(None))) => {}
        Ok(Ok(Err(e)) | Err(e)) => tracing::warn!("sign-out: the keychain failed: {e}"),
        Err(e) => tracing::warn!("sign-out: {e}"),
    }
}

/// Whether secrets outlive this run (the OS keychain) or not (memory only), and what that means, for the
/// page to say.
#[tauri::command]
pub fn keychain_status(state: State<'_, AppState>) -> KeychainStatus {
    state.keychain.status()
}

/// Signs a person in through the system browser (`crate::sign_in`), keeps the refresh token in the
/// keychain, and makes the console's service answer for them. The page gets nothing of the tokens: it
/// reloads, and `/api/session` says who is signed in.
#[tauri::command]
pub async fn sign_in<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> Result<(), ApiProblem> {
    // Said before the browser opens, not after the person has signed in for nothing.
    let Some(services) = state.services.clone() else {
        return Err(ApiProblem::new(
            503,
            ProblemKind::UpstreamUnavailable,
            "This build of the desktop app has no console service to sign in to.",
        ));
    };
    let hook = std::env::var(BROWSER_HOOK_ENV).ok();
    let open = open_with(hook, move |url| app.opener().open_url(url, None::<&str>).map_err(|e| e.to_string()));
    let tokens = crate::sign_in::sign_in(&state.environment.sign_in, open, SIGN_IN_TIMEOUT).await.map_err(problem_of)?;
    if let Some(refresh) = tokens.refresh_token.clone() {
        let (keychain, entry) = (state.keychain.clone(), refresh_entry(&state.environment.name));
        let kept = tauri::async_runtime::spawn_blocking(move || keychain.set(&entry, refresh.as_bytes())).await;
        if let Ok(Err(e)) | Err(e) = kept.map_err(|e| crate::keychain::KeychainError::Failed(e.to_string())) {
            // Signed in all the same: only the next start will ask again.
            tracing::warn!("refresh token not kept: {e}");
        }
    }
    state.set_host(services(tokens)?);
    Ok(())
}

fn problem_of(e: SignInError) -> ApiProblem {
    let (status, kind) = match &e {
        SignInError::Auth(UserAuthError::Unreachable(_)) => (503, ProblemKind::UpstreamUnavailable),
        SignInError::Listen(_) | SignInError::Browser(_) => (500, ProblemKind::Internal),
        _ => (401, ProblemKind::Unauthorized),
    };
    ApiProblem::new(status, kind, format!("Not signed in: {e}."))
}
