//! The staff console's start page.

use leptos::prelude::*;

use crate::common::Forbidden;
use crate::session::use_role;

#[component]
pub fn Home() -> impl IntoView {
    // A customer's "/" became "/me" before the router started; any other role but staff has no start here.
    if !use_role().is_staff() {
        return view! { <Forbidden/> }.into_any();
    }
    view! {
        <section class="home">
            <div class="card home-card">
                <h1>"Look up a customer"</h1>
                <p class="lead" data-testid="home-lead">
                    "Type a name, an e-mail address or any of a person's IDs in the search box to open their customer \
                     page: D1, their accounts and their consents side by side. A Thales D1 consumerId typed exactly \
                     opens its operations timeline: registrations, suspensions, authenticator enrolments and \
                     deletions, newest first."
                </p>
                <ul class="facts">
                    <li>"D1 keeps operations for 3 months; older ones are no longer available."</li>
                    <li>"Every request carries a correlation id, shown with any error so that support can trace it."</li>
                    <li>"Deleting a consumer is irreversible and cascades to its accounts, cards and digital cards."</li>
                </ul>
            </div>
        </section>
    }
    .into_any()
}
