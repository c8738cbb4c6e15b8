//! Comparing secrets (client secrets, API keys, session ids, anti-CSRF tokens, PKCE challenges) without
//! telling an attacker, through timing, how much of a guess was right. One function for the gateway and
//! the sandbox alike.

use subtle::ConstantTimeEq;

/// `a == b` in time that depends only on the lengths (a length is not a secret: ours are fixed).
pub fn same_secret(a: impl AsRef<[u8]>, b: impl AsRef<[u8]>) -> bool {
    let (a, b) = (a.as_ref(), b.as_ref());
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn equal_secrets_only() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd") && !same_secret("abc", "abcd") && !same_secret("", "a"));
        assert!(same_secret(b"k".as_slice(), String::from("k")));
    }
}
