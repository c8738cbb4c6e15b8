//! The sign-in's way back into the app (RFC 8252 section 7.3): a listener on `127.0.0.1` at a port the OS
//! picks, for one sign-in only. The first request on its path is the only one it reads: with the right
//! `state` it yields the code, with any other it ends the sign-in; later ones are told the link was used.
//! Every request gets a small page telling the person to return to the app. It stops when dropped.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use console_api::secret::same_secret;
use thiserror::Error;
use tokio::sync::oneshot;

/// The path the authorization server has registered for the app: a loopback redirect URI matches it but
/// for the port (RFC 8252 section 7.3, and the sandbox's `console-desktop` client), and each sign-in comes
/// back under it at a path of its own ([`single_use_path`]).
pub const CALLBACK_PATH: &str = "/callback";

/// `/callback/<128 random bits in hex>`: a path no earlier sign-in and no other program on the machine
/// can know, so nothing but this sign-in's redirect reaches the listener's one read.
pub fn single_use_path() -> String {
    format!("{CALLBACK_PATH}/{:032x}", rand::random::<u128>())
}

/// How long a person has to sign in in the browser.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Error, PartialEq, Eq)]
pub enum LoopbackError {
    #[error("the sign-in came back with a state this app did not send: start again")]
    WrongState,
    #[error("the authorization server refused the sign-in: {0}")]
    Refused(String),
    #[error("the sign-in came back without a code")]
    NoCode,
    #[error("no sign-in came back within {} s: start again", .0.as_secs())]
    TimedOut(Duration),
    #[error("the sign-in listener stopped")]
    Stopped,
}

/// One sign-in's listener.
pub struct Loopback {
    redirect_uri: url::Url,
    listening: Arc<Mutex<Listening>>,
    outcome: oneshot::Receiver<Result<String, LoopbackError>>,
    /// Dropping it stops the server.
    _stop: oneshot::Sender<()>,
}

struct Listening {
    path: String,
    /// The `state` the sign-in was sent with (`None` until it is: nothing can come back before).
    state: Option<String>,
    /// Taken by the first request on the path.
    outcome: Option<oneshot::Sender<Result<String, LoopbackError>>>,
}

impl Loopback {
    /// Listens on `127.0.0.1:0` for a sign-in's callback at `path`. The redirect URI is known before the
    /// authorization request is made, its `state` after: see [`Loopback::expect`].
    pub async fn start(path: &str) -> std::io::Result<Loopback> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let redirect_uri = url::Url::parse(&format!("http://127.0.0.1:{port}{path}"))
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let (outcome_tx, outcome) = oneshot::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let listening = Arc::new(Mutex::new(Listening { path: path.to_string(), state: None, outcome: Some(outcome_tx) }));
        let app = axum::Router::new().fallback(callback).with_state(listening.clone());
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!("sign-in listener: {e}");
            }
        });
        Ok(Loopback { redirect_uri, listening, outcome, _stop: stop })
    }

    /// The `state` of the authorization request the browser is sent to.
    pub fn expect(&self, state: String) {
        self.listening.lock().unwrap_or_else(|p| p.into_inner()).state = Some(state);
    }

    /// Where the authorization server sends the browser back.
    pub fn redirect_uri(&self) -> &url::Url {
        &self.redirect_uri
    }

    /// The authorization code, once the browser comes back (or why not, or [`LoopbackError::TimedOut`]).
    pub async fn code(&mut self, timeout: Duration) -> Result<String, LoopbackError> {
        match tokio::time::timeout(timeout, &mut self.outcome).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err(LoopbackError::Stopped),
            Err(_) => Err(LoopbackError::TimedOut(timeout)),
        }
    }
}

async fn callback(State(listening): State<Arc<Mutex<Listening>>>, request: Request) -> Response {
    let mut listening = listening.lock().unwrap_or_else(|p| p.into_inner());
    if request.uri().path() != listening.path {
        return page(StatusCode::NOT_FOUND, "Not found", "There is nothing here. Return to the Consent & Operations Console.");
    }
    let Some(outcome) = listening.outcome.take() else {
        return page(
            StatusCode::GONE,
            "This sign-in link was already used",
            "Return to the Consent & Operations Console. If it does not show you signed in, sign in again from there.",
        );
    };
    let query = request.uri().query().unwrap_or_default();
    let param = |name: &str| url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    let expected = listening.state.clone();
    let result = match (param("state"), param("code"), param("error")) {
        (Some(state), _, _) if !expected.is_some_and(|e| same_secret(&state, &e)) => Err(LoopbackError::WrongState),
        (None, _, _) => Err(LoopbackError::WrongState),
        (Some(_), _, Some(error)) => Err(LoopbackError::Refused(error.chars().filter(|c| !c.is_control()).take(100).collect())),
        (Some(_), None, None) => Err(LoopbackError::NoCode),
        (Some(_), Some(code), None) => Ok(code),
    };
    let answer = match &result {
        Ok(_) => page(
            StatusCode::OK,
            "You are signed in",
            "Return to the Consent & Operations Console: it continues there. You can close this tab.",
        ),
        Err(LoopbackError::WrongState) => page(
            StatusCode::BAD_REQUEST,
            "This sign-in was not started by the app",
            "Nothing was signed in. Return to the Consent & Operations Console and sign in from there.",
        ),
        Err(_) => page(
            StatusCode::BAD_REQUEST,
            "The sign-in did not complete",
            "Return to the Consent & Operations Console: it says what happened, and you can try again.",
        ),
    };
    let _ = outcome.send(result);
    answer
}

/// A page with no script and nothing to load; the URL holds a code, so it is neither cached nor referred.
fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{text}</p></body></html>"
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bare HTTP/1.1 GET (no client crate for three requests): the status code and the body.
    async fn get(url: &str) -> (u16, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let url = url::Url::parse(url).unwrap();
        let mut stream = tokio::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap())).await.unwrap();
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let head = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, answer)
    }

    #[tokio::test]
    async fn the_right_state_yields_the_code_once() {
        let path = single_use_path();
        assert_ne!(path, single_use_path(), "each sign-in has a path of its own");
        let mut loopback = Loopback::start(&path).await.unwrap();
        loopback.expect("s-123".into());
        let uri = loopback.redirect_uri().clone();
        assert_eq!((uri.host_str(), uri.path()), (Some("127.0.0.1"), path.as_str()));
        assert!(path.starts_with("/callback/") && path.len() == "/callback/".len() + 32, "{path}");
        assert_ne!(uri.port(), Some(0));
        // The registered path alone is not this sign-in's: nothing is read there.
        let (status, _) = get(&format!("http://127.0.0.1:{}/callback?code=c-0&state=s-123", uri.port().unwrap())).await;
        assert_eq!(status, 404);
        let (status, page) = get(&format!("{uri}?code=c-1&state=s-123")).await;
        assert_eq!(status, 200);
        assert!(page.contains("Return to the Consent"), "{page}");
        assert_eq!(loopback.code(Duration::from_secs(5)).await, Ok("c-1".into()));
        // The second hit on the path is refused, whatever it carries.
        let (status, page) = get(&format!("{uri}?code=c-2&state=s-123")).await;
        assert_eq!(status, 410, "{page}");
        // And another path is nothing.
        assert_eq!(get(&format!("http://127.0.0.1:{}/other?state=s-123", uri.port().unwrap())).await.0, 404);
    }

    #[tokio::test]
    async fn a_wrong_state_ends_the_sign_in() {
        let mut loopback = Loopback::start("/cb-random").await.unwrap();
        loopback.expect("expected".into());
        let uri = loopback.redirect_uri().clone();
        let (status, page) = get(&format!("{uri}?code=stolen&state=forged")).await;
        assert_eq!(status, 400);
        assert!(page.contains("not started by the app"), "{page}");
        assert_eq!(loopback.code(Duration::from_secs(5)).await, Err(LoopbackError::WrongState));
        // Burnt: the right state after it does not sign anyone in.
        assert_eq!(get(&format!("{uri}?code=c&state=expected")).await.0, 410);
    }

    #[tokio::test]
    async fn a_missing_state_or_a_refusal_ends_it_too() {
        let mut loopback = Loopback::start(CALLBACK_PATH).await.unwrap();
        loopback.expect("s".into());
        let uri = loopback.redirect_uri().clone();
        assert_eq!(get(&format!("{uri}?code=c")).await.0, 400);
        assert_eq!(loopback.code(Duration::from_secs(5)).await, Err(LoopbackError::WrongState));
        let mut loopback = Loopback::start(CALLBACK_PATH).await.unwrap();
        loopback.expect("s".into());
        let uri = loopback.redirect_uri().clone();
        assert_eq!(get(&format!("{uri}?error=access_denied&state=s")).await.0, 400);
        assert_eq!(loopback.code(Duration::from_secs(5)).await, Err(LoopbackError::Refused("access_denied".into())));
    }

    #[tokio::test]
    async fn nobody_coming_back_times_out_and_the_listener_stops() {
        let mut loopback = Loopback::start(CALLBACK_PATH).await.unwrap();
        loopback.expect("s".into());
        let port = loopback.redirect_uri().port().unwrap();
        let started = std::time::Instant::now();
        assert_eq!(loopback.code(Duration::from_millis(300)).await, Err(LoopbackError::TimedOut(Duration::from_millis(300))));
        assert!(started.elapsed() < Duration::from_secs(3));
        drop(loopback);
        // Stopped: nothing listens on the port any more (given a moment to close).
        let mut closed = false;
        for _ in 0..50 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
                closed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(closed, "the listener still accepts connections after the sign-in ended");
    }
}
