//! A consumer's operations as a file: the query of the gateway's export route (format and the timeline's
//! filter, as the page's link writes it), and the CSV (one row an operation, every field) and JSON (the
//! API's own shape, so that it can be read back with the same models) the gateway answers it with.

use crate::d1::Operation;
use crate::gateway::routes;
use crate::timeline::TimelineFilter;
use crate::validate::ValidationError;

/// The file formats of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    /// The `format` value and the file's extension.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Json => "application/json",
        }
    }

    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        match value {
            "csv" => Ok(ExportFormat::Csv),
            "json" => Ok(ExportFormat::Json),
            other => Err(ValidationError { field: "format", message: format!("'{other}' is not an export format: use csv or json") }),
        }
    }
}

/// What an export is asked for: the format, the timeline's filter (the same keys and values as the page's
/// URL, so the file holds the rows the person sees), and the time zone the filter's days are read in (the
/// page's own, an IANA name: "from" and "to" are local days). Without one, days are UTC days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportQuery {
    pub format: ExportFormat,
    pub filter: TimelineFilter,
    pub time_zone: Option<String>,
}

impl ExportQuery {
    /// The export route of `consumer_id` with this query: the page's link.
    pub fn path(&self, consumer_id: &str) -> String {
        let path = routes::EXPORT_OPERATIONS.replace("{consumer_id}", &crate::transport::encode_component(consumer_id));
        let mut query = vec![("format", self.format.as_str().to_string())];
        query.extend(self.filter.to_query());
        query.extend(self.time_zone.clone().map(|tz| ("tz", tz)));
        crate::page::path_with_query(&path, &query)
    }

    /// Reads the decoded query pairs [`ExportQuery::path`] writes. Stricter than the page's reading of its
    /// own URL: a file should not silently hold something else than asked, so an unknown key, a missing
    /// format or a day that is not one is refused, saying what to write instead.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, ValidationError> {
        let mut format = None;
        let mut time_zone = None;
        let mut filter_pairs = Vec::new();
        for (key, value) in pairs {
            match key {
                "format" => format = Some(ExportFormat::parse(value)?),
                "tz" => time_zone = Some(value.to_string()).filter(|tz| !tz.is_empty()),
                "type" | "status" | "requestor" => filter_pairs.push((key, value)),
                "from" => filter_pairs.push((key, day("from", value)?)),
                "to" => filter_pairs.push((key, day("to", value)?)),
                other => {
                    let message = format!("'{other}' is not an export parameter: use format, type, status, requestor, from, to or tz");
                    return Err(ValidationError { field: "query", message });
                }
            }
        }
        let format = format.ok_or_else(|| ValidationError { field: "format", message: "is missing: use csv or json".into() })?;
        Ok(ExportQuery { format, filter: TimelineFilter::from_query(filter_pairs), time_zone })
    }
}

/// `value` when it is a `YYYY-MM-DD` day or empty (no bound), as the filter reads it.
fn day<'a>(field: &'static str, value: &'a str) -> Result<&'a str, ValidationError> {
    if value.is_empty() || crate::timeline::parse_day(value).is_some() {
        Ok(value)
    } else {
        Err(ValidationError { field, message: format!("'{value}' is not a day: write it YYYY-MM-DD") })
    }
}

/// The CSV header, in the seed's field order.
pub const CSV_HEADER: [&str; 14] = [
    "operationId", "operation", "status", "startTime", "endTime", "requestorType", "requestorId", "reason",
    "reasonCode", "oldState", "newState", "appInstanceId", "errorCode", "error",
];

/// CSV with a header row, as the `csv` crate writes it (RFC 4180: a field is quoted when it holds a comma,
/// a quote, CR or LF, quotes are doubled, records end with LF); a field a spreadsheet would take for a
/// formula is neutralised ([`neutralise_formula`]): D1's `error` text and the reasons people type are not
/// ours to trust once the file is opened in Excel.
pub fn to_csv(ops: &[Operation]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    write_record(&mut writer, CSV_HEADER);
    for op in ops {
        let d = op.details.clone().unwrap_or_default();
        let opt = |v: Option<&str>| v.unwrap_or("").to_string();
        write_record(&mut writer, [
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
    // Written to memory, from strings: neither the writer nor the text can fail.
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
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

fn write_record<S: AsRef<str>>(writer: &mut csv::Writer<Vec<u8>>, fields: impl IntoIterator<Item = S>) {
    // Into memory: the only error the writer has is of its `Write`, and a `Vec` has none.
    let _ = writer.write_record(fields.into_iter().map(|field| neutralise_formula(field.as_ref()).into_owned()));
}

/// The JSON export document.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportDoc<'a> {
    consumer_id: &'a str,
    exported_at: &'a str,
    complete: bool,
    operations: &'a [Operation],
}

/// Pretty JSON: `{"consumerId": ..., "exportedAt": ..., "complete": ..., "operations": [...]}`;
/// `complete` is false when the history was longer than the export reads.
pub fn to_json(consumer_id: &str, exported_at: &str, complete: bool, ops: &[Operation]) -> String {
    let doc = ExportDoc { consumer_id, exported_at, complete, operations: ops };
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
    fn the_file_reads_back_and_writes_again_unchanged() {
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
            ("say \"hi\", then", "\"say \"\"hi\"\", then\""),
        ] {
            let mut writer = csv::Writer::from_writer(Vec::new());
            write_record(&mut writer, [cell]);
            assert_eq!(String::from_utf8(writer.into_inner().unwrap()).unwrap(), format!("{written}\n"), "{cell:?}");
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
        let json = to_json("demo-alice", "2026-11-22T12:00:00Z", true, &page.operations);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let back: Vec<Operation> = serde_json::from_value(v["operations"].clone()).unwrap();
        assert_eq!(back, page.operations);
        assert_eq!(v["consumerId"], "demo-alice");
        assert_eq!((&v["exportedAt"], &v["complete"]), (&"2026-11-22T12:00:00Z".into(), &true.into()));
        let at = |key: &str| json.find(&format!("\"{key}\"")).unwrap();
        assert!(at("consumerId") < at("exportedAt") && at("complete") < at("operations"), "the documented key order");
    }

    fn parse(query: &[(&str, &str)]) -> Result<ExportQuery, ValidationError> {
        ExportQuery::parse(query.iter().copied())
    }

    #[track_caller]
    fn refuses(query: &[(&str, &str)], field: &str, says: &str) {
        let e = parse(query).unwrap_err();
        assert!(e.field == field && e.message.contains(says), "{query:?}: {e}");
    }

    #[test]
    fn the_link_reads_back_as_the_same_query() {
        let filter = TimelineFilter::from_query([("type", "DELETE,ENROLL_AUTHN"), ("status", "FAILED"), ("from", "2026-11-01"), ("to", "2026-11-30")]);
        let query = ExportQuery { format: ExportFormat::Csv, filter, time_zone: Some("Europe/Paris".into()) };
        let link = query.path("demo busy");
        let (path, raw) = link.split_once('?').unwrap();
        assert_eq!(path, "/api/d1/consumers/demo%20busy/operations/export");
        let pairs: Vec<(String, String)> = raw
            .split('&')
            .map(|pair| pair.split_once('=').unwrap())
            .map(|(k, v)| (crate::transport::decode_component(k), crate::transport::decode_component(v)))
            .collect();
        assert_eq!(ExportQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))), Ok(query));
        let plain = ExportQuery { format: ExportFormat::Json, filter: TimelineFilter::default(), time_zone: None };
        assert_eq!(plain.path("demo-busy"), "/api/d1/consumers/demo-busy/operations/export?format=json");
    }

    #[test]
    fn a_query_the_file_would_not_honour_is_refused_with_what_to_write() {
        refuses(&[], "format", "use csv or json");
        refuses(&[("format", "xlsx")], "format", "'xlsx' is not an export format");
        refuses(&[("format", "csv"), ("from", "2026-13-01")], "from", "write it YYYY-MM-DD");
        refuses(&[("format", "csv"), ("to", "yesterday")], "to", "'yesterday' is not a day");
        refuses(&[("format", "csv"), ("offset", "50")], "query", "'offset' is not an export parameter");
        // Values D1 may add later are kept, as the page keeps them.
        let query = parse(&[("format", "json"), ("type", "TELEPORT"), ("from", ""), ("tz", "")]).unwrap();
        assert_eq!(query.filter.types, [crate::d1::OperationType::Other("TELEPORT".into())]);
        assert_eq!((query.filter.from, query.time_zone), (None, None));
    }
}
