//! The list's query language, parsed once into SQL with bound values: the exact-match parameters with `|`
//! alternatives (`?state=pending|stale`), `filter=` (the seed's `eq`, `ne`, `contains`, `search`, nested in
//! `and(...)`/`or(...)`), `q`, `sortBy` (`-` descending) and `start`/`limit`.
//!
//! Malformed text is a 400 (`filter=eq(state`), well-formed but invalid a 422 (`filter=eq(color,red)`,
//! `state=archived`, `limit=0`): [`QueryError`] says which.
//!
//! Substring searches (`q`, `search()`, `contains()`) are left as [`Search`]es, a marker in the SQL each:
//! the term index answers them inside the request's transaction ([`super::terms::resolve`]).

use std::collections::BTreeSet;

use console_api::consents::ConsentState;

use super::terms::{Compare, SEARCHABLE};

/// Why a list query was refused: malformed (400) or well-formed but invalid (422).
#[derive(Debug, PartialEq, Eq)]
pub enum QueryError {
    Malformed(String),
    Invalid(String),
}

/// A property the list may be filtered on, and its column.
fn filter_column(property: &str) -> Option<&'static str> {
    Some(match property {
        "state" => "state",
        "type" => "type",
        "userId" => "user_id",
        "contextUri" => "context_uri",
        "secondaryContextUri" => "secondary_context_uri",
        _ => return None,
    })
}

/// A property the list may be sorted on, and its column.
fn sort_column(property: &str) -> Option<&'static str> {
    Some(match property {
        "type" => "type",
        "userId" => "user_id",
        "document.revisedAt" => "revised_at",
        "givenAt" => "given_at",
        _ => return None,
    })
}

pub const LIMIT_DEFAULT: u64 = 100;
/// The order of a list without `sortBy`: creation order.
pub const DEFAULT_ORDER: &str = "seq";
pub const LIMIT_MAX: u64 = 1000;

/// Every state a consent can be in (`ConsentState::KNOWN`): the table's CHECK (migration 9) allows these
/// and no other, and the column is NOT NULL, so `state NOT IN (a)` is `state IN` the others.
fn states() -> impl Iterator<Item = &'static str> {
    ConsentState::KNOWN.iter().map(ConsentState::as_str)
}

/// A `WHERE` clause (`1` when nothing filters) and the values it binds, in order; its substring searches
/// are markers until [`super::terms::resolve`] replaces them. `columns`: every column it reads, so the
/// handler can tell when one index holds all it needs.
#[derive(Debug, Default)]
pub struct Where {
    pub sql: String,
    pub values: Vec<String>,
    pub searches: Vec<Search>,
    pub columns: BTreeSet<&'static str>,
}

/// A substring search of `term` in any of `columns`, compared as `compare` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub columns: Vec<&'static str>,
    pub compare: Compare,
    pub term: String,
}

/// The text that stands for search `n` in [`Where::sql`] (no generated SQL contains `@`).
pub fn search_marker(n: usize) -> String {
    format!("@search{n}@")
}

impl Where {
    fn and(&mut self, clause: String, values: Vec<String>) {
        if !self.sql.is_empty() {
            self.sql.push_str(" AND ");
        }
        self.sql.push_str(&clause);
        self.values.extend(values);
    }

    pub fn clause(&self) -> &str {
        if self.sql.is_empty() { "1" } else { &self.sql }
    }

    /// Puts `sql` and its `values` where search `n`'s marker is. Its values go after those of the `?`s
    /// before the marker: the SQL binds nothing but `?`s, so counting them gives the place.
    pub fn replace_search(&mut self, n: usize, sql: &str, values: Vec<String>) {
        let marker = search_marker(n);
        let Some(at) = self.sql.find(&marker) else { return };
        let before = self.sql[..at].matches('?').count();
        self.sql.replace_range(at..at + marker.len(), sql);
        self.values.splice(before..before, values);
    }
}

/// Everything a list request asks, ready for SQL.
#[derive(Debug)]
pub struct ListQuery {
    pub filter: Where,
    pub order_by: String,
    pub start: u64,
    pub limit: u64,
    /// The `type` values named anywhere, for the handler to check against what exists.
    pub named_types: Vec<String>,
    /// The `state` parameter's values, when it is given.
    pub states: Option<Vec<String>>,
}

/// `state=given|stale`: the alternatives, each non-empty.
fn alternatives(name: &str, value: &str) -> Result<Vec<String>, QueryError> {
    let parts: Vec<String> = value.split('|').map(str::to_string).collect();
    if parts.iter().any(String::is_empty) {
        return Err(QueryError::Malformed(format!("{name}: '{value}' has an empty alternative: write a|b")));
    }
    Ok(parts)
}

fn check_states(values: &[String]) -> Result<(), QueryError> {
    for v in values {
        if matches!(ConsentState::from_wire(v), ConsentState::Other(_)) {
            return Err(QueryError::Invalid(format!(
                "state '{v}' is not a consent state: use pending, given, stale, rescinded or revoked"
            )));
        }
    }
    Ok(())
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Parses the list parameters (already percent-decoded) into a [`ListQuery`].
pub fn parse(params: &[(String, String)]) -> Result<ListQuery, QueryError> {
    let mut filter = Where::default();
    let mut named_types = Vec::new();
    let mut states = None;
    let mut order_by = String::from(DEFAULT_ORDER);
    let (mut start, mut limit) = (0u64, LIMIT_DEFAULT);
    let mut seen = std::collections::HashSet::new();
    for (name, value) in params {
        if !seen.insert(name.as_str()) {
            return Err(QueryError::Malformed(format!("parameter '{name}' is sent more than once: send it once")));
        }
        match name.as_str() {
            "type" | "state" | "userId" | "contextUri" | "secondaryContextUri" => {
                let values = alternatives(name, value)?;
                if name == "state" {
                    check_states(&values)?;
                    states = Some(values.clone());
                }
                if name == "type" {
                    named_types.extend(values.iter().cloned());
                }
                let column = filter_column(name).unwrap_or("id");
                filter.columns.insert(column);
                filter.and(format!("{column} IN ({})", placeholders(values.len())), values);
            }
            "filter" => {
                let mut parser = Parser { text: value, at: 0, searches: &mut filter.searches, columns: &mut filter.columns };
                let (sql, values) = parser.expression(&mut named_types)?;
                parser.skip_spaces();
                if parser.at != value.len() {
                    return Err(QueryError::Malformed(format!("filter: unexpected text at position {}: '{}'", parser.at + 1, &value[parser.at..])));
                }
                filter.and(format!("({sql})"), values);
            }
            "q" => {
                if !value.is_empty() {
                    filter.searches.push(Search { columns: SEARCHABLE.to_vec(), compare: Compare::CaseInsensitive, term: value.clone() });
                    filter.columns.extend(SEARCHABLE);
                    filter.and(search_marker(filter.searches.len() - 1), Vec::new());
                }
            }
            "sortBy" => order_by = sort_by(value)?,
            "start" => start = number(name, value)?,
            "limit" => {
                limit = number(name, value)?;
                if !(1..=LIMIT_MAX).contains(&limit) {
                    return Err(QueryError::Invalid(format!("limit is {limit}: it must be from 1 to {LIMIT_MAX}")));
                }
            }
            other => {
                return Err(QueryError::Invalid(format!(
                    "'{other}' is not a parameter of this list: use type, state, userId, contextUri, secondaryContextUri, filter, q, sortBy, start or limit"
                )))
            }
        }
    }
    Ok(ListQuery { filter, order_by, start, limit, named_types, states })
}

fn number(name: &str, value: &str) -> Result<u64, QueryError> {
    value
        .parse::<u64>()
        .map_err(|_| QueryError::Malformed(format!("{name} is '{value}': it must be a whole number, 0 or more")))
}

/// `sortBy=-givenAt,type` -> `given_at DESC, type ASC, seq`.
fn sort_by(value: &str) -> Result<String, QueryError> {
    let mut keys = Vec::new();
    let mut first_descending = None;
    for part in value.split(',') {
        let (descending, property) = match part.strip_prefix('-') {
            Some(p) => (true, p),
            None => (false, part.strip_prefix('+').unwrap_or(part)),
        };
        if property.is_empty() {
            return Err(QueryError::Malformed(format!("sortBy '{value}' has an empty field: write field1,-field2")));
        }
        let column = sort_column(property).ok_or_else(|| {
            QueryError::Invalid(format!("sortBy: '{property}' is not sortable: use type, userId, document.revisedAt or givenAt"))
        })?;
        keys.push(format!("{column} {}", if descending { "DESC" } else { "ASC" }));
        first_descending.get_or_insert(descending);
    }
    // Ties in creation order, in the first key's direction, so that one index (key, seq) serves the
    // whole ORDER BY instead of a sort of every tie.
    keys.push(if first_descending == Some(true) { "seq DESC".into() } else { "seq ASC".into() });
    Ok(keys.join(", "))
}

/// A recursive-descent parser of `filter=`; its searches and columns join the clause's.
struct Parser<'a> {
    text: &'a str,
    at: usize,
    searches: &'a mut Vec<Search>,
    columns: &'a mut BTreeSet<&'static str>,
}

impl Parser<'_> {
    fn skip_spaces(&mut self) {
        while self.text[self.at..].starts_with(' ') {
            self.at += 1;
        }
    }

    fn malformed(&self, what: &str) -> QueryError {
        QueryError::Malformed(format!("filter: {what} at position {} of '{}'", self.at + 1, self.text))
    }

    fn expect(&mut self, c: char) -> Result<(), QueryError> {
        self.skip_spaces();
        if self.text[self.at..].starts_with(c) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.malformed(&format!("expected '{c}'")))
        }
    }

    /// A name or bare value: everything up to `,`, `(` or `)`; or a double-quoted string (`\"` inside).
    fn word(&mut self) -> Result<String, QueryError> {
        self.skip_spaces();
        let rest = &self.text[self.at..];
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some((_, e)) => out.push(e),
                        None => break,
                    },
                    '"' => {
                        self.at += 1 + i + 1;
                        return Ok(out);
                    }
                    c => out.push(c),
                }
            }
            return Err(self.malformed("an unterminated quoted value"));
        }
        let end = rest.find([',', '(', ')']).unwrap_or(rest.len());
        let word = rest[..end].trim_end().to_string();
        self.at += end;
        Ok(word)
    }

    /// `f(args)`: a comparison of a property, or `and`/`or` of expressions.
    fn expression(&mut self, named_types: &mut Vec<String>) -> Result<(String, Vec<String>), QueryError> {
        let function = self.word()?;
        if function.is_empty() {
            return Err(self.malformed("expected a function such as eq(state,given)"));
        }
        self.expect('(')?;
        match function.as_str() {
            "and" | "or" => {
                let mut parts = Vec::new();
                let mut values = Vec::new();
                loop {
                    let (sql, v) = self.expression(named_types)?;
                    parts.push(format!("({sql})"));
                    values.extend(v);
                    self.skip_spaces();
                    if self.text[self.at..].starts_with(',') {
                        self.at += 1;
                        continue;
                    }
                    self.expect(')')?;
                    break;
                }
                let joiner = if function == "and" { " AND " } else { " OR " };
                Ok((parts.join(joiner), values))
            }
            "eq" | "ne" | "contains" | "search" => {
                let property = self.word()?;
                self.expect(',')?;
                let value = self.word()?;
                self.expect(')')?;
                let column = filter_column(&property).ok_or_else(|| {
                    QueryError::Invalid(format!(
                        "filter: '{property}' cannot be filtered: use state, type, userId, contextUri or secondaryContextUri"
                    ))
                })?;
                self.comparison(&function, &property, column, value, named_types)
            }
            other => Err(QueryError::Invalid(format!("filter: '{other}' is not a function: use eq, ne, contains, search, and, or"))),
        }
    }

    fn comparison(
        &mut self,
        function: &str,
        property: &str,
        column: &'static str,
        value: String,
        named_types: &mut Vec<String>,
    ) -> Result<(String, Vec<String>), QueryError> {
        self.columns.insert(column);
        match function {
            "ne" if property == "state" => {
                // The states not named, as an IN list: the state index can seek those, while a NOT IN made
                // the count fetch every consent of the other terms (measured: 9 ms of 5,000 at 100,000).
                let values = alternatives(property, &value)?;
                check_states(&values)?;
                let others: Vec<String> = states().filter(|s| !values.iter().any(|v| v == s)).map(str::to_string).collect();
                Ok((format!("{column} IN ({})", placeholders(others.len())), others))
            }
            "eq" | "ne" => {
                let values = alternatives(property, &value)?;
                if property == "state" {
                    check_states(&values)?;
                }
                if property == "type" && function == "eq" {
                    named_types.extend(values.iter().cloned());
                }
                let list = placeholders(values.len());
                let sql = if function == "eq" {
                    format!("{column} IN ({list})")
                } else {
                    // A consent without the property is not equal to any value.
                    format!("({column} IS NULL OR {column} NOT IN ({list}))")
                };
                Ok((sql, values))
            }
            // contains: case-sensitive substring; search: case-insensitive (SQLite's LIKE folds ASCII).
            _ => {
                let compare = if function == "contains" { Compare::CaseSensitive } else { Compare::CaseInsensitive };
                self.searches.push(Search { columns: vec![column], compare, term: value });
                Ok((search_marker(self.searches.len() - 1), Vec::new()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Result<ListQuery, QueryError> {
        parse(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>())
    }

    #[track_caller]
    fn malformed(pairs: &[(&str, &str)], says: &str) {
        match q(pairs) {
            Err(QueryError::Malformed(m)) => assert!(m.contains(says), "{m}"),
            other => panic!("{pairs:?}: {other:?}"),
        }
    }

    #[track_caller]
    fn invalid(pairs: &[(&str, &str)], says: &str) {
        match q(pairs) {
            Err(QueryError::Invalid(m)) => assert!(m.contains(says), "{m}"),
            other => panic!("{pairs:?}: {other:?}"),
        }
    }

    #[test]
    fn filters_become_bound_sql() {
        let l = q(&[("filter", "and(eq(type,privacyPolicy),ne(state,given|stale))")]).unwrap();
        assert_eq!(l.filter.clause(), "((type IN (?)) AND (state IN (?, ?, ?)))");
        assert_eq!(l.filter.values, ["privacyPolicy", "pending", "rescinded", "revoked"]);
        assert_eq!(l.named_types, ["privacyPolicy"]);
        assert_eq!(l.filter.columns.iter().copied().collect::<Vec<_>>(), ["state", "type"]);
        let l = q(&[("filter", "ne(type,privacyPolicy|electronicConsent)")]).unwrap();
        assert_eq!(l.filter.clause(), "((type IS NULL OR type NOT IN (?, ?)))");
        let l = q(&[("filter", r#"or(contains(contextUri,"/products/a,b"), search(userId, ALICE))"#)]).unwrap();
        assert_eq!(l.filter.clause(), "((@search0@) OR (@search1@))");
        assert!(l.filter.values.is_empty());
        assert_eq!(
            l.filter.searches,
            [
                Search { columns: vec!["context_uri"], compare: Compare::CaseSensitive, term: "/products/a,b".into() },
                Search { columns: vec!["user_id"], compare: Compare::CaseInsensitive, term: "ALICE".into() },
            ]
        );
        let l = q(&[("state", "pending|stale"), ("sortBy", "-givenAt,type"), ("start", "20"), ("limit", "10")]).unwrap();
        assert_eq!(l.filter.clause(), "state IN (?, ?)");
        assert_eq!(l.order_by, "given_at DESC, type ASC, seq DESC");
        assert_eq!(q(&[("sortBy", "type")]).unwrap().order_by, "type ASC, seq ASC");
        assert_eq!((l.start, l.limit), (20, 10));
        let l = q(&[("q", "50%_")]).unwrap();
        assert_eq!(l.filter.searches[0].term, "50%_");
        assert_eq!(l.filter.searches[0].columns, SEARCHABLE);
    }

    #[test]
    fn a_search_takes_its_place_among_the_bound_values() {
        let mut l = q(&[("state", "given"), ("filter", "and(eq(type,privacyPolicy),search(userId,bob),ne(state,stale|given|pending))")]).unwrap();
        assert_eq!(l.filter.values, ["given", "privacyPolicy", "rescinded", "revoked"]);
        l.filter.replace_search(0, "user_id IN (?, ?)", vec!["usr-bob".into(), "usr-bobby".into()]);
        assert_eq!(
            l.filter.clause(),
            "state IN (?) AND ((type IN (?)) AND (user_id IN (?, ?)) AND (state IN (?, ?)))"
        );
        assert_eq!(l.filter.values, ["given", "privacyPolicy", "usr-bob", "usr-bobby", "rescinded", "revoked"]);
        assert_eq!(l.filter.columns.iter().copied().collect::<Vec<_>>(), ["state", "type", "user_id"]);
    }

    #[test]
    fn ne_state_is_the_other_states_and_none_when_all_are_named() {
        assert_eq!(states().collect::<Vec<_>>(), ["pending", "given", "stale", "rescinded", "revoked"]);
        let l = q(&[("filter", "ne(state,pending|given|stale|rescinded|revoked)")]).unwrap();
        assert_eq!(l.filter.clause(), "(state IN ())");
        assert!(l.filter.values.is_empty());
        invalid(&[("filter", "ne(state,archived)")], "'archived' is not a consent state");
    }

    #[test]
    fn malformed_is_400_and_invalid_is_422() {
        malformed(&[("filter", "eq(state,given")], "expected ')'");
        malformed(&[("filter", "eq(state given)")], "expected ','");
        malformed(&[("filter", "eq(state,given))")], "unexpected text");
        malformed(&[("filter", r#"eq(type,"open)"#)], "unterminated");
        malformed(&[("state", "given|")], "empty alternative");
        malformed(&[("start", "-1")], "whole number");
        malformed(&[("limit", "ten")], "whole number");
        malformed(&[("sortBy", "type,,givenAt")], "empty field");
        malformed(&[("state", "given"), ("state", "stale")], "more than once");
        invalid(&[("filter", "eq(color,red)")], "'color' cannot be filtered");
        invalid(&[("filter", "gt(state,given)")], "'gt' is not a function");
        invalid(&[("filter", "eq(state,archived)")], "'archived' is not a consent state");
        invalid(&[("state", "archived")], "not a consent state");
        invalid(&[("sortBy", "createdAt")], "'createdAt' is not sortable");
        invalid(&[("limit", "0")], "from 1 to 1000");
        invalid(&[("limit", "1001")], "from 1 to 1000");
        invalid(&[("colour", "red")], "'colour' is not a parameter");
    }
}
