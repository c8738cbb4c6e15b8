//! Calls of the Consents API as each kind of caller makes them: the demo people signed in through the
//! real sign-in page, the service client with client_credentials. Every call is real HTTP.

use console_sandbox::{Running, DEMO_API_KEY, SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET};
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;

use super::flow::{access, browser, login, token_call};

/// A sandbox and a token of each kind of caller.
pub struct Callers {
    pub s: Running,
    /// alice, bob: bank customers with banking/read banking/write.
    pub alice: String,
    pub bob: String,
    /// ada: administrator, every scope.
    pub ada: String,
    /// grace: agent, banking/read only.
    pub grace: String,
    /// The service client: client_credentials, banking/read banking/write.
    pub service: String,
}

impl Callers {
    pub async fn start() -> Callers {
        let s = super::sandbox().await;
        let alice = access(&login(&s, "alice", "banking/read banking/write").await);
        let bob = access(&login(&s, "bob", "banking/read banking/write").await);
        let ada = access(&login(&s, "ada", "banking/read banking/write banking/full").await);
        let grace = access(&login(&s, "grace", "banking/read").await);
        let form = [("grant_type", "client_credentials"), ("scope", "banking/read banking/write")];
        let (_, _, body) = token_call(&s, &form, Some((SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET))).await;
        let service = access(&body);
        Callers { s, alice, bob, ada, grace, service }
    }

    pub async fn stop(self) {
        self.s.shutdown().await;
    }

    /// A call with the API key: `(status, headers, JSON body or Null)`.
    pub async fn call(&self, method: Method, path: &str, token: &str, body: Option<&Value>, extra: &[(&str, &str)]) -> Answer {
        let mut req = browser().request(method, format!("{}{path}", self.s.base_url())).bearer_auth(token).header("API-Key", DEMO_API_KEY);
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let r = req.send().await.expect("send");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body");
        Answer { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::Null), text }
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, token, None, &[]).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Option<&Value>) -> Answer {
        self.call(Method::POST, path, token, body, &[]).await
    }

    /// `count` of `GET /consents/consents?{query}` as ada.
    pub async fn count(&self, query: &str) -> u64 {
        let a = self.get(&format!("/consents/consents?{query}&limit=1"), &self.ada).await;
        assert_eq!(a.status, 200, "{query}: {}", a.body);
        a.body["count"].as_u64().expect("count")
    }
}

/// What an API call answered.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(|v| v.to_str().expect("text")).unwrap_or("")
    }

    /// Asserts an `_error` of `status` and `type_` and returns its message.
    #[track_caller]
    pub fn refused(&self, status: u16, type_: &str) -> String {
        assert_eq!((self.status, self.body["_error"]["type"].as_str()), (status, Some(type_)), "{}", self.text);
        assert_eq!(self.body["_error"]["statusCode"].as_u64(), Some(u64::from(status)), "{}", self.text);
        assert_eq!(self.header("content-type"), "application/hal+json");
        self.body["_error"]["message"].as_str().expect("message").to_string()
    }

    /// Asserts a success of `status`.
    #[track_caller]
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "{}", self.text);
        &self.body
    }

    /// The items of a collection.
    pub fn items(&self) -> &Vec<Value> {
        self.body["_embedded"]["items"].as_array().unwrap_or_else(|| panic!("no items: {}", self.text))
    }

    /// Whether the consent body has link `rel`.
    pub fn has_link(consent: &Value, rel: &str) -> bool {
        consent["_links"].get(rel).is_some()
    }
}
