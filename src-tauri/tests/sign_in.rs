//! The loopback sign-in against the sandbox's authorization server, with the test playing the system
//! browser: the app listens, "opens" the authorization URL, the person signs in on the sandbox's form,
//! the browser follows the redirect to the app's listener, and the app exchanges the code.

use std::time::Duration;

use console_desktop::loopback::LoopbackError;
use console_desktop::sign_in::{open_with, sign_in, SignInError, SignInSettings};

mod common;
use common::play_browser;

async fn sandbox() -> console_sandbox::Running {
    let listen = "127.0.0.1:0".parse().unwrap();
    console_sandbox::start(console_sandbox::Config::new(listen, ":memory:")).await.expect("sandbox starts")
}

fn settings(sandbox: &console_sandbox::Running) -> SignInSettings {
    SignInSettings {
        auth_base: sandbox.auth_issuer().parse().unwrap(),
        audience: console_sandbox::ACCESS_TOKEN_AUDIENCE.into(),
        client_id: "console-desktop".into(),
        scopes: Vec::new(),
        http_timeout: Duration::from_secs(10),
        tls: console_link::UpstreamTls::default(),
    }
}

#[tokio::test]
async fn a_person_signs_in_through_the_system_browser_and_the_loopback() {
    let sandbox = sandbox().await;
    let (page_tx, page_rx) = tokio::sync::oneshot::channel();
    let browser = |url: &str| {
        let url = url.to_string();
        tokio::spawn(async move {
            let _ = page_tx.send(play_browser(url, "ada").await);
        });
        Ok(())
    };
    let tokens = sign_in(&settings(&sandbox), browser, Duration::from_secs(20), std::future::pending()).await.expect("signed in");
    let identity = tokens.identity.expect("an ID token");
    assert!(!identity.sub.is_empty());
    assert!(tokens.refresh_token.is_some(), "a refresh token, for the keychain");
    let (status, page) = page_rx.await.unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("Return to the Consent"), "{page}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn nobody_signing_in_times_out() {
    let sandbox = sandbox().await;
    let result = sign_in(&settings(&sandbox), |_| Ok(()), Duration::from_millis(300), std::future::pending()).await;
    assert!(matches!(result, Err(SignInError::Callback(LoopbackError::TimedOut(_)))), "{result:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_sign_in_called_off_while_the_browser_is_out_ends_at_once_with_why() {
    let sandbox = sandbox().await;
    let started = std::time::Instant::now();
    let called_off = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        "replaced by a newer sign-in"
    };
    let result = sign_in(&settings(&sandbox), |_| Ok(()), Duration::from_secs(300), called_off).await;
    assert!(matches!(result, Err(SignInError::Cancelled("replaced by a newer sign-in"))), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "not after the sign-in's wait");
    sandbox.shutdown().await;
}

/// The test hook: the command named by CONSOLE_DESKTOP_BROWSER gets the authorization URL.
#[tokio::test]
async fn the_browser_hook_runs_its_command_with_the_url() {
    let dir = std::env::temp_dir().join(format!("console-desktop-hook-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("browser.sh");
    let out = dir.join("url.txt");
    std::fs::write(&script, format!("#!/bin/sh\nprintf %s \"$1\" > '{}'\n", out.display())).unwrap();
    std::process::Command::new("chmod").arg("+x").arg(&script).status().unwrap();
    let open = open_with(Some(script.display().to_string()), |_| panic!("the system browser must not open"));
    open("http://127.0.0.1:1/auth/oauth2/authorize?state=x").unwrap();
    let mut seen = String::new();
    for _ in 0..100 {
        seen = std::fs::read_to_string(&out).unwrap_or_default();
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen, "http://127.0.0.1:1/auth/oauth2/authorize?state=x");
    let _ = std::fs::remove_dir_all(&dir);
}
