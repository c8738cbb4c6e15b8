//! One system's panel on the customer page: it loads on its own, and says in itself when its system is
//! slow or fails, so that the others are read as usual. `data-state` (loading, ready, failed, absent)
//! lets tests and the bench see when every panel has answered.

use std::time::Duration;

use console_api::page::ErrorView;
use leptos::prelude::*;

use crate::common::ErrorPanel;

/// After this long without an answer, the panel says its system is slow.
const SLOW: Duration = Duration::from_secs(4);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanelState {
    Loading,
    Ready,
    Failed,
    /// The person has nothing in this system.
    Absent,
}

impl PanelState {
    pub fn of<T>(loaded: &Option<Result<T, ErrorView>>) -> PanelState {
        match loaded {
            None => PanelState::Loading,
            Some(Ok(_)) => PanelState::Ready,
            Some(Err(_)) => PanelState::Failed,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            PanelState::Loading => "loading",
            PanelState::Ready => "ready",
            PanelState::Failed => "failed",
            PanelState::Absent => "absent",
        }
    }
}

#[component]
pub fn Panel(
    title: &'static str,
    testid: &'static str,
    #[prop(into)] state: Signal<PanelState>,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="card customer-panel" data-testid=testid data-state=move || state.get().as_str() aria-busy=move || (state.get() == PanelState::Loading).to_string()>
            <h2 class="card-title">{title}</h2>
            {children()}
        </section>
    }
}

/// While a panel waits: what it asks, and after a while that its system is slow.
#[component]
pub fn Waiting(system: &'static str) -> impl IntoView {
    let slow = RwSignal::new(false);
    set_timeout(move || { slow.try_set(true); }, SLOW);
    view! {
        <div class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span>{move || if slow.get() {
                format!("{system} is slow to answer: still waiting. The other panels do not wait for it.")
            } else {
                format!("Asking {system}…")
            }}</span>
        </div>
    }
}

/// A panel whose system failed: which part is missing, that the rest stands, and the error itself.
#[component]
pub fn Failed(system: &'static str, what: &'static str, error: ErrorView) -> impl IntoView {
    view! {
        <p class="panel-missing" data-testid="panel-missing">
            {format!("{what} could not be loaded from {system}. The other panels are not affected.")}
        </p>
        <ErrorPanel error/>
    }
}

/// A panel for a system the person has no id in.
#[component]
pub fn Absent(text: &'static str) -> impl IntoView {
    view! { <p class="muted" data-testid="panel-absent">{text}</p> }
}
