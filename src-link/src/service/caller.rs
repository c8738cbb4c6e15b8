//! Who is asking: the [`Caller`] the host puts into the request's extensions once it knows who signed in
//! (the gateway from its session cookie, the desktop app from its own sign-in), and the role check every
//! route makes first ([`Caller::require`]). The service never reads a cookie or a token store: a request
//! without a `Caller` is a 401 problem, audited.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::Method;
use console_api::d1_client::CorrelationId;
use console_api::gateway::{ProblemKind, Role, SignedInUser, BACKGROUND_HEADER};

use super::{AuditedReads, Cid, Problem, ServiceState};

/// Where a request comes from, for the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A browser on the web console: its address (the peer's, or the one a trusted proxy forwarded for)
    /// and its `User-Agent`.
    Web { ip: Option<IpAddr>, user_agent: Option<String> },
    /// The desktop app, on the person's own machine.
    Desktop,
}

impl Default for Origin {
    /// A browser nothing is known of (a line written outside any request).
    fn default() -> Self {
        Origin::Web { ip: None, user_agent: None }
    }
}

impl Origin {
    /// What the audit line's `client` says: the address, `-` when unknown, or `desktop app`.
    pub fn client(&self) -> String {
        match self {
            Origin::Web { ip: Some(ip), .. } => ip.to_string(),
            Origin::Web { ip: None, .. } => "-".to_string(),
            Origin::Desktop => "desktop app".to_string(),
        }
    }

    /// The browser's address, if known (the gateway's limits are per address).
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Origin::Web { ip, .. } => *ip,
            Origin::Desktop => None,
        }
    }

    pub fn user_agent(&self) -> Option<&str> {
        match self {
            Origin::Web { user_agent, .. } => user_agent.as_deref(),
            Origin::Desktop => None,
        }
    }
}

/// What to do when an upstream says the person's sign-in is over (Apiture's `invalid_token`): the host
/// ends its session, so that the next request is a 401 and the page sends the person to sign in.
pub type SignInEnded = Arc<dyn Fn() + Send + Sync>;

/// Who is asking, as the host authenticated them. Extracting it in a handler is a 401 when the host put
/// none in the request.
#[derive(Clone)]
pub struct Caller {
    pub user: SignedInUser,
    /// The person's access token, for the Apiture APIs that decide by it. Never leaves the native side.
    pub access_token: String,
    pub origin: Origin,
    /// What this sign-in's lines already show (see [`super::audited`]); one per sign-in, shared by its
    /// requests.
    pub audited_reads: Arc<AuditedReads>,
    sign_in_ended: Option<SignInEnded>,
    /// A background refresh of the page (a GET with [`BACKGROUND_HEADER`]): [`super::audited`] writes its
    /// line only if this sign-in's log does not show that read yet. Set by the extractor.
    pub(crate) background: bool,
    /// The request as asked (path and query: which page of which list), so that a repeat is the same
    /// request, not merely the same target. Set by the extractor.
    pub(crate) request: String,
}

impl Caller {
    /// A signed-in person with a fresh set of audited reads and nothing to do when the sign-in ends
    /// upstream; see [`Caller::with_audited_reads`] and [`Caller::on_sign_in_ended`].
    pub fn new(user: SignedInUser, access_token: String, origin: Origin) -> Self {
        Caller { user, access_token, origin, audited_reads: Arc::default(), sign_in_ended: None, background: false, request: String::new() }
    }

    /// The sign-in's own set, kept across its requests (else every poll is a line).
    pub fn with_audited_reads(mut self, reads: Arc<AuditedReads>) -> Self {
        self.audited_reads = reads;
        self
    }

    /// What ends the host's session when an upstream refuses the person's token.
    pub fn on_sign_in_ended(mut self, end: SignInEnded) -> Self {
        self.sign_in_ended = Some(end);
        self
    }

    /// The person's sign-in was ended upstream: the host's session ends too.
    pub fn end_session(&self) {
        if let Some(end) = &self.sign_in_ended {
            end();
        }
    }

    /// Refuses (403, audited) a caller whose role does not meet `need`.
    pub fn require(&self, need: Need, state: &ServiceState, action: &str, target: &str, cid: &CorrelationId) -> Result<(), Problem> {
        let role = &self.user.role;
        let (allowed, why) = match need {
            Need::Staff => (role.is_staff(), "This is for back-office staff."),
            Need::Admin => (role.may_write(), "Only an admin may do this: agents are read-only."),
            Need::Customer => (*role == Role::Customer, "This is for customers, about their own documents."),
        };
        if allowed {
            return Ok(());
        }
        state.audit.record(&self.user.id, role.as_str(), action, target, cid.as_str(), 403);
        Err(Problem::of(403, ProblemKind::Forbidden, format!("{why} You are signed in as {} ({}).", self.user.name, role.label()), cid))
    }
}

/// What a route needs of its caller.
#[derive(Clone, Copy, Debug)]
pub enum Need {
    /// Admins and agents: look up any customer.
    Staff,
    /// Admins: change anything upstream.
    Admin,
    /// End users: their own consents.
    Customer,
}

/// 401 with the words the page shows before sending the person to sign in.
pub fn not_signed_in(cid: &CorrelationId) -> Problem {
    Problem::of(401, ProblemKind::Unauthorized, "You are not signed in, or your session has ended. Sign in again.", cid)
}

impl FromRequestParts<ServiceState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &ServiceState) -> Result<Self, Self::Rejection> {
        let cid = Cid::from_request_parts(parts, state).await?.0;
        let Some(caller) = parts.extensions.get::<Caller>() else {
            // The gateway refuses (and audits) before a request gets here; the desktop app when nobody is
            // signed in.
            let target = format!("{} {}", parts.method, parts.uri.path());
            state.audit.record_because("-", "-", "session.refused", &target, cid.as_str(), 401, "nobody is signed in");
            return Err(not_signed_in(&cid));
        };
        let mut caller = caller.clone();
        caller.background = parts.method == Method::GET && parts.headers.contains_key(BACKGROUND_HEADER);
        caller.request = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
        Ok(caller)
    }
}
