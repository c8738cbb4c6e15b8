//! Environments the app can work in, as profiles: where each system is and who the app is there. They
//! are kept in `profiles.toml` in the app's config folder; the built-in `sandbox` profile is always
//! there. Secrets are never in a profile: the D1 key, the Consents API key and the MasStack and directory
//! client secrets are in the keychain (see [`SecretKind`]), imported once per profile.

use std::path::{Path, PathBuf};
use std::time::Duration;

use console_api::gateway::Environment;
use console_link::roles::RoleMapping;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The built-in profile's name.
pub const SANDBOX: &str = "sandbox";

/// One environment. Field names are those of the gateway's environment file (`config/console.toml`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Profile {
    /// Letters, digits, `-` and `_` (it names keychain entries).
    pub name: String,
    pub environment: Environment,
    pub d1_banking: url::Url,
    pub d1_authz: url::Url,
    pub issuer_id: String,
    pub kid: String,
    /// The bank's authorization server (`…/auth`), where people sign in.
    pub auth_base: url::Url,
    pub auth_audience: String,
    /// The app's public client there (no secret: RFC 8252 section 8.5).
    pub client_id: String,
    pub consents_base: url::Url,
    pub directory_base: url::Url,
    /// The directory client's token endpoint; absent: the sign-in server's (`{auth_base}/oauth2/token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory_token_url: Option<url::Url>,
    pub directory_client_id: String,
    pub mas_base: url::Url,
    pub mas_token_url: url::Url,
    pub mas_client_id: String,
    pub mas_org: String,
    pub roles: RoleMapping,
}

/// What a profile keeps in the keychain, each an entry of its own: its secrets, and the TLS files that go
/// with them (`crate::upstream_tls`), bound to the same destinations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SecretKind {
    /// The issuer's ES256 key, PKCS#8 DER (see `crate::d1_key`).
    D1Key,
    ConsentsApiKey,
    DirectoryClientSecret,
    MasClientSecret,
    /// Our client certificate for D1, its chain, then its private key (PEM): mutual TLS.
    D1ClientCertificate,
    /// CA certificates (PEM) every server of the profile is trusted with beside the public roots.
    CaBundle,
}

impl SecretKind {
    pub const ALL: [SecretKind; 6] = [
        SecretKind::D1Key,
        SecretKind::ConsentsApiKey,
        SecretKind::DirectoryClientSecret,
        SecretKind::MasClientSecret,
        SecretKind::D1ClientCertificate,
        SecretKind::CaBundle,
    ];

    /// Whether a profile of `environment` cannot work without it. Production D1 requires mutual TLS (as
    /// at the gateway); a staging D1 may; a private CA is the bank's choice.
    pub fn needed_in(self, environment: &Environment) -> bool {
        match self {
            SecretKind::D1ClientCertificate => *environment == Environment::Production,
            SecretKind::CaBundle => false,
            _ => true,
        }
    }

    /// The keychain entry of this secret for `profile`.
    pub fn entry(self, profile: &str) -> String {
        match self {
            SecretKind::D1Key => crate::keychain::d1_key_entry(profile),
            SecretKind::ConsentsApiKey => format!("consents-api-key:{profile}"),
            SecretKind::DirectoryClientSecret => format!("directory-secret:{profile}"),
            SecretKind::MasClientSecret => format!("mas-secret:{profile}"),
            SecretKind::D1ClientCertificate => format!("d1-client-certificate:{profile}"),
            SecretKind::CaBundle => format!("ca-bundle:{profile}"),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SecretKind::D1Key => "D1 signing key",
            SecretKind::ConsentsApiKey => "Consents API key",
            SecretKind::DirectoryClientSecret => "directory client secret",
            SecretKind::MasClientSecret => "MasStack client secret",
            SecretKind::D1ClientCertificate => "D1 client certificate",
            SecretKind::CaBundle => "private CA bundle",
        }
    }
}

/// The sandbox's demo secrets, the same as `config/console.toml`'s: marked DEMO-ONLY, worthless elsewhere.
pub const SANDBOX_DEMO_SECRETS: [(SecretKind, &str); 4] = [
    (SecretKind::D1Key, include_str!("../../src-sandbox/demo/DEMOISSUER.es256.key.pem")),
    (SecretKind::ConsentsApiKey, "sandbox-api-key-DEMO-ONLY"),
    (SecretKind::DirectoryClientSecret, "sandbox-directory-secret-DEMO-ONLY"),
    (SecretKind::MasClientSecret, "sandbox-mas-secret-DEMO-ONLY"),
];

impl Profile {
    /// The local sandbox at `base` (`http://127.0.0.1:8081/` for `cargo xtask desktop`).
    pub fn sandbox(base: &url::Url) -> Result<Profile, url::ParseError> {
        let at = |path: &str| base.join(path);
        Ok(Profile {
            name: SANDBOX.into(),
            environment: Environment::Sandbox,
            d1_banking: at("banking/v1")?,
            d1_authz: at("authz/v1")?,
            issuer_id: "DEMOISSUER".into(),
            kid: "DEMOISSUER-demo-es256".into(),
            auth_base: at("auth")?,
            auth_audience: "sandbox-banking-apis".into(),
            client_id: "console-desktop".into(),
            consents_base: at("consents")?,
            directory_base: at("directory/v1")?,
            directory_token_url: None,
            directory_client_id: "console-directory".into(),
            mas_base: at("masstack/v4")?,
            mas_token_url: at("masstack/oauth/token")?,
            mas_client_id: "console-mas".into(),
            mas_org: "telco".into(),
            roles: RoleMapping { claim: "roles".into(), admin: vec!["admin".into()], agent: vec!["agent".into()], customer: vec!["customer".into()] },
        })
    }

    /// Every upstream URL of the profile, named as in the form.
    pub fn urls(&self) -> Vec<(&'static str, &url::Url)> {
        let mut urls = vec![
            ("D1 banking URL", &self.d1_banking),
            ("D1 authorization URL", &self.d1_authz),
            ("sign-in server URL", &self.auth_base),
            ("Consents URL", &self.consents_base),
            ("directory URL", &self.directory_base),
            ("MasCustomers URL", &self.mas_base),
            ("MasStack token URL", &self.mas_token_url),
        ];
        if let Some(url) = &self.directory_token_url {
            urls.push(("directory token URL", url));
        }
        urls
    }

    /// Everything that says where the profile's secrets go and as which client: its URLs and client ids.
    /// (The issuerId, kid and org only name things at the same servers: changing them sends nothing
    /// elsewhere.)
    pub fn destinations(&self) -> (Vec<(&'static str, &url::Url)>, [&str; 3]) {
        (self.urls(), [&self.client_id, &self.directory_client_id, &self.mas_client_id])
    }

    /// The name its keychain entries are kept under: the profile's name and a digest of where its secrets
    /// go and who may be what ([`Profile::destinations`], the role mapping, the audience). A profile edited
    /// to send elsewhere, or to map roles otherwise, finds none of the secrets or the kept sign-in imported
    /// for it before (they are imported again, deliberately), whatever wrote the change: the settings
    /// screen or a hand-edited `profiles.toml`.
    pub fn keychain_scope(&self) -> String {
        use sha2::{Digest, Sha256};
        let (urls, ids) = self.destinations();
        let urls: Vec<(&str, &str)> = urls.into_iter().map(|(name, url)| (name, url.as_str())).collect();
        let bound = serde_json::json!([self.environment.as_str(), urls, ids, self.auth_audience, self.roles]);
        let digest = Sha256::digest(bound.to_string().as_bytes());
        // 128 bits: a profile sent elsewhere must not be searchable for one that shares the scope.
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        format!("{}:{hex}", self.name)
    }

    /// What a profile must be before it is saved or used; the first fault, in words that say what to fix.
    pub fn check(&self) -> Result<(), ProfileError> {
        let invalid = |field: &'static str, message: String| Err(ProfileError::Invalid { field, message });
        if self.name.is_empty() || self.name.len() > 40 || !self.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return invalid("name", "The name is 1 to 40 letters, digits, - or _.".into());
        }
        for (field, value) in [
            ("issuerId", &self.issuer_id),
            ("kid", &self.kid),
            ("authAudience", &self.auth_audience),
            ("clientId", &self.client_id),
            ("directoryClientId", &self.directory_client_id),
            ("masClientId", &self.mas_client_id),
            ("masOrg", &self.mas_org),
            ("roles.claim", &self.roles.claim),
        ] {
            if value.trim().is_empty() {
                return invalid(field, format!("{field} is required."));
            }
        }
        // The contract's rule: the id stands in D1's URL paths.
        if let Err(e) = console_api::validate::ISSUER_ID.check(&self.issuer_id) {
            return invalid("issuerId", e.message);
        }
        // The JWT header's `kid`: no rule in the contract, but nothing a registered id would hold.
        if self.kid.len() > 128 || !self.kid.chars().all(|c| c.is_ascii_graphic()) {
            return invalid("kid", "The key id is 1 to 128 visible characters, without spaces, as registered with D1.".into());
        }
        // It stands in every MasCustomers path (the link checks the same rule when it starts).
        if let Err(e) = console_api::mas_client::ORG_ID.check(&self.mas_org) {
            return invalid("masOrg", format!("The MasStack organisation: {}", e.message));
        }
        for (name, url) in self.urls() {
            let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
            let allowed = match self.environment {
                // The sandbox runs on this machine: a profile labelled Sandbox never reaches a real bank.
                Environment::Sandbox => local && matches!(url.scheme(), "http" | "https"),
                _ => url.scheme() == "https",
            };
            // No query or fragment either: the sign-in server's confirmation shows the address whole, and
            // `https://evil.example/#https://login.bank.example` must not read as the bank's.
            let extra = url.query().is_some() || url.fragment().is_some();
            if !allowed || extra || url.cannot_be_a_base() || !url.username().is_empty() || url.password().is_some() {
                let rule = if self.environment == Environment::Sandbox { "on this machine (127.0.0.1 or localhost)" } else { "https://" };
                return invalid("urls", format!("The {name} ({url}) must be {rule}, without a user name, password, query or fragment."));
            }
        }
        Ok(())
    }

    /// The sign-in settings of this profile (`crate::sign_in`), trusting `tls`'s CA bundle
    /// (`crate::upstream_tls::sign_in_settings` reads it from the keychain).
    pub fn sign_in(&self, tls: console_link::UpstreamTls) -> crate::sign_in::SignInSettings {
        crate::sign_in::SignInSettings {
            auth_base: self.auth_base.clone(),
            audience: self.auth_audience.clone(),
            client_id: self.client_id.clone(),
            scopes: console_link::user_auth::CONSOLE_SCOPES.map(String::from).to_vec(),
            http_timeout: Duration::from_secs(15),
            tls,
        }
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ProfileError {
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("there is no profile named {0:?}")]
    Unknown(String),
    #[error("the built-in sandbox profile cannot be changed or removed")]
    BuiltIn,
    #[error("{0}")]
    File(String),
}

/// `profiles.toml`: the profiles added, and which one is active.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfilesFile {
    /// Absent: the sandbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<String>,
    #[serde(default)]
    pub profiles: Vec<Profile>,
}

/// The profiles as the app holds them: the built-in sandbox first, then the file's.
#[derive(Clone, Debug)]
pub struct Profiles {
    path: PathBuf,
    sandbox: Profile,
    file: ProfilesFile,
}

impl Profiles {
    /// Reads `path` (absent: only the sandbox). A file that does not parse is an error, not an empty list:
    /// a typo must not silently drop the bank's profiles.
    pub fn load(path: &Path, sandbox: Profile) -> Result<Profiles, ProfileError> {
        let file = match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str::<ProfilesFile>(&text).map_err(|e| ProfileError::File(format!("{} is not a profiles file: {e}", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ProfilesFile::default(),
            Err(e) => return Err(ProfileError::File(format!("cannot read {}: {e}", path.display()))),
        };
        Ok(Profiles { path: path.to_path_buf(), sandbox, file })
    }

    pub fn all(&self) -> Vec<Profile> {
        std::iter::once(self.sandbox.clone()).chain(self.file.profiles.iter().cloned()).collect()
    }

    pub fn get(&self, name: &str) -> Option<Profile> {
        self.all().into_iter().find(|p| p.name == name)
    }

    /// The active profile (the sandbox when the file names none, or one that is gone).
    pub fn active(&self) -> Profile {
        self.file.active.as_deref().and_then(|name| self.get(name)).unwrap_or_else(|| self.sandbox.clone())
    }

    /// Adds `profile`, or replaces the one of that name; written at once.
    pub fn save(&mut self, profile: Profile) -> Result<(), ProfileError> {
        profile.check()?;
        if profile.name == SANDBOX {
            return Err(ProfileError::BuiltIn);
        }
        let mut file = self.file.clone();
        match file.profiles.iter_mut().find(|p| p.name == profile.name) {
            Some(existing) => *existing = profile,
            None => file.profiles.push(profile),
        }
        self.write(file)
    }

    pub fn remove(&mut self, name: &str) -> Result<(), ProfileError> {
        if name == SANDBOX {
            return Err(ProfileError::BuiltIn);
        }
        let mut file = self.file.clone();
        let before = file.profiles.len();
        file.profiles.retain(|p| p.name != name);
        if file.profiles.len() == before {
            return Err(ProfileError::Unknown(name.into()));
        }
        if file.active.as_deref() == Some(name) {
            file.active = None;
        }
        self.write(file)
    }

    pub fn set_active(&mut self, name: &str) -> Result<Profile, ProfileError> {
        let profile = self.get(name).ok_or_else(|| ProfileError::Unknown(name.into()))?;
        let mut file = self.file.clone();
        file.active = (name != SANDBOX).then(|| name.to_string());
        self.write(file)?;
        Ok(profile)
    }

    /// Written to a temporary file and renamed over the old one: a crash leaves the old file or the new.
    fn write(&mut self, file: ProfilesFile) -> Result<(), ProfileError> {
        let text = toml::to_string_pretty(&file).map_err(|e| ProfileError::File(e.to_string()))?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| ProfileError::File(format!("cannot create {}: {e}", dir.display())))?;
        }
        let temporary = self.path.with_extension("toml.new");
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &self.path))
            .map_err(|e| ProfileError::File(format!("cannot write {}: {e}", self.path.display())))?;
        self.file = file;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox() -> Profile {
        Profile::sandbox(&url::Url::parse("http://127.0.0.1:8081/").unwrap()).unwrap()
    }

    fn staging() -> Profile {
        let mut p = sandbox();
        p.name = "staging".into();
        p.environment = Environment::Staging;
        for url in [&mut p.d1_banking, &mut p.d1_authz, &mut p.auth_base, &mut p.consents_base, &mut p.directory_base, &mut p.mas_base, &mut p.mas_token_url] {
            url.set_scheme("https").unwrap();
            url.set_host(Some("api.bank.example")).unwrap();
            url.set_port(None).unwrap();
        }
        p
    }

    #[test]
    fn the_sandbox_profile_passes_its_own_checks() {
        assert_eq!(sandbox().check(), Ok(()));
        assert_eq!(staging().check(), Ok(()));
    }

    #[test]
    fn outside_the_sandbox_every_url_is_https_and_names_are_checked() {
        let mut p = staging();
        p.mas_token_url = url::Url::parse("http://127.0.0.1:9/token").unwrap();
        let Err(ProfileError::Invalid { field, message }) = p.check() else { panic!("http in staging passed") };
        assert_eq!(field, "urls");
        assert!(message.contains("MasStack token URL") && message.contains("https://"), "{message}");
        let mut p = sandbox();
        p.consents_base = url::Url::parse("http://evil.example/consents").unwrap();
        assert!(p.check().is_err(), "plain http to another machine, even for the sandbox");
        p.consents_base = url::Url::parse("https://api.bank.example/consents").unwrap();
        assert!(p.check().is_err(), "a profile labelled Sandbox stays on this machine");
        let mut p = staging();
        p.auth_base = url::Url::parse("https://evil.example/auth#https://login.bank.example/auth").unwrap();
        assert!(p.check().is_err(), "a fragment could pass for the bank's address");
        let edits: [(&str, fn(&mut Profile)); 4] = [
            ("name", |p| p.name = "../x".into()),
            ("issuerId", |p| p.issuer_id = "short".into()),
            ("kid", |p| p.kid = "key id".into()),
            ("masOrg", |p| p.mas_org = "tel/co".into()),
        ];
        for (field, edit) in edits {
            let mut p = staging();
            edit(&mut p);
            assert!(matches!(p.check(), Err(ProfileError::Invalid { field: f, .. }) if f == field), "{field}: {:?}", p.check());
        }
    }

    #[test]
    fn profiles_are_saved_switched_and_removed_and_the_sandbox_stays() {
        let dir = std::env::temp_dir().join(format!("console-profiles-{}", std::process::id()));
        let path = dir.join("profiles.toml");
        let _ = std::fs::remove_file(&path);
        let mut profiles = Profiles::load(&path, sandbox()).unwrap();
        assert_eq!(profiles.active().name, SANDBOX);
        profiles.save(staging()).unwrap();
        profiles.set_active("staging").unwrap();
        // Read back from the file.
        let again = Profiles::load(&path, sandbox()).unwrap();
        assert_eq!(again.active(), staging());
        assert_eq!(again.all().len(), 2);
        assert_eq!(profiles.save(sandbox()), Err(ProfileError::BuiltIn));
        assert_eq!(profiles.remove(SANDBOX), Err(ProfileError::BuiltIn));
        profiles.remove("staging").unwrap();
        assert_eq!(Profiles::load(&path, sandbox()).unwrap().active().name, SANDBOX);
        std::fs::write(&path, "profiles = 3").unwrap();
        assert!(matches!(Profiles::load(&path, sandbox()), Err(ProfileError::File(_))));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
