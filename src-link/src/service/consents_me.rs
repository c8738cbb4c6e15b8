//! The end user's own routes ("My documents"), called with the person's own token like every Consents
//! route: the API itself keeps a customer to their own consents. Customers only; staff get 403 (audited).
//!
//! * `GET /api/me/consents/history`: given, stale and revoked consents, newest given first.
//! * `GET /api/me/consents/{id}`: one consent and its ETag.
//! * `POST /api/me/consents/{id}/give` with `If-Match` (that ETag, passed on): Apiture's
//!   `givenConsents?scope=matching`, answering every consent it gave (412: revised since it was read); `POST /api/me/consents/{id}/revoke`: `revokedConsents`. Both audited before and after.
//! * `GET /api/me/labels?lang=`: the states' and types' labels, `Accept-Language` upstream.
//! * `GET /api/me/documents?uri=` and `/api/me/documents/summary?uri=`: the bank's document, fetched here
//!   from the Consents API's own origin only ([`document`]), never from where the page points.
//!
//! (`GET /api/me/consents/needed` is in [`super::consents`], beside the staff's view of the same list.)

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use console_api::consents::{Consent, ConsentCollection, LabelGroups};
use console_api::d1_client::CorrelationId;
use console_api::gateway::me::{check_entity_tag, routes, DocumentSummary, GivenConsents, CONSENT_ID};
use console_api::gateway::ProblemKind;
use console_api::i18n::Language;
use console_api::validate::ValidationError;
use crate::apiture::{ApitureError, Call, DocumentUriError, FetchedDocument};
use serde::Deserialize;

use crate::service::{attempt, audited, invalid, with_etag, ServiceState, Answer, Cid, Problem};
use crate::service::{Caller, Need};

pub fn router() -> Router<ServiceState> {
    Router::new()
        .route(routes::MY_HISTORY, get(history))
        .route(routes::MY_CONSENT, get(one))
        .route(routes::MY_GIVE, post(give))
        .route(routes::MY_REVOKE, post(revoke))
        .route(routes::MY_LABELS, get(labels))
        .route(routes::MY_DOCUMENT, get(document))
        .route(routes::MY_DOCUMENT_SUMMARY, get(document_summary))
}

/// The CSP of a relayed document: no script, no plugin, no request of its own (it is a sandbox: an opaque
/// origin, no forms, no top navigation), inline styles only; framed by the console's own page only.
pub const DOCUMENT_CSP: &str = "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'";

/// The content types a document is relayed with; anything else is not shown.
const DOCUMENT_TYPES: [&str; 2] = ["text/html", "application/pdf"];

/// An upstream result in the gateway's terms: a revoked sign-in ends the session too.
fn upstream<T>(caller: &Caller, result: Result<T, ApitureError>, cid: &CorrelationId) -> Result<T, Problem> {
    if let Err(ApitureError::InvalidToken { .. }) = &result {
        caller.end_session();
    }
    result.map_err(|e| problem(e, cid))
}

/// The person's own actions in plain words: a consent that is not theirs (the API answers 400
/// `consentRefNotFound`, so that ids do not leak) is "no such consent", a state that does not allow the
/// action a 409; the rest as for every Consents route.
fn problem(e: ApitureError, cid: &CorrelationId) -> Problem {
    if let ApitureError::Status { status, body } = &e {
        let technical = body.pointer("/_error/message").and_then(|m| m.as_str()).map(str::to_string);
        match body.pointer("/_error/type").and_then(|t| t.as_str()) {
            Some("consentRefNotFound") => {
                return Problem::of(404, ProblemKind::NotFound, "You have no such consent.", cid).with_technical(technical);
            }
            // The consent changed since the version the page names: a revision of its document (every
            // needed consent of it takes the new one), or an answer from another tab.
            _ if *status == 412 => {
                let message = "The document was revised while you read it, so nothing was accepted. Read the new revision, then accept it.";
                return Problem::of(412, ProblemKind::InvalidInput, message, cid).with_technical(technical);
            }
            Some("invalidConsentState") if *status == 409 => {
                let message = "This consent cannot be changed that way now (it may already be done). Reload the page.";
                return Problem::of(409, ProblemKind::InvalidInput, message, cid).with_technical(technical);
            }
            _ => {}
        }
    }
    crate::service::consents::problem(e, cid)
}

/// `GET /api/me/consents/history`
async fn history(State(state): State<ServiceState>, Cid(cid): Cid, caller: Caller) -> Result<Answer<ConsentCollection>, Problem> {
    const ACTION: &str = "consents.history.mine";
    caller.require(Need::Customer, &state, ACTION, &caller.user.id, &cid)?;
    let query = [("state", "given|stale|revoked"), ("sortBy", "-givenAt"), ("limit", "1000")];
    let result = state.consents.get("consents", &query, &caller.access_token, cid.as_str()).await;
    let result = upstream(&caller, result, &cid);
    audited(&state, &caller, ACTION, &caller.user.id, &cid, result).map(|v| Answer(v, cid))
}

/// Apiture's answer to `givenConsents`: the named consent, and the others it gave in `_embedded.consents`.
#[derive(Deserialize)]
struct GivenWire {
    #[serde(flatten)]
    consent: Consent,
    #[serde(rename = "_embedded", default)]
    embedded: GivenEmbedded,
}

#[derive(Default, Deserialize)]
struct GivenEmbedded {
    #[serde(default)]
    consents: Vec<Consent>,
}

/// `GET /api/me/consents/{id}`: one of the person's consents and its ETag, which a give names.
async fn one(State(state): State<ServiceState>, Path(consent_id): Path<String>, Cid(cid): Cid, caller: Caller) -> Result<Response, Problem> {
    const ACTION: &str = "consents.get.mine";
    caller.require(Need::Customer, &state, ACTION, &consent_id, &cid)?;
    let result = match CONSENT_ID.check(&consent_id) {
        Err(e) => Err(invalid(&e, &cid)),
        Ok(()) => {
            let path = format!("consents/{consent_id}");
            let result = state.consents.call::<Consent>(Call::get(&path, &[]), &caller.access_token, cid.as_str()).await;
            upstream(&caller, result, &cid)
        }
    };
    let answer = audited(&state, &caller, ACTION, &consent_id, &cid, result)?;
    Ok(with_etag(Answer(answer.value, cid).into_response(), answer.etag.as_deref()))
}

/// `POST /api/me/consents/{id}/give` with `If-Match`: "I have read and agree" to the consent as read.
/// `scope=matching`: every needed consent of this person with the same type and document is given with
/// it (the inbox shows them as one). The ETag is passed on, so that a revision published while the person
/// read (it changes the ETag of every needed consent of the document) is a 412, never given unread.
async fn give(
    State(state): State<ServiceState>,
    Path(consent_id): Path<String>,
    headers: HeaderMap,
    Cid(cid): Cid,
    caller: Caller,
) -> Result<Answer<GivenConsents>, Problem> {
    const ACTION: &str = "consents.give.mine";
    caller.require(Need::Customer, &state, ACTION, &consent_id, &cid)?;
    let read = match CONSENT_ID.check(&consent_id).and_then(|()| read_version(&headers)) {
        Ok(read) => read,
        Err(e) => return audited(&state, &caller, ACTION, &consent_id, &cid, Err(invalid(&e, &cid))),
    };
    attempt(&state, &caller, ACTION, &consent_id, &cid)?;
    let query = [("consent", consent_id.as_str()), ("scope", "matching")];
    let call = Call { method: reqwest::Method::POST, ..Call::get("givenConsents", &query) }.if_match(Some(&read));
    let result = state.consents.call::<GivenWire>(call, &caller.access_token, cid.as_str()).await.map(|a| a.value);
    let result = upstream(&caller, result, &cid)
        .map(|wire| GivenConsents { consents: std::iter::once(wire.consent).chain(wire.embedded.consents).collect() });
    audited(&state, &caller, ACTION, &consent_id, &cid, result).map(|v| Answer(v, cid))
}

/// The `If-Match` of a give: required (a give names the version read), one strong entity tag of bounded
/// length ([`check_entity_tag`]), so that nothing else is passed upstream.
fn read_version(headers: &HeaderMap) -> Result<String, ValidationError> {
    let missing = || ValidationError { field: "If-Match", message: "required: the ETag of the consent as read (GET it first)".into() };
    let tag = headers.get(header::IF_MATCH).ok_or_else(missing)?;
    let tag = tag.to_str().map_err(|_| ValidationError { field: "If-Match", message: "visible ASCII only: the ETag of the consent as read".into() })?;
    check_entity_tag(tag)?;
    Ok(tag.to_string())
}

/// `POST /api/me/consents/{id}/revoke`
async fn revoke(State(state): State<ServiceState>, Path(consent_id): Path<String>, Cid(cid): Cid, caller: Caller) -> Result<Answer<Consent>, Problem> {
    const ACTION: &str = "consents.revoke.mine";
    checked_action(&state, &caller, ACTION, &consent_id, &cid)?;
    let query = [("consent", consent_id.as_str())];
    let result = state.consents.post::<Consent>("revokedConsents", &query, &caller.access_token, cid.as_str()).await;
    let result = upstream(&caller, result, &cid);
    audited(&state, &caller, ACTION, &consent_id, &cid, result).map(|v| Answer(v, cid))
}

/// Before a write goes upstream: a customer (refusal audited), a valid id (its refusal audited), and the
/// `attempt` line (no line, no write).
fn checked_action(state: &ServiceState, caller: &Caller, action: &str, consent_id: &str, cid: &CorrelationId) -> Result<(), Problem> {
    caller.require(Need::Customer, state, action, consent_id, cid)?;
    if let Err(e) = CONSENT_ID.check(consent_id) {
        return audited(state, caller, action, consent_id, cid, Err(invalid(&e, cid)));
    }
    attempt(state, caller, action, consent_id, cid)
}

/// `GET /api/me/labels?lang=en|es|fr` (English when absent).
async fn labels(
    State(state): State<ServiceState>,
    Query(q): Query<HashMap<String, String>>,
    Cid(cid): Cid,
    caller: Caller,
) -> Result<Answer<LabelGroups>, Problem> {
    const ACTION: &str = "consents.labels";
    let asked = q.get("lang").map(String::as_str).unwrap_or("en");
    caller.require(Need::Customer, &state, ACTION, asked, &cid)?;
    let result = match Language::parse(asked) {
        None => Err(invalid(&ValidationError { field: "lang", message: format!("'{asked}' is not a language of these pages: use en, es or fr") }, &cid)),
        Some(language) => {
            let result = state.consents.get_in_language("labels", &[], language.code(), &caller.access_token, cid.as_str()).await;
            upstream(&caller, result, &cid)
        }
    };
    audited(&state, &caller, ACTION, asked, &cid, result).map(|v| Answer(v, cid))
}

/// `GET /api/me/documents?uri=`: the document, for the page's sandboxed frame.
async fn document(
    State(state): State<ServiceState>,
    Query(q): Query<HashMap<String, String>>,
    Cid(cid): Cid,
    caller: Caller,
) -> Result<Response, Problem> {
    const ACTION: &str = "documents.read.mine";
    let uri = q.get("uri").map(String::as_str).unwrap_or_default();
    caller.require(Need::Customer, &state, ACTION, uri, &cid)?;
    let result = fetch_own_document(&state, &caller, uri, &cid).await.and_then(|d| relayed(d, &cid));
    audited(&state, &caller, ACTION, uri, &cid, result)
}

/// `GET /api/me/documents/summary?uri=&lang=`: the revision and "what changed" the document states, in
/// the page's language when the document says it in that language.
async fn document_summary(
    State(state): State<ServiceState>,
    Query(q): Query<HashMap<String, String>>,
    Cid(cid): Cid,
    caller: Caller,
) -> Result<Answer<DocumentSummary>, Problem> {
    const ACTION: &str = "documents.summary.mine";
    let uri = q.get("uri").map(String::as_str).unwrap_or_default();
    caller.require(Need::Customer, &state, ACTION, uri, &cid)?;
    let result = match summary_language(q.get("lang"), &cid) {
        Ok(language) => fetch_own_document(&state, &caller, uri, &cid).await.map(|d| summary(uri, &d, language)),
        Err(refused) => Err(refused),
    };
    audited(&state, &caller, ACTION, uri, &cid, result).map(|v| Answer(v, cid))
}

/// `lang` of the summary: English when absent.
fn summary_language(code: Option<&String>, cid: &CorrelationId) -> Result<Language, Problem> {
    let Some(code) = code else { return Ok(Language::En) };
    Language::parse(code).ok_or_else(|| {
        let message = format!("'{}' is not a language of the console: use en, es or fr", console_api::validate::shown(code));
        invalid(&ValidationError { field: "lang", message }, cid)
    })
}

/// The document at `uri`, if the gateway may fetch it for this person:
/// 1. `uri` is http(s) or relative (400 otherwise: `javascript:`, `data:`...), and on the Consents API's
///    own origin (400 otherwise): the gateway is never a proxy to a host the page names.
/// 2. The person has a consent whose document is exactly `uri` (404 otherwise). Why: the gateway sends
///    the bank's API key with the person's token, and the document host need not check who owns what (the
///    sandbox's vault checks only the scope), so without this a customer could read any file on that
///    origin, another product's private terms or anything else the key reaches, by naming it. A consent
///    is what makes a document this person's to read.
async fn fetch_own_document(state: &ServiceState, caller: &Caller, uri: &str, cid: &CorrelationId) -> Result<FetchedDocument, Problem> {
    let url = state.consents.document_url(uri).map_err(|e| match e {
        DocumentUriError::Unsafe(v) => invalid(&v, cid),
        other => invalid(&ValidationError { field: "uri", message: other.to_string().trim_start_matches("uri: ").to_string() }, cid),
    })?;
    let query = [("q", uri), ("limit", "1000")];
    let mine = state.consents.get::<ConsentCollection>("consents", &query, &caller.access_token, cid.as_str()).await;
    let mine = upstream(caller, mine, cid)?;
    if !mine.embedded.items.iter().any(|c| c.document.uri == uri) {
        return Err(Problem::of(404, ProblemKind::NotFound, "You have no consent for this document, so the console does not show it.", cid));
    }
    let fetched = state.consents.document(url, &caller.access_token, cid.as_str()).await;
    upstream(caller, fetched, cid)
}

/// The document as the page's frame gets it: its own content type if HTML or PDF (anything else is not
/// shown: a JSON answer or a script is not a document), and headers that keep it inert.
fn relayed(document: FetchedDocument, cid: &CorrelationId) -> Result<Response, Problem> {
    let content_type = document.content_type.unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if !DOCUMENT_TYPES.contains(&essence.as_str()) {
        let shown = if essence.is_empty() { "no content type".to_string() } else { essence };
        let message = format!("The document is not HTML or PDF ({shown}), so the console does not show it. Tell the bank.");
        return Err(Problem::of(502, ProblemKind::UpstreamError, message, cid));
    }
    let mut response = document.body.into_response();
    let headers = response.headers_mut();
    let set = |value: &str| HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, set(&content_type));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCUMENT_CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // The console's own page frames it; the default DENY would stop even that.
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// What an HTML document says about itself (`<meta name="revision-id">`, `<meta name="what-changed">`);
/// the host's `document-revision-id` header first. "What changed" in `language` when the document has a
/// `<meta name="what-changed" lang="..">` for it, else the one without `lang`. A PDF says nothing here.
fn summary(uri: &str, document: &FetchedDocument, language: Language) -> DocumentSummary {
    let html = std::str::from_utf8(&document.body).unwrap_or_default();
    let what_changed = meta(html, "what-changed", Some(language.code())).or_else(|| meta(html, "what-changed", None));
    DocumentSummary {
        uri: uri.to_string(),
        revision_id: document.revision_id.clone().or_else(|| meta(html, "revision-id", None)),
        what_changed,
    }
}

/// The `content` of the `<meta name="{name}" ...>` in a document's head whose `lang` is `lang` (`None`:
/// the one without a `lang`), entities decoded.
fn meta(html: &str, name: &str, lang: Option<&str>) -> Option<String> {
    let head = &html[..html.find("</head>").unwrap_or(html.len())];
    let opening = format!("<meta name=\"{name}\"");
    let tag = head.match_indices(&opening).filter_map(|(at, _)| head[at..].find('>').map(|end| &head[at..at + end])).find(|tag| {
        let tag_lang = tag.split(" lang=\"").nth(1).and_then(|v| v.split('"').next());
        tag_lang == lang
    })?;
    let content = tag.split("content=\"").nth(1)?.split('"').next()?;
    let text = content.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
    let text = text.trim().to_string();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_states_its_revision_and_what_changed() {
        let html = r#"<html><head><meta name="revision-id" content="2026:1"><meta name="what-changed" content="Fees &amp; limits (section 3)."></head>
            <body><meta name="what-changed" content="not in the head"></body></html>"#;
        let d = FetchedDocument { content_type: Some("text/html".into()), revision_id: None, body: html.as_bytes().to_vec() };
        let s = summary("/vault/x", &d, Language::En);
        assert_eq!(s.revision_id.as_deref(), Some("2026:1"));
        assert_eq!(s.what_changed.as_deref(), Some("Fees & limits (section 3)."));
        let bare = FetchedDocument { content_type: None, revision_id: Some("h".into()), body: b"<p>x</p>".to_vec() };
        assert_eq!(summary("/v", &bare, Language::Es), DocumentSummary { uri: "/v".into(), revision_id: Some("h".into()), what_changed: None });
    }

    #[test]
    fn what_changed_is_in_the_asked_language_when_the_document_has_it() {
        let html = r#"<html><head><meta name="what-changed" content="Fees."><meta name="what-changed" lang="es" content="Comisiones.">
            </head></html>"#;
        let d = FetchedDocument { content_type: Some("text/html".into()), revision_id: None, body: html.as_bytes().to_vec() };
        assert_eq!(summary("/v", &d, Language::Es).what_changed.as_deref(), Some("Comisiones."));
        assert_eq!(summary("/v", &d, Language::En).what_changed.as_deref(), Some("Fees."));
        // No French one: the document's own (untagged) words rather than nothing.
        assert_eq!(summary("/v", &d, Language::Fr).what_changed.as_deref(), Some("Fees."));
    }

    #[test]
    fn only_html_and_pdf_are_relayed_and_always_inert() {
        let cid = CorrelationId::parse("t").unwrap();
        let doc = |t: &str| FetchedDocument { content_type: Some(t.into()), revision_id: None, body: b"x".to_vec() };
        let r = relayed(doc("text/html; charset=utf-8"), &cid).unwrap_or_else(|_| panic!("html is relayed"));
        assert_eq!(r.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(r.headers()[header::CONTENT_SECURITY_POLICY], DOCUMENT_CSP);
        assert_eq!(r.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(relayed(doc("application/pdf"), &cid).is_ok());
        for other in ["application/json", "text/javascript", "image/svg+xml", ""] {
            assert_eq!(relayed(doc(other), &cid).err().map(|p| p.0.status), Some(502), "{other}");
        }
    }
}
