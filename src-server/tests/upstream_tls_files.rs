//! Each upstream's TLS files reach the client built for it: a profile whose D1, authorization-server or
//! Consents CA bundle is unusable does not start, and says which upstream's file is wrong. (The
//! handshakes themselves are tested in console-link's `upstream_tls`.)

use std::path::{Path, PathBuf};

use console_link::UpstreamTls;
use console_server::config::Profile;
use console_server::{start, ServerConfig};

fn profile() -> Profile {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/console.toml");
    console_server::config::load(&file, Some("sandbox")).expect("sandbox profile")
}

fn dist() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("console-server-tls-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("index.html"), "<!doctype html><title>stub</title>").expect("index.html");
    dir
}

fn unusable() -> UpstreamTls {
    UpstreamTls { client_identity_pem: None, ca_bundle_pem: Some(b"not a PEM certificate".to_vec()) }
}

async fn refusal(edit: impl FnOnce(&mut Profile)) -> String {
    let mut profile = profile();
    edit(&mut profile);
    let config = ServerConfig::new("127.0.0.1:0".parse().expect("address"), dist(), profile);
    match start(config).await {
        Err(e) => e.to_string(),
        Ok(running) => {
            running.shutdown().await;
            panic!("the gateway started with an unusable CA bundle");
        }
    }
}

#[tokio::test]
async fn every_upstreams_ca_bundle_is_used_and_an_unusable_one_stops_the_start() {
    let e = refusal(|p| p.tls.d1 = unusable()).await;
    assert!(e.contains("D1") && e.contains("CA bundle"), "{e}");
    let e = refusal(|p| p.tls.auth = unusable()).await;
    assert!(e.contains("sign-in") && e.contains("CA bundle"), "{e}");
    let e = refusal(|p| p.tls.consents = unusable()).await;
    assert!(e.contains("consents") && e.contains("CA bundle"), "{e}");
}

#[tokio::test]
async fn the_committed_sandbox_profile_starts_with_no_tls_files() {
    let config = ServerConfig::new("127.0.0.1:0".parse().expect("address"), dist(), profile());
    start(config).await.expect("starts").shutdown().await;
}
