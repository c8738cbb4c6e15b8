//! The user menu in the header (who, which role, where; sign out) and the `/signed-out` page.

use console_api::gateway::{is_local_path, sign_in_url, ApiProblem, ClientError, Environment, SignedInUser};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

use crate::app::{shell_word, ShellWordsSlot};
use crate::drafts;
use crate::transport::Client;
use crate::util::{leave_to, set_leaving, ENDED_AT, SIGNED_OUT};

/// A `<details>` disclosure: keyboard-usable without any script (Enter or Space on the summary), and small.
#[component]
pub fn UserMenu(user: SignedInUser, environment: Environment) -> impl IntoView {
    let client = expect_context::<Client>();
    let sign_out = move |_| {
        let client = client.clone();
        // From now on a refused poll (the session is gone before the answer comes) must not send the
        // person to sign in instead of "you have signed out".
        set_leaving(true);
        spawn_local(async move {
            match client.sign_out().await {
                // 401: the session had already ended, which is what was asked.
                Ok(_) | Err(ClientError::Problem(ApiProblem { status: 401, .. })) => {
                    // The next person at this tab must not find this one's half-typed forms.
                    drafts::clear_all();
                    leave_to(SIGNED_OUT);
                }
                // Still signed in (the gateway could not be reached): stay, rather than pretend to have
                // signed out; the button can be pressed again.
                Err(_) => set_leaving(false),
            }
        });
    };
    let words = expect_context::<ShellWordsSlot>();
    let role_label = user.role.label().to_string();
    let role = move || words.get().map_or_else(|| role_label.clone(), |w| w.role.to_string());
    view! {
        <details class="user-menu">
            <summary class="user-menu-button" data-testid="user-menu">{user.name.clone()}</summary>
            <div class="user-menu-panel">
                <p class="user-menu-who" data-testid="user-name">{user.name}</p>
                <p class="muted" data-testid="user-role">{role}</p>
                <p class="muted">{move || match words.get() {
                    Some(w) => format!("{}: {}", w.environment, environment.label()),
                    None => format!("{} environment", environment.label()),
                }}</p>
                <button type="button" class="btn" data-testid="sign-out" on:click=sign_out>
                    {shell_word(|w| w.sign_out, "Sign out")}
                </button>
            </div>
        </details>
    }
}

/// `/signed-out`: where signing out lands, outside any session.
#[component]
pub fn SignedOut() -> impl IntoView {
    // Sent here by a session that ended while nobody was acting (`util::session_ended_here`, naming the
    // page, if it is ours), or by signing out.
    let ended_at = use_query_map().with_untracked(|q| q.get_str(ENDED_AT).filter(|p| is_local_path(p)).map(str::to_string));
    let (title, lead, back_to) = match ended_at {
        Some(page) => (
            "Your session has ended",
            "Nobody used the console for a while, or it was signed out elsewhere. Sign in again to go back to \
             where you were; what you had typed is kept.",
            page,
        ),
        None => ("You have signed out", "Your session has ended here. Sign in again when you need the console.", "/".to_string()),
    };
    view! {
        <section class="card empty signed-out" data-testid="signed-out">
            <h1>{title}</h1>
            <p class="lead">{lead}</p>
            // rel=external: the router must let the browser go; sign-in runs on the gateway.
            <a class="btn btn-primary" rel="external" data-testid="sign-in-again" href=sign_in_url(&back_to)>"Sign in again"</a>
        </section>
    }
}
