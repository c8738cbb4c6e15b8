//! Consents figures, at two sizes a factor of ten apart (10,000 and 100,000 consents) so that growth shows:
//!
//! 1. The explorer's queries on the sandbox (`GET /consents/consents`, `limit=50`, as the service client,
//!    over loopback HTTP, one at a time): p50 / p99 / max per filter and sort, against a p99 budget of 20 ms.
//!    Before them, the first search after loading: it fills the term index (`consents::terms`) with the
//!    values of every consent loaded, once.
//! 2. A revision that makes every consent stale (`POST /consents/revisedDocuments` over that many given
//!    consents of one document: one UPDATE, one commit, `synchronous = FULL` on a file): median of 3 fresh
//!    databases, against a budget of 1 s.
//! 3. The demo consents' load into an empty database file, the reset a test does when no test changed the
//!    bulk population, and the reset after one did (all reloaded): median of 5 each, so that what the
//!    consents' indexes and triggers cost every test run shows.
//!
//! Each size gets its own sandbox on a database file built beforehand (the bulk population of the demo
//! data at that size; for the revision, that many given privacy consents). They run first; to run only
//! them: `cargo run --release -p console-e2e --bin console-bench -- consents`.

use std::time::{Duration, Instant};

use console_e2e::{http_client, TempDir};
use console_sandbox::demo::consents_bulk;
use console_sandbox::{Config, Running, DEMO_API_KEY, SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET};

pub const SIZES: [usize; 2] = [10_000, 100_000];
const QUERY_BUDGET_MS: f64 = 20.0;
const REVISION_BUDGET_MS: f64 = 1000.0;
const REQUESTS_PER_QUERY: usize = 200;
const REVISION_RUNS: usize = 3;
const LOAD_RUNS: usize = 5;

/// The explorer's queries: every filter, `filter=`, `q`, every sort, a deep page.
const QUERIES: &[(&str, &str)] = &[
    ("everything (default order)", ""),
    ("state=pending|stale", "state=pending%7Cstale"),
    ("type=productTermsAndConditions", "type=productTermsAndConditions"),
    ("userId=one user", "userId=usr-demo-0042"),
    ("contextUri=one product", "contextUri=/products/products/savings-plus"),
    ("secondaryContextUri=one account", "secondaryContextUri=/accounts/accounts/acc-0042-03"),
    ("filter=and(eq(type),ne(state))", "filter=and(eq(type,privacyPolicy),ne(state,given))"),
    ("filter=search(userId)", "filter=search(userId,DEMO-004)"),
    ("filter=contains(contextUri)", "filter=contains(contextUri,cd-12)"),
    ("q=acc-0042", "q=acc-0042"),
    ("sortBy=-givenAt", "sortBy=-givenAt"),
    ("sortBy=type", "sortBy=type"),
    ("sortBy=userId", "sortBy=userId"),
    ("sortBy=-document.revisedAt", "sortBy=-document.revisedAt"),
    ("state=given&sortBy=-givenAt", "state=given&sortBy=-givenAt"),
    ("type&state&sortBy=userId", "type=termsAndConditions&state=pending&sortBy=userId"),
    ("state=rescinded&sortBy=-givenAt (none)", "state=rescinded&sortBy=-givenAt"),
    ("start=5000 (deep page)", "start=5000"),
];

/// Prints every figure; answers whether all were measured and within their budgets. With the argument
/// `consents`, the process ends here (exit code 0 or 1).
pub async fn figures() -> bool {
    let ok = measure().await;
    if std::env::args().skip(1).any(|a| a == "consents") {
        std::process::exit(if ok { 0 } else { 1 });
    }
    ok
}

async fn measure() -> bool {
    let (mut complete, mut within) = (true, true);
    for size in SIZES {
        println!("\nConsents explorer queries at {size} consents (GET /consents/consents, limit=50, {REQUESTS_PER_QUERY} requests each, one at a time, loopback; budget p99 {QUERY_BUDGET_MS} ms)");
        match explorer(size).await {
            Ok(ok) => within &= ok,
            Err(e) => {
                println!("  not measured: {e}");
                complete = false;
            }
        }
    }
    for size in SIZES {
        println!("\nRevising a document that makes {size} given consents stale (one transaction, file database, synchronous=FULL; median of {REVISION_RUNS}; budget {REVISION_BUDGET_MS} ms)");
        match revision(size).await {
            Ok(ok) => within &= ok,
            Err(e) => {
                println!("  not measured: {e}");
                complete = false;
            }
        }
    }
    println!("\nThe demo consents' load and reset (20,009 consents, file database, synchronous=FULL; median of {LOAD_RUNS})");
    if let Err(e) = demo_load().await {
        println!("  not measured: {e}");
        complete = false;
    }
    if !within {
        println!("\nconsole-bench: a consents figure is over its budget (see above)");
    }
    complete && within
}

/// What a figure's database holds besides the demo data.
#[derive(Clone, Copy)]
enum Population {
    /// The bulk population resized to this many users (20 consents each).
    Bulk(usize),
    /// This many more consents given to the privacy policy's current revision.
    GivenPrivacy(usize),
}

/// A sandbox on a database file holding the demo data and `population`.
async fn sandbox_with(dir: &TempDir, population: Population) -> Result<Running, String> {
    let path = dir.path().join("consents.db").to_string_lossy().into_owned();
    // The first start creates the database and loads the demo data; it is then resized, and served again.
    let first = console_sandbox::start(Config::new("127.0.0.1:0".parse().expect("addr"), path.clone())).await.map_err(|e| e.to_string())?;
    first.shutdown().await;
    let db = console_sandbox::db::Db::open(&path).map_err(|e| e.to_string())?;
    let loaded = match population {
        Population::Bulk(users) => db.tx(move |tx| consents_bulk::replace(tx, users)).await,
        Population::GivenPrivacy(n) => db.tx(move |tx| consents_bulk::add_given_privacy(tx, n)).await,
    };
    loaded.map_err(|e| e.to_string())?;
    drop(db);
    console_sandbox::start(Config::new("127.0.0.1:0".parse().expect("addr"), path)).await.map_err(|e| e.to_string())
}

async fn service_token(s: &Running, scope: &str) -> Result<String, String> {
    let r = http_client()
        .post(format!("{}/oauth2/token", s.auth_issuer()))
        .basic_auth(SERVICE_CLIENT_ID, Some(SERVICE_CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let body: serde_json::Value = r.json().await.map_err(|e| e.to_string())?;
    body["access_token"].as_str().map(str::to_string).ok_or_else(|| format!("no access token: {body}"))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1);
    sorted.get(i).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

async fn explorer(size: usize) -> Result<bool, String> {
    let dir = TempDir::new("console-bench-consents");
    let users = size / consents_bulk::PER_USER;
    let s = sandbox_with(&dir, Population::Bulk(users)).await?;
    let token = service_token(&s, "banking/read").await?;
    let http = http_client();
    let mut within = true;
    let t = Instant::now();
    let first = http.get(format!("{}/consents/consents?q=nowhere&limit=50", s.base_url())).bearer_auth(&token).header("API-Key", DEMO_API_KEY).send().await;
    let status = first.map_err(|e| e.to_string())?.status();
    if !status.is_success() {
        return Err(format!("the first search answered {status}"));
    }
    println!("  the first search, which fills the term index: {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
    println!("  {:<36} {:>9} {:>9} {:>9} {:>9}", "query", "count", "p50 ms", "p99 ms", "max ms");
    for (label, query) in QUERIES {
        let url = format!("{}/consents/consents?{query}{}limit=50", s.base_url(), if query.is_empty() { "" } else { "&" });
        let mut times = Vec::with_capacity(REQUESTS_PER_QUERY);
        let mut count = 0;
        for _ in 0..REQUESTS_PER_QUERY {
            let t = Instant::now();
            let r = http.get(&url).bearer_auth(&token).header("API-Key", DEMO_API_KEY).send().await.map_err(|e| e.to_string())?;
            let status = r.status();
            let body = r.bytes().await.map_err(|e| e.to_string())?;
            times.push(t.elapsed());
            if !status.is_success() {
                return Err(format!("{label}: {status}: {}", String::from_utf8_lossy(&body)));
            }
            if count == 0 {
                let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
                count = v["count"].as_u64().unwrap_or(0);
            }
        }
        times.sort_unstable();
        let (p50, p99, max) = (percentile(&times, 0.50), percentile(&times, 0.99), percentile(&times, 1.0));
        let over = p99 > QUERY_BUDGET_MS;
        within &= !over;
        println!("  {label:<36} {count:>9} {p50:>9.2} {p99:>9.2} {max:>9.2}{}", if over { "  OVER BUDGET" } else { "" });
    }
    s.shutdown().await;
    Ok(within)
}

async fn revision(size: usize) -> Result<bool, String> {
    let mut times = Vec::new();
    for _ in 0..REVISION_RUNS {
        let dir = TempDir::new("console-bench-revision");
        let s = sandbox_with(&dir, Population::GivenPrivacy(size)).await?;
        let token = service_token(&s, "banking/read banking/write").await?;
        let body = serde_json::json!({ "uri": "/vault/files/privacy-policy/content", "type": "privacyPolicy",
                                       "revisionId": "2027:1", "revisedAt": "2027-02-01T08:00:00.000Z" });
        let t = Instant::now();
        let r = http_client()
            .post(format!("{}/consents/revisedDocuments", s.base_url()))
            .bearer_auth(&token)
            .header("API-Key", DEMO_API_KEY)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let took = t.elapsed();
        let staled: u64 = r.headers().get("consents-made-stale").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
        if r.status().as_u16() != 202 {
            return Err(format!("revisedDocuments answered {}", r.status()));
        }
        // The demo data's own given privacy consents (500 bulk users and carol) go stale too.
        if staled < size as u64 {
            return Err(format!("only {staled} consents were made stale"));
        }
        println!("  run: {:.0} ms, {staled} consents made stale", took.as_secs_f64() * 1000.0);
        times.push(took);
        s.shutdown().await;
    }
    times.sort_unstable();
    let median = percentile(&times, 0.5);
    let over = median > REVISION_BUDGET_MS;
    println!("  median {median:.0} ms{}", if over { "  OVER BUDGET" } else { "" });
    Ok(!over)
}

/// How long `POST /_sandbox/reset`'s consents part takes on `db`.
async fn reset(db: &console_sandbox::db::Db) -> Result<Duration, String> {
    let t = Instant::now();
    db.tx(|tx| console_sandbox::demo::load_consents(tx).map(|_| ())).await.map_err(|e| e.to_string())?;
    Ok(t.elapsed())
}

async fn demo_load() -> Result<(), String> {
    let (mut load, mut pristine, mut reloaded) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..LOAD_RUNS {
        let dir = TempDir::new("console-bench-load");
        let db = console_sandbox::db::Db::open(&dir.path().join("load.db").to_string_lossy()).map_err(|e| e.to_string())?;
        load.push(reset(&db).await?);
        pristine.push(reset(&db).await?);
        // A test that changed one bulk consent: the next reset loads everything again.
        db.tx(|tx| Ok(tx.execute("UPDATE consents SET version = version + 1 WHERE user_id = 'usr-demo-0001'", [])?)).await.map_err(|e| e.to_string())?;
        reloaded.push(reset(&db).await?);
    }
    for (label, mut times) in [("load into an empty database", load), ("reset, bulk unchanged", pristine), ("reset after a bulk change (reload)", reloaded)] {
        times.sort_unstable();
        println!("  {label:<36} {:>7.1} ms", percentile(&times, 0.5));
    }
    Ok(())
}
