//! MasStack's token endpoint and the bearer, scope and organization checks of MasCustomers, over HTTP;
//! and the OpenAPI document.

mod mas_common;

use base64::Engine;
use console_sandbox::mas::oauth::{sign, MasClaims};
use console_sandbox::{MAS_CLIENT_ID, MAS_CLIENT_SECRET, MAS_TOKEN_AUDIENCE, MAS_TOKEN_ISSUER};
use mas_common::*;
use reqwest::Method;
use serde_json::json;

fn claims(scope: &str, orgs: &[&str], exp_in: i64) -> MasClaims {
    let now = chrono::Utc::now().timestamp();
    MasClaims {
        iss: MAS_TOKEN_ISSUER.into(),
        aud: MAS_TOKEN_AUDIENCE.into(),
        sub: MAS_CLIENT_ID.into(),
        iat: now - 700,
        exp: now + exp_in,
        jti: "t-1".into(),
        scope: scope.into(),
        orgs: orgs.iter().map(|o| o.to_string()).collect(),
    }
}

#[tokio::test]
async fn the_demo_client_gets_a_jwt_with_its_scopes_and_orgs_by_basic_or_body() {
    let s = sandbox().await;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{MAS_CLIENT_ID}:{MAS_CLIENT_SECRET}"));
    let r = client()
        .post(format!("{}/masstack/oauth/token", s.base_url()))
        .header("authorization", format!("Basic {basic}"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!((body["token_type"].as_str(), body["expires_in"].as_u64()), (Some("Bearer"), Some(600)));
    assert_eq!(body["scope"], "accounts:read accounts:write");
    let payload = body["access_token"].as_str().unwrap().split('.').nth(1).unwrap().to_string();
    let claims: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["orgs"], json!(["telco"]));
    assert_eq!(claims["scope"], "accounts:read accounts:write");

    // JSON body and a narrower scope.
    let r = client()
        .post(format!("{}/masstack/oauth/token", s.base_url()))
        .json(&json!({"grant_type": "client_credentials", "client_id": MAS_CLIENT_ID, "client_secret": MAS_CLIENT_SECRET, "scope": "accounts:read"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["scope"], "accounts:read");
}

#[tokio::test]
async fn the_token_endpoint_refuses_wrong_clients_grants_and_scopes() {
    let s = sandbox().await;
    let base = [("client_id", MAS_CLIENT_ID), ("client_secret", MAS_CLIENT_SECRET)];
    let with = |extra: &[(&'static str, &'static str)]| [&base[..], extra].concat();
    let (status, body) = token_with(&s, &with(&[("grant_type", "password")])).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unsupported_grant_type")), "{body}");
    let (status, body) = token_with(&s, &base).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
    let (status, body) = token_with(&s, &with(&[("grant_type", "client_credentials"), ("scope", "accounts:admin")])).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_scope")), "{body}");
    let (status, body) = token_with(
        &s,
        &[("grant_type", "client_credentials"), ("client_id", MAS_CLIENT_ID), ("client_secret", "guess")],
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{body}");
    let (status, body) =
        token_with(&s, &[("grant_type", "client_credentials"), ("client_id", "console-service"), ("client_secret", MAS_CLIENT_SECRET)]).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{body}");
}

#[tokio::test]
async fn missing_invalid_expired_or_foreign_tokens_are_401_with_an_error_response() {
    let s = sandbox().await;
    let url = account_url(&s, ALICE_POSTPAID, "");
    let (status, body, headers) = call(Method::GET, &url, None, None).await;
    refused(&(status, body), 401, "UNAUTHORIZED");
    assert!(headers["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    refused(&get(&url, "not-a-jwt").await, 401, "UNAUTHORIZED");
    let expired = sign(&claims("accounts:read", &["telco"], -1));
    let answer = get(&url, &expired).await;
    refused(&answer, 401, "UNAUTHORIZED");
    assert!(answer.1["message"].as_str().unwrap().contains("expired"), "{}", answer.1);
    let mut foreign = claims("accounts:read", &["telco"], 600);
    foreign.aud = "someone-else".into();
    refused(&get(&url, &sign(&foreign)).await, 401, "UNAUTHORIZED");
    // The bank's own access tokens are not MasStack's.
    let apiture = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims("accounts:read", &["telco"], 600),
        &jsonwebtoken::EncodingKey::from_secret(b"another key"),
    )
    .unwrap();
    refused(&get(&url, &apiture).await, 401, "UNAUTHORIZED");
}

#[tokio::test]
async fn reads_need_accounts_read_writes_accounts_write_and_the_org_must_be_the_tokens() {
    let s = sandbox().await;
    let reader = token_scoped(&s, "accounts:read").await;
    let writer = token_scoped(&s, "accounts:write").await;
    let account = account_url(&s, ALICE_POSTPAID, "");
    assert_eq!(get(&account, &reader).await.0, 200);
    let answer = get(&account, &writer).await;
    refused(&answer, 403, "FORBIDDEN");
    assert!(answer.1["message"].as_str().unwrap().contains("accounts:read"));
    let body = json!({"type": "DIRECT_DEBIT", "details": {"iban": GOOD_IBAN}});
    refused(&patch(&account_url(&s, ALICE_POSTPAID, "/payment-method"), &reader, body.clone()).await, 403, "FORBIDDEN");
    refused(&delete(&customer_url(&s, ALICE, &format!("/{ALICE_PREPAID}")), &reader).await, 403, "FORBIDDEN");
    assert_eq!(patch(&account_url(&s, ALICE_POSTPAID, "/payment-method"), &writer, body).await.0, 204);
    // Another organization: the token may not act on it, whatever exists there.
    let other_org = format!("{}/masstack/v4/orgs/bank/accounts/{ALICE_POSTPAID}", s.base_url());
    refused(&get(&other_org, &reader).await, 403, "FORBIDDEN");
    let other_token = sign(&claims("accounts:read accounts:write", &["bank"], 600));
    refused(&get(&account, &other_token).await, 403, "FORBIDDEN");
}

#[tokio::test]
async fn the_openapi_document_names_the_seeds_schemas_every_path_and_the_error_codes() {
    let s = sandbox().await;
    let r = client().get(format!("{}/masstack/v4/openapi.json", s.base_url())).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let doc: serde_json::Value = r.json().await.unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "GetAccount", "PatchAccountPaymentMethod", "PatchPaymentType", "AccountPromotion", "AccountPromotionHistory",
        "BillingAddress", "BillingAddressHistoryResponse", "PaymentMethod", "AvailablePaymentMethods", "AccountIds",
        "PostAccount", "AccountCreated", "ErrorResponse", "PatchAccountPromotion", "AccountPromotionType",
    ] {
        assert!(schemas.contains_key(name), "{name} missing");
    }
    assert!(schemas["BillingAddress"]["properties"].as_object().unwrap().contains_key("postal_code"), "snake_case");
    let paths = doc["paths"].as_object().unwrap();
    let account = "/masstack/v4/orgs/{org_id}/accounts/{account_id}";
    let customer = "/masstack/v4/orgs/{org_id}/customers/{customer_id}/accounts";
    for (path, method) in [
        (account.to_string(), "get"),
        (format!("{account}/payment-method"), "patch"),
        (format!("{account}/billing-address-history"), "get"),
        (format!("{account}/promotions"), "get"),
        (format!("{account}/account-promotions"), "get"),
        (format!("{account}/promotions-history"), "get"),
        (format!("{account}/promotions/{{account_promotion_id}}"), "patch"),
        (customer.to_string(), "get"),
        (customer.to_string(), "post"),
        (format!("{customer}/{{account_id}}"), "delete"),
        (format!("{customer}/{{account_id}}/payment-methods"), "get"),
        ("/masstack/oauth/token".to_string(), "post"),
    ] {
        let operation = paths.get(&path).and_then(|p| p.get(method));
        assert!(operation.is_some(), "{method} {path} missing");
        if path.starts_with("/masstack/v4") {
            // What every endpoint may answer besides its own, each an ErrorResponse.
            let responses = &operation.unwrap()["responses"];
            for status in ["400", "401", "403", "500", "503", "504"] {
                let schema = &responses[status]["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(schema, "#/components/schemas/ErrorResponse", "{method} {path} {status}: {responses}");
            }
        }
    }
    let errors = schemas["ErrorResponse"]["description"].as_str().unwrap();
    for code in console_api::mas::ErrorCode::KNOWN {
        assert!(errors.contains(code.as_str()), "{code} is not documented");
    }
    // An unknown path under /masstack/v4 is an ErrorResponse too.
    let token = token(&s).await;
    refused(&get(&format!("{}/masstack/v4/nothing", s.base_url()), &token).await, 404, "INVALID_REQUEST");
}
