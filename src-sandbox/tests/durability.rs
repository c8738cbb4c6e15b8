//! A committed write survives `kill -9`: the real binary on a file database, a consumer deleted, SIGKILL,
//! a restart on the same file, and the DELETE operation is there. And it is in the files on disk the
//! moment its answer is sent: a copy of the database and its WAL taken then, with the sandbox still
//! running, holds it (what a power cut would leave, given `PRAGMA synchronous = FULL`, asserted in
//! `db.rs`'s tests on the sandbox's own connection).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::*;
use serde_json::json;

/// Starts the binary on port 0 and reads the port from its first line.
fn spawn(db: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_console-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn console-sandbox");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read first line");
    let base = line.trim().strip_prefix("sandbox listening on ").unwrap_or_else(|| panic!("unexpected line {line:?}")).to_string();
    (child, base)
}

async fn token_at(base: &str) -> String {
    let assertion = good_assertion();
    let r = client()
        .post(format!("{base}/authz/v1/oauth2/token"))
        .form(&[("grant_type", GRANT), ("assertion", assertion.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json::<serde_json::Value>().await.unwrap()["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_committed_delete_survives_kill_9() {
    let db = temp_db("kill9");
    let (mut child, base) = spawn(&db);
    let t = token_at(&base).await;
    let consumer = format!("{base}/banking/v1/issuers/DEMOISSUER/consumers/demo-bob");
    let r = client().post(format!("{consumer}/operations:delete")).bearer_auth(&t).json(&json!({ "reason": "durability test" })).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let op_id = r.json::<serde_json::Value>().await.unwrap()["operationId"].as_str().unwrap().to_string();

    child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix: no shutdown, no checkpoint.
    child.wait().expect("reaped");

    let (mut child, base) = spawn(&db);
    let t = token_at(&base).await;
    let consumer = format!("{base}/banking/v1/issuers/DEMOISSUER/consumers/demo-bob");
    let r = client().get(format!("{consumer}/operations/{op_id}")).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let op: serde_json::Value = r.json().await.unwrap();
    assert_eq!(op["operation"], "DELETE");
    assert_eq!(op["reason"], "durability test");
    // The demo data was not reloaded over it: the consumer is still deleted.
    let r = client().post(format!("{consumer}/operations:delete")).bearer_auth(&t).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);

    child.kill().ok();
    child.wait().ok();
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

/// Copies the database and its write-ahead log as they are on disk now (not the shared-memory index,
/// which a power cut would lose too) into a fresh directory.
fn copy_as_after_a_power_cut(db: &std::path::Path) -> std::path::PathBuf {
    let copy = temp_db("power-cut");
    std::fs::copy(db, &copy).expect("copy the database file");
    let wal = |p: &std::path::Path| p.with_file_name(format!("{}-wal", p.file_name().unwrap().to_str().unwrap()));
    if wal(db).exists() {
        std::fs::copy(wal(db), wal(&copy)).expect("copy the WAL file");
    }
    copy
}

#[tokio::test]
async fn a_committed_delete_is_in_the_files_on_disk_when_it_is_answered() {
    let db = temp_db("power-cut-source");
    let (mut child, base) = spawn(&db);
    let t = token_at(&base).await;
    let consumer = format!("{base}/banking/v1/issuers/DEMOISSUER/consumers/demo-alice");
    let r = client().post(format!("{consumer}/operations:delete")).bearer_auth(&t).json(&json!({ "reason": "power cut test" })).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let op_id = r.json::<serde_json::Value>().await.unwrap()["operationId"].as_str().unwrap().to_string();

    // Right after the answer, the sandbox still running (no close, no checkpoint).
    let copy = copy_as_after_a_power_cut(&db);
    let conn = rusqlite::Connection::open(&copy).expect("open the copy");
    let found: Option<(String, String, String)> = conn
        .query_row(
            "SELECT operation, status, reason FROM operations WHERE operation_id = ?1",
            [&op_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .ok();
    assert_eq!(
        found,
        Some(("DELETE".into(), "SUCCESSFUL".into(), "power cut test".into())),
        "the committed delete {op_id} is not in the files on disk"
    );
    let state: String = conn
        .query_row("SELECT state FROM consumers WHERE issuer_id = 'DEMOISSUER' AND consumer_id = 'demo-alice'", [], |row| row.get(0))
        .expect("demo-alice in the copy");
    assert_eq!(state, "DELETED");

    drop(conn);
    child.kill().ok();
    child.wait().ok();
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
    let _ = std::fs::remove_dir_all(copy.parent().unwrap());
}
