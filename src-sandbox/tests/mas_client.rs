//! `console_api::mas_client::MasClient` against the sandbox over real HTTP: every endpoint decodes into
//! the shared models, writes go through, and refusals come back typed with MasCustomers' code.

mod mas_common;

use console_api::mas::{
    AccountPromotionType, BillingAddress, ErrorCode, Modality, PatchAccountPaymentMethod, PatchAccountPromotion,
    PostAccount, PromotionStatus,
};
use console_api::mas_client::{MasClient, MasError, PaymentMethodChange};
use console_api::transport::{Method, Request, Response, Transport, TransportError};
use mas_common::*;

/// The smallest Transport: reqwest to `{base}/masstack/v4` with a bearer token.
struct Http {
    base: String,
    token: String,
}

impl Transport for Http {
    async fn send(&self, request: Request) -> Result<Response, TransportError> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = client().request(method, format!("{}{}", self.base, request.path)).bearer_auth(&self.token);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let r = builder.send().await.map_err(|e| TransportError::Connect(e.to_string()))?;
        let status = r.status().as_u16();
        let body = r.bytes().await.map_err(|e| TransportError::Interrupted(e.to_string()))?.to_vec();
        Ok(Response { status, headers: Vec::new(), body })
    }
}

#[tokio::test]
async fn every_endpoint_through_the_typed_client() {
    let s = sandbox().await;
    let http = Http { base: format!("{}/masstack/v4", s.base_url()), token: token(&s).await };
    let mas = MasClient::new(&http, ORG).unwrap();

    let ids = mas.account_ids(ALICE).await.unwrap();
    assert_eq!(ids.account_ids, [ALICE_POSTPAID, ALICE_PREPAID]);
    let account = mas.get_account(ALICE_POSTPAID).await.unwrap();
    assert_eq!(account.modality, Modality::Postpaid);
    let methods = mas.payment_methods(ALICE, ALICE_POSTPAID).await.unwrap();
    assert_eq!(methods.cards.len(), 2);
    let history = mas.billing_address_history(ALICE_POSTPAID, Some(&day(-800)), Some(&day(0))).await.unwrap();
    assert_eq!(history.billing_addresses.len(), 5);
    assert_eq!(mas.promotions(ALICE_POSTPAID).await.unwrap().len(), 2);
    let scheduled = mas.account_promotions(ALICE_POSTPAID, Some(&AccountPromotionType::Scheduled)).await.unwrap();
    assert_eq!(scheduled[0].status, PromotionStatus::Scheduled);
    assert_eq!(mas.account_promotions(ALICE_POSTPAID, None).await.unwrap().len(), 4);

    let debit = PatchAccountPaymentMethod::direct_debit(GOOD_IBAN);
    assert_eq!(mas.patch_payment_method(ALICE_POSTPAID, &debit).await, Ok(PaymentMethodChange::Applied));
    let card = PatchAccountPaymentMethod::credit_card("0badcafe-2222-4000-8000-000000000042");
    assert_eq!(mas.patch_payment_method(ALICE_POSTPAID, &card).await, Ok(PaymentMethodChange::Pending));
    let cancel = PatchAccountPromotion { cancellation_date: day(0) };
    mas.cancel_promotion(ALICE_POSTPAID, ALICE_SCHEDULED_PROMO, &cancel).await.unwrap();
    let changes = mas.promotions_history(ALICE_POSTPAID, Some(&day(0))).await.unwrap();
    assert_eq!(changes.len(), 1);

    let post = PostAccount {
        modality: Modality::RecurringPrepaid,
        billing_address: Some(BillingAddress {
            address_line1: "Calle Mayor 2".into(),
            address_line2: None,
            city: "Madrid".into(),
            postal_code: "28013".into(),
            region: None,
            country: "ES".into(),
        }),
        payment_method: PatchAccountPaymentMethod::credit_card(ALICE_CARD),
    };
    let created = mas.create_account(ALICE, &post).await.unwrap();
    mas.delete_account(ALICE, &created.account_id).await.unwrap();

    let busy = mas.delete_account(ALICE, ALICE_POSTPAID).await.unwrap_err();
    assert_eq!((busy.status(), busy.code()), (Some(409), Some(&ErrorCode::AccountHasPromotions)));
    let carols = PostAccount {
        payment_method: PatchAccountPaymentMethod::credit_card("ca201000-cafe-4000-b000-000000000000"),
        ..post
    };
    let full = mas.create_account(CAROL, &carols).await.unwrap_err();
    assert_eq!((full.status(), full.code()), (Some(409), Some(&ErrorCode::AccountLimitReached)));
    assert!(matches!(mas.get_account(UNKNOWN).await, Err(MasError::Api { status: 404, .. })));
}
