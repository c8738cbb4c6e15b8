//! The consent type names on the staff pages, in real Chromium (the bundles `consents` and `consent_types`): the explorer's type
//! filter offers the names the gateway serves (several at once, kept in the URL as `a|b`, usable with the
//! keyboard), and the type names editor edits each name's label in English, Spanish and French as the API
//! serves them (typing changes the label readers get, clearing removes every label of the language, es-MX
//! included; English edits an English label, never a default tagged Spanish; no Spanish or French `lang`
//! on English words), shows every language at
//! phone width, checks every field before the confirmation (each invalid one marked, its message naming
//! the label by its tag beside it, the first focused; nothing sent), refuses to add a name that exists,
//! keeps an admin's edits through a 412, and leaves focus on the status that says the save.
//! Screenshots in tests/artifacts/consents-types-*.png.

use console_api::consents::labels::MAX_LABEL_CHARS;
use console_e2e::{testid, Browser, Stack, WAIT};
use fantoccini::key::Key;
use serde_json::{json, Value};

/// The checkbox of `name` in the explorer's type picker.
fn option(name: &str) -> String {
    format!("{}[value='{name}']", testid("filter-type-option"))
}

async fn is_checked(b: &Browser, name: &str) -> bool {
    b.js("const e = document.querySelector(arguments[0]); return !!(e && e.checked);", vec![json!(option(name))]).await == json!(true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorers_type_filter_offers_the_served_type_names_and_keeps_several_in_the_url() {
    let stack = Stack::start().await;
    let (status, _, served) = stack.get("/api/consent-types").await;
    assert_eq!(status, 200, "{served}");
    let names: Vec<String> = served["names"].as_object().expect("names").keys().cloned().collect();
    assert!(names.len() >= 4, "the demo's type names: {names:?}");

    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/consents?type=privacyPolicy").await;
    b.wait_testid("consents-table", WAIT).await;
    let offered = b
        .wait_for("a checkbox per served type name", "consents-types-picker", WAIT, || async {
            let v = b.js("return [...document.querySelectorAll(arguments[0])].map(e => e.value);", vec![json!(testid("filter-type-option"))]).await;
            let offered: Vec<String> = serde_json::from_value(v).ok()?;
            (offered.len() == names.len()).then_some(offered)
        })
        .await;
    assert_eq!(offered, names, "the gateway's names, in its order");
    // Each labelled by the name's default label, inside a fieldset whose legend says what it filters.
    let labels = b
        .js(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.labels.length === 1 ? e.labels[0].textContent.trim() : null);",
            vec![json!(testid("filter-type-option"))],
        )
        .await;
    let expected: Vec<Value> = names.iter().map(|n| served["names"][n][0]["label"].clone()).collect();
    assert_eq!(labels, json!(expected));
    assert_eq!(b.js("return document.querySelector(arguments[0] + ' legend').textContent;", vec![json!(testid("filter-type"))]).await, json!("Type"));
    assert!(is_checked(&b, "privacyPolicy").await, "the URL's type is checked");
    assert!(!is_checked(&b, "electronicConsent").await);

    // With the keyboard: focus the e-consent's box, Space checks it, Enter on Apply.
    b.js("document.querySelector(arguments[0]).focus();", vec![json!(option("electronicConsent"))]).await;
    let active = b.client.active_element().await.expect("the focused checkbox");
    active.send_keys(&char::from(Key::Space).to_string()).await.expect("Space");
    assert!(is_checked(&b, "electronicConsent").await, "Space checks the focused type");
    b.js("document.querySelector(arguments[0]).focus();", vec![json!(testid("filter-apply"))]).await;
    let apply = b.client.active_element().await.expect("the focused Apply");
    apply.send_keys(&char::from(Key::Enter).to_string()).await.expect("Enter");
    b.wait_for("both types in the URL", "consents-types-url", WAIT, || async {
        let url = b.client.current_url().await.ok()?;
        url.query().is_some_and(|q| q.contains("type=electronicConsent%7CprivacyPolicy")).then_some(())
    })
    .await;
    b.wait_for("rows of both types and no other", "consents-types-rows", WAIT, || async {
        let v = b.js("return [...document.querySelectorAll(arguments[0])].map(e => e.textContent);", vec![json!(testid("row-type"))]).await;
        let types: Vec<String> = serde_json::from_value(v).ok()?;
        let only = types.iter().all(|t| t == "electronicConsent" || t == "privacyPolicy");
        (!types.is_empty() && only && types.iter().any(|t| t == "electronicConsent")).then_some(())
    })
    .await;
    let export = b.wait_testid("export-csv", WAIT).await.attr("href").await.ok().flatten().unwrap_or_default();
    assert!(export.contains("type=electronicConsent%7CprivacyPolicy"), "{export}");
    b.screenshot("consents-types-picker").await;

    // A reload shows both checked; unchecking both is no type filter at all.
    b.goto(&b.url().await.to_string()).await;
    b.wait_for("both checked after a reload", "consents-types-reload", WAIT, || async {
        (is_checked(&b, "electronicConsent").await && is_checked(&b, "privacyPolicy").await).then_some(())
    })
    .await;
    for name in ["electronicConsent", "privacyPolicy"] {
        b.js("document.querySelector(arguments[0]).click();", vec![json!(option(name))]).await;
    }
    b.click_testid("filter-apply").await;
    b.wait_for("no type in the URL", "consents-types-none", WAIT, || async {
        let url = b.client.current_url().await.ok()?;
        (!url.query().unwrap_or("").contains("type=")).then_some(())
    })
    .await;
    b.close().await;
    stack.shutdown().await;
}

/// The label input of `name` in `language` on the editor.
fn label_input(name: &str, language: &str) -> String {
    format!("tr[data-name='{name}'] {}[data-language='{language}']", testid("type-label"))
}

async fn type_label(b: &Browser, name: &str, language: &str, text: &str) {
    let input = b.wait_css(&label_input(name, language), WAIT).await;
    input.clear().await.expect("clear the label");
    // WebDriver's clear fires no `input` event: an emptied field is typed empty, as a person does.
    let keys = if text.is_empty() { format!("x{}", char::from(Key::Backspace)) } else { text.to_string() };
    input.send_keys(&keys).await.expect("type the label");
}

/// The labels of `name` in the saved set, as (language, label).
fn labels_of(set: &Value, name: &str) -> Vec<(Option<String>, String)> {
    let labels = set["names"][name].as_array().cloned().unwrap_or_default();
    labels.iter().map(|l| (l["language"].as_str().map(str::to_string), l["label"].as_str().unwrap_or_default().to_string())).collect()
}

/// What `input` (a selector) says of itself: `aria-invalid`, and the messages (not the "default" mark)
/// its `aria-describedby` names that sit beside it (in its own row).
async fn validity(b: &Browser, input: &str) -> (Option<String>, Vec<String>) {
    let v = b
        .js(
            "const e = document.querySelector(arguments[0]);
             const ids = (e.getAttribute('aria-describedby') || '').split(' ').filter(id => id);
             const beside = ids.map(id => document.getElementById(id)).filter(d => d && d.classList.contains('field-error') && e.closest('tr').contains(d)).map(d => d.textContent);
             return [e.getAttribute('aria-invalid'), beside];",
            vec![json!(input)],
        )
        .await;
    (v[0].as_str().map(str::to_string), serde_json::from_value(v[1].clone()).unwrap_or_default())
}

/// The value of `name`'s label input in `language`.
async fn value_of(b: &Browser, name: &str, language: &str) -> String {
    b.wait_css(&label_input(name, language), WAIT).await.prop("value").await.ok().flatten().unwrap_or_default()
}

/// How many audit lines the type names' PUT has so far.
fn puts(stack: &Stack) -> usize {
    stack.audit_entries().iter().filter(|e| e["action"] == "consents.types.put").count()
}

async fn focused_id(b: &Browser) -> String {
    b.js("return document.activeElement ? document.activeElement.id : '';", vec![]).await.as_str().unwrap_or_default().to_string()
}

/// The focused element's `data-testid` (empty: none, or the page's body).
async fn focused_testid(b: &Browser) -> String {
    b.js("const e = document.activeElement; return e && e.dataset ? (e.dataset.testid || '') : '';", vec![]).await.as_str().unwrap_or_default().to_string()
}

/// Sets `input`'s value by script and fires `input`, as typing does: for a character no key types.
async fn set_value(b: &Browser, input: &str, value: &str) {
    b.js(
        "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![json!(input), json!(value)],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_edits_a_type_names_label_in_each_language_checked_first_and_kept_through_a_412() {
    let stack = Stack::start().await;
    // A name whose only (default) label is tagged Spanish, as the API allows (the first label is the
    // default whatever its language).
    let setup = stack.sign_in("ada").await;
    let r = setup.request(reqwest::Method::GET, "/api/consent-types").send().await.expect("GET");
    let tag = r.headers().get("etag").and_then(|v| v.to_str().ok()).expect("the set's ETag").to_string();
    let mut set: Value = r.json().await.expect("the set");
    set["names"]["loyaltyProgram"] = json!([{ "label": "Programa de puntos", "language": "es" }]);
    // Spanish variants: typing in the Spanish field keeps one, clearing it removes them all.
    set["names"]["marketingConsent"] =
        json!([{ "label": "Marketing" }, { "label": "Mercadeo", "language": "es" }, { "label": "Mercadotecnia", "language": "ES-mx" }]);
    let privacy_mx = json!({ "label": "Aviso de privacidad (MX)", "language": "es-MX" });
    set["names"]["privacyPolicy"].as_array_mut().expect("privacy's labels").push(privacy_mx);
    let r = setup
        .request(reqwest::Method::PUT, "/api/consent-types")
        .header("x-csrf-token", &setup.csrf_token)
        .header("if-match", tag)
        .json(&json!({ "names": set["names"] }))
        .send()
        .await
        .expect("PUT");
    assert_eq!(r.status().as_u16(), 200);
    let (_, _, before) = stack.get("/api/consent-types").await;
    let puts_before = puts(&stack);
    let privacy = labels_of(&before, "privacyPolicy");
    assert_eq!(privacy.iter().map(|(l, _)| l.as_deref()).collect::<Vec<_>>(), [None, Some("es"), Some("fr"), Some("es-MX")], "the demo's and one: {privacy:?}");

    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/consent-types").await;
    // At phone width every language's column is there (the explorer's narrow-screen rule hides its own
    // 4th column only): the French field shows, and scrolls into view inside its card.
    b.cdp("Emulation.setDeviceMetricsOverride", json!({ "width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": true })).await;
    let french = b
        .js(
            "const e = document.querySelector(arguments[0]); e.scrollIntoView({ block: 'center', inline: 'center' });
             const r = e.getBoundingClientRect(); const th = document.querySelectorAll('[data-testid=types-table] th')[3];
             return [getComputedStyle(e.closest('td')).display, getComputedStyle(th).display, th.textContent, r.width > 0 && r.left >= 0 && r.right <= innerWidth];",
            vec![json!(label_input("privacyPolicy", "fr"))],
        )
        .await;
    assert_eq!(french, json!(["table-cell", "table-cell", "Label: French", true]), "the French column at 360 px");
    let width = b.js("return [document.documentElement.scrollWidth, window.innerWidth];", vec![]).await;
    assert!(width[0].as_u64() <= width[1].as_u64(), "the page does not overflow at 360 px (the table's card scrolls): {width}");
    b.screenshot("consents-types-phone").await;
    b.cdp("Emulation.clearDeviceMetricsOverride", json!({})).await;
    for (i, language) in ["en", "es", "fr"].into_iter().enumerate() {
        let input = b.wait_css(&label_input("privacyPolicy", language), WAIT).await;
        assert_eq!(input.prop("value").await.ok().flatten().unwrap_or_default(), privacy[i].1, "{language}");
        let aria = input.attr("aria-label").await.ok().flatten().unwrap_or_default();
        assert!(aria.ends_with("label of privacyPolicy"), "each input is labelled: {aria}");
        // Its name is English words: no `lang` of Spanish or French on it or around it.
        let lang = b.js("const l = document.querySelector(arguments[0]).closest('[lang]'); return l ? l.lang : '';", vec![json!(label_input("privacyPolicy", language))]).await;
        assert!(!lang.as_str().unwrap_or_default().starts_with("es") && !lang.as_str().unwrap_or_default().starts_with("fr"), "{language}: lang {lang}");
    }
    // The default tagged Spanish is the Spanish field's (marked the default); English has no label of
    // its own, and writing one adds an English label: what Spanish readers see does not change.
    let (english, spanish) = (value_of(&b, "loyaltyProgram", "en").await, value_of(&b, "loyaltyProgram", "es").await);
    assert_eq!((english.as_str(), spanish.as_str()), ("", "Programa de puntos"));
    let marked = b.js("const m = document.querySelector(\"tr[data-name='loyaltyProgram'] [data-testid=default-mark]\"); return m ? m.closest('td').querySelector('input').dataset.language : null;", vec![]).await;
    assert_eq!(marked, json!("es"), "the Spanish field holds the default");
    type_label(&b, "loyaltyProgram", "en", "Loyalty program").await;
    // The Spanish field shows the Spanish label readers get (the first); clearing it removes the ES-mx one too.
    assert_eq!(value_of(&b, "marketingConsent", "es").await, "Mercadeo");
    type_label(&b, "marketingConsent", "es", "").await;
    // Adding a name that exists is refused beside the name field, nothing replaced.
    b.type_into("new-type-name", "privacyPolicy").await;
    b.type_into("new-type-label", "Replaced").await;
    b.click_testid("add-type").await;
    let refusal = b.wait_testid("new-type-error", WAIT).await.text().await.unwrap_or_default();
    assert_eq!(refusal, "a type named privacyPolicy exists: edit it in its row");
    assert_eq!(focused_id(&b).await, "new-type-name", "the name field takes focus");
    let name_field = b.js("const e = document.getElementById('new-type-name'); return [e.getAttribute('aria-invalid'), e.getAttribute('aria-describedby')];", vec![]).await;
    assert_eq!(name_field, json!(["true", "new-type-name-error"]));
    assert_eq!(value_of(&b, "privacyPolicy", "en").await, privacy[0].1, "the existing name is untouched");
    // electronicConsent's French label is cleared: the API will answer its default one in French.
    type_label(&b, "privacyPolicy", "es", "Aviso de privacidad").await;
    type_label(&b, "privacyPolicy", "fr", "Avis de confidentialité").await;
    type_label(&b, "electronicConsent", "fr", "").await;

    // Every field is checked before the confirmation: an empty default and a Spanish label over the cap.
    // Each is marked invalid with its message beside it, the first in the table's order (rows by name)
    // takes focus, no confirmation is asked and no PUT reaches the gateway.
    type_label(&b, "privacyPolicy", "en", "").await;
    type_label(&b, "electronicConsent", "es", &"x".repeat(MAX_LABEL_CHARS + 1)).await;
    b.click_testid("save-types").await;
    b.wait_for("the first invalid field focused", "consents-types-focus", WAIT, || async {
        (focused_id(&b).await == "type-electronicConsent-es").then_some(())
    })
    .await;
    assert_eq!(b.count(&testid("save-types-confirm")).await, 0, "no confirmation while a field is invalid");
    let (invalid, beside) = validity(&b, &label_input("electronicConsent", "es")).await;
    assert_eq!(invalid.as_deref(), Some("true"));
    assert!(beside.len() == 1 && beside[0].contains(&format!("at most {MAX_LABEL_CHARS}")), "{beside:?}");
    let (invalid, beside) = validity(&b, &label_input("privacyPolicy", "en")).await;
    assert_eq!(invalid.as_deref(), Some("true"));
    assert!(beside.len() == 1 && beside[0].contains("'privacyPolicy': the default label (English) is empty"), "{beside:?}");
    assert_eq!(validity(&b, &label_input("privacyPolicy", "fr")).await, (None, Vec::new()), "a valid field is not marked");
    assert_eq!(puts(&stack), puts_before, "nothing was sent");
    // A control character (no key types it): the API's rule, said beside the field, the label named by its tag.
    set_value(&b, &label_input("privacyPolicy", "fr"), "Avis\u{7}").await;
    let (invalid, beside) = validity(&b, &label_input("privacyPolicy", "fr")).await;
    assert_eq!(invalid.as_deref(), Some("true"));
    assert!(beside.len() == 1 && beside[0].contains("the label tagged 'fr' has a control character"), "{beside:?}");
    b.screenshot("consents-types-invalid").await;
    // Fixed as typed: the mark and the message go.
    type_label(&b, "electronicConsent", "es", "Acuerdo electrónico").await;
    type_label(&b, "privacyPolicy", "en", "Privacy Notice").await;
    type_label(&b, "privacyPolicy", "fr", "Avis de confidentialité").await;
    b.wait_for("the fields valid again", "consents-types-valid", WAIT, || async {
        let none = (None, Vec::new());
        let fields = [("electronicConsent", "es"), ("privacyPolicy", "en"), ("privacyPolicy", "fr")];
        for (name, language) in fields {
            if validity(&b, &label_input(name, language)).await != none {
                return None;
            }
        }
        Some(())
    })
    .await;
    b.screenshot("consents-types-editor").await;

    // Meanwhile another admin relabels termsAndConditions: this page's save meets a 412.
    let other = stack.sign_in("ada").await;
    let r = other.request(reqwest::Method::GET, "/api/consent-types").send().await.expect("GET");
    let tag = r.headers().get("etag").and_then(|v| v.to_str().ok()).expect("the set's ETag").to_string();
    let mut theirs: Value = r.json().await.expect("the set");
    theirs["names"]["termsAndConditions"][0]["label"] = json!("Account terms");
    let r = other
        .request(reqwest::Method::PUT, "/api/consent-types")
        .header("x-csrf-token", &other.csrf_token)
        .header("if-match", tag)
        .json(&json!({ "names": theirs["names"] }))
        .send()
        .await
        .expect("PUT");
    assert_eq!(r.status().as_u16(), 200);

    b.click_testid("save-types").await;
    assert_eq!(focused_testid(&b).await, "save-types-cancel", "the question takes focus, on its harmless choice");
    b.click_testid("save-types-confirm").await;
    let conflict = b.wait_testid("conflict", WAIT).await.text().await.unwrap_or_default();
    assert!(conflict.contains("termsAndConditions"), "what changed meanwhile: {conflict}");
    b.screenshot("consents-types-412").await;
    b.click_testid("conflict-apply").await;
    b.wait_gone("conflict", WAIT).await;

    let saved = b
        .wait_for("the edits saved", "consents-types-saved", WAIT, || async {
            let (_, _, now) = stack.get("/api/consent-types").await;
            (labels_of(&now, "privacyPolicy").first().map(|l| l.1.as_str()) == Some("Privacy Notice")).then_some(now)
        })
        .await;
    // Typing in Spanish changed the Spanish label readers get; the es-MX variant stayed as it was.
    assert_eq!(
        labels_of(&saved, "privacyPolicy"),
        [
            (None, "Privacy Notice".to_string()),
            (Some("es".into()), "Aviso de privacidad".into()),
            (Some("fr".into()), "Avis de confidentialité".into()),
            (Some("es-MX".into()), "Aviso de privacidad (MX)".into())
        ]
    );
    assert_eq!(labels_of(&saved, "electronicConsent").iter().filter(|(l, _)| l.as_deref() == Some("fr")).count(), 0, "French cleared");
    assert_eq!(
        labels_of(&saved, "loyaltyProgram"),
        [(Some("es".into()), "Programa de puntos".to_string()), (Some("en".into()), "Loyalty program".to_string())],
        "the default tagged es stays as it was; English got its own"
    );
    assert_eq!(labels_of(&saved, "marketingConsent"), [(None, "Marketing".to_string())], "clearing Spanish removed es and ES-mx");
    // Focus rests on the status that says the save (the editor was rebuilt from the answer).
    let status = b
        .wait_for("focus on the saved status", "consents-types-saved-focus", WAIT, || async {
            (focused_testid(&b).await == "types-saved").then_some(())?;
            b.js("return document.querySelector('[data-testid=types-saved]').textContent;", vec![]).await.as_str().map(str::to_string)
        })
        .await;
    assert!(status.starts_with("Saved:"), "{status}");
    // The other admin's change to a name this page did not touch survives the apply.
    assert_eq!(labels_of(&saved, "termsAndConditions").first().map(|l| l.1.as_str()), Some("Account terms"), "theirs kept");
    // The page shows what was saved (its inputs rebuilt from the answer).
    let shown = b.wait_css(&label_input("privacyPolicy", "es"), WAIT).await.prop("value").await.ok().flatten();
    assert_eq!(shown.as_deref(), Some("Aviso de privacidad"));

    // The end user sees the new labels in their language, and the default where there is none of its own.
    let alice = stack.sign_in("alice").await;
    let (_, _, fr) = alice.get("/api/me/labels?lang=fr").await;
    assert_eq!(fr["groups"]["consentType"]["privacyPolicy"]["label"], "Avis de confidentialité", "{fr}");
    let e_consent_default = labels_of(&saved, "electronicConsent")[0].1.clone();
    assert_eq!(fr["groups"]["consentType"]["electronicConsent"]["label"], json!(e_consent_default));
    let (_, _, es) = alice.get("/api/me/labels?lang=es").await;
    assert_eq!(es["groups"]["consentType"]["loyaltyProgram"]["label"], "Programa de puntos", "Spanish readers as before: {es}");
    assert_eq!(es["groups"]["consentType"]["marketingConsent"]["label"], "Marketing", "no Spanish label left: the default");
    let (_, _, en) = alice.get("/api/me/labels?lang=en").await;
    assert_eq!(en["groups"]["consentType"]["loyaltyProgram"]["label"], "Loyalty program", "{en}");
    b.close().await;
    stack.shutdown().await;
}
