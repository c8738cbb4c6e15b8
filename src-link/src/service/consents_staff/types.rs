//! `GET /api/consent-types` (staff; with the set's ETag) and `PUT /api/consent-types` (admins; `If-Match`).
//! A name still used by consents cannot be removed: the 409 keeps Apiture's `typeNames` and adds how many
//! consents use each (`attributes.counts`), so the page can say which and link to them.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use console_api::consents::labels::{check_labels, LabelRuleBroken};
use console_api::consents::{ConsentTypeNames, ERR_CONSENT_TYPE_NAME_IN_USE, ERR_INVALID_PROPERTY};
use console_api::validate::ValidationError;
use console_api::consents_staff::check_type_name;
use console_api::d1_client::CorrelationId;
use crate::apiture::Call;

use crate::service::with_etag;
use super::{if_match, scan, upstream_problem};
use crate::service::{attempt, audited, body, invalid, ServiceState, Answer, Cid, Problem};
use crate::service::{Caller, Need};

async fn fetch(state: &ServiceState, caller: &Caller, cid: &CorrelationId) -> Result<(ConsentTypeNames, Option<String>), Problem> {
    match state.consents.call::<ConsentTypeNames>(Call::get("consentTypeNames", &[]), &caller.access_token, cid.as_str()).await {
        Ok(answer) => Ok((without_links(answer.value), answer.etag)),
        Err(e) => Err(upstream_problem(caller, e, cid)),
    }
}

/// The page gets the names and labels, not the API's links.
fn without_links(mut names: ConsentTypeNames) -> ConsentTypeNames {
    names.links.clear();
    names.profile = None;
    names
}

/// `GET /api/consent-types`
pub async fn get_types(State(state): State<ServiceState>, Cid(cid): Cid, caller: Caller) -> Result<Response, Problem> {
    const ACTION: &str = "consents.types.get";
    caller.require(Need::Staff, &state, ACTION, "", &cid)?;
    let result = fetch(&state, &caller, &cid).await;
    let (names, etag) = audited(&state, &caller, ACTION, "", &cid, result)?;
    Ok(with_etag(Answer(names, cid).into_response(), etag.as_deref()))
}

/// `PUT /api/consent-types` with the whole set and `If-Match`.
pub async fn put_types(State(state): State<ServiceState>, headers: HeaderMap, Cid(cid): Cid, caller: Caller, bytes: Bytes) -> Result<Response, Problem> {
    const ACTION: &str = "consents.types.put";
    caller.require(Need::Admin, &state, ACTION, "", &cid)?;
    let checked = (|| {
        let names: ConsentTypeNames = body(&bytes, &cid)?;
        for (name, labels) in &names.names {
            check_type_name("names", name).map_err(|e| invalid(&e, &cid))?;
            // The API's own label rule (`check_labels`, the page's too), refused as the API refuses it:
            // `invalidProperty`, its attributes naming the label by position and tag.
            if let Err(broken) = check_labels(labels) {
                return Err(labels_refused(name, &broken, &cid));
            }
        }
        Ok((names, if_match(&headers, &cid)?))
    })();
    let (names, tag) = match checked {
        Ok(c) => c,
        Err(p) => return audited(&state, &caller, ACTION, "", &cid, Err(p)),
    };
    let target = names.names.keys().cloned().collect::<Vec<_>>().join(",");
    attempt(&state, &caller, ACTION, &target, &cid)?;
    let call = Call::write(Method::PUT, "consentTypeNames", Some(&names)).if_match(Some(&tag));
    let result = match state.consents.call::<ConsentTypeNames>(call, &caller.access_token, cid.as_str()).await {
        Ok(answer) => Ok((without_links(answer.value), answer.etag)),
        Err(e) => {
            let (status, in_use) = (e.status(), e.error_type() == Some(ERR_CONSENT_TYPE_NAME_IN_USE));
            let mut p = upstream_problem(&caller, e, &cid);
            if in_use {
                count_uses(&state, &caller, &mut p, &cid).await;
            }
            if status == Some(412) {
                if let Ok((fresh, etag)) = fetch(&state, &caller, &cid).await {
                    p.0.current = console_api::gateway::JsonText::of(&fresh);
                    p.0.etag = etag;
                }
            }
            Err(p)
        }
    };
    let (names, etag) = audited(&state, &caller, ACTION, &target, &cid, result)?;
    Ok(with_etag(Answer(names, cid).into_response(), etag.as_deref()))
}

/// A 400 for `name`'s labels breaking the rule, with the attributes the Consents API gives the same
/// refusal (`typeName`, `labelIndex`, `language`, `property`), so that the page places it at its field.
fn labels_refused(name: &str, broken: &LabelRuleBroken, cid: &CorrelationId) -> Problem {
    let e = ValidationError { field: "names", message: format!("'{name}': {broken}") };
    let mut attributes = serde_json::json!({ "typeName": name, "property": broken.property() });
    if let Some(index) = broken.index() {
        attributes["labelIndex"] = index.into();
    }
    if let Some(language) = &broken.language {
        attributes["language"] = language.as_str().into();
    }
    let mut p = invalid(&e, cid);
    p.0.error_type = Some(ERR_INVALID_PROPERTY.to_string());
    p.0.attributes = console_api::gateway::JsonText::of(&attributes);
    p
}

/// Adds `counts` (type name -> consents using it) to a `consentTypeNameInUse` problem, and words it.
async fn count_uses(state: &ServiceState, caller: &Caller, p: &mut Problem, cid: &CorrelationId) {
    let mut attributes: serde_json::Map<String, serde_json::Value> = p.0.attributes.as_ref().and_then(|a| a.read()).unwrap_or_default();
    let names: Vec<String> = attributes.get("typeNames").and_then(|t| serde_json::from_value(t.clone()).ok()).unwrap_or_default();
    let mut counts = serde_json::Map::new();
    let mut words = Vec::new();
    for name in names.iter().take(20) {
        if let Ok(page) = scan::page(state, caller, &[("type", name.clone())], 0, 1, cid).await {
            let n = page.count.unwrap_or(0);
            counts.insert(name.clone(), n.into());
            words.push(format!("{name} ({} consents)", console_api::consents_staff::thousands(n)));
        }
    }
    if p.0.attributes.is_some() {
        attributes.insert("counts".into(), counts.into());
        p.0.attributes = console_api::gateway::JsonText::of(&attributes);
    }
    if !words.is_empty() {
        p.0.message = format!("These type names are used by consents and cannot be removed: {}. Keep them, or rescind their consents first.", words.join(", "));
    }
}
