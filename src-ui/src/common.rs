//! Small pieces shared by the pages: error panel, status badge, operation icon, loading and empty states.

use console_api::d1::{OperationStatus, OperationType};
use console_api::page::ErrorView;
use leptos::prelude::*;

/// A failure in plain words, the correlation id to quote, and the upstream's text behind "Technical details".
#[component]
pub fn ErrorPanel(
    error: ErrorView,
    /// The data-testid of the panel (`error-panel` unless a use case has its own).
    #[prop(default = "error-panel")]
    testid: &'static str,
) -> impl IntoView {
    let ErrorView { title, message, correlation_id, technical } = error;
    view! {
        <div class="error-panel" role="alert" data-testid=testid>
            <div class="error-title">
                <span class="error-mark" aria-hidden="true">"!"</span>
                {title}
            </div>
            <p class="error-message">{message}</p>
            {correlation_id.map(|cid| view! {
                <p class="error-cid">"Correlation id: " <code class="cid">{cid}</code>
                    <span class="muted">" (quote it to support)"</span>
                </p>
            })}
            {technical.map(|t| view! {
                <details class="technical" data-testid="technical-details">
                    <summary>"Technical details"</summary>
                    <pre>{t}</pre>
                </details>
            })}
        </div>
    }
}

/// The wire status as a coloured badge; PENDING pulses.
#[component]
pub fn StatusBadge(status: OperationStatus) -> impl IntoView {
    let class = match status {
        OperationStatus::Successful => "badge badge-ok",
        OperationStatus::Pending => "badge badge-pending",
        OperationStatus::Failed => "badge badge-failed",
        OperationStatus::Other(_) => "badge badge-other",
    };
    view! {
        <span class=class>
            {matches!(status, OperationStatus::Pending).then(|| view! { <span class="pulse" aria-hidden="true"></span> })}
            {status.label().to_string()}
        </span>
    }
}

/// A 16 px line icon for each operation type.
#[component]
pub fn OpIcon(kind: OperationType) -> impl IntoView {
    let (class, d) = match kind {
        OperationType::Register => ("op-icon icon-register", "M6 7a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM1 15c0-3 2-5 5-5s5 2 5 5M13 5v6M10 8h6"),
        OperationType::Delete => ("op-icon icon-delete", "M2 4h12M6 4V2h4v2M4 4l1 10h6l1-10M7 7v5M9 7v5"),
        OperationType::Suspend => ("op-icon icon-suspend", "M5 3v10M11 3v10"),
        OperationType::Resume => ("op-icon icon-resume", "M4 2.5v11l9-5.5z"),
        OperationType::EnrollAuthn => ("op-icon icon-enroll", "M8 1l6 2.5V8c0 3.5-2.5 6-6 7-3.5-1-6-3.5-6-7V3.5zM5 8l2 2 4-4"),
        OperationType::DeleteAuthn => ("op-icon icon-unenroll", "M8 1l6 2.5V8c0 3.5-2.5 6-6 7-3.5-1-6-3.5-6-7V3.5zM5.5 5.5l5 5M10.5 5.5l-5 5"),
        OperationType::ClickToPayUpdate => ("op-icon icon-c2p", "M1.5 3.5h13v9h-13zM1.5 6.5h13M4 10h3"),
        OperationType::Other(_) => ("op-icon icon-other", "M8 5v4M8 11v.5M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1z"),
    };
    view! {
        <span class=class aria-hidden="true">
            <svg viewBox="0 0 16 16" width="16" height="16" fill="none" stroke="currentColor"
                stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round">
                <path d=d></path>
            </svg>
        </span>
    }
}

/// A spinner with words, for screen readers too.
#[component]
pub fn Loading(#[prop(into)] label: String) -> impl IntoView {
    view! {
        <div class="loading" data-testid="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span>{label}</span>
        </div>
    }
}

/// Skeleton rows while the first page loads.
#[component]
pub fn SkeletonRows() -> impl IntoView {
    view! {
        <div class="skeleton" aria-hidden="true">
            {(0..6).map(|_| view! { <div class="skeleton-row"><span></span><span></span><span></span></div> }).collect_view()}
        </div>
    }
}

/// A page the signed-in role has no use for (the gateway would refuse its calls anyway).
#[component]
pub fn Forbidden() -> impl IntoView {
    let home = crate::session::use_role().home();
    view! {
        <section class="card empty forbidden" data-testid="forbidden-page">
            <h1>"Not available for your role"</h1>
            <p>"This page is not part of what you can do in the console. Go to "
                <a href=home>{if home == "/me" { "My documents" } else { "the start page" }}</a> "."</p>
        </section>
    }
}
