//! The first page of the timeline a staff member opens the console on, asked as soon as the session says
//! they are staff: its answer then travels while the shell and the page are built (about 70 ms of the
//! main thread, measured), not after. Asked for staff only, once the session is known: a signed-out
//! person or a customer who opens a consumer's address sends no D1 read (the gateway would refuse it and
//! audit the refusal under their name).

use console_api::d1::OperationsPage;
use console_api::gateway::{ClientError, Reply, SessionInfo};
use console_api::page::PAGE_SIZE;
use console_api::route::StaffPath;
use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use leptos::prelude::*;

use crate::transport::Client;
use crate::util::new_cid;

type Answer = Result<Reply<OperationsPage>, ClientError>;

/// Taken at most once, by the consumer page it was asked for (provided as context by `crate::start`).
/// Not taken (the person left that consumer before the page asked), it stays in memory for the page's
/// life, one page of operations, and can never be shown for another consumer or use case.
/// A handle: the request lives in this thread's arena (it is not `Send`), the handle in context.
#[derive(Clone, Copy)]
pub struct FirstPageAhead(StoredValue<Option<Asked>, LocalStorage>);

struct Asked {
    consumer: String,
    cid: String,
    answer: Shared<LocalBoxFuture<'static, Answer>>,
}

impl FirstPageAhead {
    /// Asks the first page now if `session` is staff's and the page opens on a consumer's timeline.
    pub fn ask(client: &Client, session: &Result<SessionInfo, ClientError>) -> Option<Self> {
        let user = session.as_ref().ok()?.user.as_ref()?;
        if !user.role.is_staff() {
            return None;
        }
        let path = web_sys::window()?.location().pathname().ok()?;
        let consumer = StaffPath::parse(&path).consumer()?.to_string();
        let cid = new_cid();
        let answer = {
            let (client, consumer, cid) = (client.clone(), consumer.clone(), cid.clone());
            async move { client.operations(&consumer, 0, PAGE_SIZE, Some(&cid)).await }.boxed_local().shared()
        };
        // Polled at once, so that the request leaves before the mount takes the main thread.
        wasm_bindgen_futures::spawn_local(answer.clone().map(drop));
        Some(FirstPageAhead(StoredValue::new_local(Some(Asked { consumer, cid, answer }))))
    }

    /// Waits for the answer, at most `limit`: a page mounted with its first rows is drawn once,
    /// rather than a skeleton that flashes for as long as a round trip (and the rows' frame after it).
    pub async fn settled_within(&self, limit: std::time::Duration) {
        let Some(answer) = self.0.with_value(|asked| asked.as_ref().map(|a| a.answer.clone())) else { return };
        let timer = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::new(&mut |done, _| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&done, limit.as_millis() as i32);
            }
        }));
        futures_util::future::select(answer.map(drop), timer).await;
    }

    /// The correlation id it was asked under, if it is `consumer`'s and not taken yet: the page's use
    /// case continues under it.
    pub fn cid_for(&self, consumer: &str) -> Option<String> {
        self.0.with_value(|asked| asked.as_ref().filter(|a| a.consumer == consumer).map(|a| a.cid.clone()))
    }

    /// The answer, once, for the page that asks `consumer`'s first page under `cid`.
    pub fn take(&self, consumer: &str, cid: &str) -> Option<impl std::future::Future<Output = Answer>> {
        let taken = self.0.try_update_value(|slot| {
            let mine = slot.as_ref().is_some_and(|a| a.consumer == consumer && a.cid == cid);
            if mine { slot.take().map(|a| a.answer) } else { None }
        });
        taken.flatten()
    }
}
