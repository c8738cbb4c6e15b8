//! Demo data: consumers of `DEMOISSUER` with realistic histories, loaded into an empty database and on
//! reset.
//!
//! Generated from a fixed seed so that every run holds the same consumers and the same kinds of history,
//! but with times RELATIVE TO NOW, so the data is always within D1's 3-month window (except the few
//! operations of `demo-busy` that are deliberately older, to prove retention). `README.md` of this crate
//! lists the consumers and what each shows.

use chrono::{DateTime, Duration, Utc};
use console_api::d1::{
    ConsumerState, OperationDetails, OperationStatus, OperationType, ReasonCode, RequestorType,
};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rusqlite::Transaction;

use crate::db::{self, NewOperation};
use crate::error::SandboxError;
use crate::DEMO_ISSUER;

mod consents;
pub mod mas;
pub mod people;
pub use consents::{bulk as consents_bulk, load_consents, CONSENT_TYPES};

/// The seed of the demo data's generator: change it and every demo id changes.
const SEED: u64 = 0xD15A_ADB0;

/// What was loaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    pub consumers: usize,
    pub operations: usize,
    pub accounts: usize,
}

/// Exactly this many operations of `demo-busy` are within the last 3 months.
pub const BUSY_OPERATIONS: usize = 523;
/// And this many are older, never to be returned.
pub const BUSY_EXPIRED_OPERATIONS: usize = 5;

const CCI_AGENTS: &[&str] = &["cci-agent-03", "cci-agent-07", "cci-agent-12", "cci-agent-21"];
const ISSUER_SUSPEND_REASONS: &[&str] =
    &["suspected fraud on card", "card reported stolen", "unusual activity detected", "compliance review"];
const CCI_SUSPEND_REASONS: &[&str] =
    &["customer reported lost phone", "customer asked to pause wallet", "customer travelling"];
const RESUME_REASONS: &[&str] = &["customer identity confirmed", "fraud case closed", "customer found phone"];
const DELETE_REASONS: &[&str] = &["customer closed all accounts", "customer asked for erasure", "account migrated"];
/// `(errorCode, error)` pairs, within OPERATION_ERROR's charset.
const FAILURES: &[(&str, &str)] = &[
    ("AUTHN-409", "Authenticator already enrolled on another device"),
    ("AUTHN-422", "Attestation of the app instance could not be verified"),
    ("C2P-503", "Click to Pay directory unavailable, retry later"),
    ("STATE-409", "Consumer state does not allow this operation"),
    ("TIMEOUT-504", "Wallet provider did not answer in time (30s)"),
];

/// Builds one consumer's operations in time order and tracks its state.
struct History<'r> {
    rng: &'r mut StdRng,
    consumer: String,
    state: ConsumerState,
    apps: Vec<String>,
    app_counter: usize,
    ops: Vec<NewOperation>,
}

impl<'r> History<'r> {
    fn new(rng: &'r mut StdRng, consumer: &str) -> Self {
        History {
            rng,
            consumer: consumer.to_string(),
            state: ConsumerState::Active,
            apps: Vec::new(),
            app_counter: 0,
            ops: Vec::new(),
        }
    }

    fn operation_id(&mut self) -> String {
        uuid::Builder::from_random_bytes(self.rng.random()).into_uuid().to_string()
    }

    fn requestor(&mut self, kind: RequestorType) -> (RequestorType, String) {
        let id = match kind {
            RequestorType::User => self.consumer.clone(),
            RequestorType::Cci => CCI_AGENTS.choose(self.rng).copied().unwrap_or("cci-agent-07").to_string(),
            _ => DEMO_ISSUER.to_string(),
        };
        (kind, id)
    }

    /// Appends an operation that ended `status` a few seconds after `at`.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        at: DateTime<Utc>,
        operation: OperationType,
        status: OperationStatus,
        requestor: RequestorType,
        reason: Option<&str>,
        reason_code: Option<ReasonCode>,
        details: Option<OperationDetails>,
        failure: Option<(&str, &str)>,
    ) {
        let (requestor_type, requestor_id) = self.requestor(requestor);
        let operation_id = self.operation_id();
        let end = if status == OperationStatus::Pending {
            None
        } else {
            Some(at + Duration::milliseconds(self.rng.random_range(300..6000)))
        };
        self.ops.push(NewOperation {
            operation_id,
            issuer_id: DEMO_ISSUER.into(),
            consumer_id: self.consumer.clone(),
            operation,
            status,
            start: at,
            end,
            requestor_type,
            requestor_id,
            reason: reason.map(str::to_string),
            reason_code,
            details,
            error_code: failure.map(|f| f.0.to_string()),
            error: failure.map(|f| f.1.to_string()),
            settle_at: None,
            final_status: None,
            final_error_code: None,
            final_error: None,
        });
    }

    fn states(old: Option<ConsumerState>, new: ConsumerState) -> Option<OperationDetails> {
        Some(OperationDetails { old_state: old, new_state: Some(new), app_instance_id: None })
    }

    fn app(id: &str) -> Option<OperationDetails> {
        Some(OperationDetails { old_state: None, new_state: None, app_instance_id: Some(id.to_string()) })
    }

    fn register(&mut self, at: DateTime<Utc>, by: RequestorType) {
        self.state = ConsumerState::Active;
        self.push(at, OperationType::Register, OperationStatus::Successful, by, None, None,
            Self::states(None, ConsumerState::Active), None);
    }

    fn enroll(&mut self, at: DateTime<Utc>, failure: Option<(&str, &str)>) {
        self.app_counter += 1;
        let app = format!("app-{}-{:02}", self.consumer.trim_start_matches("demo-"), self.app_counter);
        let status = if failure.is_some() { OperationStatus::Failed } else { OperationStatus::Successful };
        if failure.is_none() {
            self.apps.push(app.clone());
        }
        self.push(at, OperationType::EnrollAuthn, status, RequestorType::User, None, None, Self::app(&app), failure);
    }

    fn delete_authn(&mut self, at: DateTime<Utc>, by: RequestorType) {
        if self.apps.is_empty() {
            return;
        }
        let i = self.rng.random_range(0..self.apps.len());
        let app = self.apps.remove(i);
        let (reason, code) = match by {
            RequestorType::User => (None, Some(ReasonCode::UserDecision)),
            RequestorType::Cci => (Some("customer replaced phone"), Some(ReasonCode::UserDecision)),
            _ => (Some("device flagged by risk engine"), Some(ReasonCode::IssuerDecision)),
        };
        self.push(at, OperationType::DeleteAuthn, OperationStatus::Successful, by, reason, code, Self::app(&app), None);
    }

    fn suspend(&mut self, at: DateTime<Utc>, by: RequestorType, reason: &str) {
        let code = if by == RequestorType::Issuer { ReasonCode::IssuerDecision } else { ReasonCode::UserDecision };
        let details = Self::states(Some(self.state.clone()), ConsumerState::Inactive);
        self.state = ConsumerState::Inactive;
        self.push(at, OperationType::Suspend, OperationStatus::Successful, by, Some(reason), Some(code), details, None);
    }

    fn resume(&mut self, at: DateTime<Utc>, by: RequestorType, reason: &str) {
        let code = if by == RequestorType::Issuer { ReasonCode::IssuerDecision } else { ReasonCode::UserDecision };
        let details = Self::states(Some(self.state.clone()), ConsumerState::Active);
        self.state = ConsumerState::Active;
        self.push(at, OperationType::Resume, OperationStatus::Successful, by, Some(reason), Some(code), details, None);
    }

    fn click_to_pay(&mut self, at: DateTime<Utc>, by: RequestorType, failure: Option<(&str, &str)>) {
        let status = if failure.is_some() { OperationStatus::Failed } else { OperationStatus::Successful };
        self.push(at, OperationType::ClickToPayUpdate, status, by, None, None, None, failure);
    }

    fn delete(&mut self, at: DateTime<Utc>, by: RequestorType, reason: &str) {
        let code = if by == RequestorType::Issuer { ReasonCode::IssuerDecision } else { ReasonCode::UserDecision };
        let details = Self::states(Some(self.state.clone()), ConsumerState::Deleted);
        self.state = ConsumerState::Deleted;
        self.push(at, OperationType::Delete, OperationStatus::Successful, by, Some(reason), Some(code), details, None);
    }

    fn failure(&mut self) -> (&'static str, &'static str) {
        FAILURES.choose(self.rng).copied().unwrap_or(FAILURES[0])
    }

    /// One plausible next event at `at`, given the consumer's state.
    fn random_event(&mut self, at: DateTime<Utc>) {
        let fail = self.rng.random_bool(0.07);
        let roll = self.rng.random_range(0..100);
        match (roll, &self.state) {
            (0..=29, _) => {
                let f = if fail { Some(self.failure()) } else { None };
                self.enroll(at, f)
            }
            (30..=44, _) if !self.apps.is_empty() => {
                let by = [RequestorType::User, RequestorType::User, RequestorType::Cci, RequestorType::Issuer]
                    .choose(self.rng)
                    .cloned()
                    .unwrap_or(RequestorType::User);
                self.delete_authn(at, by)
            }
            (45..=59, ConsumerState::Active) => {
                if self.rng.random_bool(0.5) {
                    let r = ISSUER_SUSPEND_REASONS.choose(self.rng).copied().unwrap_or("compliance review");
                    self.suspend(at, RequestorType::Issuer, r)
                } else {
                    let r = CCI_SUSPEND_REASONS.choose(self.rng).copied().unwrap_or("customer travelling");
                    let by = if self.rng.random_bool(0.7) { RequestorType::Cci } else { RequestorType::User };
                    self.suspend(at, by, r)
                }
            }
            (_, ConsumerState::Inactive) if roll < 75 => {
                let r = RESUME_REASONS.choose(self.rng).copied().unwrap_or("fraud case closed");
                let by = [RequestorType::Issuer, RequestorType::Cci, RequestorType::User]
                    .choose(self.rng)
                    .cloned()
                    .unwrap_or(RequestorType::Issuer);
                self.resume(at, by, r)
            }
            _ => {
                let by = if self.rng.random_bool(0.7) { RequestorType::User } else { RequestorType::Issuer };
                let f = if fail { Some(self.failure()) } else { None };
                self.click_to_pay(at, by, f)
            }
        }
    }

    /// `n` sorted random instants between `from` and `to`.
    fn times(&mut self, n: usize, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let span = (to - from).num_milliseconds().max(1);
        let mut t: Vec<_> =
            (0..n).map(|_| from + Duration::milliseconds(self.rng.random_range(0..span))).collect();
        t.sort();
        t
    }

    /// REGISTER at the first instant, then `n - 1` random events, the last one a DELETE if `deleted`.
    fn random(&mut self, n: usize, from: DateTime<Utc>, to: DateTime<Utc>, deleted: bool) {
        let times = self.times(n.max(1), from, to);
        for (i, at) in times.into_iter().enumerate() {
            if i == 0 {
                let by = if self.rng.random_bool(0.6) { RequestorType::User } else { RequestorType::Issuer };
                self.register(at, by);
            } else if deleted && i == n - 1 {
                let by = if self.rng.random_bool(0.7) { RequestorType::Issuer } else { RequestorType::Cci };
                let r = DELETE_REASONS.choose(self.rng).copied().unwrap_or("account migrated");
                self.delete(at, by, r);
            } else {
                self.random_event(at);
            }
        }
    }

    fn store(self, tx: &Transaction<'_>, created: DateTime<Utc>) -> Result<usize, SandboxError> {
        db::insert_consumer(tx, DEMO_ISSUER, &self.consumer, &self.state, created)?;
        for op in &self.ops {
            db::insert_operation(tx, op)?;
        }
        Ok(self.ops.len())
    }
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// Wipes consumers, accounts and operations and loads the demo data, relative to `now`.
pub fn load(tx: &Transaction<'_>, now: DateTime<Utc>) -> Result<Loaded, SandboxError> {
    db::wipe(tx)?;
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut loaded = Loaded::default();
    let add = |h: History<'_>, loaded: &mut Loaded| -> Result<(), SandboxError> {
        let created = h.ops.first().map(|o| o.start).unwrap_or(now - days(1));
        loaded.operations += h.store(tx, created)?;
        loaded.consumers += 1;
        Ok(())
    };

    // demo-alice: a full, calm life: two devices, Click to Pay, a lost phone (CCI suspend and resume).
    let mut h = History::new(&mut rng, "demo-alice");
    h.register(now - days(80), RequestorType::User);
    h.enroll(now - days(79), None);
    h.click_to_pay(now - days(60), RequestorType::User, None);
    h.enroll(now - days(45), Some(FAILURES[1]));
    h.enroll(now - days(44), None);
    h.suspend(now - days(20), RequestorType::Cci, "customer reported lost phone");
    h.resume(now - days(18), RequestorType::Cci, "customer found phone");
    h.delete_authn(now - days(10), RequestorType::User);
    h.click_to_pay(now - days(2), RequestorType::Issuer, None);
    add(h, &mut loaded)?;

    // demo-bob: suspended by the issuer right now; his own attempt to resume failed.
    let mut h = History::new(&mut rng, "demo-bob");
    h.register(now - days(70), RequestorType::Issuer);
    h.enroll(now - days(69), None);
    h.click_to_pay(now - days(30), RequestorType::User, Some(FAILURES[2]));
    h.click_to_pay(now - days(29), RequestorType::User, None);
    h.suspend(now - days(5), RequestorType::Issuer, "suspected fraud on card");
    h.push(now - days(4), OperationType::Resume, OperationStatus::Failed, RequestorType::User, None,
        Some(ReasonCode::UserDecision), None, Some(FAILURES[3]));
    add(h, &mut loaded)?;

    // demo-carol: deleted by the issuer 3 days ago; her account went with her.
    let mut h = History::new(&mut rng, "demo-carol");
    h.register(now - days(85), RequestorType::User);
    h.enroll(now - days(84), None);
    h.click_to_pay(now - days(50), RequestorType::User, None);
    h.delete(now - days(3), RequestorType::Issuer, "customer closed all accounts");
    add(h, &mut loaded)?;

    // demo-dave: a long random history (every requestor type), two accounts.
    let mut h = History::new(&mut rng, "demo-dave");
    h.random(40, now - days(88), now - Duration::hours(2), false);
    add(h, &mut loaded)?;

    // demo-erin: an authenticator that keeps failing to enrol, then succeeds.
    let mut h = History::new(&mut rng, "demo-erin");
    h.register(now - days(15), RequestorType::User);
    for (i, f) in FAILURES.iter().take(3).enumerate() {
        h.enroll(now - days(14) + Duration::minutes(10 * i as i64), Some(*f));
    }
    h.enroll(now - days(13), None);
    h.delete_authn(now - days(1), RequestorType::Issuer);
    // ... and a new device whose enrolment is PENDING when the data is loaded and ends SUCCESSFUL 30 s
    // later (on the first read after that), to show settlement without the control API.
    h.push(now - Duration::minutes(2), OperationType::EnrollAuthn, OperationStatus::Pending, RequestorType::User,
        None, None, History::app("app-erin-05"), None);
    if let Some(op) = h.ops.last_mut() {
        op.settle_at = Some(now + Duration::seconds(30));
        op.final_status = Some(OperationStatus::Successful);
    }
    add(h, &mut loaded)?;

    // demo-busy: 523 operations over the last 3 months, and 5 older ones that retention hides
    // (its REGISTER among them, as D1 would have removed it).
    let mut h = History::new(&mut rng, "demo-busy");
    let old = h.times(BUSY_EXPIRED_OPERATIONS, now - days(200), now - days(100));
    for (i, at) in old.into_iter().enumerate() {
        if i == 0 {
            h.register(at, RequestorType::User);
        } else {
            h.random_event(at);
        }
    }
    let recent = h.times(BUSY_OPERATIONS, now - days(88), now - Duration::minutes(5));
    for at in recent {
        h.random_event(at);
    }
    add(h, &mut loaded)?;

    // demo-empty: known, no operations at all.
    add(History::new(&mut rng, "demo-empty"), &mut loaded)?;

    // demo-pending: an authenticator enrolment that stays PENDING forever.
    let mut h = History::new(&mut rng, "demo-pending");
    h.register(now - days(30), RequestorType::User);
    h.enroll(now - days(20), None);
    h.push(now - Duration::hours(1), OperationType::EnrollAuthn, OperationStatus::Pending, RequestorType::User,
        None, None, History::app("app-pending-02"), None);
    add(h, &mut loaded)?;

    // demo-user-01 .. demo-user-16: random histories; 05 and 11 deleted.
    for i in 1..=16 {
        let name = format!("demo-user-{i:02}");
        let mut h = History::new(&mut rng, &name);
        let n = h.rng.random_range(3..30);
        let start = now - days(h.rng.random_range(20..88));
        h.random(n, start, now - Duration::hours(1), i == 5 || i == 11);
        add(h, &mut loaded)?;
    }

    // Deprecated accounts (seed 002). carol's was deleted with her.
    let accounts: &[(&str, &str, Option<&str>, &str)] = &[
        ("acc-alice-01", "demo-alice", Some("debit-classic"), "ACTIVE"),
        ("acc-bob-01", "demo-bob", Some("credit-gold"), "ACTIVE"),
        ("acc-bob-02", "demo-bob", None, "INACTIVE"),
        ("acc-carol-01", "demo-carol", Some("debit-classic"), "DELETED"),
        ("acc-dave-01", "demo-dave", Some("debit-classic"), "ACTIVE"),
        ("acc-dave-02", "demo-dave", Some("savings"), "INACTIVE"),
    ];
    for (account, consumer, product, state) in accounts {
        db::upsert_account(tx, DEMO_ISSUER, account, consumer, *product, state, now - days(40))?;
        loaded.accounts += 1;
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded_into_memory(now: DateTime<Utc>) -> (rusqlite::Connection, Loaded) {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::db::MIGRATIONS[0]).unwrap();
        let tx = conn.transaction().unwrap();
        let loaded = load(&tx, now).unwrap();
        tx.commit().unwrap();
        (conn, loaded)
    }

    fn ids(conn: &rusqlite::Connection) -> Vec<String> {
        let mut stmt = conn.prepare("SELECT operation_id FROM operations ORDER BY seq").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn is_deterministic_and_relative_to_now() {
        let now = Utc::now();
        let (a, la) = loaded_into_memory(now);
        let (b, lb) = loaded_into_memory(now - Duration::days(40));
        assert_eq!(la, lb);
        assert_eq!(ids(&a), ids(&b), "same seed, same ids whatever the day");
        assert!(la.consumers >= 20);
        let newest: i64 = a.query_row("SELECT MAX(start_ms) FROM operations", [], |r| r.get(0)).unwrap();
        assert!(newest <= now.timestamp_millis() && newest > (now - Duration::days(2)).timestamp_millis());
    }

    #[test]
    fn named_consumers_show_what_the_readme_says() {
        let now = Utc::now();
        let (conn, _) = loaded_into_memory(now);
        let count = |consumer: &str, extra: &str| -> i64 {
            conn.query_row(
                &format!("SELECT COUNT(*) FROM operations WHERE consumer_id = ?1 {extra}"),
                [consumer],
                |r| r.get(0),
            )
            .unwrap()
        };
        let cutoff = crate::banking::retention_cutoff(now).timestamp_millis();
        assert_eq!(count("demo-busy", &format!("AND start_ms >= {cutoff}")), BUSY_OPERATIONS as i64);
        assert_eq!(count("demo-busy", &format!("AND start_ms < {cutoff}")), BUSY_EXPIRED_OPERATIONS as i64);
        assert_eq!(count("demo-empty", ""), 0);
        assert_eq!(count("demo-pending", "AND status = 'PENDING' AND settle_ms IS NULL"), 1);
        let state = |consumer: &str| -> String {
            conn.query_row("SELECT state FROM consumers WHERE consumer_id = ?1", [consumer], |r| r.get(0)).unwrap()
        };
        for deleted in ["demo-carol", "demo-user-05", "demo-user-11"] {
            assert_eq!(state(deleted), "DELETED", "{deleted}");
            assert_eq!(count(deleted, "AND operation = 'DELETE'"), 1);
        }
        assert_eq!(state("demo-bob"), "INACTIVE");
        assert_eq!(state("demo-alice"), "ACTIVE");
        // Every consumer with operations starts with REGISTER (demo-busy's is among its expired ones).
        let first_not_register: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM operations o WHERE seq = (SELECT MIN(seq) FROM operations WHERE consumer_id = o.consumer_id)
                 AND operation <> 'REGISTER'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(first_not_register, 0);
    }
}

