//! What the console's pages hold and say, without any view: the loaded timeline and its paging counts,
//! the forms' live checks, the wording of errors, day and time labels, and the weekly chart's geometry.
//! The UI renders these; they are tested here natively. One exception holds markup: a timeline row's
//! static part ([`row_markup`]), written as text for speed, and escaped here where tests can check it.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike};

use crate::d1::{AccountState, ReasonBody, ReasonCode, RegisterAccount};
use crate::gateway::{ApiProblem, ClientError, ProblemKind};
use crate::timeline::{self, WeekBucket};
use crate::validate;

mod loaded;
pub mod customer;
pub mod iban_input;
pub mod promotion_timeline;
pub mod row_markup;
pub mod search;

pub use loaded::{LoadState, LoadedTimeline, Place, RowRef, ShownDay};

/// Page size the timeline asks for (the API's maximum).
pub const PAGE_SIZE: u32 = validate::LIMIT_MAX;

/// The most operations the page loads of one consumer (100 pages). D1 keeps 3 months, so a history is
/// bounded, but a consumer could still have tens of thousands: the page says plainly that it stopped.
pub const MAX_OPERATIONS: u32 = 5_000;

/// How many pages of a history the page has asked and not yet received, at most. The browser sends six
/// at once to one origin over HTTP/1.1 and queues the rest itself, without the page's main thread: with
/// ten asked when the first answer says how many there are, the next request leaves as soon as a
/// connection is free, even while the page is busy drawing the first rows (measured: asked as each
/// answer was read, the last pages waited for the first rows' frame). Ten pages are 500 operations
/// ahead, about 140 KB of JSON in flight. Behind an HTTP/2 proxy all ten leave at once: ten reads of one
/// consumer at a time per person, what the gateway then sends D1.
pub const PARALLEL_PAGES: usize = 10;

/// "showing 12 of 120 loaded" while the history loads, "showing 12 of 523" once it is all there.
pub fn filter_summary(shown: usize, loaded: usize, finished: bool) -> String {
    let all = if finished { "" } else { " loaded" };
    format!("showing {} of {}{all}", thousands(shown), thousands(loaded))
}

/// "5,000": digits grouped by three.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An error as a panel shows it: a plain title and message, the correlation id to quote, and the
/// upstream's own words (only behind "technical details").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorView {
    pub title: String,
    pub message: String,
    pub correlation_id: Option<String>,
    pub technical: Option<String>,
}

impl ErrorView {
    /// `cid` is the correlation id the use case sent, used when the answer did not echo one.
    pub fn of(error: &ClientError, cid: Option<&str>) -> Self {
        let cid = error.correlation_id().or(cid).map(str::to_string);
        match error {
            ClientError::Invalid(e) => ErrorView {
                title: "Check what you entered".into(),
                message: e.to_string(),
                correlation_id: None,
                technical: None,
            },
            ClientError::Problem(p) => ErrorView {
                title: problem_title(p).into(),
                message: p.message.clone(),
                correlation_id: cid,
                technical: p.technical.clone().filter(|t| !t.is_empty()),
            },
            ClientError::Transport(t) => ErrorView {
                title: "The console's server could not be reached".into(),
                message: "Check your connection and try again. Nothing was changed by this attempt unless the \
                          timeline says so."
                    .into(),
                correlation_id: cid,
                technical: Some(t.to_string()),
            },
            ClientError::Decode(d) => ErrorView {
                title: "Unexpected answer".into(),
                message: "The console's server answered in a form this page does not understand.".into(),
                correlation_id: cid,
                technical: Some(d.clone()),
            },
        }
    }
}

/// What the page says of a delete D1 answered FAILED: the failed operation's id, to find it on the timeline
/// or quote it to D1's support. The gateway puts it in its problem's message (so the wasm carries no copy),
/// which [`ErrorView::of`] shows as it shows every problem's.
pub fn failed_delete_message(operation_id: Option<&str>) -> String {
    let operation = operation_id.map(|id| format!(" (operation {id})")).unwrap_or_default();
    format!("D1 recorded the delete as FAILED{operation}. Nothing was deleted: check the timeline before trying again.")
}

fn problem_title(p: &ApiProblem) -> &str {
    match p.kind {
        ProblemKind::Other(_) => "The request failed",
        _ => p.kind.label(),
    }
}

/// The delete-consumer dialog's fields, checked as they are typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteConsumerForm {
    pub consumer_id: String,
    /// Wire value of the selected reason code.
    pub reason_code: String,
    /// Optional free text; empty sends no reason.
    pub reason: String,
    /// What the operator typed to confirm: must equal the consumerId.
    pub confirmation: String,
}

impl DeleteConsumerForm {
    pub fn new(consumer_id: &str) -> Self {
        DeleteConsumerForm {
            consumer_id: consumer_id.into(),
            reason_code: ReasonCode::IssuerDecision.as_str().into(),
            reason: String::new(),
            confirmation: String::new(),
        }
    }

    /// The message for the reason field, if it is wrong.
    pub fn reason_error(&self) -> Option<String> {
        reason_error(&self.reason)
    }

    pub fn confirmed(&self) -> bool {
        !self.consumer_id.is_empty() && self.confirmation == self.consumer_id
    }

    /// The body to send, when everything is valid and confirmed.
    pub fn body(&self) -> Option<ReasonBody> {
        if !self.confirmed() {
            return None;
        }
        reason_body(&self.reason, &self.reason_code)
    }
}

/// The message for an optional reason: empty is fine, otherwise REASON's rule.
pub fn reason_error(reason: &str) -> Option<String> {
    if reason.is_empty() {
        return None;
    }
    validate::REASON.check(reason).err().map(|e| e.message)
}

/// A valid `reasonBody` from the fields, or `None` when one of them is wrong.
pub fn reason_body(reason: &str, reason_code: &str) -> Option<ReasonBody> {
    let body = ReasonBody {
        reason: (!reason.is_empty()).then(|| reason.to_string()),
        reason_code: Some(ReasonCode::parse_known(reason_code)?),
    };
    body.validate().ok().map(|_| body)
}

/// The message for a required id field, when it is wrong (nothing when still empty and untouched).
pub fn id_error(rule: &validate::CharRule, value: &str) -> Option<String> {
    rule.check(value).err().map(|e| e.message)
}

/// The deprecated account register form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterAccountForm {
    pub account_id: String,
    pub consumer_id: String,
    pub account_product_id: String,
    pub state: String,
}

impl RegisterAccountForm {
    /// The first problem, as "field: message".
    pub fn problem(&self) -> Option<String> {
        self.request().err()
    }

    /// The account id and body to send.
    pub fn request(&self) -> Result<(String, RegisterAccount), String> {
        validate::ACCOUNT_ID.check(&self.account_id).map_err(|e| e.to_string())?;
        let body = RegisterAccount {
            consumer_id: self.consumer_id.clone(),
            account_product_id: (!self.account_product_id.is_empty()).then(|| self.account_product_id.clone()),
            state: AccountState::from_wire(&self.state),
        };
        body.validate().map_err(|e| e.to_string())?;
        Ok((self.account_id.clone(), body))
    }
}

/// The deprecated account delete form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteAccountForm {
    pub account_id: String,
    pub reason: String,
    pub reason_code: String,
}

impl DeleteAccountForm {
    pub fn problem(&self) -> Option<String> {
        self.request().err()
    }

    pub fn request(&self) -> Result<(String, ReasonBody), String> {
        validate::ACCOUNT_ID.check(&self.account_id).map_err(|e| e.to_string())?;
        if let Some(m) = reason_error(&self.reason) {
            return Err(format!("reason: {m}"));
        }
        let body = reason_body(&self.reason, &self.reason_code)
            .ok_or_else(|| "reasonCode: use USER_DECISION or ISSUER_DECISION".to_string())?;
        Ok((self.account_id.clone(), body))
    }
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// "22 Nov 2026".
pub fn date_label(day: NaiveDate) -> String {
    format!("{} {} {}", day.day(), MONTHS[day.month0() as usize], day.year())
}

/// "Today", "Yesterday", or "Mon 16 Nov 2026"; `None` (unreadable start time) reads "Unknown date".
pub fn day_label(day: Option<NaiveDate>, today: NaiveDate) -> String {
    let Some(day) = day else { return "Unknown date".into() };
    if day == today {
        format!("Today · {}", date_label(day))
    } else if Some(day) == today.pred_opt() {
        format!("Yesterday · {}", date_label(day))
    } else {
        format!("{} {}", WEEKDAYS[day.weekday().num_days_from_monday() as usize], date_label(day))
    }
}

/// "14:05:03" in the given zone.
pub fn clock_label<Tz: TimeZone>(t: &DateTime<Tz>) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// "22 Nov 2026 14:05:03" in the given zone, or the raw text when it cannot be read.
pub fn local_time_label<Tz: TimeZone>(raw: &str, tz: &Tz) -> String {
    match timeline::parse_time(raw) {
        Some(t) => {
            let t = t.with_timezone(tz);
            format!("{} {}", date_label(t.date_naive()), clock_label(&t))
        }
        None => raw.to_string(),
    }
}

/// One bar of the weekly chart, in SVG user units.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// Height of the failed part, drawn at the bottom of the bar.
    pub failed_height: f64,
    /// "Week of 16 Nov 2026: 12 operations, 1 failed".
    pub title: String,
}

/// Bars for `buckets` in a `width` x `height` box, 1 unit apart, scaled to the busiest week.
pub fn week_bars(buckets: &[WeekBucket], width: f64, height: f64) -> Vec<Bar> {
    let n = buckets.len().max(1) as f64;
    let slot = width / n;
    let max = buckets.iter().map(|b| b.total).max().unwrap_or(0).max(1) as f64;
    buckets
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let h = if b.total == 0 { 0.0 } else { (b.total as f64 / max * height).max(1.0) };
            let fh = if b.failed == 0 { 0.0 } else { (b.failed as f64 / max * height).max(1.0) };
            Bar {
                x: i as f64 * slot + 1.0,
                y: height - h,
                width: (slot - 2.0).max(1.0),
                height: h,
                failed_height: fh,
                title: format!(
                    "Week of {}: {} operation{}, {} failed",
                    date_label(b.week_start),
                    b.total,
                    if b.total == 1 { "" } else { "s" },
                    b.failed
                ),
            }
        })
        .collect()
}

/// `operations-{consumerId}.{ext}`.
pub fn export_filename(consumer_id: &str, ext: &str) -> String {
    format!("operations-{consumer_id}.{ext}")
}

/// A path for the app's router; `query` pairs are appended percent-encoded.
pub fn path_with_query(path: &str, query: &[(&str, String)]) -> String {
    if query.is_empty() {
        return path.to_string();
    }
    let q: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", crate::transport::encode_component(k), crate::transport::encode_component(v)))
        .collect();
    format!("{path}?{}", q.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::TransportError;
    use chrono::Utc;

    #[test]
    fn summaries_and_numbers() {
        assert_eq!(filter_summary(3, 40, false), "showing 3 of 40 loaded");
        assert_eq!(filter_summary(3, 523, true), "showing 3 of 523");
        assert_eq!(filter_summary(1200, 5000, true), "showing 1,200 of 5,000");
        let cases = [(0, "0"), (7, "7"), (999, "999"), (1000, "1,000"), (12345, "12,345"), (1234567, "1,234,567")];
        for (n, text) in cases {
            assert_eq!(thousands(n), text);
        }
    }

    #[test]
    fn delete_form_rules() {
        let mut f = DeleteConsumerForm::new("demo-alice");
        assert_eq!(f.reason_code, "ISSUER_DECISION");
        assert_eq!(f.body(), None, "not confirmed");
        f.confirmation = "demo-alic".into();
        assert!(!f.confirmed());
        f.confirmation = "demo-alice".into();
        // empty reason: allowed, sends no reason
        let body = f.body().unwrap();
        assert_eq!(body.reason, None);
        assert_eq!(body.reason_code, Some(ReasonCode::IssuerDecision));
        f.reason = "fraud!".into();
        assert!(f.reason_error().unwrap().contains("'!'"));
        assert_eq!(f.body(), None);
        f.reason = "customer asked on June 28".into();
        f.reason_code = "USER_DECISION".into();
        assert_eq!(f.reason_error(), None);
        let body = f.body().unwrap();
        assert_eq!(body.reason.as_deref(), Some("customer asked on June 28"));
        assert_eq!(body.reason_code, Some(ReasonCode::UserDecision));
        f.reason_code = "BOSS".into();
        assert_eq!(f.body(), None);
        assert!(!DeleteConsumerForm::new("").confirmed());
    }

    #[test]
    fn account_forms() {
        let mut r = RegisterAccountForm {
            account_id: "acc-1".into(),
            consumer_id: "demo-alice".into(),
            account_product_id: String::new(),
            state: "ACTIVE".into(),
        };
        let (id, body) = r.request().unwrap();
        assert_eq!(id, "acc-1");
        assert_eq!(body.account_product_id, None);
        r.account_product_id = "gold card".into();
        assert!(r.problem().unwrap().starts_with("accountProductId"));
        r.account_product_id = "gold".into();
        r.account_id = String::new();
        assert!(r.problem().unwrap().starts_with("accountId"));
        r.account_id = "acc-1".into();
        r.state = "CLOSED".into();
        assert!(r.problem().unwrap().starts_with("state"));

        let mut d = DeleteAccountForm { account_id: "acc-1".into(), reason: String::new(), reason_code: "ISSUER_DECISION".into() };
        assert_eq!(d.request().unwrap().1.reason, None);
        d.reason = "bad;".into();
        assert!(d.problem().unwrap().starts_with("reason"));
        d.reason = "ok".into();
        d.account_id = "a/b".into();
        assert!(d.problem().unwrap().starts_with("accountId"));
    }

    #[test]
    fn error_views() {
        let p = ClientError::Problem(ApiProblem {
            status: 404,
            kind: ProblemKind::NotFound,
            message: "No consumer demo-x at issuer DEMOISSUER".into(),
            field: None,
            correlation_id: Some("cid-1".into()),
            technical: Some("Consumer not found".into()),
            ..ApiProblem::new(404, ProblemKind::NotFound, "")
        });
        let v = ErrorView::of(&p, Some("cid-0"));
        assert_eq!(v.title, "Not found");
        assert_eq!(v.message, "No consumer demo-x at issuer DEMOISSUER");
        assert_eq!(v.correlation_id.as_deref(), Some("cid-1"));
        assert_eq!(v.technical.as_deref(), Some("Consumer not found"));
        let t = ErrorView::of(&ClientError::Transport(TransportError::Connect("refused".into())), Some("cid-0"));
        assert_eq!(t.correlation_id.as_deref(), Some("cid-0"));
        assert!(t.technical.unwrap().contains("refused"));
        let i = ErrorView::of(&ClientError::Invalid(validate::CONSUMER_ID.check("a b").unwrap_err()), Some("c"));
        assert_eq!(i.correlation_id, None);
        assert!(i.message.contains("consumerId"));
    }

    #[test]
    fn a_failed_delete_names_its_operation() {
        let failed = ApiProblem {
            status: 502,
            kind: ProblemKind::OperationFailed,
            message: failed_delete_message(Some("op-failed-1")),
            field: None,
            correlation_id: Some("cid-1".into()),
            technical: Some("Card network unavailable".into()),
            operation_id: Some("op-failed-1".into()),
            ..ApiProblem::new(502, ProblemKind::OperationFailed, "")
        };
        let v = ErrorView::of(&ClientError::Problem(failed.clone()), None);
        assert_eq!(v.title, "The deletion failed");
        assert_eq!(
            v.message,
            "D1 recorded the delete as FAILED (operation op-failed-1). Nothing was deleted: check the timeline before trying again."
        );
        assert_eq!((v.correlation_id.as_deref(), v.technical.as_deref()), (Some("cid-1"), Some("Card network unavailable")));
        let without_id = failed_delete_message(None);
        assert!(without_id.starts_with("D1 recorded the delete as FAILED. "), "{without_id}");
    }

    #[test]
    fn labels() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let today = d(2026, 11, 22);
        assert_eq!(day_label(Some(today), today), "Today · 22 Nov 2026");
        assert_eq!(day_label(Some(d(2026, 11, 21)), today), "Yesterday · 21 Nov 2026");
        assert_eq!(day_label(Some(d(2026, 11, 16)), today), "Mon 16 Nov 2026");
        assert_eq!(day_label(None, today), "Unknown date");
        assert_eq!(local_time_label("2026-11-22T10:00:05Z", &Utc), "22 Nov 2026 10:00:05");
        assert_eq!(
            local_time_label("2026-11-22T10:00:05Z", &chrono::FixedOffset::east_opt(3600).unwrap()),
            "22 Nov 2026 11:00:05"
        );
        assert_eq!(local_time_label("garbage", &Utc), "garbage");
        assert_eq!(export_filename("demo-busy", "csv"), "operations-demo-busy.csv");
        assert_eq!(path_with_query("/c/x", &[]), "/c/x");
        assert_eq!(
            path_with_query("/c/x", &[("type", "DELETE,REGISTER".into()), ("from", "2026-11-01".into())]),
            "/c/x?type=DELETE%2CREGISTER&from=2026-11-01"
        );
    }

    #[test]
    fn chart_geometry() {
        let w = |total, failed| WeekBucket { week_start: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(), total, failed };
        let bars = week_bars(&[w(0, 0), w(5, 0), w(10, 2)], 30.0, 20.0);
        assert_eq!(bars.len(), 3);
        assert_eq!(bars[0].height, 0.0);
        assert_eq!(bars[1].height, 10.0);
        assert_eq!(bars[2].height, 20.0);
        assert_eq!(bars[2].y, 0.0);
        assert_eq!(bars[2].failed_height, 4.0);
        assert_eq!(bars[1].x, 11.0);
        assert_eq!(bars[1].width, 8.0);
        assert_eq!(bars[2].title, "Week of 16 Nov 2026: 10 operations, 2 failed");
        assert!(week_bars(&[], 10.0, 10.0).is_empty());
    }
}
