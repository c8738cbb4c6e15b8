//! MasCustomers' account endpoints over HTTP: get, payment method (IBAN, cards, tokenization), billing
//! address history, account ids, create, delete, available payment methods; every rule and refusal.

mod mas_common;

use mas_common::*;
use serde_json::{json, Value};

fn address(city: &str) -> Value {
    json!({"address_line1": "Gran Via 1", "city": city, "postal_code": "28013", "country": "ES"})
}

#[tokio::test]
async fn an_account_answers_its_modality_address_and_payment_method() {
    let s = sandbox().await;
    let token = token(&s).await;
    let (status, account) = get(&account_url(&s, ALICE_POSTPAID, ""), &token).await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["account_id"], ALICE_POSTPAID);
    assert_eq!((account["customer_id"].as_str(), account["org_id"].as_str()), (Some(ALICE), Some("telco")));
    assert_eq!(account["modality"], "POSTPAID");
    assert_eq!(account["payment_method"], json!({"type": "DIRECT_DEBIT", "details": {"iban": "ES9121000418450200051332"}}));
    assert_eq!(account["billing_address"]["country"], "ES");
    assert!(account.get("pending_payment_method").is_none());
    let decoded: console_api::mas::GetAccount = serde_json::from_value(account).unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(&decoded.created_at).is_ok());
    // Upper-case uuids name the same account.
    assert_eq!(get(&account_url(&s, &ALICE_POSTPAID.to_uppercase(), ""), &token).await.0, 200);
}

#[tokio::test]
async fn ids_that_are_not_uuids_are_400_and_unknown_ones_404() {
    let s = sandbox().await;
    let token = token(&s).await;
    let answer = get(&account_url(&s, "alice-1", ""), &token).await;
    refused(&answer, 400, "INVALID_ID");
    assert_eq!(answer.1["details"][0]["field"], "account_id");
    refused(&get(&account_url(&s, UNKNOWN, ""), &token).await, 404, "ACCOUNT_NOT_FOUND");
    refused(&get(&customer_url(&s, "C-100001", ""), &token).await, 400, "INVALID_ID");
    refused(&get(&customer_url(&s, UNKNOWN, ""), &token).await, 404, "CUSTOMER_NOT_FOUND");
    refused(&get(&customer_url(&s, ALICE, "/nope/payment-methods"), &token).await, 400, "INVALID_ID");
    // Bob's account is not Alice's.
    refused(&get(&customer_url(&s, ALICE, &format!("/{BOB_POSTPAID}/payment-methods")), &token).await, 404, "ACCOUNT_NOT_FOUND");
    refused(&delete(&customer_url(&s, ALICE, &format!("/{BOB_POSTPAID}")), &token).await, 404, "ACCOUNT_NOT_FOUND");
}

#[tokio::test]
async fn a_customers_account_ids_and_the_payment_methods_each_account_may_use() {
    let s = sandbox().await;
    let token = token(&s).await;
    let (status, ids) = get(&customer_url(&s, ALICE, ""), &token).await;
    assert_eq!(status, 200);
    assert_eq!(ids, json!({"customer_id": ALICE, "account_ids": [ALICE_POSTPAID, ALICE_PREPAID]}));
    let (_, carol) = get(&customer_url(&s, CAROL, ""), &token).await;
    assert_eq!(carol["account_ids"].as_array().unwrap().len(), 3);

    let (status, methods) = get(&customer_url(&s, ALICE, &format!("/{ALICE_POSTPAID}/payment-methods")), &token).await;
    assert_eq!(status, 200, "{methods}");
    assert_eq!(methods["payment_types"], json!(["DIRECT_DEBIT", "CREDIT_CARD"]));
    let cards = methods["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 2);
    assert_eq!(cards[0]["token_id"], ALICE_CARD);
    let (_, prepaid) = get(&customer_url(&s, ALICE, &format!("/{ALICE_PREPAID}/payment-methods")), &token).await;
    assert_eq!(prepaid["payment_types"], json!(["CREDIT_CARD"]));
}

#[tokio::test]
async fn a_direct_debit_needs_a_valid_iban_and_is_stored_electronic() {
    let s = sandbox().await;
    let token = token(&s).await;
    let url = account_url(&s, ALICE_POSTPAID, "/payment-method");
    let changed = patch(&url, &token, json!({"type": "DIRECT_DEBIT", "details": {"iban": "de89 3704 0044 0532 0130 00"}})).await;
    assert_eq!(changed.0, 204, "{}", changed.1);
    let (_, account) = get(&account_url(&s, ALICE_POSTPAID, ""), &token).await;
    assert_eq!(account["payment_method"]["details"]["iban"], "DE89370400440532013000");

    let checksum = patch(&url, &token, json!({"type": "DIRECT_DEBIT", "details": {"iban": "DE88 3704 0044 0532 0130 00"}})).await;
    refused(&checksum, 400, "INVALID_IBAN");
    assert_eq!(checksum.1["details"][0]["field"], "details.iban");
    assert!(checksum.1["message"].as_str().unwrap().contains("check digits"), "{}", checksum.1);
    let short = patch(&url, &token, json!({"type": "DIRECT_DEBIT", "details": {"iban": "DE89 3704 0044 0532 0130 0"}})).await;
    refused(&short, 400, "INVALID_IBAN");
    assert!(short.1["message"].as_str().unwrap().contains("an IBAN of DE (Germany) has 22"), "{}", short.1);
    refused(&patch(&url, &token, json!({"type": "DIRECT_DEBIT"})).await, 400, "INVALID_IBAN");
    refused(&patch(&url, &token, json!({"type": "DIRECT_DEBIT", "details": {"token_id": ALICE_CARD}})).await, 400, "INVALID_TOKEN_ID");
    refused(&patch(&url, &token, json!({"type": "CASH"})).await, 400, "INVALID_REQUEST");
    refused(&patch(&url, &token, json!({"details": {}})).await, 400, "INVALID_REQUEST");
    let (status, body, _) =
        call(reqwest::Method::PATCH, &url, Some(&token), None).await;
    refused(&(status, body), 400, "INVALID_REQUEST");
    // Nothing refused changed the account.
    let (_, account) = get(&account_url(&s, ALICE_POSTPAID, ""), &token).await;
    assert_eq!(account["payment_method"]["details"]["iban"], "DE89370400440532013000");
    // A prepaid account pays by card only.
    let prepaid = account_url(&s, ALICE_PREPAID, "/payment-method");
    refused(&patch(&prepaid, &token, json!({"type": "DIRECT_DEBIT", "details": {"iban": GOOD_IBAN}})).await, 400, "PAYMENT_METHOD_NOT_AVAILABLE");
}

#[tokio::test]
async fn a_known_card_applies_at_once_and_an_unknown_one_after_tokenization() {
    let s = sandbox().await;
    let token = token(&s).await;
    let url = account_url(&s, ALICE_POSTPAID, "/payment-method");
    assert_eq!(patch(&url, &token, json!({"type": "CREDIT_CARD", "details": {"token_id": ALICE_CARD}})).await.0, 204);
    let (_, account) = get(&account_url(&s, ALICE_POSTPAID, ""), &token).await;
    assert_eq!(account["payment_method"], json!({"type": "CREDIT_CARD", "details": {"token_id": ALICE_CARD}}));

    refused(&patch(&url, &token, json!({"type": "CREDIT_CARD", "details": {"token_id": "card-1234"}})).await, 400, "INVALID_TOKEN_ID");

    let new_card = "0badcafe-1234-4321-8000-000000005678";
    let started = std::time::Instant::now();
    assert_eq!(patch(&url, &token, json!({"type": "CREDIT_CARD", "details": {"token_id": new_card}})).await.0, 202);
    let (_, account) = get(&account_url(&s, ALICE_POSTPAID, ""), &token).await;
    assert_eq!(account["payment_method"]["details"]["token_id"], ALICE_CARD, "the old one until tokenized");
    assert_eq!(account["pending_payment_method"]["details"]["token_id"], new_card);
    let methods_url = customer_url(&s, ALICE, &format!("/{ALICE_POSTPAID}/payment-methods"));
    assert_eq!(get(&methods_url, &token).await.1["cards"].as_array().unwrap().len(), 2, "not offered yet");
    tokio::time::sleep(std::time::Duration::from_millis(3100).saturating_sub(started.elapsed())).await;
    let (_, account) = get(&account_url(&s, ALICE_POSTPAID, ""), &token).await;
    assert_eq!(account["payment_method"]["details"]["token_id"], new_card);
    assert!(account.get("pending_payment_method").is_none(), "{account}");
    let cards = get(&methods_url, &token).await.1["cards"].clone();
    assert_eq!(cards[2]["token_id"], new_card);
    assert_eq!(cards[2]["last_four"], "5678");
}

#[tokio::test]
async fn another_customers_card_is_answered_as_an_unknown_one_so_no_answer_says_it_exists() {
    let s = sandbox().await;
    let token = token(&s).await;
    let card = |token_id: &str| json!({"type": "CREDIT_CARD", "details": {"token_id": token_id}});
    let unknown = "0badcafe-0000-4000-8000-00000000beef";
    let bobs_url = customer_url(&s, BOB, &format!("/{BOB_POSTPAID}/payment-methods"));
    let bobs_before = get(&bobs_url, &token).await.1;
    // Opening an account: Bob's card and a token nobody has get one refusal, word for word.
    let alice = customer_url(&s, ALICE, "");
    let with_bobs = post(&alice, &token, json!({"modality": "RECURRING_PREPAID", "payment_method": card(BOB_CARD)})).await;
    let with_unknown = post(&alice, &token, json!({"modality": "RECURRING_PREPAID", "payment_method": card(unknown)})).await;
    refused(&with_bobs, 400, "INVALID_TOKEN_ID");
    assert_eq!(with_bobs.1, with_unknown.1, "the same answer for someone else's card and an unknown one");
    assert!(!with_bobs.1.to_string().contains("another customer"), "{}", with_bobs.1);
    // Changing a payment method: both are a card to tokenize for Alice (202), nothing more is said.
    let url = account_url(&s, ALICE_POSTPAID, "/payment-method");
    let started = std::time::Instant::now();
    assert_eq!(patch(&url, &token, card(BOB_CARD)).await, (202, Value::Null));
    assert_eq!(patch(&url, &token, card(unknown)).await, (202, Value::Null));
    tokio::time::sleep(std::time::Duration::from_millis(3100).saturating_sub(started.elapsed())).await;
    let alices = get(&customer_url(&s, ALICE, &format!("/{ALICE_POSTPAID}/payment-methods")), &token).await.1;
    let tokens: Vec<&str> = alices["cards"].as_array().unwrap().iter().filter_map(|c| c["token_id"].as_str()).collect();
    assert!(tokens.contains(&BOB_CARD) && tokens.contains(&unknown), "both tokenized as Alice's: {alices}");
    assert_eq!(get(&bobs_url, &token).await.1, bobs_before, "Bob's cards are as they were");
}

#[tokio::test]
async fn the_billing_address_history_filters_on_its_creation_day() {
    let s = sandbox().await;
    let token = token(&s).await;
    let url = |query: &str| account_url(&s, BEATRIZ_BUSY, &format!("/billing-address-history{query}"));
    let (status, all) = get(&url(""), &token).await;
    assert_eq!(status, 200, "{all}");
    let entries = all["billing_addresses"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 200);
    let stamps: Vec<&str> = entries.iter().map(|e| e["create_stamp"].as_str().unwrap()).collect();
    assert!(stamps.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let (_, account) = get(&account_url(&s, BEATRIZ_BUSY, ""), &token).await;
    assert_eq!(account["billing_address"], entries[0]["billing_address"], "the account's address is the newest");

    let (_, last_year) = get(&url(&format!("?from={}&to={}", day(-365), day(0))), &token).await;
    let n = last_year["billing_addresses"].as_array().unwrap().len();
    assert!((90..=110).contains(&n), "about half of two years: {n}");
    let (_, from_only) = get(&url(&format!("?from={}", day(-365))), &token).await;
    assert_eq!(from_only["billing_addresses"].as_array().unwrap().len(), n);
    let one_day = &stamps[10][..10];
    let (_, that_day) = get(&url(&format!("?from={one_day}&to={one_day}")), &token).await;
    let days: Vec<&str> = that_day["billing_addresses"].as_array().unwrap().iter().map(|e| &e["create_stamp"].as_str().unwrap()[..10]).collect();
    assert!(!days.is_empty() && days.iter().all(|d| d == &one_day), "{days:?}");
    let (_, future) = get(&url(&format!("?from={}", day(1))), &token).await;
    assert_eq!(future["billing_addresses"], json!([]));

    refused(&get(&url("?from=2024-13-01"), &token).await, 400, "INVALID_DATE");
    refused(&get(&url("?to=01-01-2024"), &token).await, 400, "INVALID_DATE");
    let range = get(&url("?from=2025-02-01&to=2025-01-01"), &token).await;
    refused(&range, 400, "INVALID_DATE_RANGE");
    assert_eq!(range.1["details"][0]["field"], "from");
    refused(&get(&account_url(&s, UNKNOWN, "/billing-address-history"), &token).await, 404, "ACCOUNT_NOT_FOUND");
}

#[tokio::test]
async fn an_account_is_created_with_its_address_and_listed() {
    let s = sandbox().await;
    let token = token(&s).await;
    let body = json!({"modality": "RECURRING_PREPAID", "billing_address": address("Madrid"),
        "payment_method": {"type": "CREDIT_CARD", "details": {"token_id": ALICE_CARD}}});
    let (status, created) = post(&customer_url(&s, ALICE, ""), &token, body).await;
    assert_eq!(status, 200, "{created}");
    let id = created["account_id"].as_str().unwrap().to_string();
    assert!(console_api::mas::check::uuid("account_id", &id).is_ok());
    let (_, ids) = get(&customer_url(&s, ALICE, ""), &token).await;
    assert_eq!(ids["account_ids"][2], id.as_str());
    let (_, account) = get(&account_url(&s, &id, ""), &token).await;
    assert_eq!((account["modality"].as_str(), account["billing_address"]["city"].as_str()), (Some("RECURRING_PREPAID"), Some("Madrid")));
    let (_, history) = get(&account_url(&s, &id, "/billing-address-history"), &token).await;
    assert_eq!(history["billing_addresses"].as_array().unwrap().len(), 1);
    assert_eq!(get(&account_url(&s, &id, "/promotions"), &token).await.1, json!([]));

    // Without a billing address (Bob has only a POSTPAID account, so a prepaid one is allowed).
    let body = json!({"modality": "RECURRING_PREPAID", "payment_method": {"type": "CREDIT_CARD", "details": {"token_id": BOB_CARD}}});
    let (status, created) = post(&customer_url(&s, BOB, ""), &token, body).await;
    assert_eq!(status, 200, "{created}");
    let (_, account) = get(&account_url(&s, created["account_id"].as_str().unwrap(), ""), &token).await;
    assert!(account.get("billing_address").is_none(), "{account}");
}

#[tokio::test]
async fn create_refuses_bad_input_with_its_code_and_conflicts_with_409() {
    let s = sandbox().await;
    let token = token(&s).await;
    let alice = customer_url(&s, ALICE, "");
    let card = json!({"type": "CREDIT_CARD", "details": {"token_id": ALICE_CARD}});
    let debit = json!({"type": "DIRECT_DEBIT", "details": {"iban": GOOD_IBAN}});
    refused(&post(&alice, &token, json!({"modality": "PREPAID", "payment_method": card})).await, 400, "INVALID_REQUEST");
    refused(&post(&alice, &token, json!({"modality": "POSTPAID"})).await, 400, "INVALID_REQUEST");
    let bad_address = post(&alice, &token, json!({"modality": "RECURRING_PREPAID", "payment_method": card,
        "billing_address": {"address_line1": "", "city": "Madrid", "postal_code": "28013", "country": "ES"}})).await;
    refused(&bad_address, 400, "INVALID_BILLING_ADDRESS");
    assert_eq!(bad_address.1["details"][0]["field"], "billing_address.address_line1");
    let bad_iban = post(&alice, &token, json!({"modality": "POSTPAID", "payment_method": {"type": "DIRECT_DEBIT", "details": {"iban": "ES00"}}})).await;
    refused(&bad_iban, 400, "INVALID_IBAN");
    assert_eq!(bad_iban.1["details"][0]["field"], "payment_method.details.iban");
    refused(&post(&alice, &token, json!({"modality": "RECURRING_PREPAID", "payment_method": debit})).await, 400, "PAYMENT_METHOD_NOT_AVAILABLE");
    // A card that is not tokenized yet cannot open an account, and leaves no trace.
    let fresh = "0badcafe-0000-4000-8000-000000000001";
    let untokenized = json!({"type": "CREDIT_CARD", "details": {"token_id": fresh}});
    refused(&post(&alice, &token, json!({"modality": "RECURRING_PREPAID", "payment_method": untokenized})).await, 400, "INVALID_TOKEN_ID");
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let (_, methods) = get(&customer_url(&s, ALICE, &format!("/{ALICE_POSTPAID}/payment-methods")), &token).await;
    assert!(!methods.to_string().contains(fresh), "the refused create was rolled back: {methods}");

    refused(&post(&customer_url(&s, UNKNOWN, ""), &token, json!({"modality": "RECURRING_PREPAID", "payment_method": card})).await, 404, "CUSTOMER_NOT_FOUND");
    let postpaid = post(&alice, &token, json!({"modality": "POSTPAID", "payment_method": debit})).await;
    refused(&postpaid, 409, "POSTPAID_ACCOUNT_EXISTS");
    assert!(postpaid.1["message"].as_str().unwrap().contains(ALICE_POSTPAID));
    let carol_card = json!({"type": "CREDIT_CARD", "details": {"token_id": "ca201000-cafe-4000-b000-000000000000"}});
    refused(&post(&customer_url(&s, CAROL, ""), &token, json!({"modality": "RECURRING_PREPAID", "payment_method": carol_card})).await, 409, "ACCOUNT_LIMIT_REACHED");
    assert_eq!(get(&alice, &token).await.1["account_ids"].as_array().unwrap().len(), 2, "nothing was created");
}

#[tokio::test]
async fn an_account_with_live_promotions_is_not_deleted_and_a_deleted_one_is_gone() {
    let s = sandbox().await;
    let token = token(&s).await;
    let busy = delete(&customer_url(&s, ALICE, &format!("/{ALICE_POSTPAID}")), &token).await;
    refused(&busy, 409, "ACCOUNT_HAS_PROMOTIONS");
    assert!(busy.1["message"].as_str().unwrap().contains("cancel them first"), "{}", busy.1);
    // Each promotion in the way in `details`, by its account promotion id, in words.
    let details = busy.1["details"].as_array().expect("details");
    assert!(details.len() >= 2, "{}", busy.1);
    assert!(details.iter().all(|d| d["field"].as_str().is_some_and(|f| f.len() == 36)), "{}", busy.1);
    let said: Vec<&str> = details.iter().filter_map(|d| d["message"].as_str()).collect();
    assert!(said.iter().any(|m| m.contains(": active until")) && said.iter().any(|m| m.contains(": scheduled from")), "{said:?}");

    let url = customer_url(&s, ALICE, &format!("/{ALICE_PREPAID}"));
    assert_eq!(delete(&url, &token).await.0, 204);
    refused(&get(&account_url(&s, ALICE_PREPAID, ""), &token).await, 404, "ACCOUNT_NOT_FOUND");
    refused(&get(&account_url(&s, ALICE_PREPAID, "/promotions"), &token).await, 404, "ACCOUNT_NOT_FOUND");
    refused(&delete(&url, &token).await, 404, "ACCOUNT_NOT_FOUND");
    assert_eq!(get(&customer_url(&s, ALICE, ""), &token).await.1["account_ids"], json!([ALICE_POSTPAID]));

    // Once its promotions are cancelled from today, the postpaid account goes too.
    for promo in [ALICE_ACTIVE_PROMO, ALICE_SCHEDULED_PROMO] {
        let cancel = patch(&account_url(&s, ALICE_POSTPAID, &format!("/promotions/{promo}")), &token, json!({"cancellation_date": day(0)})).await;
        assert_eq!(cancel.0, 204, "{}", cancel.1);
    }
    assert_eq!(delete(&customer_url(&s, ALICE, &format!("/{ALICE_POSTPAID}")), &token).await.0, 204);
    assert_eq!(get(&customer_url(&s, ALICE, ""), &token).await.1["account_ids"], json!([]));
}

#[tokio::test]
async fn a_reset_brings_the_demo_accounts_back() {
    let s = sandbox().await;
    let token = token(&s).await;
    assert_eq!(delete(&customer_url(&s, ALICE, &format!("/{ALICE_PREPAID}")), &token).await.0, 204);
    let r = client().post(format!("{}/_sandbox/reset", s.base_url())).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(get(&customer_url(&s, ALICE, ""), &token).await.1["account_ids"], json!([ALICE_POSTPAID, ALICE_PREPAID]));
}

#[tokio::test]
async fn a_method_the_path_does_not_have_is_405() {
    let s = sandbox().await;
    let token = token(&s).await;
    let (status, _, headers) = call(reqwest::Method::PUT, &account_url(&s, ALICE_POSTPAID, ""), Some(&token), None).await;
    assert_eq!(status, 405);
    assert!(headers["allow"].to_str().unwrap().contains("GET"));
    let history = account_url(&s, ALICE_POSTPAID, "/billing-address-history");
    assert_eq!(call(reqwest::Method::POST, &history, Some(&token), None).await.0, 405);
}

#[tokio::test]
async fn a_created_account_survives_a_restart_and_the_demo_data_is_not_loaded_over_it() {
    let dir = std::env::temp_dir().join(format!("console-sandbox-mas-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sandbox.db").to_str().unwrap().to_string();
    let start = || console_sandbox::start(console_sandbox::Config::new("127.0.0.1:0".parse().unwrap(), path.clone()));
    let s = start().await.unwrap();
    let before = token(&s).await;
    let body = json!({"modality": "RECURRING_PREPAID", "payment_method": {"type": "CREDIT_CARD", "details": {"token_id": ALICE_CARD}}});
    let (status, created) = post(&customer_url(&s, ALICE, ""), &before, body).await;
    assert_eq!(status, 200, "{created}");
    s.shutdown().await;

    let s = start().await.unwrap();
    let after = token(&s).await;
    let (_, ids) = get(&customer_url(&s, ALICE, ""), &after).await;
    assert_eq!(ids["account_ids"], json!([ALICE_POSTPAID, ALICE_PREPAID, created["account_id"]]));
    s.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}
