//! Staff: the customer directory through the gateway. The search box finds a person by name, e-mail
//! address or any id, and the customer page loads that person's ids once to ask each system on its own.

use super::{ClientError, GatewayClient, Reply};
use crate::directory::{People, Person, PersonId, SearchText};
use crate::transport::{encode_component, Method, Request, Transport};

/// Paths (axum syntax) of the directory's gateway routes.
pub mod routes {
    /// `GET ?q=`: people whose name or e-mail contains `q`, or who have it as an id ([`crate::directory::People`]).
    pub const PEOPLE: &str = "/api/people";
    /// `GET`: the person with this id in any system ([`crate::directory::Person`]).
    pub const PERSON: &str = "/api/people/{person_id}";
}

/// `/api/people?q=...` for a checked search text.
pub fn search_path(q: &SearchText) -> String {
    format!("{}?q={}", routes::PEOPLE, encode_component(q.as_str()))
}

/// `/api/people/{id}` for a checked id.
pub fn person_path(id: &PersonId) -> String {
    format!("{}/{}", routes::PEOPLE, encode_component(id.as_str()))
}

impl<T: Transport> GatewayClient<T> {
    /// People matching what the staff member typed (a part of a name or e-mail address, or a whole id);
    /// text shorter than 2 or longer than 100 characters is refused here, before anything is asked.
    pub async fn search_people(&self, q: &str, cid: Option<&str>) -> Result<Reply<People>, ClientError> {
        let q = SearchText::parse(q)?;
        self.call(Request::new(Method::Get, search_path(&q)), cid).await
    }

    /// The person who has `id` (customer number, D1 consumerId, MasCustomers customer id or Apiture
    /// userId), with their id in each system.
    pub async fn person(&self, id: &str, cid: Option<&str>) -> Result<Reply<Person>, ClientError> {
        let id = PersonId::parse(id)?;
        self.call(Request::new(Method::Get, person_path(&id)), cid).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_encode_the_search_and_take_only_checked_ids() {
        assert_eq!(search_path(&SearchText::parse(" Díaz ").unwrap()), "/api/people?q=D%C3%ADaz");
        assert_eq!(search_path(&SearchText::parse("a@b c").unwrap()), "/api/people?q=a%40b%20c");
        assert_eq!(person_path(&PersonId::parse("C-100001").unwrap()), "/api/people/C-100001");
    }
}
