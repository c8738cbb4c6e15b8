//! Signing in in real headless Chromium (issue 7 item 9): two tabs sent to sign in at once each come back
//! signed in, where they were, from one browser's cookie jar (each sign-in has its own cookie).

use console_e2e::{testid, Browser, Stack, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_sent_to_sign_in_at_once_both_come_back_signed_in_where_they_were() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    let tab_a = b.client.window().await.expect("this tab");
    b.goto(&stack.url("/auth/login?return_to=/consumers/demo-busy")).await;
    b.wait_css("#username", WAIT).await;
    // Tab B starts its own sign-in while tab A sits on the sign-in page, and finishes first.
    let tab_b = b.client.new_window(true).await.expect("a second tab").handle;
    b.client.switch_to_window(tab_b).await.expect("to tab B");
    b.goto(&stack.url("/auth/login?return_to=/consumers/demo-pending")).await;
    b.sign_in_here(&stack, "ada").await;
    assert_eq!(b.url().await.path(), "/consumers/demo-pending");
    // Tab A finishes second: not "started elsewhere", back on its own page, signed in.
    b.client.switch_to_window(tab_a).await.expect("back to tab A");
    b.sign_in_here(&stack, "ada").await;
    assert_eq!(b.url().await.path(), "/consumers/demo-busy");
    assert_eq!(b.count(&testid("auth-problem")).await, 0, "no sign-in problem page");
    b.wait_testid("user-menu", WAIT).await;
    b.close().await;
    stack.shutdown().await;
}
