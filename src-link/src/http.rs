//! What every upstream HTTP client of this crate shares: endpoint URLs made from a configured base.

/// Joins a relative path onto a base URL, keeping the base's own path (`.../authz/v1` + `oauth2/token`:
/// `Url::join` would drop `v1`, and a base with a trailing slash would double it).
pub(crate) fn join(base: &url::Url, path: &str) -> url::Url {
    let mut url = base.clone();
    url.set_path(&format!("{}/{}", base.path().trim_end_matches('/'), path.trim_start_matches('/')));
    url
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn join_keeps_the_base_path() {
        let base = url::Url::parse("https://api.d1.thalescloud.io/authz/v1").unwrap();
        assert_eq!(join(&base, "oauth2/token").as_str(), "https://api.d1.thalescloud.io/authz/v1/oauth2/token");
        let base = url::Url::parse("http://127.0.0.1:1/banking/v1/").unwrap();
        assert_eq!(join(&base, "/issuers/X").as_str(), "http://127.0.0.1:1/banking/v1/issuers/X");
        let base = url::Url::parse("https://auth.bank.example/auth").unwrap();
        assert_eq!(join(&base, ".well-known/jwks.json").as_str(), "https://auth.bank.example/auth/.well-known/jwks.json");
    }
}
