//! The profile's keys for who is who and their accounts: the bank's customer directory (reached with the
//! console's `directory_client_id` at the bank's authorization server: `directory_token_url`, by default
//! the sign-in's token endpoint under `auth_base`) and MasStack
//! MasCustomers v4 (with MasStack's own token endpoint, `mas_token_url`, and the environment's `mas_org`).
//!
//! Staging and production hold them to the file's rules: https URLs, secrets as owner-only files.

use std::path::PathBuf;
use std::time::Duration;

use console_link::directory::DirectoryConfig;
use console_link::mas::MasConfig;
use console_link::{RetryPolicy, ServiceCredentials};

use super::{CaBundleFile, Files, ProfileFile};

/// The keys of [`ProfileFile`] this module reads, flattened there (serde's `flatten` and
/// `deny_unknown_fields` do not mix): see `config/console.toml`.
pub(super) struct PeopleKeys<'a> {
    pub directory_base: &'a str,
    pub directory_token_url: Option<&'a str>,
    pub directory_client_id: &'a str,
    pub directory_client_secret: &'a Option<String>,
    pub directory_client_secret_file: &'a Option<PathBuf>,
    pub mas_base: &'a str,
    pub mas_token_url: &'a str,
    pub mas_client_id: &'a str,
    pub mas_client_secret: &'a Option<String>,
    pub mas_client_secret_file: &'a Option<PathBuf>,
    pub mas_org: &'a str,
}

impl ProfileFile {
    pub(super) fn people_keys(&self) -> PeopleKeys<'_> {
        PeopleKeys {
            directory_base: &self.directory_base,
            directory_token_url: self.directory_token_url.as_deref(),
            directory_client_id: &self.directory_client_id,
            directory_client_secret: &self.directory_client_secret,
            directory_client_secret_file: &self.directory_client_secret_file,
            mas_base: &self.mas_base,
            mas_token_url: &self.mas_token_url,
            mas_client_id: &self.mas_client_id,
            mas_client_secret: &self.mas_client_secret,
            mas_client_secret_file: &self.mas_client_secret_file,
            mas_org: &self.mas_org,
        }
    }
}

/// The scopes the console asks MasStack for: it reads and, for admins, writes accounts.
pub const MAS_SCOPES: &str = "accounts:read accounts:write";

/// What staging and production must be: https, and no secret written in the file.
pub(super) fn deployed_rules(k: &PeopleKeys<'_>, environment: &console_api::gateway::Environment) -> Result<(), String> {
    let directory_token_url = k.directory_token_url.map(|v| ("directory_token_url", v));
    for (field, value) in [("directory_base", k.directory_base), ("mas_base", k.mas_base), ("mas_token_url", k.mas_token_url)]
        .into_iter()
        .chain(directory_token_url)
    {
        if !value.starts_with("https://") {
            return Err(format!("{field} '{value}' must be an https:// URL in {environment:?}"));
        }
    }
    for (field, inline) in [("directory_client_secret", k.directory_client_secret), ("mas_client_secret", k.mas_client_secret)] {
        if inline.is_some() {
            return Err(format!("{field} must not be written in the environment file in {environment:?}: put it in a file readable by the gateway's user only and give {field}_file"));
        }
    }
    Ok(())
}

/// The directory's and MasCustomers' link configurations, their secrets read.
pub(super) fn resolve(
    k: &PeopleKeys<'_>,
    auth_base: &url::Url,
    files: &Files<'_>,
) -> Result<(DirectoryConfig, MasConfig), String> {
    let url = |field: &str, s: &str| url::Url::parse(s).map_err(|e| format!("{field} '{s}' is not a URL: {e}"));
    let secret = |field: &str, inline: &Option<String>, file: &Option<PathBuf>| match (inline, file) {
        (Some(v), None) => Ok(v.clone()),
        (None, Some(f)) => files.read_secret(&format!("{field}_file"), f).map(|v| v.trim().to_string()),
        _ => Err(format!("give exactly one of {field} and {field}_file")),
    };
    console_api::mas_client::ORG_ID.check(k.mas_org).map_err(|e| format!("mas_org: {}", e.message))?;
    let required = |field: &str, value: &str| {
        if value.trim().is_empty() { Err(format!("{field} is empty: give the client id registered for the console")) } else { Ok(value.to_string()) }
    };
    let directory = DirectoryConfig {
        base: url("directory_base", k.directory_base)?,
        credentials: ServiceCredentials {
            token_url: match k.directory_token_url {
                Some(given) => url("directory_token_url", given)?,
                None => sign_in_token_url(auth_base),
            },
            client_id: required("directory_client_id", k.directory_client_id)?,
            client_secret: secret("directory_client_secret", k.directory_client_secret, k.directory_client_secret_file)?,
            scope: console_api::directory::DIRECTORY_READ_SCOPE.to_string(),
        },
        timeout: Duration::from_secs(10),
        retry: RetryPolicy::default(),
    };
    let mas = MasConfig {
        base: url("mas_base", k.mas_base)?,
        credentials: ServiceCredentials {
            token_url: url("mas_token_url", k.mas_token_url)?,
            client_id: required("mas_client_id", k.mas_client_id)?,
            client_secret: secret("mas_client_secret", k.mas_client_secret, k.mas_client_secret_file)?,
            scope: MAS_SCOPES.to_string(),
        },
        org: k.mas_org.to_string(),
        timeout: Duration::from_secs(15),
        retry: RetryPolicy::default(),
    };
    Ok((directory, mas))
}

/// `[profiles.NAME.mas_tls]` and `[profiles.NAME.directory_tls]`, read.
pub(super) fn tls(files: &Files<'_>, mas: &CaBundleFile, directory: &CaBundleFile) -> Result<(console_link::UpstreamTls, console_link::UpstreamTls), String> {
    let ca = |field: &str, file: &Option<PathBuf>| file.as_deref().map(|f| files.read(field, f)).transpose();
    Ok((
        console_link::UpstreamTls { client_identity_pem: None, ca_bundle_pem: ca("mas_tls.ca_bundle", &mas.ca_bundle)? },
        console_link::UpstreamTls { client_identity_pem: None, ca_bundle_pem: ca("directory_tls.ca_bundle", &directory.ca_bundle)? },
    ))
}

/// The token endpoint of the bank's authorization server, where people sign in too: the one the gateway's
/// sign-in uses (`console_link::user_auth`) and its discovery document names (`token_endpoint`). The
/// directory's client asks it for tokens unless `directory_token_url` names another.
pub fn sign_in_token_url(auth_base: &url::Url) -> url::Url {
    join(auth_base, "oauth2/token")
}

/// `base` + `/path`, keeping the base's own path.
fn join(base: &url::Url, path: &str) -> url::Url {
    let mut url = base.clone();
    url.set_path(&format!("{}/{}", base.path().trim_end_matches('/'), path));
    url
}
