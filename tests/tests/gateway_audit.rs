//! What the gateway's audit log holds for an investigation, over real HTTP against the sandbox: refusals of
//! the `Caller` extractor, a write's attempt and outcome (and no write when the log cannot take the attempt),
//! the client address (through trusted proxies only), request ids, session references, the file's mode,
//! background polls (which may spare repeats, never hide a read), lines cut to size, the limit of anonymous
//! refusal lines, refused sign-outs; and beside it the rate limit of `/auth/*`, the cache and isolation headers, exports,
//! and a sign-in revoked upstream.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use console_e2e::{Stack, StackOptions};
use reqwest::header::COOKIE;
use reqwest::Method;
use serde_json::{json, Value};

const DELETE_ALICE: &str = "/api/d1/consumers/demo-alice/operations:delete";
const BUSY: &str = "/api/d1/consumers/demo-busy/operations?limit=1";
const BACKGROUND_HEADER: &str = console_api::gateway::BACKGROUND_HEADER;

async fn stub(options: StackOptions) -> Stack {
    Stack::start_with(StackOptions { built_ui: false, ..options }).await
}

fn local() -> IpAddr {
    IpAddr::from([127, 0, 0, 1])
}

/// The audit lines of `action`.
fn lines_of(stack: &Stack, action: &str) -> Vec<Value> {
    stack.audit_entries().into_iter().filter(|e| e["action"] == action).collect()
}

fn is_uuid(v: &Value) -> bool {
    v.as_str().is_some_and(|s| uuid::Uuid::parse_str(s).is_ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_of_the_caller_are_audited_with_why() {
    let stack = stub(StackOptions::default()).await;
    // The page asking who is signed in before anyone is: normal, no line.
    let (status, _, _) = stack.get_anonymous("/api/session").await;
    assert_eq!(status, 200);
    assert!(lines_of(&stack, "session.refused").is_empty(), "{:?}", stack.audit_entries());

    let (status, _, _) = stack.get_anonymous(BUSY).await;
    assert_eq!(status, 401);
    let r = stack.http.get(stack.url(BUSY)).header(COOKIE, "console_session=forged").send().await.expect("GET");
    assert_eq!(r.status().as_u16(), 401);
    let ada = stack.admin().await;
    let no_token = ada.request(Method::POST, DELETE_ALICE).json(&json!({"reason": "x"})).send().await.expect("POST");
    assert_eq!(no_token.status().as_u16(), 403);
    let wrong = ada.request(Method::POST, DELETE_ALICE).header("x-csrf-token", "not-it").json(&json!({})).send().await.expect("POST");
    assert_eq!(wrong.status().as_u16(), 403);
    let foreign = ada
        .request(Method::POST, DELETE_ALICE)
        .header("x-csrf-token", &ada.csrf_token)
        .header("origin", "https://evil.example")
        .json(&json!({}))
        .send()
        .await
        .expect("POST");
    assert_eq!(foreign.status().as_u16(), 403);

    let refused = lines_of(&stack, "session.refused");
    let whys: Vec<&str> = refused.iter().map(|e| e["detail"].as_str().unwrap_or("")).collect();
    assert_eq!(refused.len(), 5, "{refused:#?}");
    assert_eq!(whys[0], "no session cookie");
    assert!(whys[1].contains("unknown or ended session"), "{}", whys[1]);
    assert!(whys[2].contains("carries no anti-CSRF token"), "{}", whys[2]);
    assert!(whys[3].contains("not this session's"), "{}", whys[3]);
    assert!(whys[4].contains("https://evil.example"), "{}", whys[4]);
    assert_eq!(refused[0]["target"], format!("GET {}", BUSY.split('?').next().unwrap_or_default()));
    assert_eq!(refused[2]["target"], format!("POST {DELETE_ALICE}"));
    for (i, e) in refused.iter().enumerate() {
        assert_eq!(e["outcome"], "refused", "{e}");
        assert_eq!(e["client"], "127.0.0.1", "{e}");
        assert!(is_uuid(&e["requestId"]), "{e}");
        let status = e["status"].as_u64();
        assert_eq!(status, Some(if i < 2 { 401 } else { 403 }), "{e}");
    }
    // Once the session is known, so is the person, and the session is named by a hash, never its id.
    let ada_id = ada.cookie.split_once('=').map(|(_, v)| v.to_string()).unwrap_or_default();
    for e in &refused[2..] {
        assert_eq!(e["userId"], "usr-ada");
        let session = e["session"].as_str().unwrap_or_default();
        assert!(session.len() == 16 && session.chars().all(|c| c.is_ascii_hexdigit()), "{e}");
        assert!(!ada_id.contains(session) && !session.contains(&ada_id), "{e}");
    }
    let raw = std::fs::read_to_string(&stack.audit_log).expect("the log");
    assert!(!raw.contains(&ada_id), "the session id itself is in the audit log");
    assert!(!raw.contains(&ada.csrf_token), "the anti-CSRF token is in the audit log");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_is_logged_before_and_after_the_upstream_call() {
    let stack = stub(StackOptions::default()).await;
    let cid = "0b6f7c1e-7d1f-4c55-9d7e-4ef4e3d3a001";
    let ada = stack.admin().await;
    let r = ada
        .request(Method::POST, DELETE_ALICE)
        .header("x-csrf-token", &ada.csrf_token)
        .header("x-correlation-id", cid)
        .json(&json!({"reason": "closed by customer", "reasonCode": "ISSUER_DECISION"}))
        .send()
        .await
        .expect("POST delete");
    assert_eq!(r.status().as_u16(), 200);
    let request_id = r.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();

    let lines = lines_of(&stack, "d1.consumer.delete");
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let (attempt, outcome) = (&lines[0], &lines[1]);
    assert_eq!(attempt["outcome"], "attempt");
    assert!(attempt.get("status").is_none(), "{attempt}");
    assert_eq!((outcome["outcome"].as_str(), outcome["status"].as_u64()), (Some("ok"), Some(200)));
    for line in [attempt, outcome] {
        assert_eq!(line["target"], "demo-alice");
        assert_eq!(line["correlationId"], cid);
        assert_eq!(line["requestId"], request_id.as_str(), "the id sent back in x-request-id");
        assert_eq!(line["userId"], "usr-ada");
        assert_eq!(line["client"], "127.0.0.1");
    }
    assert_eq!(attempt["session"], outcome["session"]);
    // The sign-in line names the session it opened, so one session's lines can be followed from the start.
    let sign_in = lines_of(&stack, "session.sign_in").into_iter().find(|e| e["userId"] == "usr-ada").expect("ada's sign-in line");
    assert_eq!(sign_in["session"], attempt["session"], "{sign_in}");

    // Sign-out too: an attempt before the revocation upstream, the outcome after.
    assert_eq!(ada.sign_out().await, 204);
    let outs: Vec<Value> = lines_of(&stack, "session.sign_out");
    let outcomes: Vec<&str> = outs.iter().filter_map(|e| e["outcome"].as_str()).collect();
    assert_eq!(outcomes, ["attempt", "ok"], "{outs:#?}");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_is_not_made_when_the_audit_log_cannot_take_its_attempt() {
    // /dev/full opens, and every write to it fails with "no space left on device".
    let stack = stub(StackOptions { audit_log: Some(PathBuf::from("/dev/full")), ..Default::default() }).await;
    let (status, _, body) = stack.post(DELETE_ALICE, &json!({"reason": "closed by customer", "reasonCode": "ISSUER_DECISION"})).await;
    assert_eq!(status, 503, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("audit log"), "{body}");
    let (status, _, body) = stack.get("/api/d1/consumers/demo-busy/operations/export?format=csv").await;
    assert_eq!(status, 503, "an export the log cannot show is not sent either: {body}");
    // D1 never heard of the delete.
    let (status, _, page) = stack.get("/api/d1/consumers/demo-alice/operations?limit=50").await;
    assert_eq!(status, 200);
    let ops = page["operations"].as_array().cloned().unwrap_or_default();
    assert!(ops.iter().all(|o| o["operation"] != "DELETE"), "deleted anyway: {page}");
    stack.shutdown().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let stack = stub(StackOptions::default()).await;
    let mode = std::fs::metadata(&stack.audit_log).expect("the log exists from the start").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {:o}", mode & 0o777);
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_polls_neither_extend_the_session_nor_repeat_lines() {
    let idle = Duration::from_secs(2);
    let stack = stub(StackOptions { idle_timeout: Some(idle), ..Default::default() }).await;
    let ada = stack.sign_in("ada").await;
    let (status, _, _) = ada.get(BUSY).await;
    assert_eq!(status, 200);
    let lines_before = stack.audit_entries().len();
    // Polls every 400 ms for longer than the idle timeout, as an open timeline does.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let r = ada.request(Method::GET, BUSY).header(BACKGROUND_HEADER, "1").send().await.expect("poll");
        statuses.push(r.status().as_u16());
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    assert_eq!(statuses[0], 200, "a poll is served while the session lives: {statuses:?}");
    assert_eq!(statuses.last(), Some(&401), "the polls did not keep the session alive: {statuses:?}");
    let after = stack.audit_entries().split_off(lines_before);
    // The person's own read is in the log already: the polls that repeat it add nothing...
    assert!(after.iter().all(|e| e["action"] != "d1.operations.list"), "a line per poll: {after:#?}");
    // ...but the refusals once the session has ended are logged, background or not.
    let refused = statuses.iter().filter(|s| **s == 401).count();
    let refusals: Vec<&Value> = after.iter().filter(|e| e["action"] == "session.refused").collect();
    assert_eq!(refusals.len(), refused, "{after:#?}");
    assert!(refusals.iter().all(|e| e["detail"].as_str().unwrap_or_default().contains("unknown or ended session")), "{refusals:#?}");
    let (status, _, body) = ada.get(BUSY).await;
    assert_eq!(status, 401, "the person's next action finds the session ended: {body}");
    stack.shutdown().await;
}

/// The `d1.operations.list` lines of `consumer`.
fn list_lines(stack: &Stack, consumer: &str) -> usize {
    lines_of(stack, "d1.operations.list").iter().filter(|e| e["target"] == consumer).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_header_cannot_hide_a_read() {
    let stack = stub(StackOptions::default()).await;
    let grace = stack.sign_in("grace").await;
    let alice = "/api/d1/consumers/demo-alice/operations";
    let background = || grace.request(Method::GET, alice).header(BACKGROUND_HEADER, "1").send();
    // A consumer this session never read: its first background read is in the log, as its reader's.
    assert_eq!(background().await.expect("GET").status().as_u16(), 200);
    let lines = lines_of(&stack, "d1.operations.list");
    assert_eq!(lines.len(), 1, "a background read of something never read before must be audited: {lines:#?}");
    assert_eq!((lines[0]["userId"].as_str(), lines[0]["target"].as_str(), lines[0]["status"].as_u64()), (Some("usr-grace"), Some("demo-alice"), Some(200)));
    // The same read again in the background is a repeat: no line.
    assert_eq!(background().await.expect("GET").status().as_u16(), 200);
    assert_eq!(list_lines(&stack, "demo-alice"), 1, "{:#?}", lines_of(&stack, "d1.operations.list"));
    // The person's own reads are always logged.
    for n in 2..=3 {
        let (status, _, _) = grace.get(alice).await;
        assert_eq!(status, 200);
        assert_eq!(list_lines(&stack, "demo-alice"), n);
    }
    // Another session of the same person starts with nothing logged.
    let again = stack.sign_in("grace").await;
    let r = again.request(Method::GET, alice).header(BACKGROUND_HEADER, "1").send().await.expect("GET");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(list_lines(&stack, "demo-alice"), 4);
    // A refusal is logged, background or not: a customer polling the staff route.
    let alice_user = stack.sign_in("alice").await;
    let r = alice_user.request(Method::GET, alice).header(BACKGROUND_HEADER, "1").send().await.expect("GET");
    assert_eq!(r.status().as_u16(), 403);
    assert!(lines_of(&stack, "d1.operations.list").iter().any(|e| e["userId"] == "usr-alice" && e["status"] == 403));
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_is_the_same_request_from_the_same_address_so_a_replayed_cookie_or_another_page_is_logged() {
    let stack = stub(StackOptions { trusted_proxies: vec![local()], ..Default::default() }).await;
    let grace = stack.sign_in("grace").await;
    let page = |offset: u32| format!("/api/d1/consumers/demo-alice/operations?offset={offset}&limit=50");
    let read = |path: String, from: &'static str, background: bool| {
        let mut r = grace.request(Method::GET, &path).header("x-forwarded-for", from);
        if background {
            r = r.header(BACKGROUND_HEADER, "1");
        }
        r.send()
    };
    assert_eq!(read(page(0), "198.51.100.7", false).await.expect("GET").status().as_u16(), 200);
    assert_eq!(list_lines(&stack, "demo-alice"), 1);
    // The page's own poll of what the person opened, from where they are: a repeat.
    assert_eq!(read(page(0), "198.51.100.7", true).await.expect("GET").status().as_u16(), 200);
    assert_eq!(list_lines(&stack, "demo-alice"), 1, "{:#?}", lines_of(&stack, "d1.operations.list"));
    // The same cookie replayed from elsewhere with the header: logged, with that address.
    assert_eq!(read(page(0), "203.0.113.66", true).await.expect("GET").status().as_u16(), 200);
    let lines = lines_of(&stack, "d1.operations.list");
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[1]["client"], "203.0.113.66");
    // Another page of the history with the header: logged too.
    assert_eq!(read(page(50), "198.51.100.7", true).await.expect("GET").status().as_u16(), 200);
    assert_eq!(list_lines(&stack, "demo-alice"), 3);
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_caller_sends_cannot_make_a_long_line() {
    let stack = stub(StackOptions::default()).await;
    let long_path = format!("/api/d1/consumers/{}/operations", "A".repeat(60_000));
    let (status, _, _) = stack.get_anonymous(&long_path).await;
    assert_eq!(status, 401);
    let raw = std::fs::read_to_string(&stack.audit_log).expect("the log");
    let line = raw.lines().last().unwrap_or_default();
    assert!(line.len() < 1024, "a {} byte line for one anonymous request", line.len());
    let refused = lines_of(&stack, "session.refused");
    let target = refused.last().and_then(|e| e["target"].as_str()).unwrap_or_default();
    assert!(target.starts_with("GET /api/d1/consumers/AAAA") && target.ends_with(&format!("…({} bytes)", long_path.len() + 4)), "{target}");

    // An export names its consumer in the path, and refusals of it are audited with that name.
    let export = format!("/api/d1/consumers/{}/operations/export?format=csv", "B".repeat(60_000));
    let grace = stack.sign_in("grace").await;
    let (status, _, body) = grace.get(&export).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("consumerId")), "{body}");
    let alice = stack.sign_in("alice").await;
    let (status, _, _) = alice.get(&export).await;
    assert_eq!(status, 403);
    let exports = lines_of(&stack, "d1.operations.export");
    assert_eq!(exports.iter().map(|e| e["status"].as_u64().unwrap_or_default()).collect::<Vec<_>>(), [400, 403], "{exports:#?}");
    let raw = std::fs::read_to_string(&stack.audit_log).expect("the log");
    let longest = raw.lines().map(str::len).max().unwrap_or_default();
    assert!(longest < 1024, "a {longest} byte line");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_anonymous_refusals_writes_about_a_burst_of_lines() {
    let stack = stub(StackOptions::default()).await;
    let started = std::time::Instant::now();
    for _ in 0..200 {
        let (status, _, _) = stack.get_anonymous(BUSY).await;
        assert_eq!(status, 401);
    }
    let burst = console_server::anonymous_refusals::ANONYMOUS_REFUSALS_BURST as usize;
    // One more line per second of the flood at most (refill 1 s).
    let allowed = burst + started.elapsed().as_secs() as usize + 1;
    let refused = lines_of(&stack, "session.refused").len();
    assert!((burst..=allowed).contains(&refused), "{refused} lines for 200 anonymous refusals from one address (at most {allowed})");
    // A signed-in person's refusals are not held back by the flood from their address.
    let ada = stack.admin().await;
    let r = ada.request(Method::POST, DELETE_ALICE).json(&json!({"reason": "x"})).send().await.expect("POST");
    assert_eq!(r.status().as_u16(), 403);
    assert!(lines_of(&stack, "session.refused").iter().any(|e| e["userId"] == "usr-ada"), "the session holder's refusal is not logged");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_anonymous_refusals_from_many_addresses_is_capped_for_all_of_them_together() {
    let stack = stub(StackOptions { trusted_proxies: vec![local()], ..Default::default() }).await;
    let http = console_e2e::http_client();
    let started = std::time::Instant::now();
    for n in 0..1500u32 {
        // Each from its own IPv6 /64: the per-address limit alone would let every one through.
        let from = format!("2001:db8:{:x}:{:x}::1", n >> 8, n & 0xff);
        let r = http.get(stack.url(BUSY)).header("x-forwarded-for", from).send().await.expect("GET");
        assert_eq!(r.status().as_u16(), 401);
    }
    let total = console_server::anonymous_refusals::ANONYMOUS_REFUSALS_TOTAL_BURST as usize;
    let per_second = console_server::anonymous_refusals::ANONYMOUS_REFUSALS_PER_SECOND as usize;
    let allowed = total + per_second * (started.elapsed().as_secs() as usize + 1);
    let written = lines_of(&stack, "session.refused").len();
    assert!(written <= allowed && written < 1500, "{written} lines for 1,500 anonymous refusals from as many addresses (at most {allowed})");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_sign_out_is_audited() {
    let stack = stub(StackOptions::default()).await;
    let ada = stack.sign_in("ada").await;
    let r = ada.request(Method::POST, "/auth/logout").send().await.expect("POST /auth/logout");
    assert_eq!(r.status().as_u16(), 403);
    let r = ada.request(Method::POST, "/auth/logout").header("x-csrf-token", &ada.csrf_token).header("origin", "https://evil.example").send().await.expect("POST");
    assert_eq!(r.status().as_u16(), 403);
    let refused = lines_of(&stack, "session.refused");
    assert_eq!(refused.len(), 2, "{refused:#?}");
    for e in &refused {
        assert_eq!((e["target"].as_str(), e["userId"].as_str(), e["status"].as_u64()), (Some("POST /auth/logout"), Some("usr-ada"), Some(403)), "{e}");
    }
    assert!(refused[0]["detail"].as_str().unwrap_or_default().contains("carries no anti-CSRF token"), "{}", refused[0]);
    assert!(refused[1]["detail"].as_str().unwrap_or_default().contains("https://evil.example"), "{}", refused[1]);
    assert!(lines_of(&stack, "session.sign_out").is_empty(), "the session was not ended");
    let (status, _, _) = ada.get(BUSY).await;
    assert_eq!(status, 200, "the session lives on");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_person_keeps_the_session_alive_where_polls_do_not() {
    let stack = stub(StackOptions { idle_timeout: Some(Duration::from_secs(2)), ..Default::default() }).await;
    let ada = stack.sign_in("ada").await;
    for _ in 0..7 {
        let (status, _, body) = ada.get(BUSY).await;
        assert_eq!(status, 200, "{body}");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    stack.shutdown().await;
}

/// An anonymous request that claims to be forwarded for `forwarded_for`; the client address its refusal
/// line records.
async fn client_seen(stack: &Stack, forwarded_for: &str) -> Value {
    let r = stack.http.get(stack.url(BUSY)).header("x-forwarded-for", forwarded_for).send().await.expect("GET");
    assert_eq!(r.status().as_u16(), 401);
    let lines = lines_of(stack, "session.refused");
    lines.last().map(|e| e["client"].clone()).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_address_is_forwarded_only_by_a_trusted_proxy() {
    let direct = stub(StackOptions::default()).await;
    assert_eq!(client_seen(&direct, "198.51.100.7").await, "127.0.0.1", "anyone can send X-Forwarded-For");
    direct.shutdown().await;

    let proxied = stub(StackOptions { trusted_proxies: vec![local()], ..Default::default() }).await;
    assert_eq!(client_seen(&proxied, "198.51.100.7").await, "198.51.100.7");
    // What the client itself put in front is not believed: our proxy appended the address it saw.
    assert_eq!(client_seen(&proxied, "203.0.113.66, 198.51.100.8").await, "198.51.100.8");
    proxied.shutdown().await;
}

/// GETs `/auth/login` as `forwarded_for` until refused; how many were let through, and the refusal.
async fn sign_ins_until_refused(stack: &Stack, forwarded_for: &str) -> (usize, reqwest::Response) {
    let http = console_e2e::sign_in::no_redirects();
    for let_through in 0..100 {
        let r = http.get(stack.url("/auth/login?return_to=/")).header("x-forwarded-for", forwarded_for).send().await.expect("GET /auth/login");
        if r.status().as_u16() != 303 {
            return (let_through, r);
        }
    }
    panic!("100 sign-ins from one address in a row were all let through");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_rate_limited_per_client_address() {
    let proxied = stub(StackOptions { trusted_proxies: vec![local()], ..Default::default() }).await;
    let (let_through, refused) = sign_ins_until_refused(&proxied, "198.51.100.7").await;
    assert_eq!(let_through, console_server::rate_limit::AUTH_BURST as usize);
    assert_eq!(refused.status().as_u16(), 429);
    let retry_after: u64 = refused.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok()).expect("Retry-After in seconds");
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_eq!(refused.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    // Another client behind the same proxy is not held back.
    let r = console_e2e::sign_in::no_redirects()
        .get(proxied.url("/auth/login?return_to=/"))
        .header("x-forwarded-for", "198.51.100.8")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 303);
    proxied.shutdown().await;

    // Without a trusted proxy, a forged X-Forwarded-For does not buy a fresh bucket.
    let direct = stub(StackOptions::default()).await;
    let (let_through, _) = sign_ins_until_refused(&direct, "198.51.100.7").await;
    assert_eq!(let_through, console_server::rate_limit::AUTH_BURST as usize);
    let (let_through, refused) = sign_ins_until_refused(&direct, "198.51.100.9").await;
    assert_eq!((let_through, refused.status().as_u16()), (0, 429));
    direct.shutdown().await;
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("<absent>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_answers_are_never_stored_and_every_answer_is_isolated() {
    let stack = stub(StackOptions::default()).await;
    let ada = stack.admin().await;
    let http = console_e2e::sign_in::no_redirects();
    let api = ada.request(Method::GET, BUSY).send().await.expect("GET /api");
    let session = http.get(stack.url("/api/session")).send().await.expect("GET /api/session");
    let unknown = http.get(stack.url("/api/nothing-here")).send().await.expect("GET unknown /api");
    let login = http.get(stack.url("/auth/login?return_to=/")).send().await.expect("GET /auth/login");
    let page = http.get(stack.url("/consumers/demo-busy")).send().await.expect("GET the page");
    for (what, r) in [("/api", &api), ("/api/session", &session), ("unknown /api", &unknown), ("/auth/login", &login)] {
        assert_eq!(header(r, "cache-control"), "no-store", "{what}");
    }
    assert_eq!(header(&page, "cache-control"), "no-cache", "the app's files are revalidated, not banned from caches");
    for r in [&api, &session, &login, &page] {
        assert_eq!(header(r, "cross-origin-opener-policy"), "same-origin");
        assert_eq!(header(r, "cross-origin-resource-policy"), "same-origin");
        let permissions = header(r, "permissions-policy");
        for feature in ["camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"] {
            assert!(permissions.contains(feature), "{feature} not denied: {permissions}");
        }
        assert_eq!(header(r, "strict-transport-security"), "<absent>", "HSTS over plain http");
        assert!(uuid::Uuid::parse_str(header(r, "x-request-id")).is_ok());
    }
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_revoked_upstream_ends_the_session_at_consents() {
    let stack = stub(StackOptions::default()).await;
    let alice = stack.sign_in("alice").await;
    let (status, _, body) = alice.get("/api/me/consents/needed").await;
    assert_eq!(status, 200, "{body}");
    let url = stack.sandbox("/_sandbox/auth/users/usr-alice/revoke-sign-ins");
    let r = stack.http.post(&url).send().await.expect("revoke at the sandbox");
    assert_eq!(r.status().as_u16(), 200);

    let (status, _, body) = alice.get("/api/me/consents/needed").await;
    assert_eq!((status, body["kind"].as_str()), (401, Some("unauthorized")), "{body}");
    let (status, _, session) = alice.get("/api/session").await;
    assert_eq!(status, 200);
    assert!(session.get("user").is_none(), "the gateway session is gone: {session}");
    stack.shutdown().await;
}
