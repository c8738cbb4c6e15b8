//! The page head's "Export CSV" and "Export JSON": plain links to the gateway's export route. The gateway
//! reads the whole history from D1, keeps what the filter in the URL keeps (its days read in this
//! browser's time zone, as the list reads them), answers the file and writes the audit line; the page
//! neither builds the file nor reports it.

use console_api::export::{ExportFormat, ExportQuery};
use console_api::page::LoadState;
use console_api::timeline::TimelineFilter;
use leptos::prelude::*;
use std::time::Duration;

use super::TimelineCtx;

#[component]
pub fn ExportLinks(filter: Memo<TimelineFilter>) -> impl IntoView {
    let ctx = expect_context::<TimelineCtx>();
    let empty = Memo::new(move |_| ctx.timeline.with(|t| t.is_empty()));
    // Read once the history is loaded (or stopped loading), a second after the first rows, or as soon as
    // a pointer comes near the links, whichever is first; not while the page mounts and loads: a
    // browser's first `Intl.DateTimeFormat` loads its locale data, about a fifth of the timeline's mount
    // and 30 ms of its loading (measured). Each in a task of its own.
    let time_zone = RwSignal::new(None::<Option<String>>);
    let read_zone = move || {
        if time_zone.try_with_untracked(Option::is_none) == Some(true) {
            time_zone.try_set(Some(browser_time_zone()));
        }
    };
    let settled = Memo::new(move |_| {
        ctx.timeline.with(|t| matches!(t.load_state(), LoadState::Complete { .. } | LoadState::Capped { .. } | LoadState::Stalled { .. }))
    });
    // Runs when the first rows come and when loading settles (both memos change once); reading twice is
    // harmless, `read_zone` reads once.
    Effect::new(move |_| {
        if settled.get() {
            set_timeout(read_zone, Duration::ZERO);
        } else if !empty.get() {
            set_timeout(read_zone, Duration::from_secs(1));
        }
    });
    // No href while there is nothing to export (or the zone is not read yet): the link then does
    // nothing, and says it is disabled.
    let href = move |format| {
        let time_zone = time_zone.get().filter(|_| !empty.get())?;
        Some(ExportQuery { format, filter: filter.get(), time_zone }.path(&ctx.consumer.get()))
    };
    let disabled = move || (empty.get() || time_zone.with(Option::is_none)).then_some("true");
    view! {
        <div class="btn-group" role="group" aria-label="Export the operations shown"
            on:pointerenter=move |_| read_zone()>
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
