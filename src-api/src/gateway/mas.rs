//! Staff: MasCustomers v4 through the gateway (agents read, admins act). The org is the environment's,
//! never the page's: no path here names one. Every id and body is checked here with
//! [`crate::mas`]'s rules before anything is sent, and again by the gateway.
//!
//! A refusal by MasCustomers keeps its ErrorResponse for the page: its `code` in
//! [`ApiProblem::error_type`] (read it with [`mas_error_code`]), its `details` in
//! [`ApiProblem::attributes`], its `message` in the problem's `message` for a 409 (it says what stands in
//! the way) and in `technical` otherwise.

use super::{ApiProblem, ClientError, GatewayClient, Reply};
use crate::mas::{
    check, AccountCreated, AccountIds, AccountPromotion, AccountPromotionHistory, AccountPromotionType,
    AvailablePaymentMethods, BillingAddressHistoryResponse, ErrorCode, ErrorDetail, GetAccount,
    PatchAccountPaymentMethod, PatchAccountPromotion, PostAccount,
};
use crate::mas_client::PaymentMethodChange;
use crate::transport::{encode_component, Method, Request, Transport};
use crate::validate::ValidationError;

/// Paths (axum syntax) of the MasCustomers gateway routes.
pub mod routes {
    /// `GET`: the customer's account ids ([`crate::mas::AccountIds`]); admins `POST` a
    /// [`crate::mas::PostAccount`] ([`crate::mas::AccountCreated`]).
    pub const CUSTOMER_ACCOUNTS: &str = "/api/mas/customers/{customer_id}/accounts";
    /// Admins: `DELETE` (204; 409 while it is not deletable).
    pub const CUSTOMER_ACCOUNT: &str = "/api/mas/customers/{customer_id}/accounts/{account_id}";
    /// `GET`: [`crate::mas::AvailablePaymentMethods`].
    pub const PAYMENT_METHODS: &str = "/api/mas/customers/{customer_id}/accounts/{account_id}/payment-methods";
    /// `GET`: [`crate::mas::GetAccount`].
    pub const ACCOUNT: &str = "/api/mas/accounts/{account_id}";
    /// Admins: `PATCH` a [`crate::mas::PatchAccountPaymentMethod`] (204, or 202 while a card is tokenized).
    pub const PAYMENT_METHOD: &str = "/api/mas/accounts/{account_id}/payment-method";
    /// `GET ?from=&to=` (yyyy-mm-dd): [`crate::mas::BillingAddressHistoryResponse`].
    pub const BILLING_ADDRESS_HISTORY: &str = "/api/mas/accounts/{account_id}/billing-address-history";
    /// `GET`: the current promotions.
    pub const PROMOTIONS: &str = "/api/mas/accounts/{account_id}/promotions";
    /// `GET ?account_promotion_type=ACTIVE|SCHEDULED|ALL`.
    pub const ACCOUNT_PROMOTIONS: &str = "/api/mas/accounts/{account_id}/account-promotions";
    /// `GET ?start_date=` (yyyy-mm-dd).
    pub const PROMOTIONS_HISTORY: &str = "/api/mas/accounts/{account_id}/promotions-history";
    /// Admins: `PATCH` a [`crate::mas::PatchAccountPromotion`] (204).
    pub const PROMOTION: &str = "/api/mas/accounts/{account_id}/promotions/{account_promotion_id}";
}

/// MasCustomers' error code of a problem the gateway passed on (`ACCOUNT_HAS_PROMOTIONS` on a 409 delete,
/// `POSTPAID_ACCOUNT_EXISTS` on a 409 create, ...), when there is one.
pub fn mas_error_code(problem: &ApiProblem) -> Option<ErrorCode> {
    problem.error_type.as_deref().map(ErrorCode::from_wire)
}

/// MasCustomers' `details` of a problem: which field, and what to fix.
pub fn mas_error_details(problem: &ApiProblem) -> Vec<ErrorDetail> {
    problem.attributes.as_ref().and_then(|a| a.read()).unwrap_or_default()
}

fn customer_path(customer_id: &str) -> Result<String, ValidationError> {
    check::uuid("customer_id", customer_id)?;
    Ok(format!("/api/mas/customers/{customer_id}/accounts"))
}

fn account_path(account_id: &str) -> Result<String, ValidationError> {
    check::uuid("account_id", account_id)?;
    Ok(format!("/api/mas/accounts/{account_id}"))
}

/// `?name=value&...` of the values given, encoded; empty when none is.
fn query(pairs: &[(&str, Option<&str>)]) -> String {
    let given: Vec<String> = pairs.iter().filter_map(|(k, v)| v.map(|v| format!("{k}={}", encode_component(v)))).collect();
    if given.is_empty() { String::new() } else { format!("?{}", given.join("&")) }
}

impl<T: Transport> GatewayClient<T> {
    /// The customer's open accounts.
    pub async fn mas_account_ids(&self, customer_id: &str, cid: Option<&str>) -> Result<Reply<AccountIds>, ClientError> {
        self.call(Request::new(Method::Get, customer_path(customer_id)?), cid).await
    }

    /// Admins: opens an account (every field checked first); a 409 keeps MasCustomers' code.
    pub async fn mas_create_account(&self, customer_id: &str, body: &PostAccount, cid: Option<&str>) -> Result<Reply<AccountCreated>, ClientError> {
        let path = customer_path(customer_id)?;
        body.validate()?;
        self.call(Request::new(Method::Post, path).json(body), cid).await
    }

    /// Admins: closes an account; 409 (with its code) while it has an active or scheduled promotion.
    pub async fn mas_delete_account(&self, customer_id: &str, account_id: &str, cid: Option<&str>) -> Result<Reply<()>, ClientError> {
        check::uuid("account_id", account_id)?;
        let path = format!("{}/{account_id}", customer_path(customer_id)?);
        self.call(Request::new(Method::Delete, path), cid).await
    }

    /// The payment method types the account may use and the customer's tokenized cards.
    pub async fn mas_payment_methods(&self, customer_id: &str, account_id: &str, cid: Option<&str>) -> Result<Reply<AvailablePaymentMethods>, ClientError> {
        check::uuid("account_id", account_id)?;
        let path = format!("{}/{account_id}/payment-methods", customer_path(customer_id)?);
        self.call(Request::new(Method::Get, path), cid).await
    }

    /// One account.
    pub async fn mas_account(&self, account_id: &str, cid: Option<&str>) -> Result<Reply<GetAccount>, ClientError> {
        self.call(Request::new(Method::Get, account_path(account_id)?), cid).await
    }

    /// Admins: a new payment method (the IBAN's country length and check digits, or the card token, are
    /// checked first). [`PaymentMethodChange::Pending`]: a card is still being tokenized (202).
    pub async fn mas_change_payment_method(
        &self,
        account_id: &str,
        body: &PatchAccountPaymentMethod,
        cid: Option<&str>,
    ) -> Result<Reply<PaymentMethodChange>, ClientError> {
        let path = format!("{}/payment-method", account_path(account_id)?);
        body.validate()?;
        let (status, reply) = self.exchange_with_status(Request::new(Method::Patch, path).json(&body.normalized()), cid).await?;
        let change = if status == 202 { PaymentMethodChange::Pending } else { PaymentMethodChange::Applied };
        Ok(Reply { value: change, correlation_id: reply.correlation_id, etag: reply.etag })
    }

    /// The billing addresses set between `from` and `to` (yyyy-mm-dd, either open), newest first.
    pub async fn mas_billing_address_history(
        &self,
        account_id: &str,
        from: Option<&str>,
        to: Option<&str>,
        cid: Option<&str>,
    ) -> Result<Reply<BillingAddressHistoryResponse>, ClientError> {
        let base = account_path(account_id)?;
        check::date_range(from, to)?;
        let path = format!("{base}/billing-address-history{}", query(&[("from", from), ("to", to)]));
        self.call(Request::new(Method::Get, path), cid).await
    }

    /// The current promotions (active and scheduled).
    pub async fn mas_promotions(&self, account_id: &str, cid: Option<&str>) -> Result<Reply<Vec<AccountPromotion>>, ClientError> {
        let path = format!("{}/promotions", account_path(account_id)?);
        self.call(Request::new(Method::Get, path), cid).await
    }

    /// The account's promotions of one kind (the page's tabs: Active, Scheduled, All).
    pub async fn mas_account_promotions(
        &self,
        account_id: &str,
        kind: &AccountPromotionType,
        cid: Option<&str>,
    ) -> Result<Reply<Vec<AccountPromotion>>, ClientError> {
        let base = account_path(account_id)?;
        if let AccountPromotionType::Other(other) = kind {
            let message = format!("'{other}' is not a promotion type: use ACTIVE, SCHEDULED or ALL");
            return Err(ValidationError { field: "account_promotion_type", message }.into());
        }
        let path = format!("{base}/account-promotions{}", query(&[("account_promotion_type", Some(kind.as_str()))]));
        self.call(Request::new(Method::Get, path), cid).await
    }

    /// The changes of the account's promotions on or after `start_date` (yyyy-mm-dd; none: all), newest first.
    pub async fn mas_promotions_history(
        &self,
        account_id: &str,
        start_date: Option<&str>,
        cid: Option<&str>,
    ) -> Result<Reply<Vec<AccountPromotionHistory>>, ClientError> {
        let base = account_path(account_id)?;
        if let Some(day) = start_date {
            check::date("start_date", day)?;
        }
        let path = format!("{base}/promotions-history{}", query(&[("start_date", start_date)]));
        self.call(Request::new(Method::Get, path), cid).await
    }

    /// Admins: cancels a promotion from `body.cancellation_date` (not in the past, not after its end:
    /// MasCustomers says which with its code).
    pub async fn mas_cancel_promotion(
        &self,
        account_id: &str,
        account_promotion_id: &str,
        body: &PatchAccountPromotion,
        cid: Option<&str>,
    ) -> Result<Reply<()>, ClientError> {
        let base = account_path(account_id)?;
        check::uuid("account_promotion_id", account_promotion_id)?;
        body.validate()?;
        self.call(Request::new(Method::Patch, format!("{base}/promotions/{account_promotion_id}")).json(body), cid).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::{JsonText, ProblemKind};

    #[test]
    fn paths_take_only_uuids_and_encode_their_queries() {
        assert_eq!(customer_path("a11ce000-0000-4000-8000-000000000001").unwrap(), "/api/mas/customers/a11ce000-0000-4000-8000-000000000001/accounts");
        for bad in ["demo-alice", "", "a11ce000-0000-4000-8000-00000000000/"] {
            assert_eq!(customer_path(bad).unwrap_err().field, "customer_id", "{bad:?}");
            assert_eq!(account_path(bad).unwrap_err().field, "account_id", "{bad:?}");
        }
        assert_eq!(query(&[("from", Some("2025-01-01")), ("to", None)]), "?from=2025-01-01");
        assert_eq!(query(&[("to", None)]), "");
    }

    #[test]
    fn a_problem_keeps_mascustomers_code_and_details() {
        let mut problem = ApiProblem::new(409, ProblemKind::UpstreamError, "The account has an active promotion.");
        assert_eq!(mas_error_code(&problem), None);
        problem.error_type = Some("ACCOUNT_HAS_PROMOTIONS".into());
        problem.attributes = JsonText::of(&[ErrorDetail { field: Some("account_id".into()), message: "cancel PROMO-5GB first".into() }]);
        assert_eq!(mas_error_code(&problem), Some(ErrorCode::AccountHasPromotions));
        assert_eq!(mas_error_details(&problem)[0].message, "cancel PROMO-5GB first");
    }
}
