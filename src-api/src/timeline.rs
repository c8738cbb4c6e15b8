//! The operations timeline as people read it: filters, grouping by local day, counts, weekly histogram,
//! durations and relative times. Pure functions of their inputs (the time zone and "now" are parameters),
//! so that they are tested natively and render the same in the page.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::d1::{Operation, OperationStatus, OperationType, RequestorType};

/// Parses an operation time (ISO 8601 with offset): `DateTime::parse_from_rfc3339`'s rules exactly (the tests
/// compare the two), written out because chrono's parser is several KB of the page's wasm.
pub fn parse_time(s: &str) -> Option<DateTime<FixedOffset>> {
    let b = s.as_bytes();
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let at = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    // YYYY-MM-DDThh:mm:ss (T, t or a space between date and time)
    if b.len() < 19 || !at(4, b"-") || !at(7, b"-") || !at(10, b"Tt ") || !at(13, b":") || !at(16, b":") {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(number(&b[0..4])? as i32, number(&b[5..7])?, number(&b[8..10])?)?;
    let (hour, min, sec) = (number(&b[11..13])?, number(&b[14..16])?, number(&b[17..19])?);
    // A leap second (:60) is second 59 plus a whole second of nanoseconds, as chrono keeps it.
    let (sec, mut nano) = if sec == 60 { (59, 1_000_000_000) } else { (sec, 0) };
    let mut rest = &s[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        // At least one digit; the first nine are nanoseconds, any further ones are ignored.
        let kept = n.min(9);
        nano += number(&fraction.as_bytes()[..kept]).filter(|_| n > 0)? * 10u32.pow(9 - kept as u32);
        rest = &fraction[n..];
    }
    let time = NaiveTime::from_hms_nano_opt(hour, min, sec, nano)?;
    // Z, or ±hh:mm (the minus also as U+2212)
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let (negative, hh_mm) = match (rest.strip_prefix('+'), rest.strip_prefix('-').or(rest.strip_prefix('−'))) {
                (Some(hh_mm), _) => (false, hh_mm.as_bytes()),
                (None, Some(hh_mm)) => (true, hh_mm.as_bytes()),
                (None, None) => return None,
            };
            if hh_mm.len() != 5 || hh_mm[2] != b':' || !(b'0'..=b'5').contains(&hh_mm[3]) {
                return None;
            }
            let seconds = (number(&hh_mm[0..2])? * 3600 + number(&hh_mm[3..5])? * 60) as i32;
            if negative { -seconds } else { seconds }
        }
    };
    FixedOffset::east_opt(offset)?.from_local_datetime(&date.and_time(time)).single()
}

/// Reads a `YYYY-MM-DD` day, as the URL query and `<input type="date">` write it. Hand-written: chrono's
/// general-purpose parser would add several KB to the page.
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    let mut parts = s.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    let num = |p: &str, digits: std::ops::RangeInclusive<usize>| {
        (digits.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse::<u32>().ok())?
    };
    NaiveDate::from_ymd_opt(num(y, 4..=4)? as i32, num(m, 1..=2)?, num(d, 1..=2)?)
}

/// What the timeline shows; empty lists mean "any". Lives in the URL query (`to_query`/`from_query`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TimelineFilter {
    pub types: Vec<OperationType>,
    pub statuses: Vec<OperationStatus>,
    pub requestors: Vec<RequestorType>,
    /// First and last local day shown, inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl TimelineFilter {
    pub fn is_empty(&self) -> bool {
        *self == TimelineFilter::default()
    }

    /// A date range no day can match ("from" after "to"), in words, so the page says so instead of
    /// showing an unexplained empty list.
    pub fn date_range_problem(&self) -> Option<String> {
        match (self.from, self.to) {
            (Some(from), Some(to)) if from > to => {
                Some(format!("“From” ({from}) is after “To” ({to}): no day can match. Change or clear one of them."))
            }
            _ => None,
        }
    }

    /// Values D1 does not document (a hand-made or mistyped link: `?status=DONE`), in words, so the page
    /// says why its list is likely empty while its selects (which offer only documented values) show
    /// "Any". They are kept, not dropped: an operation D1 sends with a newer value still matches them.
    pub fn unknown_values_problem(&self) -> Option<String> {
        let other_types = self.types.iter().filter(|t| matches!(t, OperationType::Other(_))).map(OperationType::as_str);
        let other_statuses = self.statuses.iter().filter(|s| matches!(s, OperationStatus::Other(_))).map(OperationStatus::as_str);
        let other_requestors = self.requestors.iter().filter(|r| matches!(r, RequestorType::Other(_))).map(RequestorType::as_str);
        let named = |field: &str, values: Vec<&str>| match values.as_slice() {
            [] => None,
            [one] => Some(format!("{field} '{one}' is not a value D1 documents")),
            many => Some(format!("{field} {} are not values D1 documents", many.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", "))),
        };
        let problems: Vec<String> = [
            named("Type", other_types.collect()),
            named("Status", other_statuses.collect()),
            named("Requestor", other_requestors.collect()),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!problems.is_empty())
            .then(|| format!("{}: only operations with exactly that value are listed. Pick one above, or clear the filters.", problems.join("; ")))
    }

    /// Whether `op` passes, its start read in `tz`.
    pub fn matches<Tz: TimeZone>(&self, op: &Operation, tz: &Tz) -> bool {
        self.matches_on(op, local_day(op, tz))
    }

    /// Whether `op` passes, `day` being its local start day (as [`local_day`] reads it).
    pub fn matches_on(&self, op: &Operation, day: Option<NaiveDate>) -> bool {
        if !self.types.is_empty() && !self.types.contains(&op.operation) {
            return false;
        }
        if !self.statuses.is_empty() && !self.statuses.contains(&op.status) {
            return false;
        }
        if !self.requestors.is_empty() && !self.requestors.contains(&op.requestor_type) {
            return false;
        }
        if self.from.is_some() || self.to.is_some() {
            let Some(day) = day else { return false };
            if self.from.is_some_and(|from| day < from) || self.to.is_some_and(|to| day > to) {
                return false;
            }
        }
        true
    }

    /// Query pairs, comma-separated lists, only for what is set.
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        fn join<T: std::fmt::Display>(v: &[T]) -> String {
            v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",")
        }
        let mut q = Vec::new();
        if !self.types.is_empty() {
            q.push(("type", join(&self.types)));
        }
        if !self.statuses.is_empty() {
            q.push(("status", join(&self.statuses)));
        }
        if !self.requestors.is_empty() {
            q.push(("requestor", join(&self.requestors)));
        }
        if let Some(d) = self.from {
            q.push(("from", d.to_string()));
        }
        if let Some(d) = self.to {
            q.push(("to", d.to_string()));
        }
        q
    }

    /// Reads the pairs `to_query` writes; unknown keys and unparsable dates are ignored. Values are read
    /// in any letter case (a hand-typed `status=failed`); one D1 does not send is kept, and
    /// [`TimelineFilter::unknown_values_problem`] says so.
    pub fn from_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut f = TimelineFilter::default();
        let split = |v: &'a str| v.split(',').map(str::trim).filter(|s| !s.is_empty());
        for (k, v) in pairs {
            match k {
                "type" => f.types = split(v).map(OperationType::from_typed).collect(),
                "status" => f.statuses = split(v).map(OperationStatus::from_typed).collect(),
                "requestor" => f.requestors = split(v).map(RequestorType::from_typed).collect(),
                "from" => f.from = parse_day(v),
                "to" => f.to = parse_day(v),
                _ => {}
            }
        }
        f
    }
}

/// The local calendar day an operation started on.
pub fn local_day<Tz: TimeZone>(op: &Operation, tz: &Tz) -> Option<NaiveDate> {
    parse_time(&op.start_time).map(|t| t.with_timezone(tz).date_naive())
}

/// Operations of one local day, in the order given (newest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayGroup {
    /// `None` for operations whose start time cannot be read; they are kept, never dropped.
    pub day: Option<NaiveDate>,
    pub operations: Vec<Operation>,
}

/// Groups consecutive operations by their local start day, keeping order.
pub fn group_by_day<'a, Tz: TimeZone>(ops: impl IntoIterator<Item = &'a Operation>, tz: &Tz) -> Vec<DayGroup> {
    let mut groups: Vec<DayGroup> = Vec::new();
    for op in ops {
        let day = local_day(op, tz);
        match groups.last_mut() {
            Some(g) if g.day == day => g.operations.push(op.clone()),
            _ => groups.push(DayGroup { day, operations: vec![op.clone()] }),
        }
    }
    groups
}

/// Counts by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub successful: usize,
    pub pending: usize,
    pub failed: usize,
    pub other: usize,
}

impl StatusCounts {
    pub fn total(&self) -> usize {
        self.successful + self.pending + self.failed + self.other
    }
}

pub fn count_by_status<'a>(ops: impl IntoIterator<Item = &'a Operation>) -> StatusCounts {
    let mut c = StatusCounts::default();
    for op in ops {
        match op.status {
            OperationStatus::Successful => c.successful += 1,
            OperationStatus::Pending => c.pending += 1,
            OperationStatus::Failed => c.failed += 1,
            OperationStatus::Other(_) => c.other += 1,
        }
    }
    c
}

/// Operations started in one week (Monday to Sunday, local).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeekBucket {
    pub week_start: NaiveDate,
    pub total: usize,
    pub failed: usize,
}

/// The Monday of `day`'s week.
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day - Duration::days(day.weekday().num_days_from_monday() as i64)
}

/// `weeks` empty buckets, oldest first, the last one holding `today`.
pub fn empty_weeks(today: NaiveDate, weeks: usize) -> Vec<WeekBucket> {
    let last = week_start(today);
    (0..weeks).rev().map(|i| WeekBucket { week_start: last - Duration::weeks(i as i64), total: 0, failed: 0 }).collect()
}

/// `weeks` buckets, oldest first, the last one holding `today`, counted from the operations.
pub fn per_week<'a, Tz: TimeZone>(
    ops: impl IntoIterator<Item = &'a Operation>,
    tz: &Tz,
    today: NaiveDate,
    weeks: usize,
) -> Vec<WeekBucket> {
    let last = week_start(today);
    let mut buckets = empty_weeks(today, weeks);
    let Some(first) = buckets.first().map(|b| b.week_start) else { return buckets };
    for op in ops {
        let Some(day) = local_day(op, tz) else { continue };
        let ws = week_start(day);
        if ws < first || ws > last {
            continue;
        }
        let i = ((ws - first).num_days() / 7) as usize;
        buckets[i].total += 1;
        if op.status == OperationStatus::Failed {
            buckets[i].failed += 1;
        }
    }
    buckets
}

/// How long the operation took, when it has ended.
pub fn duration(op: &Operation) -> Option<Duration> {
    let start = parse_time(&op.start_time)?;
    let end = parse_time(op.end_time.as_deref()?)?;
    Some(end - start)
}

/// "0 s", "45 s", "2 min 5 s", "1 h 4 min", "2 d 3 h".
pub fn format_duration(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        3600..=86_399 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// "just now", "5 min ago", "3 h ago", "yesterday", "12 days ago", or "in 5 min" for the future.
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - t).num_seconds();
    let (future, s) = (secs < 0, secs.unsigned_abs());
    let words = match s {
        0..=44 => return "just now".into(),
        45..=3599 => format!("{} min", (s + 30) / 60),
        3600..=86_399 => format!("{} h", s / 3600),
        86_400..=172_799 if !future => return "yesterday".into(),
        _ => format!("{} days", s / 86_400),
    };
    if future {
        format!("in {words}")
    } else {
        format!("{words} ago")
    }
}

/// "User demo-alice", "Customer care agent-7", "Issuer DEMOISSUER".
pub fn requestor_label(op: &Operation) -> String {
    format!("{} {}", op.requestor_type.label(), op.requestor_id)
}

/// "Active → Deleted", "App instance app-42", both joined, or nothing.
pub fn details_summary(op: &Operation) -> Option<String> {
    let d = op.details.as_ref()?;
    let mut parts = Vec::new();
    match (&d.old_state, &d.new_state) {
        (Some(o), Some(n)) => parts.push(format!("{} → {}", o.label(), n.label())),
        (None, Some(n)) => parts.push(format!("→ {}", n.label())),
        (Some(o), None) => parts.push(format!("{} →", o.label())),
        (None, None) => {}
    }
    if let Some(app) = &d.app_instance_id {
        parts.push(format!("App instance {app}"));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::d1::{ConsumerState, OperationDetails};

    /// An operation with only the required fields set: the fixture of this crate's tests.
    pub(crate) fn op(id: &str, start: &str, t: OperationType, s: OperationStatus) -> Operation {
        Operation {
            operation_id: id.into(),
            operation: t,
            status: s,
            start_time: start.into(),
            end_time: None,
            requestor_type: RequestorType::Issuer,
            requestor_id: "DEMOISSUER".into(),
            reason: None,
            reason_code: None,
            details: None,
            error_code: None,
            error: None,
        }
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn groups_by_local_day_not_utc_day() {
        let ops = [
            op("a", "2026-11-22T01:30:00Z", OperationType::Register, OperationStatus::Successful),
            op("b", "2026-11-21T23:30:00Z", OperationType::Suspend, OperationStatus::Successful),
            op("c", "2026-11-21T10:00:00Z", OperationType::Resume, OperationStatus::Failed),
        ];
        let utc = group_by_day(&ops, &Utc);
        assert_eq!(utc.len(), 2);
        assert_eq!(utc[0].day, Some(ymd(2026, 11, 22)));
        assert_eq!(utc[1].operations.len(), 2);
        // New York (UTC-5): a and b both fall on the 21st, c too.
        let ny = group_by_day(&ops, &chrono_tz::America::New_York);
        assert_eq!(ny.len(), 1);
        assert_eq!(ny[0].day, Some(ymd(2026, 11, 21)));
        // Tokyo (UTC+9): a on 22nd, b on 22nd, c on 21st.
        let tokyo = group_by_day(&ops, &chrono_tz::Asia::Tokyo);
        assert_eq!(tokyo.iter().map(|g| g.operations.len()).collect::<Vec<_>>(), vec![2, 1]);
    }

    #[test]
    fn unreadable_times_are_kept_in_their_own_group() {
        let ops = [op("x", "yesterday", OperationType::Register, OperationStatus::Successful)];
        let g = group_by_day(&ops, &Utc);
        assert_eq!(g[0].day, None);
        assert_eq!(g[0].operations.len(), 1);
    }

    #[test]
    fn times_read_exactly_like_chrono_reads_them() {
        let cases = [
            "2026-11-22T10:00:05Z", "2026-11-22t10:00:05z", "2026-11-22 10:00:05Z", "2026-11-22T10:00:05+01:00",
            "2026-11-22T10:00:05-05:30", "2026-11-22T10:00:05\u{2212}05:30", "2026-11-22T10:00:05.1Z",
            "2026-11-22T10:00:05.123456789Z", "2026-11-22T10:00:05.1234567891234+02:00", "2026-11-22T10:00:05.Z",
            "2026-12-31T23:59:60Z", "2026-12-31T23:59:60.5Z", "2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z",
            "2026-02-29T10:00:00Z", "2024-02-29T10:00:00Z", "2026-13-01T10:00:00Z", "2026-11-22T10:00:05+23:59",
            "2026-11-22T10:00:05+24:00", "2026-11-22T10:00:05+99:00", "2026-11-22T10:00:05+01:60",
            "2026-11-22T10:00:05+01:6", "2026-11-22T10:00:05+0100", "2026-11-22T10:00:05+01", "2026-11-22T10:00:05",
            "2026-11-22T10:00:05ZZ", "2026-11-22T10:00:05 Z", "2026-11-22T10:00Z", "2026-11-22X10:00:05Z",
            "2026/11/22T10:00:05Z", "+2026-11-22T10:00:05Z", "2026-11-22T1a:00:05Z", "", "garbage",
            "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999-23:59", "2026-11-22T10:00:05.12é",
        ];
        for s in cases {
            assert_eq!(parse_time(s), DateTime::parse_from_rfc3339(s).ok(), "{s:?}");
        }
        // Every one-character change of a valid time, too.
        let valid = "2026-11-22T10:00:05.250+01:00";
        for i in 0..valid.len() {
            for c in ["0", "9", "5", "-", ":", "T", "Z", ".", "+", " ", "x"] {
                let s = format!("{}{c}{}", &valid[..i], &valid[i + 1..]);
                assert_eq!(parse_time(&s), DateTime::parse_from_rfc3339(&s).ok(), "{s:?}");
            }
        }
    }

    #[test]
    fn days_read_like_chrono_reads_them() {
        for s in ["2026-11-01", "2024-02-29", "0999-12-31", "2026-1-5"] {
            assert_eq!(parse_day(s), s.parse::<NaiveDate>().ok(), "{s}");
        }
        for s in ["", "2026", "2026-11", "2026-02-30", "2026-13-01", "not-a-date", "2026-11-01x", "+2026-11-01", "2026-11-001"] {
            assert_eq!(parse_day(s), None, "{s}");
        }
        assert_eq!(parse_day("2026-11-22"), Some(ymd(2026, 11, 22)));
    }

    #[test]
    fn filter_round_trips_through_the_query_and_filters() {
        let f = TimelineFilter {
            types: vec![OperationType::Delete, OperationType::EnrollAuthn],
            statuses: vec![OperationStatus::Failed],
            requestors: vec![RequestorType::Cci],
            from: Some(ymd(2026, 10, 1)),
            to: Some(ymd(2026, 10, 31)),
        };
        let q = f.to_query();
        let back = TimelineFilter::from_query(q.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back, f);
        assert!(TimelineFilter::from_query([("from", "not-a-date")]).is_empty());

        let mut failed = op("f", "2026-10-15T12:00:00Z", OperationType::Delete, OperationStatus::Failed);
        failed.requestor_type = RequestorType::Cci;
        assert!(f.matches(&failed, &Utc));
        let mut other = failed.clone();
        other.status = OperationStatus::Successful;
        assert!(!f.matches(&other, &Utc));
        let mut late = failed.clone();
        late.start_time = "2026-11-01T00:30:00Z".into();
        assert!(!f.matches(&late, &Utc));
        // the date range is inclusive of local days
        assert!(f.matches(&late, &chrono_tz::America::New_York));
        assert!(TimelineFilter::default().matches(&other, &Utc));
    }

    #[test]
    fn a_reversed_date_range_is_explained() {
        let mut f = TimelineFilter { from: Some(ymd(2026, 11, 2)), to: Some(ymd(2026, 11, 1)), ..Default::default() };
        let m = f.date_range_problem().unwrap();
        assert!(m.contains("2026-11-02") && m.contains("after"), "{m}");
        f.to = Some(ymd(2026, 11, 2));
        assert_eq!(f.date_range_problem(), None, "a single day is a valid range");
        f.from = None;
        assert_eq!(f.date_range_problem(), None);
    }

    #[test]
    fn a_link_reads_values_in_any_case_and_names_the_ones_no_operation_has() {
        let f = TimelineFilter::from_query([("status", "failed"), ("type", "delete"), ("requestor", "cci")]);
        assert_eq!(f.statuses, vec![OperationStatus::Failed]);
        assert_eq!(f.types, vec![OperationType::Delete]);
        assert_eq!(f.requestors, vec![RequestorType::Cci]);
        assert_eq!(f.unknown_values_problem(), None);
        assert_eq!(f.to_query(), vec![("type", "DELETE".to_string()), ("status", "FAILED".to_string()), ("requestor", "CCI".to_string())], "written back as D1 spells them");

        let f = TimelineFilter::from_query([("status", "FAILED, pending")]);
        assert_eq!(f.statuses, vec![OperationStatus::Failed, OperationStatus::Pending], "spaces after commas are a person's");
        let f = TimelineFilter::from_query([("status", "DONE,FAILED"), ("type", "<img>,x")]);
        let m = f.unknown_values_problem().expect("named");
        assert!(m.contains("Type '<img>', 'x' are not values D1 documents; Status 'DONE' is not a value D1 documents"), "{m}");
        assert!(m.contains("clear the filters"), "{m}");
        assert_eq!(TimelineFilter::default().unknown_values_problem(), None);
    }

    #[test]
    fn counts_and_weeks() {
        let ops = [
            op("1", "2026-11-22T10:00:00Z", OperationType::Register, OperationStatus::Pending),
            op("2", "2026-11-16T10:00:00Z", OperationType::Register, OperationStatus::Failed),
            op("3", "2026-11-15T10:00:00Z", OperationType::Register, OperationStatus::Successful),
            op("4", "2026-01-01T10:00:00Z", OperationType::Register, OperationStatus::Successful),
            op("5", "2026-11-15T10:00:00Z", OperationType::Register, OperationStatus::from_wire("NEW")),
        ];
        let c = count_by_status(&ops);
        assert_eq!((c.successful, c.pending, c.failed, c.other, c.total()), (2, 1, 1, 1, 5));
        // 2026-11-22 is a Sunday: its week starts Monday the 16th.
        let w = per_week(&ops, &Utc, ymd(2026, 11, 22), 3);
        assert_eq!(w.iter().map(|b| b.week_start).collect::<Vec<_>>(), vec![ymd(2026, 11, 2), ymd(2026, 11, 9), ymd(2026, 11, 16)]);
        assert_eq!(w.iter().map(|b| (b.total, b.failed)).collect::<Vec<_>>(), vec![(0, 0), (2, 0), (2, 1)]);
    }

    #[test]
    fn durations_and_relative_times() {
        let mut o = op("d", "2026-11-22T10:00:00Z", OperationType::Register, OperationStatus::Successful);
        assert_eq!(duration(&o), None);
        o.end_time = Some("2026-11-22T10:02:05Z".into());
        assert_eq!(format_duration(duration(&o).unwrap()), "2 min 5 s");
        assert_eq!(format_duration(Duration::seconds(3)), "3 s");
        assert_eq!(format_duration(Duration::seconds(3 * 3600 + 120)), "3 h 2 min");
        assert_eq!(format_duration(Duration::seconds(2 * 86_400 + 3600)), "2 d 1 h");
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        assert_eq!(relative(now, now), "just now");
        assert_eq!(relative(now - Duration::minutes(5), now), "5 min ago");
        assert_eq!(relative(now - Duration::hours(3), now), "3 h ago");
        assert_eq!(relative(now - Duration::hours(30), now), "yesterday");
        assert_eq!(relative(now - Duration::days(12), now), "12 days ago");
        assert_eq!(relative(now + Duration::minutes(5), now), "in 5 min");
    }

    #[test]
    fn labels_and_details() {
        let mut o = op("l", "2026-11-22T10:00:00Z", OperationType::Delete, OperationStatus::Successful);
        o.requestor_type = RequestorType::Cci;
        o.requestor_id = "agent-7".into();
        assert_eq!(requestor_label(&o), "Customer care agent-7");
        assert_eq!(details_summary(&o), None);
        o.details = Some(OperationDetails {
            old_state: Some(ConsumerState::Active),
            new_state: Some(ConsumerState::Deleted),
            app_instance_id: None,
        });
        assert_eq!(details_summary(&o).unwrap(), "Active → Deleted");
        o.details = Some(OperationDetails { app_instance_id: Some("app-1".into()), ..Default::default() });
        assert_eq!(details_summary(&o).unwrap(), "App instance app-1");
    }
}
