//! Demo consents of the sandbox bank's users (see the crate's README for who has what).

use rusqlite::Transaction;

use crate::error::SandboxError;

/// The consent types of the sandbox bank (`/consentTypeNames`), with the seed's labels.
pub const CONSENT_TYPES: &[(&str, &str, &str)] = &[
    (
        "productTermsAndConditions",
        "Product Terms and Conditions",
        "The terms and conditions of use for bank accounts of a specific banking product.",
    ),
    (
        "privacyPolicy",
        "Privacy Policy",
        "The financial institution's privacy policy: how it guards and shares customers' personal information.",
    ),
    (
        "electronicConsent",
        "Electronic Consent Agreement",
        "The user agrees to receive statements and notices electronically and to let the banking applications act for them.",
    ),
];

const PRIVACY: &str = "/vault/files/privacy-policy/content";
const CHECKING_TERMS: &str = "/vault/files/checking-terms/content";
const E_SIGN: &str = "/vault/files/e-sign-agreement/content";
const EVERYDAY: &str = "/products/products/everyday-checking";
const PREMIUM: &str = "/products/products/premium-checking";

/// Wipes the consents and loads the demo ones (fixed ids and times: consents have no retention window).
/// alice: a STALE privacy policy (given to 2025:1, the policy is now 2026:1), two PENDING terms of the same
/// document for two products, a GIVEN e-consent. bob: a PENDING privacy policy, GIVEN terms. carol: all GIVEN.
pub fn load_consents(tx: &Transaction<'_>) -> Result<usize, SandboxError> {
    use crate::consents::{insert, NewConsent};
    tx.execute_batch("DELETE FROM consents; DELETE FROM consent_type_names;")?;
    for (name, label, description) in CONSENT_TYPES {
        tx.execute(
            "INSERT INTO consent_type_names (name, label, description) VALUES (?1, ?2, ?3)",
            rusqlite::params![name, label, description],
        )?;
    }
    let privacy_2025 = ("2025:1", "2025-03-01T09:00:00.000Z");
    let privacy_2026 = ("2026:1", "2026-09-15T08:00:00.000Z");
    let terms = ("2026:2.1", "2026-06-30T12:00:00.000Z");
    let e_sign = ("2024:1.0", "2024-11-04T10:30:00.000Z");
    let c = |id, user, type_, uri, (rev, at): (&'static str, &'static str), context, secondary, state, given| NewConsent {
        id,
        user_id: user,
        type_,
        document_uri: uri,
        content_type: "application/pdf",
        revision_id: Some(rev),
        revised_at: at,
        context_uri: context,
        secondary_context_uri: secondary,
        state,
        given_at: given,
        created_at: "2025-01-10T09:00:00.000Z",
    };
    let all = [
        c("d311f16d-7407-4757-bfa9-162ba8bf8634", "usr-alice", "privacyPolicy", PRIVACY, privacy_2025, None, None, "stale", Some("2025-03-04T18:12:40.000Z")),
        c("9f6d94f0-121b-4ad4-8c8a-e1eb93ccd3d9", "usr-alice", "productTermsAndConditions", CHECKING_TERMS, terms, Some(EVERYDAY), Some("/accounts/accounts/acc-alice-chk-01"), "pending", None),
        c("babafaa6-9208-4b65-9f42-c07fa894b26a", "usr-alice", "productTermsAndConditions", CHECKING_TERMS, terms, Some(PREMIUM), Some("/accounts/accounts/acc-alice-chk-02"), "pending", None),
        c("ad276625-349e-47c2-a0a6-17f99c9ceb69", "usr-alice", "electronicConsent", E_SIGN, e_sign, None, None, "given", Some("2025-01-10T09:05:12.000Z")),
        c("950f52f8-134e-4cc2-868a-4e8647231c00", "usr-bob", "privacyPolicy", PRIVACY, privacy_2026, None, None, "pending", None),
        c("b5cf42c1-9d1d-47ad-bc7c-12f9626d8eac", "usr-bob", "productTermsAndConditions", CHECKING_TERMS, terms, Some(EVERYDAY), Some("/accounts/accounts/acc-bob-chk-01"), "given", Some("2026-07-02T14:41:09.000Z")),
        c("b200b62e-2eeb-4bfd-979c-8990771c0063", "usr-carol", "privacyPolicy", PRIVACY, privacy_2026, None, None, "given", Some("2026-09-16T07:55:00.000Z")),
        c("3f86032f-1acc-4b5b-98e4-d7f37ab8f8ac", "usr-carol", "electronicConsent", E_SIGN, e_sign, None, None, "given", Some("2025-02-20T11:00:00.000Z")),
        c("bc22560b-bfc5-4048-827e-71bcf5e59e64", "usr-carol", "productTermsAndConditions", CHECKING_TERMS, terms, Some(PREMIUM), Some("/accounts/accounts/acc-carol-chk-01"), "given", Some("2026-07-05T16:20:00.000Z")),
    ];
    for consent in &all {
        insert(tx, consent)?;
    }
    Ok(all.len())
}
