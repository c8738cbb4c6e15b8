//! Every pattern and length of the API documents, as checks that say what to fix.
//!
//! The seeds' patterns are all "characters from a set, between N and M of them", so each rule is a
//! [`CharRule`] rather than a regular expression: exact, tiny in WebAssembly, and able to name the first
//! offending character in its message.

use thiserror::Error;

/// A value that breaks a documented rule. `message` is written for the person who typed the value.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// The wire name of the field (`consumerId`, `reason`, ...).
    pub field: &'static str,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// A rule of the form `^[set]{min,max}$`.
#[derive(Clone, Copy, Debug)]
pub struct CharRule {
    pub field: &'static str,
    pub min: usize,
    pub max: usize,
    /// What the allowed set is, in words, for messages.
    pub allowed: &'static str,
    pub accepts: fn(char) -> bool,
}

impl CharRule {
    /// Checks `value` against the rule.
    pub fn check(&self, value: &str) -> Result<(), ValidationError> {
        let fail = |message: String| Err(ValidationError { field: self.field, message });
        let len = value.chars().count();
        if len == 0 && self.min > 0 {
            return fail(format!("is required: {}, {}", self.allowed, self.length_words()));
        }
        if let Some((pos, c)) = value.chars().enumerate().find(|(_, c)| !(self.accepts)(*c)) {
            return fail(format!(
                "{} is not allowed (position {}): use only {}",
                describe_char(c),
                pos + 1,
                self.allowed
            ));
        }
        if len < self.min || len > self.max {
            return fail(format!("has {len} characters: it must have {}", self.length_words()));
        }
        Ok(())
    }

    fn length_words(&self) -> String {
        if self.min == self.max {
            format!("exactly {} characters", self.min)
        } else {
            format!("{} to {} characters", self.min, self.max)
        }
    }
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\t' => "a tab".into(),
        '\n' | '\r' => "a line break".into(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("'{c}'"),
    }
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// `[A-Za-z0-9_-]{1,64}`: consumerId, operationId, accountId, accountProductId.
pub const fn id_rule(field: &'static str) -> CharRule {
    CharRule {
        field,
        min: 1,
        max: 64,
        allowed: "letters A-Z and a-z, digits, '_' and '-'",
        accepts: is_id_char,
    }
}

pub const CONSUMER_ID: CharRule = id_rule("consumerId");
pub const OPERATION_ID: CharRule = id_rule("operationId");
pub const ACCOUNT_ID: CharRule = id_rule("accountId");
pub const ACCOUNT_PRODUCT_ID: CharRule = id_rule("accountProductId");

/// issuerId: the seed fixes its length at exactly 10 and gives no pattern. We also refuse characters that
/// cannot stand unescaped in a URL path segment, since the id is one.
pub const ISSUER_ID: CharRule = CharRule {
    field: "issuerId",
    min: 10,
    max: 10,
    allowed: "visible characters other than '/', '?', '#', '%' and spaces",
    accepts: |c| c.is_ascii_graphic() && !matches!(c, '/' | '?' | '#' | '%'),
};

/// Apiture's `userId` (the User resource's `_id`, an opaque string the seed gives no pattern for): the
/// console accepts 1 to 64 visible ASCII characters, enough for the ids it has seen and safe in a query.
pub const USER_ID: CharRule = CharRule {
    field: "userId",
    min: 1,
    max: 64,
    allowed: "visible ASCII characters (no spaces)",
    accepts: |c| c.is_ascii_graphic(),
};

/// `x-correlation-id`: `[a-zA-Z0-9_\-\. ]{1,64}`.
pub const CORRELATION_ID: CharRule = CharRule {
    field: "x-correlation-id",
    min: 1,
    max: 64,
    allowed: "letters, digits, '_', '-', '.' and spaces",
    accepts: |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '),
};

/// `reason`: `^[a-zA-Z0-9 ]{1,64}$`.
pub const REASON: CharRule = CharRule {
    field: "reason",
    min: 1,
    max: 64,
    allowed: "letters A-Z and a-z, digits and spaces (no punctuation or accents)",
    accepts: |c| c.is_ascii_alphanumeric() || c == ' ',
};

/// An operation's `error`: `^[a-zA-Z0-9_ \/\\\[\],.'#;:{}()?!*-]*$`, at most 256 characters.
pub const OPERATION_ERROR: CharRule = CharRule {
    field: "error",
    min: 0,
    max: 256,
    allowed: "letters, digits, spaces and _ / \\ [ ] , . ' # ; : { } ( ) ? ! * -",
    accepts: |c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                '_' | ' ' | '/' | '\\' | '[' | ']' | ',' | '.' | '\'' | '#' | ';' | ':' | '{' | '}' | '(' | ')' | '?' | '!' | '*' | '-'
            )
    },
};

/// Operation start/end times: 1 to 64 characters (seed), ISO 8601 `YYYY-MM-DDThh:mm:ssTZD`.
pub fn operation_time(field: &'static str, value: &str) -> Result<(), ValidationError> {
    let len = value.chars().count();
    if !(1..=64).contains(&len) {
        return Err(ValidationError { field, message: format!("has {len} characters: it must have 1 to 64") });
    }
    chrono::DateTime::parse_from_rfc3339(value).map(|_| ()).map_err(|_| ValidationError {
        field,
        message: "must be an ISO 8601 time such as 2026-06-28T14:05:00Z".into(),
    })
}

/// The longest document or context URI the seed allows (`maxLength: 2048`).
pub const URI_MAX: usize = 2048;

/// A document or context URI of Apiture Consents (`document.uri`, `contextUri`, `secondaryContextUri`,
/// `newUri`): an absolute `http(s)://host...` URL or a relative reference (`/vault/files/...`,
/// `products/...`), at most 2048 characters of visible ASCII. Anything else (`javascript:`, `data:`,
/// `file:`, a protocol-relative `//host`, a backslash, spaces or control characters) is refused: a URI
/// the console may turn into a link or a frame must not run script or leave the origin unannounced. The
/// page uses the same rule to neutralize a URI that arrives anyway.
pub fn uri_reference(field: &'static str, value: &str) -> Result<(), ValidationError> {
    let fail = |message: String| Err(ValidationError { field, message });
    if value.is_empty() {
        return fail("is required: an http(s) URL or a relative reference such as /vault/files/id/content".into());
    }
    if value.len() > URI_MAX {
        return fail(format!("has {} characters: it must have at most {URI_MAX}", value.len()));
    }
    if let Some((pos, c)) = value.chars().enumerate().find(|(_, c)| !c.is_ascii_graphic() || *c == '\\') {
        return fail(format!("{} is not allowed in a URI (position {}): percent-encode it", describe_char(c), pos + 1));
    }
    if value.starts_with("//") {
        return fail("is a protocol-relative reference (//host): write the scheme, http:// or https://".into());
    }
    // A scheme is what comes before the first ':' when no '/', '?' or '#' comes before it (RFC 3986 4.2).
    let scheme_end = value.find(|c| matches!(c, ':' | '/' | '?' | '#'));
    if let Some(end) = scheme_end.filter(|&i| value.as_bytes()[i] == b':') {
        let scheme = value[..end].to_ascii_lowercase();
        let rest = &value[end + 1..];
        if scheme != "http" && scheme != "https" {
            return fail(format!("has the scheme '{scheme}:': only http, https or a relative reference are allowed"));
        }
        let host = rest.strip_prefix("//").map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
        if host.is_none_or(|h| h.is_empty() || h.starts_with('@') || h.starts_with(':')) {
            return fail(format!("is a {scheme} URL without a host: write {scheme}://host/path"));
        }
    }
    Ok(())
}

/// Whether `value` is a URI [`uri_reference`] accepts (for views that neutralize anything else).
pub fn is_safe_uri(value: &str) -> bool {
    uri_reference("uri", value).is_ok()
}

/// Page size of the operations list: 1 to 50 (seed), default 10.
pub const LIMIT_MAX: u32 = 50;
pub const LIMIT_DEFAULT: u32 = 10;

/// Someone's input as a message quotes it: its first 40 characters, control characters dropped, so that a
/// refusal (and the log line that carries it) stays one short line whatever was sent.
pub fn shown(value: &str) -> String {
    printable_prefix(value, 40)
}

/// Someone's input as the target of an audit line: its first [`AUDIT_TARGET_MAX`] characters, control
/// characters dropped. What a search box or a path carries is logged before it is checked, so a request
/// of any length writes one short line, and a valid search text or id (100 characters at most) whole.
pub fn audit_target(value: &str) -> String {
    printable_prefix(value, AUDIT_TARGET_MAX)
}

/// The most characters of someone's input an audit line's target keeps.
pub const AUDIT_TARGET_MAX: usize = 100;

/// `value`'s first `max` characters with control characters dropped: how any message or log line quotes
/// what someone else sent.
pub fn printable_prefix(value: &str, max: usize) -> String {
    value.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// Checks the operations list `limit`.
pub fn limit(value: u32) -> Result<(), ValidationError> {
    if (1..=LIMIT_MAX).contains(&value) {
        Ok(())
    } else {
        Err(ValidationError { field: "limit", message: format!("is {value}: it must be from 1 to {LIMIT_MAX}") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_quoted_short_and_on_one_line() {
        assert_eq!(shown("en\nx"), "enx");
        assert_eq!(shown(&"a".repeat(100)).len(), 40);
        assert_eq!(shown("ñ"), "ñ");
    }

    #[test]
    fn an_audit_target_keeps_100_printable_characters() {
        assert_eq!(audit_target(&"é".repeat(5000)), "é".repeat(100));
        assert_eq!(audit_target("alice\r\n{\"forged\":1}\u{7}"), "alice{\"forged\":1}");
        assert_eq!(audit_target("C-100001"), "C-100001");
    }

    #[test]
    fn ids_accept_the_documented_set_and_lengths() {
        for ok in ["a", "demo-busy", "A_b-9", &"x".repeat(64)] {
            assert_eq!(CONSUMER_ID.check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn ids_refuse_everything_else_with_a_message() {
        let e = CONSUMER_ID.check("").unwrap_err();
        assert!(e.message.contains("required"), "{e}");
        let e = CONSUMER_ID.check(&"x".repeat(65)).unwrap_err();
        assert!(e.message.contains("65 characters"), "{e}");
        let e = CONSUMER_ID.check("ab/c").unwrap_err();
        assert!(e.message.contains("'/'") && e.message.contains("position 3"), "{e}");
        for bad in ["a b", "é", "a.b", "a\nb", "a%2F"] {
            assert!(CONSUMER_ID.check(bad).is_err(), "{bad}");
            assert!(OPERATION_ID.check(bad).is_err(), "{bad}");
            assert!(ACCOUNT_ID.check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn issuer_id_is_exactly_ten() {
        assert!(ISSUER_ID.check("DEMOISSUER").is_ok());
        assert!(ISSUER_ID.check("DEMOISSUE").unwrap_err().message.contains("exactly 10"));
        assert!(ISSUER_ID.check("DEMOISSUERX").is_err());
        assert!(ISSUER_ID.check("DEMO/SSUER").is_err());
        assert!(ISSUER_ID.check("DEMO SSUER").is_err());
    }

    #[test]
    fn reason_allows_letters_digits_spaces_only() {
        assert!(REASON.check("customer was contacted on June 28").is_ok());
        assert!(REASON.check(&"a".repeat(64)).is_ok());
        assert!(REASON.check(&"a".repeat(65)).is_err());
        assert!(REASON.check("").is_err());
        let e = REASON.check("fraud!").unwrap_err();
        assert!(e.message.contains("'!'") && e.message.contains("no punctuation"), "{e}");
        assert!(REASON.check("café").is_err());
        assert!(REASON.check("a-b").is_err());
    }

    #[test]
    fn correlation_id_rule() {
        assert!(CORRELATION_ID.check("abc-DEF_1.2 3").is_ok());
        assert!(CORRELATION_ID.check(&"c".repeat(64)).is_ok());
        assert!(CORRELATION_ID.check(&"c".repeat(65)).is_err());
        assert!(CORRELATION_ID.check("a:b").is_err());
        assert!(CORRELATION_ID.check("").is_err());
    }

    #[test]
    fn operation_error_rule() {
        assert!(OPERATION_ERROR.check("Authenticator [A1] not found: retry later (code 7)!").is_ok());
        assert!(OPERATION_ERROR.check("").is_ok());
        assert!(OPERATION_ERROR.check("a\"b").is_err());
        assert!(OPERATION_ERROR.check(&"e".repeat(257)).is_err());
    }

    #[test]
    fn limits_and_times() {
        assert!(limit(0).is_err());
        assert!(limit(1).is_ok());
        assert!(limit(50).is_ok());
        assert!(limit(51).is_err());
        assert!(operation_time("startTime", "2026-06-28T14:05:00Z").is_ok());
        assert!(operation_time("startTime", "2026-06-28T14:05:00+02:00").is_ok());
        assert!(operation_time("startTime", "28/06/2026").is_err());
        assert!(operation_time("startTime", "").is_err());
    }
    #[track_caller]
    fn refuses_uri(input: &str, says: &str) {
        let e = uri_reference("document.uri", input).unwrap_err();
        assert!(e.field == "document.uri" && e.message.contains(says), "{input:?}: {e}");
    }

    #[test]
    fn uris_are_http_s_or_relative_only() {
        for ok in [
            "/vault/files/privacy-policy/content",
            "https://bank.example/terms.pdf",
            "http://127.0.0.1:9/x?y=1#z",
            "products/everyday",
            "HTTPS://bank.example",
            "/a:b",
            "?q=1",
        ] {
            assert!(uri_reference("document.uri", ok).is_ok(), "{ok}");
            assert!(is_safe_uri(ok));
        }
        refuses_uri("javascript:alert(1)", "'javascript:'");
        refuses_uri("JaVaScRiPt:alert(1)", "'javascript:'");
        refuses_uri("data:text/html,<script>", "'data:'");
        refuses_uri("file:///etc/passwd", "'file:'");
        refuses_uri("vbscript:x", "'vbscript:'");
        refuses_uri("//evil.example/x", "protocol-relative");
        refuses_uri("https:/no-host", "without a host");
        refuses_uri("https://", "without a host");
        refuses_uri("java\tscript:x", "a tab");
        refuses_uri("/a b", "a space");
        refuses_uri("/a\\b", "'\\'");
        refuses_uri("", "is required");
        refuses_uri(&format!("/{}", "x".repeat(URI_MAX)), "at most 2048");
        assert!(!is_safe_uri("javascript:alert(1)"));
    }
}
