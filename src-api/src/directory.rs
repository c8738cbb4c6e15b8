//! The bank's customer directory: who is who across the three systems. One person of the bank has a
//! customer number (`person_id`) and, when they have one there, a D1 consumerId, a MasCustomers customer
//! id and an Apiture userId. The console asks the directory (the sandbox serves one for the demo people; a
//! bank points the console at its own) and never guesses a link between ids.
//!
//! * [`Person`] and [`People`]: the answers of `GET /directory/v1/people/{anyId}` and
//!   `GET /directory/v1/people?q=`, also what the gateway's `/api/people` routes send to the page.
//! * [`SearchText`] and [`PersonId`]: `q` and an id, checked once at the edge (page, gateway, sandbox).
//! * [`DirectoryClient`]: the typed client over a [`Transport`] whose base is `.../directory/v1`.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::transport::{encode_component, Method, Request, Transport, TransportError};
use crate::validate::{self, CharRule, ValidationError};

/// A search needs at least this many characters (after trimming).
pub const SEARCH_MIN_CHARS: usize = 2;
/// And at most this many.
pub const SEARCH_MAX_CHARS: usize = 100;
/// A search answers at most this many people, best first.
pub const SEARCH_MAX_RESULTS: usize = 20;

/// One person and their id in each system; an id is `null` when the person has nothing in that system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// The bank's own customer number (`C-100001`): the directory's key.
    pub person_id: String,
    pub name: String,
    pub email: String,
    pub d1_consumer_id: Option<String>,
    pub mas_customer_id: Option<String>,
    pub apiture_user_id: Option<String>,
}

impl Person {
    /// Whether `id` is one of this person's ids (exactly: ids are not searched by part).
    pub fn has_id(&self, id: &str) -> bool {
        self.person_id == id
            || [&self.d1_consumer_id, &self.mas_customer_id, &self.apiture_user_id].into_iter().any(|i| i.as_deref() == Some(id))
    }
}

/// A search's answer: at most [`SEARCH_MAX_RESULTS`] people.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct People {
    pub people: Vec<Person>,
}

/// What a search looks for: a part of a name or e-mail address, or any one id exactly. Trimmed; 2 to 100
/// characters, none of them a control character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchText(String);

impl SearchText {
    pub fn parse(q: &str) -> Result<SearchText, ValidationError> {
        let fail = |message: String| Err(ValidationError { field: "q", message });
        let text = q.trim();
        let chars = text.chars().count();
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            return fail(format!("the control character U+{:04X} is not allowed: type a name, an e-mail address or an id", c as u32));
        }
        if chars < SEARCH_MIN_CHARS {
            return fail(format!(
                "type at least {SEARCH_MIN_CHARS} characters of a name or an e-mail address, or a whole id (customer number, D1 consumer, MasCustomers customer or Apiture user)"
            ));
        }
        if chars > SEARCH_MAX_CHARS {
            return fail(format!("has {chars} characters: search with at most {SEARCH_MAX_CHARS}"));
        }
        Ok(SearchText(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Any one of a person's ids (customer number, D1 consumerId, MasCustomers uuid, Apiture userId): the
/// characters all of them use, safe in a path segment.
pub const PERSON_ID: CharRule = validate::id_rule("personId");

/// A checked [`PERSON_ID`]: only [`PersonId::parse`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonId(String);

impl PersonId {
    pub fn parse(id: &str) -> Result<PersonId, ValidationError> {
        PERSON_ID.check(id)?;
        Ok(PersonId(id.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The scope a directory token must carry.
pub const DIRECTORY_READ_SCOPE: &str = "directory:read";

/// Why a directory call failed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DirectoryError {
    /// Refused before sending.
    #[error("invalid input: {0}")]
    Invalid(#[from] ValidationError),
    #[error("{0}")]
    Transport(#[from] TransportError),
    /// No person has that id.
    #[error("the directory knows no person with that id")]
    NotFound,
    /// The directory refused the console's token (401/403): operators must act.
    #[error("the directory refused the console's credentials ({status})")]
    Unauthenticated { status: u16, message: Option<String> },
    /// Any other error status; `message` is the directory's own text, for the server's log.
    #[error("the directory answered {status}")]
    Status { status: u16, message: Option<String> },
    #[error("unexpected answer from the directory: {0}")]
    Decode(String),
}

/// The directory's routes, relative to its base (`https://directory.bank.example/directory/v1`).
pub mod paths {
    pub const PEOPLE: &str = "/people";
    pub const PERSON: &str = "/people/{person_id}";
}

/// The bank's directory over any [`Transport`] whose base is `.../directory/v1` (the transport adds the
/// bearer token).
#[derive(Clone, Debug)]
pub struct DirectoryClient<T> {
    transport: T,
}

impl<T: Transport> DirectoryClient<T> {
    pub fn new(transport: T) -> Self {
        DirectoryClient { transport }
    }

    /// People whose name or e-mail address contains the text, or who have it as an id.
    pub async fn search(&self, q: &SearchText, cid: &str) -> Result<People, DirectoryError> {
        let path = format!("{}?q={}", paths::PEOPLE, encode_component(q.as_str()));
        self.get(path, cid).await
    }

    /// The person who has this id in any system.
    pub async fn person(&self, id: &PersonId, cid: &str) -> Result<Person, DirectoryError> {
        self.get(format!("{}/{}", paths::PEOPLE, encode_component(id.as_str())), cid).await
    }

    async fn get<V: serde::de::DeserializeOwned>(&self, path: String, cid: &str) -> Result<V, DirectoryError> {
        validate::CORRELATION_ID.check(cid)?;
        let request = Request::new(Method::Get, path).header("x-correlation-id", cid).header("accept", "application/json");
        let response = self.transport.send(request).await?;
        let message = || error_message(&response.body);
        match response.status {
            200..=299 => serde_json::from_slice(&response.body).map_err(|e| DirectoryError::Decode(e.to_string())),
            404 => Err(DirectoryError::NotFound),
            status @ (401 | 403) => Err(DirectoryError::Unauthenticated { status, message: message() }),
            status => Err(DirectoryError::Status { status, message: message() }),
        }
    }
}

/// The directory's own words from an error body: an Apiture-style `{"_error": {"message"}}` (the
/// sandbox's) or a plain `{"error": "..."}`.
fn error_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = value.pointer("/_error/message").or_else(|| value.get("error")).and_then(|m| m.as_str())?;
    Some(text.chars().take(500).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn refuses(q: &str, says: &str) {
        let e = SearchText::parse(q).unwrap_err();
        assert!(e.field == "q" && e.message.contains(says), "{q:?}: {e}");
    }

    #[test]
    fn a_search_is_2_to_100_characters_once_trimmed() {
        assert_eq!(SearchText::parse("  al ").unwrap().as_str(), "al");
        assert_eq!(SearchText::parse("Dí").unwrap().as_str(), "Dí", "characters, not bytes");
        assert!(SearchText::parse(&"é".repeat(100)).is_ok());
        refuses(" a ", "at least 2");
        refuses("", "at least 2");
        refuses(&"x".repeat(101), "has 101 characters");
        refuses("al\u{0}ice", "U+0000");
    }

    #[test]
    fn person_ids_are_path_safe_ids_of_any_system() {
        for fine in ["C-100001", "demo-alice", "a11ce000-0000-4000-8000-000000000001", "usr-alice"] {
            assert_eq!(PersonId::parse(fine).unwrap().as_str(), fine);
        }
        for bad in ["", "a/b", "../x", "a b", "x?y"] {
            assert_eq!(PersonId::parse(bad).unwrap_err().field, "personId", "{bad:?}");
        }
    }

    #[test]
    fn a_person_is_found_by_any_of_its_ids_exactly() {
        let p = Person {
            person_id: "C-100004".into(),
            name: "Dave Okafor".into(),
            email: "dave.okafor@example.com".into(),
            d1_consumer_id: Some("demo-dave".into()),
            mas_customer_id: None,
            apiture_user_id: None,
        };
        assert!(p.has_id("C-100004") && p.has_id("demo-dave"));
        assert!(!p.has_id("demo-dav") && !p.has_id(""));
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["mas_customer_id"], serde_json::Value::Null, "absent ids are null, not left out");
    }

    #[test]
    fn the_directorys_own_words_are_kept_from_either_error_shape() {
        assert_eq!(error_message(br#"{"_error":{"message":"no scope"}}"#).as_deref(), Some("no scope"));
        assert_eq!(error_message(br#"{"error":"down"}"#).as_deref(), Some("down"));
        assert_eq!(error_message(b"<html>"), None);
    }
}
