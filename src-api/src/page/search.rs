//! The staff search box's one decision: where "Open" goes for what was typed and whom the directory
//! found. Staff type three kinds of things: a name or e-mail address (they want that person's customer
//! page), a D1 consumerId (they want its timeline, as the box always did: muscle memory and bookmarks of
//! support scripts), or another id (the customer page). So a D1 consumerId typed exactly still opens the
//! timeline, and the list under the box offers the person's customer page beside it; anything else opens
//! the one person it names, or asks to choose among several.

use crate::directory::Person;
use crate::validate::CONSUMER_ID;

/// Where "Open" goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchTarget {
    /// `/consumers/{id}`: the D1 timeline.
    Timeline(String),
    /// `/customers/{personId}`: the customer page.
    Customer(String),
    /// Several people match: the list shows them, the message says to choose.
    Choose(String),
    /// Nothing to open, and why.
    Nothing(String),
}

/// `people`: the directory's answer for `typed`, or `None` when it could not be asked (unreachable, or
/// the text is not a search: shorter than 2 characters).
pub fn search_target(typed: &str, people: Option<&[Person]>) -> SearchTarget {
    let typed = typed.trim();
    let consumer_id = CONSUMER_ID.check(typed);
    let people = people.unwrap_or_default();
    if people.iter().any(|p| p.d1_consumer_id.as_deref() == Some(typed)) {
        return SearchTarget::Timeline(typed.to_string());
    }
    match people {
        [one] => SearchTarget::Customer(one.person_id.clone()),
        [] => match consumer_id {
            // The directory may not know every D1 consumer (test consumers, people not yet linked).
            Ok(()) => SearchTarget::Timeline(typed.to_string()),
            Err(e) => SearchTarget::Nothing(format!(
                "No one matches \"{typed}\": type part of a name or e-mail address, or a whole id. As a D1 consumer ID: {}",
                e.message
            )),
        },
        many => SearchTarget::Choose(format!("{} people match: choose one below, or type more of the name", many.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str, name: &str, d1: Option<&str>) -> Person {
        Person {
            person_id: id.into(),
            name: name.into(),
            email: format!("{}@example.com", name.to_lowercase()),
            d1_consumer_id: d1.map(str::to_string),
            mas_customer_id: None,
            apiture_user_id: None,
        }
    }

    #[test]
    fn a_d1_consumer_id_typed_exactly_opens_its_timeline_as_before() {
        let busy = [person("C-100006", "Beatriz", Some("demo-busy"))];
        assert_eq!(search_target(" demo-busy ", Some(&busy)), SearchTarget::Timeline("demo-busy".into()));
        assert_eq!(search_target("demo-unlisted", Some(&[])), SearchTarget::Timeline("demo-unlisted".into()));
        assert_eq!(search_target("demo-busy", None), SearchTarget::Timeline("demo-busy".into()), "directory down");
    }

    #[test]
    fn a_name_or_another_id_opens_the_one_person_it_names() {
        let beatriz = [person("C-100006", "Beatriz", Some("demo-busy"))];
        assert_eq!(search_target("beatriz", Some(&beatriz)), SearchTarget::Customer("C-100006".into()));
        assert_eq!(search_target("C-100006", Some(&beatriz)), SearchTarget::Customer("C-100006".into()));
        let no_d1 = [person("C-100007", "Frank", None)];
        assert_eq!(search_target("frank", Some(&no_d1)), SearchTarget::Customer("C-100007".into()));
    }

    #[test]
    fn several_people_ask_to_choose_and_nothing_says_why() {
        let two = [person("C-1", "Ann", None), person("C-2", "Anna", None)];
        assert!(matches!(search_target("ann", Some(&two)), SearchTarget::Choose(m) if m.starts_with("2 people")));
        let SearchTarget::Nothing(why) = search_target("bad id!", Some(&[])) else { panic!("nothing to open") };
        assert!(why.contains("No one matches") && why.contains("a space is not allowed"), "{why}");
    }
}
