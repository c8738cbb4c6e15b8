//! A committed write survives `kill -9`: the real binary on a file database, a consumer deleted, SIGKILL,
//! a restart on the same file, and the DELETE operation is there.

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
