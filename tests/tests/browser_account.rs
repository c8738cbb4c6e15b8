//! The account page in real headless Chromium (the accounts bundle), as an admin: change a payment method
//! (a bad IBAN refused as it is typed and never sent), cancel a scheduled promotion with its date checked
//! first and the change in the promotion history, create an account (checked before sending) and delete
//! it (only the payment methods the modality takes are offered), and a delete MasCustomers refuses (409)
//! explained in words with the promotions in its way. The pages fit a 1400 px window.

use console_e2e::{testid, Browser, Stack, WAIT};
use serde_json::json;

/// Alice Martin: a postpaid account paying by direct debit with an active, a scheduled and an ended
/// promotion, a prepaid one, and room for one more account (src-sandbox/src/demo/mas.rs).
const ALICE: &str = "C-100001";
const ALICE_MAS: &str = "a11ce000-0000-4000-8000-000000000001";

/// Alice's account ids, in MasCustomers' order, and the postpaid one.
async fn alice_accounts(stack: &Stack) -> (Vec<String>, String) {
    let (status, _, ids) = stack.get(&format!("/api/mas/customers/{ALICE_MAS}/accounts")).await;
    assert_eq!(status, 200, "{ids}");
    let ids: Vec<String> = ids["account_ids"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect();
    let mut postpaid = None;
    for id in &ids {
        let (_, _, account) = stack.get(&format!("/api/mas/accounts/{id}")).await;
        if account["modality"] == "POSTPAID" {
            postpaid = Some(id.clone());
        }
    }
    (ids, postpaid.expect("alice has a postpaid account"))
}

/// The audit lines of one gateway action so far, as outcomes (`attempt`, `ok`, `refused`...).
fn audited(stack: &Stack, action: &str) -> Vec<String> {
    stack.audit_entries().into_iter().filter(|e| e["action"] == action).map(|e| e["outcome"].as_str().unwrap_or_default().to_string()).collect()
}

/// Sets a `<select>` by value as a person would (the change event included).
async fn select(b: &Browser, id: &str, value: &str) {
    b.wait_testid(id, WAIT).await;
    let script = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('change', {bubbles: true}));";
    b.js(script, vec![json!(testid(id)), json!(value)]).await;
}

/// Two clicks in one task, before the page can disable anything in between (a double-click's second
/// click comes after, so this is the harder case): the page must send once.
async fn click_twice_at_once(b: &Browser, id: &str) {
    b.wait_testid(id, WAIT).await;
    b.js("const e = document.querySelector(arguments[0]); e.click(); e.click();", vec![json!(testid(id))]).await;
}

/// Whether the page is no wider than the window (nothing scrolls sideways).
async fn fits_window(b: &Browser) {
    let widths = b.js("return [document.documentElement.scrollWidth, window.innerWidth];", vec![]).await;
    assert!(widths[0].as_u64() <= widths[1].as_u64(), "the page is wider than the window: {widths}");
}

/// The values a `<select>` offers.
async fn options(b: &Browser, id: &str) -> Vec<String> {
    let script = "return [...document.querySelectorAll(arguments[0] + ' option')].map((o) => o.value);";
    let values = b.js(script, vec![json!(testid(id))]).await;
    values.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect()
}

/// Sets an input's value as a person would (the input event included): date inputs do not take keys in
/// every locale.
async fn set_value(b: &Browser, id: &str, value: &str) {
    b.wait_testid(id, WAIT).await;
    let script = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input', {bubbles: true}));";
    b.js(script, vec![json!(testid(id)), json!(value)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_changes_a_payment_method_and_a_bad_iban_never_leaves_the_page() {
    let stack = Stack::start().await;
    let (_, postpaid) = alice_accounts(&stack).await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", &format!("/customers/{ALICE}/accounts/{postpaid}")).await;
    assert!(b.wait_testid("payment-current", WAIT).await.text().await.unwrap_or_default().contains("····1332"));
    b.click_testid("change-payment").await;
    b.wait_testid("payment-type-DIRECT_DEBIT", WAIT).await;

    // Typed without spaces, shown in groups of four, and its check digits refused as typed.
    b.type_into("payment-iban", "es9121000418450200051333").await;
    assert_eq!(b.value_of("payment-iban").await, "ES91 2100 0418 4502 0005 1333");
    let error = b.wait_testid("iban-error", WAIT).await.text().await.unwrap_or_default();
    assert!(error.starts_with("IBAN: the check digits (91)"), "{error}");
    fits_window(&b).await;
    b.screenshot("account-iban-refused").await;
    b.click_testid("payment-submit").await;
    b.wait_testid("payment-refused", WAIT).await;
    // The page refused it before any request: the gateway audits every change, even one it refuses
    // itself, and saw none.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(audited(&stack, "mas.payment_method.change"), Vec::<String>::new(), "a bad IBAN was sent");

    // Too short for its country: said in words too.
    b.type_into("payment-iban", "DE89 3704").await;
    let short = b.text_of("iban-error").await;
    assert!(short.starts_with("IBAN has 8 characters: an IBAN of DE (Germany) has 22"), "{short}");
    b.type_into("payment-iban", "DE89370400440532013000").await;
    assert!(b.text_of("payment-iban-verdict").await.contains("A valid IBAN of DE (Germany)"));
    b.click_testid("payment-submit").await;
    b.wait_testid("payment-done", WAIT).await;
    b.wait_for("the account paying from the new IBAN", "account-payment-changed", WAIT, || async {
        b.text_of("payment-current").await.contains("····3000").then_some(())
    })
    .await;
    assert_eq!(audited(&stack, "mas.payment_method.change"), ["attempt", "ok"], "the one change, attempted then done");
    b.screenshot("account-payment-changed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_cancels_a_scheduled_promotion_and_it_shows_in_the_promotion_history() {
    let stack = Stack::start().await;
    let (_, postpaid) = alice_accounts(&stack).await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", &format!("/customers/{ALICE}/accounts/{postpaid}")).await;
    b.wait_testid("promo-chart", WAIT).await;
    assert_eq!(b.count(&testid("promo-today")).await, 1, "today is marked");
    assert!(b.count(&testid("promo-bar")).await >= 4, "every promotion is drawn");
    // Every name drawn whole inside the drawing, none over another, and "Today" above the bars.
    let chart = b
        .js(
            "const svg = document.querySelector(arguments[0] + ' svg');
             const boxes = [...svg.querySelectorAll('text[data-testid=promo-label]')].map((t) => { const r = t.getBBox(); return [t.textContent, r.x, r.x + r.width, r.y, r.y + r.height]; });
             const top = Math.min(...[...svg.querySelectorAll('[data-testid=promo-bar] rect')].map((r) => r.getBBox().y));
             const today = svg.querySelector('[data-testid=promo-today] text').getBBox();
             return { boxes, width: svg.viewBox.baseVal.width, today_bottom: today.y + today.height, top };",
            vec![json!(testid("promo-chart"))],
        )
        .await;
    let boxes = chart["boxes"].as_array().cloned().unwrap_or_default();
    assert_eq!(boxes.len(), b.count(&testid("promo-bar")).await, "a label per bar: {chart}");
    let width = chart["width"].as_f64().unwrap_or_default();
    for (i, bx) in boxes.iter().enumerate() {
        let (text, left, right, top, bottom) = (bx[0].as_str().unwrap_or_default(), bx[1].as_f64().unwrap_or(-1.0), bx[2].as_f64().unwrap_or(-1.0), bx[3].as_f64().unwrap_or(0.0), bx[4].as_f64().unwrap_or(0.0));
        assert!(!text.ends_with('…') && left >= 0.0 && right <= width, "{text} is cut or runs off the drawing: {chart}");
        for other in &boxes[i + 1..] {
            let apart = right <= other[1].as_f64().unwrap_or(0.0) || left >= other[2].as_f64().unwrap_or(0.0)
                || bottom <= other[3].as_f64().unwrap_or(0.0) || top >= other[4].as_f64().unwrap_or(0.0);
            assert!(apart, "{text} overlaps {}: {chart}", other[0]);
        }
    }
    assert!(chart["today_bottom"].as_f64() <= chart["top"].as_f64(), "'Today' sits above the lanes: {chart}");
    fits_window(&b).await;
    let history_before = {
        b.wait_testid("promotion-history-row", WAIT).await;
        b.count(&testid("promotion-history-row")).await
    };
    b.click_testid("promo-tab-SCHEDULED").await;
    let row = b.wait_css(&format!("{}[data-status=SCHEDULED]", testid("promotion-row")), WAIT).await;
    let name = row.text().await.unwrap_or_default();
    b.click_testid("promotion-cancel").await;
    // The form opens in a row of its own, the table's width; the dates keep to one line.
    b.wait_testid("cancel-form", WAIT).await;
    let layout = b
        .js(
            "const cell = document.querySelector(arguments[0]).closest('td');
             const table = cell.closest('table');
             const dates = [...document.querySelectorAll(arguments[1] + ' td.date time')];
             return [cell.colSpan, cell.getBoundingClientRect().width / table.getBoundingClientRect().width,
                     dates.length, dates.every((t) => t.getClientRects().length === 1)];",
            vec![json!(testid("cancel-form")), json!(testid("promotion-row"))],
        )
        .await;
    assert_eq!(layout[0], json!(6), "the form's cell spans the row: {layout}");
    assert!(layout[1].as_f64().unwrap_or_default() > 0.95, "the form has the table's width: {layout}");
    assert!(layout[2].as_u64().unwrap_or_default() >= 2 && layout[3] == json!(true), "a date wraps: {layout}");
    // Today by default, the limits shown; a day after its end is refused before anything is sent.
    let today = chrono::Local::now().date_naive();
    assert_eq!(b.value_of("cancel-date").await, today.to_string());
    let limits = b.text_of("cancel-limits").await;
    assert!(limits.contains(&today.to_string()), "{limits}");
    set_value(&b, "cancel-date", &(today + chrono::Duration::days(400)).to_string()).await;
    b.click_testid("cancel-ask").await;
    let refused = b.wait_testid("cancel-refused", WAIT).await.text().await.unwrap_or_default();
    assert!(refused.contains("after the promotion's end"), "{refused}");
    assert!(b.by_testid("cancel-confirm").await.is_none(), "no confirmation for a refused date");
    assert_eq!(audited(&stack, "mas.promotion.cancel"), Vec::<String>::new(), "a refused date was sent");

    let cancel_on = today + chrono::Duration::days(1);
    set_value(&b, "cancel-date", &cancel_on.to_string()).await;
    b.click_testid("cancel-ask").await;
    b.screenshot("account-cancel-confirm").await;
    b.click_testid("cancel-confirm").await;
    b.wait_for("the cancellation in the promotion history", "account-cancel-history", WAIT, || async {
        (b.count(&testid("promotion-history-row")).await > history_before
            && b.count(&format!("{}[data-action=CANCELLED]", testid("promotion-history-row"))).await > 0)
            .then_some(())
    })
    .await;
    assert_eq!(audited(&stack, "mas.promotion.cancel"), ["attempt", "ok"]);
    let history = b.text_of("promotion-history").await;
    assert!(history.contains(&format!("cancelled from {cancel_on}")), "{history}");
    // The row shows its cancellation date.
    b.click_testid("promo-tab-ALL").await;
    b.wait_for("the cancellation date in the list", "account-cancel-list", WAIT, || async {
        let dates = b.all_testid("promotion-cancellation").await;
        for d in dates {
            if d.text().await.unwrap_or_default() == cancel_on.to_string() {
                return Some(());
            }
        }
        None
    })
    .await;
    assert!(!name.is_empty());
    b.screenshot("account-promotion-cancelled").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_creates_and_deletes_an_account_and_a_refused_delete_says_what_to_do() {
    let stack = Stack::start().await;
    let (before, postpaid) = alice_accounts(&stack).await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", &format!("/customers/{ALICE}")).await;
    b.click_testid("create-account").await;
    // A recurring prepaid account pays by card: the form offers nothing else.
    assert_eq!(options(&b, "create-payment-type").await, ["CREDIT_CARD"]);
    select(&b, "create-modality", "POSTPAID").await;
    assert_eq!(options(&b, "create-payment-type").await, ["DIRECT_DEBIT", "CREDIT_CARD"]);
    // Half an address and a bad IBAN: each said once, beside its part, under the form's labels; nothing sent.
    b.click_testid("create-with-address").await;
    b.type_into("create-city", "Girona").await;
    select(&b, "create-payment-type", "DIRECT_DEBIT").await;
    b.type_into("create-iban", "ES00 1234").await;
    b.click_testid("create-submit").await;
    assert_eq!(b.wait_testid("create-address-error", WAIT).await.text().await.unwrap_or_default(), "Address line 1 is required");
    let iban = b.text_of("iban-error").await;
    assert_eq!(iban, "IBAN has 8 characters: an IBAN of ES (Spain) has 24 (some are missing)");
    let said = b.js("return [...document.querySelectorAll('.field-error')].filter((e) => e.textContent.includes('8 characters')).length;", vec![]).await;
    assert_eq!(said, json!(1), "the IBAN's problem is said once");
    assert!(b.by_testid("create-payment-error").await.is_none());
    b.screenshot("account-create-refused").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(audited(&stack, "mas.account.create"), Vec::<String>::new(), "an invalid account was sent");

    // Back to recurring prepaid: direct debit is not offered any more, and the card is chosen instead.
    select(&b, "create-modality", "RECURRING_PREPAID").await;
    assert_eq!(b.value_of("create-payment-type").await, "CREDIT_CARD");
    // Completed, paying with one of her tokenized cards.
    b.type_into("create-line1", "Carrer de la Força 7").await;
    b.type_into("create-postal", "17004").await;
    b.wait_testid("create-card", WAIT).await;
    // Clicked twice before the page could disable the button: one account, one request.
    click_twice_at_once(&b, "create-submit").await;
    b.wait_for("the new account in the list", "account-created", WAIT, || async {
        (b.count(&testid("account-row")).await == before.len() + 1).then_some(())
    })
    .await;
    assert_eq!(audited(&stack, "mas.account.create"), ["attempt", "ok"]);
    let (after, _) = alice_accounts(&stack).await;
    let created = after.iter().find(|id| !before.contains(id)).expect("a new account id").clone();
    b.screenshot("account-created").await;

    // The new account's page: its address is the one typed; delete it.
    open_account(&b, &created).await;
    b.wait_for("the new account's address", "account-new-address", WAIT, || async {
        b.text_of("account-address").await.contains("Girona").then_some(())
    })
    .await;
    b.click_testid("delete-account").await;
    click_twice_at_once(&b, "delete-account-confirm").await;
    b.wait_for("back on the customer page without it", "account-deleted", WAIT, || async {
        let here = b.url().await.path() == format!("/customers/{ALICE}");
        (here && b.count(&testid("account-row")).await == before.len()).then_some(())
    })
    .await;
    assert_eq!(audited(&stack, "mas.account.delete"), ["attempt", "ok"]);
    assert!(by_css(&b, &format!("[data-account='{created}']")).await.is_none());

    // The postpaid account has active promotions: MasCustomers refuses, and the page says what to do.
    b.goto(&stack.url(&format!("/customers/{ALICE}/accounts/{postpaid}"))).await;
    b.click_testid("delete-account").await;
    b.click_testid("delete-account-confirm").await;
    let todo = b.wait_testid("refusal-todo", WAIT).await.text().await.unwrap_or_default();
    assert!(todo.contains("Cancel its promotions"), "{todo}");
    // The promotions in the way, one a line, from MasCustomers' details.
    let items: Vec<String> = {
        let mut texts = Vec::new();
        for item in b.all_testid("refusal-item").await {
            texts.push(item.text().await.unwrap_or_default());
        }
        texts
    };
    assert!(items.iter().any(|i| i.contains(": active until")) && items.iter().any(|i| i.contains(": scheduled from")), "{items:?}");
    // Everything it says wraps inside its card.
    let overflow = b
        .js(
            "const panel = document.querySelector(arguments[0]); panel.scrollIntoView({block: 'center'});
             return [panel, ...panel.querySelectorAll('*')].filter((e) => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0).map((e) => e.textContent.slice(0, 60));",
            vec![json!(testid("refusal"))],
        )
        .await;
    assert_eq!(overflow, json!([]), "text runs out of the refusal");
    fits_window(&b).await;
    b.screenshot("account-delete-refused").await;
    let errors = b.console_errors().await;
    assert!(errors.iter().all(|e| e.contains("409")), "the console logged errors: {errors:#?}");
}

/// Opens one account from the customer page's list.
async fn open_account(b: &Browser, account: &str) {
    let link = b.wait_css(&format!("[data-account='{account}'] {}", testid("account-link")), WAIT).await;
    link.click().await.expect("open the account");
}

async fn by_css(b: &Browser, css: &str) -> Option<fantoccini::elements::Element> {
    b.client.find(fantoccini::Locator::Css(css)).await.ok()
}
