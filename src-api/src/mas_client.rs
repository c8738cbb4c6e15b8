//! The typed MasCustomers v4 client: one method per endpoint of seed 003 (paths in API-NOTES), inputs
//! checked before anything is sent, errors typed (MasCustomers' ErrorResponse with its status).
//!
//! Over any [`Transport`] whose base is `.../v4` (the sandbox's `/masstack/v4`); the transport carries the
//! bearer token of MasStack's own authorization server (`console-link`).

use serde::de::DeserializeOwned;
use thiserror::Error;

use crate::d1_client::CorrelationId;
use crate::mas::{
    check, AccountCreated, AccountIds, AccountPromotion, AccountPromotionHistory, AccountPromotionType,
    AvailablePaymentMethods, BillingAddressHistoryResponse, ErrorCode, ErrorResponse, GetAccount,
    PatchAccountPaymentMethod, PatchAccountPromotion, PostAccount,
};
use crate::transport::{encode_component, Method, Request, Response, Transport, TransportError};
use crate::validate::{self, ValidationError};

/// Why a MasCustomers call failed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum MasError {
    /// Refused before sending: the input breaks a rule of [`crate::mas::check`].
    #[error("invalid input: {0}")]
    Invalid(#[from] ValidationError),
    #[error("{0}")]
    Transport(#[from] TransportError),
    /// MasCustomers answered an error status; `error` is its ErrorResponse (`None` when the body was not
    /// one, as for 405).
    #[error("MasCustomers answered {status}{}", .error.as_ref().map(|e| format!(" {}: {}", e.code, e.message)).unwrap_or_default())]
    Api { status: u16, error: Option<ErrorResponse> },
    #[error("unexpected answer from MasCustomers: {0}")]
    Decode(String),
}

impl MasError {
    /// MasCustomers' error code, when it answered one.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            MasError::Api { error: Some(e), .. } => Some(&e.code),
            _ => None,
        }
    }

    /// The HTTP status MasCustomers answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            MasError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// What a payment method change did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentMethodChange {
    /// 204: the account uses it now.
    Applied,
    /// 202: a card is still being tokenized; the account shows it as `pending_payment_method` until then.
    Pending,
}

/// MasCustomers v4 for one organization.
#[derive(Clone, Debug)]
pub struct MasClient<T> {
    transport: T,
    org_id: String,
    correlation_id: Option<CorrelationId>,
}

/// `org_id`: an organization name, 1 to 64 letters, digits, '_' or '-' (it is a path segment).
pub const ORG_ID: validate::CharRule = validate::id_rule("org_id");

impl<T: Transport> MasClient<T> {
    pub fn new(transport: T, org_id: &str) -> Result<Self, ValidationError> {
        ORG_ID.check(org_id)?;
        Ok(MasClient { transport, org_id: org_id.to_string(), correlation_id: None })
    }

    /// Sends `x-correlation-id` with every request of this client (the use case's, for the logs).
    pub fn with_correlation_id(mut self, cid: &CorrelationId) -> Self {
        self.correlation_id = Some(cid.clone());
        self
    }

    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    fn account_path(&self, account_id: &str) -> Result<String, ValidationError> {
        check::uuid("account_id", account_id)?;
        Ok(format!("/orgs/{}/accounts/{account_id}", encode_component(&self.org_id)))
    }

    fn customer_path(&self, customer_id: &str) -> Result<String, ValidationError> {
        check::uuid("customer_id", customer_id)?;
        Ok(format!("/orgs/{}/customers/{customer_id}/accounts", encode_component(&self.org_id)))
    }

    async fn exchange(&self, request: Request) -> Result<Response, MasError> {
        let request = match &self.correlation_id {
            Some(cid) => request.header("x-correlation-id", cid.as_str()),
            None => request,
        };
        let response = self.transport.send(request).await?;
        if response.is_success() {
            Ok(response)
        } else {
            Err(error_of(&response))
        }
    }

    async fn get<V: DeserializeOwned>(&self, path: String) -> Result<V, MasError> {
        decode(&self.exchange(Request::new(Method::Get, path)).await?)
    }

    /// `GET /orgs/{org}/accounts/{account_id}`.
    pub async fn get_account(&self, account_id: &str) -> Result<GetAccount, MasError> {
        self.get(self.account_path(account_id)?).await
    }

    /// `PATCH .../payment-method`: the IBAN is sent in its electronic form.
    pub async fn patch_payment_method(
        &self,
        account_id: &str,
        body: &PatchAccountPaymentMethod,
    ) -> Result<PaymentMethodChange, MasError> {
        body.validate()?;
        let path = format!("{}/payment-method", self.account_path(account_id)?);
        let response = self.exchange(Request::new(Method::Patch, path).json(&body.normalized())).await?;
        Ok(if response.status == 202 { PaymentMethodChange::Pending } else { PaymentMethodChange::Applied })
    }

    /// `GET .../billing-address-history?from=&to=` (yyyy-mm-dd, `from` not after `to`), newest first.
    pub async fn billing_address_history(
        &self,
        account_id: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<BillingAddressHistoryResponse, MasError> {
        check::date_range(from, to)?;
        let query = [("from", from), ("to", to)];
        let path = format!("{}/billing-address-history{}", self.account_path(account_id)?, query_string(&query));
        self.get(path).await
    }

    /// `GET .../promotions`: the current ones (ACTIVE and SCHEDULED).
    pub async fn promotions(&self, account_id: &str) -> Result<Vec<AccountPromotion>, MasError> {
        self.get(format!("{}/promotions", self.account_path(account_id)?)).await
    }

    /// `GET .../account-promotions?account_promotion_type=` (none: ALL).
    pub async fn account_promotions(
        &self,
        account_id: &str,
        kind: Option<&AccountPromotionType>,
    ) -> Result<Vec<AccountPromotion>, MasError> {
        if let Some(AccountPromotionType::Other(other)) = kind {
            return Err(ValidationError {
                field: "account_promotion_type",
                message: format!("'{other}' is not a promotion type: use ACTIVE, SCHEDULED or ALL"),
            }
            .into());
        }
        let query = [("account_promotion_type", kind.map(AccountPromotionType::as_str))];
        self.get(format!("{}/account-promotions{}", self.account_path(account_id)?, query_string(&query))).await
    }

    /// `GET .../promotions-history?start_date=`: the changes made on or after that day, newest first.
    pub async fn promotions_history(
        &self,
        account_id: &str,
        start_date: Option<&str>,
    ) -> Result<Vec<AccountPromotionHistory>, MasError> {
        if let Some(day) = start_date {
            check::date("start_date", day)?;
        }
        let query = [("start_date", start_date)];
        self.get(format!("{}/promotions-history{}", self.account_path(account_id)?, query_string(&query))).await
    }

    /// `PATCH .../promotions/{account_promotion_id}`: cancel from `cancellation_date` (204).
    pub async fn cancel_promotion(
        &self,
        account_id: &str,
        account_promotion_id: &str,
        body: &PatchAccountPromotion,
    ) -> Result<(), MasError> {
        check::uuid("account_promotion_id", account_promotion_id)?;
        body.validate()?;
        let path = format!("{}/promotions/{account_promotion_id}", self.account_path(account_id)?);
        self.exchange(Request::new(Method::Patch, path).json(body)).await.map(|_| ())
    }

    /// `GET /orgs/{org}/customers/{customer_id}/accounts`.
    pub async fn account_ids(&self, customer_id: &str) -> Result<AccountIds, MasError> {
        self.get(self.customer_path(customer_id)?).await
    }

    /// `POST /orgs/{org}/customers/{customer_id}/accounts` (200 AccountCreated; 409 on a conflict).
    pub async fn create_account(&self, customer_id: &str, body: &PostAccount) -> Result<AccountCreated, MasError> {
        body.validate()?;
        let body = PostAccount { payment_method: body.payment_method.normalized(), ..body.clone() };
        decode(&self.exchange(Request::new(Method::Post, self.customer_path(customer_id)?).json(&body)).await?)
    }

    /// `DELETE /orgs/{org}/customers/{customer_id}/accounts/{account_id}` (204; 409 while not deletable).
    pub async fn delete_account(&self, customer_id: &str, account_id: &str) -> Result<(), MasError> {
        check::uuid("account_id", account_id)?;
        let path = format!("{}/{account_id}", self.customer_path(customer_id)?);
        self.exchange(Request::new(Method::Delete, path)).await.map(|_| ())
    }

    /// `GET /orgs/{org}/customers/{customer_id}/accounts/{account_id}/payment-methods`.
    pub async fn payment_methods(
        &self,
        customer_id: &str,
        account_id: &str,
    ) -> Result<AvailablePaymentMethods, MasError> {
        check::uuid("account_id", account_id)?;
        self.get(format!("{}/{account_id}/payment-methods", self.customer_path(customer_id)?)).await
    }
}

/// `?a=1&b=2` of the values given, percent-encoded; empty when none is.
fn query_string(pairs: &[(&str, Option<&str>)]) -> String {
    let given: Vec<String> =
        pairs.iter().filter_map(|(k, v)| v.map(|v| format!("{k}={}", encode_component(v)))).collect();
    if given.is_empty() {
        String::new()
    } else {
        format!("?{}", given.join("&"))
    }
}

/// The error of a non-2xx answer: its ErrorResponse when the body is one.
fn error_of(response: &Response) -> MasError {
    MasError::Api { status: response.status, error: serde_json::from_slice(&response.body).ok() }
}

fn decode<V: DeserializeOwned>(response: &Response) -> Result<V, MasError> {
    serde_json::from_slice(&response.body).map_err(|e| MasError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::sync::Mutex;

    const ACCOUNT: &str = "0a0a0a0a-0000-4000-8000-000000000001";
    const CUSTOMER: &str = "a11ce000-0000-4000-8000-000000000001";

    /// Answers every request with one status and body, and keeps what was sent.
    struct Canned {
        status: u16,
        body: &'static str,
        sent: Mutex<Vec<Request>>,
    }

    impl Transport for Canned {
        async fn send(&self, request: Request) -> Result<Response, TransportError> {
            self.sent.lock().unwrap().push(request);
            Ok(Response { status: self.status, headers: Vec::new(), body: self.body.as_bytes().to_vec() })
        }
    }

    fn canned(status: u16, body: &'static str) -> Canned {
        Canned { status, body, sent: Mutex::new(Vec::new()) }
    }

    /// The fake answers at once: one poll finishes the call.
    fn now<F: Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        match future.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())) {
            std::task::Poll::Ready(output) => output,
            std::task::Poll::Pending => panic!("the fake never waits"),
        }
    }

    #[test]
    fn paths_and_queries_are_the_api_notes_ones() {
        let upstream = canned(200, "[]");
        let client = MasClient::new(&upstream, "telco").unwrap();
        now(client.promotions(ACCOUNT)).unwrap();
        now(client.account_promotions(ACCOUNT, Some(&AccountPromotionType::Scheduled))).unwrap();
        now(client.promotions_history(ACCOUNT, Some("2026-01-01"))).unwrap();
        now(client.promotions_history(ACCOUNT, None)).unwrap();
        let paths: Vec<String> = upstream.sent.lock().unwrap().iter().map(|r| r.path.clone()).collect();
        assert_eq!(
            paths,
            [
                format!("/orgs/telco/accounts/{ACCOUNT}/promotions"),
                format!("/orgs/telco/accounts/{ACCOUNT}/account-promotions?account_promotion_type=SCHEDULED"),
                format!("/orgs/telco/accounts/{ACCOUNT}/promotions-history?start_date=2026-01-01"),
                format!("/orgs/telco/accounts/{ACCOUNT}/promotions-history"),
            ]
        );
    }

    #[test]
    fn bad_input_is_refused_before_anything_is_sent() {
        let upstream = canned(200, "{}");
        let client = MasClient::new(&upstream, "telco").unwrap();
        let refused = |e: MasError, field: &str| match e {
            MasError::Invalid(v) => assert_eq!(v.field, field, "{v}"),
            other => panic!("{other}"),
        };
        refused(now(client.get_account("12")).unwrap_err(), "account_id");
        refused(now(client.billing_address_history(ACCOUNT, Some("2026-02-01"), Some("2026-01-01"))).unwrap_err(), "from");
        let bad_iban = PatchAccountPaymentMethod::direct_debit("ES00 0000");
        refused(now(client.patch_payment_method(ACCOUNT, &bad_iban)).unwrap_err(), "details.iban");
        let bad_day = PatchAccountPromotion { cancellation_date: "tomorrow".into() };
        refused(now(client.cancel_promotion(ACCOUNT, ACCOUNT, &bad_day)).unwrap_err(), "cancellation_date");
        refused(now(client.account_ids("alice")).unwrap_err(), "customer_id");
        assert!(upstream.sent.lock().unwrap().is_empty());
        assert!(MasClient::new(&upstream, "tel/co").is_err());
    }

    #[test]
    fn a_payment_method_goes_out_normalized_and_202_is_pending() {
        let upstream = canned(202, "");
        let client = MasClient::new(&upstream, "telco").unwrap();
        let card = PatchAccountPaymentMethod::credit_card("5F0C3C7E-8D7A-4C8E-9D3B-1B2A3C4D5E6F");
        assert_eq!(now(client.patch_payment_method(ACCOUNT, &card)), Ok(PaymentMethodChange::Pending));
        let sent = upstream.sent.lock().unwrap()[0].clone();
        assert_eq!(sent.method, Method::Patch);
        assert_eq!(
            String::from_utf8(sent.body.unwrap()).unwrap(),
            r#"{"type":"CREDIT_CARD","details":{"token_id":"5f0c3c7e-8d7a-4c8e-9d3b-1b2a3c4d5e6f"}}"#
        );
        let applied = canned(204, "");
        let debit = PatchAccountPaymentMethod::direct_debit("es91 2100 0418 4502 0005 1332");
        let client = MasClient::new(&applied, "telco").unwrap();
        assert_eq!(now(client.patch_payment_method(ACCOUNT, &debit)), Ok(PaymentMethodChange::Applied));
        let body = applied.sent.lock().unwrap()[0].body.clone().unwrap();
        assert!(String::from_utf8(body).unwrap().contains(r#""iban":"ES9121000418450200051332""#));
    }

    #[test]
    fn error_responses_keep_their_status_and_code() {
        let upstream = canned(409, r#"{"code":"ACCOUNT_HAS_PROMOTIONS","message":"cancel them first","details":[]}"#);
        let client = MasClient::new(&upstream, "telco").unwrap();
        let e = now(client.delete_account(CUSTOMER, ACCOUNT)).unwrap_err();
        assert_eq!((e.status(), e.code()), (Some(409), Some(&ErrorCode::AccountHasPromotions)));
        assert_eq!(upstream.sent.lock().unwrap()[0].path, format!("/orgs/telco/customers/{CUSTOMER}/accounts/{ACCOUNT}"));
        let not_json = canned(405, "");
        let e = now(MasClient::new(&not_json, "telco").unwrap().get_account(ACCOUNT)).unwrap_err();
        assert_eq!(e, MasError::Api { status: 405, error: None });
        let garbled = canned(200, "{");
        assert!(matches!(now(MasClient::new(&garbled, "telco").unwrap().get_account(ACCOUNT)), Err(MasError::Decode(_))));
    }

    #[test]
    fn the_correlation_id_goes_with_every_request() {
        let upstream = canned(200, r#"{"customer_id":"x","account_ids":[]}"#);
        let cid = CorrelationId::parse("use-case-1").unwrap();
        let client = MasClient::new(&upstream, "telco").unwrap().with_correlation_id(&cid);
        now(client.account_ids(CUSTOMER)).unwrap();
        let sent = upstream.sent.lock().unwrap()[0].clone();
        assert!(sent.headers.contains(&("x-correlation-id".into(), "use-case-1".into())));
    }
}
