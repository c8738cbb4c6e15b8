//! The part of a timeline row that never changes once drawn (its title with icon and status, who asked,
//! the reason and details, the error, and how it ended), as markup the page writes into the row in one
//! call (`inner_html`). Built through the DOM API it took some twenty calls into the browser per row;
//! written so, the first 50 rows come 20 to 30 ms sooner (ARCHITECTURE.md, "The timeline's speed"). What
//! does change (the link, which keeps the filters, and the relative time) stays in the row's view.
//!
//! This is the one place the console writes markup as text, so every text from the wire is escaped here
//! (`html_escape`): a reason, an error or an app instance id from D1 shows as the text it is, never as
//! markup. The classes are the ones the page's `StatusBadge` and `OpIcon` draw elsewhere.

use std::fmt::Write;

use chrono::TimeZone;
use html_escape::encode_text;

use crate::d1::{Operation, OperationStatus, OperationType};
use crate::timeline;

/// The classes of an operation's status badge.
pub fn badge_class(status: &OperationStatus) -> &'static str {
    match status {
        OperationStatus::Successful => "badge badge-ok",
        OperationStatus::Pending => "badge badge-pending",
        OperationStatus::Failed => "badge badge-failed",
        OperationStatus::Other(_) => "badge badge-other",
    }
}

/// The classes of an operation type's icon (drawn by the stylesheet: `.icon-*` in style/staff.css).
pub fn icon_class(kind: &OperationType) -> &'static str {
    match kind {
        OperationType::Register => "op-icon icon-register",
        OperationType::Delete => "op-icon icon-delete",
        OperationType::Suspend => "op-icon icon-suspend",
        OperationType::Resume => "op-icon icon-resume",
        OperationType::EnrollAuthn => "op-icon icon-enroll",
        OperationType::DeleteAuthn => "op-icon icon-unenroll",
        OperationType::ClickToPayUpdate => "op-icon icon-c2p",
        OperationType::Other(_) => "op-icon icon-other",
    }
}

/// The row's middle: the title line, then who asked, the reason and the details, then a failure's error.
pub fn main(op: &Operation) -> String {
    let mut out = String::with_capacity(512);
    let pulse = if op.status == OperationStatus::Pending { r#"<span class="pulse" aria-hidden="true"></span>"# } else { "" };
    let _ = write!(
        out,
        r#"<div class="op-title"><span class="{}" aria-hidden="true"></span><span class="op-label">{}</span><span class="{}">{pulse}{}</span></div>"#,
        icon_class(&op.operation),
        encode_text(op.operation.label()),
        badge_class(&op.status),
        encode_text(op.status.label()),
    );
    let _ = write!(out, r#"<div class="op-meta"><span class="op-requestor">{}</span>"#, encode_text(&timeline::requestor_label(op)));
    let reason = match (&op.reason, &op.reason_code) {
        (Some(r), Some(c)) => Some(format!("“{r}” · {}", c.label())),
        (Some(r), None) => Some(format!("“{r}”")),
        (None, Some(c)) => Some(c.label().to_string()),
        (None, None) => None,
    };
    if let Some(reason) = reason {
        let _ = write!(out, r#"<span class="op-reason">{}</span>"#, encode_text(&reason));
    }
    if let Some(details) = timeline::details_summary(op) {
        let _ = write!(out, r#"<span class="op-details">{}</span>"#, encode_text(&details));
    }
    out.push_str("</div>");
    if op.status == OperationStatus::Failed {
        let code = op.error_code.as_ref().map(|c| format!("{c}: ")).unwrap_or_default();
        let text = op.error.as_deref().unwrap_or("no error text");
        let _ = write!(out, r#"<div class="op-error">{}</div>"#, encode_text(&format!("{code}{text}")));
    }
    out
}

/// The row's right side: in progress, synchronous, or when it ended (in `tz`) and how long it took.
pub fn end<Tz: TimeZone>(op: &Operation, tz: &Tz) -> String {
    if op.status == OperationStatus::Pending {
        return r#"<span class="muted">In progress…</span>"#.to_string();
    }
    let Some(ended) = op.end_time.as_deref().map(|e| super::local_time_label(e, tz)) else {
        return r#"<span class="muted">Synchronous</span>"#.to_string();
    };
    let mut out = format!("<span>Ended {}</span>", encode_text(&ended));
    if let Some(took) = timeline::duration(op).map(timeline::format_duration) {
        let _ = write!(out, r#"<span class="op-took">took {}</span>"#, encode_text(&took));
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::d1::{ConsumerState, OperationDetails, ReasonCode, RequestorType};
    use crate::timeline::tests::op;

    #[test]
    fn every_text_from_the_wire_is_escaped() {
        let mut failed = op("op-1", "2026-11-20T10:00:00Z", OperationType::Other("<b>NEW</b>".into()), OperationStatus::Failed);
        failed.error_code = Some("E<1>".into());
        failed.error = Some("<img src=x onerror=alert(1)> & \"quoted\"".into());
        failed.reason = Some("<script>alert(2)</script>".into());
        failed.details = Some(OperationDetails { app_instance_id: Some("</span><i>app".into()), ..Default::default() });
        let markup = main(&failed);
        for raw in ["<b>", "<img", "<script>", "</span><i>"] {
            assert!(!markup.contains(raw), "{raw} reached the markup unescaped: {markup}");
        }
        assert!(markup.contains("&lt;img src=x onerror=alert(1)&gt; &amp; \"quoted\""), "{markup}");
        assert!(markup.contains("&lt;script&gt;alert(2)&lt;/script&gt;"), "{markup}");
        assert!(markup.contains("App instance &lt;/span&gt;&lt;i&gt;app"), "{markup}");
        assert!(markup.contains(r#"<div class="op-error">E&lt;1&gt;: "#), "{markup}");
        // Balanced: every element the markup opens, it closes.
        assert_eq!(markup.matches("<span").count(), markup.matches("</span>").count(), "{markup}");
        assert_eq!(markup.matches("<div").count(), markup.matches("</div>").count(), "{markup}");
    }

    /// Every text field and every wire value the console does not know, set to markup: none of it
    /// reaches either side of the row unescaped.
    #[test]
    fn no_field_reaches_the_markup_unescaped() {
        let x = || "<x&".to_string();
        for status in [OperationStatus::Other(x()), OperationStatus::Failed, OperationStatus::Pending] {
            let mut o = op(&x(), &x(), OperationType::Other(x()), status);
            o.requestor_type = RequestorType::Other(x());
            o.requestor_id = x();
            o.reason = Some(x());
            o.reason_code = Some(ReasonCode::Other(x()));
            o.details = Some(OperationDetails {
                old_state: Some(ConsumerState::Other(x())),
                new_state: Some(ConsumerState::Other(x())),
                app_instance_id: Some(x()),
            });
            o.error_code = Some(x());
            o.error = Some(x());
            o.end_time = Some(x());
            let (middle, end) = (main(&o), end(&o, &Utc));
            assert!(!middle.contains("<x") && !end.contains("<x"), "{middle}\n{end}");
            assert!(middle.contains("&lt;x&amp;"), "{middle}");
        }
    }

    #[test]
    fn a_row_says_what_the_operation_is_and_how_it_went() {
        let mut suspended = op("op-2", "2026-11-20T10:00:00Z", OperationType::Suspend, OperationStatus::Successful);
        suspended.reason = Some("Lost card".into());
        suspended.reason_code = Some(ReasonCode::IssuerDecision);
        suspended.end_time = Some("2026-11-20T10:00:02Z".into());
        let markup = main(&suspended);
        assert!(markup.starts_with(r#"<div class="op-title"><span class="op-icon icon-suspend" aria-hidden="true"></span>"#), "{markup}");
        assert!(markup.contains(r#"<span class="badge badge-ok">"#), "{markup}");
        assert!(markup.contains("<span class=\"op-reason\">“Lost card” · Issuer decision</span>"), "{markup}");
        assert!(!markup.contains("op-error"), "only a failed operation has an error line: {markup}");
        assert_eq!(end(&suspended, &Utc), r#"<span>Ended 20 Nov 2026 10:00:02</span><span class="op-took">took 2 s</span>"#);

        let pending = op("op-3", "2026-11-20T10:00:00Z", OperationType::Register, OperationStatus::Pending);
        assert!(main(&pending).contains(r#"<span class="badge badge-pending"><span class="pulse" aria-hidden="true"></span>"#));
        assert_eq!(end(&pending, &Utc), r#"<span class="muted">In progress…</span>"#);

        let synchronous = op("op-4", "2026-11-20T10:00:00Z", OperationType::Delete, OperationStatus::Successful);
        assert_eq!(end(&synchronous, &Utc), r#"<span class="muted">Synchronous</span>"#);
    }
}
