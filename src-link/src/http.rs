//! What every upstream HTTP client of this crate shares: how it is built (timeouts, user agent, the
//! upstream's TLS files), how a failed exchange is told apart (down, slow, cut off, our certificate
//! refused, theirs untrusted), and endpoint URLs made from a configured base.

use std::error::Error as StdError;
use std::time::Duration;

use console_api::transport::TransportError;
use thiserror::Error;

/// One upstream's TLS files, read when the profile is loaded. Both are optional: the public roots and no
/// client certificate are what most upstreams need.
#[derive(Clone, Default)]
pub struct UpstreamTls {
    /// Our client certificate (chain) followed by its private key, PEM: mutual TLS, as production D1
    /// requires with the certificate exchanged at onboarding. A secret: never logged.
    pub client_identity_pem: Option<Vec<u8>>,
    /// CA certificates (PEM) trusted beside the public roots: a bank's private CA.
    pub ca_bundle_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for UpstreamTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamTls")
            .field("client_identity_pem", &self.client_identity_pem.as_ref().map(|_| "<redacted>"))
            .field("ca_bundle_pem", &self.ca_bundle_pem.as_ref().map(|b| format!("{} bytes", b.len())))
            .finish()
    }
}

impl UpstreamTls {
    /// Whether a client can be built from these files: each parses, and the client certificate's key is
    /// its own (rustls compares them). What the desktop app checks when it is given the files, rather
    /// than at the first call.
    pub fn check(&self) -> Result<(), TlsError> {
        client(self, Duration::from_secs(1)).map(drop)
    }
}

/// Why an upstream's HTTP client could not be built from its TLS files.
#[derive(Debug, Error)]
pub enum TlsError {
    #[error("the client certificate and key are not usable: give PEM files with the certificate (chain) and its PKCS#8, PKCS#1 or SEC1 private key ({0})")]
    Identity(String),
    #[error("the CA bundle is not usable: give a PEM file of one or more CA certificates ({0})")]
    CaBundle(String),
    #[error("the HTTP client could not be built (check the client certificate, its key and the CA bundle): {0}")]
    Client(String),
}

/// A reqwest client builder for one upstream: rustls, the public roots plus `tls`'s CA bundle, `tls`'s
/// client certificate, a 5 s connect timeout and `timeout` per request, and no redirect followed.
///
/// Redirects: reqwest would follow up to 10, replaying a PATCH or DELETE on a 307/308 (a write made where
/// nobody configured it) and the token POST with its client credentials. An upstream's endpoints are
/// configured exactly, so a 3xx is an error ([`redirected`]), never a hop.
pub(crate) fn client_builder(tls: &UpstreamTls, timeout: Duration) -> Result<reqwest::ClientBuilder, TlsError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(timeout)
        .user_agent(concat!("consent-operations-console/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = &tls.ca_bundle_pem {
        let certificates = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| TlsError::CaBundle(e.to_string()))?;
        if certificates.is_empty() {
            return Err(TlsError::CaBundle("no certificate in it".into()));
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    if let Some(pem) = &tls.client_identity_pem {
        builder = builder.identity(reqwest::Identity::from_pem(pem).map_err(|e| TlsError::Identity(chain(&e)))?);
    }
    Ok(builder)
}

/// [`client_builder`], built.
pub(crate) fn client(tls: &UpstreamTls, timeout: Duration) -> Result<reqwest::Client, TlsError> {
    // A key that is PEM but not a usable key shows only here, when rustls takes it.
    client_builder(tls, timeout)?.build().map_err(|e| TlsError::Client(chain(&e)))
}

/// An upstream's redirect (any 3xx but 304, which the console's requests never ask for), as the error it
/// is: the request was not followed to `Location`, and the configured URL is what to check. `what` names
/// the endpoint ("MasStack's token endpoint").
pub(crate) fn redirected(response: &reqwest::Response, what: &str) -> Option<TransportError> {
    let status = response.status();
    if !status.is_redirection() || status == reqwest::StatusCode::NOT_MODIFIED {
        return None;
    }
    let to = response.headers().get(reqwest::header::LOCATION).and_then(|l| l.to_str().ok()).unwrap_or("nowhere said");
    Some(TransportError::Other(format!(
        "{what} answered a redirect ({} to {}), which the console does not follow: check the configured URL {}",
        status.as_u16(),
        console_api::validate::printable_prefix(to, 200),
        response.url()
    )))
}

/// A failed exchange in the terms callers branch on. TLS failures come first: a refused client
/// certificate shows as a broken connection in TLS 1.3 (the server says so after the handshake), and an
/// untrusted server certificate as a connect error.
pub(crate) fn transport_error(e: &reqwest::Error) -> TransportError {
    let detail = chain(e);
    if let Some(tls) = causes(e).find_map(|c| c.downcast_ref::<rustls::Error>()) {
        use rustls::AlertDescription as A;
        match tls {
            rustls::Error::AlertReceived(
                A::CertificateRequired
                | A::BadCertificate
                | A::UnsupportedCertificate
                | A::CertificateRevoked
                | A::CertificateExpired
                | A::CertificateUnknown
                | A::UnknownCA
                | A::AccessDenied,
            ) => return TransportError::Unauthenticated { upstream_error: None, detail },
            rustls::Error::InvalidCertificate(_) => return TransportError::Untrusted(detail),
            _ => {}
        }
    }
    if e.is_timeout() {
        TransportError::Timeout
    } else if e.is_connect() {
        TransportError::Connect(detail)
    } else if e.is_request() || e.is_body() {
        TransportError::Interrupted(detail)
    } else {
        TransportError::Other(detail)
    }
}

/// The error and its causes. An `io::Error` wrapping another error reports that error's *source* as its
/// own, skipping the wrapped one (rustls's), so it is stepped into instead.
fn causes<'a>(e: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(e), |&e: &&'a (dyn StdError + 'static)| {
        match e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => e.source(),
        }
    })
}

/// `error: cause: cause`, for the server's log (reqwest's own text names only the URL).
fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in causes(e) {
        let text = cause.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// Joins a relative path onto a base URL, keeping the base's own path (`.../authz/v1` + `oauth2/token`:
/// `Url::join` would drop `v1`, and a base with a trailing slash would double it).
pub(crate) fn join(base: &url::Url, path: &str) -> url::Url {
    let mut url = base.clone();
    url.set_path(&format!("{}/{}", base.path().trim_end_matches('/'), path.trim_start_matches('/')));
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_the_base_path() {
        let base = url::Url::parse("https://api.d1.thalescloud.io/authz/v1").unwrap();
        assert_eq!(join(&base, "oauth2/token").as_str(), "https://api.d1.thalescloud.io/authz/v1/oauth2/token");
        let base = url::Url::parse("http://127.0.0.1:1/banking/v1/").unwrap();
        assert_eq!(join(&base, "/issuers/X").as_str(), "http://127.0.0.1:1/banking/v1/issuers/X");
        let base = url::Url::parse("https://auth.bank.example/auth").unwrap();
        assert_eq!(join(&base, ".well-known/jwks.json").as_str(), "https://auth.bank.example/auth/.well-known/jwks.json");
    }

    #[test]
    fn unusable_tls_files_are_clear_errors_and_never_printed() {
        let tls = UpstreamTls { ca_bundle_pem: Some(b"not a certificate".to_vec()), client_identity_pem: None };
        let e = client(&tls, Duration::from_secs(1)).unwrap_err();
        assert!(matches!(e, TlsError::CaBundle(_)), "{e}");
        let tls = UpstreamTls { client_identity_pem: Some(b"SECRET KEY TEXT".to_vec()), ca_bundle_pem: None };
        let e = client(&tls, Duration::from_secs(1)).unwrap_err();
        assert!(matches!(e, TlsError::Identity(_)), "{e}");
        assert!(!format!("{tls:?}").contains("SECRET"));
    }
}
