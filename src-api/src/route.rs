//! What a path of the console names. Each bundle matches its paths here, as plain data with unit tests,
//! and the view picks a page with a `match`: the page needs the router's URL and history, not its nested
//! route tables, which cost about 26 KB of brotli wasm in every bundle (measured, issue 8).

use crate::gateway::Role;
use crate::transport::decode_component;

/// A page of the staff console (admins and agents).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaffPath {
    /// `/`: look a consumer up.
    Home,
    /// `/consumers/{consumerId}`, with `/operations/{operationId}` when an operation's drawer is open.
    Consumer { consumer: String, operation: Option<String> },
    NotFound,
}

impl StaffPath {
    pub fn parse(path: &str) -> StaffPath {
        match segments(path).as_slice() {
            [] => StaffPath::Home,
            ["consumers", consumer] => StaffPath::Consumer { consumer: decode_component(consumer), operation: None },
            ["consumers", consumer, "operations", operation] => StaffPath::Consumer {
                consumer: decode_component(consumer),
                operation: Some(decode_component(operation)),
            },
            _ => StaffPath::NotFound,
        }
    }

    /// Which page shows: a different consumer or drawer is the same page with other data.
    pub fn area(&self) -> StaffArea {
        match self {
            StaffPath::Home => StaffArea::Home,
            StaffPath::Consumer { .. } => StaffArea::Consumer,
            StaffPath::NotFound => StaffArea::NotFound,
        }
    }

    /// The consumer id, on a consumer's page.
    pub fn consumer(&self) -> Option<&str> {
        match self {
            StaffPath::Consumer { consumer, .. } => Some(consumer),
            _ => None,
        }
    }

    /// The operation whose drawer is open.
    pub fn operation(&self) -> Option<&str> {
        match self {
            StaffPath::Consumer { operation, .. } => operation.as_deref(),
            _ => None,
        }
    }
}

/// The page component a staff path shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffArea {
    Home,
    Consumer,
    NotFound,
}

/// A page of the end user's console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustomerPath {
    /// `/me`: the documents that need the person's consent.
    Documents,
    /// `/me/documents/{consentId}`: one document to read and accept (the inbox entry's consent).
    Document { consent: String },
    /// `/me/history`: what the person has accepted, and revoking it.
    History,
    NotFound,
}

impl CustomerPath {
    pub fn parse(path: &str) -> CustomerPath {
        match segments(path).as_slice() {
            ["me"] => CustomerPath::Documents,
            ["me", "documents", consent] => CustomerPath::Document { consent: decode_component(consent) },
            ["me", "history"] => CustomerPath::History,
            _ => CustomerPath::NotFound,
        }
    }

    /// The path of a document's page.
    pub fn document(consent_id: &str) -> String {
        format!("/me/documents/{}", crate::transport::encode_component(consent_id))
    }
}

/// A page of the staff consent area, in three bundles of its own (so that the staff timeline's does not grow):
/// the consents (explorer, detail), the documents (and their campaigns), the type names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsentsPath {
    /// `/consents`: the explorer (its filters in the query).
    Explorer,
    /// `/consents/{consentId}`: one consent's detail.
    Consent(String),
    /// `/documents`: the documents in use, revise, move, rescind.
    Documents,
    /// `/documents/campaign?uri=&revisionId=`: the re-consent campaign of a revision.
    Campaign,
    /// `/consent-types`: the type names editor.
    Types,
    NotFound,
}

impl ConsentsPath {
    pub fn parse(path: &str) -> ConsentsPath {
        match segments(path).as_slice() {
            ["consents"] => ConsentsPath::Explorer,
            ["consents", id] => ConsentsPath::Consent(decode_component(id)),
            ["documents"] => ConsentsPath::Documents,
            ["documents", "campaign"] => ConsentsPath::Campaign,
            ["consent-types"] => ConsentsPath::Types,
            _ => ConsentsPath::NotFound,
        }
    }
}

/// A page of the staff customer area (its own bundle): one person across D1, MasCustomers and the
/// consents, and one of their MasCustomers accounts. `person` is the directory's person id (the bank's
/// customer number); the account is MasCustomers' uuid, checked by the page before any call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountsPath {
    /// `/customers/{personId}` (or `/customers/{personId}/accounts`): the customer page, three panels
    /// loading each on its own.
    Customer { person: String },
    /// `/customers/{personId}/accounts/{accountId}`: an account's details, payment method, billing
    /// addresses and promotions.
    Account { person: String, account: String },
    NotFound,
}

impl AccountsPath {
    pub fn parse(path: &str) -> AccountsPath {
        match segments(path).as_slice() {
            ["customers", person] => AccountsPath::Customer { person: decode_component(person) },
            // The account list's own path, as someone trims an account's URL: the customer page.
            ["customers", person, "accounts"] => AccountsPath::Customer { person: decode_component(person) },
            ["customers", person, "accounts", account] => {
                AccountsPath::Account { person: decode_component(person), account: decode_component(account) }
            }
            _ => AccountsPath::NotFound,
        }
    }

    /// The path of a person's customer page.
    pub fn customer(person_id: &str) -> String {
        format!("/customers/{}", crate::transport::encode_component(person_id))
    }

    /// The path of one of a person's accounts.
    pub fn account(person_id: &str, account_id: &str) -> String {
        format!("{}/accounts/{}", Self::customer(person_id), crate::transport::encode_component(account_id))
    }
}

/// The nine bundles of the page (`src-ui/bundles/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundle {
    Staff,
    /// The end user's start: the inbox (`/me`) and `/signed-out`.
    Customer,
    /// The end user's agreement: a document to read and accept (`/me/documents/…`). Its own bundle so
    /// that the inbox, every customer's first load, stays small.
    Agreements,
    /// What the end user accepted, with revoke (`/me/history`). Apart from [`Bundle::Agreements`]: the two
    /// pages together weighed 131 KB of brotli against the 120 KB budget of an end user's route (measured).
    History,
    /// The staff consent area's consents: the explorer and a consent's detail (`/consents…`).
    Consents,
    /// The staff consent area's documents: revise, move, rescind, and a revision's campaign
    /// (`/documents…`). Its own bundle: with the consents and the type names it weighed 202 KB of brotli
    /// against the 200 KB route budget (measured).
    Documents,
    /// The staff consent area's type names editor (`/consent-types…`), `consent_types` in `dist/`; its own
    /// bundle for the same reason as [`Bundle::Documents`].
    ConsentTypes,
    /// The staff customer page, `people` in `dist/` (named apart from [`Bundle::Customer`], the end
    /// user's): `/customers/{personId}`, `/customers/{personId}/accounts` and any other `/customers…`
    /// path but an account's.
    People,
    /// The staff account page: `/customers/{personId}/accounts/{accountId}…`. Its own bundle: with the
    /// customer page it weighed 242 KB of brotli against the 200 KB route budget (measured).
    Accounts,
}

impl Bundle {
    /// The bundle that shows `path` to someone of `role` (`None`: nobody signed in). The same rule as the
    /// generated `boot.js` (xtask/src/ui.rs), which does not know the role yet at other paths than `/`:
    /// `/me` and `/signed-out` are the end user's start, `/me/documents/…` their agreement, `/me/history`
    /// their history, `/consents…`, `/documents…` and `/consent-types…` the staff consent area's three,
    /// `/customers/{p}/accounts/{a}…` the account page's, the rest of `/customers…` the customer page's, `/` is
    /// the start of whoever it is, the rest is staff.
    /// A bundle that finds itself showing another bundle's path (a link from one role's page to the
    /// other's) loads it whole, so that `boot.js` picks the right one.
    pub fn for_path(path: &str, role: Option<Role>) -> Bundle {
        match segments(path).as_slice() {
            ["me", "documents", ..] => Bundle::Agreements,
            ["me", "history", ..] => Bundle::History,
            ["me", ..] | ["signed-out"] => Bundle::Customer,
            ["consents", ..] => Bundle::Consents,
            ["documents", ..] => Bundle::Documents,
            ["consent-types", ..] => Bundle::ConsentTypes,
            ["customers", _, "accounts", _, ..] => Bundle::Accounts,
            ["customers", ..] => Bundle::People,
            [] if role.is_none_or(|r| r == Role::Customer) => Bundle::Customer,
            _ => Bundle::Staff,
        }
    }
}

/// The path's segments, still encoded; a trailing or doubled `/` adds none.
fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_paths() {
        assert_eq!(StaffPath::parse("/"), StaffPath::Home);
        assert_eq!(StaffPath::parse(""), StaffPath::Home);
        assert_eq!(
            StaffPath::parse("/consumers/demo-busy"),
            StaffPath::Consumer { consumer: "demo-busy".into(), operation: None }
        );
        assert_eq!(
            StaffPath::parse("/consumers/demo-busy/"),
            StaffPath::Consumer { consumer: "demo-busy".into(), operation: None }
        );
        let drawer = StaffPath::parse("/consumers/a%2Fb%20c/operations/op%3F1");
        assert_eq!(drawer.consumer(), Some("a/b c"));
        assert_eq!(drawer.operation(), Some("op?1"));
        assert_eq!(drawer.area(), StaffArea::Consumer);
        for other in ["/consumers", "/consumers/x/operations", "/consumers/x/y", "/me", "/x/y/z/w/v"] {
            assert_eq!(StaffPath::parse(other), StaffPath::NotFound, "{other}");
        }
    }

    #[test]
    fn customer_paths() {
        assert_eq!(CustomerPath::parse("/me"), CustomerPath::Documents);
        assert_eq!(CustomerPath::parse("/me/"), CustomerPath::Documents);
        assert_eq!(CustomerPath::parse("/"), CustomerPath::NotFound);
        assert_eq!(CustomerPath::parse("/me/x"), CustomerPath::NotFound);
        assert_eq!(CustomerPath::parse("/me/history"), CustomerPath::History);
        assert_eq!(CustomerPath::parse("/me/documents/a%2Fb"), CustomerPath::Document { consent: "a/b".into() });
        assert_eq!(CustomerPath::parse(&CustomerPath::document("a/b")), CustomerPath::Document { consent: "a/b".into() });
        assert_eq!(CustomerPath::parse("/me/documents"), CustomerPath::NotFound);
    }

    #[test]
    fn consents_paths() {
        assert_eq!(ConsentsPath::parse("/consents"), ConsentsPath::Explorer);
        assert_eq!(ConsentsPath::parse("/consents/"), ConsentsPath::Explorer);
        assert_eq!(ConsentsPath::parse("/consents/a%2Fb"), ConsentsPath::Consent("a/b".into()));
        assert_eq!(ConsentsPath::parse("/documents"), ConsentsPath::Documents);
        assert_eq!(ConsentsPath::parse("/documents/campaign"), ConsentsPath::Campaign);
        assert_eq!(ConsentsPath::parse("/consent-types"), ConsentsPath::Types);
        for other in ["/", "/consents/a/b", "/documents/x", "/consent-types/x", "/me"] {
            assert_eq!(ConsentsPath::parse(other), ConsentsPath::NotFound, "{other}");
        }
    }

    #[test]
    fn accounts_paths() {
        assert_eq!(AccountsPath::parse("/customers/C-100006"), AccountsPath::Customer { person: "C-100006".into() });
        assert_eq!(AccountsPath::parse("/customers/C-100006/"), AccountsPath::Customer { person: "C-100006".into() });
        let account = "b5e70000-0000-4000-8000-0000000000a1";
        assert_eq!(
            AccountsPath::parse(&format!("/customers/C-100006/accounts/{account}")),
            AccountsPath::Account { person: "C-100006".into(), account: account.into() }
        );
        assert_eq!(AccountsPath::parse(&AccountsPath::customer("a/b c")), AccountsPath::Customer { person: "a/b c".into() });
        assert_eq!(
            AccountsPath::parse(&AccountsPath::account("p?1", "x/y")),
            AccountsPath::Account { person: "p?1".into(), account: "x/y".into() }
        );
        // A trimmed account URL opens the customer page.
        assert_eq!(AccountsPath::parse("/customers/C-100006/accounts"), AccountsPath::Customer { person: "C-100006".into() });
        assert_eq!(AccountsPath::parse("/customers/a%2Fb/accounts/"), AccountsPath::Customer { person: "a/b".into() });
        for other in ["/customers", "/customers/x/y", "/customers/x/y/z", "/customers/x/accounts/y/z", "/"] {
            assert_eq!(AccountsPath::parse(other), AccountsPath::NotFound, "{other}");
        }
    }

    #[test]
    fn each_path_belongs_to_one_bundle_as_boot_js_says() {
        for (path, role, bundle) in [
            ("/me", Some(Role::Customer), Bundle::Customer),
            ("/me", Some(Role::Admin), Bundle::Customer),
            ("/me/", Some(Role::Customer), Bundle::Customer),
            ("/me/documents/x", None, Bundle::Agreements),
            ("/me/history", Some(Role::Customer), Bundle::History),
            ("/me/history/", Some(Role::Customer), Bundle::History),
            ("/me/historyx", Some(Role::Customer), Bundle::Customer),
            ("/me/x", Some(Role::Customer), Bundle::Customer),
            ("/signed-out", None, Bundle::Customer),
            ("/", None, Bundle::Customer),
            ("/", Some(Role::Customer), Bundle::Customer),
            ("/", Some(Role::Agent), Bundle::Staff),
            ("/consumers/x", Some(Role::Customer), Bundle::Staff),
            ("/mexico", None, Bundle::Staff),
            ("/consents", Some(Role::Agent), Bundle::Consents),
            ("/consents/c-1", None, Bundle::Consents),
            ("/documents", Some(Role::Agent), Bundle::Documents),
            ("/documents/campaign", Some(Role::Admin), Bundle::Documents),
            ("/consent-types/", Some(Role::Admin), Bundle::ConsentTypes),
            ("/consent-typesx", Some(Role::Admin), Bundle::Staff),
            ("/consentsx", Some(Role::Admin), Bundle::Staff),
            ("/consumers/consents", Some(Role::Admin), Bundle::Staff),
            ("/customers/C-100001", Some(Role::Agent), Bundle::People),
            ("/customers/C-100001/accounts/a", None, Bundle::Accounts),
            ("/customers/C-100001/accounts/a/x", None, Bundle::Accounts),
            ("/customers/C-100001/accounts", Some(Role::Admin), Bundle::People),
            ("/customers/C-100001/accounts/", Some(Role::Admin), Bundle::People),
            ("/customers/C-100001/accountsx", Some(Role::Admin), Bundle::People),
            ("/customers", Some(Role::Customer), Bundle::People),
            ("/customersx", Some(Role::Admin), Bundle::Staff),
            ("/consumers/customers", Some(Role::Admin), Bundle::Staff),
        ] {
            assert_eq!(Bundle::for_path(path, role.clone()), bundle, "{path} for {role:?}");
        }
    }

    #[test]
    fn segments_decode_once_and_keep_what_is_not_an_escape() {
        assert_eq!(decode_component("a%2Fb"), "a/b");
        assert_eq!(decode_component("100%"), "100%");
        assert_eq!(decode_component("%zz%4"), "%zz%4");
        assert_eq!(decode_component("%C3%A9t%C3%A9"), "été");
        assert_eq!(decode_component("%252F"), "%2F");
        assert_eq!(decode_component("%FF"), "\u{FFFD}");
    }
}
