//! The staff consent area in real headless Chromium (its bundles `consents` and `documents`): an admin revises a document
//! with its impact shown first and lands on the campaign, the explorer's filters, sort and page survive a
//! reload, a 412 between two admin sessions is shown and resolved without loss, and an agent sees no
//! write action at all.

use console_e2e::{testid, Browser, Stack, WAIT};
use fantoccini::Locator;
use serde_json::json;

const PRIVACY: &str = "/vault/files/privacy-policy/content";
/// alice's pending checking terms (everyday checking), in the sandbox's demo data.
const ALICE_TERMS: &str = "9f6d94f0-121b-4ad4-8c8a-e1eb93ccd3d9";

/// Sets a `<select>` by value as a person would (the change event included).
async fn select(b: &Browser, id: &str, value: &str) {
    b.wait_testid(id, WAIT).await;
    let script = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('change', {bubbles: true}));";
    b.js(script, vec![json!(testid(id)), json!(value)]).await;
}

async fn texts(b: &Browser, id: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in b.all_testid(id).await {
        out.push(e.text().await.unwrap_or_default());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_revises_a_document_seeing_its_impact_first_and_the_campaign_shows_the_stale_ones_outstanding() {
    let stack = Stack::start().await;
    let (_, _, preview) = stack.get(&format!("/api/documents/revise/preview?uri={}&type=privacyPolicy", console_api::transport::encode_component(PRIVACY))).await;
    let will_stale = preview["consents"].as_u64().expect("the gateway's preview");
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/documents").await;
    b.wait_testid("documents-table", WAIT).await;
    let row = format!("tr[data-uri='{PRIVACY}'][data-type='privacyPolicy']");
    let open = b.wait_css(&format!("{row} {}", testid("open-revise")), WAIT).await;
    open.click().await.expect("open the revise form");
    b.type_into("revise-id", "2027:1").await;
    assert!(b.value_of("revise-at").await.starts_with("20"), "revised-at defaults to now");
    b.type_into("revise-at", "yesterday").await;
    b.click_testid("revise-preview").await;
    b.wait_testid("error-panel", WAIT).await;
    assert!(b.by_testid("revise-confirm").await.is_none(), "a bad time is refused before anything is asked");
    b.type_into("revise-at", "2027-01-01T00:00:00.000Z").await;
    b.click_testid("revise-preview").await;
    let impact = b.wait_testid("revise-impact", WAIT).await.text().await.unwrap_or_default();
    let users = preview["users"].as_u64().unwrap_or(0);
    assert_eq!(impact, format!("{} given consents of {} users will become stale", console_api::consents_staff::thousands(will_stale), console_api::consents_staff::thousands(users)));
    b.screenshot("consents-revise-impact").await;
    b.click_testid("revise-confirm").await;

    b.wait_testid("campaign-outstanding", WAIT).await;
    let url = b.url().await;
    assert_eq!(url.path(), "/documents/campaign", "{url}");
    assert_eq!(b.text_of("campaign-revision").await, "2027:1");
    let outstanding: u64 = b.text_of("campaign-outstanding").await.replace(',', "").parse().expect("a number");
    assert!(outstanding >= will_stale, "every consent the revision made stale is outstanding: {outstanding} < {will_stale}");
    assert_eq!(b.text_of("campaign-given").await, "0");
    assert!(!b.all_testid("outstanding-row").await.is_empty());
    let csv = b.wait_testid("outstanding-csv", WAIT).await.attr("href").await.ok().flatten().unwrap_or_default();
    assert!(csv.starts_with("/api/documents/campaign/outstanding.csv?uri="), "{csv}");
    b.screenshot("consents-campaign").await;

    // Rescinding bob's privacy consents: what matches first, then one rescind however fast the clicks.
    let (_, _, matching) = stack.get("/api/consents/rescind/preview?type=privacyPolicy&user=usr-bob").await;
    let impact = serde_json::from_value::<console_api::consents_staff::Impact>(matching).expect("the gateway's preview");
    assert!(impact.consents > 0, "bob has a privacy consent to rescind: {impact:?}");
    b.goto(&stack.url("/documents")).await;
    b.type_into("rescind-type", "privacyPolicy").await;
    b.type_into("rescind-user", "usr-bob").await;
    b.click_testid("rescind-preview").await;
    assert_eq!(b.wait_testid("rescind-impact", WAIT).await.text().await.unwrap_or_default(), impact.rescind_sentence());
    b.wait_testid("rescind-confirm", WAIT).await;
    b.js("const e = document.querySelector('[data-testid=rescind-confirm]'); e.click(); e.click();", vec![]).await;
    assert_eq!(b.wait_testid("rescind-done", WAIT).await.text().await.unwrap_or_default(), impact.rescinded_sentence());
    let rescinds: Vec<String> = stack
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "consents.rescind")
        .map(|e| e["outcome"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(rescinds, ["attempt", "ok"], "one rescind sent");
    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorers_filters_sort_and_page_live_in_the_url_and_survive_a_reload() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.sign_in(&stack, "ada", "/consents").await;
    b.wait_testid("consents-table", WAIT).await;
    let product_terms = format!("{}[value='productTermsAndConditions']", testid("filter-type-option"));
    b.wait_css(&product_terms, WAIT).await.click().await.expect("check the product terms' type");
    select(&b, "filter-state", "stale").await;
    select(&b, "filter-sort", "-givenAt").await;
    select(&b, "filter-limit", "25").await;
    b.click_testid("filter-apply").await;
    b.wait_for("the filters in the URL", "consents-explorer-filtered", WAIT, || async {
        let url = b.client.current_url().await.ok()?;
        url.query().is_some_and(|q| q.contains("state=stale") && q.contains("limit=25")).then_some(())
    })
    .await;
    b.wait_for("25 stale rows", "consents-explorer-rows", WAIT, || async {
        let states = texts(&b, "state-badge").await;
        (states.len() == 25 && states.iter().all(|s| s.to_lowercase().starts_with("stale"))).then_some(())
    })
    .await;
    b.click_testid("page-next").await;
    b.wait_for("the second page", "consents-explorer-next", WAIT, || async {
        let range = b.by_testid("explorer-range").await?.text().await.ok()?;
        range.starts_with("26–50 of").then_some(())
    })
    .await;
    let url = b.url().await;
    assert!(url.query().unwrap_or("").contains("start=25"), "{url}");
    let users = texts(&b, "consent-link").await;
    let given = texts(&b, "row-given").await;
    assert!(given.windows(2).all(|w| w[0] >= w[1]), "newest given first: {given:?}");
    let chart = b.all_testid("state-bar").await;
    assert_eq!(chart.len(), 5, "a bar per state");

    b.goto(url.as_str()).await;
    b.wait_for("the same page after a reload", "consents-explorer-reloaded", WAIT, || async {
        let again = texts(&b, "consent-link").await;
        (again == users).then_some(())
    })
    .await;
    // The form shows the URL's filters.
    b.wait_for("the URL's type checked", "consents-explorer-type", WAIT, || async {
        let script = "return [...document.querySelectorAll(arguments[0])].filter(e => e.checked).map(e => e.value);";
        (b.js(script, vec![json!(testid("filter-type-option"))]).await == json!(["productTermsAndConditions"])).then_some(())
    })
    .await;
    assert_eq!(b.value_of("filter-state").await, "stale");
    let export = b.wait_testid("export-csv", WAIT).await.attr("href").await.ok().flatten().unwrap_or_default();
    assert!(export.starts_with("/api/consents/export.csv?type=productTermsAndConditions&state=stale"), "{export}");
    b.screenshot("consents-explorer").await;

    b.type_into("filter-context", "javascript:alert(1)").await;
    b.click_testid("filter-apply").await;
    let error = b.wait_testid("filter-error", WAIT).await.text().await.unwrap_or_default();
    assert!(error.contains("contextUri") && error.contains("javascript"), "{error}");
    assert!(!b.url().await.query().unwrap_or("").contains("javascript"), "nothing invalid reaches the URL");
    b.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_412_between_two_admin_sessions_is_shown_and_resolved_without_loss() {
    let stack = Stack::start().await;
    let (first, second) = (Browser::start().await, Browser::start().await);
    let path = format!("/consents/{ALICE_TERMS}");
    first.sign_in(&stack, "ada", &path).await;
    second.sign_in(&stack, "ada", &path).await;
    for b in [&first, &second] {
        b.wait_testid("edit-context", WAIT).await;
    }
    first.type_into("edit-context", "/products/products/first").await;
    first.click_testid("save-context").await;
    first.click_testid("save-context-confirm").await;
    first.wait_for("the first change saved", "consents-412-first", WAIT, || async {
        let shown = first.by_testid("detail-context").await?.text().await.ok()?;
        shown.contains("/products/products/first").then_some(())
    })
    .await;

    // The second session still holds the version read before the first change.
    second.type_into("edit-context", "/products/products/second").await;
    second.click_testid("save-context").await;
    second.click_testid("save-context-confirm").await;
    second.wait_testid("conflict", WAIT).await;
    let changes = texts(&second, "conflict-change").await;
    assert!(
        changes.iter().any(|c| c.contains("contextUri") && c.contains("/products/products/everyday-checking") && c.contains("/products/products/first")),
        "what changed, old and fresh: {changes:?}"
    );
    let (_, _, now) = stack.get(&format!("/api/consents/{ALICE_TERMS}")).await;
    assert_eq!(now["contextUri"], "/products/products/first", "nothing overwritten silently");
    second.screenshot("consents-412-conflict").await;

    second.click_testid("conflict-apply").await;
    second.wait_for("the second change applied to the fresh version", "consents-412-applied", WAIT, || async {
        let shown = second.by_testid("detail-context").await?.text().await.ok()?;
        shown.contains("/products/products/second").then_some(())
    })
    .await;
    assert!(second.by_testid("conflict").await.is_none());
    let (_, _, now) = stack.get(&format!("/api/consents/{ALICE_TERMS}")).await;
    assert_eq!(now["contextUri"], "/products/products/second");
    first.close().await;
    second.close().await;
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_sees_every_consent_screen_without_a_single_write_action() {
    let stack = Stack::start().await;
    let b = Browser::start().await;
    b.sign_in(&stack, "grace", "/documents").await;
    b.wait_testid("documents-table", WAIT).await;
    for write in ["open-revise", "open-move", "rescind-form"] {
        assert!(b.by_testid(write).await.is_none(), "an agent has no {write}");
    }
    assert!(!b.all_testid("open-campaign").await.is_empty(), "but reads the campaigns");
    b.screenshot("consents-agent-documents").await;

    b.goto(&stack.url(&format!("/consents/{ALICE_TERMS}"))).await;
    b.wait_testid("detail-user", WAIT).await;
    assert!(b.by_testid("consent-actions").await.is_none(), "no action on a consent");

    b.goto(&stack.url("/consent-types")).await;
    b.wait_testid("type-label-text", WAIT).await;
    for write in ["remove-type", "add-type", "save-types", "type-label"] {
        assert!(b.by_testid(write).await.is_none(), "an agent has no {write}");
    }
    // Back to the timeline's bundle through the header: a full load of the staff bundle.
    b.click_testid("nav-consents").await;
    b.wait_testid("consents-table", WAIT).await;
    b.client.find(Locator::Css(".topnav a[href='/']")).await.expect("the Timeline link").click().await.expect("click");
    b.wait_testid("search-input", WAIT).await;
    b.close().await;
    stack.shutdown().await;
}
