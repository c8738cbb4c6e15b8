//! Exports over real HTTP: the gateway reads the whole history from the sandbox's D1, keeps what the
//! page's filter keeps, answers a file and writes the audit line itself (who, which consumer, which
//! format, how many rows).

use chrono::{DateTime, NaiveDate};
use console_api::export::CSV_HEADER;
use console_e2e::{Stack, SignedIn};
use serde_json::{json, Value};

fn export(consumer: &str, query: &str) -> String {
    format!("/api/d1/consumers/{consumer}/operations/export?{query}")
}

/// The whole history as the sandbox's list pages it, newest first.
async fn listed(stack: &Stack, consumer: &str) -> Vec<Value> {
    let mut all = Vec::new();
    loop {
        let (status, _, page) = stack.get(&format!("/api/d1/consumers/{consumer}/operations?offset={}&limit=50", all.len())).await;
        assert_eq!(status, 200, "{page}");
        let operations = page["operations"].as_array().cloned().unwrap_or_default();
        all.extend(operations.iter().cloned());
        if operations.is_empty() || page["remainingOperations"] == 0 {
            return all;
        }
    }
}

fn ids<'a>(operations: impl IntoIterator<Item = &'a Value>) -> Vec<String> {
    operations.into_iter().map(|op| op["operationId"].as_str().expect("operationId").to_string()).collect()
}

/// The answer's status, headers and body text.
async fn download(who: &SignedIn, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = who.request(reqwest::Method::GET, path).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, headers, r.text().await.expect("the body"))
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("<absent>")
}

fn csv_rows(text: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("a header row").iter().map(str::to_string).collect();
    (header, reader.records().map(|r| r.expect("a CSV record")).collect())
}

fn export_lines(stack: &Stack) -> Vec<Value> {
    stack.audit_entries().into_iter().filter(|e| e["action"] == "d1.operations.export").collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_downloads_all_523_operations_of_demo_busy_as_csv_and_the_gateway_audits_it() {
    let stack = Stack::start_with_stub_ui().await;
    let grace = stack.sign_in("grace").await;
    let (status, headers, text) = download(&grace, &export("demo-busy", "format=csv")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(header(&headers, "content-type"), "text/csv; charset=utf-8");
    assert_eq!(header(&headers, "content-disposition"), "attachment; filename=\"operations-demo-busy.csv\"");
    assert_eq!(header(&headers, "cache-control"), "no-store");
    assert_eq!(header(&headers, "x-console-export-capped"), "<absent>", "523 is under the cap");
    let (head, rows) = csv_rows(&text);
    assert_eq!(head, CSV_HEADER);
    let exported: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    assert_eq!(exported, ids(&listed(&stack, "demo-busy").await), "every operation, once, in D1's order");
    assert_eq!(exported.len(), 523);

    let lines = export_lines(&stack);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!((lines[0]["userId"].as_str(), lines[0]["role"].as_str()), (Some("usr-grace"), Some("agent")), "{lines:#?}");
    assert_eq!((lines[0]["target"].as_str(), lines[0]["status"].as_u64()), (Some("demo-busy format=csv rows=523"), Some(200)));
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_export_reads_back_as_d1s_operations() {
    let stack = Stack::start_with_stub_ui().await;
    let admin = stack.admin().await;
    let (status, headers, text) = download(admin, &export("demo-busy", "format=json")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(header(&headers, "content-type"), "application/json");
    assert_eq!(header(&headers, "content-disposition"), "attachment; filename=\"operations-demo-busy.json\"");
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!((&doc["consumerId"], &doc["complete"]), (&json!("demo-busy"), &json!(true)), "{}", &text[..200]);
    assert!(doc["exportedAt"].as_str().is_some_and(|t| DateTime::parse_from_rfc3339(t).is_ok()));
    let listed = listed(&stack, "demo-busy").await;
    let exported = doc["operations"].as_array().expect("operations");
    assert_eq!(exported, &listed, "the operations exactly as the list route answers them");
    let lines = export_lines(&stack);
    assert_eq!(lines.iter().map(|l| (l["userId"].as_str(), l["target"].as_str())).collect::<Vec<_>>(), [(Some("usr-ada"), Some("demo-busy format=json rows=523"))]);
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_holds_what_the_pages_filter_shows_its_days_read_in_the_pages_time_zone() {
    let stack = Stack::start_with_stub_ui().await;
    let listed = listed(&stack, "demo-busy").await;
    // Tokyo is UTC+9 all year: an operation's local day is its UTC time plus nine hours.
    let tokyo_day = |op: &Value| {
        let start = DateTime::parse_from_rfc3339(op["startTime"].as_str().expect("startTime")).expect("RFC 3339");
        (start.naive_utc() + chrono::Duration::hours(9)).date()
    };
    let days: Vec<NaiveDate> = listed.iter().map(tokyo_day).collect();
    let (from, to) = (days[days.len() / 2], days[days.len() / 4]);
    let wanted = |op: &Value| {
        ["FAILED", "SUCCESSFUL"].contains(&op["status"].as_str().unwrap_or_default())
            && ["USER", "CCI"].contains(&op["requestorType"].as_str().unwrap_or_default())
            && (from..=to).contains(&tokyo_day(op))
    };
    let expected = ids(listed.iter().filter(|op| wanted(op)));
    assert!(!expected.is_empty() && expected.len() < 523 / 4, "a filter that keeps some: {}", expected.len());

    let query = format!("format=csv&status=FAILED,SUCCESSFUL&requestor=USER,CCI&from={from}&to={to}&tz=Asia%2FTokyo");
    let (status, _, text) = download(stack.admin().await, &export("demo-busy", &query)).await;
    assert_eq!(status, 200, "{text}");
    let (_, rows) = csv_rows(&text);
    assert_eq!(rows.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(), expected);
    assert_eq!(export_lines(&stack)[0]["target"], format!("demo-busy format=csv rows={}", expected.len()));
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cell_a_spreadsheet_would_run_is_exported_as_text() {
    let stack = Stack::start_with_stub_ui().await;
    // D1's error text is D1's to write (the sandbox allows '-' first); reasons are letters and digits only.
    let hostile = "-1-cmd('calc')!A0";
    stack
        .control_add_operation(
            "demo-alice",
            json!({"operation": "DELETE", "status": "FAILED", "requestorType": "ISSUER", "requestorId": "DEMOISSUER",
                   "errorCode": "E1", "error": hostile}),
        )
        .await;
    let (status, _, text) = download(stack.admin().await, &export("demo-alice", "format=csv")).await;
    assert_eq!(status, 200, "{text}");
    let (_, rows) = csv_rows(&text);
    let newest = &rows[0];
    assert_eq!((&newest[12], &newest[13]), ("E1", format!("'{hostile}").as_str()));
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_is_refused_and_the_refusal_is_audited() {
    let stack = Stack::start_with_stub_ui().await;
    let alice = stack.sign_in("alice").await;
    let (status, _, body) = alice.get(&export("demo-busy", "format=csv")).await;
    assert_eq!((status, body["kind"].as_str()), (403, Some("forbidden")), "{body}");
    let lines = export_lines(&stack);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!((lines[0]["userId"].as_str(), lines[0]["target"].as_str(), lines[0]["status"].as_u64()), (Some("usr-alice"), Some("demo-busy"), Some(403)));
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_the_file_would_not_honour_is_a_400_saying_what_to_fix() {
    let stack = Stack::start_with_stub_ui().await;
    for (query, field, says) in [
        ("format=xlsx", "format", "'xlsx' is not an export format: use csv or json"),
        ("", "format", "is missing"),
        ("format=csv&from=2026-02-30", "from", "write it YYYY-MM-DD"),
        ("format=csv&tz=Mars%2FOlympus", "tz", "'Mars/Olympus' is not a time zone"),
        ("format=csv&limit=10", "query", "'limit' is not an export parameter"),
    ] {
        let (status, _, body) = stack.get(&export("demo-busy", query)).await;
        assert_eq!((status, body["kind"].as_str(), body["field"].as_str()), (400, Some("invalid_input"), Some(field)), "{query}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains(says)), "{query}: {body}");
    }
    let statuses: Vec<u64> = export_lines(&stack).iter().filter_map(|l| l["status"].as_u64()).collect();
    assert_eq!(statuses, [400; 5], "each refusal audited");
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_consumer_is_answered_as_d1_answers_its_list() {
    let stack = Stack::start_with_stub_ui().await;
    let (list_status, _, list) = stack.get("/api/d1/consumers/nobody-here/operations?limit=50").await;
    let (status, _, body) = stack.get(&export("nobody-here", "format=csv")).await;
    assert_eq!((status, &body["kind"], &body["message"]), (list_status, &list["kind"], &list["message"]), "{body} vs {list}");
    assert_eq!(status, 404, "{body}");
    let line = export_lines(&stack).pop().expect("the export's line");
    assert_eq!((line["target"].as_str(), line["status"].as_u64()), (Some("nobody-here"), Some(404)));
    stack.shutdown().await;
}
