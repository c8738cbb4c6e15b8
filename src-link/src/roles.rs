//! Which console role a person has: the bank's ID token names their groups in one claim, and the
//! environment maps its values to admin, agent or customer. Shared by the gateway and the desktop app, so
//! that both give the same person the same role.

use console_api::gateway::Role;
use serde::Deserialize;

use crate::user_auth::Identity;

/// `[profiles.NAME.roles]`: which claim of the ID token holds the person's roles at the bank, and which
/// of its values make each console role. A sign-in must map to exactly one console role.
#[derive(Clone, Debug, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RoleMapping {
    pub claim: String,
    pub admin: Vec<String>,
    pub agent: Vec<String>,
    pub customer: Vec<String>,
}

impl RoleMapping {
    /// The console roles the ID token's claims map to (the claim may hold a string or a list of them),
    /// in the order admin, agent, customer, each once.
    ///
    /// The claim is a top-level name (`roles`, `https://bank.example/groups`) or, when no claim has that
    /// name, a dotted path into nested objects (Keycloak's `realm_access.roles`).
    pub fn roles_of(&self, claims: &serde_json::Map<String, serde_json::Value>) -> Vec<Role> {
        let claim = claims.get(&self.claim).or_else(|| {
            let mut path = self.claim.split('.');
            let first = claims.get(path.next()?)?;
            path.try_fold(first, |value, name| value.get(name))
        });
        let values: Vec<&str> = match claim {
            Some(serde_json::Value::String(one)) => vec![one.as_str()],
            Some(serde_json::Value::Array(many)) => many.iter().filter_map(serde_json::Value::as_str).collect(),
            _ => Vec::new(),
        };
        [(Role::Admin, &self.admin), (Role::Agent, &self.agent), (Role::Customer, &self.customer)]
            .into_iter()
            .filter(|(_, names)| names.iter().any(|n| values.contains(&n.as_str())))
            .map(|(role, _)| role)
            .collect()
    }
}

/// The one console role an identity maps to; none or several: no access to the console.
pub fn role_of(roles: &RoleMapping, identity: &Identity) -> Result<Role, &'static str> {
    let mut mapped = roles.roles_of(&identity.claims);
    match mapped.len() {
        1 => Ok(mapped.remove(0)),
        0 => Err("Your account has no console role (admin, agent or customer). Ask your administrator."),
        _ => Err("Your account maps to more than one console role (admin, agent, customer), so none is given. Ask your administrator to keep one."),
    }
}

