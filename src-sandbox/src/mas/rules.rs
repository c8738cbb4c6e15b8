//! What the sandbox's billing product allows, in one place (the OpenAPI document says the same in words):
//!
//! * Payment types: a RECURRING_PREPAID account tops itself up from a card, so CREDIT_CARD only; a POSTPAID
//!   one pays by DIRECT_DEBIT or CREDIT_CARD. Another type is 400 `PAYMENT_METHOD_NOT_AVAILABLE`.
//! * Cards: a `token_id` of one of the customer's cards applies at once (204). Any other `token_id` is a
//!   card being tokenized for them: 202, the account shows it as `pending_payment_method`, and
//!   [`TOKENIZATION_SECS`] later it is the payment method (applied on the next read or write of the
//!   account) and is offered among the customer's cards. Cards are looked up by organization and
//!   customer only: a token unknown to the sandbox and another customer's (or organization's) get the
//!   same answer, so no answer tells whether a token exists elsewhere. A new account needs a card of the
//!   customer's already tokenized: 400 `INVALID_TOKEN_ID` ([`NOT_A_TOKENIZED_CARD`]) otherwise, whoever
//!   else holds the token; it has no payment method to keep meanwhile.
//! * Create: at most [`MAX_OPEN_ACCOUNTS`] open accounts per customer (409 `ACCOUNT_LIMIT_REACHED`) and one
//!   POSTPAID among them (409 `POSTPAID_ACCOUNT_EXISTS`).
//! * Delete: not while an ACTIVE or SCHEDULED promotion remains (409 `ACCOUNT_HAS_PROMOTIONS`: cancel them
//!   first); a deleted account is gone from every answer (404) and from the customer's account ids.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use console_api::mas::{
    ErrorCode, ErrorDetail, Modality, PatchAccountPaymentMethod, PatchPaymentType, PaymentMethod, PromotionStatus, TokenizedCard,
    MAX_OPEN_ACCOUNTS,
};
use console_api::validate::ValidationError;
use rusqlite::Transaction;

use super::store::{self, AccountRow, CardRow, PromotionRow};
use super::MasFailure;

/// How long the sandbox takes to tokenize a card it did not know.
pub const TOKENIZATION_SECS: i64 = 3;

/// The one refusal of a new account's card that is not one of the customer's tokenized cards: unknown,
/// still being tokenized, or anyone else's alike.
pub const NOT_A_TOKENIZED_CARD: &str = "payment_method.details.token_id is not one of this customer's tokenized cards: choose one from payment-methods, or tokenize the card first (a payment method change with its token)";

/// The payment types an account of `modality` may use.
pub fn payment_types(modality: &Modality) -> Vec<PatchPaymentType> {
    match modality {
        Modality::RecurringPrepaid => vec![PatchPaymentType::CreditCard],
        _ => vec![PatchPaymentType::DirectDebit, PatchPaymentType::CreditCard],
    }
}

/// The ErrorCode of a refused field of a payment method, billing address or body.
pub fn code_of(error: &ValidationError) -> ErrorCode {
    match error.field {
        f if f.ends_with("iban") => ErrorCode::InvalidIban,
        f if f.ends_with("token_id") => ErrorCode::InvalidTokenId,
        f if f.starts_with("billing_address") => ErrorCode::InvalidBillingAddress,
        "cancellation_date" | "from" | "to" | "start_date" => ErrorCode::InvalidDate,
        _ => ErrorCode::InvalidRequest,
    }
}

/// A payment method's own checks (400 with the field's code); answers it normalized.
pub fn checked_payment(method: &PatchAccountPaymentMethod) -> Result<PaymentMethod, MasFailure> {
    method.validate().map_err(|e| MasFailure::bad_field(code_of(&e), &e))?;
    Ok(method.normalized())
}

/// What a payment method change does to an account.
#[derive(Clone, Debug, PartialEq)]
pub enum PaymentChange {
    /// It is the payment method now (204).
    Applied,
    /// A card being tokenized: it becomes the payment method at `ready_ms` (202).
    Pending { ready_ms: i64 },
}

/// Whether `method` (checked, normalized) may be the payment method of `customer_id`'s account of
/// `modality`; a card that is not one of the customer's starts being tokenized for them (its row is
/// written), whether or not its token is known elsewhere.
pub fn payment_change(
    tx: &Transaction<'_>,
    org_id: &str,
    customer_id: &str,
    modality: &Modality,
    method: &PaymentMethod,
    now: DateTime<Utc>,
) -> Result<PaymentChange, MasFailure> {
    if !payment_types(modality).contains(&method.payment_type) {
        return Err(MasFailure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::PaymentMethodNotAvailable,
            format!(
                "a {} account cannot pay by {}: use {}",
                modality.as_str(),
                method.payment_type.as_str(),
                payment_types(modality).iter().map(PatchPaymentType::as_str).collect::<Vec<_>>().join(" or ")
            ),
        ));
    }
    let Some(token_id) = method.details.as_ref().and_then(|d| d.token_id.as_deref()) else {
        return Ok(PaymentChange::Applied);
    };
    let now_ms = now.timestamp_millis();
    match store::card(tx, org_id, customer_id, token_id)? {
        Some(card) if card.ready_ms <= now_ms => Ok(PaymentChange::Applied),
        Some(card) => Ok(PaymentChange::Pending { ready_ms: card.ready_ms }),
        None => {
            let ready_ms = now_ms + TOKENIZATION_SECS * 1000;
            let digits: String = token_id.chars().filter(char::is_ascii_digit).collect();
            let last_four = format!("{:0>4}", &digits[digits.len().saturating_sub(4)..]);
            let card = TokenizedCard { token_id: token_id.to_string(), brand: "VISA".into(), last_four, expiry: "12/29".into() };
            store::insert_card(tx, &CardRow { org_id: org_id.into(), customer_id: customer_id.into(), card, ready_ms })?;
            Ok(PaymentChange::Pending { ready_ms })
        }
    }
}

/// The open account `account_id` of the organization, its tokenized card applied if it is ready.
pub fn open_account(
    tx: &Transaction<'_>,
    org_id: &str,
    account_id: &str,
    now: DateTime<Utc>,
) -> Result<AccountRow, MasFailure> {
    let mut row = store::account(tx, org_id, account_id)?.ok_or_else(|| {
        MasFailure::not_found(ErrorCode::AccountNotFound, format!("account {account_id} does not exist in organization {org_id}"))
    })?;
    if let Some((pending, ready_ms)) = row.pending.clone() {
        if ready_ms <= now.timestamp_millis() {
            store::set_payment(tx, &row.account_id, &pending, None)?;
            row.payment = pending;
            row.pending = None;
        }
    }
    Ok(row)
}

/// The open account `account_id` of `customer_id` (another customer's is 404, as an unknown one).
pub fn customer_account(
    tx: &Transaction<'_>,
    org_id: &str,
    customer_id: &str,
    account_id: &str,
    now: DateTime<Utc>,
) -> Result<AccountRow, MasFailure> {
    require_customer(tx, org_id, customer_id)?;
    let row = open_account(tx, org_id, account_id, now)?;
    if row.customer_id != customer_id {
        return Err(MasFailure::not_found(
            ErrorCode::AccountNotFound,
            format!("customer {customer_id} has no account {account_id}"),
        ));
    }
    Ok(row)
}

/// 404 `CUSTOMER_NOT_FOUND` unless the customer exists in the organization.
pub fn require_customer(tx: &Transaction<'_>, org_id: &str, customer_id: &str) -> Result<(), MasFailure> {
    if store::customer_exists(tx, org_id, customer_id)? {
        Ok(())
    } else {
        Err(MasFailure::not_found(
            ErrorCode::CustomerNotFound,
            format!("customer {customer_id} does not exist in organization {org_id}"),
        ))
    }
}

/// Whether the customer, holding `open`, may open one more account of `modality`.
pub fn may_create(open: &[AccountRow], modality: &Modality) -> Result<(), MasFailure> {
    if open.len() >= MAX_OPEN_ACCOUNTS {
        return Err(MasFailure::conflict(
            ErrorCode::AccountLimitReached,
            format!("the customer already has {} open accounts, the most allowed: delete one first", open.len()),
        ));
    }
    if *modality == Modality::Postpaid {
        if let Some(postpaid) = open.iter().find(|a| a.modality == Modality::Postpaid) {
            return Err(MasFailure::conflict(
                ErrorCode::PostpaidAccountExists,
                format!(
                    "the customer already has a POSTPAID account ({}): open a RECURRING_PREPAID one, or delete that one first",
                    postpaid.account_id
                ),
            ));
        }
    }
    Ok(())
}

/// Whether an account with `promotions` may be deleted on `today`.
pub fn may_delete(promotions: &[PromotionRow], today: chrono::NaiveDate) -> Result<(), MasFailure> {
    let live: Vec<&PromotionRow> =
        promotions.iter().filter(|p| p.period().status_on(today) != PromotionStatus::Ended).collect();
    if live.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = live.iter().take(3).map(|p| format!("{} ({})", p.name, p.period().status_on(today))).collect();
    let message = format!(
        "the account has {} active or scheduled promotion(s), {}{}: cancel them first (a cancellation from today ends them today)",
        live.len(),
        names.join(", "),
        if live.len() > 3 { ", ..." } else { "" }
    );
    // Each one in `details`, so that the caller can list what stands in the way.
    let details: Vec<ErrorDetail> = live.iter().map(|p| ErrorDetail { field: Some(p.account_promotion_id.clone()), message: blocking(p, today) }).collect();
    let mut failure = MasFailure::conflict(ErrorCode::AccountHasPromotions, message);
    failure.0 .1.details = details;
    Err(failure)
}

/// A promotion that keeps an account from being deleted, in words: `5 GB extra data (PROMO-5GB): active
/// until 2027-01-29`.
fn blocking(p: &PromotionRow, today: chrono::NaiveDate) -> String {
    let period = p.period();
    let until = period.last_day().map_or_else(|| "with no end".to_string(), |d| format!("until {d}"));
    match period.status_on(today) {
        PromotionStatus::Scheduled => format!("{} ({}): scheduled from {}, {until}", p.name, p.promotion_id, p.start),
        _ => format!("{} ({}): active {until}", p.name, p.promotion_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepaid_accounts_pay_by_card_only() {
        assert_eq!(payment_types(&Modality::RecurringPrepaid), [PatchPaymentType::CreditCard]);
        assert_eq!(payment_types(&Modality::Postpaid), [PatchPaymentType::DirectDebit, PatchPaymentType::CreditCard]);
    }

    #[test]
    fn refused_fields_get_their_code() {
        let e = |field| ValidationError { field, message: String::new() };
        assert_eq!(code_of(&e("details.iban")), ErrorCode::InvalidIban);
        assert_eq!(code_of(&e("payment_method.details.token_id")), ErrorCode::InvalidTokenId);
        assert_eq!(code_of(&e("billing_address.city")), ErrorCode::InvalidBillingAddress);
        assert_eq!(code_of(&e("modality")), ErrorCode::InvalidRequest);
    }
}
