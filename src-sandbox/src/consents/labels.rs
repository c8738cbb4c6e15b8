//! `GET /consents/labels` (the consent states' and types' labels in the caller's language), the API root
//! `GET /consents/` and `GET /consents/apiDoc`.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use console_api::consents::labels::tag_is_language;
use console_api::consents::{
    LabelGroups, LabelItem, Link, Links, SimpleLabel, LABEL_GROUPS_PROFILE, LABEL_GROUP_STATE, LABEL_GROUP_TYPE,
    REL_SELF, ROOT_PROFILE,
};
use utoipa::OpenApi;

use super::{authorize, type_names};
use crate::auth::bearer::{hal, ApitureCaller, ApitureFailure};
use crate::auth::SCOPE_READ;
use crate::AppState;

/// The languages the labels come in; the first is the default.
pub const LANGUAGES: [&str; 3] = ["en", "es", "fr"];

/// The consent states' labels: (state, [en, es, fr]).
const STATES: [(&str, [&str; 3]); 5] = [
    ("pending", ["Pending", "Pendiente", "En attente"]),
    ("given", ["Given", "Otorgado", "Donné"]),
    ("stale", ["Stale (document revised)", "Caducado (documento revisado)", "Périmé (document révisé)"]),
    ("rescinded", ["Rescinded", "Anulado", "Annulé"]),
    ("revoked", ["Revoked", "Revocado", "Révoqué"]),
];

/// The best of [`LANGUAGES`] for an `Accept-Language` header (RFC 7231 5.3.5: q-values, primary subtag
/// match, `*`); English when none fits.
pub fn best_language(accept: Option<&str>) -> &'static str {
    let mut best: Option<(f32, usize, &'static str)> = None;
    for (position, range) in accept.unwrap_or_default().split(',').enumerate() {
        let mut parts = range.trim().split(';');
        let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        let primary = tag.split('-').next().unwrap_or_default();
        let language = if primary == "*" { Some(LANGUAGES[0]) } else { LANGUAGES.iter().copied().find(|l| *l == primary) };
        if let Some(language) = language {
            // Higher q wins; on a tie, the one listed first.
            if best.is_none_or(|(bq, bp, _)| q > bq || (q == bq && position < bp)) {
                best = Some((q, position, language));
            }
        }
    }
    best.map(|(_, _, l)| l).unwrap_or(LANGUAGES[0])
}

/// `GET /consents/labels`
#[utoipa::path(get, path = "/consents/labels", tag = "API",
    description = "Labels of the consent states (group consentState) and of the consent type names (group consentType). Each item's \
label and description are in the best language of Accept-Language among en, es, fr (Content-Language says which; English by \
default), and variants holds every language's. A type name registered without a language's label falls back to its default label.",
    params(("Accept-Language" = Option<String>, Header)),
    security(("apiKey" = [], "accessToken" = ["banking/read"])),
    responses((status = 200, description = "Label groups", body = crate::openapi_apiture::LabelGroups, content_type = "application/hal+json")))]
pub async fn labels(State(state): State<AppState>, headers: HeaderMap, caller: ApitureCaller) -> Result<Response, ApitureFailure> {
    authorize(&headers, &caller, SCOPE_READ)?;
    let language = best_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    let names = state.db.tx(|tx| type_names::load(tx)).await?;

    let mut states = BTreeMap::new();
    for (name, texts) in STATES {
        let variants: BTreeMap<String, SimpleLabel> =
            LANGUAGES.iter().zip(texts).map(|(l, t)| (l.to_string(), SimpleLabel { label: t.to_string(), description: None })).collect();
        let label = variants[language].label.clone();
        states.insert(name.to_string(), LabelItem { label, description: None, variants, code: None, hidden: None });
    }
    let mut types = BTreeMap::new();
    for (name, localized) in names {
        let Some(default) = localized.first() else { continue };
        let variants: BTreeMap<String, SimpleLabel> = LANGUAGES
            .iter()
            .map(|l| {
                // Tags match whatever their case (`ES` is Spanish), as the PUT's rule compares them.
                let found = localized.iter().find(|x| x.language.as_deref().is_some_and(|tag| tag_is_language(tag, l)));
                let chosen = found.unwrap_or(default);
                (l.to_string(), SimpleLabel { label: chosen.label.clone(), description: chosen.description.clone() })
            })
            .collect();
        let mine = variants[language].clone();
        types.insert(name, LabelItem { label: mine.label, description: mine.description, variants, code: None, hidden: None });
    }
    let body = LabelGroups {
        profile: Some(LABEL_GROUPS_PROFILE.into()),
        links: Links::from([(REL_SELF.to_string(), Link { href: "/consents/labels".into() })]),
        groups: BTreeMap::from([(LABEL_GROUP_STATE.to_string(), states), (LABEL_GROUP_TYPE.to_string(), types)]),
    };
    let mut response = hal(StatusCode::OK, &body);
    response.headers_mut().insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(language));
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    Ok(response)
}

/// `GET /consents/`
#[utoipa::path(get, path = "/consents/", tag = "API",
    description = "The API root: its id, name, version and links to its top-level resources and operations.",
    security(("apiKey" = [], "accessToken" = ["banking/read"])),
    responses((status = 200, description = "API root", body = crate::openapi_apiture::ApiRoot, content_type = "application/hal+json")))]
pub async fn root(headers: HeaderMap, caller: ApitureCaller) -> Result<Response, ApitureFailure> {
    authorize(&headers, &caller, SCOPE_READ)?;
    let link = |href: &str| Link { href: href.into() };
    let links = Links::from([
        (REL_SELF.to_string(), link("/consents/")),
        ("apiture:apiDoc".to_string(), link("/consents/apiDoc")),
        ("apiture:consents".to_string(), link("/consents/consents")),
        ("apiture:neededConsents".to_string(), link("/consents/neededConsents")),
        ("apiture:consentTypeNames".to_string(), link("/consents/consentTypeNames")),
        ("apiture:labels".to_string(), link("/consents/labels")),
        ("apiture:revisedDocuments".to_string(), link("/consents/revisedDocuments")),
        ("apiture:movedDocuments".to_string(), link("/consents/movedDocuments")),
    ]);
    let body = serde_json::json!({
        "_profile": ROOT_PROFILE,
        "_links": links,
        "_id": "consents",
        "name": "Consents",
        "apiVersion": "0.12.0",
    });
    Ok(hal(StatusCode::OK, &body))
}

/// `GET /consents/apiDoc`
#[utoipa::path(get, path = "/consents/apiDoc", tag = "API",
    description = "The OpenAPI document of this API (the sandbox's Apiture side), with the readings chosen where the seed contradicts itself.",
    security(("apiKey" = [], "accessToken" = ["banking/read"])),
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json")))]
pub async fn api_doc(headers: HeaderMap, caller: ApitureCaller) -> Result<Response, ApitureFailure> {
    authorize(&headers, &caller, SCOPE_READ)?;
    let doc = crate::openapi_apiture::ApitureDoc::openapi();
    let mut response = hal(StatusCode::OK, &doc);
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(best_language(None), "en");
        assert_eq!(best_language(Some("fr-CA,fr;q=0.9,en;q=0.8")), "fr");
        assert_eq!(best_language(Some("de-DE,es;q=0.5,en;q=0.4")), "es");
        assert_eq!(best_language(Some("en;q=0.2, es")), "es");
        assert_eq!(best_language(Some("es;q=0, fr;q=0.1")), "fr");
        assert_eq!(best_language(Some("de, *;q=0.5")), "en");
        assert_eq!(best_language(Some("de")), "en");
    }
}
