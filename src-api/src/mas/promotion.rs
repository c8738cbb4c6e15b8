//! A promotion's life, one rule for the sandbox and the page: SCHEDULED before its start, ACTIVE from its
//! start through its end date (inclusive) unless cancelled, ENDED after its end or from its cancellation
//! date on (the cancellation date is the first day it no longer applies, so cancelling "today" stops it
//! today). A cancellation date may be today or later, and not after the end date; an ended promotion
//! cannot be cancelled (409). Statuses are computed for the day asked, never stored.

use chrono::NaiveDate;

use super::{check, AccountPromotion, ErrorCode, PromotionStatus};
use crate::validate::ValidationError;

/// The dates that decide a promotion's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    /// The last day it applies; `None`: until cancelled.
    pub end: Option<NaiveDate>,
    /// The first day it no longer applies.
    pub cancellation: Option<NaiveDate>,
}

impl Period {
    /// The period of a promotion as answered (dates checked: a malformed one names its field).
    pub fn of(promotion: &AccountPromotion) -> Result<Period, ValidationError> {
        Ok(Period {
            start: check::date("start_date", &promotion.start_date)?,
            end: promotion.end_date.as_deref().map(|d| check::date("end_date", d)).transpose()?,
            cancellation: promotion.cancellation_date.as_deref().map(|d| check::date("cancellation_date", d)).transpose()?,
        })
    }

    /// The status on `today`.
    pub fn status_on(&self, today: NaiveDate) -> PromotionStatus {
        let cancelled = self.cancellation.is_some_and(|c| today >= c);
        let past_end = self.end.is_some_and(|e| today > e);
        if cancelled || past_end {
            PromotionStatus::Ended
        } else if today < self.start {
            PromotionStatus::Scheduled
        } else {
            PromotionStatus::Active
        }
    }

    /// The last day it applies, if it ends: the day before its cancellation or its end date, the earlier.
    pub fn last_day(&self) -> Option<NaiveDate> {
        let before_cancellation = self.cancellation.and_then(|c| c.pred_opt());
        match (self.end, before_cancellation) {
            (Some(e), Some(c)) => Some(e.min(c)),
            (e, c) => e.or(c),
        }
    }

    /// The dates a cancellation may take on `today`: from today to the end date (inclusive), or `None` when
    /// the promotion has ended.
    pub fn cancellation_limits(&self, today: NaiveDate) -> Option<(NaiveDate, Option<NaiveDate>)> {
        (self.status_on(today) != PromotionStatus::Ended).then_some((today, self.end))
    }

    /// Whether `date` may become the cancellation date on `today`; the refusal's code and what to do.
    pub fn check_cancellation(&self, date: NaiveDate, today: NaiveDate) -> Result<(), (ErrorCode, String)> {
        if self.status_on(today) == PromotionStatus::Ended {
            return Err((ErrorCode::PromotionEnded, "the promotion has already ended: there is nothing to cancel".into()));
        }
        if date < today {
            return Err((
                ErrorCode::CancellationDateInPast,
                format!("cancellation_date {date} is in the past: choose {today} (today) or a later day"),
            ));
        }
        if let Some(end) = self.end.filter(|end| date > *end) {
            return Err((
                ErrorCode::CancellationAfterPromotionEnd,
                format!("cancellation_date {date} is after the promotion's end ({end}): choose {end} or earlier"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        check::date("d", s).unwrap()
    }

    fn period(start: &str, end: Option<&str>, cancellation: Option<&str>) -> Period {
        Period { start: day(start), end: end.map(day), cancellation: cancellation.map(day) }
    }

    #[test]
    fn scheduled_active_then_ended_with_the_end_day_included() {
        let p = period("2026-03-01", Some("2026-03-31"), None);
        assert_eq!(p.status_on(day("2026-02-28")), PromotionStatus::Scheduled);
        assert_eq!(p.status_on(day("2026-03-01")), PromotionStatus::Active);
        assert_eq!(p.status_on(day("2026-03-31")), PromotionStatus::Active);
        assert_eq!(p.status_on(day("2026-04-01")), PromotionStatus::Ended);
        let open = period("2026-03-01", None, None);
        assert_eq!(open.status_on(day("2099-01-01")), PromotionStatus::Active);
        assert_eq!(open.last_day(), None);
    }

    #[test]
    fn a_cancellation_ends_it_from_that_day_even_before_it_started() {
        let p = period("2026-03-01", Some("2026-03-31"), Some("2026-03-10"));
        assert_eq!(p.status_on(day("2026-03-09")), PromotionStatus::Active);
        assert_eq!(p.status_on(day("2026-03-10")), PromotionStatus::Ended);
        assert_eq!(p.last_day(), Some(day("2026-03-09")));
        let never_ran = period("2026-03-01", Some("2026-03-31"), Some("2026-02-20"));
        assert_eq!(never_ran.status_on(day("2026-02-19")), PromotionStatus::Scheduled);
        assert_eq!(never_ran.status_on(day("2026-02-20")), PromotionStatus::Ended);
    }

    #[test]
    fn cancellation_dates_from_today_to_the_end() {
        let today = day("2026-03-05");
        let p = period("2026-03-01", Some("2026-03-31"), None);
        assert_eq!(p.check_cancellation(today, today), Ok(()));
        assert_eq!(p.check_cancellation(day("2026-03-31"), today), Ok(()));
        assert_eq!(p.check_cancellation(day("2026-03-04"), today).unwrap_err().0, ErrorCode::CancellationDateInPast);
        assert_eq!(
            p.check_cancellation(day("2026-04-01"), today).unwrap_err().0,
            ErrorCode::CancellationAfterPromotionEnd
        );
        assert_eq!(p.cancellation_limits(today), Some((today, Some(day("2026-03-31")))));
        let ended = period("2026-01-01", Some("2026-01-31"), None);
        assert_eq!(ended.check_cancellation(today, today).unwrap_err().0, ErrorCode::PromotionEnded);
        assert_eq!(ended.cancellation_limits(today), None);
        // A cancellation may be moved while it has not taken effect.
        let cancelled_later = period("2026-03-01", None, Some("2026-03-20"));
        assert_eq!(cancelled_later.check_cancellation(day("2026-03-06"), today), Ok(()));
    }
}
