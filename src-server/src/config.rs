//! The environment file (TOML) and its profiles: `sandbox` (default), `staging`, `production`.
//!
//! Staging and production ([`deployed`]) are held to more: https upstreams only, secrets in files only
//! (`*_file`), readable by the gateway's user alone, no `--upstream-origin`, and for production the D1
//! client certificate of mutual TLS. The directory's and MasCustomers' keys are read in [`people`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use console_api::gateway::Environment;
use console_link::directory::DirectoryConfig;
use console_link::mas::MasConfig;
use console_link::{D1Config, D1Credentials, RetryPolicy, UpstreamTls};
use serde::Deserialize;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a valid environment file: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("profile '{0}' is not in the environment file (profiles: {1})")]
    NoProfile(String, String),
    #[error("profile '{profile}': {message}")]
    Invalid { profile: String, message: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    default_profile: Option<String>,
    profiles: std::collections::BTreeMap<String, ProfileFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    environment: String,
    d1_banking: String,
    d1_authz: String,
    issuer_id: String,
    kid: String,
    private_key: PathBuf,
    /// The authorization server people sign in at (its base; tokens carry it as `iss`).
    auth_base: String,
    /// The `aud` the access tokens must carry.
    auth_audience: String,
    client_id: String,
    /// The confidential client's secret: inline only for the sandbox's DEMO secret, else a file.
    client_secret: Option<String>,
    client_secret_file: Option<PathBuf>,
    consents_base: String,
    api_key: Option<String>,
    api_key_file: Option<PathBuf>,
    #[serde(default)]
    session: SessionFile,
    roles: RoleMapping,
    #[serde(default)]
    d1_tls: D1TlsFile,
    #[serde(default)]
    auth_tls: CaBundleFile,
    #[serde(default)]
    consents_tls: CaBundleFile,
    /// The bank's customer directory ([`people`]).
    directory_base: String,
    /// The directory's token endpoint, when it is not the sign-in's (`{auth_base}/oauth2/token`).
    directory_token_url: Option<String>,
    directory_client_id: String,
    directory_client_secret: Option<String>,
    directory_client_secret_file: Option<PathBuf>,
    #[serde(default)]
    directory_tls: CaBundleFile,
    /// MasStack MasCustomers v4 ([`people`]).
    mas_base: String,
    mas_token_url: String,
    mas_client_id: String,
    mas_client_secret: Option<String>,
    mas_client_secret_file: Option<PathBuf>,
    mas_org: String,
    #[serde(default)]
    mas_tls: CaBundleFile,
}

/// `[profiles.NAME.d1_tls]`: mutual TLS with D1 and its CA, PEM files.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct D1TlsFile {
    /// Our client certificate (and its chain), exchanged with D1 at onboarding. Required in production.
    client_cert: Option<PathBuf>,
    /// Its private key. Required with `client_cert`.
    client_key: Option<PathBuf>,
    /// CA certificates trusted beside the public roots, when D1's is a private CA.
    ca_bundle: Option<PathBuf>,
}

/// `[profiles.NAME.auth_tls]` and `[profiles.NAME.consents_tls]`: the bank's private CA, PEM.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaBundleFile {
    ca_bundle: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionFile {
    /// Signed out after this long without a request.
    idle_minutes: u64,
    /// Signed out this long after signing in, whatever happens.
    absolute_hours: u64,
}

impl Default for SessionFile {
    fn default() -> Self {
        SessionFile { idle_minutes: 30, absolute_hours: 8 }
    }
}

pub use console_link::roles::RoleMapping;

/// Sign-in at the bank's authorization server, and the Apiture APIs reached with the person's token.
#[derive(Clone, Debug)]
pub struct AuthProfile {
    pub base: url::Url,
    pub audience: String,
    pub client_id: String,
    pub client_secret: String,
    pub consents_base: url::Url,
    pub api_key: String,
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    pub roles: RoleMapping,
}

/// Each upstream's TLS files, read.
#[derive(Clone, Debug, Default)]
pub struct TlsProfile {
    pub d1: UpstreamTls,
    pub auth: UpstreamTls,
    pub consents: UpstreamTls,
    pub directory: UpstreamTls,
    pub mas: UpstreamTls,
}

/// One resolved profile: where D1 is and who we are there.
#[derive(Clone, Debug)]
pub struct Profile {
    pub name: String,
    pub environment: Environment,
    pub d1: D1Config,
    pub auth: AuthProfile,
    /// The bank's customer directory: who is who across D1, MasCustomers and Apiture.
    pub directory: DirectoryConfig,
    /// MasCustomers v4, in the environment's org.
    pub mas: MasConfig,
    pub tls: TlsProfile,
}

/// Staging and production: real upstreams, real secrets.
pub fn deployed(environment: &Environment) -> bool {
    *environment != Environment::Sandbox
}

/// Reads `path` and resolves `profile` (or the file's default). Relative key paths are taken from the
/// project root, the parent of the file's directory.
pub fn load(path: &Path, profile: Option<&str>) -> Result<Profile, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
    let file: File =
        toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.into(), message: e.to_string() })?;
    let name = profile.map(str::to_string).or(file.default_profile).unwrap_or_else(|| "sandbox".into());
    let names = file.profiles.keys().cloned().collect::<Vec<_>>().join(", ");
    let p = file.profiles.get(&name).ok_or_else(|| ConfigError::NoProfile(name.clone(), names))?;
    let invalid = |message: String| ConfigError::Invalid { profile: name.clone(), message };

    let environment = Environment::parse_known(&p.environment)
        .ok_or_else(|| invalid(format!("environment '{}' is not sandbox, staging or production", p.environment)))?;
    console_api::validate::ISSUER_ID.check(&p.issuer_id).map_err(|e| invalid(e.to_string()))?;
    let parse_url = |field: &str, s: &str| {
        url::Url::parse(s).map_err(|e| invalid(format!("{field} '{s}' is not a URL: {e}")))
    };
    let deployed = deployed(&environment);
    if deployed {
        deployed_rules(p, &environment).map_err(invalid)?;
        people::deployed_rules(&p.people_keys(), &environment).map_err(invalid)?;
    }
    let banking_base = parse_url("d1_banking", &p.d1_banking)?;
    let authz_base = parse_url("d1_authz", &p.d1_authz)?;
    let files = Files { root: path.parent().and_then(Path::parent).unwrap_or(Path::new(".")), deployed };
    let private_key_pem = files.read_secret("private_key", &p.private_key).map_err(invalid)?;
    let secret = |field: &str, inline: &Option<String>, file: &Option<PathBuf>| match (inline, file) {
        (Some(v), None) => Ok(v.clone()),
        (None, Some(f)) => files.read_secret(&format!("{field}_file"), f).map(|v| v.trim().to_string()).map_err(invalid),
        _ => Err(invalid(format!("give exactly one of {field} and {field}_file"))),
    };
    let mut tls = files.tls(p).map_err(invalid)?;
    (tls.mas, tls.directory) = people::tls(&files, &p.mas_tls, &p.directory_tls).map_err(invalid)?;
    let idle = p.session.idle_minutes;
    let absolute = p.session.absolute_hours;
    if idle == 0 || absolute == 0 || idle > absolute * 60 {
        return Err(invalid(format!("session: idle_minutes ({idle}) must be from 1 up to absolute_hours ({absolute}) x 60")));
    }
    if p.roles.claim.trim().is_empty() {
        return Err(invalid("roles: claim must name the ID token's claim that holds the roles (e.g. \"roles\")".into()));
    }
    let auth_base = parse_url("auth_base", &p.auth_base)?;
    let (directory, mas) = people::resolve(&p.people_keys(), &auth_base, &files).map_err(invalid)?;
    let auth = AuthProfile {
        base: auth_base,
        audience: p.auth_audience.clone(),
        client_id: p.client_id.clone(),
        client_secret: secret("client_secret", &p.client_secret, &p.client_secret_file)?,
        consents_base: parse_url("consents_base", &p.consents_base)?,
        api_key: secret("api_key", &p.api_key, &p.api_key_file)?,
        idle_timeout: Duration::from_secs(idle * 60),
        absolute_timeout: Duration::from_secs(absolute * 3600),
        roles: p.roles.clone(),
    };

    Ok(Profile {
        name: name.clone(),
        environment,
        d1: D1Config {
            banking_base,
            authz_base,
            credentials: D1Credentials { issuer_id: p.issuer_id.clone(), kid: p.kid.clone(), private_key_pem },
            timeout: Duration::from_secs(15),
            retry: RetryPolicy::default(),
        },
        auth,
        directory,
        mas,
        tls,
    })
}

/// What staging and production must be, checked before any file is read.
fn deployed_rules(p: &ProfileFile, environment: &Environment) -> Result<(), String> {
    for (field, value) in [
        ("d1_banking", &p.d1_banking),
        ("d1_authz", &p.d1_authz),
        ("auth_base", &p.auth_base),
        ("consents_base", &p.consents_base),
    ] {
        if !value.starts_with("https://") {
            return Err(format!("{field} '{value}' must be an https:// URL in {environment:?}"));
        }
    }
    for (field, inline) in [("client_secret", &p.client_secret), ("api_key", &p.api_key)] {
        if inline.is_some() {
            return Err(format!("{field} must not be written in the environment file in {environment:?}: put it in a file readable by the gateway's user only and give {field}_file"));
        }
    }
    let mutual_tls = p.d1_tls.client_cert.is_some() && p.d1_tls.client_key.is_some();
    if *environment == Environment::Production && !mutual_tls {
        return Err("production D1 requires mutual TLS: set d1_tls.client_cert and d1_tls.client_key to the PEM certificate exchanged with D1 at onboarding and its private key".into());
    }
    Ok(())
}

/// Reads the profile's files, relative to the project root. In staging and production a file holding a
/// secret must be readable by its owner only.
struct Files<'a> {
    root: &'a Path,
    deployed: bool,
}

impl Files<'_> {
    fn path(&self, file: &Path) -> PathBuf {
        if file.is_absolute() { file.to_path_buf() } else { self.root.join(file) }
    }

    fn read(&self, field: &str, file: &Path) -> Result<Vec<u8>, String> {
        let path = self.path(file);
        std::fs::read(&path).map_err(|e| format!("{field} {}: {e}", path.display()))
    }

    fn read_secret(&self, field: &str, file: &Path) -> Result<String, String> {
        let path = self.path(file);
        if self.deployed {
            owner_only(field, &path)?;
        }
        let bytes = self.read(field, file)?;
        String::from_utf8(bytes).map_err(|_| format!("{field} {}: not UTF-8 text", path.display()))
    }

    fn tls(&self, p: &ProfileFile) -> Result<TlsProfile, String> {
        let ca = |field: &str, file: &Option<PathBuf>| file.as_deref().map(|f| self.read(field, f)).transpose();
        let identity = match (&p.d1_tls.client_cert, &p.d1_tls.client_key) {
            (None, None) => None,
            (Some(cert), Some(key)) => {
                let mut pem = self.read("d1_tls.client_cert", cert)?;
                pem.push(b'\n');
                pem.extend_from_slice(self.read_secret("d1_tls.client_key", key)?.as_bytes());
                Some(pem)
            }
            _ => return Err("give both d1_tls.client_cert and d1_tls.client_key, or neither".into()),
        };
        Ok(TlsProfile {
            d1: UpstreamTls { client_identity_pem: identity, ca_bundle_pem: ca("d1_tls.ca_bundle", &p.d1_tls.ca_bundle)? },
            auth: UpstreamTls { client_identity_pem: None, ca_bundle_pem: ca("auth_tls.ca_bundle", &p.auth_tls.ca_bundle)? },
            consents: UpstreamTls { client_identity_pem: None, ca_bundle_pem: ca("consents_tls.ca_bundle", &p.consents_tls.ca_bundle)? },
            ..TlsProfile::default()
        })
    }
}

/// Refuses a secret file that its group or others may read (`mode & 0o077`).
#[cfg(unix)]
fn owner_only(field: &str, path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).map_err(|e| format!("{field} {}: {e}", path.display()))?.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "{field} {} is readable by group or others (mode {:o}): `chmod 600` it, owned by the gateway's user",
            path.display(),
            mode & 0o777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn owner_only(_: &str, _: &Path) -> Result<(), String> {
    Ok(())
}

/// The same profile with every upstream (D1, sign-in, Consents, the directory, MasCustomers) at another origin: tests and
/// `cargo xtask run` start the sandbox, which serves them all, on a free port. Refused for staging and
/// production, whose upstreams are the real ones.
pub fn with_upstream_origin(profile: Profile, origin: &url::Url) -> Result<Profile, ConfigError> {
    if deployed(&profile.environment) {
        return Err(ConfigError::Invalid {
            profile: profile.name,
            message: format!("--upstream-origin {origin} is for the sandbox profile only: {:?} talks to its real upstreams", profile.environment),
        });
    }
    Ok(upstreams_at(profile, origin))
}

fn upstreams_at(mut profile: Profile, origin: &url::Url) -> Profile {
    for base in [
        &mut profile.d1.banking_base,
        &mut profile.d1.authz_base,
        &mut profile.auth.base,
        &mut profile.auth.consents_base,
        &mut profile.directory.base,
        &mut profile.directory.credentials.token_url,
        &mut profile.mas.base,
        &mut profile.mas.credentials.token_url,
    ] {
        let path = base.path().to_string();
        let mut next = origin.clone();
        next.set_path(&path);
        *base = next;
    }
    profile
}

pub mod people;

#[cfg(all(test, unix))]
mod deployed_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use console_api::gateway::Role;

    fn project_file() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/console.toml")
    }

    #[test]
    fn the_committed_file_resolves_the_sandbox_profile() {
        let p = load(&project_file(), None).unwrap();
        assert_eq!(p.name, "sandbox");
        assert_eq!(p.environment, Environment::Sandbox);
        assert_eq!(p.d1.credentials.issuer_id, "DEMOISSUER");
        assert!(p.d1.credentials.private_key_pem.contains("PRIVATE KEY"));
    }

    #[test]
    fn unknown_profiles_and_missing_keys_are_clear_errors() {
        let e = load(&project_file(), Some("moon")).unwrap_err().to_string();
        assert!(e.contains("moon") && e.contains("production, sandbox, staging"), "{e}");
        let e = load(&project_file(), Some("staging")).unwrap_err().to_string();
        assert!(e.contains("private_key"), "{e}");
    }

    #[test]
    fn roles_map_from_a_list_or_a_string_claim() {
        let mapping = load(&project_file(), None).unwrap().auth.roles;
        let claims = |v: serde_json::Value| serde_json::json!({ "sub": "x", "roles": v }).as_object().cloned().unwrap();
        assert_eq!(mapping.roles_of(&claims(serde_json::json!(["admin"]))), vec![Role::Admin]);
        assert_eq!(mapping.roles_of(&claims(serde_json::json!("customer"))), vec![Role::Customer]);
        assert_eq!(mapping.roles_of(&claims(serde_json::json!(["agent", "auditor", "admin"]))), vec![Role::Admin, Role::Agent]);
        assert!(mapping.roles_of(&claims(serde_json::json!(["auditor"]))).is_empty());
        assert!(mapping.roles_of(&serde_json::Map::new()).is_empty());
    }

    #[test]
    fn a_role_claim_may_be_a_dotted_path_into_nested_claims_or_a_name_with_dots() {
        let mapping = |claim: &str| RoleMapping { claim: claim.into(), admin: vec!["admin".into()], agent: vec!["agent".into()], customer: vec![] };
        let claims = |v: serde_json::Value| v.as_object().cloned().expect("an object");
        let keycloak = claims(serde_json::json!({"realm_access": {"roles": ["offline_access", "agent"]}}));
        assert_eq!(mapping("realm_access.roles").roles_of(&keycloak), vec![Role::Agent]);
        assert!(mapping("realm_access.groups").roles_of(&keycloak).is_empty());
        assert!(mapping("realm_access").roles_of(&keycloak).is_empty(), "an object is not a role list");
        let namespaced = claims(serde_json::json!({"https://bank.example/roles": ["admin"]}));
        assert_eq!(mapping("https://bank.example/roles").roles_of(&namespaced), vec![Role::Admin]);
    }

    #[test]
    fn origin_override_keeps_paths() {
        let p = load(&project_file(), None).unwrap();
        let p = with_upstream_origin(p, &url::Url::parse("http://127.0.0.1:9999").unwrap()).unwrap();
        assert_eq!(p.d1.banking_base.as_str(), "http://127.0.0.1:9999/banking/v1");
        assert_eq!(p.d1.authz_base.as_str(), "http://127.0.0.1:9999/authz/v1");
        assert_eq!(p.auth.base.as_str(), "http://127.0.0.1:9999/auth");
        assert_eq!(p.auth.consents_base.as_str(), "http://127.0.0.1:9999/consents");
        assert_eq!(p.directory.base.as_str(), "http://127.0.0.1:9999/directory/v1");
        assert_eq!(p.directory.credentials.token_url.as_str(), "http://127.0.0.1:9999/auth/oauth2/token");
        assert_eq!(p.mas.base.as_str(), "http://127.0.0.1:9999/masstack/v4");
        assert_eq!(p.mas.credentials.token_url.as_str(), "http://127.0.0.1:9999/masstack/oauth/token");
    }

    #[test]
    fn the_sandbox_profile_reaches_the_directory_and_mascustomers_of_the_demo_org() {
        let p = load(&project_file(), None).unwrap();
        assert_eq!(p.mas.org, "telco");
        assert_eq!(p.mas.credentials.client_id, "console-mas");
        assert_eq!(p.mas.credentials.scope, "accounts:read accounts:write");
        assert_eq!(p.directory.credentials.client_id, "console-directory");
        assert_eq!(p.directory.credentials.scope, "directory:read");
        assert!(!format!("{:?}", p.mas).contains("sandbox-mas-secret"), "the secret is never printed");
    }
}
