//! The desktop app's own settings, under `/api/desktop/` through the same `api` command (the web gateway
//! has none of these routes: a 404 there). Profiles are listed, saved, removed and made active; a
//! profile's secrets are imported from files the person chooses in the app's own file chooser: the page
//! never holds a key, and cannot name a file either.
//!
//! * `GET /api/desktop/profiles`: every profile, which one is active, which secrets each has.
//! * `PUT /api/desktop/profiles/{name}`: add or replace (the body is the profile); a replacement that
//!   sends secrets elsewhere (another URL, client, issuer or key id) drops the ones imported before.
//! * `DELETE /api/desktop/profiles/{name}`: remove it and its keychain entries.
//! * `POST /api/desktop/profiles/{name}/activate`: work there; signs out first.
//! * `POST /api/desktop/profiles/{name}/secrets/{kind}/import` (no body): the app asks the person for the
//!   file, checks it, asks them to confirm where the secret will be sent, and keeps it in the keychain.
//! * `POST /api/desktop/downloads`: an export saved where the person chooses (`crate::downloads`).

use console_api::gateway::{ApiProblem, ProblemKind};
use serde::Serialize;

use crate::api::{ApiAnswer, ApiCall};
use crate::dialogs::Dialogs;
use crate::keychain::{refresh_entry, KeychainStatus};
use crate::profile::{Profile, ProfileError, SecretKind, SANDBOX};
use crate::state::AppState;

pub const PREFIX: &str = "/api/desktop/";

/// A file the person chose to import, read: its text, and whether its owner alone may read it.
struct ChosenFile {
    shown: String,
    text: String,
    owner_only: bool,
}

impl ChosenFile {
    /// Reads `path`, or says why not in words that quote nothing of it. Like the gateway's secret files
    /// (config/console.toml), it is a regular file: the rule keeps what the settings screen can name to
    /// files made for this (not `/proc/…`, a device or a FIFO).
    async fn read(path: std::path::PathBuf) -> Result<ChosenFile, ApiProblem> {
        blocking(move || Self::read_blocking(&path)).await?.map_err(|why| invalid("file", why))
    }

    fn read_blocking(path: &std::path::Path) -> Result<ChosenFile, String> {
        use std::io::Read;
        use std::os::unix::fs::MetadataExt;
        let shown = path.display().to_string();
        let metadata = std::fs::symlink_metadata(path).map_err(|_| format!("{shown} cannot be read (is the path right?)."))?;
        if metadata.is_symlink() {
            let to = std::fs::read_link(path).map(|to| to.display().to_string()).unwrap_or_default();
            return Err(format!("{shown} is a symbolic link (to {to}): choose the file it points to."));
        }
        if !metadata.is_file() {
            return Err(format!("{shown} is not a regular file."));
        }
        let mut text = String::new();
        let file = std::fs::File::open(path).map_err(|_| format!("{shown} cannot be read."))?;
        // The file opened is the one looked at, not another put in its place meanwhile.
        let opened = file.metadata().map_err(|_| format!("{shown} cannot be read."))?;
        if (opened.dev(), opened.ino()) != (metadata.dev(), metadata.ino()) {
            return Err(format!("{shown} changed while it was being read: choose it again."));
        }
        // Bounded whatever the file claims to be.
        file.take(MAX_SECRET_FILE + 1).read_to_string(&mut text).map_err(|_| {
            format!("{shown} is not a text (PEM) file. A PKCS#12 (.p12, .pfx) or DER (.der, .cer) file is converted to PEM first, for example: openssl pkcs12 -in bank.p12 -out bank.pem -nodes, then chmod 600 bank.pem.")
        })?;
        if text.len() as u64 > MAX_SECRET_FILE {
            return Err(format!("{shown} is larger than a key, certificate or secret file."));
        }
        Ok(ChosenFile { shown, text, owner_only: metadata.mode() & 0o077 == 0 })
    }

    /// Its text, if it may hold a secret: a file others may read is refused, as a leaked secret.
    fn secret(&self) -> Result<&str, ApiProblem> {
        if !self.owner_only {
            let message = format!("{} may be read by others than its owner: chmod 600 it first, as a secret file should be.", self.shown);
            return Err(invalid("file", message));
        }
        Ok(&self.text)
    }
}

fn invalid(field: &str, message: String) -> ApiProblem {
    ApiProblem { field: Some(field.into()), ..ApiProblem::new(400, ProblemKind::InvalidInput, message) }
}

/// The largest file read (a PEM key is under 1 KB, a certificate chain a few).
const MAX_SECRET_FILE: u64 = 64 * 1024;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProfilesAnswer {
    active: String,
    keychain: KeychainStatus,
    profiles: Vec<ProfileEntry>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProfileEntry {
    profile: Profile,
    built_in: bool,
    /// Each secret, whether it is in the keychain (the sandbox's come with the app), and whether the
    /// profile needs it ([`SecretKind::needed_in`]).
    secrets: Vec<(SecretKind, bool, bool)>,
}

/// A route under [`PREFIX`], matched once.
enum Route<'a> {
    List,
    Download,
    Change(Change<'a>),
}

/// A route that changes where the app sends people and secrets: audited ([`audited`]).
enum Change<'a> {
    Save(&'a str),
    Remove(&'a str),
    Activate(&'a str),
    Import { profile: &'a str, kind: &'a str },
}

impl<'a> Route<'a> {
    fn of(method: &str, parts: &[&'a str]) -> Option<Route<'a>> {
        Some(match (method, parts) {
            ("GET", ["profiles"]) => Route::List,
            ("POST", ["downloads"]) => Route::Download,
            ("PUT", ["profiles", name]) => Route::Change(Change::Save(name)),
            ("DELETE", ["profiles", name]) => Route::Change(Change::Remove(name)),
            ("POST", ["profiles", name, "activate"]) => Route::Change(Change::Activate(name)),
            ("POST", ["profiles", profile, "secrets", kind, "import"]) => Route::Change(Change::Import { profile, kind }),
            _ => return None,
        })
    }
}

impl Change<'_> {
    /// Its audit action and target.
    fn audited_as(&self) -> (&'static str, String) {
        match self {
            Change::Save(name) => ("desktop.profile.save", name.to_string()),
            Change::Remove(name) => ("desktop.profile.remove", name.to_string()),
            Change::Activate(name) => ("desktop.profile.activate", name.to_string()),
            Change::Import { profile, kind } => ("desktop.secret.import", format!("{profile}/{kind}")),
        }
    }

    async fn run(&self, state: &AppState, dialogs: &dyn Dialogs, body: Option<&str>) -> Result<Changed, ApiProblem> {
        match *self {
            Change::Save(name) => save(state, dialogs, name, body.unwrap_or_default()).await.map(Changed::Done),
            Change::Remove(name) => remove(state, name).await.map(Changed::Done),
            Change::Activate(name) => activate(state, name).await.map(Changed::Done),
            Change::Import { profile, kind } => import(state, dialogs, profile, kind, body).await,
        }
    }
}

/// The answer to a call under [`PREFIX`], or `None` for any other path.
pub async fn answer(state: &AppState, dialogs: &dyn Dialogs, call: &ApiCall) -> Option<Result<ApiAnswer, ApiProblem>> {
    let rest = call.path.strip_prefix(PREFIX)?;
    let parts: Vec<&str> = rest.split('/').collect();
    let body = call.body.as_deref();
    let answer = match Route::of(&call.method, &parts) {
        None => Err(ApiProblem::new(404, ProblemKind::NotFound, "There is no such desktop settings route.")),
        Some(Route::List) => list(state).await,
        Some(Route::Download) => crate::downloads::save(state, dialogs, body.unwrap_or_default()).await,
        Some(Route::Change(change)) => audited(state, dialogs, &change, body).await,
    };
    Some(Ok(answer.unwrap_or_else(|problem| ApiAnswer {
        status: problem.status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: serde_json::to_string(&problem).unwrap_or_default(),
    })))
}

/// A change's outcome, as the audit line tells it.
enum Changed {
    Done(ApiAnswer),
    /// An import the person called off (no file chosen, or not confirmed): nothing was kept.
    NothingImported,
}

/// Runs `change`, audited as the service audits its writes: an `attempt` line first (a change the log
/// cannot show is not made: 503), then its outcome under the same correlation id, refusals and
/// cancellations included. Who asks is taken before: saving or activating the profile in use signs them
/// out.
async fn audited(state: &AppState, dialogs: &dyn Dialogs, change: &Change<'_>, body: Option<&str>) -> Result<ApiAnswer, ApiProblem> {
    let (action, target) = change.audited_as();
    let (user, role) = match state.host().as_signed_in() {
        Some(signed_in) => signed_in.who().await,
        None => ("-".to_string(), "-".to_string()),
    };
    let log = state.settings_audit.as_ref().map_err(|why| unwritable(action, why))?;
    let cid = console_link::correlation::new_correlation_id();
    let scope = || crate::service_host::desktop_scope(&cid);
    scope().within(|| log.attempt(&user, &role, action, &target, cid.as_str())).map_err(|e| unwritable(action, &e.to_string()))?;
    // One change at a time: a script cannot stack the app's dialogs for the person to click through.
    let outcome = match state.one_settings_change.try_lock() {
        Ok(_one) => change.run(state, dialogs, body).await,
        Err(_) => Err(ApiProblem::new(409, ProblemKind::InvalidInput, "Another change of the settings is under way, perhaps waiting for you in a dialog: finish it first.")),
    };
    scope().within(|| match &outcome {
        Ok(Changed::Done(answered)) => log.record(&user, &role, action, &target, cid.as_str(), answered.status),
        Ok(Changed::NothingImported) => {
            log.record_because(&user, &role, action, &target, cid.as_str(), 200, "nothing imported: no file chosen, or not confirmed")
        }
        Err(problem) => log.record_because(&user, &role, action, &target, cid.as_str(), problem.status, &problem.message),
    });
    match outcome? {
        Changed::Done(answered) => Ok(answered),
        Changed::NothingImported => ok(&serde_json::json!({ "imported": false })),
    }
}

/// 503: the audit log cannot take a change's line, so the change was not made.
fn unwritable(action: &str, why: &str) -> ApiProblem {
    tracing::error!(action, "refused: the audit log cannot be written: {why}");
    ApiProblem::new(503, ProblemKind::Internal, "The app cannot write its audit log, so nothing was changed. Check that the app's data folder can be written, then start the app again.")
}

/// A 200 with `value` as its JSON body.
pub(crate) fn ok<T: Serialize>(value: &T) -> Result<ApiAnswer, ApiProblem> {
    Ok(ApiAnswer {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: serde_json::to_string(value).map_err(|e| ApiProblem::new(500, ProblemKind::Internal, e.to_string()))?,
    })
}

fn problem(e: ProfileError) -> ApiProblem {
    match e {
        ProfileError::Invalid { field, message } => ApiProblem { field: Some(field.into()), ..ApiProblem::new(400, ProblemKind::InvalidInput, message) },
        ProfileError::Unknown(_) => ApiProblem::new(404, ProblemKind::NotFound, e.to_string()),
        ProfileError::BuiltIn => ApiProblem::new(400, ProblemKind::InvalidInput, e.to_string()),
        ProfileError::File(_) => ApiProblem::new(500, ProblemKind::Internal, e.to_string()),
    }
}

/// Runs keychain calls off the async runtime (they block on D-Bus).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiProblem> {
    tauri::async_runtime::spawn_blocking(f).await.map_err(|e| ApiProblem::new(500, ProblemKind::Internal, e.to_string()))
}

async fn list(state: &AppState) -> Result<ApiAnswer, ApiProblem> {
    let profiles = state.profiles.lock().unwrap_or_else(|p| p.into_inner()).all();
    let keychain = state.keychain.clone();
    let entries = blocking(move || {
        profiles
            .into_iter()
            .map(|profile| {
                let built_in = profile.name == SANDBOX;
                let needed = |kind: SecretKind| kind.needed_in(&profile.environment);
                let secrets = SecretKind::ALL
                    .into_iter()
                    .map(|kind| {
                        let kept = matches!(keychain.get(&kind.entry(&profile.keychain_scope())), Ok(Some(_)));
                        (kind, kept || built_in && needed(kind), needed(kind))
                    })
                    .collect();
                ProfileEntry { profile, built_in, secrets }
            })
            .collect()
    })
    .await?;
    ok(&ProfilesAnswer { active: state.profile().name, keychain: state.keychain.status(), profiles: entries })
}

async fn save(state: &AppState, dialogs: &dyn Dialogs, name: &str, body: &str) -> Result<ApiAnswer, ApiProblem> {
    let profile: Profile = serde_json::from_str(body).map_err(|e| {
        ApiProblem { field: Some("profile".into()), ..ApiProblem::new(400, ProblemKind::InvalidInput, format!("The profile is not one the app reads: {e}")) }
    })?;
    if profile.name != name {
        return Err(ApiProblem { field: Some("name".into()), ..ApiProblem::new(400, ProblemKind::InvalidInput, "A profile cannot be renamed: add a new one.") });
    }
    // Refused before anything is asked.
    profile.check().map_err(problem)?;
    if profile.name == SANDBOX {
        return Err(problem(ProfileError::BuiltIn));
    }
    let before = state.profiles.lock().unwrap_or_else(|p| p.into_inner()).get(&profile.name);
    if before.as_ref().map(|b| &b.auth_base) != Some(&profile.auth_base) && !confirm_sign_in_server(dialogs, &profile).await {
        let message = "Not saved: the sign-in server was not confirmed. Check its URL with your bank.";
        return Err(ApiProblem { field: Some("authBase".into()), ..ApiProblem::new(400, ProblemKind::InvalidInput, message) });
    }
    {
        let mut profiles = state.profiles.lock().unwrap_or_else(|p| p.into_inner());
        // The dialog took its time: what was confirmed is saved over what it was asked about, or not at all.
        if profiles.get(&profile.name) != before {
            return Err(ApiProblem::new(409, ProblemKind::InvalidInput, "The profile changed while you were asked: nothing was saved. Save it again."));
        }
        profiles.save(profile.clone()).map_err(problem)?;
    }
    tracing::info!(profile = %profile.name, "desktop profile saved");
    // The active profile edited: the next sign-in uses the new settings; whoever is signed in is signed out
    // first, their refresh token revoked with the settings it was issued under (the CA bundle included).
    if state.profile().name == profile.name {
        crate::commands::sign_out(state).await;
        state.switch_to(profile.clone());
    }
    // Secrets are kept under the profile's addresses and role mapping (Profile::keychain_scope): an edit
    // that changes them finds none of the old ones, which can never go to a new server. Removed here too,
    // as they will not be used again.
    let old_scope = before.map(|before| before.keychain_scope()).filter(|old| *old != profile.keychain_scope());
    if let Some(old_scope) = &old_scope {
        forget_secrets(state, old_scope);
    }
    ok(&serde_json::json!({ "profile": profile, "secretsCleared": old_scope.is_some() }))
}

/// Asks the person, in the app's own dialog (outside the page, which a script could drive), whether people
/// are to sign in at the profile's sign-in server: whoever signs in types their password there.
async fn confirm_sign_in_server(dialogs: &dyn Dialogs, profile: &Profile) -> bool {
    let host = profile.auth_base.host_str().unwrap_or_default();
    let question = format!(
        "Sign people in at {host} in the profile {}?\n\nServer: {host}\nAddress: {}\n\nEveryone who signs in with this profile will type their password there. Continue only if it is the address your bank gave you.",
        profile.name, profile.auth_base
    );
    dialogs.confirm("A sign-in server", &question, "Use this server").await
}

/// Deletes the secrets and kept sign-in under `scope` from the keychain, in the background: tidiness,
/// not safety (a changed profile cannot find them anyway).
fn forget_secrets(state: &AppState, scope: &str) {
    let (keychain, scope) = (state.keychain.clone(), scope.to_string());
    tauri::async_runtime::spawn_blocking(move || {
        for entry in SecretKind::ALL.iter().map(|k| k.entry(&scope)).chain([refresh_entry(&scope)]) {
            if let Err(e) = keychain.delete(&entry) {
                tracing::warn!("forgetting a profile's secrets: {e}");
            }
        }
    });
}

async fn remove(state: &AppState, name: &str) -> Result<ApiAnswer, ApiProblem> {
    if state.profile().name == name {
        return Err(ApiProblem::new(400, ProblemKind::InvalidInput, "This is the profile in use: switch to another before removing it."));
    }
    let removed = {
        let mut profiles = state.profiles.lock().unwrap_or_else(|p| p.into_inner());
        let removed = profiles.get(name);
        profiles.remove(name).map_err(problem)?;
        removed
    };
    if let Some(removed) = removed {
        forget_secrets(state, &removed.keychain_scope());
    }
    ok(&serde_json::json!({}))
}

/// Signs out (the refresh token revoked), then works in `name`: nothing of the old environment stays.
async fn activate(state: &AppState, name: &str) -> Result<ApiAnswer, ApiProblem> {
    let profile = state.profiles.lock().unwrap_or_else(|p| p.into_inner()).set_active(name).map_err(problem)?;
    crate::commands::sign_out(state).await;
    state.switch_to(profile.clone());
    tracing::info!(profile = %profile.name, "desktop profile switched");
    ok(&profile)
}

/// Asks the person for the secret's file (the page names none), checks it, shows where the secret will be
/// sent and asks them to confirm, then keeps it in the keychain. Cancelled at any step: nothing kept,
/// `{"imported": false}`.
async fn import(state: &AppState, dialogs: &dyn Dialogs, name: &str, kind: &str, body: Option<&str>) -> Result<Changed, ApiProblem> {
    let kind: SecretKind = serde_json::from_value(serde_json::Value::String(kind.into())).map_err(|_| {
        invalid("kind", "The secret is one of d1Key, consentsApiKey, directoryClientSecret, masClientSecret, d1ClientCertificate, caBundle.".into())
    })?;
    if body.is_some_and(|body| !matches!(body.trim(), "" | "{}")) {
        return Err(invalid("file", "The app asks for the file itself, in its own file chooser: send no body.".into()));
    }
    if name == SANDBOX {
        return Err(invalid("profile", "The sandbox's secrets come with the app.".into()));
    }
    let Some(target) = state.profiles.lock().unwrap_or_else(|p| p.into_inner()).get(name) else {
        return Err(ApiProblem::new(404, ProblemKind::NotFound, format!("There is no profile named {name:?}.")));
    };
    let Some((shown, checked)) = chosen(dialogs, name, kind).await? else {
        return Ok(Changed::NothingImported);
    };
    let question = format!(
        "Import {shown} as the {} of the profile {name}?\n\nThe app will use it with {}.{}",
        kind.label(),
        sent_to(&target, kind),
        crate::upstream_tls::fingerprints_said(kind, &checked)
    );
    let title = if matches!(kind, SecretKind::D1ClientCertificate | SecretKind::CaBundle) { "Import a certificate" } else { "Import a secret" };
    if !dialogs.confirm(title, &question, "Import").await {
        return Ok(Changed::NothingImported);
    }
    // The dialogs took their time: the secret goes only to the profile the person confirmed it for.
    let now = state.profiles.lock().unwrap_or_else(|p| p.into_inner()).get(name);
    if now.as_ref() != Some(&target) {
        return Err(ApiProblem::new(409, ProblemKind::InvalidInput, "The profile changed while you chose the file: nothing was imported. Import it again."));
    }
    let (keychain, entry) = (state.keychain.clone(), kind.entry(&target.keychain_scope()));
    blocking(move || keychain.set(&entry, &checked)).await?.map_err(|e| ApiProblem::new(500, ProblemKind::Internal, e.to_string()))?;
    tracing::info!(profile = %name, secret = kind.label(), "desktop secret imported");
    // Without a keychain it lasts for this run only, which the page says.
    // The active profile's service was built at sign-in: what is imported now is used from the next one.
    let in_use = state.profile().name == name && state.host().as_signed_in().is_some();
    ok(&serde_json::json!({ "imported": true, "persistent": state.keychain.status().persistent, "nextSignIn": in_use })).map(Changed::Done)
}

/// The file the person chooses for `kind` (for a client certificate without its key in it, the key's file
/// next), read and checked: how the files are named to them, and what the keychain is to keep. `None`:
/// nothing chosen.
async fn chosen(dialogs: &dyn Dialogs, name: &str, kind: SecretKind) -> Result<Option<(String, Vec<u8>)>, ApiProblem> {
    let Some(path) = dialogs.pick_file(&format!("Choose the {} of {name}", kind.label())).await else {
        return Ok(None);
    };
    let file = ChosenFile::read(path).await?;
    let shown = file.shown.clone();
    let checked = match kind {
        // The key's own parse errors can quote the file: only what is wrong with it is said.
        SecretKind::D1Key => crate::d1_key::es256_der(file.secret()?).map_err(|e| match e {
            crate::d1_key::D1KeyError::NotPem(_) | crate::d1_key::D1KeyError::WrongKind(_) => {
                format!("{shown} is not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----).")
            }
            other => other.to_string(),
        }),
        SecretKind::CaBundle => crate::upstream_tls::ca_bundle(&file.text, &shown),
        SecretKind::D1ClientCertificate => {
            let certificate = crate::upstream_tls::CertificateFile::parse(&file.text, &shown).map_err(|why| invalid("file", why))?;
            if certificate.has_key() {
                file.secret()?;
                crate::upstream_tls::client_identity(certificate, None)
            } else {
                let title = format!("Choose the private key of the D1 client certificate of {name}");
                let Some(key_path) = dialogs.pick_file(&title).await else {
                    return Ok(None);
                };
                let key_file = ChosenFile::read(key_path).await?;
                let key = crate::upstream_tls::key_file(key_file.secret()?, &key_file.shown).map_err(|why| invalid("file", why))?;
                let both = crate::upstream_tls::client_identity(certificate, Some(key));
                return both.map(|identity| Some((format!("{shown} and its key {}", key_file.shown), identity))).map_err(|why| invalid("file", why));
            }
        }
        _ => {
            let secret = file.secret()?.trim();
            if secret.is_empty() || secret.contains(char::is_whitespace) {
                Err(format!("{shown} should hold the {} alone, on one line.", kind.label()))
            } else {
                Ok(secret.as_bytes().to_vec())
            }
        }
    }
    .map_err(|why| invalid("file", why))?;
    Ok(Some((shown, checked)))
}

/// Where a secret of `profile` goes, in the words of the confirmation.
fn sent_to(profile: &Profile, kind: SecretKind) -> String {
    match kind {
        SecretKind::D1Key => format!("D1 at {} (it signs the app's requests for D1 tokens)", profile.d1_authz),
        SecretKind::ConsentsApiKey => format!("Apiture Consents at {}", profile.consents_base),
        SecretKind::DirectoryClientSecret => {
            format!("the directory's token server at {}", profile.directory_token_url.as_ref().unwrap_or(&profile.auth_base))
        }
        SecretKind::MasClientSecret => format!("MasStack's token server at {}", profile.mas_token_url),
        SecretKind::D1ClientCertificate | SecretKind::CaBundle => crate::upstream_tls::used_with(profile, kind),
    }
}
