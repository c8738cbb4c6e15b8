//! Export of the loaded operations, as CSV (one row an operation, every field) and as JSON (the API's own
//! shape, so that it can be read back with the same models).

use crate::d1::Operation;

/// The CSV header, in the seed's field order.
pub const CSV_HEADER: [&str; 14] = [
    "operationId", "operation", "status", "startTime", "endTime", "requestorType", "requestorId", "reason",
    "reasonCode", "oldState", "newState", "appInstanceId", "errorCode", "error",
];

/// CSV with a header row; fields are quoted where needed, formulas are not neutralised because values only
/// come from the documented character sets.
pub fn to_csv(ops: &[Operation]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER)?;
    for op in ops {
        let d = op.details.clone().unwrap_or_default();
        let opt = |v: Option<&str>| v.unwrap_or("").to_string();
        w.write_record([
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
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
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
        let csv = to_csv(&page.operations).unwrap();
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
