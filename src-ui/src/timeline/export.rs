//! The page head's "Export CSV" and "Export JSON": plain links to the gateway's export route. The gateway
//! reads the whole history from D1, keeps what the filter in the URL keeps (its days read in this
//! browser's time zone, as the list reads them), answers the file and writes the audit line; the page
//! neither builds the file nor reports it.

use console_api::export::{ExportFormat, ExportQuery};
use console_api::timeline::TimelineFilter;
use leptos::prelude::*;

use super::TimelineCtx;

#[component]
pub fn ExportLinks(filter: Memo<TimelineFilter>) -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let empty = Memo::new(move |_| ctx.timeline.with(|t| t.is_empty()));
    let time_zone = StoredValue::new(browser_time_zone());
    // No href while there is nothing to export: the link then does nothing, and says it is disabled.
    let href = move |format| {
        let query = ExportQuery { format, filter: filter.get(), time_zone: time_zone.get_value() };
        (!empty.get()).then(|| query.path(&ctx.consumer.get()))
    };
    let disabled = move || empty.get().then_some("true");
    view! {
        <div class="btn-group" role="group" aria-label="Export the operations shown">
            <a class="btn" data-testid="export-csv" href=move || href(ExportFormat::Csv) download="" aria-disabled=disabled
                title="Download the operations the filter shows, the whole history, as CSV">"Export CSV"</a>
            <a class="btn" data-testid="export-json" href=move || href(ExportFormat::Json) download="" aria-disabled=disabled
                title="Download the operations the filter shows, the whole history, as JSON">"Export JSON"</a>
        </div>
    }
}

/// The browser's IANA time zone (`Europe/Paris`), the one `chrono::Local` reads days in here.
fn browser_time_zone() -> Option<String> {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into()).ok()?.as_string()
}
