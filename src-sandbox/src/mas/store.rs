//! MasCustomers' rows in SQLite (migration 6 of [`crate::db`]) and every query its handlers need; each
//! takes the handler's transaction first.

use chrono::NaiveDate;
use console_api::mas::promotion::Period;
use console_api::mas::{
    AccountPromotion, AccountPromotionHistory, BillingAddress, BillingAddressHistoryEntry, Modality, PaymentMethod,
    PromotionAction, TokenizedCard,
};
use rusqlite::{params, OptionalExtension, Row, Transaction};

use crate::db::iso;
use crate::error::SandboxError;

/// An account as stored (never a deleted one: the queries below leave those out).
#[derive(Clone, Debug, PartialEq)]
pub struct AccountRow {
    pub account_id: String,
    pub org_id: String,
    pub customer_id: String,
    pub modality: Modality,
    pub created_ms: i64,
    pub payment: PaymentMethod,
    /// A card being tokenized and when it becomes the payment method.
    pub pending: Option<(PaymentMethod, i64)>,
}

/// A tokenized card of a customer.
#[derive(Clone, Debug, PartialEq)]
pub struct CardRow {
    pub org_id: String,
    pub customer_id: String,
    pub card: TokenizedCard,
    /// When tokenization is done (a card is offered from then on).
    pub ready_ms: i64,
}

/// A promotion of an account as stored: its status is computed by [`PromotionRow::to_wire`].
#[derive(Clone, Debug, PartialEq)]
pub struct PromotionRow {
    pub account_promotion_id: String,
    pub promotion_id: String,
    pub name: String,
    pub description: Option<String>,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub cancellation: Option<NaiveDate>,
}

impl PromotionRow {
    pub fn period(&self) -> Period {
        Period { start: self.start, end: self.end, cancellation: self.cancellation }
    }

    /// The wire form, with its status on `today`.
    pub fn to_wire(&self, today: NaiveDate) -> AccountPromotion {
        AccountPromotion {
            account_promotion_id: self.account_promotion_id.clone(),
            promotion_id: self.promotion_id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            start_date: self.start.to_string(),
            end_date: self.end.map(|d| d.to_string()),
            cancellation_date: self.cancellation.map(|d| d.to_string()),
            status: self.period().status_on(today),
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, SandboxError> {
    serde_json::to_string(value).map_err(|e| SandboxError::Internal(format!("serializing a row: {e}")))
}

/// A JSON column read back; a row the sandbox wrote itself, so a failure is the sandbox's (500).
fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

fn date_column(text: Option<String>) -> rusqlite::Result<Option<NaiveDate>> {
    text.map(|t| {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
    })
    .transpose()
}

pub fn insert_customer(tx: &Transaction<'_>, org_id: &str, customer_id: &str) -> Result<(), SandboxError> {
    tx.execute("INSERT OR IGNORE INTO mas_customers (org_id, customer_id) VALUES (?1, ?2)", params![org_id, customer_id])?;
    Ok(())
}

pub fn customer_exists(tx: &Transaction<'_>, org_id: &str, customer_id: &str) -> Result<bool, SandboxError> {
    Ok(tx
        .query_row(
            "SELECT 1 FROM mas_customers WHERE org_id = ?1 AND customer_id = ?2",
            params![org_id, customer_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

pub fn insert_card(tx: &Transaction<'_>, row: &CardRow) -> Result<(), SandboxError> {
    tx.execute(
        "INSERT INTO mas_cards (token_id, org_id, customer_id, brand, last_four, expiry, ready_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            row.card.token_id,
            row.org_id,
            row.customer_id,
            row.card.brand,
            row.card.last_four,
            row.card.expiry,
            row.ready_ms
        ],
    )?;
    Ok(())
}

fn card_of(r: &Row<'_>) -> rusqlite::Result<CardRow> {
    Ok(CardRow {
        card: TokenizedCard { token_id: r.get(0)?, brand: r.get(3)?, last_four: r.get(4)?, expiry: r.get(5)? },
        org_id: r.get(1)?,
        customer_id: r.get(2)?,
        ready_ms: r.get(6)?,
    })
}

const CARD_COLUMNS: &str = "token_id, org_id, customer_id, brand, last_four, expiry, ready_ms";

/// The customer's card of `token_id` (lower case), if they have one: another customer's, in this
/// organization or another, is none of theirs.
pub fn card(tx: &Transaction<'_>, org_id: &str, customer_id: &str, token_id: &str) -> Result<Option<CardRow>, SandboxError> {
    Ok(tx
        .query_row(
            &format!("SELECT {CARD_COLUMNS} FROM mas_cards WHERE org_id = ?1 AND customer_id = ?2 AND token_id = ?3"),
            params![org_id, customer_id, token_id],
            card_of,
        )
        .optional()?)
}

/// A customer's cards whose tokenization is done by `now_ms`, oldest first.
pub fn ready_cards(tx: &Transaction<'_>, org_id: &str, customer_id: &str, now_ms: i64) -> Result<Vec<TokenizedCard>, SandboxError> {
    let mut stmt = tx.prepare(&format!(
        "SELECT {CARD_COLUMNS} FROM mas_cards WHERE org_id = ?1 AND customer_id = ?2 AND ready_ms <= ?3
         ORDER BY ready_ms, token_id"
    ))?;
    let cards = stmt.query_map(params![org_id, customer_id, now_ms], card_of)?;
    Ok(cards.map(|c| c.map(|c| c.card)).collect::<Result<_, _>>()?)
}

pub fn insert_account(tx: &Transaction<'_>, row: &AccountRow) -> Result<(), SandboxError> {
    tx.execute(
        "INSERT INTO mas_accounts (account_id, org_id, customer_id, modality, created_ms, payment_json,
            pending_payment_json, pending_ready_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            row.account_id,
            row.org_id,
            row.customer_id,
            row.modality.as_str(),
            row.created_ms,
            json(&row.payment)?,
            row.pending.as_ref().map(|(p, _)| json(p)).transpose()?,
            row.pending.as_ref().map(|(_, ms)| *ms),
        ],
    )?;
    Ok(())
}

const ACCOUNT_COLUMNS: &str =
    "account_id, org_id, customer_id, modality, created_ms, payment_json, pending_payment_json, pending_ready_ms";

fn account_of(r: &Row<'_>) -> rusqlite::Result<AccountRow> {
    let pending_json: Option<String> = r.get(6)?;
    let pending_ready: Option<i64> = r.get(7)?;
    let pending = match (pending_json, pending_ready) {
        (Some(p), Some(ms)) => Some((from_json(&p)?, ms)),
        _ => None,
    };
    Ok(AccountRow {
        account_id: r.get(0)?,
        org_id: r.get(1)?,
        customer_id: r.get(2)?,
        modality: Modality::from_wire(&r.get::<_, String>(3)?),
        created_ms: r.get(4)?,
        payment: from_json(&r.get::<_, String>(5)?)?,
        pending,
    })
}

/// An open account of the organization.
pub fn account(tx: &Transaction<'_>, org_id: &str, account_id: &str) -> Result<Option<AccountRow>, SandboxError> {
    Ok(tx
        .query_row(
            &format!("SELECT {ACCOUNT_COLUMNS} FROM mas_accounts WHERE org_id = ?1 AND account_id = ?2 AND deleted_ms IS NULL"),
            params![org_id, account_id],
            account_of,
        )
        .optional()?)
}

/// A customer's open accounts, oldest first.
pub fn open_accounts(tx: &Transaction<'_>, org_id: &str, customer_id: &str) -> Result<Vec<AccountRow>, SandboxError> {
    let mut stmt = tx.prepare(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM mas_accounts WHERE org_id = ?1 AND customer_id = ?2 AND deleted_ms IS NULL
         ORDER BY created_ms, account_id"
    ))?;
    let rows = stmt.query_map(params![org_id, customer_id], account_of)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Sets the account's payment method, or (with `pending`) the card that replaces it when ready.
pub fn set_payment(
    tx: &Transaction<'_>,
    account_id: &str,
    payment: &PaymentMethod,
    pending: Option<(&PaymentMethod, i64)>,
) -> Result<(), SandboxError> {
    tx.execute(
        "UPDATE mas_accounts SET payment_json = ?2, pending_payment_json = ?3, pending_ready_ms = ?4 WHERE account_id = ?1",
        params![
            account_id,
            json(payment)?,
            pending.map(|(p, _)| json(p)).transpose()?,
            pending.map(|(_, ms)| ms)
        ],
    )?;
    Ok(())
}

pub fn mark_deleted(tx: &Transaction<'_>, account_id: &str, now_ms: i64) -> Result<(), SandboxError> {
    tx.execute("UPDATE mas_accounts SET deleted_ms = ?2 WHERE account_id = ?1", params![account_id, now_ms])?;
    Ok(())
}

pub fn insert_address(
    tx: &Transaction<'_>,
    account_id: &str,
    create_ms: i64,
    address: &BillingAddress,
) -> Result<(), SandboxError> {
    tx.execute(
        "INSERT INTO mas_billing_addresses (account_id, create_ms, address_json) VALUES (?1, ?2, ?3)",
        params![account_id, create_ms, json(address)?],
    )?;
    Ok(())
}

/// The account's billing address: the newest of its history.
pub fn current_address(tx: &Transaction<'_>, account_id: &str) -> Result<Option<BillingAddress>, SandboxError> {
    let text: Option<String> = tx
        .query_row(
            "SELECT address_json FROM mas_billing_addresses WHERE account_id = ?1 ORDER BY create_ms DESC, seq DESC LIMIT 1",
            [account_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(text.map(|t| from_json(&t)).transpose()?)
}

/// The addresses set in `[from_ms, until_ms)`, newest first.
pub fn addresses(
    tx: &Transaction<'_>,
    account_id: &str,
    from_ms: i64,
    until_ms: i64,
) -> Result<Vec<BillingAddressHistoryEntry>, SandboxError> {
    let mut stmt = tx.prepare(
        "SELECT create_ms, address_json FROM mas_billing_addresses
         WHERE account_id = ?1 AND create_ms >= ?2 AND create_ms < ?3 ORDER BY create_ms DESC, seq DESC",
    )?;
    let rows = stmt.query_map(params![account_id, from_ms, until_ms], |r| {
        Ok(BillingAddressHistoryEntry { create_stamp: iso(r.get(0)?), billing_address: from_json(&r.get::<_, String>(1)?)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn insert_promotion(tx: &Transaction<'_>, account_id: &str, row: &PromotionRow) -> Result<(), SandboxError> {
    tx.execute(
        "INSERT INTO mas_promotions (account_promotion_id, account_id, promotion_id, name, description, start_date,
            end_date, cancellation_date, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, (SELECT COALESCE(MAX(seq), 0) + 1 FROM mas_promotions))",
        params![
            row.account_promotion_id,
            account_id,
            row.promotion_id,
            row.name,
            row.description,
            row.start.to_string(),
            row.end.map(|d| d.to_string()),
            row.cancellation.map(|d| d.to_string()),
        ],
    )?;
    Ok(())
}

const PROMOTION_COLUMNS: &str =
    "account_promotion_id, promotion_id, name, description, start_date, end_date, cancellation_date";

fn promotion_of(r: &Row<'_>) -> rusqlite::Result<PromotionRow> {
    Ok(PromotionRow {
        account_promotion_id: r.get(0)?,
        promotion_id: r.get(1)?,
        name: r.get(2)?,
        description: r.get(3)?,
        start: date_column(Some(r.get(4)?))?.unwrap_or_default(),
        end: date_column(r.get(5)?)?,
        cancellation: date_column(r.get(6)?)?,
    })
}

/// Every promotion of the account, by start date.
pub fn promotions(tx: &Transaction<'_>, account_id: &str) -> Result<Vec<PromotionRow>, SandboxError> {
    let mut stmt = tx.prepare(&format!(
        "SELECT {PROMOTION_COLUMNS} FROM mas_promotions WHERE account_id = ?1 ORDER BY start_date, seq"
    ))?;
    let rows = stmt.query_map([account_id], promotion_of)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn promotion(
    tx: &Transaction<'_>,
    account_id: &str,
    account_promotion_id: &str,
) -> Result<Option<PromotionRow>, SandboxError> {
    Ok(tx
        .query_row(
            &format!("SELECT {PROMOTION_COLUMNS} FROM mas_promotions WHERE account_id = ?1 AND account_promotion_id = ?2"),
            params![account_id, account_promotion_id],
            promotion_of,
        )
        .optional()?)
}

pub fn set_cancellation(tx: &Transaction<'_>, account_promotion_id: &str, date: NaiveDate) -> Result<(), SandboxError> {
    tx.execute(
        "UPDATE mas_promotions SET cancellation_date = ?2 WHERE account_promotion_id = ?1",
        params![account_promotion_id, date.to_string()],
    )?;
    Ok(())
}

/// One row of a promotion's history.
pub struct NewHistory<'a> {
    pub history_id: &'a str,
    pub account_promotion_id: &'a str,
    pub account_id: &'a str,
    pub action: PromotionAction,
    pub action_ms: i64,
    pub cancellation: Option<NaiveDate>,
    pub previous_cancellation: Option<NaiveDate>,
}

pub fn insert_history(tx: &Transaction<'_>, row: &NewHistory<'_>) -> Result<(), SandboxError> {
    tx.execute(
        "INSERT INTO mas_promotion_history (history_id, account_promotion_id, account_id, action, action_ms,
            cancellation_date, previous_cancellation_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            row.history_id,
            row.account_promotion_id,
            row.account_id,
            row.action.as_str(),
            row.action_ms,
            row.cancellation.map(|d| d.to_string()),
            row.previous_cancellation.map(|d| d.to_string()),
        ],
    )?;
    Ok(())
}

/// The account's promotion changes made at or after `from_ms`, newest first.
pub fn history(tx: &Transaction<'_>, account_id: &str, from_ms: i64) -> Result<Vec<AccountPromotionHistory>, SandboxError> {
    let mut stmt = tx.prepare(
        "SELECT h.history_id, h.account_promotion_id, p.promotion_id, p.name, h.action, h.action_ms, p.start_date,
            p.end_date, h.cancellation_date, h.previous_cancellation_date
         FROM mas_promotion_history h JOIN mas_promotions p ON p.account_promotion_id = h.account_promotion_id
         WHERE h.account_id = ?1 AND h.action_ms >= ?2 ORDER BY h.action_ms DESC, h.seq DESC",
    )?;
    let rows = stmt.query_map(params![account_id, from_ms], |r| {
        Ok(AccountPromotionHistory {
            history_id: r.get(0)?,
            account_promotion_id: r.get(1)?,
            promotion_id: r.get(2)?,
            promotion_name: r.get(3)?,
            action: PromotionAction::from_wire(&r.get::<_, String>(4)?),
            action_date: iso(r.get(5)?),
            start_date: r.get(6)?,
            end_date: r.get(7)?,
            cancellation_date: r.get(8)?,
            previous_cancellation_date: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Removes every MasCustomers row (before the demo data is loaded again).
pub fn wipe(tx: &Transaction<'_>) -> Result<(), SandboxError> {
    tx.execute_batch(
        "DELETE FROM mas_promotion_history; DELETE FROM mas_promotions; DELETE FROM mas_billing_addresses;
         DELETE FROM mas_accounts; DELETE FROM mas_cards; DELETE FROM mas_customers;",
    )?;
    Ok(())
}

pub fn customer_count(tx: &Transaction<'_>) -> Result<i64, SandboxError> {
    Ok(tx.query_row("SELECT COUNT(*) FROM mas_customers", [], |r| r.get(0))?)
}
