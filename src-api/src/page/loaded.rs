//! The loaded timeline of one consumer: its history fetched page by page, several pages at a time and
//! answered in any order, joined in D1's order (newest first), and what the page shows of it kept up to
//! date as each page arrives: the counts by status, the operations per local day (the weekly chart), and
//! which operations match the filter. Joining a page costs work for that page only; only a new filter
//! goes over everything again.
//!
//! Architecture invariant: `operations` is the contiguous prefix of the history, with no operation twice.
//! A page that arrives before the pages above it waits in `ahead` until they have come.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, TimeZone};

use super::{thousands, MAX_OPERATIONS, PAGE_SIZE};
use crate::d1::{Operation, OperationStatus, OperationType, OperationsPage};
use crate::timeline::{empty_weeks, local_day, week_start, StatusCounts, TimelineFilter, WeekBucket};

/// A loaded operation's place in the history. Places never change once given: the operations merged in
/// front later (newer ones, from a refresh) get smaller places. So the matching list, which holds places,
/// survives merges, and a row keeps its key.
pub type Place = i64;

/// One row of the list: which operation, and how often it changed since it was loaded (a PENDING one
/// that settled). The list keys its rows by this, so a row is built again only when its operation changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RowRef {
    pub place: Place,
    pub revision: u32,
}

/// The rows of one local day that the list shows, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownDay {
    /// The day, and which run of that day this is (0, unless D1's order visits a day twice).
    pub key: (Option<NaiveDate>, u32),
    pub rows: Vec<RowRef>,
}

impl ShownDay {
    pub fn day(&self) -> Option<NaiveDate> {
        self.key.0
    }
}

/// Where the loading of the history stands, for the list's footer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadState {
    /// No first page yet.
    Starting,
    /// Pages are being fetched: `loaded` of the `target` the page will hold.
    Loading { loaded: usize, target: usize },
    /// A page failed; what is loaded stays, and a retry asks only the missing pages.
    Stalled { loaded: usize, target: usize },
    /// The whole history is loaded.
    Complete { loaded: usize },
    /// The newest [`MAX_OPERATIONS`] are loaded and the console stops there.
    Capped { loaded: usize, total: usize },
}

impl LoadState {
    /// "Loading 200 of 523…", "All 523 operations loaded", …
    pub fn label(&self) -> String {
        match *self {
            LoadState::Starting => "Loading operations…".into(),
            LoadState::Loading { loaded, target } => format!("Loading {} of {}…", thousands(loaded), thousands(target)),
            LoadState::Stalled { loaded, target } => {
                format!("{} of {} loaded: a page could not be loaded", thousands(loaded), thousands(target))
            }
            LoadState::Complete { loaded } => {
                format!("All {} operation{} loaded", thousands(loaded), if loaded == 1 { "" } else { "s" })
            }
            LoadState::Capped { loaded, total } => format!(
                "Showing the newest {} of {} operations: the console loads no more of one consumer. Counts, chart, \
                 filters and export cover these {}.",
                thousands(loaded),
                thousands(total),
                thousands(loaded)
            ),
        }
    }

    /// Whether nothing more will load (everything, or up to the cap): labels stop saying "loaded".
    pub fn finished(&self) -> bool {
        matches!(self, LoadState::Complete { .. } | LoadState::Capped { .. })
    }
}

/// A page that arrived before the pages above it.
#[derive(Clone, Debug)]
struct Arrived {
    operations: Vec<Operation>,
    /// The history's length when the page was served, when it tells it (an empty page past the end does not).
    told: Option<u32>,
    asked_at: u64,
    answered_at: u64,
}

/// The last page joined to the prefix: what the next one is checked against.
#[derive(Clone, Copy, Debug)]
struct Joined {
    told: Option<u32>,
    answered_at: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct DayTally {
    total: usize,
    failed: usize,
}

/// The operations loaded so far for one consumer, and what the page shows of them. `Tz` is the zone the
/// days are read in (the browser's, `chrono::Local`, in the page).
#[derive(Clone, Debug)]
pub struct LoadedTimeline<Tz: TimeZone> {
    tz: Tz,
    /// The contiguous prefix of the history, newest first, and beside each its local day and revision.
    operations: Vec<Operation>,
    days: Vec<Option<NaiveDate>>,
    revisions: Vec<u32>,
    /// The place of `operations[0]`.
    first_place: Place,
    places: HashMap<String, Place>,

    // Paging. Offsets are multiples of PAGE_SIZE: D1 answers full pages but the last.
    /// Where the prefix's next page starts (0 until the first page came).
    next_offset: u32,
    /// The longest history any answer told.
    total: Option<u32>,
    /// Pages asked and not answered, with when they were asked (a tick of `clock`).
    asked: HashMap<u32, u64>,
    failed: HashSet<u32>,
    ahead: HashMap<u32, Arrived>,
    last_joined: Option<Joined>,
    /// Counts asks and answers, to tell which came first.
    clock: u64,

    // What the page shows, maintained as operations come and change.
    counts: StatusCounts,
    /// By local day; unordered (a chart's weeks are summed from it), like everything here kept in a hash
    /// map: the page already carries hashbrown, and a B-tree would add its own code to the bundle.
    per_day: HashMap<NaiveDate, DayTally>,
    successful_deletes: usize,
    filter: TimelineFilter,
    /// Places of the operations the filter lets through, ascending (so newest first).
    matching: Vec<Place>,
    matching_per_day: HashMap<Option<NaiveDate>, usize>,
}

impl<Tz: TimeZone> LoadedTimeline<Tz> {
    /// Nothing loaded; days are read in `tz`.
    pub fn new(tz: Tz) -> Self {
        LoadedTimeline {
            tz,
            operations: Vec::new(),
            days: Vec::new(),
            revisions: Vec::new(),
            first_place: 0,
            places: HashMap::new(),
            next_offset: 0,
            total: None,
            asked: HashMap::new(),
            failed: HashSet::new(),
            ahead: HashMap::new(),
            last_joined: None,
            clock: 0,
            counts: StatusCounts::default(),
            per_day: HashMap::new(),
            successful_deletes: 0,
            filter: TimelineFilter::default(),
            matching: Vec::new(),
            matching_per_day: HashMap::new(),
        }
    }

    /// The loaded operations, newest first: the part of the history loaded without a gap.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    pub fn len(&self) -> usize {
        self.operations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }

    pub fn find(&self, operation_id: &str) -> Option<&Operation> {
        self.places.get(operation_id).and_then(|&place| self.at(place))
    }

    /// The operation at `place`, if loaded.
    pub fn at(&self, place: Place) -> Option<&Operation> {
        self.index(place).map(|i| &self.operations[i])
    }

    fn index(&self, place: Place) -> Option<usize> {
        usize::try_from(place - self.first_place).ok().filter(|&i| i < self.operations.len())
    }

    // ---- Paging ----

    /// Whether a first page arrived (so D1 knows the consumer).
    pub fn started(&self) -> bool {
        self.next_offset > 0
    }

    /// How many operations the page will hold once loaded: the history, up to [`MAX_OPERATIONS`].
    fn target(&self) -> u32 {
        self.total.unwrap_or(0).min(MAX_OPERATIONS)
    }

    /// Pages asked and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.asked.len()
    }

    pub fn has_failed_pages(&self) -> bool {
        !self.failed.is_empty()
    }

    pub fn load_state(&self) -> LoadState {
        let loaded = self.len();
        let target = (self.target() as usize).max(loaded);
        if !self.started() {
            LoadState::Starting
        } else if self.next_offset < self.target() && self.has_failed_pages() {
            LoadState::Stalled { loaded, target }
        } else if self.next_offset < self.target() {
            LoadState::Loading { loaded, target }
        } else if self.total.is_some_and(|t| t > MAX_OPERATIONS) {
            LoadState::Capped { loaded, total: self.total.unwrap_or(0) as usize }
        } else {
            LoadState::Complete { loaded }
        }
    }

    /// The next page to ask, marked as asked: the first one still needed that is neither loaded, nor
    /// asked, nor failed (those wait for [`Self::retry_failed`]). Before the first answer that is offset 0
    /// alone; after it, every page up to the history's length or the cap. `None` when `max_in_flight`
    /// pages are already asked, or nothing more is needed.
    pub fn next_to_ask(&mut self, max_in_flight: usize) -> Option<u32> {
        if self.asked.len() >= max_in_flight {
            return None;
        }
        let end = if self.started() { self.target() } else { 1 };
        let offset = (self.next_offset..end)
            .step_by(PAGE_SIZE as usize)
            .find(|o| !self.asked.contains_key(o) && !self.failed.contains(o) && !self.ahead.contains_key(o))?;
        self.clock += 1;
        self.asked.insert(offset, self.clock);
        Some(offset)
    }

    /// A page asked at `offset` could not be fetched: it is not asked again until [`Self::retry_failed`].
    pub fn page_failed(&mut self, offset: u32) {
        self.asked.remove(&offset);
        self.failed.insert(offset);
    }

    /// Lets the failed pages be asked again.
    pub fn retry_failed(&mut self) {
        self.failed.clear();
    }

    /// Takes the answer for `offset` (a multiple of [`PAGE_SIZE`]), whatever order the answers come in.
    /// Offset 0 when the first page is already held is a fresher first page (see [`Self::apply_newest`]).
    pub fn apply_page(&mut self, offset: u32, mut page: OperationsPage) {
        // A page holds at most what was asked: an upstream that sends more cannot grow the timeline past
        // its cap (pages are asked `PAGE_SIZE` at a time, and at most `MAX_OPERATIONS / PAGE_SIZE` of them).
        page.operations.truncate(PAGE_SIZE as usize);
        let asked_at = self.asked.remove(&offset);
        self.failed.remove(&offset);
        self.clock += 1;
        // A page tells the history's length, unless it is an empty one past the end.
        let told = (offset == 0 || !page.operations.is_empty()).then(|| {
            offset.saturating_add(page.operations.len() as u32).saturating_add(page.remaining_operations.unwrap_or(0))
        });
        if let Some(told) = told {
            self.total = Some(self.total.map_or(told, |t| t.max(told)));
        }
        if offset < self.next_offset || self.ahead.contains_key(&offset) {
            if offset == 0 {
                self.merge_newest(page.operations);
            }
            return;
        }
        let arrived =
            Arrived { operations: page.operations, told, asked_at: asked_at.unwrap_or(self.clock), answered_at: self.clock };
        self.ahead.insert(offset, arrived);
        self.join_arrived();
    }

    /// Joins to the prefix the pages that now follow it.
    fn join_arrived(&mut self) {
        while let Some(page) = self.ahead.remove(&self.next_offset) {
            if let Some(previous) = self.last_joined {
                // A page asked before the one above it was answered, telling a shorter history, was served
                // before newer operations pushed the history down: between the two, operations would be
                // missing. Such pages are asked again (the newer answer overlaps, and overlaps are skipped).
                let stale = |p: &Arrived| {
                    p.asked_at < previous.answered_at && matches!((p.told, previous.told), (Some(a), Some(b)) if a < b)
                };
                if stale(&page) {
                    self.ahead.retain(|_, p| !stale(p));
                    return;
                }
            }
            let told = page.told.or(self.last_joined.and_then(|j| j.told));
            self.last_joined = Some(Joined { told, answered_at: page.answered_at });
            self.next_offset += PAGE_SIZE;
            for op in page.operations {
                // Offsets shift when an operation arrives between two pages: the same one is not kept twice.
                if !self.places.contains_key(&op.operation_id) {
                    self.push_back(op);
                }
            }
        }
    }

    /// Merges a fresh first page (offset 0): new operations go in front, known ones are refreshed, and
    /// the history's length is updated. Before any first page, it is the first page. Returns how many are
    /// new.
    pub fn apply_newest(&mut self, page: OperationsPage) -> usize {
        if !self.started() {
            self.apply_page(0, page);
            return self.len();
        }
        let told = (page.operations.len() as u32).saturating_add(page.remaining_operations.unwrap_or(0));
        self.total = Some(self.total.map_or(told, |t| t.max(told)));
        self.merge_newest(page.operations)
    }

    fn merge_newest(&mut self, newest: Vec<Operation>) -> usize {
        let mut fresh = Vec::new();
        for op in newest {
            match self.places.get(&op.operation_id) {
                Some(&place) => {
                    self.replace_at(place, op);
                }
                None => fresh.push(op),
            }
        }
        // Newer than everything held, newest first: in front, in that order.
        let n = fresh.len();
        for op in fresh.into_iter().rev() {
            self.push_front(op);
        }
        n
    }

    /// Replaces one polled operation; false when it is not loaded.
    pub fn replace(&mut self, op: Operation) -> bool {
        match self.places.get(&op.operation_id) {
            Some(&place) => {
                self.replace_at(place, op);
                true
            }
            None => false,
        }
    }

    fn replace_at(&mut self, place: Place, op: Operation) {
        let Some(i) = self.index(place) else { return };
        if self.operations[i] == op {
            return;
        }
        self.tally(i, false);
        self.days[i] = local_day(&op, &self.tz);
        self.operations[i] = op;
        self.revisions[i] += 1;
        self.tally(i, true);
    }

    fn push_back(&mut self, op: Operation) {
        let place = self.first_place + self.operations.len() as Place;
        self.places.insert(op.operation_id.clone(), place);
        self.days.push(local_day(&op, &self.tz));
        self.operations.push(op);
        self.revisions.push(0);
        self.tally(self.operations.len() - 1, true);
    }

    fn push_front(&mut self, op: Operation) {
        self.first_place -= 1;
        self.places.insert(op.operation_id.clone(), self.first_place);
        self.days.insert(0, local_day(&op, &self.tz));
        self.operations.insert(0, op);
        self.revisions.insert(0, 0);
        self.tally(0, true);
    }

    /// Adds (or takes away) the operation at `i` in the counts, the days and the matching list.
    fn tally(&mut self, i: usize, add: bool) {
        let (op, day) = (&self.operations[i], self.days[i]);
        let step = |n: &mut usize| if add { *n += 1 } else { *n -= 1 };
        step(match op.status {
            OperationStatus::Successful => &mut self.counts.successful,
            OperationStatus::Pending => &mut self.counts.pending,
            OperationStatus::Failed => &mut self.counts.failed,
            OperationStatus::Other(_) => &mut self.counts.other,
        });
        if op.operation == OperationType::Delete && op.status == OperationStatus::Successful {
            step(&mut self.successful_deletes);
        }
        if let Some(day) = day {
            let tally = self.per_day.entry(day).or_default();
            step(&mut tally.total);
            if op.status == OperationStatus::Failed {
                step(&mut tally.failed);
            }
        }
        if self.filter.matches_on(op, day) {
            let place = self.first_place + i as Place;
            match (self.matching.binary_search(&place), add) {
                (Err(at), true) => self.matching.insert(at, place),
                (Ok(at), false) => {
                    self.matching.remove(at);
                }
                _ => return,
            }
            step(self.matching_per_day.entry(day).or_default());
        }
    }

    // ---- What the page shows ----

    /// Whether the console may offer to delete this consumer: D1 knows it (a first page arrived, so it
    /// was no 404) and has not recorded its deletion. A successful DELETE is always the newest
    /// operation, so it is in the first page.
    pub fn deletable(&self) -> bool {
        self.started() && !self.deleted()
    }

    /// Whether the loaded operations include the consumer's successful DELETE.
    pub fn deleted(&self) -> bool {
        self.successful_deletes > 0
    }

    /// Ids of the loaded PENDING operations (to poll).
    pub fn pending_ids(&self) -> Vec<String> {
        if self.counts.pending == 0 {
            return Vec::new();
        }
        self.operations
            .iter()
            .filter(|o| o.status == OperationStatus::Pending)
            .map(|o| o.operation_id.clone())
            .collect()
    }

    /// Counts by status of the loaded operations.
    pub fn counts(&self) -> StatusCounts {
        self.counts
    }

    /// `weeks` buckets, oldest first, the last one holding `today`: the loaded operations per week.
    pub fn weeks(&self, today: NaiveDate, weeks: usize) -> Vec<WeekBucket> {
        let last = week_start(today);
        let mut buckets = empty_weeks(today, weeks);
        let Some(first) = buckets.first().map(|b| b.week_start) else { return buckets };
        let shown = first..last + Duration::days(7);
        for (day, tally) in self.per_day.iter().filter(|(day, _)| shown.contains(day)) {
            let bucket = &mut buckets[((*day - first).num_days() / 7) as usize];
            bucket.total += tally.total;
            bucket.failed += tally.failed;
        }
        buckets
    }

    pub fn filter(&self) -> &TimelineFilter {
        &self.filter
    }

    /// Shows only what `filter` lets through (the one change that goes over every loaded operation).
    pub fn set_filter(&mut self, filter: TimelineFilter) {
        if filter == self.filter {
            return;
        }
        self.filter = filter;
        self.matching.clear();
        self.matching_per_day.clear();
        for (i, (op, day)) in self.operations.iter().zip(&self.days).enumerate() {
            if self.filter.matches_on(op, *day) {
                self.matching.push(self.first_place + i as Place);
                *self.matching_per_day.entry(*day).or_default() += 1;
            }
        }
    }

    /// How many loaded operations the filter lets through.
    pub fn matching_count(&self) -> usize {
        self.matching.len()
    }

    /// How many of them started on `day`.
    pub fn matching_on(&self, day: Option<NaiveDate>) -> usize {
        self.matching_per_day.get(&day).copied().unwrap_or(0)
    }

    /// The first `limit` matching operations, by local day, newest first: what the list shows.
    pub fn shown_days(&self, limit: usize) -> Vec<ShownDay> {
        let mut days: Vec<ShownDay> = Vec::new();
        let mut runs: HashMap<Option<NaiveDate>, u32> = HashMap::new();
        for &place in self.matching.iter().take(limit) {
            let Some(i) = self.index(place) else { continue };
            let row = RowRef { place, revision: self.revisions[i] };
            let day = self.days[i];
            match days.last_mut() {
                Some(shown) if shown.day() == day => shown.rows.push(row),
                _ => {
                    let run = runs.entry(day).or_default();
                    days.push(ShownDay { key: (day, *run), rows: vec![row] });
                    *run += 1;
                }
            }
        }
        days
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{count_by_status, per_week, tests::op as make_op};
    use chrono::Utc;

    const TODAY: &str = "2026-11-22";

    fn today() -> NaiveDate {
        TODAY.parse().unwrap()
    }

    /// Operation `n` of a history, one every 5 hours back from today's noon, newest first; every 7th FAILED.
    fn nth(n: u32) -> Operation {
        let start = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap() - Duration::hours(5 * n as i64);
        let status = if n % 7 == 3 { OperationStatus::Failed } else { OperationStatus::Successful };
        make_op(&format!("op-{n}"), &start.to_rfc3339(), OperationType::Register, status)
    }

    /// The page D1 serves at `offset` of a history of `total` operations (`op-0` the newest).
    fn served(offset: u32, total: u32) -> OperationsPage {
        let end = (offset + PAGE_SIZE).min(total);
        OperationsPage {
            operations: (offset..end.max(offset)).map(nth).collect(),
            remaining_operations: Some(total.saturating_sub(end.max(offset))),
        }
    }

    /// The same, after `new` newer operations (`new-0` the newest) arrived in front.
    fn served_after(new: u32, offset: u32, total: u32) -> OperationsPage {
        let all: Vec<Operation> = (0..new)
            .map(|i| {
                let mut o = nth(0);
                o.operation_id = format!("new-{i}");
                o
            })
            .chain((0..total).map(nth))
            .collect();
        let start = (offset as usize).min(all.len());
        let end = (start + PAGE_SIZE as usize).min(all.len());
        OperationsPage { operations: all[start..end].to_vec(), remaining_operations: Some((all.len() - end) as u32) }
    }

    fn ids(t: &LoadedTimeline<Utc>) -> Vec<String> {
        t.operations().iter().map(|o| o.operation_id.clone()).collect()
    }

    fn expected(range: std::ops::Range<u32>) -> Vec<String> {
        range.map(|n| format!("op-{n}")).collect()
    }

    /// Asks until `max` pages are in flight; the offsets asked.
    fn ask_all(t: &mut LoadedTimeline<Utc>, max: usize) -> Vec<u32> {
        std::iter::from_fn(|| t.next_to_ask(max)).collect()
    }

    /// What is maintained equals what a full recount of the loaded operations says.
    #[track_caller]
    fn agrees_with_a_recount(t: &LoadedTimeline<Utc>) {
        assert_eq!(t.counts(), count_by_status(t.operations()));
        assert_eq!(t.weeks(today(), 13), per_week(t.operations(), &Utc, today(), 13));
        let matching: Vec<&Operation> = t.operations().iter().filter(|o| t.filter().matches(o, &Utc)).collect();
        assert_eq!(t.matching_count(), matching.len());
        let shown: Vec<&str> = t
            .shown_days(usize::MAX)
            .iter()
            .flat_map(|d| d.rows.iter().map(|r| t.at(r.place).unwrap().operation_id.as_str()))
            .collect();
        assert_eq!(shown, matching.iter().map(|o| o.operation_id.as_str()).collect::<Vec<_>>());
        assert_eq!(t.pending_ids(), t.operations().iter().filter(|o| o.status == OperationStatus::Pending).map(|o| o.operation_id.clone()).collect::<Vec<_>>());
    }

    #[test]
    fn pages_answered_out_of_order_show_in_history_order() {
        let mut t = LoadedTimeline::new(Utc);
        assert_eq!(t.load_state(), LoadState::Starting);
        assert_eq!(ask_all(&mut t, 4), [0], "only the first page before its answer tells the length");
        t.apply_page(0, served(0, 523));
        assert_eq!(t.load_state(), LoadState::Loading { loaded: 50, target: 523 });
        assert_eq!(t.load_state().label(), "Loading 50 of 523…");
        assert_eq!(ask_all(&mut t, 4), [50, 100, 150, 200]);
        // 150 and 100 come first: they wait until 50 has come, and nothing shows out of order.
        t.apply_page(150, served(150, 523));
        t.apply_page(100, served(100, 523));
        assert_eq!(ids(&t), expected(0..50));
        agrees_with_a_recount(&t);
        t.apply_page(50, served(50, 523));
        assert_eq!(ids(&t), expected(0..200));
        assert_eq!(ask_all(&mut t, 4), [250, 300, 350]);
        for offset in [350, 300, 200, 250] {
            t.apply_page(offset, served(offset, 523));
        }
        assert_eq!(ask_all(&mut t, 4), [400, 450, 500]);
        for offset in [500, 450, 400] {
            t.apply_page(offset, served(offset, 523));
        }
        assert_eq!(ids(&t), expected(0..523));
        assert_eq!(t.load_state(), LoadState::Complete { loaded: 523 });
        assert_eq!(t.load_state().label(), "All 523 operations loaded");
        assert!(t.load_state().finished());
        assert_eq!(t.next_to_ask(4), None);
        agrees_with_a_recount(&t);
    }

    #[test]
    fn a_page_is_never_planned_twice() {
        let mut t = LoadedTimeline::new(Utc);
        assert_eq!(t.next_to_ask(4), Some(0));
        assert_eq!(t.next_to_ask(4), None, "offset 0 is asked");
        t.apply_page(0, served(0, 400));
        let mut asked = ask_all(&mut t, 4);
        assert_eq!(asked, [50, 100, 150, 200]);
        assert_eq!(t.in_flight(), 4);
        t.apply_page(100, served(100, 400));
        t.page_failed(150);
        asked.extend(ask_all(&mut t, 4));
        assert_eq!(asked, [50, 100, 150, 200, 250, 300], "a failed page waits for a retry");
        assert_eq!(t.load_state(), LoadState::Stalled { loaded: 50, target: 400 });
        // An answer that comes twice changes nothing.
        t.apply_page(100, served(100, 400));
        t.apply_page(50, served(50, 400));
        assert_eq!(ids(&t), expected(0..150));
        t.retry_failed();
        asked.extend(ask_all(&mut t, 4));
        assert_eq!(asked, [50, 100, 150, 200, 250, 300, 150], "a retry asks only the missing page");
        for offset in [150, 200, 250, 300] {
            t.apply_page(offset, served(offset, 400));
        }
        asked.extend(ask_all(&mut t, 4));
        t.apply_page(350, served(350, 400));
        assert_eq!(ids(&t), expected(0..400));
        assert_eq!(t.next_to_ask(4), None);
        assert!(!t.has_failed_pages());
        let mut once = asked.clone();
        once.sort();
        once.dedup();
        assert_eq!(once, [50, 100, 150, 200, 250, 300, 350]);
        assert_eq!(asked.len(), once.len() + 1, "only the failed page asked twice: {asked:?}");
    }

    #[test]
    fn loading_stops_at_the_cap_and_says_so() {
        let total = MAX_OPERATIONS + 1234;
        let mut t = LoadedTimeline::new(Utc);
        let mut asked = Vec::new();
        while let Some(offset) = t.next_to_ask(4) {
            asked.push(offset);
            t.apply_page(offset, served(offset, total));
        }
        assert_eq!(asked.len() as u32, MAX_OPERATIONS / PAGE_SIZE);
        assert_eq!(asked.last(), Some(&(MAX_OPERATIONS - PAGE_SIZE)));
        assert_eq!(t.len(), MAX_OPERATIONS as usize);
        let state = t.load_state();
        assert_eq!(state, LoadState::Capped { loaded: 5000, total: 6234 });
        assert!(state.finished());
        assert!(state.label().starts_with("Showing the newest 5,000 of 6,234 operations"), "{}", state.label());
    }

    #[test]
    fn a_page_longer_than_asked_is_cut_so_the_cap_holds() {
        // An upstream that answers ten times what was asked, every time, with a history far over the cap.
        let mut t = LoadedTimeline::new(Utc);
        while let Some(offset) = t.next_to_ask(4) {
            let mut page = served(offset, MAX_OPERATIONS * 10);
            page.operations = (offset * 10..offset * 10 + PAGE_SIZE * 10).map(nth).collect();
            t.apply_page(offset, page);
        }
        assert_eq!(t.len(), MAX_OPERATIONS as usize);
        assert!(matches!(t.load_state(), LoadState::Capped { loaded: 5000, .. }), "{:?}", t.load_state());
    }

    #[test]
    fn an_empty_history_and_a_history_of_one_page_are_complete_at_once() {
        let mut t = LoadedTimeline::new(Utc);
        t.next_to_ask(4);
        t.apply_page(0, served(0, 0));
        assert!(t.started() && t.is_empty());
        assert_eq!(t.load_state(), LoadState::Complete { loaded: 0 });
        assert_eq!(t.next_to_ask(4), None);
        let mut one = LoadedTimeline::new(Utc);
        one.next_to_ask(4);
        one.apply_page(0, served(0, 50));
        assert_eq!(one.load_state().label(), "All 50 operations loaded");
        assert_eq!(one.next_to_ask(4), None);
    }

    #[test]
    fn operations_arriving_while_loading_leave_no_gap_and_no_repeat() {
        let mut t = LoadedTimeline::new(Utc);
        t.next_to_ask(4);
        t.apply_page(0, served(0, 200));
        assert_eq!(ask_all(&mut t, 4), [50, 100, 150]);
        // 100 and 150 are served now; then 3 operations arrive; then 50 is served, shifted down by 3.
        t.apply_page(150, served(150, 200));
        t.apply_page(100, served(100, 200));
        t.apply_page(50, served_after(3, 50, 200));
        // op-97..op-99 would be missing between op-96 and op-100: 100 and 150 are asked again.
        assert_eq!(t.len(), 50 + 50 - 3);
        assert_eq!(ask_all(&mut t, 4), [100, 150, 200]);
        for offset in [100, 150, 200] {
            t.apply_page(offset, served_after(3, offset, 200));
        }
        assert_eq!(ids(&t), expected(0..200), "no gap, no repeat");
        assert_eq!(t.load_state(), LoadState::Complete { loaded: 200 });
        // The refresh of the newest brings the three in front.
        assert_eq!(t.apply_newest(served_after(3, 0, 200)), 3);
        assert_eq!(&ids(&t)[..4], ["new-0", "new-1", "new-2", "op-0"]);
        assert_eq!(t.load_state(), LoadState::Complete { loaded: 203 });
        agrees_with_a_recount(&t);
    }

    #[test]
    fn counts_weeks_and_the_filter_are_maintained_like_a_recount() {
        let mut t = LoadedTimeline::new(Utc);
        t.set_filter(TimelineFilter { statuses: vec![OperationStatus::Failed], ..Default::default() });
        t.next_to_ask(4);
        t.apply_page(0, served(0, 523));
        agrees_with_a_recount(&t);
        ask_all(&mut t, 4);
        for offset in [200, 100, 50, 150] {
            t.apply_page(offset, served(offset, 523));
            agrees_with_a_recount(&t);
        }
        // A refresh with a new PENDING operation in front and an older one turned FAILED.
        let mut page = served_after(1, 0, 523);
        page.operations[0].status = OperationStatus::Pending;
        page.operations[2].status = OperationStatus::Failed;
        assert_eq!(t.apply_newest(page), 1);
        agrees_with_a_recount(&t);
        assert_eq!(t.pending_ids(), ["new-0"]);
        // The PENDING one settles.
        let mut settled = t.find("new-0").unwrap().clone();
        settled.status = OperationStatus::Failed;
        assert!(t.replace(settled));
        agrees_with_a_recount(&t);
        assert!(!t.replace(nth(9999)), "not loaded");
        // Another filter, a date range.
        t.set_filter(TimelineFilter { from: Some("2026-11-01".parse().unwrap()), ..Default::default() });
        agrees_with_a_recount(&t);
        assert!(t.matching_count() > 0 && t.matching_count() < t.len());
    }

    #[test]
    fn shown_rows_are_grouped_by_day_and_keyed_by_revision() {
        let mut t = LoadedTimeline::new(Utc);
        t.next_to_ask(4);
        t.apply_page(0, served(0, 523));
        // Five operations a day (one every 5 hours, from noon): today has op-0..op-2.
        let days = t.shown_days(10);
        assert_eq!(days.iter().map(|d| d.rows.len()).sum::<usize>(), 10);
        assert_eq!(days[0].day(), Some(today()));
        assert_eq!(days[0].key, (Some(today()), 0));
        assert_eq!(days[0].rows.len(), t.matching_on(Some(today())));
        let first = days[0].rows[0];
        let mut changed = t.at(first.place).unwrap().clone();
        changed.status = OperationStatus::Pending;
        t.replace(changed.clone());
        let again = t.shown_days(10);
        assert_eq!(again[0].rows[0], RowRef { place: first.place, revision: 1 }, "a changed operation: a new key");
        assert_eq!(again[0].rows[1..], days[0].rows[1..], "the others keep theirs");
        t.replace(changed);
        assert_eq!(t.shown_days(10)[0].rows[0].revision, 1, "the same operation again is no change");
        // New operations in front keep the places (and so the keys) of the rows below.
        // (op-0 comes back as D1 has it, no longer PENDING: its row changes once more.)
        t.apply_newest(served_after(2, 0, 523));
        let after = t.shown_days(12);
        assert_eq!(after[0].rows[2], RowRef { place: first.place, revision: 2 });
        assert_eq!(after[0].rows[3..], again[0].rows[1..]);
    }

    #[test]
    fn delete_is_offered_only_for_a_known_consumer_not_yet_deleted() {
        let op = |id: &str, status| make_op(id, "2026-11-22T10:00:00Z", OperationType::Delete, status);
        let mut t = LoadedTimeline::new(Utc);
        assert!(!t.deletable(), "nothing known yet (or a 404)");
        t.apply_page(0, served(0, 0));
        assert!(t.deletable(), "known, with no operations");
        t.apply_newest(OperationsPage { operations: vec![op("d1", OperationStatus::Failed)], remaining_operations: Some(0) });
        assert!(t.deletable() && !t.deleted(), "a failed delete deleted nothing");
        t.apply_newest(OperationsPage { operations: vec![op("d2", OperationStatus::Pending)], remaining_operations: Some(1) });
        assert!(t.deletable());
        assert!(t.replace(op("d2", OperationStatus::Successful)));
        assert!(t.deleted() && !t.deletable());
    }

    #[test]
    fn before_any_page_the_newest_is_the_first_page() {
        let mut t = LoadedTimeline::new(Utc);
        assert_eq!(t.next_to_ask(4), Some(0));
        assert_eq!(t.apply_newest(served(0, 60)), 50);
        // The first page's own answer then comes: a fresher first page, nothing twice.
        t.apply_page(0, served(0, 60));
        assert_eq!(ids(&t), expected(0..50));
        assert_eq!(t.next_to_ask(4), Some(50));
    }
}
