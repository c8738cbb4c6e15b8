//! Staging and production profiles: what [`super::load`] refuses, with the files in a temp directory.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::*;

/// A project root in the temp dir: `config/console.toml` plus key and secret files, removed when dropped.
struct Project(PathBuf);

impl Project {
    /// A `production` profile (https upstreams, secrets in 0600 files, the D1 client certificate) that
    /// loads; `edit` changes its TOML text first.
    fn production(name: &str, edit: impl FnOnce(String) -> String) -> Project {
        let root = std::env::temp_dir().join(format!("console-config-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("config")).unwrap();
        let project = Project(root);
        for (file, text) in [
            ("d1.key.pem", "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"),
            ("client-secret", "s3cret\n"),
            ("api-key", "k3y\n"),
            ("directory-secret", "d1r\n"),
            ("mas-secret", "m4s\n"),
            ("d1-client.crt.pem", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"),
            ("d1-client.key.pem", "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"),
        ] {
            project.write(file, text, 0o600);
        }
        let toml = r#"
[profiles.production]
environment = "production"
d1_banking = "https://d1.example/banking/v1"
d1_authz = "https://d1.example/authz/v1"
issuer_id = "ISSUER0001"
kid = "k"
private_key = "d1.key.pem"
auth_base = "https://auth.example/auth"
auth_audience = "aud"
client_id = "console"
client_secret_file = "client-secret"
consents_base = "https://api.example/consents"
api_key_file = "api-key"
roles = { claim = "groups", admin = ["console-admins"], agent = ["console-agents"], customer = ["customers"] }
directory_base = "https://directory.example/directory/v1"
directory_client_id = "console-directory"
directory_client_secret_file = "directory-secret"
mas_base = "https://customers.example/v4"
mas_token_url = "https://auth.masstack.example/oauth/token"
mas_client_id = "console-mas"
mas_client_secret_file = "mas-secret"
mas_org = "bankco"

[profiles.production.d1_tls]
client_cert = "d1-client.crt.pem"
client_key = "d1-client.key.pem"
"#;
        std::fs::write(project.0.join("config/console.toml"), edit(toml.to_string())).unwrap();
        project
    }

    fn write(&self, file: &str, text: &str, mode: u32) {
        let path = self.0.join(file);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn chmod(&self, file: &str, mode: u32) {
        std::fs::set_permissions(self.0.join(file), std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn load(&self) -> Result<Profile, ConfigError> {
        load(&self.0.join("config/console.toml"), Some("production"))
    }

    fn refusal(&self) -> String {
        self.load().map(|p| p.name).expect_err("the profile must be refused").to_string()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[track_caller]
fn says(error: &str, words: &[&str]) {
    for w in words {
        assert!(error.contains(w), "{w:?} missing from: {error}");
    }
}

#[test]
fn a_complete_production_profile_loads_with_its_tls_files() {
    let project = Project::production("complete", |t| t + "ca_bundle = \"d1-client.crt.pem\"\n");
    let p = project.load().unwrap();
    let identity = String::from_utf8(p.tls.d1.client_identity_pem.unwrap()).unwrap();
    assert!(identity.contains("BEGIN CERTIFICATE") && identity.contains("BEGIN PRIVATE KEY"), "cert then key: {identity}");
    assert!(p.tls.d1.ca_bundle_pem.is_some() && p.tls.auth.ca_bundle_pem.is_none());
    assert_eq!(p.auth.client_secret, "s3cret");
    assert_eq!((p.directory.credentials.client_secret.as_str(), p.mas.credentials.client_secret.as_str()), ("d1r", "m4s"));
    assert_eq!(p.directory.credentials.token_url.as_str(), "https://auth.example/auth/oauth2/token", "the bank's own authorization server");
    assert_eq!(p.mas.org, "bankco");
}

#[test]
fn the_directory_token_url_defaults_to_the_sign_in_one_and_may_name_another() {
    let p = Project::production("directory-token-default", |t| t).load().unwrap();
    assert_eq!(p.directory.credentials.token_url, people::sign_in_token_url(&p.auth.base));
    // A bank whose directory client gets its tokens elsewhere than `{auth_base}/oauth2/token`.
    let given = |url: &'static str| move |t: String| t.replace("directory_client_id =", &format!("directory_token_url = \"{url}\"\ndirectory_client_id ="));
    let project = Project::production("directory-token-given", given("https://idp.example/realms/bank/protocol/openid-connect/token"));
    let p = project.load().unwrap();
    assert_eq!(p.directory.credentials.token_url.as_str(), "https://idp.example/realms/bank/protocol/openid-connect/token");
    assert_eq!(p.auth.base.as_str(), "https://auth.example/auth", "sign-in is not moved by it");
    says(&Project::production("directory-token-http", given("http://idp.example/token")).refusal(), &["directory_token_url", "https://"]);
    says(&Project::production("directory-token-bad", given("https://")).refusal(), &["directory_token_url", "not a URL"]);
}

#[test]
fn a_ca_bundle_for_mascustomers_or_the_directory_is_read() {
    let project = Project::production("mas-ca", |t| t + "\n[profiles.production.mas_tls]\nca_bundle = \"d1-client.crt.pem\"\n");
    let p = project.load().unwrap();
    assert!(p.tls.mas.ca_bundle_pem.is_some() && p.tls.directory.ca_bundle_pem.is_none());
}

#[test]
fn production_without_the_d1_client_certificate_is_refused() {
    let project = Project::production("no-client-cert", |t| t.replace("client_cert = \"d1-client.crt.pem\"\n", ""));
    says(&project.refusal(), &["mutual TLS", "d1_tls.client_cert", "d1_tls.client_key"]);
    let project = Project::production("no-d1-tls", |t| t[..t.find("[profiles.production.d1_tls]").unwrap()].to_string());
    says(&project.refusal(), &["mutual TLS", "d1_tls.client_cert", "d1_tls.client_key"]);
}

#[test]
fn staging_may_go_without_a_client_certificate_but_not_half_of_one() {
    let project = Project::production("staging", |t| {
        t.replace("\"production\"", "\"staging\"").replace("client_key = \"d1-client.key.pem\"\n", "")
    });
    says(&project.refusal(), &["both d1_tls.client_cert and d1_tls.client_key"]);
}

#[test]
fn deployed_upstreams_must_be_https() {
    for field in ["d1_banking", "d1_authz", "auth_base", "consents_base", "directory_base", "mas_base", "mas_token_url"] {
        let project = Project::production(&format!("http-{field}"), |t| {
            let line = t.lines().find(|l| l.starts_with(&format!("{field} ="))).unwrap().to_string();
            t.replace(&line, &line.replace("https://", "http://"))
        });
        says(&project.refusal(), &[field, "https://"]);
    }
}

#[test]
fn deployed_secrets_are_never_inline() {
    let project = Project::production("inline-secret", |t| t.replace("client_secret_file = \"client-secret\"", "client_secret = \"s3cret\""));
    says(&project.refusal(), &["client_secret", "client_secret_file"]);
    let project = Project::production("inline-key", |t| t.replace("api_key_file = \"api-key\"", "api_key = \"k3y\""));
    says(&project.refusal(), &["api_key", "api_key_file"]);
    for field in ["directory_client_secret", "mas_client_secret"] {
        let file = if field.starts_with("mas") { "mas-secret" } else { "directory-secret" };
        let project = Project::production(&format!("inline-{field}"), |t| t.replace(&format!("{field}_file = \"{file}\""), &format!("{field} = \"x\"")));
        says(&project.refusal(), &[field, &format!("{field}_file")]);
    }
}

#[test]
fn deployed_secret_files_readable_by_group_or_others_are_refused() {
    for (file, field) in [
        ("d1.key.pem", "private_key"),
        ("client-secret", "client_secret_file"),
        ("api-key", "api_key_file"),
        ("directory-secret", "directory_client_secret_file"),
        ("mas-secret", "mas_client_secret_file"),
        ("d1-client.key.pem", "d1_tls.client_key"),
    ] {
        for mode in [0o640, 0o604] {
            let project = Project::production(&format!("mode-{field}-{mode:o}"), |t| t);
            project.chmod(file, mode);
            says(&project.refusal(), &[field, "group or others", "chmod 600"]);
        }
    }
    // The certificate is public: any mode will do.
    let project = Project::production("public-cert", |t| t);
    project.chmod("d1-client.crt.pem", 0o644);
    project.load().unwrap();
}

#[test]
fn the_sandbox_keeps_its_committed_demo_secrets() {
    // The demo key is committed (mode 0644 in a checkout) and its secrets inline: sandbox only.
    let p = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/console.toml"), Some("sandbox")).unwrap();
    assert!(p.tls.d1.client_identity_pem.is_none());
}

#[test]
fn the_committed_production_profile_asks_for_files_not_fields() {
    let e = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/console.toml"), Some("production")).unwrap_err();
    let e = e.to_string();
    assert!(!e.contains("mutual TLS") && e.contains("/etc/console/"), "{e}");
}

#[test]
fn the_upstream_origin_override_is_for_the_sandbox_only() {
    let project = Project::production("origin", |t| t);
    let origin = url::Url::parse("http://127.0.0.1:9").unwrap();
    let e = with_upstream_origin(project.load().unwrap(), &origin).unwrap_err().to_string();
    says(&e, &["--upstream-origin", "sandbox profile only"]);
    let staging = Project::production("origin-staging", |t| t.replace("\"production\"", "\"staging\""));
    let p = load(&staging.0.join("config/console.toml"), Some("production")).unwrap();
    assert!(with_upstream_origin(p, &origin).is_err(), "staging too");
}
