//! Sign-in, sessions, roles and cross-site protection at the gateway, over real HTTP against the
//! sandbox's authorization server. (The authorization server's own refusals — tampered, expired and
//! other-audience tokens, reused codes and refresh tokens, PKCE — are tested in src-sandbox/tests.)

use std::time::Duration;

use console_e2e::sign_in::{authorize, begin, location, no_redirects, set_cookie};
use console_e2e::{Stack, StackOptions, DEMO_PASSWORD};
use reqwest::header::COOKIE;
use reqwest::Method;
use serde_json::{json, Value};

const DELETE_ALICE: &str = "/api/d1/consumers/demo-alice/operations:delete";

fn stub(options: StackOptions) -> StackOptions {
    StackOptions { built_ui: false, ..options }
}

async fn operations_of(stack: &Stack, consumer: &str) -> Vec<Value> {
    let (status, _, page) = stack.get(&format!("/api/d1/consumers/{consumer}/operations?limit=50")).await;
    assert_eq!(status, 200, "{page}");
    page["operations"].as_array().cloned().unwrap_or_default()
}

fn deletes(ops: &[Value]) -> usize {
    ops.iter().filter(|o| o["operation"] == "DELETE").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_signed_in_gets_401_and_a_session_without_a_user() {
    let stack = Stack::start_with_stub_ui().await;
    let (status, _, body) = stack.get_anonymous("/api/d1/consumers/demo-busy/operations").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["kind"], "unauthorized");
    let (status, _, body) = stack.get_anonymous("/api/session").await;
    assert_eq!(status, 200);
    let keys: Vec<&str> = body.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    assert_eq!(keys, ["environment", "product", "version"], "no user, issuer or token before sign-in: {body}");
    // A made-up cookie is nobody.
    let r = stack.http.get(stack.url("/api/session")).header(COOKIE, "console_session=forged").send().await.expect("GET");
    let body: Value = r.json().await.expect("json");
    assert!(body.get("user").is_none(), "{body}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_gets_what_it_may_and_nothing_else() {
    let stack = Stack::start_with_stub_ui().await;
    let ada = stack.sign_in("ada").await;
    let grace = stack.sign_in("grace").await;
    let alice = stack.sign_in("alice").await;
    assert_eq!(ada.session["user"], json!({"id": "usr-ada", "name": "Ada Lovelace", "role": "admin"}));
    assert_eq!(grace.session["user"]["role"], "agent");
    assert_eq!(alice.session["user"], json!({"id": "usr-alice", "name": "Alice Martin", "role": "customer"}));
    assert_eq!(grace.session["issuerId"], "DEMOISSUER", "staff see the issuer");
    assert!(alice.session.get("issuerId").is_none(), "customers do not: {}", alice.session);

    // The agent reads, and a forged delete is refused before D1 hears of it.
    let (status, _, _) = grace.get("/api/d1/consumers/demo-alice/operations?limit=5").await;
    assert_eq!(status, 200);
    let (status, cid, body) = grace.post(DELETE_ALICE, &json!({"reason": "forged by an agent"})).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["kind"], "forbidden");
    assert!(body["message"].as_str().unwrap_or("").contains("admin"), "{body}");
    let (status, _, _) = grace.post("/api/d1/accounts/acct-x/operations:delete", &json!({})).await;
    assert_eq!(status, 403);
    let r = grace
        .request(Method::PUT, "/api/d1/accounts/acct-x")
        .header("x-csrf-token", &grace.csrf_token)
        .json(&json!({"consumerId": "demo-bob", "state": "ACTIVE"}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(r.status().as_u16(), 403, "agents do not register accounts either");
    assert_eq!(deletes(&operations_of(&stack, "demo-alice").await), 0, "nothing deleted");

    // The customer reaches only her own consents.
    let (status, _, body) = alice.get("/api/d1/consumers/demo-alice/operations").await;
    assert_eq!(status, 403, "{body}");
    let (status, _, mine) = alice.get("/api/me/consents/needed").await;
    assert_eq!(status, 200, "{mine}");
    let items = mine["_embedded"]["items"].as_array().cloned().unwrap_or_default();
    // Consolidated: her two accounts' terms of one document are one entry (staff see both below).
    assert_eq!(items.len(), 2, "{mine}");
    assert!(items.iter().all(|c| c["userId"] == "usr-alice"), "{mine}");
    let (status, _, body) = alice.get("/api/consents/needed?userId=usr-bob").await;
    assert_eq!(status, 403, "an end user asking for another user's consents: {body}");

    // Staff look at a customer's; an admin has no consents inbox of their own.
    let (status, _, theirs) = grace.get("/api/consents/needed?userId=usr-alice").await;
    assert_eq!(status, 200, "{theirs}");
    assert_eq!(theirs["_embedded"]["items"].as_array().map(Vec::len), Some(3));
    let (status, _, _) = ada.get("/api/me/consents/needed").await;
    assert_eq!(status, 403);
    let (status, _, body) = grace.get("/api/consents/needed?userId=").await;
    assert_eq!(status, 400, "{body}");

    // The refusal is in the audit log with who, what and the correlation id.
    let audit = stack.audit_entries();
    let refused = audit
        .iter()
        .find(|e| e["action"] == "d1.consumer.delete" && e["userId"] == "usr-grace")
        .unwrap_or_else(|| panic!("the agent's delete is audited: {audit:?}"));
    assert_eq!(refused["outcome"], "refused");
    assert_eq!(refused["status"], 403);
    assert_eq!(refused["target"], "demo-alice");
    assert_eq!(refused["correlationId"], cid.as_deref().unwrap_or_default());
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admins_delete_is_audited_and_d1_keeps_only_the_typed_reason() {
    let stack = Stack::start_with_stub_ui().await;
    let (status, cid, body) = stack.post(DELETE_ALICE, &json!({"reason": "asked by phone", "reasonCode": "USER_DECISION"})).await;
    assert_eq!(status, 200, "{body}");
    let ops = operations_of(&stack, "demo-alice").await;
    assert_eq!(ops[0]["operation"], "DELETE");
    assert_eq!(ops[0]["reason"], "asked by phone", "no user id slipped into D1's reason");
    let audit = stack.audit_entries();
    // The outcome line (the attempt line before it is tested in gateway_audit.rs).
    let entry = audit.iter().rfind(|e| e["action"] == "d1.consumer.delete").expect("audited");
    assert_eq!(entry["userId"], "usr-ada");
    assert_eq!(entry["role"], "admin");
    assert_eq!(entry["outcome"], "ok");
    assert_eq!(entry["correlationId"], cid.as_deref().unwrap_or_default());
    assert!(entry["at"].as_str().is_some_and(|t| t.ends_with('Z')), "{entry}");
    assert!(audit.iter().any(|e| e["action"] == "session.sign_in" && e["userId"] == "usr-ada"), "{audit:?}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_without_proof_of_our_own_page_are_refused() {
    let stack = Stack::start_with_stub_ui().await;
    let ada = stack.admin().await;
    let body = json!({"reason": "closed at the customer request"});
    let attempts = [
        ("no anti-CSRF token", ada.request(Method::POST, DELETE_ALICE).json(&body)),
        ("a wrong token", ada.request(Method::POST, DELETE_ALICE).header("x-csrf-token", "not-the-token").json(&body)),
        (
            "another origin",
            ada.request(Method::POST, DELETE_ALICE)
                .header("x-csrf-token", &ada.csrf_token)
                .header("origin", "https://evil.example")
                .json(&body),
        ),
        (
            "a cross-site fetch",
            ada.request(Method::POST, DELETE_ALICE)
                .header("x-csrf-token", &ada.csrf_token)
                .header("sec-fetch-site", "cross-site")
                .json(&body),
        ),
        ("a form post", ada.request(Method::POST, DELETE_ALICE).form(&[("reason", "cross-site")])),
    ];
    for (what, request) in attempts {
        let (status, _, problem) = console_e2e::read(request.send().await.expect("POST")).await;
        assert_eq!(status, 403, "{what}: {problem}");
        assert_eq!(problem["kind"], "forbidden", "{what}");
    }
    // Sign-out is a write too.
    let r = ada.request(Method::POST, "/auth/logout").send().await.expect("POST");
    assert_eq!(r.status().as_u16(), 403, "sign-out without the token");
    assert_eq!(deletes(&operations_of(&stack, "demo-alice").await), 0);
    // The page's own request goes through.
    let (status, _, _) = ada.post(DELETE_ALICE, &body).await;
    assert_eq!(status, 200);
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_the_session() {
    let stack = Stack::start_with_stub_ui().await;
    let grace = stack.sign_in("grace").await;
    let other = stack.sign_in("grace").await;
    let live = || async {
        let r = stack.http.get(stack.sandbox("/_sandbox/auth/users/usr-grace/sign-ins")).send().await.expect("GET");
        r.json::<Value>().await.expect("json")["live"].as_u64().expect("live count")
    };
    assert_eq!(live().await, 2, "two sign-ins at the authorization server");
    assert_eq!(grace.sign_out().await, 204);
    assert_eq!(live().await, 1, "sign-out revoked that session's refresh token upstream");
    let (status, _, _) = grace.get("/api/d1/consumers/demo-busy/operations").await;
    assert_eq!(status, 401, "the cookie is dead");
    let (_, _, session) = grace.get("/api/session").await;
    assert!(session.get("user").is_none(), "{session}");
    // Another sign-in of the same person is its own session.
    let (status, _, _) = other.get("/api/d1/consumers/demo-busy/operations").await;
    assert_eq!(status, 200);
    assert!(stack.audit_entries().iter().any(|e| e["action"] == "session.sign_out" && e["userId"] == "usr-grace"));
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_tokens_are_refreshed_transparently_even_under_concurrent_calls() {
    // 2-second access tokens: every call finds the token about to expire and refreshes it, rotating the
    // refresh token each time. A refresh made twice with the same token would revoke the whole sign-in.
    let stack = Stack::start_with(stub(StackOptions { access_token_ttl: Duration::from_secs(2), ..Default::default() })).await;
    let alice = stack.sign_in("alice").await;
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let alice = alice.clone();
        calls.spawn(async move { alice.get("/api/me/consents/needed").await.0 });
    }
    while let Some(status) = calls.join_next().await {
        assert_eq!(status.expect("task"), 200);
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (status, _, body) = alice.get("/api/me/consents/needed").await;
    assert_eq!(status, 200, "after the first token expired: {body}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_ends() {
    let stack = Stack::start_with(stub(StackOptions { idle_timeout: Some(Duration::from_secs(2)), ..Default::default() })).await;
    let ada = stack.sign_in("ada").await;
    let (status, _, _) = ada.get("/api/d1/consumers/demo-busy/operations?limit=1").await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let (status, _, body) = ada.get("/api/d1/consumers/demo-busy/operations?limit=1").await;
    assert_eq!(status, 401, "{body}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_that_are_replayed_foreign_or_refused_open_no_session() {
    let stack = Stack::start_with_stub_ui().await;
    let http = no_redirects();

    // A callback replayed (state already used): no session, a page that says to sign in again.
    let (authorize_url, binding) = begin(&stack.gateway_url, "/").await;
    let callback = location(&authorize(&authorize_url, "ada", DEMO_PASSWORD).await);
    let first = http.get(&callback).header(COOKIE, &binding).send().await.expect("callback");
    assert!(set_cookie(&first, "console_session").is_some());
    let again = http.get(&callback).header(COOKIE, &binding).send().await.expect("replay");
    assert_eq!(again.status().as_u16(), 400);
    assert!(set_cookie(&again, "console_session").is_none());

    // A callback from a sign-in started in another browser (login CSRF): refused.
    let (authorize_url, _their_binding) = begin(&stack.gateway_url, "/").await;
    let callback = location(&authorize(&authorize_url, "ada", DEMO_PASSWORD).await);
    let (_, my_binding) = begin(&stack.gateway_url, "/").await;
    let r = http.get(&callback).header(COOKIE, &my_binding).send().await.expect("callback");
    assert_eq!(r.status().as_u16(), 400);
    assert!(set_cookie(&r, "console_session").is_none());

    // Wrong password: the sandbox keeps the form, nothing comes back to the gateway.
    let (authorize_url, _) = begin(&stack.gateway_url, "/").await;
    let r = authorize(&authorize_url, "ada", "wrong").await;
    assert_eq!(r.status().as_u16(), 401);

    // return_to may only be one of our own paths.
    let (authorize_url, binding) = begin(&stack.gateway_url, "//evil.example/steal").await;
    let callback = location(&authorize(&authorize_url, "ada", DEMO_PASSWORD).await);
    let r = http.get(&callback).header(COOKIE, &binding).send().await.expect("callback");
    assert_eq!(location(&r), "/");
    let cookie = r.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find(|c| c.starts_with("console_session="));
    let cookie = cookie.expect("session cookie").to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    stack.shutdown().await;
}
