//! "My documents" in real Chromium, as alice: the bank revises a document, she sees it as revised with
//! what changed, reads it in the console's sandboxed frame (served by the gateway), accepts once and
//! every matching consent is given, gets a receipt, finds it in her history and revokes it behind a
//! confirmation. The pages in Spanish and French, at phone width, usable with the keyboard, and checked by
//! axe-core (no serious or critical violation). A failure told in the person's language, by its kind.
//! Screenshots in tests/artifacts/me-*.png.

use std::path::PathBuf;

use console_api::i18n::{Language, ProblemText};
use console_e2e::{testid, Browser, Stack, WAIT};
use fantoccini::key::Key;
use serde_json::{json, Value};

const ALICE_PRIVACY: &str = "d311f16d-7407-4757-bfa9-162ba8bf8634";
const PRIVACY: &str = "/vault/files/privacy-policy/content";

/// The bank revises a document as its service client would (client credentials, the sandbox's API).
async fn revise(stack: &Stack, type_: &str, uri: &str, revision: &str, revised_at: &str) {
    console_e2e::revise_document(&stack.http, &stack.sandbox(""), type_, uri, revision, revised_at).await;
}

/// axe-core's violations of impact serious or critical on the page as it is now (`what` names it).
async fn assert_accessible(b: &Browser, what: &str) {
    let path = std::env::var_os("AXE_CORE_JS").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        home.join(".cache/console-tools/axe-core/node_modules/axe-core/axe.min.js")
    });
    let axe = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core at {} ({e}): `cargo xtask test` installs it, or set AXE_CORE_JS", path.display()));
    // WebDriver's scripts are not subject to the page's CSP; the page's own scripts still are.
    b.js(&format!("{axe}\nwindow.axe = axe; return typeof window.axe.run;"), vec![]).await;
    let script = "const done = arguments[arguments.length - 1];
        window.axe.run(document, { resultTypes: ['violations'] })
          .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) }))))
          .catch(e => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));";
    let violations = b.client.execute_async(script, vec![]).await.unwrap_or_else(|e| panic!("axe.run on {what}: {e}"));
    let all = violations.as_array().cloned().unwrap_or_else(|| panic!("axe answered {violations}"));
    let serious: Vec<&Value> = all.iter().filter(|v| v["impact"] == "serious" || v["impact"] == "critical").collect();
    assert!(serious.is_empty(), "axe-core on {what}: {serious:#?}");
}

/// The element focused now: its data-testid (or tag).
async fn focused(b: &Browser) -> String {
    let v = b.js("const e = document.activeElement; return e ? (e.dataset.testid || e.tagName.toLowerCase()) : '';", vec![]).await;
    v.as_str().unwrap_or_default().to_string()
}

async fn press(b: &Browser, key: Key) {
    let active = b.client.active_element().await.expect("a focused element");
    active.send_keys(&char::from(key).to_string()).await.expect("a key press");
}

async fn needed_of_alice(stack: &Stack) -> Vec<String> {
    let grace = stack.sign_in("grace").await;
    let (status, _, body) = grace.get("/api/consents/needed?userId=usr-alice").await;
    assert_eq!(status, 200, "{body}");
    body["_embedded"]["items"].as_array().into_iter().flatten().map(|c| c["_id"].as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_reads_a_revised_document_accepts_once_and_revokes_it_from_her_history() {
    let stack = Stack::start().await;
    revise(&stack, "privacyPolicy", PRIVACY, "2027:1", "2027-02-01T08:00:00.000Z").await;
    let b = Browser::start().await;
    b.js("localStorage.clear();", vec![]).await;
    b.sign_in(&stack, "alice", "/me").await;

    // The inbox: the privacy policy as revised, with what changed; the two accounts' terms as one new entry.
    let privacy = format!("[data-consent-id=\"{ALICE_PRIVACY}\"]");
    b.wait_css(&format!("{privacy} [data-testid=what-changed]"), WAIT).await;
    assert_eq!(b.count(&testid("needed-consent")).await, 2);
    let entry = b.js(&format!("return document.querySelector('{privacy}').textContent;"), vec![]).await;
    let entry = entry.as_str().unwrap_or_default();
    assert!(entry.contains("Revised") && entry.contains("Revision 2027:1"), "{entry}");
    assert!(entry.contains("What changed:"), "the document's own summary: {entry}");
    b.screenshot("me-inbox").await;
    assert_accessible(&b, "the inbox").await;

    // The document, read in the console: the frame is the gateway's relay, sandboxed, without scripts.
    b.js(&format!("document.querySelector('{privacy} [data-testid=read-document]').click();"), vec![]).await;
    let frame = b.wait_testid("document-frame", WAIT).await;
    assert_eq!(b.url().await.path(), format!("/me/documents/{ALICE_PRIVACY}"));
    assert_eq!(frame.attr("sandbox").await.ok().flatten().as_deref(), Some(""), "a sandbox with no allowances");
    let src = frame.attr("src").await.ok().flatten().unwrap_or_default();
    assert_eq!(src, "/api/me/documents?uri=%2Fvault%2Ffiles%2Fprivacy-policy%2Fcontent");
    b.wait_for("the document read through the gateway", "me-frame", WAIT, || async {
        let reads = stack.audit_entries().into_iter().filter(|e| e["action"] == "documents.read.mine" && e["status"] == 200).count();
        (reads > 0).then_some(())
    })
    .await;
    assert!(b.text_of("document-revision").await.contains("2027:1"));
    assert!(!b.is_enabled("accept").await, "Accept waits for the agreement");
    assert_eq!(b.js("return document.querySelector('[data-testid=agree]').checked;", vec![]).await, json!(false));
    assert_accessible(&b, "the document page").await;

    // With the keyboard alone: to the checkbox, Space, to Accept, Enter.
    b.js("document.querySelector('[data-testid=agree]').focus();", vec![]).await;
    press(&b, Key::Space).await;
    assert!(b.is_enabled("accept").await, "agreeing enables Accept");
    press(&b, Key::Tab).await;
    assert_eq!(focused(&b).await, "accept");
    b.screenshot("me-document").await;
    press(&b, Key::Enter).await;
    let receipt = b.wait_testid("receipt", WAIT).await;
    let text = receipt.text().await.unwrap_or_default();
    assert!(text.contains("Accepted") && text.contains("revision 2027:1"), "{text}");
    assert_eq!(focused(&b).await, "h2", "the receipt takes focus");
    b.screenshot("me-receipt").await;
    assert_accessible(&b, "the receipt").await;
    assert_eq!(needed_of_alice(&stack).await.len(), 2, "the privacy policy is given; the terms are still needed");

    // The terms of two accounts, revised by the bank while she reads them: her Accept names the version
    // she read, so nothing is given; the page says so, shows the new revision unchecked, and she accepts it.
    b.click_testid("receipt-back").await;
    b.wait_css(&testid("read-document"), WAIT).await;
    assert_eq!(b.count(&testid("needed-consent")).await, 1);
    b.click_testid("read-document").await;
    b.wait_testid("document-frame", WAIT).await;
    assert!(b.text_of("document-revision").await.contains("Revision 2026:2.1"));
    revise(&stack, "productTermsAndConditions", "/vault/files/checking-terms/content", "2027:1.0", "2027-03-01T12:00:00.000Z").await;
    b.click_testid("agree").await;
    b.click_testid("accept").await;
    let notice = b.wait_testid("revised-while-reading", WAIT).await.text().await.unwrap_or_default();
    assert!(notice.contains("revised while you were reading it") && notice.contains("revision 2027:1.0"), "{notice}");
    assert!(b.text_of("document-revision").await.contains("Revision 2027:1.0"), "the new revision is shown");
    assert_eq!(b.js("return document.querySelector('[data-testid=agree]').checked;", vec![]).await, json!(false), "asked again, unchecked");
    assert!(!b.is_enabled("accept").await);
    assert_eq!(needed_of_alice(&stack).await.len(), 2, "nothing was given unread");
    // Chromium logs the refused request itself: that line, and nothing else.
    let logged = b.console_errors().await;
    assert!(logged.len() == 1 && logged[0].contains("/give") && logged[0].contains("412"), "{logged:#?}");
    b.screenshot("me-revised-while-reading").await;
    assert_accessible(&b, "the revised-while-reading notice").await;
    b.click_testid("agree").await;
    b.click_testid("accept").await;
    let text = b.wait_testid("receipt", WAIT).await.text().await.unwrap_or_default();
    assert!(text.contains("It covers 2 agreements") && text.contains("revision 2027:1.0"), "{text}");
    assert!(needed_of_alice(&stack).await.is_empty(), "every matching consent was given");

    // History: newest first; revoke behind a confirmation, with the focus kept and given back.
    b.goto(&stack.url("/me/history")).await;
    b.wait_css(&testid("history-entry"), WAIT).await;
    assert_accessible(&b, "the history").await;
    let revoke = format!("[data-revoke-id=\"{ALICE_PRIVACY}\"]");
    b.js(&format!("document.querySelector('{revoke}').focus();"), vec![]).await;
    press(&b, Key::Enter).await;
    b.wait_testid("revoke-dialog", WAIT).await;
    assert_eq!(focused(&b).await, "revoke-cancel", "the dialog starts on Cancel");
    press(&b, Key::Tab).await;
    press(&b, Key::Tab).await;
    assert_eq!(focused(&b).await, "revoke-cancel", "Tab stays inside the dialog");
    assert_accessible(&b, "the revoke dialog").await;
    b.screenshot("me-revoke-dialog").await;
    press(&b, Key::Escape).await;
    b.wait_gone("revoke-dialog", WAIT).await;
    let back = b.js(&format!("return document.activeElement === document.querySelector('{revoke}');"), vec![]).await;
    assert_eq!(back, json!(true), "focus back on the Revoke button");
    press(&b, Key::Enter).await;
    // Two clicks in one task (before the page can disable the button): one withdrawal is sent.
    b.wait_testid("revoke-confirm", WAIT).await;
    b.js("const e = document.querySelector('[data-testid=revoke-confirm]'); e.click(); e.click();", vec![]).await;
    b.wait_testid("revoked-notice", WAIT).await;
    let state = b
        .wait_for("the policy shown revoked", "me-revoked", WAIT, || async {
            let v = b.js(&format!("const e = document.querySelector('[data-consent-id=\"{ALICE_PRIVACY}\"] [data-testid=history-state]'); return e ? e.textContent : '';"), vec![]).await;
            let s = v.as_str().unwrap_or_default().to_string();
            (s == "Revoked").then_some(s)
        })
        .await;
    assert_eq!(state, "Revoked", "the API's label for the state");
    let revokes: Vec<Value> = stack.audit_entries().into_iter().filter(|e| e["action"] == "consents.revoke.mine").collect();
    assert_eq!(revokes.iter().map(|e| e["outcome"].as_str().unwrap_or_default()).collect::<Vec<_>>(), ["attempt", "ok"]);
    b.screenshot("me-history").await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "the console logged errors: {errors:#?}");
    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_speak_spanish_and_french_and_fit_a_phone() {
    let stack = Stack::start().await;
    revise(&stack, "privacyPolicy", PRIVACY, "2027:1", "2027-02-01T08:00:00.000Z").await;
    let b = Browser::start().await;
    b.sign_in(&stack, "alice", "/me").await;
    b.wait_css(&testid("what-changed"), WAIT).await;
    let (_, _, es_labels) = stack.sign_in("alice").await.get("/api/me/labels?lang=es").await;

    for (code, title, revised, agree, sign_out, changed, shot) in [
        ("es", "Mis documentos", "Revisado", "He leído y acepto", "Cerrar sesión", "Ahora puede descargar", "me-inbox-es"),
        ("fr", "Mes documents", "Révisé", "J’ai lu et j’accepte", "Se déconnecter", "Vous pouvez désormais", "me-inbox-fr"),
    ] {
        b.js("const s = document.querySelector('[data-testid=language-switch]'); s.value = arguments[0]; s.dispatchEvent(new Event('change', { bubbles: true }));", vec![json!(code)]).await;
        b.wait_for(&format!("the inbox in {code}"), shot, WAIT, || async {
            (b.js("return document.querySelector('h1').innerText;", vec![]).await == json!(title)).then_some(())
        })
        .await;
        let lang = b.js("return document.querySelector('[data-testid=my-documents]').lang;", vec![]).await;
        assert_eq!(lang, json!(code), "the section says its language");
        // The shell around it too: the page's language, the header's link, the menu's button.
        let shell = b
            .js(
                "return [document.documentElement.lang, document.querySelector('.topnav a').textContent, \
                 document.querySelector('[data-testid=sign-out]').textContent.trim()];",
                vec![],
            )
            .await;
        assert_eq!(shell, json!([code, title, sign_out]), "the shell in {code}");
        // textContent: the badges are upper-cased by the stylesheet, which innerText applies.
        let page = b.js("return document.querySelector('[data-testid=my-documents]').textContent;", vec![]).await;
        let page = page.as_str().unwrap_or_default();
        assert!(page.contains(revised), "{code}: {page}");
        // What changed, as the document says it in that language.
        b.wait_for(&format!("what changed in {code}"), shot, WAIT, || async {
            let v = b.js("const w = document.querySelector('[data-testid=what-changed]'); return w ? w.textContent : '';", vec![]).await;
            v.as_str().unwrap_or_default().contains(changed).then_some(())
        })
        .await;
        b.screenshot(shot).await;
        assert_accessible(&b, &format!("the inbox in {code}")).await;
        // The document page in the same language.
        b.click_testid("read-document").await;
        b.wait_testid("document-frame", WAIT).await;
        let form = b.js("return document.querySelector('.accept-form').innerText;", vec![]).await;
        assert!(form.as_str().unwrap_or_default().contains(agree), "{code}: {form}");
        b.goto(&stack.url("/me")).await;
        b.wait_css(&testid("needed-consent"), WAIT).await;
    }
    // The type names are the API's: Spanish when asked in Spanish.
    b.js("const s = document.querySelector('[data-testid=language-switch]'); s.value = 'es'; s.dispatchEvent(new Event('change', { bubbles: true }));", vec![]).await;
    let spanish_name = es_labels["groups"]["consentType"]["privacyPolicy"]["label"].as_str().expect("a Spanish label").to_string();
    b.wait_for("the API's Spanish type name", "me-type-es", WAIT, || async {
        let v = b.js("return document.querySelector('[data-testid=my-documents]').innerText;", vec![]).await;
        v.as_str().unwrap_or_default().contains(&spanish_name).then_some(())
    })
    .await;
    // The choice is remembered across a reload.
    b.goto(&stack.url("/me")).await;
    b.wait_for("Spanish after a reload", "me-remembered", WAIT, || async {
        (b.js("const h = document.querySelector('h1'); return h ? h.innerText : '';", vec![]).await == json!("Mis documentos")).then_some(())
    })
    .await;
    b.js("localStorage.setItem('console.language', 'en');", vec![]).await;

    // 360 px wide: nothing scrolls sideways on the inbox, the document page or the history.
    b.cdp("Emulation.setDeviceMetricsOverride", json!({ "width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": true })).await;
    for (path, ready, shot) in [
        ("/me".to_string(), "needed-consent", "me-360-inbox"),
        (format!("/me/documents/{ALICE_PRIVACY}"), "document-frame", "me-360-document"),
        ("/me/history".to_string(), "history-entry", "me-360-history"),
    ] {
        b.goto(&stack.url(&path)).await;
        b.wait_testid(ready, WAIT).await;
        let width = b.js("return [document.documentElement.scrollWidth, window.innerWidth];", vec![]).await;
        assert!(width[0].as_u64() <= width[1].as_u64(), "{path} overflows at 360 px: {width}");
        b.screenshot(shot).await;
        assert_accessible(&b, &format!("{path} at 360 px")).await;
    }
    b.close().await;
    stack.shutdown().await;
}

/// Chooses `code` in the page's language switch.
async fn choose_language(b: &Browser, code: &str, title: &str) {
    b.js("const s = document.querySelector('[data-testid=language-switch]'); s.value = arguments[0]; s.dispatchEvent(new Event('change', { bubbles: true }));", vec![json!(code)]).await;
    b.wait_for(&format!("the page in {code}"), &format!("me-error-{code}-switch"), WAIT, || async {
        (b.js("const h = document.querySelector('h1'); return h ? h.innerText : '';", vec![]).await == json!(title)).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_is_told_in_the_end_users_language_by_its_kind_not_in_the_gateways_english() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.js("localStorage.clear();", vec![]).await;
    b.sign_in(&stack, "alice", "/me").await;
    b.wait_css(&testid("needed-consent"), WAIT).await;
    choose_language(&b, "es", "Mis documentos").await;

    // The Consents service fails her history: the gateway's 502 says so in English, for staff.
    stack.arm_fault(json!({ "method": "GET", "path": "/consents/consents", "status": 503 })).await;
    b.goto(&stack.url("/me/history")).await;
    let error = b.wait_testid("me-error", WAIT).await.text().await.unwrap_or_default();
    let expected = ProblemText::ServiceUnavailable.in_language(Language::Es);
    assert!(error.contains(expected), "the Spanish words for an unavailable service: {error}");
    assert!(error.contains("No se ha podido hacer") && error.contains("Referencia para soporte:"), "{error}");
    assert!(!error.contains("Consents service") && !error.contains("(503)"), "not the gateway's English: {error}");
    b.screenshot("me-error-es").await;
    assert_accessible(&b, "an error in Spanish").await;

    // In French, accepting a document that changed meanwhile (the API's 409 invalidConsentState).
    b.goto(&stack.url("/me/history")).await;
    b.wait_testid("history-entry", WAIT).await;
    choose_language(&b, "fr", "Ce que j’ai accepté").await;
    b.goto(&stack.url(&format!("/me/documents/{ALICE_PRIVACY}"))).await;
    b.wait_testid("document-frame", WAIT).await;
    let already = json!({ "_error": { "type": "invalidConsentState", "message": "The consent is not pending or stale.", "statusCode": 409 } });
    stack.arm_fault(json!({ "method": "POST", "path": "/consents/givenConsents", "status": 409, "body": already })).await;
    b.click_testid("agree").await;
    b.click_testid("accept").await;
    let error = b.wait_testid("me-error", WAIT).await.text().await.unwrap_or_default();
    assert!(error.contains(ProblemText::AlreadyChanged.in_language(Language::Fr)), "{error}");
    assert!(error.contains("Cela n’a pas pu être fait") && error.contains("Référence pour le support"), "{error}");
    assert!(!error.contains("cannot be changed"), "not the gateway's English: {error}");
    b.js("document.querySelector('[data-testid=me-error]').scrollIntoView({ block: 'center' });", vec![]).await;
    b.screenshot("me-error-fr").await;
    assert_accessible(&b, "an error in French").await;
    b.js("localStorage.clear();", vec![]).await;
    b.close().await;
    stack.shutdown().await;
}

/// The demo as loaded: alice's privacy consent is stale, given to 2025:1; the policy is now 2026:1. The
/// document page says the revision she is asked to accept, the one its frame shows, not the one she
/// accepted before (nor that revision's date), and so does the inbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_page_shows_the_revision_alice_is_asked_to_accept_not_the_one_she_accepted_before() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.js("localStorage.clear();", vec![]).await;
    b.sign_in(&stack, "alice", &format!("/me/documents/{ALICE_PRIVACY}")).await;
    let frame = b.wait_testid("document-frame", WAIT).await;
    let line = b
        .wait_for("the revision line", "me-revision-now", WAIT, || async {
            let text = b.text_of("document-revision").await;
            (!text.is_empty()).then_some(text)
        })
        .await;
    assert!(line.contains("Revision 2026:1"), "the revision to accept: {line}");
    assert!(!line.contains("2025"), "not the revision accepted before, nor its date: {line}");

    // The frame shows that revision: its document, fetched as alice through the gateway, says so.
    let src = frame.attr("src").await.ok().flatten().unwrap_or_default();
    let alice = stack.sign_in("alice").await;
    let served = alice.request(reqwest::Method::GET, &src).send().await.expect("the frame's document");
    assert_eq!(served.status().as_u16(), 200);
    let html = served.text().await.unwrap_or_default();
    assert!(html.contains(r#"<meta name="revision-id" content="2026:1">"#), "the frame's document is 2026:1");

    // The inbox says the same revision.
    b.goto(&stack.url("/me")).await;
    let privacy = format!("[data-consent-id=\"{ALICE_PRIVACY}\"] [data-testid=needed-revision]");
    let entry = b
        .wait_for("the inbox's revision line", "me-revision-inbox", WAIT, || async {
            let v = b.js("const e = document.querySelector(arguments[0]); return e ? e.textContent : '';", vec![json!(privacy)]).await;
            let text = v.as_str().unwrap_or_default().to_string();
            text.contains("2026:1").then_some(text)
        })
        .await;
    assert!(!entry.contains("2025"), "{entry}");
    b.close().await;
    stack.shutdown().await;
}
