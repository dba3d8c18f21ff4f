//! Rust futures on the page's event loop: [`spawn`] runs one to its end, polled from
//! microtasks; [`settled`] awaits a JavaScript promise, and [`Pending`] any pair of callbacks.
//! One thread, so a task is an `Rc`. (In place of wasm-bindgen-futures, whose
//! executor carries a JSPI path and more than this crate needs: Accord is 483 B of gzip -9
//! smaller without it, 2026-11-30.)

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use js_sys::Promise;
use wasm_bindgen::prelude::*;

struct Task {
    /// `None` once it has finished.
    future: RefCell<Option<Pin<Box<dyn Future<Output = ()>>>>>,
    /// Whether it is in `QUEUE`, so a task woken twice is polled once.
    queued: Cell<bool>,
}

thread_local! {
    /// Tasks to poll, in the order they were woken.
    static QUEUE: RefCell<Vec<Rc<Task>>> = const { RefCell::new(Vec::new()) };
    /// Whether a microtask to run them is queued and has not started.
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
    /// `run`, as a function JavaScript can call.
    static RUN: JsValue = Closure::<dyn FnMut(JsValue)>::new(|_| run()).into_js_value();
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &JsValue);
}

/// Runs `future` to its end. It is first polled from a microtask, not during this call.
pub fn spawn(future: impl Future<Output = ()> + 'static) {
    wake(Rc::new(Task { future: RefCell::new(Some(Box::pin(future))), queued: Cell::new(false) }));
}

/// Queues `task` to be polled.
fn wake(task: Rc<Task>) {
    if !task.queued.replace(true) {
        QUEUE.with(|queue| queue.borrow_mut().push(task));
        schedule();
    }
}

/// Makes sure a microtask will poll what is queued.
fn schedule() {
    if !SCHEDULED.replace(true) {
        RUN.with(queue_microtask);
    }
}

/// Polls every queued task, and any woken meanwhile.
fn run() {
    SCHEDULED.set(false);
    while let Some((task, more)) = QUEUE.with(|queue| {
        let mut queue = queue.borrow_mut();
        (!queue.is_empty()).then(|| (queue.remove(0), !queue.is_empty()))
    }) {
        // Should this poll throw (a JavaScript exception goes through the wasm's frames and
        // ends this microtask), the tasks behind it still get a microtask of their own.
        if more {
            schedule();
        }
        task.queued.set(false);
        // SAFETY: the waker owns the reference `into_raw` makes, as VTABLE expects.
        let waker = unsafe { Waker::from_raw(RawWaker::new(Rc::into_raw(task.clone()).cast(), &VTABLE)) };
        // A task is never polled from inside its own poll: microtasks do not run while the
        // wasm is on the stack, and `run` is only called from one. (After a poll that threw,
        // its task stays borrowed, and is not polled again.)
        if let Ok(mut slot) = task.future.try_borrow_mut() {
            if slot.as_mut().is_some_and(|future| future.as_mut().poll(&mut Context::from_waker(&waker)).is_ready()) {
                *slot = None;
            }
        }
    }
}

// A waker is a counted reference to its task, from `Rc::into_raw`.
static VTABLE: RawWakerVTable = RawWakerVTable::new(
    |task| {
        // SAFETY: `task` came from `Rc::into_raw` and is still counted.
        unsafe { Rc::increment_strong_count(task.cast::<Task>()) };
        RawWaker::new(task, &VTABLE)
    },
    // SAFETY (these three): as above; `wake` and `drop` consume the waker's reference.
    |task| wake(unsafe { Rc::from_raw(task.cast::<Task>()) }),
    |task| {
        unsafe { Rc::increment_strong_count(task.cast::<Task>()) };
        wake(unsafe { Rc::from_raw(task.cast::<Task>()) })
    },
    |task| unsafe { Rc::decrement_strong_count(task.cast::<Task>()) },
);

/// What a promise settled with, and who waits for it.
#[derive(Default)]
struct Outcome {
    result: Option<Result<JsValue, JsValue>>,
    waiting: Option<Waker>,
}

/// A future of the first call of one of two JavaScript callbacks: `Ok` with what
/// [`Pending::on_ok`] is called with, `Err` with what [`Pending::on_err`] is called with. The
/// callbacks are owned here and dropped with it, so none is left behind when the other one is
/// called (a function made by `Closure::once_into_js` that is never called leaks): hand them
/// only to what calls one of them while this is awaited. One future for promises and
/// IndexedDB's requests alike, where each had a future of its own.
pub struct Pending {
    outcome: Rc<RefCell<Outcome>>,
    ok: Closure<dyn FnMut(JsValue)>,
    err: Closure<dyn FnMut(JsValue)>,
}

/// A new [`Pending`], waiting for one of its callbacks.
pub fn pending() -> Pending {
    let outcome = Rc::new(RefCell::new(Outcome::default()));
    let settle = |ok: bool| {
        let outcome = outcome.clone();
        Closure::once(move |value: JsValue| {
            let waiting = {
                let mut outcome = outcome.borrow_mut();
                outcome.result = Some(if ok { Ok(value) } else { Err(value) });
                outcome.waiting.take()
            };
            if let Some(waker) = waiting {
                waker.wake();
            }
        })
    };
    let (ok, err) = (settle(true), settle(false));
    Pending { outcome, ok, err }
}

impl Pending {
    /// The function that settles this with `Ok(its argument)`.
    pub fn on_ok(&self) -> &JsValue {
        self.ok.as_ref()
    }

    /// The function that settles this with `Err(its argument)`.
    pub fn on_err(&self) -> &JsValue {
        self.err.as_ref()
    }
}

impl Future for Pending {
    type Output = Result<JsValue, JsValue>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut outcome = self.outcome.borrow_mut();
        match outcome.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                outcome.waiting = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// The value `promise` fulfils with, or the reason it rejects with.
pub fn settled(promise: &Promise) -> Pending {
    let pending = pending();
    let _ = promise.then2(&pending.ok, &pending.err);
    pending
}
