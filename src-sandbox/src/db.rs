//! SQLite storage: schema, migrations and every query the handlers need.
//!
//! One connection behind a mutex, used from `spawn_blocking`: SQLite serializes writers anyway, a
//! `:memory:` database exists only on its one connection, and the sandbox's load is a test's load.
//! Times are stored as UTC milliseconds so that ordering and the 3-month cut are integer comparisons.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use console_api::d1::{
    ConsumerState, Operation, OperationDetails, OperationStatus, OperationType, ReasonCode, RequestorType,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::SandboxError;

/// Migrations in order; `PRAGMA user_version` holds how many ran. Append, never edit.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the D1 model.
    r#"
    CREATE TABLE issuer_keys (
        kid TEXT PRIMARY KEY,
        issuer_id TEXT NOT NULL,
        public_key_pem TEXT NOT NULL
    );
    CREATE TABLE access_tokens (
        token_sha256 TEXT PRIMARY KEY,
        issuer_id TEXT NOT NULL,
        expires_ms INTEGER NOT NULL
    );
    CREATE INDEX access_tokens_expiry ON access_tokens (expires_ms);
    CREATE TABLE consumers (
        issuer_id TEXT NOT NULL,
        consumer_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('ACTIVE', 'INACTIVE', 'DELETED')),
        created_ms INTEGER NOT NULL,
        PRIMARY KEY (issuer_id, consumer_id)
    );
    CREATE TABLE accounts (
        issuer_id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        consumer_id TEXT NOT NULL,
        account_product_id TEXT,
        state TEXT NOT NULL CHECK (state IN ('ACTIVE', 'INACTIVE', 'DELETED')),
        delete_operation_id TEXT,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (issuer_id, account_id),
        FOREIGN KEY (issuer_id, consumer_id) REFERENCES consumers (issuer_id, consumer_id)
    );
    CREATE TABLE operations (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        operation_id TEXT NOT NULL UNIQUE,
        issuer_id TEXT NOT NULL,
        consumer_id TEXT NOT NULL,
        operation TEXT NOT NULL,
        status TEXT NOT NULL,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER,
        requestor_type TEXT NOT NULL,
        requestor_id TEXT NOT NULL,
        reason TEXT,
        reason_code TEXT,
        old_state TEXT,
        new_state TEXT,
        app_instance_id TEXT,
        error_code TEXT,
        error TEXT,
        -- A PENDING operation with settle_ms ends then as final_*; without settle_ms it never ends.
        settle_ms INTEGER,
        final_status TEXT,
        final_error_code TEXT,
        final_error TEXT,
        FOREIGN KEY (issuer_id, consumer_id) REFERENCES consumers (issuer_id, consumer_id)
    );
    -- The list query: one consumer's operations, newest first.
    CREATE INDEX operations_by_consumer ON operations (issuer_id, consumer_id, start_ms DESC, seq DESC);
    CREATE INDEX operations_to_settle ON operations (settle_ms) WHERE status = 'PENDING';
    "#,
    // 2: the Apiture-style authorization server (users, codes, refresh families, revoked access tokens)
    // and the Consents API. Secrets (passwords, codes, refresh tokens) are stored hashed only.
    r#"
    CREATE TABLE users (
        user_id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        password_salt TEXT NOT NULL,
        password_sha256 TEXT NOT NULL
    );
    -- One sign-in (authorization code exchange) starts a family; its id is the access tokens' sid.
    CREATE TABLE token_families (
        family_id TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL,
        revoked_ms INTEGER
    );
    CREATE TABLE auth_codes (
        code_sha256 TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        code_challenge TEXT NOT NULL,
        user_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        expires_ms INTEGER NOT NULL,
        used_ms INTEGER,
        -- Set by the first exchange, so that a replay can revoke what it issued.
        family_id TEXT REFERENCES token_families (family_id)
    );
    CREATE TABLE refresh_tokens (
        token_sha256 TEXT PRIMARY KEY,
        family_id TEXT NOT NULL REFERENCES token_families (family_id),
        created_ms INTEGER NOT NULL,
        -- Set when rotated: presenting it again is a replay.
        used_ms INTEGER
    );
    CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);
    CREATE TABLE revoked_jtis (
        jti TEXT PRIMARY KEY,
        expires_ms INTEGER NOT NULL
    );
    CREATE TABLE consent_type_names (
        name TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        description TEXT NOT NULL
    );
    CREATE TABLE consents (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        type TEXT NOT NULL REFERENCES consent_type_names (name),
        document_uri TEXT NOT NULL,
        content_type TEXT NOT NULL,
        revision_id TEXT,
        revised_at TEXT NOT NULL,
        context_uri TEXT,
        secondary_context_uri TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'given', 'stale', 'rescinded', 'revoked')),
        given_at TEXT,
        request_revoked_at TEXT,
        request_rescinded_at TEXT,
        created_at TEXT NOT NULL,
        -- Keeps the demo's order stable when times tie.
        seq INTEGER NOT NULL UNIQUE
    );
    -- neededConsents, give (all matching type + document of a user), revisedDocuments (by document).
    CREATE INDEX consents_by_user ON consents (user_id, state, type, document_uri);
    CREATE INDEX consents_by_document ON consents (document_uri, state);
    "#,
    // 3: OpenID Connect: the authorize request's nonce, for the ID token its code's exchange issues.
    r#"
    ALTER TABLE auth_codes ADD COLUMN nonce TEXT;
    "#,
    // 4: every Consents operation: a version per consent (its ETag), when it became stale, localized labels
    // of the type names and the set's version (its ETag); and the indexes of the explorer's filters and
    // sorts, and of a revision (latest revisedAt of a document and type).
    r#"
    ALTER TABLE consents ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE consents ADD COLUMN stale_at TEXT;
    ALTER TABLE consent_type_names ADD COLUMN labels_json TEXT;
    CREATE TABLE consent_settings (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );
    INSERT INTO consent_settings (name, value) VALUES ('typeNamesVersion', 1);
    CREATE INDEX consents_by_state ON consents (state, seq);
    CREATE INDEX consents_by_type ON consents (type, seq);
    CREATE INDEX consents_by_context ON consents (context_uri, seq);
    CREATE INDEX consents_by_secondary_context ON consents (secondary_context_uri);
    CREATE INDEX consents_by_given_at ON consents (given_at, seq);
    CREATE INDEX consents_by_revised_at ON consents (revised_at, seq);
    CREATE INDEX consents_by_document_revision ON consents (document_uri, type, revised_at);
    "#,
    // 5: (document_uri, type, revised_at) serves every lookup by document (revise, move, the vault), so
    // (document_uri, state) only made each revision rewrite one more index.
    r#"
    DROP INDEX consents_by_document;
    "#,
    // 6: MasStack MasCustomers v4 (crate::mas): its customers and their tokenized cards, accounts (a deleted
    // one keeps its row, gone from every answer), the billing address history (the newest row is the
    // account's address), promotions (statuses are computed for the day asked, never stored) and their
    // history. Payment methods and addresses are the wire's JSON.
    r#"
    CREATE TABLE mas_customers (
        org_id TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        PRIMARY KEY (org_id, customer_id)
    );
    CREATE TABLE mas_cards (
        token_id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        brand TEXT NOT NULL,
        last_four TEXT NOT NULL,
        expiry TEXT NOT NULL,
        -- A card still being tokenized is not offered until then.
        ready_ms INTEGER NOT NULL,
        FOREIGN KEY (org_id, customer_id) REFERENCES mas_customers (org_id, customer_id)
    );
    CREATE INDEX mas_cards_by_customer ON mas_cards (org_id, customer_id);
    CREATE TABLE mas_accounts (
        account_id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        modality TEXT NOT NULL CHECK (modality IN ('RECURRING_PREPAID', 'POSTPAID')),
        created_ms INTEGER NOT NULL,
        payment_json TEXT NOT NULL,
        pending_payment_json TEXT,
        pending_ready_ms INTEGER,
        deleted_ms INTEGER,
        FOREIGN KEY (org_id, customer_id) REFERENCES mas_customers (org_id, customer_id)
    );
    CREATE INDEX mas_accounts_by_customer ON mas_accounts (org_id, customer_id, created_ms);
    CREATE TABLE mas_billing_addresses (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        account_id TEXT NOT NULL REFERENCES mas_accounts (account_id),
        create_ms INTEGER NOT NULL,
        address_json TEXT NOT NULL
    );
    CREATE INDEX mas_billing_addresses_by_account ON mas_billing_addresses (account_id, create_ms, seq);
    CREATE TABLE mas_promotions (
        account_promotion_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES mas_accounts (account_id),
        promotion_id TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        start_date TEXT NOT NULL,
        end_date TEXT,
        cancellation_date TEXT,
        seq INTEGER NOT NULL
    );
    CREATE INDEX mas_promotions_by_account ON mas_promotions (account_id, start_date, seq);
    CREATE TABLE mas_promotion_history (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        history_id TEXT NOT NULL UNIQUE,
        account_promotion_id TEXT NOT NULL REFERENCES mas_promotions (account_promotion_id),
        account_id TEXT NOT NULL REFERENCES mas_accounts (account_id),
        action TEXT NOT NULL,
        action_ms INTEGER NOT NULL,
        cancellation_date TEXT,
        previous_cancellation_date TEXT
    );
    CREATE INDEX mas_promotion_history_by_account ON mas_promotion_history (account_id, action_ms, seq);
    "#,
    // 7: a revision rewrites the state, revision and revisedAt of every consent of a document: an index
    // holding one of those moves each of its entries. `state` leaves the user index (a user's consents
    // are a few dozen: neededConsents filters them by state after the seek), and revisedAt the document
    // index (a revision scans its document's consents anyway, and updating a column of the index that
    // finds the rows made SQLite collect every rowid before changing one). Measured at 100,000 stale:
    // the UPDATE about 700 ms faster.
    r#"
    DROP INDEX consents_by_user;
    CREATE INDEX consents_by_user ON consents (user_id, type, document_uri);
    DROP INDEX consents_by_document_revision;
    CREATE INDEX consents_by_document ON consents (document_uri, type);
    "#,
    // 8: the term index of `q`, `search()` and `contains()` (see `consents::terms`): every distinct value
    // of the six searchable columns once, with an FTS5 trigram index over them; a search finds the values
    // there, then the consents by the columns' own indexes. Consents reach it through
    // `consent_terms_pending` (a row's `seq`, by trigger: one small insert per inserted consent, so bulk
    // loads stay fast), drained into the index by the next search in one statement. The UPDATEs that
    // change a searchable column add the new value themselves (`terms::add`): a trigger there would
    // fire once per row of a 100,000-consent revision. Values whose consents are gone stay: a value
    // without consents matches none.
    r#"
    CREATE TABLE consent_terms (
        id INTEGER PRIMARY KEY,
        field TEXT NOT NULL,
        value TEXT NOT NULL,
        UNIQUE (field, value)
    );
    CREATE VIRTUAL TABLE consent_terms_text USING fts5 (value, content = '', tokenize = 'trigram');
    CREATE TABLE consent_terms_pending (seq INTEGER PRIMARY KEY);
    CREATE TRIGGER consents_pending_terms AFTER INSERT ON consents BEGIN
        INSERT OR IGNORE INTO consent_terms_pending (seq) VALUES (NEW.seq);
    END;
    INSERT INTO consent_terms_pending (seq) SELECT seq FROM consents;
    "#,
    // 9: the state's CHECK as ORed equalities instead of `state IN (...)`: SQLite evaluated the IN list's
    // form at a cost of some 2 µs a row, a quarter of a revision that stales 100,000 consents (and of
    // every bulk insert). A CHECK cannot be altered: the table is rebuilt with the same columns, in the
    // same order, and its indexes and trigger made again.
    r#"
    CREATE TABLE consents_rebuilt (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        type TEXT NOT NULL REFERENCES consent_type_names (name),
        document_uri TEXT NOT NULL,
        content_type TEXT NOT NULL,
        revision_id TEXT,
        revised_at TEXT NOT NULL,
        context_uri TEXT,
        secondary_context_uri TEXT,
        state TEXT NOT NULL
            CHECK (state = 'pending' OR state = 'given' OR state = 'stale' OR state = 'rescinded' OR state = 'revoked'),
        given_at TEXT,
        request_revoked_at TEXT,
        request_rescinded_at TEXT,
        created_at TEXT NOT NULL,
        seq INTEGER NOT NULL UNIQUE,
        version INTEGER NOT NULL DEFAULT 1,
        stale_at TEXT
    );
    INSERT INTO consents_rebuilt (id, user_id, type, document_uri, content_type, revision_id, revised_at, context_uri,
        secondary_context_uri, state, given_at, request_revoked_at, request_rescinded_at, created_at, seq, version, stale_at)
    SELECT id, user_id, type, document_uri, content_type, revision_id, revised_at, context_uri,
        secondary_context_uri, state, given_at, request_revoked_at, request_rescinded_at, created_at, seq, version, stale_at
    FROM consents;
    DROP TABLE consents;
    ALTER TABLE consents_rebuilt RENAME TO consents;
    CREATE INDEX consents_by_user ON consents (user_id, type, document_uri);
    CREATE INDEX consents_by_document ON consents (document_uri, type);
    CREATE INDEX consents_by_state ON consents (state, seq);
    CREATE INDEX consents_by_type ON consents (type, seq);
    CREATE INDEX consents_by_context ON consents (context_uri, seq);
    CREATE INDEX consents_by_secondary_context ON consents (secondary_context_uri);
    CREATE INDEX consents_by_given_at ON consents (given_at, seq);
    CREATE INDEX consents_by_revised_at ON consents (revised_at, seq);
    CREATE TRIGGER consents_pending_terms AFTER INSERT ON consents BEGIN
        INSERT OR IGNORE INTO consent_terms_pending (seq) VALUES (NEW.seq);
    END;
    "#,
    // 10: a card token is known per customer (`crate::mas::rules::payment_change`): one customer's token
    // offered for another is a card to tokenize for them, as an unknown token is, so no answer tells
    // whether a token exists elsewhere. The key was the token alone: the table is rebuilt with the key
    // (org_id, customer_id, token_id), which also serves the lookups by customer.
    r#"
    CREATE TABLE mas_cards_rebuilt (
        token_id TEXT NOT NULL,
        org_id TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        brand TEXT NOT NULL,
        last_four TEXT NOT NULL,
        expiry TEXT NOT NULL,
        -- A card still being tokenized is not offered until then.
        ready_ms INTEGER NOT NULL,
        PRIMARY KEY (org_id, customer_id, token_id),
        FOREIGN KEY (org_id, customer_id) REFERENCES mas_customers (org_id, customer_id)
    );
    INSERT INTO mas_cards_rebuilt (token_id, org_id, customer_id, brand, last_four, expiry, ready_ms)
    SELECT token_id, org_id, customer_id, brand, last_four, expiry, ready_ms FROM mas_cards;
    DROP TABLE mas_cards;
    ALTER TABLE mas_cards_rebuilt RENAME TO mas_cards;
    "#,
    // 11: the state index also holds type and givenAt, after (state, seq) so that a state's consents stay
    // in creation order: counts of state and type (`type=...&state=...`, `ne(state)` with a type) and a
    // state's page sorted by givenAt read the index alone instead of fetching thousands of consents. It
    // replaces the index rather than adding one: a revision moves every entry of each index holding
    // state (about 200 ms per index at 100,000 stale); the wider entries cost it some 30 ms.
    r#"
    DROP INDEX consents_by_state;
    CREATE INDEX consents_by_state ON consents (state, seq, type, given_at);
    "#,
    // 12: one current revision per document (`consents::current`), set only by revisedDocuments and the
    // demo data. It was the latest revisedAt among the document's consents, so a customer's own consent
    // dated 2099 made its made-up revision the one served to everyone. Existing databases start from the
    // latest revision of each document among its consents not rescinded and not dated after the migration
    // (a made-up future date is the poisoning this table ends; a past one is superseded by the bank's next
    // revision), and the consents that may be given then carry it, as `consents::current::follow` keeps them.
    r#"
    CREATE TABLE document_revisions (
        document_uri TEXT PRIMARY KEY,
        revision_id TEXT NOT NULL,
        revised_at TEXT NOT NULL,
        content_type TEXT NOT NULL
    );
    INSERT INTO document_revisions (document_uri, revision_id, revised_at, content_type)
    SELECT document_uri, COALESCE(revision_id, revised_at), revised_at, content_type FROM (
        SELECT document_uri, revision_id, revised_at, content_type,
            ROW_NUMBER() OVER (PARTITION BY document_uri ORDER BY revised_at DESC, seq DESC) AS n
        FROM consents WHERE state <> 'rescinded' AND revised_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    ) WHERE n = 1;
    UPDATE consents SET (revision_id, revised_at, content_type) =
        (SELECT d.revision_id, d.revised_at, d.content_type FROM document_revisions d WHERE d.document_uri = consents.document_uri),
        version = version + 1
    WHERE state IN ('pending', 'stale', 'revoked') AND EXISTS (
        SELECT 1 FROM document_revisions d WHERE d.document_uri = consents.document_uri
            AND (d.revision_id IS NOT consents.revision_id OR d.revised_at <> consents.revised_at));
    "#,
];

/// The shared connection.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens (creating if needed) the database at `path` (`:memory:` allowed) and migrates it.
    pub fn open(path: &str) -> Result<Db, SandboxError> {
        let mut conn = Connection::open(path)?;
        // WAL: readers never block the writer; FULL: a committed transaction is on disk before we answer.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")?;
        migrate(&mut conn)?;
        Ok(Db { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` in one transaction on a blocking thread; it commits only if `f` succeeds.
    pub async fn tx<T, F>(&self, f: F) -> Result<T, SandboxError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, SandboxError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock poisons it; the connection itself is still sound.
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            let tx = guard.transaction()?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })
        .await
        .map_err(|e| SandboxError::Internal(format!("database task failed: {e}")))?
    }
}

fn migrate(conn: &mut Connection) -> Result<(), SandboxError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let done = usize::try_from(version).unwrap_or(0);
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

pub fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// ISO 8601 `YYYY-MM-DDThh:mm:ssZ`, the seed's `YYYY-MM-DDThh:mm:ssTZD`.
pub fn iso(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An operation to store.
#[derive(Clone, Debug)]
pub struct NewOperation {
    pub operation_id: String,
    pub issuer_id: String,
    pub consumer_id: String,
    pub operation: OperationType,
    pub status: OperationStatus,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub requestor_type: RequestorType,
    pub requestor_id: String,
    pub reason: Option<String>,
    pub reason_code: Option<ReasonCode>,
    pub details: Option<OperationDetails>,
    pub error_code: Option<String>,
    pub error: Option<String>,
    /// For PENDING: when it settles (None = never) and how.
    pub settle_at: Option<DateTime<Utc>>,
    pub final_status: Option<OperationStatus>,
    pub final_error_code: Option<String>,
    pub final_error: Option<String>,
}

pub fn insert_operation(tx: &Transaction<'_>, op: &NewOperation) -> Result<(), SandboxError> {
    let details = op.details.clone().unwrap_or_default();
    tx.execute(
        "INSERT INTO operations (operation_id, issuer_id, consumer_id, operation, status, start_ms, end_ms,
            requestor_type, requestor_id, reason, reason_code, old_state, new_state, app_instance_id,
            error_code, error, settle_ms, final_status, final_error_code, final_error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
        params![
            op.operation_id,
            op.issuer_id,
            op.consumer_id,
            op.operation.as_str(),
            op.status.as_str(),
            to_ms(op.start),
            op.end.map(to_ms),
            op.requestor_type.as_str(),
            op.requestor_id,
            op.reason,
            op.reason_code.as_ref().map(|c| c.as_str().to_string()),
            details.old_state.as_ref().map(|s| s.as_str().to_string()),
            details.new_state.as_ref().map(|s| s.as_str().to_string()),
            details.app_instance_id,
            op.error_code,
            op.error,
            op.settle_at.map(to_ms),
            op.final_status.as_ref().map(|s| s.as_str().to_string()),
            op.final_error_code,
            op.final_error,
        ],
    )?;
    Ok(())
}

/// Ends every PENDING operation whose settle time has come, as it was told to end, and applies what the
/// successful ones did to their consumers (see [`apply_success`]). Run at the start of every transaction
/// that reads or changes a consumer, so that what is served and what is decided is settled.
pub fn settle_due(tx: &Transaction<'_>, now: DateTime<Utc>) -> Result<usize, SandboxError> {
    let due = {
        let mut stmt = tx.prepare(
            "SELECT issuer_id, consumer_id, operation_id, operation, settle_ms FROM operations
             WHERE status = 'PENDING' AND settle_ms IS NOT NULL AND settle_ms <= ?1
               AND COALESCE(final_status, 'SUCCESSFUL') = 'SUCCESSFUL'
             ORDER BY settle_ms, seq",
        )?;
        let rows = stmt.query_map(params![to_ms(now)], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, i64>(4)?))
        })?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    let settled = tx.execute(
        "UPDATE operations SET status = COALESCE(final_status, 'SUCCESSFUL'), end_ms = settle_ms,
            error_code = final_error_code, error = final_error, settle_ms = NULL
         WHERE status = 'PENDING' AND settle_ms IS NOT NULL AND settle_ms <= ?1",
        params![to_ms(now)],
    )?;
    for (issuer_id, consumer_id, operation_id, operation, settle_ms) in due {
        let at = DateTime::<Utc>::from_timestamp_millis(settle_ms).unwrap_or(now);
        apply_success(tx, &issuer_id, &consumer_id, &OperationType::from_wire(&operation), &operation_id, at)?;
    }
    Ok(settled)
}

/// The consumer state a SUCCESSFUL operation of this type leads to, when it changes it.
pub fn state_after(operation: &OperationType) -> Option<ConsumerState> {
    match operation {
        OperationType::Suspend => Some(ConsumerState::Inactive),
        OperationType::Resume | OperationType::Register => Some(ConsumerState::Active),
        OperationType::Delete => Some(ConsumerState::Deleted),
        _ => None,
    }
}

/// Applies what a SUCCESSFUL operation did to its consumer: the new state and, for a DELETE, the cascade
/// to its accounts. A deleted consumer stays deleted, whatever settles after. Returns how many accounts
/// the cascade deleted.
pub fn apply_success(
    tx: &Transaction<'_>,
    issuer_id: &str,
    consumer_id: &str,
    operation: &OperationType,
    operation_id: &str,
    at: DateTime<Utc>,
) -> Result<usize, SandboxError> {
    let Some(target) = state_after(operation) else { return Ok(0) };
    if consumer_state(tx, issuer_id, consumer_id)? == Some(ConsumerState::Deleted) {
        return Ok(0);
    }
    tx.execute(
        "UPDATE consumers SET state = ?3 WHERE issuer_id = ?1 AND consumer_id = ?2",
        params![issuer_id, consumer_id, target.as_str()],
    )?;
    if target != ConsumerState::Deleted {
        return Ok(0);
    }
    Ok(tx.execute(
        "UPDATE accounts SET state = 'DELETED', delete_operation_id = ?3, updated_ms = ?4
         WHERE issuer_id = ?1 AND consumer_id = ?2 AND state <> 'DELETED'",
        params![issuer_id, consumer_id, operation_id, to_ms(at)],
    )?)
}

const OP_COLUMNS: &str = "operation_id, operation, status, start_ms, end_ms, requestor_type, requestor_id,
    reason, reason_code, old_state, new_state, app_instance_id, error_code, error";

fn row_to_operation(r: &rusqlite::Row<'_>) -> rusqlite::Result<Operation> {
    let old_state: Option<String> = r.get(9)?;
    let new_state: Option<String> = r.get(10)?;
    let app_instance_id: Option<String> = r.get(11)?;
    let details = OperationDetails {
        old_state: old_state.as_deref().map(ConsumerState::from_wire),
        new_state: new_state.as_deref().map(ConsumerState::from_wire),
        app_instance_id,
    };
    Ok(Operation {
        operation_id: r.get(0)?,
        operation: OperationType::from_wire(&r.get::<_, String>(1)?),
        status: OperationStatus::from_wire(&r.get::<_, String>(2)?),
        start_time: iso(r.get(3)?),
        end_time: r.get::<_, Option<i64>>(4)?.map(iso),
        requestor_type: RequestorType::from_wire(&r.get::<_, String>(5)?),
        requestor_id: r.get(6)?,
        reason: r.get(7)?,
        reason_code: r.get::<_, Option<String>>(8)?.as_deref().map(ReasonCode::from_wire),
        details: if details.is_empty() { None } else { Some(details) },
        error_code: r.get(12)?,
        error: r.get(13)?,
    })
}

/// One page of a consumer's operations newest first (tie-break: latest stored first), and how many
/// come after it. Operations that started before `cutoff` are not there (the 3-month retention).
pub fn list_operations(
    tx: &Transaction<'_>,
    issuer_id: &str,
    consumer_id: &str,
    cutoff: DateTime<Utc>,
    offset: u64,
    limit: u32,
) -> Result<(Vec<Operation>, u64), SandboxError> {
    let total: i64 = tx.query_row(
        "SELECT COUNT(*) FROM operations WHERE issuer_id = ?1 AND consumer_id = ?2 AND start_ms >= ?3",
        params![issuer_id, consumer_id, to_ms(cutoff)],
        |r| r.get(0),
    )?;
    let mut stmt = tx.prepare(&format!(
        "SELECT {OP_COLUMNS} FROM operations WHERE issuer_id = ?1 AND consumer_id = ?2 AND start_ms >= ?3
         ORDER BY start_ms DESC, seq DESC LIMIT ?4 OFFSET ?5"
    ))?;
    let offset_sql = i64::try_from(offset).unwrap_or(i64::MAX);
    let ops = stmt
        .query_map(params![issuer_id, consumer_id, to_ms(cutoff), limit, offset_sql], row_to_operation)?
        .collect::<Result<Vec<_>, _>>()?;
    let remaining = (total.max(0) as u64).saturating_sub(offset).saturating_sub(ops.len() as u64);
    Ok((ops, remaining))
}

pub fn get_operation(
    tx: &Transaction<'_>,
    issuer_id: &str,
    consumer_id: &str,
    operation_id: &str,
    cutoff: DateTime<Utc>,
) -> Result<Option<Operation>, SandboxError> {
    Ok(tx
        .query_row(
            &format!(
                "SELECT {OP_COLUMNS} FROM operations
                 WHERE issuer_id = ?1 AND consumer_id = ?2 AND operation_id = ?3 AND start_ms >= ?4"
            ),
            params![issuer_id, consumer_id, operation_id, to_ms(cutoff)],
            row_to_operation,
        )
        .optional()?)
}

/// The consumer's state, or None if unknown.
pub fn consumer_state(
    tx: &Transaction<'_>,
    issuer_id: &str,
    consumer_id: &str,
) -> Result<Option<ConsumerState>, SandboxError> {
    Ok(tx
        .query_row(
            "SELECT state FROM consumers WHERE issuer_id = ?1 AND consumer_id = ?2",
            params![issuer_id, consumer_id],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .map(|s| ConsumerState::from_wire(&s)))
}

pub fn insert_consumer(
    tx: &Transaction<'_>,
    issuer_id: &str,
    consumer_id: &str,
    state: &ConsumerState,
    created: DateTime<Utc>,
) -> Result<(), SandboxError> {
    tx.execute(
        "INSERT INTO consumers (issuer_id, consumer_id, state, created_ms) VALUES (?1, ?2, ?3, ?4)",
        params![issuer_id, consumer_id, state.as_str(), to_ms(created)],
    )?;
    Ok(())
}

/// A deprecated account as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRow {
    pub consumer_id: String,
    pub account_product_id: Option<String>,
    pub state: String,
}

pub fn get_account(
    tx: &Transaction<'_>,
    issuer_id: &str,
    account_id: &str,
) -> Result<Option<AccountRow>, SandboxError> {
    Ok(tx
        .query_row(
            "SELECT consumer_id, account_product_id, state FROM accounts WHERE issuer_id = ?1 AND account_id = ?2",
            params![issuer_id, account_id],
            |r| Ok(AccountRow { consumer_id: r.get(0)?, account_product_id: r.get(1)?, state: r.get(2)? }),
        )
        .optional()?)
}

#[allow(clippy::too_many_arguments)]
pub fn upsert_account(
    tx: &Transaction<'_>,
    issuer_id: &str,
    account_id: &str,
    consumer_id: &str,
    account_product_id: Option<&str>,
    state: &str,
    now: DateTime<Utc>,
) -> Result<(), SandboxError> {
    tx.execute(
        "INSERT INTO accounts (issuer_id, account_id, consumer_id, account_product_id, state, updated_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (issuer_id, account_id) DO UPDATE SET consumer_id = excluded.consumer_id,
            account_product_id = excluded.account_product_id, state = excluded.state, updated_ms = excluded.updated_ms",
        params![issuer_id, account_id, consumer_id, account_product_id, state, to_ms(now)],
    )?;
    Ok(())
}

pub fn delete_account(
    tx: &Transaction<'_>,
    issuer_id: &str,
    account_id: &str,
    operation_id: &str,
    now: DateTime<Utc>,
) -> Result<(), SandboxError> {
    tx.execute(
        "UPDATE accounts SET state = 'DELETED', delete_operation_id = ?3, updated_ms = ?4
         WHERE issuer_id = ?1 AND account_id = ?2",
        params![issuer_id, account_id, operation_id, to_ms(now)],
    )?;
    Ok(())
}

/// Registers (or replaces) an issuer's public key under `kid`.
pub fn upsert_issuer_key(tx: &Transaction<'_>, kid: &str, issuer_id: &str, pem: &str) -> Result<(), SandboxError> {
    tx.execute(
        "INSERT INTO issuer_keys (kid, issuer_id, public_key_pem) VALUES (?1, ?2, ?3)
         ON CONFLICT (kid) DO UPDATE SET issuer_id = excluded.issuer_id, public_key_pem = excluded.public_key_pem",
        params![kid, issuer_id, pem],
    )?;
    Ok(())
}

/// `(issuerId, public key PEM)` registered under `kid`.
pub fn issuer_key(tx: &Transaction<'_>, kid: &str) -> Result<Option<(String, String)>, SandboxError> {
    Ok(tx
        .query_row("SELECT issuer_id, public_key_pem FROM issuer_keys WHERE kid = ?1", params![kid], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

pub fn insert_token(
    tx: &Transaction<'_>,
    token_sha256: &str,
    issuer_id: &str,
    expires: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), SandboxError> {
    // Expired tokens are useless; dropping them here keeps the table small without a ticker.
    tx.execute("DELETE FROM access_tokens WHERE expires_ms <= ?1", params![to_ms(now)])?;
    tx.execute(
        "INSERT INTO access_tokens (token_sha256, issuer_id, expires_ms) VALUES (?1, ?2, ?3)",
        params![token_sha256, issuer_id, to_ms(expires)],
    )?;
    Ok(())
}

/// `(issuerId, expiry)` of a stored token.
pub fn token(tx: &Transaction<'_>, token_sha256: &str) -> Result<Option<(String, i64)>, SandboxError> {
    Ok(tx
        .query_row(
            "SELECT issuer_id, expires_ms FROM access_tokens WHERE token_sha256 = ?1",
            params![token_sha256],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Removes every consumer, account and operation (tokens and keys stay).
pub fn wipe(tx: &Transaction<'_>) -> Result<(), SandboxError> {
    tx.execute_batch("DELETE FROM operations; DELETE FROM accounts; DELETE FROM consumers;")?;
    Ok(())
}

pub fn consent_count(tx: &Transaction<'_>) -> Result<i64, SandboxError> {
    Ok(tx.query_row("SELECT COUNT(*) FROM consents", [], |r| r.get(0))?)
}

pub fn consumer_count(tx: &Transaction<'_>) -> Result<i64, SandboxError> {
    Ok(tx.query_row("SELECT COUNT(*) FROM consumers", [], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_and_set_wal_synchronous_full_and_foreign_keys() {
        let dir = std::env::temp_dir().join(format!("console-sandbox-db-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        let path = path.to_str().unwrap();
        drop(Db::open(path).unwrap());
        let db = Db::open(path).unwrap(); // a second open must not re-run migration 1
        let conn = db.conn.lock().unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
        // In WAL mode, NORMAL (1) may lose the last commits on a power cut: only FULL (2) or EXTRA (3)
        // sync the WAL at each commit, before the handler answers. It is a setting of the connection, so
        // it is read on the sandbox's own.
        let synchronous: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert!(synchronous >= 2, "PRAGMA synchronous is {synchronous}: a commit would not reach the disk");
        // An operation of an unknown consumer is refused by the foreign key.
        let err = conn.execute(
            "INSERT INTO operations (operation_id, issuer_id, consumer_id, operation, status, start_ms,
                requestor_type, requestor_id) VALUES ('x', 'DEMOISSUER', 'ghost', 'REGISTER', 'SUCCESSFUL', 0, 'USER', 'ghost')",
            [],
        );
        assert!(err.is_err());
        drop(conn);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn times_are_iso_8601_utc() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
    }
}

impl Db {
    /// [`Db::tx`] for a write that rewrites a large share of the database (a revision making 100,000
    /// consents stale logs some 40 MB of pages). The commit is as durable: the write-ahead log is synced
    /// before it returns (`synchronous = FULL`). Copying the log back into the database file, which
    /// SQLite's automatic checkpoint would do inside this commit (measured: a third of such a revision),
    /// is left to a blocking task started after it, which takes the connection like the next request.
    pub async fn tx_checkpoint_after<T, F>(&self, f: F) -> Result<T, SandboxError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, SandboxError> + Send + 'static,
    {
        let conn = self.conn.clone();
        let value = tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            let pages: i64 = guard.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))?;
            guard.pragma_update(None, "wal_autocheckpoint", 0)?;
            let value: Result<T, SandboxError> = (|| {
                let tx = guard.transaction()?;
                let value = f(&tx)?;
                tx.commit()?;
                Ok(value)
            })();
            guard.pragma_update(None, "wal_autocheckpoint", pages)?;
            value
        })
        .await
        .map_err(|e| SandboxError::Internal(format!("database task failed: {e}")))??;
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            // PASSIVE: copies what no reader needs; a busy log is copied by a later checkpoint.
            if let Err(e) = guard.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::warn!(error = %e, "checkpoint after a large write failed; SQLite's automatic one will retry");
            }
        });
        Ok(value)
    }
}
