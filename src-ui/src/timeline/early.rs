//! The first page of the consumer a page load opens on, asked beside `/api/session` (the staff route
//! table's `early` hook, see `crate::start`) rather than after the session has answered and the shell is
//! mounted: the answer travels while the session is asked and the shell is built, and the timeline takes
//! it when it mounts. Used once, by the first timeline of the page load, and only for the consumer it was
//! asked for; a later consumer asks its own pages.

use std::cell::RefCell;
use std::rc::Rc;

use console_api::d1::OperationsPage;
use console_api::gateway::ClientError;
use console_api::page::PAGE_SIZE;
use console_api::route::StaffPath;
// wasm-bindgen-futures' own: the first page is asked before the app is mounted, when Leptos's executor is not set up yet.
use wasm_bindgen_futures::spawn_local;

use crate::transport::Client;
use crate::util::new_cid;

pub type Answer = Result<OperationsPage, ClientError>;
type Deliver = Box<dyn FnOnce(Answer)>;

/// Where the early answer is: not yet come, or come before the timeline took it, or awaited by it.
enum State {
    Asked,
    Answered(Answer),
    Awaited(Deliver),
}

/// The early ask: for whom, under which correlation id (the timeline's use case takes it as its own).
struct Early {
    consumer: String,
    cid: String,
    state: Rc<RefCell<State>>,
}

thread_local! {
    static EARLY: RefCell<Option<Early>> = const { RefCell::new(None) };
}

/// Asks the first page of the consumer in the address bar, if it is a consumer's page.
pub fn ask_first_page(client: &Client) {
    let path = web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
    let Some(consumer) = StaffPath::parse(&path).consumer().map(str::to_string) else { return };
    let cid = new_cid();
    let state = Rc::new(RefCell::new(State::Asked));
    let (client, asked_for, id, slot) = (client.clone(), consumer.clone(), cid.clone(), state.clone());
    spawn_local(async move {
        let answer = client.operations(&asked_for, 0, PAGE_SIZE, Some(&id)).await.map(|reply| reply.value);
        let now = std::mem::replace(&mut *slot.borrow_mut(), State::Asked);
        match now {
            State::Awaited(deliver) => deliver(answer),
            _ => *slot.borrow_mut() = State::Answered(answer),
        }
    });
    EARLY.with(|early| *early.borrow_mut() = Some(Early { consumer, cid, state }));
}

/// The early first page, if it was asked for `consumer` and nobody took it yet: its correlation id, and
/// a way to have its answer (`deliver` runs once, in a later task, whether it has come already or not).
pub fn take(consumer: &str) -> Option<(String, impl FnOnce(Deliver))> {
    let early = EARLY.with(|early| early.borrow_mut().take())?;
    (early.consumer == consumer).then(|| {
        let state = early.state;
        let when_answered = move |deliver: Deliver| {
            let now = std::mem::replace(&mut *state.borrow_mut(), State::Asked);
            match now {
                // In a task of its own, not inside the component that takes it.
                State::Answered(answer) => spawn_local(async move { deliver(answer) }),
                _ => *state.borrow_mut() = State::Awaited(deliver),
            }
        };
        (early.cid, when_answered)
    })
}
