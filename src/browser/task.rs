//! Rust futures on the page's event loop: [`spawn`] runs one to its end, polled from
//! microtasks; [`settled`] awaits a JavaScript promise; [`promise`] hands a future's result to
//! JavaScript. One thread, so a task is an `Rc`. (In place of wasm-bindgen-futures, whose
//! executor carries a JSPI path and more than this crate needs: Accord is 483 B of gzip -9
//! smaller without it, 2026-11-30.)

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use js_sys::{Function, Promise};
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

/// The value `promise` fulfils with, or the reason it rejects with.
pub async fn settled(promise: &Promise) -> Result<JsValue, JsValue> {
    let outcome = Rc::new(RefCell::new(Outcome::default()));
    // Closures owned here, dropped once the promise has settled: only one of the two is ever
    // called, and a function made by `Closure::once_into_js` that is never called leaks.
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
    let (on_ok, on_err) = (settle(true), settle(false));
    let _ = promise.then2(&on_ok, &on_err);
    poll_fn(|cx| {
        let mut outcome = outcome.borrow_mut();
        match outcome.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                outcome.waiting = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    })
    .await
}

/// A promise of what `future` gives: fulfilled with its value, rejected with its error.
pub fn promise(future: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    let mut future = Some(future);
    Promise::new(&mut |resolve: Function, reject: Function| {
        if let Some(future) = future.take() {
            spawn(async move {
                let (settle, value) = match future.await {
                    Ok(value) => (resolve, value),
                    Err(error) => (reject, error),
                };
                let _ = settle.call1(&JsValue::UNDEFINED, &value);
            });
        }
    })
}
