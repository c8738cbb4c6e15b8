//! The demo people: one person of the bank, one id in each system.
//!
//! The bank's customer directory (served by the sandbox for these people) links a D1 consumer, a
//! MasCustomers customer and an Apiture user. The D1 histories (`demo.rs`), the consents
//! (`demo/consents.rs`) and the MasCustomers accounts are all loaded for the ids listed here, so this table
//! is the one place where "alice" is the same person everywhere. README.md ("Demo people") shows it.

/// One person in the directory. `None`: this person has nothing in that system.
#[derive(Debug, Clone, Copy)]
pub struct DemoPerson {
    /// The bank's own customer number: the directory's key.
    pub person_id: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    /// The D1 consumerId (issuer `DEMOISSUER`).
    pub d1_consumer: Option<&'static str>,
    /// The MasCustomers v4 customer id (a uuid, in org [`MAS_ORG`]).
    pub mas_customer: Option<&'static str>,
    /// The Apiture Consents userId (and the sandbox sign-in name without `usr-`).
    pub apiture_user: Option<&'static str>,
}

/// The MasCustomers organization of the demo data.
pub const MAS_ORG: &str = "telco";

pub const PEOPLE: &[DemoPerson] = &[
    DemoPerson {
        person_id: "C-100001",
        name: "Alice Martin",
        email: "alice.martin@example.com",
        d1_consumer: Some("demo-alice"),
        mas_customer: Some("a11ce000-0000-4000-8000-000000000001"),
        apiture_user: Some("usr-alice"),
    },
    DemoPerson {
        person_id: "C-100002",
        name: "Bob Nguyen",
        email: "bob.nguyen@example.com",
        d1_consumer: Some("demo-bob"),
        mas_customer: Some("b0b00000-0000-4000-8000-000000000002"),
        apiture_user: Some("usr-bob"),
    },
    DemoPerson {
        person_id: "C-100003",
        name: "Carol Díaz",
        email: "carol.diaz@example.com",
        d1_consumer: Some("demo-carol"),
        mas_customer: Some("ca201000-0000-4000-8000-000000000003"),
        apiture_user: Some("usr-carol"),
    },
    DemoPerson {
        person_id: "C-100004",
        name: "Dave Okafor",
        email: "dave.okafor@example.com",
        d1_consumer: Some("demo-dave"),
        mas_customer: Some("da7e0000-0000-4000-8000-000000000004"),
        apiture_user: None,
    },
    DemoPerson {
        person_id: "C-100005",
        name: "Erin Larsen",
        email: "erin.larsen@example.com",
        d1_consumer: Some("demo-erin"),
        mas_customer: Some("e2100000-0000-4000-8000-000000000005"),
        apiture_user: None,
    },
    DemoPerson {
        person_id: "C-100006",
        name: "Beatriz Busquets",
        email: "beatriz.busquets@example.com",
        d1_consumer: Some("demo-busy"),
        mas_customer: Some("b5e70000-0000-4000-8000-000000000006"),
        apiture_user: Some("usr-demo-0006"),
    },
    DemoPerson {
        person_id: "C-100007",
        name: "Frank Moreau",
        email: "frank.moreau@example.com",
        d1_consumer: None,
        mas_customer: Some("f2a2c000-0000-4000-8000-000000000007"),
        apiture_user: Some("usr-demo-0007"),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_is_unique_and_every_customer_id_is_a_uuid() {
        let mut seen = std::collections::HashSet::new();
        for p in PEOPLE {
            for id in [Some(p.person_id), p.d1_consumer, p.mas_customer, p.apiture_user].into_iter().flatten() {
                assert!(seen.insert(id), "{id} twice");
            }
            if let Some(id) = p.mas_customer {
                assert!(uuid::Uuid::parse_str(id).is_ok(), "{id} is not a uuid");
            }
        }
    }
}
