//! Demo consents of the sandbox bank's users (see the crate's README for who has what): the demo people
//! alice, bob and carol, whose consents the browser tests rely on, and the bulk population of
//! [`bulk`] (1,000 users, 20,000 consents in every state).

pub mod bulk;

use console_api::consents::LocalizedLabel;
use rusqlite::Transaction;

use crate::error::SandboxError;

/// The consent types of the sandbox bank (`/consentTypeNames`): the seed's three defaults and
/// termsAndConditions, each with its labels in English (the default), Spanish and French.
pub const CONSENT_TYPES: &[(&str, [(&str, &str); 3])] = &[
    (
        "productTermsAndConditions",
        [
            ("Product Terms and Conditions", "The terms and conditions of use for bank accounts of a specific banking product."),
            ("Términos y condiciones del producto", "Los términos y condiciones de uso de las cuentas de un producto bancario."),
            ("Conditions générales du produit", "Les conditions d'utilisation des comptes d'un produit bancaire."),
        ],
    ),
    (
        "termsAndConditions",
        [
            ("Terms and Conditions", "The terms and conditions associated with a specific bank account."),
            ("Términos y condiciones", "Los términos y condiciones de una cuenta bancaria."),
            ("Conditions générales", "Les conditions générales d'un compte bancaire."),
        ],
    ),
    (
        "privacyPolicy",
        [
            ("Privacy Policy", "The financial institution's privacy policy: how it guards and shares customers' personal information."),
            ("Política de privacidad", "Cómo la entidad protege y comparte la información personal de sus clientes."),
            ("Politique de confidentialité", "Comment l'établissement protège et partage les informations personnelles de ses clients."),
        ],
    ),
    (
        "electronicConsent",
        [
            ("Electronic Consent Agreement", "The user agrees to receive statements and notices electronically and to let the banking applications act for them."),
            ("Acuerdo de consentimiento electrónico", "El usuario acepta recibir extractos y avisos electrónicamente y que las aplicaciones bancarias actúen en su nombre."),
            ("Accord de consentement électronique", "L'utilisateur accepte de recevoir relevés et avis par voie électronique et que les applications bancaires agissent pour lui."),
        ],
    ),
];

pub const PRIVACY: &str = "/vault/files/privacy-policy/content";
pub const CHECKING_TERMS: &str = "/vault/files/checking-terms/content";
pub const E_SIGN: &str = "/vault/files/e-sign-agreement/content";
pub const SAVINGS_TERMS: &str = "/vault/files/savings-terms/content";
pub const ACCOUNT_TERMS: &str = "/vault/files/account-terms/content";
pub const EVERYDAY: &str = "/products/products/everyday-checking";
pub const PREMIUM: &str = "/products/products/premium-checking";
pub const STUDENT: &str = "/products/products/student-checking";
pub const SAVINGS_PLUS: &str = "/products/products/savings-plus";
pub const CD_12: &str = "/products/products/cd-12-month";

/// Revisions (id, revisedAt) the demo consents carry; each has its file in `documents/`.
pub const PRIVACY_2025: (&str, &str) = ("2025:1", "2025-03-01T09:00:00.000Z");
pub const PRIVACY_2026: (&str, &str) = ("2026:1", "2026-09-15T08:00:00.000Z");
pub const CHECKING_2026: (&str, &str) = ("2026:2.1", "2026-06-30T12:00:00.000Z");
pub const E_SIGN_2024: (&str, &str) = ("2024:1.0", "2024-11-04T10:30:00.000Z");
pub const SAVINGS_2026: (&str, &str) = ("2026:1", "2026-04-01T09:00:00.000Z");
pub const ACCOUNT_2026: (&str, &str) = ("2026:1", "2026-01-15T09:00:00.000Z");

/// Each demo document's current revision (`consents::current`): what /vault serves, what a give records.
/// The files of later revisions (privacy 2027:1, ...) are not current until a revision publishes them.
pub const CURRENT: [(&str, (&str, &str)); 5] = [
    (PRIVACY, PRIVACY_2026),
    (CHECKING_TERMS, CHECKING_2026),
    (E_SIGN, E_SIGN_2024),
    (SAVINGS_TERMS, SAVINGS_2026),
    (ACCOUNT_TERMS, ACCOUNT_2026),
];

/// Registers the demo type names with their labels.
pub fn load_type_names(tx: &Transaction<'_>) -> Result<(), SandboxError> {
    for (name, labels) in CONSENT_TYPES {
        let localized: Vec<LocalizedLabel> = labels
            .iter()
            .zip([None, Some("es"), Some("fr")])
            .map(|((label, description), language)| LocalizedLabel {
                label: label.to_string(),
                description: Some(description.to_string()),
                language: language.map(str::to_string),
                code: None,
            })
            .collect();
        crate::consents::type_names::upsert(tx, name, &localized)?;
    }
    crate::consents::type_names::bump(tx)
}

/// Wipes the consents and loads the demo ones (fixed ids and times: consents have no retention window).
/// alice: a STALE privacy policy (given to 2025:1; the policy is now 2026:1, which, as a revision does, the
/// stale consent names: the revision it asks for), two PENDING terms of the same
/// document for two products, a GIVEN e-consent. bob: a PENDING privacy policy, GIVEN terms. carol: all GIVEN.
/// Then the bulk population, unless it is there unchanged. Returns how many consents there are.
pub fn load_consents(tx: &Transaction<'_>) -> Result<usize, SandboxError> {
    // The bulk population stays when nothing changed it (a reset per test costs milliseconds then);
    // otherwise everything is loaded again, with the indexes built after the rows.
    let keep_bulk = bulk::is_pristine(tx, bulk::USERS)?;
    if keep_bulk {
        tx.execute(&format!("DELETE FROM consents WHERE NOT {}", bulk::IS_BULK), [])?;
        Ok(load_people(tx)? + bulk::USERS * bulk::PER_USER)
    } else {
        bulk::without_indexes(tx, || {
            tx.execute("DELETE FROM consents", [])?;
            Ok(load_people(tx)? + bulk::load(tx, bulk::USERS)?)
        })
    }
}

/// The type names and the demo people's consents (the table holds no other consent).
fn load_people(tx: &Transaction<'_>) -> Result<usize, SandboxError> {
    use crate::consents::{insert, NewConsent};
    tx.execute("DELETE FROM consent_type_names WHERE name NOT IN (SELECT DISTINCT type FROM consents)", [])?;
    load_type_names(tx)?;
    let terms = CHECKING_2026;
    let c = |id, user, type_, uri, (rev, at): (&'static str, &'static str), context, secondary, state, given| NewConsent {
        id,
        user_id: user,
        type_,
        document_uri: uri,
        content_type: "text/html",
        revision_id: Some(rev),
        revised_at: at,
        context_uri: context,
        secondary_context_uri: secondary,
        state,
        given_at: given,
        created_at: "2025-01-10T09:00:00.000Z",
    };
    let all = [
        c("d311f16d-7407-4757-bfa9-162ba8bf8634", "usr-alice", "privacyPolicy", PRIVACY, PRIVACY_2026, None, None, "stale", Some("2025-03-04T18:12:40.000Z")),
        c("9f6d94f0-121b-4ad4-8c8a-e1eb93ccd3d9", "usr-alice", "productTermsAndConditions", CHECKING_TERMS, terms, Some(EVERYDAY), Some("/accounts/accounts/acc-alice-chk-01"), "pending", None),
        c("babafaa6-9208-4b65-9f42-c07fa894b26a", "usr-alice", "productTermsAndConditions", CHECKING_TERMS, terms, Some(PREMIUM), Some("/accounts/accounts/acc-alice-chk-02"), "pending", None),
        c("ad276625-349e-47c2-a0a6-17f99c9ceb69", "usr-alice", "electronicConsent", E_SIGN, E_SIGN_2024, None, None, "given", Some("2025-01-10T09:05:12.000Z")),
        c("950f52f8-134e-4cc2-868a-4e8647231c00", "usr-bob", "privacyPolicy", PRIVACY, PRIVACY_2026, None, None, "pending", None),
        c("b5cf42c1-9d1d-47ad-bc7c-12f9626d8eac", "usr-bob", "productTermsAndConditions", CHECKING_TERMS, terms, Some(EVERYDAY), Some("/accounts/accounts/acc-bob-chk-01"), "given", Some("2026-07-02T14:41:09.000Z")),
        c("b200b62e-2eeb-4bfd-979c-8990771c0063", "usr-carol", "privacyPolicy", PRIVACY, PRIVACY_2026, None, None, "given", Some("2026-09-16T07:55:00.000Z")),
        c("3f86032f-1acc-4b5b-98e4-d7f37ab8f8ac", "usr-carol", "electronicConsent", E_SIGN, E_SIGN_2024, None, None, "given", Some("2025-02-20T11:00:00.000Z")),
        c("bc22560b-bfc5-4048-827e-71bcf5e59e64", "usr-carol", "productTermsAndConditions", CHECKING_TERMS, terms, Some(PREMIUM), Some("/accounts/accounts/acc-carol-chk-01"), "given", Some("2026-07-05T16:20:00.000Z")),
    ];
    for consent in &all {
        insert(tx, consent)?;
    }
    // alice's stale consent: made stale when the policy was revised to 2026:1.
    tx.execute("UPDATE consents SET stale_at = ?1 WHERE id = 'd311f16d-7407-4757-bfa9-162ba8bf8634'", [PRIVACY_2026.1])?;
    crate::consents::current::load(tx, &CURRENT)?;
    Ok(all.len())
}
