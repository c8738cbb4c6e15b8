//! Correlation ids: random, never derived from personal data (D1 logs them in clear).

use console_api::d1_client::CorrelationId;

/// A fresh random id: a UUID v4 in its usual 36-character form, the same form the page makes with
/// `crypto.randomUUID()`, so staff see one kind of id whichever side made it.
pub fn new_correlation_id() -> CorrelationId {
    let id = uuid::Uuid::new_v4().hyphenated().to_string();
    // Hex digits and dashes: always within `[a-zA-Z0-9_\-\. ]{1,64}`.
    CorrelationId::parse(&id).unwrap_or_else(|_| unreachable!("a hex UUID is a valid correlation id"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_valid_and_distinct() {
        let a = super::new_correlation_id();
        let b = super::new_correlation_id();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 36);
    }
}
