//! Small pieces shared by the pages: error panel, status badge, operation icon, loading and empty states.

use console_api::d1::{OperationStatus, OperationType};
use console_api::page::row_markup::{badge_class, icon_class};
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
    view! {
        <span class=badge_class(&status)>
            {matches!(status, OperationStatus::Pending).then(|| view! { <span class="pulse" aria-hidden="true"></span> })}
            {status.label().to_string()}
        </span>
    }
}

/// A 16 px line icon for each operation type: its box and colour, the drawing itself by the stylesheet
/// (`.icon-*` in style/staff.css): no SVG to build. The timeline's rows write the same classes as markup.
#[component]
pub fn OpIcon(kind: OperationType) -> impl IntoView {
    view! { <span class=icon_class(&kind) aria-hidden="true"></span> }
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
