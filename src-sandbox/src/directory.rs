//! The bank's customer directory for the demo people (`/directory/v1`), from [`crate::demo::people`]:
//! who is who across D1, MasCustomers and Apiture. A bank points the console at its own directory; this
//! one answers the same two questions with the same shapes ([`console_api::directory`]).
//!
//! * `GET /directory/v1/people?q=TEXT`: people whose name or e-mail address contains the text (ignoring
//!   case and accents: "diaz" finds "Díaz"), or who have it as an id, exactly; at most 20, best first.
//! * `GET /directory/v1/people/{anyId}`: the person with that id in any system, or 404.
//!
//! Both need an access token of the sandbox's authorization server with the scope `directory:read`
//! (client_credentials of `console-directory`): 401 without a valid one, 403 without the scope.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::Json;
use console_api::directory::{People, Person, PersonId, SearchText, SEARCH_MAX_RESULTS};

use crate::auth::bearer::{require_scope, ApitureCaller, ApitureFailure};
use crate::auth::SCOPE_DIRECTORY_READ;
use crate::demo::people::{DemoPerson, PEOPLE};

#[utoipa::path(get, path = "/directory/v1/people", tag = "Customer directory",
    description = "People whose name or e-mail address contains q (case and accents ignored), or who have q as an id (customer number, D1 consumerId, MasCustomers customer id, Apiture userId) exactly; at most 20, ids first, then names that start with q, then by name.",
    params(("q" = String, Query, description = "2 to 100 characters once trimmed")),
    responses(
        (status = 200, description = "The people found (maybe none)", body = crate::openapi_apiture::DirectoryPeople),
        (status = 400, description = "q missing, shorter than 2 or longer than 100 characters", body = crate::openapi_apiture::ErrorResponse),
        (status = 401, description = "No valid access token", body = crate::openapi_apiture::ErrorResponse),
        (status = 403, description = "The token lacks directory:read", body = crate::openapi_apiture::ErrorResponse),
    ),
    security(("accessToken" = ["directory:read"])))]
pub async fn search(caller: ApitureCaller, RawQuery(query): RawQuery) -> Result<Json<People>, ApitureFailure> {
    require_scope(&caller, SCOPE_DIRECTORY_READ)?;
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(query.unwrap_or_default().as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    if let Some((name, _)) = pairs.iter().find(|(k, _)| k != "q") {
        let name = console_api::validate::shown(name);
        return Err(bad_request("invalidQuery", format!("'{name}' is not a parameter of this search: use only q")));
    }
    let q = pairs.iter().find(|(k, _)| k == "q").map(|(_, v)| v.as_str()).unwrap_or_default();
    let q = SearchText::parse(q).map_err(|e| bad_request("invalidQuery", e.to_string()))?;
    Ok(Json(People { people: find(&q) }))
}

#[utoipa::path(get, path = "/directory/v1/people/{personId}", tag = "Customer directory",
    description = "The person who has this id in any system (customer number, D1 consumerId, MasCustomers customer id, Apiture userId).",
    params(("personId" = String, Path, description = "Any one id of the person: [A-Za-z0-9_-]{1,64}")),
    responses(
        (status = 200, description = "The person and their id in each system (null where they have none)", body = crate::openapi_apiture::DirectoryPerson),
        (status = 400, description = "Not an id", body = crate::openapi_apiture::ErrorResponse),
        (status = 401, description = "No valid access token", body = crate::openapi_apiture::ErrorResponse),
        (status = 403, description = "The token lacks directory:read", body = crate::openapi_apiture::ErrorResponse),
        (status = 404, description = "Nobody has this id", body = crate::openapi_apiture::ErrorResponse),
    ),
    security(("accessToken" = ["directory:read"])))]
pub async fn person(caller: ApitureCaller, id: Result<Path<String>, PathRejection>) -> Result<Json<Person>, ApitureFailure> {
    require_scope(&caller, SCOPE_DIRECTORY_READ)?;
    let Path(raw) = id.map_err(|e| bad_request("invalidPersonId", format!("the id is not readable: {e}")))?;
    let id = PersonId::parse(&raw).map_err(|e| bad_request("invalidPersonId", e.to_string()))?;
    PEOPLE.iter().map(person_of).find(|p| p.has_id(id.as_str())).map(Json).ok_or_else(|| {
        ApitureFailure::new(
            StatusCode::NOT_FOUND,
            "personNotFound",
            format!("Nobody in the directory has the id '{}'.", id.as_str()),
            "Check the id, or search by name or e-mail address.",
        )
    })
}

fn bad_request(type_: &'static str, message: String) -> ApitureFailure {
    ApitureFailure::new(StatusCode::BAD_REQUEST, type_, message, "Search with 2 to 100 characters of a name or an e-mail address, or a whole id.")
}

pub fn person_of(p: &DemoPerson) -> Person {
    Person {
        person_id: p.person_id.into(),
        name: p.name.into(),
        email: p.email.into(),
        d1_consumer_id: p.d1_consumer.map(str::to_string),
        mas_customer_id: p.mas_customer.map(str::to_string),
        apiture_user_id: p.apiture_user.map(str::to_string),
    }
}

/// How well a person matches: lower is better; `None`, not at all.
fn rank(person: &Person, q: &SearchText, folded_q: &str) -> Option<u8> {
    if person.has_id(q.as_str()) {
        return Some(0);
    }
    let name = fold(&person.name);
    if name.starts_with(folded_q) || name.split(' ').any(|word| word.starts_with(folded_q)) {
        return Some(1);
    }
    (name.contains(folded_q) || fold(&person.email).contains(folded_q)).then_some(2)
}

/// The people matching `q`, best first, then by name; at most [`SEARCH_MAX_RESULTS`].
pub fn find(q: &SearchText) -> Vec<Person> {
    let folded = fold(q.as_str());
    let mut found: Vec<(u8, Person)> =
        PEOPLE.iter().map(person_of).filter_map(|p| rank(&p, q, &folded).map(|r| (r, p))).collect();
    found.sort_by(|(ra, a), (rb, b)| ra.cmp(rb).then_with(|| fold(&a.name).cmp(&fold(&b.name))));
    found.into_iter().take(SEARCH_MAX_RESULTS).map(|(_, p)| p).collect()
}

/// Lower case without the accents of Latin letters ("Díaz" -> "diaz", "Ærø" -> "aero"), so that a search
/// typed without them still finds the name. The demo people are in Latin script; a bank's own directory
/// folds with its own collation.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            c => out.push(base_letter(c)),
        }
    }
    out
}

fn base_letter(c: char) -> char {
    match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ł' | 'ľ' | 'ĺ' | 'ļ' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ř' | 'ŗ' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' => 's',
        'ţ' | 'ť' => 't',
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(q: &str) -> Vec<String> {
        find(&SearchText::parse(q).unwrap()).into_iter().map(|p| p.name).collect()
    }

    #[test]
    fn folding_ignores_case_and_accents() {
        assert_eq!(fold("Carol Díaz"), "carol diaz");
        assert_eq!(fold("ÆRØ Straße"), "aero strasse");
        assert_eq!(names("DIAZ"), ["Carol Díaz"]);
        assert_eq!(names("díaz"), ["Carol Díaz"]);
    }

    #[test]
    fn ids_match_exactly_and_come_first() {
        assert_eq!(names("demo-busy"), ["Beatriz Busquets"]);
        assert_eq!(names("a11ce000-0000-4000-8000-000000000001"), ["Alice Martin"]);
        assert!(names("demo-bus").is_empty(), "an id is not searched by part");
        assert!(names("C-10000").is_empty());
    }

    #[test]
    fn a_name_starting_with_the_text_ranks_before_one_containing_it_then_by_name() {
        let alice = person_of(&PEOPLE[0]);
        let rank_of = |q: &str| rank(&alice, &SearchText::parse(q).unwrap(), &fold(q));
        assert_eq!(rank_of("C-100001"), Some(0));
        assert_eq!(rank_of("mart"), Some(1), "a word of the name starts with it");
        assert_eq!(rank_of("artin"), Some(2));
        assert_eq!(rank_of("alice.martin@"), Some(2), "the e-mail address");
        assert_eq!(rank_of("bob"), None);
        assert_eq!(names("ar"), ["Alice Martin", "Carol Díaz", "Erin Larsen"]);
        assert_eq!(names("example.com").len(), PEOPLE.len(), "every e-mail address");
    }
}
