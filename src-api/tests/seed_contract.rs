//! The models and rules against the seed's own OpenAPI documents (`tests/fixtures`, extracted verbatim
//! from `../shared/seeds/001_*.txt`): enums, required fields, and every pattern cross-checked with a real
//! regular expression engine on every ASCII character and at the length bounds.

use console_api::d1::{ConsumerState, Operation, OperationStatus, OperationType, ReasonCode, RequestorType};
use console_api::validate::{self, CharRule};
use serde_json::Value;

fn seed() -> Value {
    let text = include_str!("fixtures/d1-consumer-operations.json");
    serde_json::from_str(text).expect("fixture is JSON")
}

/// `components.schemas.NAME` from whichever of the seed's documents defines it.
fn schema(name: &str) -> Value {
    let seed = seed();
    seed["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find_map(|d| d["components"]["schemas"].get(name).cloned())
        .unwrap_or_else(|| panic!("the seed defines {name}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().expect("array").iter().map(|s| s.as_str().expect("string").to_string()).collect()
}

fn wire<T: ToString>(known: &[T]) -> Vec<String> {
    known.iter().map(|k| k.to_string()).collect()
}

#[test]
fn enums_are_exactly_the_seeds() {
    let op = schema("operationConsumer");
    let p = &op["properties"];
    assert_eq!(wire(OperationType::KNOWN), strings(&p["operation"]["enum"]));
    assert_eq!(wire(OperationStatus::KNOWN), strings(&p["status"]["enum"]));
    assert_eq!(wire(RequestorType::KNOWN), strings(&p["requestorType"]["enum"]));
    assert_eq!(wire(ReasonCode::KNOWN), strings(&p["reasonCode"]["enum"]));
    let states = &p["details"]["oneOf"][0]["properties"];
    assert_eq!(wire(ConsumerState::KNOWN), strings(&states["newState"]["enum"]));
    let old: Vec<String> = strings(&states["oldState"]["enum"]);
    assert!(old.iter().all(|s| ConsumerState::parse_known(s).is_some()));
}

#[test]
fn required_fields_are_the_seeds() {
    let op = schema("operationConsumer");
    let required = strings(&op["required"]);
    let full: Value = serde_json::json!({
        "operationId": "o", "operation": "REGISTER", "status": "SUCCESSFUL", "startTime": "2026-01-01T00:00:00Z",
        "requestorType": "ISSUER", "requestorId": "DEMOISSUER"
    });
    serde_json::from_value::<Operation>(full.clone()).expect("the required fields are enough");
    for field in &required {
        let mut v = full.clone();
        v.as_object_mut().expect("object").remove(field);
        assert!(serde_json::from_value::<Operation>(v).is_err(), "{field} is required by the seed");
    }
    // Every property the seed names round-trips through the model.
    let names: Vec<&String> = op["properties"].as_object().expect("properties").keys().collect();
    let mut all = full.as_object().expect("object").clone();
    all.insert("endTime".into(), "2026-01-01T00:00:01Z".into());
    all.insert("reason".into(), "r".into());
    all.insert("reasonCode".into(), "USER_DECISION".into());
    all.insert("details".into(), serde_json::json!({"appInstanceId": "a"}));
    all.insert("errorCode".into(), "E".into());
    all.insert("error".into(), "e".into());
    for n in names {
        assert!(all.contains_key(n.as_str()), "test covers {n}");
    }
    let op: Operation = serde_json::from_value(Value::Object(all.clone())).expect("decodes");
    assert_eq!(serde_json::to_value(op).expect("encodes"), Value::Object(all));
}

#[test]
fn limit_bounds_are_the_seeds() {
    let seed = seed();
    let limit = seed["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find_map(|d| d["components"]["parameters"].get("limit-query").cloned())
        .expect("limit-query");
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], validate::LIMIT_MAX);
    assert_eq!(limit["schema"]["default"], validate::LIMIT_DEFAULT);
}

/// Checks `rule` against `pattern` (anchored) for every ASCII character, a few others, and the lengths.
fn agrees(rule: CharRule, pattern: &str) {
    agrees_with_max(rule, pattern, usize::MAX)
}

/// As `agrees`, for a pattern whose length bound is a separate `maxLength`.
fn agrees_with_max(rule: CharRule, pattern: &str, max_length: usize) {
    let anchored = format!("^(?:{})$", pattern.trim_start_matches('^').trim_end_matches('$'));
    let re = regex::Regex::new(&anchored).expect("seed pattern compiles");
    let filler = (0u8..128).map(char::from).find(|c| (rule.accepts)(*c)).expect("some character is allowed");
    let n = rule.min.max(1);
    for c in (0u32..128).filter_map(char::from_u32).chain(['é', '€', 'ß', '\u{00a0}']) {
        let s: String = std::iter::once(c).chain(std::iter::repeat_n(filler, n - 1)).collect();
        assert_eq!(rule.check(&s).is_ok(), re.is_match(&s), "{}: {c:?} in {s:?}", rule.field);
    }
    for len in [rule.min.saturating_sub(1), rule.min, rule.max, rule.max + 1] {
        let s: String = std::iter::repeat_n(filler, len).collect();
        let expected = re.is_match(&s) && len <= max_length;
        assert_eq!(rule.check(&s).is_ok(), expected, "{} at length {len}", rule.field);
    }
}

#[test]
fn patterns_agree_with_the_seeds_regular_expressions() {
    let op = schema("operationConsumer");
    let reason = op["properties"]["reason"].as_str().map(str::to_string);
    assert!(reason.is_none(), "reason is a $ref in the seed");
    agrees(validate::REASON, schema("reason")["pattern"].as_str().expect("reason pattern"));
    let op_id = schema("operationId");
    assert_eq!((op_id["minLength"].as_u64(), op_id["maxLength"].as_u64()), (Some(1), Some(64)));
    agrees(validate::OPERATION_ID, op_id["pattern"].as_str().expect("operationId pattern"));
    // The error pattern is written with JavaScript-style delimiters: /^...$/
    let error = op["properties"]["error"]["pattern"].as_str().expect("error pattern");
    let max = op["properties"]["error"]["maxLength"].as_u64().expect("maxLength") as usize;
    agrees_with_max(validate::OPERATION_ERROR, error.trim_start_matches('/').trim_end_matches('/'), max);
    // Path and header parameters are given in the seed's prose (000/001), quoted here verbatim.
    agrees(validate::CONSUMER_ID, "[A-Za-z0-9_-]{1,64}");
    agrees(validate::ACCOUNT_ID, "[A-Za-z0-9_-]{1,64}");
    agrees(validate::CORRELATION_ID, r"[a-zA-Z0-9_\-\. ]{1,64}");
}
