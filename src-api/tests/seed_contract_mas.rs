//! `console_api::mas` against seed 003 itself (`tests/fixtures/mas-v4-accounts.txt`, the seed verbatim):
//! its enumerations, the schemas its endpoints name, and the fields its request bodies list.

use console_api::mas::{
    AccountPromotionType, BillingAddress, Modality, PatchAccountPaymentMethod, PatchAccountPromotion, PostAccount,
};
use std::collections::BTreeSet;

const SEED: &str = include_str!("fixtures/mas-v4-accounts.txt");

/// The values of `| name | one of [A, B] |` rows.
fn enumeration(name: &str) -> Vec<String> {
    let row = SEED
        .lines()
        .find(|l| l.starts_with(&format!("| {name} | one of [")))
        .unwrap_or_else(|| panic!("the seed enumerates {name}"));
    let inside = row.split_once('[').and_then(|(_, r)| r.split_once(']')).map(|(v, _)| v).unwrap();
    inside.split(',').map(|v| v.trim().to_string()).collect()
}

fn wire<T: ToString>(known: &[T]) -> Vec<String> {
    known.iter().map(|k| k.to_string()).collect()
}

#[test]
fn enums_are_exactly_the_seeds() {
    assert_eq!(wire(Modality::KNOWN), enumeration("modality"));
    assert_eq!(wire(AccountPromotionType::KNOWN), enumeration("account_promotion_type"));
}

#[test]
fn every_schema_the_seed_names_is_a_model() {
    // The last column of the responses tables and the "instance of" lines.
    let mut named = BTreeSet::new();
    for line in SEED.lines() {
        if let Some(schema) = line.strip_prefix("Request body - instance of ") {
            named.insert(schema.trim().to_string());
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() == 6 && cells[1].parse::<u16>().is_ok() {
            named.insert(cells[4].trim_matches(['[', ']']).to_string());
        }
        if cells.len() == 6 && ["billing_address", "payment_method", "type"].contains(&cells[1]) {
            named.insert(cells[2].to_string());
        }
    }
    named.remove("None");
    let ours: BTreeSet<String> = [
        "GetAccount", "ErrorResponse", "PatchAccountPaymentMethod", "PatchPaymentType", "BillingAddressHistoryResponse",
        "AccountPromotion", "AccountPromotionHistory", "PatchAccountPromotion", "AccountIds", "PostAccount",
        "BillingAddress", "PaymentMethod", "AccountCreated", "AvailablePaymentMethods",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(named, ours, "the seed's schemas against console_api::mas's (each is a type of that name)");
    // The names above are types: this does not compile if one is missing.
    let _: [fn(); 14] = [
        || drop(None::<console_api::mas::GetAccount>),
        || drop(None::<console_api::mas::ErrorResponse>),
        || drop(None::<console_api::mas::PatchAccountPaymentMethod>),
        || drop(None::<console_api::mas::PatchPaymentType>),
        || drop(None::<console_api::mas::BillingAddressHistoryResponse>),
        || drop(None::<console_api::mas::AccountPromotion>),
        || drop(None::<console_api::mas::AccountPromotionHistory>),
        || drop(None::<console_api::mas::PatchAccountPromotion>),
        || drop(None::<console_api::mas::AccountIds>),
        || drop(None::<console_api::mas::PostAccount>),
        || drop(None::<console_api::mas::BillingAddress>),
        || drop(None::<console_api::mas::PaymentMethod>),
        || drop(None::<console_api::mas::AccountCreated>),
        || drop(None::<console_api::mas::AvailablePaymentMethods>),
    ];
}

#[test]
fn request_bodies_have_the_seeds_fields() {
    let debit = serde_json::to_value(PatchAccountPaymentMethod::direct_debit("ES9121000418450200051332")).unwrap();
    assert!(debit["type"].is_string() && debit["details"]["iban"].is_string());
    assert!(SEED.contains("| type | PatchPaymentType | true |") && SEED.contains("| »» iban | string | true |"));
    let card = serde_json::to_value(PatchAccountPaymentMethod::credit_card("5f0c3c7e-8d7a-4c8e-9d3b-1b2a3c4d5e6f")).unwrap();
    assert!(card["details"]["token_id"].is_string() && SEED.contains("| »» token_id | string(uuid) | true |"));
    let cancel = serde_json::to_value(PatchAccountPromotion { cancellation_date: "2026-01-01".into() }).unwrap();
    assert!(cancel["cancellation_date"].is_string() && SEED.contains("| cancellation_date | string(date) | true |"));
    let post = PostAccount {
        modality: Modality::Postpaid,
        billing_address: Some(BillingAddress {
            address_line1: "a".into(),
            address_line2: None,
            city: "b".into(),
            postal_code: "1".into(),
            region: None,
            country: "ES".into(),
        }),
        payment_method: PatchAccountPaymentMethod::credit_card("5f0c3c7e-8d7a-4c8e-9d3b-1b2a3c4d5e6f"),
    };
    let post = serde_json::to_value(post).unwrap();
    for (field, row) in [
        ("modality", "| modality | string | true |"),
        ("billing_address", "| billing_address | BillingAddress | false |"),
        ("payment_method", "| payment_method | PaymentMethod | true |"),
    ] {
        assert!(post.get(field).is_some() && SEED.contains(row), "{field}");
    }
    // Optional in the seed, so optional here: a PostAccount without a billing address decodes.
    let without: PostAccount = serde_json::from_str(
        r#"{"modality":"POSTPAID","payment_method":{"type":"CREDIT_CARD","details":{"token_id":"5f0c3c7e-8d7a-4c8e-9d3b-1b2a3c4d5e6f"}}}"#,
    )
    .unwrap();
    assert!(without.billing_address.is_none());
}
