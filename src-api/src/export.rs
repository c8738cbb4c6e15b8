//! Export of the loaded operations, as CSV (one row an operation, every field) and as JSON (the API's own
//! shape, so that it can be read back with the same models).

use crate::d1::Operation;

/// The CSV header, in the seed's field order.
pub const CSV_HEADER: [&str; 14] = [
    "operationId", "operation", "status", "startTime", "endTime", "requestorType", "requestorId", "reason",
    "reasonCode", "oldState", "newState", "appInstanceId", "errorCode", "error",
];

/// CSV with a header row; fields are quoted where needed, and a field a spreadsheet would take for a
/// formula is neutralised ([`neutralise_formula`]): D1's `error` text and the reasons people type are not
/// ours to trust once the file is opened in Excel.
///
/// RFC 4180 as the `csv` crate writes it by default (the tests compare the two byte for byte): a field is
/// quoted when it holds a comma, a quote, CR or LF, quotes are doubled, records end with LF. Hand-written
/// because this is all the page needs, and the crate's machinery is several KB of wasm.
pub fn to_csv(ops: &[Operation]) -> String {
    let mut out = String::new();
    write_record(&mut out, CSV_HEADER);
    for op in ops {
        let d = op.details.clone().unwrap_or_default();
        let opt = |v: Option<&str>| v.unwrap_or("").to_string();
        write_record(&mut out, [
            op.operation_id.clone(),
            op.operation.to_string(),
            op.status.to_string(),
            op.start_time.clone(),
            opt(op.end_time.as_deref()),
            op.requestor_type.to_string(),
            op.requestor_id.clone(),
            opt(op.reason.as_deref()),
            op.reason_code.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            d.old_state.as_ref().map(|s| s.to_string()).unwrap_or_default(),
            d.new_state.as_ref().map(|s| s.to_string()).unwrap_or_default(),
            opt(d.app_instance_id.as_deref()),
            opt(op.error_code.as_deref()),
            opt(op.error.as_deref()),
        ]);
    }
    out
}

/// OWASP's advice against CSV injection: a cell starting with `=`, `+`, `-`, `@`, tab or CR is read by
/// spreadsheets as a formula (`=HYPERLINK(..)`, `@SUM(..)`), so it gets a leading `'`, which they show as text.
pub fn neutralise_formula(field: &str) -> std::borrow::Cow<'_, str> {
    if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}").into()
    } else {
        field.into()
    }
}

fn write_record<S: AsRef<str>>(out: &mut String, fields: impl IntoIterator<Item = S>) {
    for (i, field) in fields.into_iter().enumerate() {
        let field = neutralise_formula(field.as_ref());
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push('\n');
}

/// The JSON export document. A struct rather than `json!`, so the page needs no `serde_json::Value` serializer.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportDoc<'a> {
    consumer_id: &'a str,
    exported_at: &'a str,
    operations: &'a [Operation],
}

/// Pretty JSON: `{"consumerId": ..., "exportedAt": ..., "operations": [...]}`.
pub fn to_json(consumer_id: &str, exported_at: &str, ops: &[Operation]) -> String {
    let doc = ExportDoc { consumer_id, exported_at, operations: ops };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::d1::OperationsPage;

    const PAGE: &str = r#"{"operations":[
        {"operationId":"op-2","operation":"DELETE","status":"SUCCESSFUL","startTime":"2026-11-22T10:00:00Z",
         "requestorType":"ISSUER","requestorId":"DEMOISSUER","reason":"closed by customer, per letter",
         "reasonCode":"ISSUER_DECISION","details":{"oldState":"ACTIVE","newState":"DELETED"}},
        {"operationId":"op-1","operation":"ENROLL_AUTHN","status":"FAILED","startTime":"2026-11-21T10:00:00Z",
         "endTime":"2026-11-21T10:00:02Z","requestorType":"USER","requestorId":"demo-alice",
         "details":{"appInstanceId":"app-1"},"errorCode":"E42","error":"Device \"x\" refused"}]}"#;

    #[test]
    fn csv_has_a_header_and_one_row_per_operation_with_quoting() {
        let page: OperationsPage = serde_json::from_str(PAGE).unwrap();
        let csv = to_csv(&page.operations);
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), CSV_HEADER);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][7], "closed by customer, per letter");
        assert_eq!(&rows[0][10], "DELETED");
        assert_eq!(&rows[1][11], "app-1");
        assert_eq!(&rows[1][13], "Device \"x\" refused");
    }

    #[test]
    fn csv_is_byte_for_byte_what_the_csv_crate_writes() {
        let tricky = ["plain", "", "a,b", "say \"hi\"", "two\nlines", "cr\rhere", "\"", ",", " spaced ", "ünïcödé → ok"];
        // `flexible` only lifts the crate's equal-length check; the bytes are its defaults'.
        let mut expected = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
        expected.write_record(CSV_HEADER).unwrap();
        expected.write_record(tricky).unwrap();
        expected.write_record(["", ""]).unwrap();
        let expected = String::from_utf8(expected.into_inner().unwrap()).unwrap();
        let mut ours = String::new();
        write_record(&mut ours, CSV_HEADER);
        write_record(&mut ours, tricky);
        write_record(&mut ours, ["", ""]);
        assert_eq!(ours, expected);

        // The whole export, read back and written again by the crate, is unchanged.
        let page: OperationsPage = serde_json::from_str(PAGE).unwrap();
        let ours = to_csv(&page.operations);
        let mut rewritten = csv::Writer::from_writer(Vec::new());
        for record in csv::ReaderBuilder::new().has_headers(false).from_reader(ours.as_bytes()).records() {
            rewritten.write_record(&record.unwrap()).unwrap();
        }
        assert_eq!(String::from_utf8(rewritten.into_inner().unwrap()).unwrap(), ours);
    }

    #[test]
    fn cells_a_spreadsheet_would_run_start_with_a_quote() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""),
            ("+1+2", "'+1+2"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
            ("\rcmd", "\"'\rcmd\""),
            ("a=b", "a=b"),
            ("plain", "plain"),
            ("", ""),
        ] {
            let mut out = String::new();
            write_record(&mut out, [cell]);
            assert_eq!(out, format!("{written}\n"), "{cell:?}");
        }
    }

    #[test]
    fn a_hostile_operation_exports_as_text() {
        let page: OperationsPage = serde_json::from_str(&PAGE.replace("closed by customer, per letter", "=cmd|' /C calc'!A0")).unwrap();
        let csv = to_csv(&page.operations);
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][7], "'=cmd|' /C calc'!A0");
    }

    #[test]
    fn json_reads_back_with_the_same_models() {
        let page: OperationsPage = serde_json::from_str(PAGE).unwrap();
        let json = to_json("demo-alice", "2026-11-22T12:00:00Z", &page.operations);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let back: Vec<Operation> = serde_json::from_value(v["operations"].clone()).unwrap();
        assert_eq!(back, page.operations);
        assert_eq!(v["consumerId"], "demo-alice");
        assert_eq!(v["exportedAt"], "2026-11-22T12:00:00Z");
        let at = |key: &str| json.find(&format!("\"{key}\"")).unwrap();
        assert!(at("consumerId") < at("exportedAt") && at("exportedAt") < at("operations"), "the documented key order");
    }
}
