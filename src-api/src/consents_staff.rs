//! The staff consent area's own shapes between the page and the gateway: the explorer's query (checked
//! the same way on both sides, and kept in the page's URL), the page of consents the gateway answers,
//! the bodies of the bank's writes (rescind, revise, move, patch) and what the previews and the
//! re-consent campaign report. No upstream URL ever appears in them.

use serde::{Deserialize, Serialize};

use crate::consents::{Consent, ConsentState, ConsentTypeNames, MovedDocument, RevisedDocument, REL_RESCIND, REL_SELF};
use crate::gateway::{routes, ClientError, GatewayClient, Reply};
use crate::transport::{encode_component, Method, Request, Transport};
use crate::validate::{self, ValidationError};

pub mod type_names;

/// The explorer's page size unless the URL says otherwise.
pub const LIMIT_DEFAULT: u64 = 50;
/// Apiture's largest page (the sandbox's too).
pub const LIMIT_MAX: u64 = 1000;
/// The longest `q` the explorer sends.
pub const SEARCH_MAX: usize = 100;
/// The properties the list sorts on (`-` before one: descending).
pub const SORT_KEYS: [&str; 4] = ["type", "userId", "document.revisedAt", "givenAt"];

/// The explorer's filters, search, sort and paging: what `GET /api/consents` takes and the page keeps in
/// its URL. Empty values are absent (a form's empty field); `|` separates alternatives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplorerQuery {
    pub type_: Option<String>,
    pub state: Option<String>,
    pub user_id: Option<String>,
    pub context_uri: Option<String>,
    pub secondary_context_uri: Option<String>,
    pub q: Option<String>,
    pub sort_by: Option<String>,
    pub start: u64,
    pub limit: u64,
}

impl Default for ExplorerQuery {
    fn default() -> Self {
        ExplorerQuery {
            type_: None,
            state: None,
            user_id: None,
            context_uri: None,
            secondary_context_uri: None,
            q: None,
            sort_by: None,
            start: 0,
            limit: LIMIT_DEFAULT,
        }
    }
}

/// The query keys the explorer takes: anything else is refused, never passed on.
pub const EXPLORER_KEYS: [&str; 9] = ["type", "state", "userId", "contextUri", "secondaryContextUri", "q", "sortBy", "start", "limit"];

fn fail(field: &'static str, message: String) -> ValidationError {
    ValidationError { field, message }
}

/// A consent type name: a letter, then letters and digits, at most 64 (as the API registers them).
pub fn check_type_name(field: &'static str, name: &str) -> Result<(), ValidationError> {
    let ok = name.len() <= 64 && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && name.chars().all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(fail(field, format!("'{name}' is not a consent type name: a letter, then letters and digits, at most 64")))
    }
}

/// Each `|` alternative of `value`, non-empty, checked by `check`.
fn each_alternative(field: &'static str, value: &str, check: impl Fn(&str) -> Result<(), ValidationError>) -> Result<(), ValidationError> {
    for alternative in value.split('|') {
        if alternative.is_empty() {
            return Err(fail(field, format!("'{value}' has an empty alternative: write a|b")));
        }
        check(alternative)?;
    }
    Ok(())
}

fn check_state(value: &str) -> Result<(), ValidationError> {
    match ConsentState::from_wire(value) {
        ConsentState::Other(_) => Err(fail("state", format!("'{value}' is not a consent state: use pending, given, stale, rescinded or revoked"))),
        _ => Ok(()),
    }
}

fn check_sort(value: &str) -> Result<(), ValidationError> {
    for part in value.split(',') {
        let key = part.strip_prefix('-').unwrap_or(part);
        if !SORT_KEYS.contains(&key) {
            return Err(fail("sortBy", format!("'{part}' is not a sort key: use type, userId, document.revisedAt or givenAt, with - for descending")));
        }
    }
    Ok(())
}

fn whole(field: &'static str, value: &str) -> Result<u64, ValidationError> {
    value.parse().map_err(|_| fail(field, format!("'{value}' is not a whole number from 0 up")))
}

impl ExplorerQuery {
    /// From a URL's query (already percent-decoded pairs): every key known, every value checked.
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<Self, ValidationError> {
        let mut q = ExplorerQuery::default();
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref());
            let Some(&field) = EXPLORER_KEYS.iter().find(|k| **k == key) else {
                let shown = crate::validate::shown(key);
                return Err(fail("query", format!("'{shown}' is not a filter of the explorer: use {}", EXPLORER_KEYS.join(", "))));
            };
            if value.is_empty() {
                continue;
            }
            let owned = Some(value.to_string());
            match field {
                "type" => {
                    each_alternative(field, value, |t| check_type_name(field, t))?;
                    q.type_ = owned;
                }
                "state" => {
                    each_alternative(field, value, check_state)?;
                    q.state = owned;
                }
                "userId" => {
                    each_alternative(field, value, |u| validate::USER_ID.check(u))?;
                    q.user_id = owned;
                }
                "contextUri" => {
                    each_alternative(field, value, |u| validate::uri_reference(field, u))?;
                    q.context_uri = owned;
                }
                "secondaryContextUri" => {
                    each_alternative(field, value, |u| validate::uri_reference(field, u))?;
                    q.secondary_context_uri = owned;
                }
                "q" => {
                    if value.chars().count() > SEARCH_MAX || value.chars().any(char::is_control) {
                        return Err(fail("q", format!("the search is at most {SEARCH_MAX} characters, without control characters")));
                    }
                    q.q = owned;
                }
                "sortBy" => {
                    check_sort(value)?;
                    q.sort_by = owned;
                }
                "start" => q.start = whole(field, value)?,
                _ => {
                    let limit = whole(field, value)?;
                    if !(1..=LIMIT_MAX).contains(&limit) {
                        return Err(fail("limit", format!("{limit} rows a page: use 1 to {LIMIT_MAX}")));
                    }
                    q.limit = limit;
                }
            }
        }
        Ok(q)
    }

    /// The filters alone (no paging), as query pairs in the API's names: what the upstream list takes,
    /// and what selects the export's rows.
    pub fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        let named = [
            ("type", &self.type_),
            ("state", &self.state),
            ("userId", &self.user_id),
            ("contextUri", &self.context_uri),
            ("secondaryContextUri", &self.secondary_context_uri),
            ("q", &self.q),
            ("sortBy", &self.sort_by),
        ];
        named.into_iter().filter_map(|(k, v)| v.clone().map(|v| (k, v))).collect()
    }

    /// Every pair, paging included (the defaults left out, so that a plain URL stays plain).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = self.filter_pairs();
        if self.start > 0 {
            pairs.push(("start", self.start.to_string()));
        }
        if self.limit != LIMIT_DEFAULT {
            pairs.push(("limit", self.limit.to_string()));
        }
        pairs
    }

    /// `a=1&b=2`, percent-encoded (empty when nothing is set).
    pub fn to_query_string(&self) -> String {
        query_string(&self.pairs())
    }
}

/// `a=1&b=2` of `pairs`, each value percent-encoded.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={}", encode_component(v))).collect::<Vec<_>>().join("&")
}

/// `GET /api/consents`: one page of the explorer. The consents' links are the gateway's own routes (an
/// upstream's never reach the page); their presence still says what the caller may do now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentPage {
    pub items: Vec<Consent>,
    /// How many consents match the filters (all pages); absent when the API did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    pub start: u64,
    pub limit: u64,
}

/// A consent as the page gets it: `self` and `apiture:rescind` point at the gateway's routes, the end
/// user's own actions (give, revoke) are dropped: staff never do them.
pub fn for_staff(mut consent: Consent) -> Consent {
    let id = encode_component(&consent.id);
    let can_rescind = consent.can(REL_RESCIND);
    consent.links.clear();
    consent.links.insert(REL_SELF.into(), crate::consents::Link { href: format!("/api/consents/{id}") });
    if can_rescind {
        consent.links.insert(REL_RESCIND.into(), crate::consents::Link { href: "/api/consents/rescind".into() });
    }
    consent
}

/// `PATCH /api/consents/{id}`: what the API lets the bank change on a consent. `None`: unchanged;
/// `Some(None)`: removed (sent as `null`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsentPatch {
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub context_uri: Option<Option<String>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub secondary_context_uri: Option<Option<String>>,
}

/// A property that is present, `null` included (serde's `Option<Option<_>>` would read `null` as absent).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl ConsentPatch {
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.context_uri.is_none() && self.secondary_context_uri.is_none() {
            return Err(fail("body", "changes nothing: set contextUri or secondaryContextUri (null removes one)".into()));
        }
        if let Some(Some(u)) = &self.context_uri {
            validate::uri_reference("contextUri", u)?;
        }
        if let Some(Some(u)) = &self.secondary_context_uri {
            validate::uri_reference("secondaryContextUri", u)?;
        }
        Ok(())
    }
}

/// `POST /api/consents/rescind` (and the query of its preview): every consent of `type`, narrowed by the
/// others; or the one `consent`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RescindRequest {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// One consent's id (its detail's rescind button): the other fields are then not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<String>,
}

impl RescindRequest {
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(id) = &self.consent {
            return validate::USER_ID.check(id).map_err(|e| fail("consent", e.message));
        }
        match &self.type_ {
            None => return Err(fail("type", "is required: the consent type to rescind".into())),
            Some(t) => check_type_name("type", t)?,
        }
        if let Some(u) = &self.context {
            validate::uri_reference("context", u)?;
        }
        if let Some(u) = &self.secondary_context {
            validate::uri_reference("secondaryContext", u)?;
        }
        if let Some(u) = &self.user {
            validate::USER_ID.check(u)?;
        }
        if let Some(u) = &self.document {
            validate::uri_reference("document", u)?;
        }
        Ok(())
    }

    /// The API's query parameters of `rescindedConsents`.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let named = [
            ("type", &self.type_),
            ("context", &self.context),
            ("secondaryContext", &self.secondary_context),
            ("user", &self.user),
            ("document", &self.document),
            ("consent", &self.consent),
        ];
        named.into_iter().filter_map(|(k, v)| v.clone().map(|v| (k, v))).collect()
    }
}

/// What a rescind or a revision would change: how many consents, of how many users.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Impact {
    pub consents: u64,
    pub users: u64,
}

impl Impact {
    /// "1,234 given consents of 1,180 users will become stale".
    pub fn stale_sentence(&self) -> String {
        format!("{} given {} of {} {} will become stale", thousands(self.consents), plural(self.consents, "consent"), thousands(self.users), plural(self.users, "user"))
    }

    /// "12 consents of 12 users will be rescinded".
    pub fn rescind_sentence(&self) -> String {
        format!("{} {} of {} {} will be rescinded", thousands(self.consents), plural(self.consents, "consent"), thousands(self.users), plural(self.users, "user"))
    }

    /// What a rescind did, once done: "Rescinded 1 consent."
    pub fn rescinded_sentence(&self) -> String {
        format!("Rescinded {} {}.", thousands(self.consents), plural(self.consents, "consent"))
    }
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 { word.to_string() } else { format!("{word}s") }
}

/// `1234567` -> `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A document the consents point at, and its latest revision (`GET /api/documents`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentInUse {
    pub uri: String,
    /// The consent type its consents have (a revision or move names the document with it).
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_id: Option<String>,
    pub revised_at: String,
    /// Consents pointing at it, in any state.
    pub consents: u64,
    /// Of which given at its latest revision.
    pub given: u64,
}

/// One day of a campaign: how many consents were given again that day (UTC).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DayCount {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub given: u64,
}

/// A consent the revision made stale that is not given again yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outstanding {
    pub id: String,
    pub user_id: String,
    pub state: ConsentState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_at: Option<String>,
}

/// `GET /api/documents/campaign?uri=&revisionId=`: the re-consent campaign of one revision.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Campaign {
    pub uri: String,
    pub revision_id: String,
    /// Consents at this revision that were made stale (by it, or by an earlier one and not given since)
    /// and are still in play: given again or outstanding. Revoked or rescinded since are left out.
    pub made_stale: u64,
    pub given_again: u64,
    /// Given again, per day, oldest first.
    pub by_day: Vec<DayCount>,
    /// Not given again yet (stale, or pending), user by user.
    pub outstanding: Vec<Outstanding>,
}

/// The campaign of `uri` at `revision_id` out of the consents of that document: those at that revision
/// with a `staleAt` (a revision made them stale; giving again keeps it); given again when given after it.
pub fn campaign_of<'a>(uri: &str, revision_id: &str, consents: impl IntoIterator<Item = &'a Consent>) -> Campaign {
    let mut days = std::collections::BTreeMap::<String, u64>::new();
    let mut campaign = Campaign { uri: uri.into(), revision_id: revision_id.into(), ..Campaign::default() };
    for c in consents {
        let Some(stale_at) = &c.stale_at else { continue };
        if c.document.uri != uri || c.document.revision_id.as_deref() != Some(revision_id) {
            continue;
        }
        match (&c.state, &c.given_at) {
            (ConsentState::Given, Some(given_at)) if given_at >= stale_at => {
                campaign.given_again += 1;
                *days.entry(given_at.chars().take(10).collect()).or_default() += 1;
            }
            (ConsentState::Stale | ConsentState::Pending, _) => campaign.outstanding.push(Outstanding {
                id: c.id.clone(),
                user_id: c.user_id.clone(),
                state: c.state.clone(),
                context_uri: c.context_uri.clone(),
                stale_at: Some(stale_at.clone()),
            }),
            // Revoked or rescinded since: neither given again nor still asked for.
            _ => continue,
        }
        campaign.made_stale += 1;
    }
    campaign.by_day = days.into_iter().map(|(day, given)| DayCount { day, given }).collect();
    campaign
}

/// One property that differs between the version a person read and the fresh one (a 412's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub field: &'static str,
    pub read: String,
    pub fresh: String,
}

/// What changed between `read` (what the person saw when they started) and `fresh`, property by property.
pub fn changes(read: &Consent, fresh: &Consent) -> Vec<Change> {
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let properties = |c: &Consent| {
        [
            ("state", c.state.as_str().to_string()),
            ("type", c.type_.clone()),
            ("document.uri", c.document.uri.clone()),
            ("document.revisionId", text(&c.document.revision_id)),
            ("document.revisedAt", c.document.revised_at.clone()),
            ("contextUri", text(&c.context_uri)),
            ("secondaryContextUri", text(&c.secondary_context_uri)),
            ("givenAt", text(&c.given_at)),
            ("requestRevokedAt", text(&c.request_revoked_at)),
            ("requestRescindedAt", text(&c.request_rescinded_at)),
            ("staleAt", text(&c.stale_at)),
        ]
    };
    properties(read)
        .into_iter()
        .zip(properties(fresh))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, read), (_, fresh))| Change { field, read, fresh })
        .collect()
}

/// The staff consent area's calls, for the page. Each checks its input first: nothing invalid leaves.
impl<T: Transport> GatewayClient<T> {
    /// One page of the explorer.
    pub async fn consents(&self, query: &ExplorerQuery) -> Result<Reply<ConsentPage>, ClientError> {
        self.call(Request::new(Method::Get, with_query(routes::CONSENTS, &query.to_query_string())), None).await
    }

    /// One consent, with its ETag.
    pub async fn consent(&self, id: &str) -> Result<Reply<Consent>, ClientError> {
        CONSENT_ID.check(id)?;
        self.call(Request::new(Method::Get, format!("{}/{}", routes::CONSENTS, encode_component(id))), None).await
    }

    /// Changes a consent's contexts, on the version `etag` names (a 412 problem carries the fresh one).
    pub async fn patch_consent(&self, id: &str, etag: &str, change: &ConsentPatch) -> Result<Reply<Consent>, ClientError> {
        CONSENT_ID.check(id)?;
        change.validate()?;
        let path = format!("{}/{}", routes::CONSENTS, encode_component(id));
        self.call(Request::new(Method::Patch, path).header("if-match", etag).json(change), None).await
    }

    pub async fn rescind_preview(&self, request: &RescindRequest) -> Result<Reply<Impact>, ClientError> {
        request.validate()?;
        self.call(Request::new(Method::Get, with_query(routes::RESCIND_PREVIEW, &query_string(&request.pairs()))), None).await
    }

    pub async fn rescind(&self, request: &RescindRequest) -> Result<Reply<Impact>, ClientError> {
        request.validate()?;
        self.call(Request::new(Method::Post, routes::RESCIND).json(request), None).await
    }

    pub async fn documents(&self) -> Result<Reply<Vec<DocumentInUse>>, ClientError> {
        self.call(Request::new(Method::Get, routes::DOCUMENTS), None).await
    }

    /// What revising `uri` (of `type_`) would make stale.
    pub async fn revise_preview(&self, uri: &str, type_: &str) -> Result<Reply<Impact>, ClientError> {
        validate::uri_reference("uri", uri)?;
        check_type_name("type", type_)?;
        let query = query_string(&[("uri", uri.to_string()), ("type", type_.to_string())]);
        self.call(Request::new(Method::Get, with_query(routes::REVISE_PREVIEW, &query)), None).await
    }

    pub async fn revise(&self, revision: &RevisedDocument) -> Result<Reply<Revised>, ClientError> {
        check_revision(revision)?;
        self.call(Request::new(Method::Post, routes::REVISE).json(revision), None).await
    }

    pub async fn move_document(&self, moved: &MovedDocument) -> Result<Reply<MovedDocument>, ClientError> {
        validate::uri_reference("newUri", &moved.new_uri)?;
        validate::uri_reference("uri", &moved.uri)?;
        check_type_name("type", &moved.type_)?;
        self.call(Request::new(Method::Post, routes::MOVE).json(moved), None).await
    }

    pub async fn campaign(&self, uri: &str, revision_id: &str) -> Result<Reply<Campaign>, ClientError> {
        validate::uri_reference("uri", uri)?;
        self.call(Request::new(Method::Get, with_query(routes::CAMPAIGN, &campaign_query(uri, revision_id))), None).await
    }

    pub async fn consent_types(&self) -> Result<Reply<ConsentTypeNames>, ClientError> {
        self.call(Request::new(Method::Get, routes::CONSENT_TYPES), None).await
    }

    /// Replaces the type names, on the version `etag` names.
    pub async fn put_consent_types(&self, etag: &str, names: &ConsentTypeNames) -> Result<Reply<ConsentTypeNames>, ClientError> {
        for (name, labels) in &names.names {
            type_names::check_type_labels(name, labels)?;
        }
        self.call(Request::new(Method::Put, routes::CONSENT_TYPES).header("if-match", etag).json(names), None).await
    }
}

/// `uri=…&revisionId=…` of a campaign (its page's URL and its CSV link too).
pub fn campaign_query(uri: &str, revision_id: &str) -> String {
    query_string(&[("uri", uri.to_string()), ("revisionId", revision_id.to_string())])
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() { path.to_string() } else { format!("{path}?{query}") }
}

/// A consent's `_id` as a path segment (the API's are UUIDs).
pub const CONSENT_ID: validate::CharRule = validate::id_rule("consentId");

/// The answer of a revision: the revised document as the API echoed it, and how many consents it made
/// stale (when the API says).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Revised {
    #[serde(flatten)]
    pub document: RevisedDocument,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub made_stale: Option<u64>,
}

/// A revision's checks before it is sent: the URIs, the type, an RFC 3339 time and a sane revision id.
pub fn check_revision(r: &RevisedDocument) -> Result<(), ValidationError> {
    validate::uri_reference("uri", &r.uri)?;
    check_type_name("type", &r.type_)?;
    if let Some(u) = &r.new_uri {
        validate::uri_reference("newUri", u)?;
    }
    if let Some(u) = &r.context_uri {
        validate::uri_reference("contextUri", u)?;
    }
    if chrono::DateTime::parse_from_rfc3339(&r.revised_at).is_err() {
        return Err(fail("revisedAt", format!("'{}' is not a time such as 2026-09-15T08:00:00.000Z", r.revised_at)));
    }
    if let Some(id) = &r.revision_id {
        if id.trim().is_empty() || id.len() > 64 || id.chars().any(char::is_control) {
            return Err(fail("revisionId", "is 1 to 64 characters, without control characters".into()));
        }
    }
    Ok(())
}


/// What a 409 `consentTypeNameInUse` says through the gateway (its `attributes`): the names in use, and
/// how many consents use each (the gateway counts them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct NamesInUse {
    #[serde(rename = "typeNames", default)]
    pub type_names: Vec<String>,
    #[serde(default)]
    pub counts: std::collections::HashMap<String, u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn refused(pairs: &[(&str, &str)], field: &str, says: &str) {
        let e = ExplorerQuery::from_pairs(pairs.iter().copied()).unwrap_err();
        assert!(e.field == field && e.message.contains(says), "{pairs:?}: {e}");
    }

    #[test]
    fn the_explorer_query_round_trips_through_the_url() {
        let q = ExplorerQuery::from_pairs([
            ("type", "privacyPolicy|electronicConsent"),
            ("state", "stale"),
            ("q", "usr-demo-00"),
            ("sortBy", "-givenAt,type"),
            ("start", "100"),
            ("limit", "25"),
            ("userId", ""),
        ])
        .unwrap();
        assert_eq!(q.user_id, None, "an empty field is no filter");
        assert_eq!(q.to_query_string(), "type=privacyPolicy%7CelectronicConsent&state=stale&q=usr-demo-00&sortBy=-givenAt%2Ctype&start=100&limit=25");
        let back: Vec<(String, String)> = q.pairs().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        assert_eq!(ExplorerQuery::from_pairs(back).unwrap(), q);
        assert_eq!(ExplorerQuery::default().to_query_string(), "");
    }

    #[test]
    fn the_explorer_refuses_what_the_api_would_and_unknown_keys() {
        refused(&[("state", "archived")], "state", "'archived' is not a consent state");
        refused(&[("state", "given|")], "state", "empty alternative");
        refused(&[("type", "privacy policy")], "type", "not a consent type name");
        refused(&[("contextUri", "javascript:alert(1)")], "contextUri", "scheme 'javascript:'");
        refused(&[("sortBy", "createdAt")], "sortBy", "'createdAt' is not a sort key");
        refused(&[("limit", "0")], "limit", "use 1 to 1000");
        refused(&[("start", "-3")], "start", "whole number");
        refused(&[("filter", "eq(state,given)")], "query", "'filter' is not a filter of the explorer");
        refused(&[("q", &"x".repeat(101))], "q", "at most 100");
    }

    #[test]
    fn staff_see_gateway_links_only_and_never_the_users_actions() {
        let mut c: Consent = serde_json::from_value(serde_json::json!({
            "_id": "c1", "type": "privacyPolicy", "userId": "u", "state": "given",
            "document": {"uri": "/d", "contentType": "text/html", "revisedAt": "2026-01-01T00:00:00.000Z"},
            "_links": {"self": {"href": "https://api.bank.example/consents/consents/c1"},
                       "apiture:revoke": {"href": "/consents/revokedConsents?consent=c1"},
                       "apiture:rescind": {"href": "/consents/rescindedConsents?consent=c1"}}
        }))
        .unwrap();
        c = for_staff(c);
        assert_eq!(c.links.get("self").map(|l| l.href.as_str()), Some("/api/consents/c1"));
        assert!(c.can(REL_RESCIND) && !c.can(crate::consents::REL_REVOKE));
        assert!(c.links.values().all(|l| l.href.starts_with("/api/")));
    }

    #[test]
    fn a_patch_tells_removed_from_unchanged() {
        let p: ConsentPatch = serde_json::from_str(r#"{"contextUri": null}"#).unwrap();
        assert_eq!(p.context_uri, Some(None));
        assert_eq!(p.secondary_context_uri, None);
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"contextUri":null}"#);
        assert!(p.validate().is_ok());
        assert_eq!(ConsentPatch::default().validate().unwrap_err().field, "body");
        let bad = ConsentPatch { context_uri: Some(Some("data:text/html,x".into())), ..ConsentPatch::default() };
        assert_eq!(bad.validate().unwrap_err().field, "contextUri");
        assert!(serde_json::from_str::<ConsentPatch>(r#"{"state": "given"}"#).is_err(), "only what the API lets change");
    }

    #[test]
    fn a_rescind_needs_a_type_or_one_consent() {
        assert_eq!(RescindRequest::default().validate().unwrap_err().field, "type");
        assert!(RescindRequest { consent: Some("c1".into()), ..RescindRequest::default() }.validate().is_ok());
        let r = RescindRequest { type_: Some("privacyPolicy".into()), document: Some("javascript:x".into()), ..RescindRequest::default() };
        assert_eq!(r.validate().unwrap_err().field, "document");
    }

    #[test]
    fn impact_sentences_group_thousands() {
        let i = Impact { consents: 1234, users: 1180 };
        assert_eq!(i.stale_sentence(), "1,234 given consents of 1,180 users will become stale");
        assert_eq!(Impact { consents: 1, users: 1 }.rescind_sentence(), "1 consent of 1 user will be rescinded");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn a_campaign_counts_given_again_by_day_and_lists_the_outstanding() {
        let consent = |id: &str, state: &str, rev: &str, stale: Option<&str>, given: Option<&str>| -> Consent {
            serde_json::from_value(serde_json::json!({
                "_id": id, "type": "privacyPolicy", "userId": format!("u-{id}"), "state": state,
                "document": {"uri": "/d", "contentType": "text/html", "revisionId": rev, "revisedAt": "2026-10-01T00:00:00.000Z"},
                "staleAt": stale, "givenAt": given
            }))
            .unwrap()
        };
        let at = Some("2026-10-01T00:00:00.000Z");
        let all = [
            consent("a", "given", "r2", at, Some("2026-10-02T09:00:00.000Z")),
            consent("b", "given", "r2", at, Some("2026-10-02T18:00:00.000Z")),
            consent("c", "given", "r2", at, Some("2026-10-04T09:00:00.000Z")),
            consent("d", "stale", "r2", at, Some("2026-01-01T00:00:00.000Z")),
            consent("e", "given", "r2", None, Some("2026-10-03T00:00:00.000Z")),
            consent("f", "stale", "r1", at, None),
            consent("g", "revoked", "r2", at, None),
        ];
        let c = campaign_of("/d", "r2", &all);
        assert_eq!((c.made_stale, c.given_again), (4, 3), "e was never made stale, f is another revision, g left");
        assert_eq!(c.by_day, vec![DayCount { day: "2026-10-02".into(), given: 2 }, DayCount { day: "2026-10-04".into(), given: 1 }]);
        assert_eq!(c.outstanding.iter().map(|o| o.user_id.as_str()).collect::<Vec<_>>(), ["u-d"]);
    }
    #[test]
    fn a_conflict_lists_what_changed_property_by_property() {
        let read: Consent = serde_json::from_value(serde_json::json!({
            "_id": "c", "type": "privacyPolicy", "userId": "u", "state": "given", "contextUri": "/p/a",
            "document": {"uri": "/d", "contentType": "text/html", "revisedAt": "2026-01-01T00:00:00.000Z"}
        }))
        .unwrap();
        let mut fresh = read.clone();
        fresh.context_uri = Some("/p/b".into());
        fresh.state = ConsentState::Stale;
        fresh.stale_at = Some("2026-02-01T00:00:00.000Z".into());
        let c = changes(&read, &fresh);
        assert_eq!(c.iter().map(|c| c.field).collect::<Vec<_>>(), ["state", "contextUri", "staleAt"]);
        assert_eq!((c[1].read.as_str(), c[1].fresh.as_str()), ("/p/a", "/p/b"));
        assert_eq!(c[2].read, "—");
        assert!(changes(&read, &read).is_empty());
    }
}
