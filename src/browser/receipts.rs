//! Receipts in the browser: each choice becomes a JWS signed with the visitor's key, chained
//! to the previous one, kept in IndexedDB, and delivered in order to the configured endpoint
//! (retried with exponential backoff and jitter, flushed at the next page load, sent by
//! beacon on `pagehide`). Without an endpoint they are kept locally. All work on the store
//! runs one job at a time, so two quick choices cannot take the same place in the chain. In a
//! browser that keeps no data for the site, the store is the page view's memory (see
//! [`idb::open`]).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::js::{get, set, text};
use super::{idb, js, nothrow, page, task, webcrypto, Context, DomError};
use crate::config::Config;
use crate::consent::Consent;
use crate::i18n;
use crate::message::{cat, decimal, first_chars, pieces, Describe};
use crate::receipt::{self, b64, unsigned, Facts};

type Job = Pin<Box<dyn Future<Output = Result<(), DomError>>>>;

/// From this many undelivered receipts on, every delivery attempt warns on the console.
const WARN_PENDING: u64 = 20;

thread_local! {
    /// Jobs waiting, and whether a runner is working through them. (A `Vec`, not a
    /// `VecDeque`: there are a few at a time, and a deque of them cost the wasm its own code.)
    static JOBS: RefCell<Vec<Job>> = const { RefCell::new(Vec::new()) };
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    /// The oldest receipt not yet delivered, for the `pagehide` beacon (which cannot wait for
    /// IndexedDB, and sends only the oldest).
    static OLDEST: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Whether a retry is scheduled. One at a time: a delivery that fails while one is waiting
    /// leaves it be, so retries (and what each holds) do not add up with every choice made
    /// while the endpoint is down.
    static RETRYING: Cell<bool> = const { Cell::new(false) };
    /// Called whenever the jobs run out: what the visitor sees of the receipts may have
    /// changed (one stored, delivered or refused). See [`on_settled`].
    static SETTLED: Cell<Option<fn()>> = const { Cell::new(None) };
}

/// Has `f` called each time the queued jobs have all run, so that the panel's records,
/// if shown, are read again. (A plain function, not a closure: no glue of its own.)
pub fn on_settled(f: fn()) {
    SETTLED.set(Some(f));
}

/// Runs `job` after every job queued before it; a failure is reported and the queue goes on.
fn enqueue(job: impl Future<Output = Result<(), DomError>> + 'static) {
    JOBS.with(|jobs| jobs.borrow_mut().push(Box::pin(job)));
    if RUNNING.with(|r| r.replace(true)) {
        return;
    }
    task::spawn(async {
        while let Some(job) = JOBS.with(|jobs| {
            let mut jobs = jobs.borrow_mut();
            (!jobs.is_empty()).then(|| jobs.remove(0))
        }) {
            if let Err(e) = job.await {
                page::error(&cat(&["receipts: ", &e.describe()]));
            }
        }
        RUNNING.with(|r| r.set(false));
        if let Some(settled) = SETTLED.get() {
            settled();
        }
    });
}

/// Signs and stores a receipt for the choice `line` (see [`unsigned::line`]), after those
/// still waiting, then delivers what is pending. The choice is first kept in localStorage
/// (see [`unsigned`]), so that it is signed at the next page view should this one end first.
pub fn issue(config: Rc<Config>, line: String) {
    // Storage that is full or blocked keeps nothing: the job then signs this choice first,
    // as nothing would sign it later.
    let kept_now = page::local_storage().is_some_and(|s| s.set_item(UNSIGNED, &unsigned::add(&kept(&s), &line)).is_ok());
    let endpoint = config.receipt_endpoint.clone();
    enqueue(sign_kept(config, (!kept_now).then_some(line)));
    if let Some(endpoint) = endpoint {
        enqueue(deliver(endpoint));
    }
}

/// Signs the choices earlier page views made but could not sign (they ended first, or a
/// signature failed), oldest first, then delivers what earlier page views left pending. In a
/// browser that keeps no data for the site (its localStorage refused) earlier page views left
/// nothing, so there is nothing to do, not even to try IndexedDB (this page view's choices
/// are still signed and delivered, from its memory: see [`idb::open`]).
pub fn flush(config: &Rc<Config>) {
    let Some(storage) = page::local_storage() else { return };
    // Only when a choice is kept: queued on every page view, for nothing in the usual case,
    // the job took 3.8 ms more of main-thread scripting at load (the benchmark's harness,
    // 100 paired runs, 2026-12-01). The read also loads localStorage from the browser
    // process before the visitor's first click, which would wait for it.
    if !kept(&storage).is_empty() {
        enqueue(sign_kept(config.clone(), None));
    }
    if let Some(endpoint) = config.receipt_endpoint.clone() {
        enqueue(deliver(endpoint));
    }
}

/// Where choices wait for their receipt (see [`unsigned`]).
pub const UNSIGNED: &str = "accord_unsigned";

/// The choices kept in `storage`, a line each (empty when there are none).
fn kept(storage: &web_sys::Storage) -> String {
    storage.get_item(UNSIGNED).ok().flatten().unwrap_or_default()
}

/// The choices kept in this page's localStorage, if it has one (see [`kept`]).
pub fn waiting() -> String {
    page::local_storage().map(|s| kept(&s)).unwrap_or_default()
}

/// Forgets a kept choice, by its line: its receipt is stored now, or it is not a choice.
fn signed(line: &str) {
    if let Some(storage) = page::local_storage() {
        let rest = unsigned::without(&kept(&storage), line);
        let _ = if rest.is_empty() { storage.remove_item(UNSIGNED) } else { storage.set_item(UNSIGNED, &rest) };
    }
}

/// Signs and stores the receipts of the choices waiting, each forgotten once its receipt is
/// stored: `own` first (a choice that could not be kept, signed now rather than lost), then
/// the lines kept in localStorage, oldest first. The first failure ends the job and leaves
/// that choice and the ones after it kept, so that no receipt goes before an earlier choice's
/// in the chain: the next choice's job, or the next page view, starts again from the oldest.
/// Where IndexedDB cannot be opened, `own` is signed into this page view's memory (see
/// [`idb::open`]), and the kept lines wait for a page view that has IndexedDB, which keeps
/// their receipts.
async fn sign_kept(config: Rc<Config>, own: Option<String>) -> Result<(), DomError> {
    let own = own.unwrap_or_default();
    let waiting = unsigned::add(&own, &waiting());
    if waiting.is_empty() {
        return Ok(());
    }
    webcrypto::ready(own.is_empty())?;
    // Opened once for all the lines. Without a store for their receipts, every line waits,
    // even one that is not a choice (it is dropped once the store can be read).
    let own_len = own.len();
    let db = idb::open(own_len > 0).await?;
    // `own` comes first: in this page view's memory, it is all there is to sign.
    let waiting = if matches!(db, idb::Store::Page(_)) { &waiting[..own_len] } else { &waiting };
    let key = webcrypto::visitor_key(&db).await?;
    'lines: for line in pieces(waiting, b'\n') {
        let Some(unsigned::Unsigned { consent, method, lang, gpc }) = unsigned::read_line(line) else {
            page::warn(&cat(&["localStorage's ", UNSIGNED, " has a line that is not a choice Accord kept, and is dropped: ", first_chars(line, 200)]));
            signed(line);
            continue;
        };
        let texts = i18n::texts(&config, &lang);
        let texts_sha256 = b64::encode(&webcrypto::sha256(receipt::texts_shown(&config, &texts).as_bytes()).await?);
        // The place in the chain is taken with `add`, which fails where a receipt is already
        // stored: another tab of the site may have stored one between this read and this
        // write. Then the chain is read again, and this receipt goes after that one (signed
        // again, as its `prev` changed). A write that fails with its place still free is a
        // real failure.
        let mut failed: Option<(f64, DomError)> = None;
        let jws = loop {
            let stored: js_sys::Array = idb::all(&db, idb::RECEIPTS).await?.unchecked_into();
            if has(&stored, &consent.id) {
                // Signed already (its page view ended after storing it, before forgetting it;
                // or another tab signed the same kept choice).
                signed(line);
                continue 'lines;
            }
            let last = (stored.length() > 0).then(|| stored.get(stored.length() - 1));
            let seq = last.as_ref().and_then(|l| get(l, "seq").as_f64()).unwrap_or(0.0) + 1.0;
            if let Some((tried, e)) = failed.take() {
                if seq <= tried {
                    return Err(e);
                }
            }
            let prev = match &last {
                Some(last) => Some(b64::encode(&webcrypto::sha256(text(last, "jws").as_bytes()).await?)),
                None => None,
            };
            let facts = Facts {
                lang: &lang,
                method,
                key: &key.public,
                kid: &key.kid,
                texts_sha256: &texts_sha256,
                gpc,
                prev: prev.as_deref(),
            };
            let payload = receipt::payload(&config, &consent, &facts);
            let input = receipt::signing_input(&receipt::header(&key.public, &key.kid), &payload);
            let signature = webcrypto::sign(&key.private, input.as_bytes()).await?;
            let jws = receipt::compact(&input, &signature);

            let record = record(&consent);
            set(&record, "seq", &JsValue::from_f64(seq));
            set(&record, "jws", &JsValue::from_str(&jws));
            set(&record, "delivered", &JsValue::FALSE);
            set(&record, "attempts", &JsValue::from_f64(0.0));
            set(&record, "countersignature", &JsValue::NULL);
            match idb::write(&db, idb::RECEIPTS, &JsValue::from_f64(seq), &record, false).await {
                Ok(_) => break jws,
                Err(e) => failed = Some((seq, e)),
            }
        };
        signed(line);
        if config.receipt_endpoint.is_some() {
            OLDEST.with(|oldest| {
                oldest.borrow_mut().get_or_insert(jws);
            });
        }
    }
    Ok(())
}

/// POSTs each undelivered receipt in chain order, stopping at the first failure (so order
/// holds) and trying again later with exponential backoff and jitter.
async fn deliver(endpoint: String) -> Result<(), DomError> {
    let db = idb::open(false).await?;
    let stored: js_sys::Array = idb::all(&db, idb::RECEIPTS).await?.unchecked_into();
    let mut oldest = None;
    let mut waiting = 0;
    let mut failed_attempts = None;
    for record in stored.iter() {
        if get(&record, "delivered").is_truthy() || get(&record, "refused").is_truthy() {
            continue;
        }
        if failed_attempts.is_some() {
            waiting += 1;
            continue;
        }
        let jws = text(&record, "jws");
        let attempts = get(&record, "attempts").as_f64().unwrap_or(0.0) + 1.0;
        set(&record, "attempts", &JsValue::from_f64(attempts));
        let id = text(&record, "id");
        match post(&endpoint, &jws).await {
            Ok(Answer::Stored(answer)) => {
                set(&record, "delivered", &JsValue::TRUE);
                set(&record, "countersignature", &answer);
            }
            Ok(Answer::Refused(refusal)) => {
                // The endpoint says this receipt itself is wrong: sending it again cannot
                // help. It stays here, marked with the reason, and the next one goes on.
                let reason = nothrow::json(&refusal, 0).as_string().unwrap_or_default();
                page::error(&cat(&["receipt ", &id, " was refused by ", &endpoint, ": ", &reason]));
                set(&record, "refused", &refusal);
            }
            Err(e) => {
                page::warn(&cat(&["receipt ", &id, " not delivered yet: ", &e.describe()]));
                failed_attempts = Some(attempts);
                waiting = 1;
                oldest = Some(jws);
            }
        }
        idb::write(&db, idb::RECEIPTS, &get(&record, "seq"), &record, true).await?;
    }
    if waiting >= WARN_PENDING {
        // Never dropped, never silent: say how many are waiting.
        page::warn(&cat(&[&decimal(waiting), " consent receipts are waiting for delivery to ", &endpoint]));
    }
    OLDEST.with(|o| *o.borrow_mut() = oldest);
    if let Some(attempts) = failed_attempts {
        retry_later(endpoint, attempts);
    }
    Ok(())
}

enum Answer {
    /// Taken: its countersignature (`{"countersignature": …}`), or its whole body.
    Stored(JsValue),
    /// Refused for what the receipt is (400, 409, 413, 422): `{status, error, message}`.
    Refused(JsValue),
}

/// Statuses that say the receipt itself is unacceptable; any other failure is retried.
const REFUSALS: [u16; 4] = [400, 409, 413, 422];

async fn post(endpoint: &str, jws: &str) -> Result<Answer, DomError> {
    // Plain objects for the request and its headers: web-sys's RequestInit and Headers are
    // an import for each member set, and Headers's can throw.
    let headers = js::object(&[("Content-Type", &"application/jose".into())]);
    let init = js::object(&[("method", &"POST".into()), ("body", &jws.into()), ("headers", &headers)]);
    let init: &web_sys::RequestInit = init.unchecked_ref();
    let response = task::settled(&page::window().fetch_with_str_and_init(endpoint, init)).await.context("reach the endpoint")?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| DomError { action: "reach the endpoint", detail: "no response".into() })?;
    // (`status` and `ok` read as members: web-sys's getters are an import each.)
    let status = get(&response, "status").as_f64().unwrap_or_default() as u16;
    let ok = js::flag(&response, "ok");
    if !ok && !REFUSALS.contains(&status) {
        return Err(DomError { action: "deliver a receipt", detail: cat(&["HTTP ", &decimal(status.into())]) });
    }
    let body = task::settled(&nothrow::body_text(&response)).await.context("read the answer")?;
    let text = body.as_string().unwrap_or_default();
    // Not JSON, or not an object: its members read as `undefined` (see `js::get`).
    let parsed = js_sys::JSON::parse(&text).unwrap_or(JsValue::UNDEFINED);
    if !ok {
        // The endpoint's own words, or "refused" and the start of its body.
        let field = |name: &str, otherwise: &str| JsValue::from_str(&get(&parsed, name).as_string().unwrap_or_else(|| otherwise.to_string()));
        let status = JsValue::from_f64(f64::from(status));
        let refusal = js::object(&[("status", &status), ("error", &field("error", "refused")), ("message", &field("message", first_chars(&text, 300)))]);
        return Ok(Answer::Refused(refusal.into()));
    }
    let countersignature = get(&parsed, "countersignature");
    Ok(Answer::Stored(if countersignature.is_undefined() { JsValue::from_str(&text) } else { countersignature }))
}

/// Schedules a delivery after the backoff for `attempts`, unless one is scheduled already.
fn retry_later(endpoint: String, attempts: f64) {
    if RETRYING.replace(true) {
        return;
    }
    let delay = receipt::retry_delay_ms(attempts as u32, js_sys::Math::random());
    page::after(delay as i32, move || {
        RETRYING.set(false);
        enqueue(deliver(endpoint))
    });
}

/// On `pagehide`: hands the oldest pending receipt to the browser by beacon. Only the oldest,
/// because beacons may arrive in any order and the chain must arrive in order; the next page
/// view sends the rest. Whether it arrives is not known here, so it stays pending: the
/// endpoint is idempotent by receipt id. (A beacon cannot set `application/jose` across
/// origins without a preflight, so it goes as `text/plain`.)
pub fn beacon(config: &Config) {
    let Some(endpoint) = &config.receipt_endpoint else { return };
    OLDEST.with(|oldest| {
        if let Some(jws) = &*oldest.borrow() {
            let _ = page::navigator().send_beacon_with_opt_str(endpoint, Some(jws));
        }
    });
}

/// What a record says of its choice: `{id, time, categories, services}`.
fn record(consent: &Consent) -> JsValue {
    let record: JsValue = js_sys::Object::new().into();
    set(&record, "id", &JsValue::from_str(&consent.id));
    let time = js_sys::Date::new(&JsValue::from_f64(consent.timestamp_ms as f64));
    set(&record, "time", &time.to_iso_string().into());
    set(&record, "categories", &js::strings(consent.granted.as_slice()));
    set(&record, "services", &js::strings(consent.services.as_slice()));
    record
}

/// Every receipt kept in this browser (or, where it keeps none, in this page view's memory:
/// see [`idb::open`]), oldest first.
pub async fn list() -> Result<JsValue, DomError> {
    let db = idb::open(false).await?;
    idb::all(&db, idb::RECEIPTS).await
}

/// The visitor's records, oldest first: `stored`, every receipt kept in this browser (see
/// [`list`]), then each choice of `waiting` (see [`waiting`]), read before `stored`, as
/// `{id, time, categories, services, waiting: true}` without a `jws`. (Read in that order, a
/// choice whose receipt is stored in between is in both, and listed once; in the other
/// order, it would be in neither.) Without a store for receipts (every job reports why, at
/// each choice), the choices waiting are all there is, and are shown: the error is only when
/// nothing waits either.
pub fn records(waiting: String, stored: Result<JsValue, DomError>) -> Result<JsValue, DomError> {
    let all: js_sys::Array = match stored {
        Ok(stored) => stored.unchecked_into(),
        Err(e) if waiting.is_empty() => return Err(e),
        Err(_) => js_sys::Array::new(),
    };
    for line in pieces(&waiting, b'\n') {
        // A line that is not a choice is left to the signing job, which reports and drops it;
        // one whose receipt is stored already (its page view ended before forgetting it) is
        // listed once, as that receipt.
        let Some(choice) = unsigned::read_line(line) else { continue };
        if !has(&all, &choice.consent.id) {
            let record = record(&choice.consent);
            set(&record, "waiting", &JsValue::TRUE);
            all.push(&record);
        }
    }
    Ok(all.into())
}

/// Whether `records` has one for the choice `id`.
fn has(records: &js_sys::Array, id: &str) -> bool {
    records.iter().any(|r| text(&r, "id") == id)
}
