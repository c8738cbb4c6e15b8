//! MasCustomers through the gateway (`/api/mas`), over real HTTP against the sandbox's MasCustomers and
//! its own OAuth server: agents read, admins act, customers are refused (every refusal audited); writes
//! need the anti-CSRF proof; bad ids, dates, IBANs and bodies are refused before MasCustomers is asked
//! (audited, no attempt line); each route's happy path; a 409 keeps MasCustomers' code and words; a write
//! is audited before and after; no token in any answer; with MasCustomers down, the rest still answers.

use console_e2e::sign_in::SignedIn;
use console_e2e::{read, Stack, StackOptions};
use reqwest::Method;
use serde_json::{json, Value};

const ALICE: &str = "a11ce000-0000-4000-8000-000000000001";
const VALID_IBAN: &str = "ES91 2100 0418 4502 0005 1332";

/// A write as the page sends it: cookie and anti-CSRF token.
async fn write(who: &SignedIn, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut r = who.request(method, path).header("x-csrf-token", &who.csrf_token);
    if let Some(body) = body {
        r = r.json(body);
    }
    let (status, _, body) = read(r.send().await.expect("send")).await;
    (status, body)
}

async fn ok(who: &SignedIn, path: &str) -> Value {
    let (status, _, body) = who.get(path).await;
    assert_eq!(status, 200, "{} GET {path}: {body}", who.username);
    body
}

/// Alice's accounts as (id, modality).
async fn alice_accounts(who: &SignedIn) -> Vec<(String, String)> {
    let ids = ok(who, &format!("/api/mas/customers/{ALICE}/accounts")).await;
    let mut accounts = Vec::new();
    for id in ids["account_ids"].as_array().expect("account_ids") {
        let id = id.as_str().expect("an id").to_string();
        let account = ok(who, &format!("/api/mas/accounts/{id}")).await;
        accounts.push((id, account["modality"].as_str().expect("modality").to_string()));
    }
    accounts
}

fn postpaid(accounts: &[(String, String)]) -> String {
    accounts.iter().find(|(_, m)| m == "POSTPAID").map(|(id, _)| id.clone()).expect("alice has a postpaid account")
}

/// The audit lines of `action` on `target`, as (outcome, status).
fn lines(stack: &Stack, action: &str, target: &str) -> Vec<(String, Option<u64>)> {
    stack
        .audit_entries()
        .iter()
        .filter(|e| e["action"] == action && e["target"] == target)
        .map(|e| (e["outcome"].as_str().unwrap_or("").to_string(), e["status"].as_u64()))
        .collect()
}

fn no_secrets(stack: &Stack, answer: &Value) {
    let text = answer.to_string();
    for secret in ["eyJ", "Bearer", "access_token", "sandbox-mas-secret", "masstack", &stack.sandbox_url] {
        assert!(!text.contains(secret), "{secret} in an answer: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_read_admins_act_and_customers_are_refused_with_every_refusal_audited() {
    let stack = Stack::start_with_stub_ui().await;
    let (ada, grace, alice) = (stack.sign_in("ada").await, stack.sign_in("grace").await, stack.sign_in("alice").await);
    let account = postpaid(&alice_accounts(&grace).await);
    let reads = [
        format!("/api/mas/customers/{ALICE}/accounts"),
        format!("/api/mas/customers/{ALICE}/accounts/{account}/payment-methods"),
        format!("/api/mas/accounts/{account}"),
        format!("/api/mas/accounts/{account}/billing-address-history?from=2020-01-01"),
        format!("/api/mas/accounts/{account}/promotions"),
        format!("/api/mas/accounts/{account}/account-promotions?account_promotion_type=ALL"),
        format!("/api/mas/accounts/{account}/promotions-history"),
    ];
    for path in &reads {
        no_secrets(&stack, &ok(&ada, path).await);
        no_secrets(&stack, &ok(&grace, path).await);
        let (status, _, body) = alice.get(path).await;
        assert_eq!((status, body["kind"].as_str()), (403, Some("forbidden")), "a customer reads {path}: {body}");
    }
    let promotion = "00000000-0000-4000-8000-000000000000";
    let writes = [
        (Method::POST, format!("/api/mas/customers/{ALICE}/accounts"), Some(json!({"modality": "POSTPAID", "payment_method": {"type": "DIRECT_DEBIT", "details": {"iban": VALID_IBAN}}})), "mas.account.create", ALICE.to_string()),
        (Method::DELETE, format!("/api/mas/customers/{ALICE}/accounts/{account}"), None, "mas.account.delete", format!("{ALICE}/{account}")),
        (Method::PATCH, format!("/api/mas/accounts/{account}/payment-method"), Some(json!({"type": "DIRECT_DEBIT", "details": {"iban": VALID_IBAN}})), "mas.payment_method.change", account.clone()),
        (Method::PATCH, format!("/api/mas/accounts/{account}/promotions/{promotion}"), Some(json!({"cancellation_date": "2030-01-01"})), "mas.promotion.cancel", format!("{account}/{promotion}")),
    ];
    for (method, path, body, action, target) in &writes {
        for (who, user) in [(&grace, "usr-grace"), (&alice, "usr-alice")] {
            let (status, answer) = write(who, method.clone(), path, body.as_ref()).await;
            assert_eq!((status, answer["kind"].as_str()), (403, Some("forbidden")), "{user} {method} {path}: {answer}");
            assert!(
                stack.audit_entries().iter().any(|e| e["userId"] == user && e["action"] == *action && e["target"] == *target && e["status"] == 403),
                "{user}'s refused {action} is audited"
            );
        }
        assert!(!lines(&stack, action, target).iter().any(|(outcome, _)| outcome == "attempt"), "no attempt of a refused {action}");
    }
    assert_eq!(alice_accounts(&ada).await.len(), 2, "nothing was created or deleted");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_without_the_anti_csrf_token_are_refused_and_audited() {
    let stack = Stack::start_with_stub_ui().await;
    let ada = stack.sign_in("ada").await;
    let account = postpaid(&alice_accounts(&ada).await);
    let body = json!({"type": "DIRECT_DEBIT", "details": {"iban": VALID_IBAN}});
    let r = ada.request(Method::PATCH, &format!("/api/mas/accounts/{account}/payment-method")).json(&body).send().await.expect("send");
    let (status, _, answer) = read(r).await;
    assert_eq!((status, answer["kind"].as_str()), (403, Some("forbidden")), "{answer}");
    let r = ada.request(Method::DELETE, &format!("/api/mas/customers/{ALICE}/accounts/{account}")).header("x-csrf-token", "guess").send().await.expect("send");
    assert_eq!(r.status().as_u16(), 403);
    let refusals = stack.audit_entries().into_iter().filter(|e| e["userId"] == "usr-ada" && e["action"] == "session.refused" && e["status"] == 403).count();
    assert_eq!(refusals, 2, "both refusals are audited");
    assert!(lines(&stack, "mas.payment_method.change", &account).is_empty(), "nothing was attempted");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_before_mascustomers_is_asked_and_audited_without_an_attempt() {
    let stack = Stack::start_with_stub_ui().await;
    let ada = stack.sign_in("ada").await;
    let account = postpaid(&alice_accounts(&ada).await);
    // Any call that reached MasCustomers would use this fault up.
    stack.arm_fault(json!({"path": "/masstack/v4/{*rest}", "times": 100, "status": 500})).await;
    let reads = [
        ("/api/mas/accounts/not-a-uuid".to_string(), "account_id"),
        ("/api/mas/customers/demo-alice/accounts".to_string(), "customer_id"),
        (format!("/api/mas/customers/{ALICE}/accounts/12/payment-methods"), "account_id"),
        (format!("/api/mas/accounts/{account}/billing-address-history?from=2025-13-01"), "from"),
        (format!("/api/mas/accounts/{account}/billing-address-history?from=2025-06-01&to=2025-01-01"), "from"),
        (format!("/api/mas/accounts/{account}/billing-address-history?since=2025-01-01"), "query"),
        (format!("/api/mas/accounts/{account}/account-promotions?account_promotion_type=EXPIRED"), "account_promotion_type"),
        (format!("/api/mas/accounts/{account}/promotions-history?start_date=yesterday"), "start_date"),
    ];
    for (path, field) in &reads {
        let (status, _, body) = ada.get(path).await;
        assert_eq!((status, body["kind"].as_str(), body["field"].as_str()), (400, Some("invalid_input"), Some(*field)), "{path}: {body}");
    }
    let promotion = "00000000-0000-4000-8000-000000000000";
    let writes = [
        (Method::PATCH, format!("/api/mas/accounts/{account}/payment-method"), json!({"type": "DIRECT_DEBIT", "details": {"iban": "ES91 2100 0418 4502 0005 1333"}}), "details.iban", "mas.payment_method.change", account.clone()),
        (Method::PATCH, format!("/api/mas/accounts/{account}/payment-method"), json!({"type": "CREDIT_CARD", "details": {"token_id": "card-1"}}), "details.token_id", "mas.payment_method.change", account.clone()),
        (Method::POST, format!("/api/mas/customers/{ALICE}/accounts"), json!({"modality": "WEEKLY", "payment_method": {"type": "CREDIT_CARD", "details": {"token_id": promotion}}}), "modality", "mas.account.create", ALICE.to_string()),
        (Method::POST, format!("/api/mas/customers/{ALICE}/accounts"), json!({"modality": "POSTPAID"}), "body", "mas.account.create", ALICE.to_string()),
        (Method::PATCH, format!("/api/mas/accounts/{account}/promotions/{promotion}"), json!({"cancellation_date": "01/02/2030"}), "cancellation_date", "mas.promotion.cancel", format!("{account}/{promotion}")),
        (Method::DELETE, format!("/api/mas/customers/{ALICE}/accounts/not-an-account"), Value::Null, "account_id", "mas.account.delete", format!("{ALICE}/not-an-account")),
    ];
    for (method, path, body, field, action, target) in &writes {
        let body = (!body.is_null()).then_some(body);
        let (status, answer) = write(&ada, method.clone(), path, body).await;
        assert_eq!((status, answer["field"].as_str()), (400, Some(*field)), "{method} {path}: {answer}");
        assert!(!answer["message"].as_str().unwrap_or("").is_empty(), "says what to fix: {answer}");
        let logged = lines(&stack, action, target);
        assert!(logged.contains(&("refused".into(), Some(400))), "{action} refused is audited: {logged:?}");
        assert!(!logged.iter().any(|(o, _)| o == "attempt"), "no attempt line for refused input: {logged:?}");
    }
    let faults = stack.armed_faults().await;
    assert_eq!(faults[0]["remaining"], 100, "MasCustomers was never asked: {faults:?}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_answers_mascustomers_own_shapes() {
    let stack = Stack::start_with_stub_ui().await;
    let grace = stack.sign_in("grace").await;
    let accounts = alice_accounts(&grace).await;
    assert_eq!(accounts.len(), 2, "{accounts:?}");
    let account = postpaid(&accounts);
    let got = ok(&grace, &format!("/api/mas/accounts/{account}")).await;
    assert_eq!((got["customer_id"].as_str(), got["org_id"].as_str()), (Some(ALICE), Some("telco")), "the environment's org: {got}");
    let methods = ok(&grace, &format!("/api/mas/customers/{ALICE}/accounts/{account}/payment-methods")).await;
    assert!(methods["payment_types"].as_array().unwrap().iter().any(|t| t == "DIRECT_DEBIT"), "{methods}");
    let history = ok(&grace, &format!("/api/mas/accounts/{account}/billing-address-history")).await;
    let all = history["billing_addresses"].as_array().unwrap().len();
    assert!(all >= 2, "{history}");
    let newest = history["billing_addresses"][0]["create_stamp"].as_str().unwrap()[..10].to_string();
    let since = ok(&grace, &format!("/api/mas/accounts/{account}/billing-address-history?from={newest}")).await;
    assert!(!since["billing_addresses"].as_array().unwrap().is_empty() && since["billing_addresses"].as_array().unwrap().len() < all, "{since}");
    let current = ok(&grace, &format!("/api/mas/accounts/{account}/promotions")).await;
    assert!(current.as_array().unwrap().iter().all(|p| p["status"] != "ENDED"), "{current}");
    for (kind, status) in [("ACTIVE", "ACTIVE"), ("SCHEDULED", "SCHEDULED")] {
        let listed = ok(&grace, &format!("/api/mas/accounts/{account}/account-promotions?account_promotion_type={kind}")).await;
        let listed = listed.as_array().unwrap();
        assert!(!listed.is_empty() && listed.iter().all(|p| p["status"] == status), "{kind}: {listed:?}");
    }
    let all_promotions = ok(&grace, &format!("/api/mas/accounts/{account}/account-promotions")).await;
    assert!(all_promotions.as_array().unwrap().iter().any(|p| p["status"] == "ENDED"), "no type: ALL");
    let changes = ok(&grace, &format!("/api/mas/accounts/{account}/promotions-history?start_date=2000-01-01")).await;
    assert!(!changes.as_array().unwrap().is_empty());
    let (status, _, body) = grace.get("/api/mas/accounts/0a0a0a0a-0000-4000-8000-00000000ffff").await;
    assert_eq!((status, body["kind"].as_str(), body["errorType"].as_str()), (404, Some("not_found"), Some("ACCOUNT_NOT_FOUND")), "{body}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_change_a_payment_method_cancel_a_promotion_and_open_and_close_an_account_each_audited_before_and_after() {
    let stack = Stack::start_with_stub_ui().await;
    let ada = stack.sign_in("ada").await;
    let account = postpaid(&alice_accounts(&ada).await);

    let path = format!("/api/mas/accounts/{account}/payment-method");
    let (status, body) = write(&ada, Method::PATCH, &path, Some(&json!({"type": "DIRECT_DEBIT", "details": {"iban": VALID_IBAN}}))).await;
    assert_eq!(status, 204, "{body}");
    let got = ok(&ada, &format!("/api/mas/accounts/{account}")).await;
    assert_eq!(got["payment_method"]["details"]["iban"], "ES9121000418450200051332", "{got}");
    assert_eq!(lines(&stack, "mas.payment_method.change", &account), [("attempt".into(), None), ("ok".into(), Some(200))]);
    // A card MasCustomers is still tokenizing: 202.
    let card = json!({"type": "CREDIT_CARD", "details": {"token_id": "7e57ca2d-0000-4000-8000-000000000001"}});
    let (status, body) = write(&ada, Method::PATCH, &path, Some(&card)).await;
    assert_eq!(status, 202, "{body}");

    let scheduled = ok(&ada, &format!("/api/mas/accounts/{account}/account-promotions?account_promotion_type=SCHEDULED")).await;
    let promotion = &scheduled[0];
    let (id, start) = (promotion["account_promotion_id"].as_str().unwrap(), promotion["start_date"].as_str().unwrap());
    let (status, body) = write(&ada, Method::PATCH, &format!("/api/mas/accounts/{account}/promotions/{id}"), Some(&json!({"cancellation_date": start}))).await;
    assert_eq!(status, 204, "{body}");
    let changes = ok(&ada, &format!("/api/mas/accounts/{account}/promotions-history")).await;
    assert!(changes.as_array().unwrap().iter().any(|h| h["account_promotion_id"] == id && h["action"] == "CANCELLED"), "{changes}");
    assert_eq!(lines(&stack, "mas.promotion.cancel", &format!("{account}/{id}")), [("attempt".into(), None), ("ok".into(), Some(200))]);

    let methods = ok(&ada, &format!("/api/mas/customers/{ALICE}/accounts/{account}/payment-methods")).await;
    let token = methods["cards"][0]["token_id"].as_str().expect("alice has a tokenized card");
    let new_account = json!({"modality": "RECURRING_PREPAID", "payment_method": {"type": "CREDIT_CARD", "details": {"token_id": token}},
        "billing_address": {"address_line1": "1 Rue de la Paix", "city": "Paris", "postal_code": "75002", "country": "FR"}});
    let (status, created) = write(&ada, Method::POST, &format!("/api/mas/customers/{ALICE}/accounts"), Some(&new_account)).await;
    assert_eq!(status, 200, "{created}");
    let created_id = created["account_id"].as_str().expect("account_id").to_string();
    assert_eq!(alice_accounts(&ada).await.len(), 3);
    let logged = lines(&stack, "mas.account.create", ALICE);
    assert_eq!(logged, [("attempt".into(), None)], "the attempt names the customer");
    assert_eq!(lines(&stack, "mas.account.create", &format!("{ALICE}/{created_id}")), [("ok".into(), Some(200))], "the outcome, the new account");

    let (status, body) = write(&ada, Method::DELETE, &format!("/api/mas/customers/{ALICE}/accounts/{created_id}"), None).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(alice_accounts(&ada).await.len(), 2);
    assert_eq!(lines(&stack, "mas.account.delete", &format!("{ALICE}/{created_id}")), [("attempt".into(), None), ("ok".into(), Some(200))]);
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_409_keeps_mascustomers_code_and_words_for_the_page() {
    let stack = Stack::start_with_stub_ui().await;
    let ada = stack.sign_in("ada").await;
    let account = postpaid(&alice_accounts(&ada).await);
    let target = format!("{ALICE}/{account}");
    let (status, body) = write(&ada, Method::DELETE, &format!("/api/mas/customers/{ALICE}/accounts/{account}"), None).await;
    assert_eq!((status, body["errorType"].as_str()), (409, Some("ACCOUNT_HAS_PROMOTIONS")), "{body}");
    assert!(body["message"].as_str().unwrap().to_lowercase().contains("promotion"), "MasCustomers' own words: {body}");
    assert!(body["correlationId"].is_string());
    no_secrets(&stack, &body);
    assert_eq!(lines(&stack, "mas.account.delete", &target), [("attempt".into(), None), ("refused".into(), Some(409))]);
    // A second postpaid account for the same customer: 409 POSTPAID_ACCOUNT_EXISTS, kept.
    let create = json!({"modality": "POSTPAID", "payment_method": {"type": "DIRECT_DEBIT", "details": {"iban": VALID_IBAN}}});
    let (status, body) = write(&ada, Method::POST, &format!("/api/mas/customers/{ALICE}/accounts"), Some(&create)).await;
    assert_eq!((status, body["errorType"].as_str()), (409, Some("POSTPAID_ACCOUNT_EXISTS")), "{body}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_mascustomers_down_its_routes_say_so_and_the_directory_and_d1_still_answer() {
    let stack = Stack::start_with(StackOptions { built_ui: false, mas_down: true, ..StackOptions::default() }).await;
    let ada = stack.sign_in("ada").await;
    let (status, _, body) = ada.get(&format!("/api/mas/customers/{ALICE}/accounts")).await;
    assert_eq!((status, body["kind"].as_str()), (503, Some("upstream_unavailable")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("MasCustomers"), "{body}");
    no_secrets(&stack, &body);
    let (status, body) = write(&ada, Method::DELETE, &format!("/api/mas/customers/{ALICE}/accounts/{ALICE}"), None).await;
    assert_eq!(status, 503, "{body}");
    assert!(body["message"].as_str().unwrap().contains("not sent"), "no token, nothing sent: {body}");
    let (status, _, person) = ada.get("/api/people/C-100001").await;
    assert_eq!((status, person["d1_consumer_id"].as_str()), (200, Some("demo-alice")));
    let (status, _, _) = ada.get("/api/d1/consumers/demo-alice/operations?offset=0&limit=10").await;
    assert_eq!(status, 200, "D1 still answers");
    stack.shutdown().await;
}
