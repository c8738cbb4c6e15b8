//! MasCustomers demo data: for every person of [`super::people::PEOPLE`] with a MasCustomers customer, one
//! to three accounts of both modalities in org [`MAS_ORG`], with ACTIVE, SCHEDULED and ended promotions
//! (and their history) and a billing address history over two years. Beatriz Busquets' first account has
//! [`BUSY_PROMOTIONS`] promotions and [`BUSY_ADDRESS_CHANGES`] billing addresses: the account page's
//! benchmark.
//!
//! Written out rather than random, so that README.md ("Demo people") can say what each person has; ids
//! are fixed (a customer's account ids start with the customer id's first group), dates relative to
//! today, so that ACTIVE stays active whatever the day.

use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use console_api::mas::{BillingAddress, Modality, PatchAccountPaymentMethod, PromotionAction, TokenizedCard};
use rusqlite::Transaction;

use super::people::{DemoPerson, MAS_ORG, PEOPLE};
use crate::error::SandboxError;
use crate::mas::store::{self, AccountRow, CardRow, NewHistory, PromotionRow};

/// Beatriz Busquets' first account: this many promotions and billing addresses.
pub const BUSY_PROMOTIONS: usize = 50;
pub const BUSY_ADDRESS_CHANGES: usize = 200;

/// The promotion catalogue: code, name, description.
const CATALOGUE: &[(&str, &str, &str)] = &[
    ("PROMO-5GB", "5 GB extra data", "5 GB more data every month"),
    ("PROMO-HALF", "Half price", "50% off the monthly fee"),
    ("PROMO-ROAM", "EU roaming included", "Roam in the EU at home prices"),
    ("PROMO-FIBRE", "Fibre speed upgrade", "1 Gb/s for the price of 600 Mb/s"),
    ("PROMO-TV", "TV pack", "The sports TV pack at no cost"),
    ("PROMO-LOYAL", "Loyalty discount", "10% off for loyal customers"),
    ("PROMO-SUMMER", "Summer data boost", "Unlimited data in July and August"),
    ("PROMO-WELCOME", "Welcome bonus", "First month free"),
];

/// A promotion of the plan, days relative to today: start, last day (None: until cancelled), cancellation.
struct Promo(usize, i64, Option<i64>, Option<i64>);

/// How an account pays.
enum Pays {
    /// A direct debit from an IBAN of this country and national account number.
    Debit(&'static str, &'static str),
    /// The customer's card number `n` (0 or 1).
    Card(usize),
}

/// One demo account.
struct Plan {
    modality: Modality,
    pays: Pays,
    /// Days ago it was opened.
    opened: i64,
    /// How many billing addresses it has had (0: none).
    addresses: usize,
    promotions: Vec<Promo>,
}

/// Where a person's addresses are: streets, then (city, postal code, region) in turn, and the country.
struct Place {
    streets: &'static [&'static str],
    cities: &'static [(&'static str, &'static str, Option<&'static str>)],
    country: &'static str,
}

fn place(person: &DemoPerson) -> Place {
    match person.person_id {
        "C-100001" => Place {
            streets: &["Calle Mayor", "Calle de Alcalá", "Paseo del Prado"],
            cities: &[("Madrid", "28013", Some("Madrid")), ("Alcalá de Henares", "28801", Some("Madrid"))],
            country: "ES",
        },
        "C-100002" => Place {
            streets: &["Rue de la République", "Quai Saint-Antoine"],
            cities: &[("Lyon", "69002", None), ("Villeurbanne", "69100", None)],
            country: "FR",
        },
        "C-100003" => Place {
            streets: &["Calle Sierpes", "Avenida de la Constitución"],
            cities: &[("Sevilla", "41004", Some("Andalucía")), ("Dos Hermanas", "41701", Some("Andalucía"))],
            country: "ES",
        },
        "C-100004" => Place {
            streets: &["Baker Street", "Camden Road"],
            cities: &[("London", "NW1 6XE", None), ("Reading", "RG1 1AA", Some("Berkshire"))],
            country: "GB",
        },
        "C-100005" => Place {
            streets: &["Karl Johans gate", "Bogstadveien"],
            cities: &[("Oslo", "0154", None), ("Bærum", "1337", None)],
            country: "NO",
        },
        "C-100006" => Place {
            streets: &["Carrer de Balmes", "Passeig de Gràcia", "Carrer de Sants", "Rambla de Catalunya"],
            cities: &[
                ("Barcelona", "08008", Some("Catalunya")),
                ("Sabadell", "08201", Some("Catalunya")),
                ("Girona", "17001", Some("Catalunya")),
            ],
            country: "ES",
        },
        _ => Place {
            streets: &["Rue de Rivoli", "Boulevard Voltaire"],
            cities: &[("Paris", "75001", None), ("Montreuil", "93100", None)],
            country: "FR",
        },
    }
}

/// Each person's accounts, by person id.
fn plans(person: &DemoPerson) -> Vec<Plan> {
    let p = |modality, pays, opened, addresses, promotions| Plan { modality, pays, opened, addresses, promotions };
    use Modality::{Postpaid, RecurringPrepaid};
    match person.person_id {
        // Alice: a postpaid line with one of each status, a prepaid one whose promotions have all ended
        // (deletable), and room for one more prepaid account.
        "C-100001" => vec![
            p(Postpaid, Pays::Debit("ES", "21000418450200051332"), 730, 5, vec![
                Promo(0, -30, Some(60), None),
                Promo(6, 12, Some(70), None),
                Promo(7, -700, Some(-670), None),
                Promo(1, -400, Some(-200), Some(-300)),
            ]),
            p(RecurringPrepaid, Pays::Card(0), 365, 2, vec![Promo(2, -200, Some(-20), None)]),
        ],
        // Bob: one postpaid account, an open-ended promotion, a scheduled one, one cancelled early.
        "C-100002" => vec![p(Postpaid, Pays::Debit("FR", "20041010050500013M02606"), 700, 3, vec![
            Promo(5, -120, None, None),
            Promo(3, 5, Some(95), None),
            Promo(4, -90, Some(90), Some(-10)),
        ])],
        // Carol: three accounts, the most allowed (a create is 409 ACCOUNT_LIMIT_REACHED).
        "C-100003" => vec![
            p(Postpaid, Pays::Debit("ES", "00810200250001234567"), 720, 4, vec![Promo(0, -10, Some(20), None)]),
            p(RecurringPrepaid, Pays::Card(0), 500, 2, vec![Promo(7, 3, Some(33), None)]),
            p(RecurringPrepaid, Pays::Card(1), 90, 1, vec![]),
        ],
        // Dave: one prepaid account with a scheduled promotion only.
        "C-100004" => vec![p(RecurringPrepaid, Pays::Card(0), 600, 3, vec![Promo(6, 30, Some(90), None)])],
        // Erin: one of each modality.
        "C-100005" => vec![
            p(RecurringPrepaid, Pays::Card(0), 710, 3, vec![Promo(2, -60, Some(30), None)]),
            p(Postpaid, Pays::Debit("NO", "86011117947"), 300, 2, vec![Promo(1, -250, Some(-160), None)]),
        ],
        // Beatriz: the benchmark account (see busy_promotions), and a prepaid one.
        "C-100006" => vec![
            p(Postpaid, Pays::Debit("ES", "20385778983000760236"), 730, BUSY_ADDRESS_CHANGES, busy_promotions()),
            p(RecurringPrepaid, Pays::Card(0), 200, 1, vec![Promo(0, -15, Some(15), None)]),
        ],
        // Frank and anyone added later: one prepaid account, no promotion, no address.
        _ => vec![p(RecurringPrepaid, Pays::Card(0), 400, 0, vec![])],
    }
}

/// Fifty promotions over two years, one starting every 15 days, 60 to 150 days long: most ended, some
/// ACTIVE, the last ones SCHEDULED; every seventh cancelled ten days after its start, every eleventh open.
fn busy_promotions() -> Vec<Promo> {
    (0..BUSY_PROMOTIONS as i64)
        .map(|i| {
            let start = -700 + i * 15;
            let end = (i % 11 != 5).then_some(start + 59 + (i % 4) * 30);
            let cancellation = (i % 7 == 3).then_some(start + 10);
            Promo(i as usize % CATALOGUE.len(), start, end, cancellation)
        })
        .collect()
}

/// An IBAN of `country` for the national account number `bban`, with its mod-97 check digits.
pub fn iban(country: &str, bban: &str) -> String {
    let digits: String = format!("{bban}{country}00")
        .chars()
        .map(|c| c.to_digit(36).map_or_else(String::new, |d| d.to_string()))
        .collect();
    let remainder = digits.bytes().fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
    format!("{country}{:02}{bban}", 98 - remainder)
}

/// A fixed uuid: the customer id's first group, a kind, and a number.
fn id(customer_id: &str, kind: u16, variant: &str, n: usize) -> String {
    format!("{}-{kind:04x}-4000-{variant}-{n:012x}", &customer_id[..8])
}

fn day(today: NaiveDate, offset: i64) -> NaiveDate {
    if offset >= 0 {
        today.checked_add_days(Days::new(offset as u64)).unwrap_or(today)
    } else {
        today.checked_sub_days(Days::new(offset.unsigned_abs())).unwrap_or(today)
    }
}

/// What was loaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MasLoaded {
    pub customers: usize,
    pub accounts: usize,
    pub promotions: usize,
    pub addresses: usize,
}

/// Wipes MasCustomers' rows and loads the demo data relative to `now`.
pub fn load(tx: &Transaction<'_>, now: DateTime<Utc>) -> Result<MasLoaded, SandboxError> {
    store::wipe(tx)?;
    let mut loaded = MasLoaded::default();
    let today = now.date_naive();
    for person in PEOPLE {
        let Some(customer_id) = person.mas_customer else { continue };
        store::insert_customer(tx, MAS_ORG, customer_id)?;
        loaded.customers += 1;
        let cards: Vec<TokenizedCard> = (0..2)
            .map(|n| TokenizedCard {
                token_id: id(customer_id, 0xcafe, "b000", n),
                brand: if n == 0 { "VISA" } else { "MASTERCARD" }.into(),
                last_four: format!("{:04}", 4242 + 1111 * n + loaded.customers),
                expiry: format!("{:02}/{}", 3 + n * 5, 28 + n),
            })
            .collect();
        for card in &cards {
            let ready_ms = (now - Duration::days(800)).timestamp_millis();
            store::insert_card(tx, &CardRow { org_id: MAS_ORG.into(), customer_id: customer_id.into(), card: card.clone(), ready_ms })?;
        }
        for (n, plan) in plans(person).into_iter().enumerate() {
            let account_id = id(customer_id, 0xacc1 + n as u16, "8000", loaded.customers);
            let opened = now - Duration::days(plan.opened);
            let payment = match plan.pays {
                Pays::Debit(country, bban) => PatchAccountPaymentMethod::direct_debit(&iban(country, bban)),
                Pays::Card(k) => PatchAccountPaymentMethod::credit_card(&cards[k].token_id),
            };
            store::insert_account(
                tx,
                &AccountRow {
                    account_id: account_id.clone(),
                    org_id: MAS_ORG.into(),
                    customer_id: customer_id.into(),
                    modality: plan.modality,
                    created_ms: opened.timestamp_millis(),
                    payment,
                    pending: None,
                },
            )?;
            loaded.accounts += 1;
            load_addresses(tx, &account_id, &place(person), plan.addresses, opened, now)?;
            loaded.addresses += plan.addresses;
            for (i, promo) in plan.promotions.iter().enumerate() {
                load_promotion(tx, customer_id, &account_id, n, i, promo, opened, now, today)?;
            }
            loaded.promotions += plan.promotions.len();
        }
    }
    Ok(loaded)
}

/// `count` addresses from `opened` to shortly before `now`, evenly spaced; each differs from the one
/// before in its street and number, and every fifth in its city.
fn load_addresses(
    tx: &Transaction<'_>,
    account_id: &str,
    place: &Place,
    count: usize,
    opened: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), SandboxError> {
    let span = (now - Duration::days(2) - opened).num_minutes().max(1);
    for k in 0..count {
        let (city, postal_code, region) = place.cities[(k / 5) % place.cities.len()];
        let address = BillingAddress {
            address_line1: format!("{} {}", place.streets[k % place.streets.len()], 1 + (k * 7) % 120),
            address_line2: (k % 3 == 1).then(|| format!("Floor {}, door {}", k % 9 + 1, (k % 4) + 1)),
            city: city.into(),
            postal_code: postal_code.into(),
            region: region.map(str::to_string),
            country: place.country.into(),
        };
        let at = opened + Duration::minutes(span * k as i64 / count as i64);
        store::insert_address(tx, account_id, at.timestamp_millis(), &address)?;
    }
    Ok(())
}

/// One promotion and its history: ADDED a week before its start (never later than yesterday), and
/// CANCELLED five days before its cancellation date (never later than yesterday).
#[allow(clippy::too_many_arguments)]
fn load_promotion(
    tx: &Transaction<'_>,
    customer_id: &str,
    account_id: &str,
    account_n: usize,
    i: usize,
    promo: &Promo,
    opened: DateTime<Utc>,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<(), SandboxError> {
    let Promo(catalogue, start, end, cancellation) = *promo;
    let (code, name, description) = CATALOGUE[catalogue];
    let row = PromotionRow {
        account_promotion_id: id(customer_id, 0xb001 + account_n as u16, "9000", i),
        promotion_id: code.into(),
        name: name.into(),
        description: Some(description.into()),
        start: day(today, start),
        end: end.map(|e| day(today, e)),
        cancellation: cancellation.map(|c| day(today, c)),
    };
    store::insert_promotion(tx, account_id, &row)?;
    let yesterday = now - Duration::days(1);
    let added = (now + Duration::days(start - 7)).clamp(opened, yesterday);
    let history = |n: usize| id(customer_id, 0xc001 + account_n as u16, "a000", i * 2 + n);
    store::insert_history(
        tx,
        &NewHistory {
            history_id: &history(0),
            account_promotion_id: &row.account_promotion_id,
            account_id,
            action: PromotionAction::Added,
            action_ms: added.timestamp_millis(),
            cancellation: None,
            previous_cancellation: None,
        },
    )?;
    if let Some(c) = cancellation {
        let at = (now + Duration::days(c - 5)).clamp(added, yesterday);
        store::insert_history(
            tx,
            &NewHistory {
                history_id: &history(1),
                account_promotion_id: &row.account_promotion_id,
                account_id,
                action: PromotionAction::Cancelled,
                action_ms: at.timestamp_millis(),
                cancellation: row.cancellation,
                previous_cancellation: None,
            },
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use console_api::mas::{check, promotion::Period, PromotionStatus};

    #[test]
    fn demo_ibans_and_ids_pass_the_apis_own_checks() {
        for person in PEOPLE {
            let Some(customer) = person.mas_customer else { continue };
            for plan in plans(person) {
                if let Pays::Debit(country, bban) = plan.pays {
                    let iban = iban(country, bban);
                    assert_eq!(check::iban(&iban), Ok(iban.clone()), "{}", person.name);
                }
            }
            for (kind, variant) in [(0xacc1, "8000"), (0xb001, "9000"), (0xc001, "a000"), (0xcafe, "b000")] {
                assert_eq!(check::uuid("id", &id(customer, kind, variant, 49)), Ok(()));
            }
        }
        assert_eq!(iban("ES", "21000418450200051332"), "ES9121000418450200051332");
    }

    #[test]
    fn every_customer_has_one_to_three_accounts_within_the_rules_and_both_modalities_appear() {
        let mut modalities = std::collections::HashSet::new();
        for person in PEOPLE.iter().filter(|p| p.mas_customer.is_some()) {
            let plans = plans(person);
            assert!((1..=3).contains(&plans.len()), "{}", person.name);
            assert!(plans.iter().filter(|p| p.modality == Modality::Postpaid).count() <= 1, "{}", person.name);
            for plan in &plans {
                modalities.insert(plan.modality.as_str().to_string());
                if plan.modality == Modality::RecurringPrepaid {
                    assert!(matches!(plan.pays, Pays::Card(_)), "{}: prepaid pays by card", person.name);
                }
            }
        }
        assert_eq!(modalities.len(), 2);
    }

    #[test]
    fn the_busy_account_mixes_every_status() {
        let today = Utc::now().date_naive();
        let statuses: Vec<PromotionStatus> = busy_promotions()
            .iter()
            .map(|Promo(_, s, e, c)| {
                Period { start: day(today, *s), end: e.map(|e| day(today, e)), cancellation: c.map(|c| day(today, c)) }
                    .status_on(today)
            })
            .collect();
        assert_eq!(statuses.len(), BUSY_PROMOTIONS);
        for status in [PromotionStatus::Active, PromotionStatus::Scheduled, PromotionStatus::Ended] {
            assert!(statuses.iter().filter(|s| **s == status).count() >= 2, "{status}: {statuses:?}");
        }
    }
}
