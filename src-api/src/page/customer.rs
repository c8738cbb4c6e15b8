//! The customer area's rules that are not view: what the D1 panel sums up from a consumer's latest
//! operations, what changed between two billing addresses, the create-account form's checks, and what a
//! refused MasCustomers write (a 409 and its code) means in words, with what to do.

use crate::d1::{ConsumerState, Operation, OperationStatus};
use crate::gateway::{ApiProblem, ClientError};
use crate::mas::{check, BillingAddress, BillingAddressHistoryEntry, ErrorCode, Modality, PaymentMethod, PostAccount};
use crate::validate::ValidationError;

/// How many of a consumer's latest operations the customer page asks for (one page); the full history is
/// the timeline's page.
pub const D1_LATEST: u32 = 50;
/// How many of those the panel lists.
pub const D1_LISTED: usize = 5;

/// What the D1 panel says of a consumer, from their latest operations (newest first).
#[derive(Clone, Debug, PartialEq)]
pub struct D1Summary {
    /// The state the latest state-changing operation left (D1 has no "get consumer").
    pub state: Option<ConsumerState>,
    pub pending: usize,
    pub failed: usize,
    /// How many operations the counts cover, and whether there are older ones.
    pub counted: usize,
    pub more: bool,
    pub latest: Vec<Operation>,
}

impl D1Summary {
    pub fn of(operations: &[Operation], remaining: Option<u32>) -> D1Summary {
        let state = operations.iter().find_map(|o| {
            let applied = o.status == OperationStatus::Successful;
            applied.then(|| o.details.as_ref().and_then(|d| d.new_state.clone())).flatten()
        });
        D1Summary {
            state,
            pending: operations.iter().filter(|o| o.status == OperationStatus::Pending).count(),
            failed: operations.iter().filter(|o| o.status == OperationStatus::Failed).count(),
            counted: operations.len(),
            more: remaining.is_some_and(|r| r > 0),
            latest: operations.iter().take(D1_LISTED).cloned().collect(),
        }
    }

    /// "in the last 50 operations" or "in all 7 operations".
    pub fn scope(&self) -> String {
        if self.more {
            format!("in the last {} operations", self.counted)
        } else {
            format!("in all {} operations", self.counted)
        }
    }
}

/// One field of a billing address that differs from the address before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// The fields of `after` that differ from `before`, in the address's order; an absent optional line
/// reads as "(none)".
pub fn address_changes(before: &BillingAddress, after: &BillingAddress) -> Vec<FieldChange> {
    let none = || "(none)".to_string();
    let fields: [(&'static str, String, String); 6] = [
        ("Address line 1", before.address_line1.clone(), after.address_line1.clone()),
        ("Address line 2", before.address_line2.clone().unwrap_or_else(none), after.address_line2.clone().unwrap_or_else(none)),
        ("City", before.city.clone(), after.city.clone()),
        ("Postal code", before.postal_code.clone(), after.postal_code.clone()),
        ("Region", before.region.clone().unwrap_or_else(none), after.region.clone().unwrap_or_else(none)),
        ("Country", before.country.clone(), after.country.clone()),
    ];
    fields.into_iter().filter(|(_, b, a)| b != a).map(|(field, before, after)| FieldChange { field, before, after }).collect()
}

/// An address on one line: `Carrer Major 1, 2º, 08001 Barcelona, Catalunya, ES`.
pub fn address_line(a: &BillingAddress) -> String {
    let mut parts = vec![a.address_line1.clone()];
    parts.extend(a.address_line2.clone());
    parts.push(format!("{} {}", a.postal_code, a.city));
    parts.extend(a.region.clone());
    parts.push(a.country.clone());
    parts.join(", ")
}

/// One row of the billing address history: the address, when it was set, and what changed from the one
/// before (`None` for the oldest in the range: nothing to compare it with).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressRow {
    pub set_at: String,
    pub address: String,
    pub changes: Option<Vec<FieldChange>>,
}

/// The history as answered (newest first) as rows, each compared with the next older one.
pub fn address_rows(entries: &[BillingAddressHistoryEntry]) -> Vec<AddressRow> {
    entries
        .iter()
        .enumerate()
        .map(|(i, entry)| AddressRow {
            set_at: entry.create_stamp.get(..10).unwrap_or(&entry.create_stamp).to_string(),
            address: address_line(&entry.billing_address),
            changes: entries.get(i + 1).map(|older| address_changes(&older.billing_address, &entry.billing_address)),
        })
        .collect()
}

/// The create-account form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateAccountForm {
    /// RECURRING_PREPAID or POSTPAID; empty until chosen.
    pub modality: String,
    pub with_address: bool,
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub postal_code: String,
    pub region: String,
    pub country: String,
    /// DIRECT_DEBIT or CREDIT_CARD; empty until chosen.
    pub payment_type: String,
    pub iban: String,
    pub token_id: String,
}

/// What is wrong with each part of the create form, to show beside it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateAccountErrors {
    pub modality: Option<String>,
    pub address: Option<ValidationError>,
    pub payment: Option<ValidationError>,
}

impl CreateAccountErrors {
    pub fn is_empty(&self) -> bool {
        self.modality.is_none() && self.address.is_none() && self.payment.is_none()
    }
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

impl CreateAccountForm {
    fn address(&self) -> Option<BillingAddress> {
        self.with_address.then(|| BillingAddress {
            address_line1: self.address_line1.trim().to_string(),
            address_line2: optional(&self.address_line2),
            city: self.city.trim().to_string(),
            postal_code: self.postal_code.trim().to_string(),
            region: optional(&self.region),
            country: self.country.trim().to_ascii_uppercase(),
        })
    }

    fn payment_method(&self) -> Result<PaymentMethod, ValidationError> {
        let method = match self.payment_type.as_str() {
            "DIRECT_DEBIT" => PaymentMethod::direct_debit(&check::iban_electronic(&self.iban)),
            "CREDIT_CARD" => PaymentMethod::credit_card(self.token_id.trim()),
            _ => return Err(ValidationError { field: "payment_method.type", message: "choose direct debit or credit card".into() }),
        };
        method.validate().map(|()| method)
    }

    /// Every part checked, each with its own message.
    pub fn errors(&self) -> CreateAccountErrors {
        CreateAccountErrors {
            modality: match Modality::from_wire(&self.modality) {
                Modality::Other(_) => Some("choose recurring prepaid or postpaid".into()),
                _ => None,
            },
            address: self.address().and_then(|a| a.validate().err()),
            payment: self.payment_method().err(),
        }
    }

    /// The body to send, once every part is right (and checked again as a whole, as the gateway will).
    pub fn body(&self) -> Result<PostAccount, CreateAccountErrors> {
        let errors = self.errors();
        if !errors.is_empty() {
            return Err(errors);
        }
        let payment_method = self.payment_method().map_err(|e| CreateAccountErrors { payment: Some(e), ..Default::default() })?;
        let body = PostAccount { modality: Modality::from_wire(&self.modality), billing_address: self.address(), payment_method };
        body.validate().map(|()| body).map_err(|e| CreateAccountErrors { payment: Some(e), ..Default::default() })
    }
}

/// A refused MasCustomers write in words: what happened and what to do. `None`: the problem's own
/// message says it (an outage, a 400 the page could not have caught).
pub fn refusal(problem: &ApiProblem) -> Option<(String, String)> {
    let code = ErrorCode::from_wire(problem.error_type.as_deref()?);
    let (what, todo) = match code {
        ErrorCode::AccountHasPromotions => (
            "MasCustomers keeps an account while it has an active or scheduled promotion.",
            "Cancel its promotions first (Promotions, Cancel…, from today), then delete the account.",
        ),
        ErrorCode::AccountLimitReached => (
            "This customer already has the most open accounts MasCustomers allows (3).",
            "Delete an account they no longer use, then create the new one.",
        ),
        ErrorCode::PostpaidAccountExists => (
            "This customer already has a postpaid account, and a customer may have only one.",
            "Create a recurring prepaid account, or change the payment method of the postpaid one.",
        ),
        ErrorCode::PromotionEnded => (
            "This promotion has already ended: there is nothing to cancel.",
            "Reload the account to see its promotions as they are now.",
        ),
        ErrorCode::CancellationDateInPast | ErrorCode::CancellationAfterPromotionEnd => (
            "MasCustomers refused the cancellation date.",
            "Choose a date between today and the promotion's end, as the date picker shows.",
        ),
        ErrorCode::PaymentMethodNotAvailable => (
            "MasCustomers does not offer that payment method for this kind of account.",
            "Choose one of the methods it lists as available: a recurring prepaid account pays by card.",
        ),
        _ => return None,
    };
    Some((what.to_string(), todo.to_string()))
}

/// [`refusal`] of any client error.
pub fn refusal_of(error: &ClientError) -> Option<(String, String)> {
    match error {
        ClientError::Problem(p) => refusal(p),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::ProblemKind;

    fn address(line1: &str, city: &str) -> BillingAddress {
        BillingAddress {
            address_line1: line1.into(),
            address_line2: None,
            city: city.into(),
            postal_code: "08001".into(),
            region: None,
            country: "ES".into(),
        }
    }

    fn op(status: &str, new_state: Option<&str>) -> Operation {
        serde_json::from_value(serde_json::json!({
            "operationId": "o", "operation": "SUSPEND", "status": status, "startTime": "2026-11-01T10:00:00Z",
            "requestorType": "ISSUER", "requestorId": "x",
            "details": new_state.map(|s| serde_json::json!({ "newState": s })),
        }))
        .expect("an operation")
    }

    #[test]
    fn the_d1_panel_counts_pending_and_failed_and_takes_the_state_of_the_latest_applied_change() {
        let ops = [op("PENDING", Some("INACTIVE")), op("FAILED", Some("DELETED")), op("SUCCESSFUL", Some("INACTIVE")), op("SUCCESSFUL", Some("ACTIVE"))];
        let s = D1Summary::of(&ops, Some(3));
        assert_eq!(s.state, Some(ConsumerState::Inactive), "neither the pending nor the failed change applied");
        assert_eq!((s.pending, s.failed, s.counted), (1, 1, 4));
        assert_eq!(s.scope(), "in the last 4 operations");
        assert_eq!(D1Summary::of(&ops[..1], Some(0)).scope(), "in all 1 operations");
        assert_eq!(D1Summary::of(&[], None).state, None);
    }

    #[test]
    fn consecutive_addresses_show_only_what_changed() {
        let older = address("Carrer Major 1", "Barcelona");
        let mut newer = address("Carrer Major 1", "Girona");
        newer.address_line2 = Some("2º 1ª".into());
        let changes = address_changes(&older, &newer);
        assert_eq!(
            changes,
            [
                FieldChange { field: "Address line 2", before: "(none)".into(), after: "2º 1ª".into() },
                FieldChange { field: "City", before: "Barcelona".into(), after: "Girona".into() },
            ]
        );
        let entries = [
            BillingAddressHistoryEntry { create_stamp: "2026-05-01T10:00:00Z".into(), billing_address: newer },
            BillingAddressHistoryEntry { create_stamp: "2025-01-01T10:00:00Z".into(), billing_address: older },
        ];
        let rows = address_rows(&entries);
        assert_eq!(rows[0].set_at, "2026-05-01");
        assert_eq!(rows[0].address, "Carrer Major 1, 2º 1ª, 08001 Girona, ES");
        assert_eq!(rows[0].changes.as_ref().map(Vec::len), Some(2));
        assert_eq!(rows[1].changes, None, "the oldest in the range has nothing to compare with");
    }

    fn form() -> CreateAccountForm {
        CreateAccountForm {
            modality: "POSTPAID".into(),
            payment_type: "DIRECT_DEBIT".into(),
            iban: "es91 2100 0418 4502 0005 1332".into(),
            ..CreateAccountForm::default()
        }
    }

    #[test]
    fn the_create_form_checks_every_part_before_sending() {
        let body = form().body().expect("a valid form");
        assert_eq!(body.payment_method.details.and_then(|d| d.iban).as_deref(), Some("ES9121000418450200051332"));
        assert_eq!(body.billing_address, None);

        let empty = CreateAccountForm::default().errors();
        assert!(empty.modality.is_some() && empty.payment.is_some() && empty.address.is_none(), "{empty:?}");

        let bad_iban = CreateAccountForm { iban: "ES91 2100 0418 4502 0005 1333".into(), ..form() }.errors();
        let e = bad_iban.payment.expect("a bad IBAN");
        assert!(e.field.contains("iban") && e.message.contains("check digits"), "{e}");

        let half_address = CreateAccountForm { with_address: true, city: "Girona".into(), ..form() };
        let e = half_address.errors().address.expect("an incomplete address");
        assert!(e.field.starts_with("billing_address."), "{e}");
        assert!(half_address.body().is_err());

        let card = CreateAccountForm { payment_type: "CREDIT_CARD".into(), token_id: "not-a-uuid".into(), ..form() };
        assert!(card.errors().payment.is_some_and(|e| e.field.contains("token_id")));
    }

    #[test]
    fn a_409_is_explained_with_what_to_do() {
        let problem = |code: &str| ApiProblem { error_type: Some(code.into()), ..ApiProblem::new(409, ProblemKind::UpstreamError, "x") };
        let (what, todo) = refusal(&problem("ACCOUNT_HAS_PROMOTIONS")).expect("explained");
        assert!(what.contains("promotion") && todo.contains("Cancel"), "{what} {todo}");
        assert!(refusal(&problem("ACCOUNT_LIMIT_REACHED")).is_some_and(|(_, todo)| todo.contains("Delete")));
        assert!(refusal(&problem("POSTPAID_ACCOUNT_EXISTS")).is_some_and(|(what, _)| what.contains("postpaid")));
        assert_eq!(refusal(&problem("INTERNAL_ERROR")), None);
        assert_eq!(refusal(&ApiProblem::new(409, ProblemKind::UpstreamError, "x")), None);
    }
}
