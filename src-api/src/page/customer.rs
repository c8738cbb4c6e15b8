//! The customer area's rules that are not view: what the D1 panel sums up from a consumer's latest
//! operations, what changed between two billing addresses, the create-account form's checks, and what a
//! refused MasCustomers write (a 409 and its code) means in words, with what to do.

use crate::d1::{ConsumerState, Operation, OperationStatus};
use crate::gateway::mas::mas_error_details;
use crate::gateway::{ApiProblem, ClientError};
use crate::mas::{check, BillingAddress, BillingAddressHistoryEntry, ErrorCode, Modality, PaymentMethod, PaymentType, PostAccount};
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

/// The create form's errors as the person reads them: one sentence per part, each naming the form's own
/// label rather than the wire's field (`Address line 1 is required`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateAccountMessages {
    pub modality: Option<String>,
    pub address: Option<String>,
    /// `None` when the IBAN field already says it under itself, as typed: one message per field.
    pub payment: Option<String>,
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

impl CreateAccountForm {
    /// The payment types the chosen modality takes, as the form's select offers them.
    pub fn payment_types(&self) -> Vec<PaymentType> {
        Modality::from_wire(&self.modality).payment_types()
    }

    /// Chooses the modality, and with it a payment type it takes: the one chosen if it still may, else
    /// the first it offers (a recurring prepaid account pays by card).
    pub fn set_modality(&mut self, modality: &str) {
        self.modality = modality.to_string();
        let offered = self.payment_types();
        if !offered.iter().any(|t| t.as_str() == self.payment_type) {
            self.payment_type = offered.first().map(|t| t.as_str().to_string()).unwrap_or_default();
        }
    }

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
        // The pair first: the details of a method the modality does not take do not matter.
        let modality = Modality::from_wire(&self.modality);
        if !matches!(modality, Modality::Other(_)) {
            modality.check_payment("payment_method.type", &method.payment_type)?;
        }
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

    /// [`CreateAccountForm::errors`] in words, once per field.
    pub fn messages(&self) -> CreateAccountMessages {
        let errors = self.errors();
        // The IBAN field says what is wrong with a typed IBAN under itself (`iban_verdict`).
        let said_by_iban_field = |e: &ValidationError| e.field.ends_with("iban") && !self.iban.trim().is_empty();
        CreateAccountMessages {
            modality: errors.modality.map(|m| labelled("Modality", &m)),
            address: errors.address.as_ref().map(in_words),
            payment: errors.payment.as_ref().filter(|e| !said_by_iban_field(e)).map(in_words),
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

/// The form's label of a field MasCustomers' checks name by its wire name.
pub fn form_label(field: &str) -> &str {
    match field.rsplit('.').next().unwrap_or(field) {
        "modality" => "Modality",
        "address_line1" => "Address line 1",
        "address_line2" => "Address line 2",
        "city" => "City",
        "postal_code" => "Postal code",
        "region" => "Region",
        "country" => "Country",
        "type" => "Payment method",
        "iban" => "IBAN",
        "token_id" => "Card",
        _ => field,
    }
}

/// A check's message after the field's label: `IBAN has 8 characters…` where the message goes on from
/// the field's name, `IBAN: the check digits…` where it is a sentence of its own.
pub fn labelled(label: &str, message: &str) -> String {
    let continues = ["is ", "has ", "must ", "needs "].iter().any(|verb| message.starts_with(verb));
    if continues { format!("{label} {message}") } else { format!("{label}: {message}") }
}

/// A failed check in words, under the form's label of its field.
pub fn in_words(error: &ValidationError) -> String {
    labelled(form_label(error.field), &error.message)
}

/// What the IBAN field says under itself as it is typed: nothing while empty, else that it is valid (and
/// of which country) or what is wrong, in words.
pub fn iban_verdict(typed: &str) -> Option<Result<String, String>> {
    if typed.trim().is_empty() {
        return None;
    }
    Some(match check::iban(typed) {
        Ok(iban) => Ok(format!("✓ A valid IBAN of {}", check::iban_country(&iban[..2]))),
        Err(e) => Err(labelled("IBAN", &e.message)),
    })
}

/// A refused MasCustomers write in words: what happened, what to do, and what stands in the way when
/// MasCustomers listed it (the promotions that keep an account from being deleted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub what: String,
    pub todo: String,
    pub blocking: Vec<String>,
}

/// The most items of a refusal's details listed; the rest are counted.
pub const BLOCKING_LISTED: usize = 10;

/// A refused MasCustomers write in words: what happened and what to do. `None`: the problem's own
/// message says it (an outage, a 400 the page could not have caught).
pub fn refusal(problem: &ApiProblem) -> Option<Refusal> {
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
    let mut blocking = Vec::new();
    if code == ErrorCode::AccountHasPromotions {
        let details = mas_error_details(problem);
        blocking.extend(details.iter().take(BLOCKING_LISTED).map(|d| d.message.clone()));
        if details.len() > BLOCKING_LISTED {
            blocking.push(format!("and {} more", details.len() - BLOCKING_LISTED));
        }
    }
    Some(Refusal { what: what.to_string(), todo: todo.to_string(), blocking })
}

/// [`refusal`] of any client error.
pub fn refusal_of(error: &ClientError) -> Option<Refusal> {
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
        let r = refusal(&problem("ACCOUNT_HAS_PROMOTIONS")).expect("explained");
        assert!(r.what.contains("promotion") && r.todo.contains("Cancel"), "{r:?}");
        assert!(r.blocking.is_empty(), "no details, nothing listed");
        assert!(refusal(&problem("ACCOUNT_LIMIT_REACHED")).is_some_and(|r| r.todo.contains("Delete")));
        assert!(refusal(&problem("POSTPAID_ACCOUNT_EXISTS")).is_some_and(|r| r.what.contains("postpaid")));
        assert_eq!(refusal(&problem("INTERNAL_ERROR")), None);
        assert_eq!(refusal(&ApiProblem::new(409, ProblemKind::UpstreamError, "x")), None);
    }

    #[test]
    fn a_refused_delete_lists_the_promotions_in_its_way() {
        use crate::gateway::JsonText;
        use crate::mas::ErrorDetail;
        let detail = |m: &str| ErrorDetail { field: Some("a11ce000-0000-4000-8000-0000000000f1".into()), message: m.into() };
        let details = vec![detail("5 GB extra data (PROMO-5GB): active until 2027-01-29"), detail("Summer (PROMO-SUMMER): scheduled from 2026-12-12, until 2027-02-08")];
        let problem = ApiProblem {
            error_type: Some("ACCOUNT_HAS_PROMOTIONS".into()),
            attributes: JsonText::of(&details),
            ..ApiProblem::new(409, ProblemKind::UpstreamError, "x")
        };
        let r = refusal(&problem).expect("explained");
        assert_eq!(r.blocking, ["5 GB extra data (PROMO-5GB): active until 2027-01-29", "Summer (PROMO-SUMMER): scheduled from 2026-12-12, until 2027-02-08"]);
        let many = ApiProblem { attributes: JsonText::of(&vec![detail("p"); 12]), ..problem };
        let r = refusal(&many).expect("explained");
        assert_eq!((r.blocking.len(), r.blocking.last().map(String::as_str)), (BLOCKING_LISTED + 1, Some("and 2 more")));
    }

    #[test]
    fn the_form_offers_only_what_the_modality_takes_and_a_change_resets_what_it_does_not() {
        let mut f = form();
        assert_eq!(f.payment_types(), [PaymentType::DirectDebit, PaymentType::CreditCard]);
        f.set_modality("RECURRING_PREPAID");
        assert_eq!(f.payment_types(), [PaymentType::CreditCard]);
        assert_eq!(f.payment_type, "CREDIT_CARD", "direct debit is not offered any more: reset");
        f.set_modality("POSTPAID");
        assert_eq!(f.payment_type, "CREDIT_CARD", "a card is still offered: kept");

        // Sent anyway (a select changed by hand), the pair is refused on the payment field, in words.
        let pair = CreateAccountForm { modality: "RECURRING_PREPAID".into(), ..form() };
        let e = pair.errors().payment.expect("refused");
        assert_eq!(e.field, "payment_method.type");
        assert_eq!(
            pair.messages().payment.as_deref(),
            Some("Payment method: Direct debit is not offered for a recurring prepaid account: choose credit card")
        );
        assert!(pair.body().is_err());
    }

    #[test]
    fn messages_name_the_forms_labels_once_per_field() {
        let f = CreateAccountForm { with_address: true, city: "Girona".into(), iban: "ES00 1234".into(), ..form() };
        let m = f.messages();
        assert_eq!(m.address.as_deref(), Some("Address line 1 is required"));
        // The IBAN field says it as typed; the form does not say it a second time.
        assert!(f.errors().payment.is_some() && m.payment.is_none(), "{m:?}");
        assert_eq!(
            iban_verdict("ES00 1234"),
            Some(Err("IBAN has 8 characters: an IBAN of ES (Spain) has 24 (some are missing)".into()))
        );
        // An empty IBAN field says nothing: the form says it is required.
        let empty = CreateAccountForm { iban: String::new(), ..form() };
        assert!(empty.messages().payment.is_some_and(|p| p.starts_with("IBAN is required")));
        assert_eq!(iban_verdict(" "), None);
        assert_eq!(CreateAccountForm::default().messages().modality.as_deref(), Some("Modality: choose recurring prepaid or postpaid"));

        assert_eq!(
            iban_verdict("ES91 2100 0418 4502 0005 1333"),
            Some(Err("IBAN: the check digits (91) do not match the rest: a character is mistyped or swapped".into()))
        );
        assert_eq!(iban_verdict("de89370400440532013000"), Some(Ok("✓ A valid IBAN of DE (Germany)".into())));
        assert_eq!(form_label("billing_address.postal_code"), "Postal code");
        assert_eq!(form_label("payment_method.details.token_id"), "Card");
        assert_eq!(form_label("something_else"), "something_else");
    }
}
