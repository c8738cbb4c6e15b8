//! Delete an account (admins), behind a confirmation. MasCustomers refuses (409) while the account has an
//! active or scheduled promotion: the page says so in words, with what to do.

use console_api::gateway::ClientError;
use console_api::route::AccountsPath;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use super::payment::write_failure;
use crate::transport::Client;
use crate::util::new_cid;

#[component]
pub fn DeleteAccount(person: String, customer: String, account: String) -> impl IntoView {
    let client = expect_context::<Client>();
    let navigate = use_navigate();
    let asking = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ClientError>);
    let delete = move |_| {
        // Asked once: a second click (a double-click) while the first is on its way sends nothing.
        if busy.get_untracked() {
            return;
        }
        asking.set(false);
        busy.set(true);
        failure.set(None);
        let (client, customer, account, person, navigate) = (client.clone(), customer.clone(), account.clone(), person.clone(), navigate.clone());
        spawn_local(async move {
            match client.mas_delete_account(&customer, &account, Some(&new_cid())).await {
                Ok(_) => navigate(&AccountsPath::customer(&person), NavigateOptions::default()),
                Err(e) => { failure.try_set(Some(e)); }
            }
            busy.try_set(false);
        });
    };
    view! {
        <section class="card danger-zone" data-testid="delete-section">
            <h2 class="card-title">"Delete account"</h2>
            <Show when=move || asking.get()
                fallback=move || view! {
                    <button class="btn btn-danger-outline" data-testid="delete-account" disabled=move || busy.get()
                        on:click=move |_| asking.set(true)>"Delete account…"</button>
                }>
                <div class="confirm" role="alertdialog" aria-label="Confirm">
                    <p>"Delete this account from MasCustomers? This cannot be undone."</p>
                    <button class="btn btn-danger" data-testid="delete-account-confirm" on:click=delete.clone()>"Delete"</button>
                    <button class="btn" on:click=move |_| asking.set(false)>"Cancel"</button>
                </div>
            </Show>
            {move || failure.get().map(|e| write_failure(&e))}
        </section>
    }
}
