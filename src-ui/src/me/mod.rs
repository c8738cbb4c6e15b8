//! "My documents", the end user's pages: the inbox of documents that need their consent (`/me`), one
//! document to read and accept (`/me/documents/{consentId}`), and what they accepted (`/me/history`), in
//! English, Spanish or French ([`lang`]). Everything goes through the gateway's `/api/me/*` routes; the
//! words are `console_api::i18n`'s, the consent types' and states' names the API's own labels.

mod document;
mod history;
mod inbox;
mod lang;

use chrono::{NaiveDate, NaiveDateTime};
use console_api::consents::{LABEL_GROUP_STATE, LABEL_GROUP_TYPE};
use console_api::gateway::me::{MyConsent, ShownLabels};
use console_api::gateway::{ClientError, Role};
use console_api::i18n::{Language, ProblemText, Text};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{ShellWords, ShellWordsSlot};
use crate::common::Forbidden;
use crate::session::use_role;
use crate::transport::Client;

pub use lang::LanguageSwitch;

/// What every page of "My documents" shares: the language, and the API's labels in it.
#[derive(Clone, Copy)]
pub struct MeCtx {
    pub language: RwSignal<Language>,
    /// `None` until loaded (or when they could not be: the pages then show the type names as they are).
    pub labels: RwSignal<Option<ShownLabels>>,
}

impl MeCtx {
    /// `text` in the current language. Not reactive: a change of language rebuilds the page ([`page`]).
    pub fn t(self, text: Text) -> &'static str {
        text.in_language(self.language.get_untracked())
    }

    /// A consent type's name in the current language (from the API's labels).
    pub fn type_name(self, type_: &str) -> String {
        self.label(LABEL_GROUP_TYPE, type_)
    }

    /// A consent state's name in the current language (from the API's labels).
    pub fn state_name(self, state: &str) -> String {
        self.label(LABEL_GROUP_STATE, state)
    }

    fn label(self, group: &str, name: &str) -> String {
        self.labels
            .with(|labels| labels.as_ref().and_then(|labels| labels.label(group, name)).map(str::to_string))
            .unwrap_or_else(|| name.to_string())
    }
}

pub fn use_me() -> MeCtx {
    expect_context::<MeCtx>()
}

/// The inbox (`/me`), in the current language. Each page function here is called from its route table's
/// reactive match and tracks the language, so that a change rebuilds the page with every text in the new
/// one (and its data asked again), rather than each text of every page being a reactive node of its own.
/// Staff have no documents of their own here (and the gateway answers 403 to them). The inbox and the
/// other two are in different bundles (`crate::routes`): one function each keeps them apart.
pub fn inbox_page() -> AnyView {
    for_customer(|| view! { <inbox::Inbox/> }.into_any())
}

/// A document to read and accept (`/me/documents/{consentId}`), in the current language.
pub fn document_page(consent: String) -> AnyView {
    for_customer(|| view! { <document::DocumentPage consent/> }.into_any())
}

/// What the person accepted (`/me/history`), in the current language.
pub fn history_page() -> AnyView {
    for_customer(|| view! { <history::HistoryPage/> }.into_any())
}

fn for_customer(page: impl FnOnce() -> AnyView) -> AnyView {
    if use_role() != Role::Customer {
        return view! { <Forbidden/> }.into_any();
    }
    use_me().language.track();
    page()
}

/// The language (the person's choice, else the browser's) and its labels, reloaded when it changes: once
/// for the bundle's pages, so that moving between them keeps both.
pub fn provide() {
    if use_role() != Role::Customer {
        return;
    }
    let client = expect_context::<Client>();
    let me = MeCtx { language: RwSignal::new(lang::initial()), labels: RwSignal::new(None) };
    provide_context(me);
    // The shell (header, menu, skip link) and the document's `lang` speak the same language as the page.
    let shell = use_context::<ShellWordsSlot>();
    Effect::new(move |_| {
        let language = me.language.get();
        if let Some(shell) = shell {
            shell.set(Some(ShellWords {
                skip_to_content: Text::SkipToContent.in_language(language),
                home: Text::MyDocuments.in_language(language),
                role: Text::Customer.in_language(language),
                environment: Text::Environment.in_language(language),
                sign_out: Text::SignOut.in_language(language),
            }));
        }
        if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = root.set_attribute("lang", language.code());
        }
    });
    Effect::new(move |_| {
        let language = me.language.get();
        let client = client.clone();
        spawn_local(async move {
            if let Ok(reply) = client.my_labels(language).await {
                // Only the answer for the language still chosen.
                if me.language.try_get_untracked() == Some(language) {
                    me.labels.try_set(Some(reply.value));
                }
            }
        });
    });
}

/// A load's outcome, filled by a task: `None` until it is in.
pub type Loaded<T> = RwSignal<Option<Result<T, ClientError>>>;

/// Starts `load` now and gives its signal.
pub fn load<T: Send + Sync + 'static>(load: impl std::future::Future<Output = Result<T, ClientError>> + 'static) -> Loaded<T> {
    let signal = RwSignal::new(None);
    spawn_local(async move {
        signal.try_set(Some(load.await));
    });
    signal
}

/// The day of one of the API's UTC times, for "revised on" and "accepted on".
pub fn day_of(time: &str) -> Option<NaiveDate> {
    console_api::i18n::utc_time(time).map(|t| t.date())
}

/// One of the API's UTC times in the browser's time zone, for a receipt. (The browser's own `Date` knows
/// the zone: no time zone data in the wasm.)
pub fn local_time(time: &str) -> Option<NaiveDateTime> {
    console_api::i18n::utc_time(time)?;
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(time));
    let day = NaiveDate::from_ymd_opt(d.get_full_year() as i32, d.get_month() + 1, d.get_date())?;
    day.and_hms_opt(d.get_hours(), d.get_minutes(), d.get_seconds())
}

/// The revision line of a consent's document, in the current language: for a needed consent, the
/// revision this entry asks the person to accept, the one inbox and document page both say. It is the
/// consent's own: the Consents API keeps a needed consent at its document's current revision (a revision
/// moves every needed consent of the document with it, and a consent is given to the current one), so
/// it is the revision the frame shows, known with the consent rather than after a summary loads. For a
/// given consent it is the revision accepted.
pub fn revision_line(me: MeCtx, consent: &MyConsent) -> String {
    let day = day_of(&consent.document.revised_at);
    console_api::i18n::revision(me.language.get_untracked(), consent.document.revision_id.as_deref(), day)
}

/// A failure in the page's language: what happened and what to do, chosen by the problem's kind and
/// status (the gateway's own message is English, for staff), and the reference to quote.
#[component]
pub fn MeError(error: ClientError) -> impl IntoView {
    let me = use_me();
    let cid = error.correlation_id().map(str::to_string);
    let text = ProblemText::of(&error);
    let message = text.in_language(me.language.get_untracked());
    view! {
        <div class="error-panel" role="alert" data-testid="me-error">
            <p class="error-title">{me.t(Text::ErrorTitle)}</p>
            <p class="error-message">{message}</p>
            {cid.map(|cid| view! { <p class="error-cid">{me.t(Text::ErrorReference)} " " <code>{cid.clone()}</code></p> })}
        </div>
    }
}

/// The page's title, greeting line and language switch, shared by the three pages.
#[component]
pub fn MeHeader(title: Text, #[prop(optional)] lead: Option<Text>) -> impl IntoView {
    let me = use_me();
    view! {
        <div class="page-title me-title">
            <div>
                <h1 tabindex="-1">{me.t(title)}</h1>
                {lead.map(|lead| view! { <p class="lead">{me.t(lead)}</p> })}
            </div>
            <LanguageSwitch/>
        </div>
    }
}
