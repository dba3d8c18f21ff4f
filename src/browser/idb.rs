//! A minimal IndexedDB for receipts: one database `accord` with the stores `keys` (the
//! visitor's signing key) and `receipts` (every receipt by sequence number, with its delivery
//! state). Requests become futures.

use std::future::Future;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

use super::{nothrow, page, task, Context, DomError};

pub const KEYS: &str = "keys";
pub const RECEIPTS: &str = "receipts";

/// Waits for a request's result (or passes on the error of making it). Its handlers are a
/// [`task::Pending`]'s, so no Rust closure is left behind when one of them never fires. (The
/// one future the store's reads and writes share: each of them as an `async fn` of its own was
/// another state machine in the wasm.)
async fn done(request: Result<IdbRequest, DomError>, action: &'static str) -> Result<JsValue, DomError> {
    let request = request?;
    let waiting = task::pending();
    request.set_onsuccess(Some(waiting.on_ok().unchecked_ref()));
    request.set_onerror(Some(waiting.on_err().unchecked_ref()));
    let outcome = waiting.await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    match outcome {
        Ok(_) => Ok(nothrow::result(&request)),
        Err(_) => Err(DomError { action, detail: super::js::text(&nothrow::error(&request), "message") }),
    }
}

/// Opens (creating on first use) the database.
pub async fn open() -> Result<IdbDatabase, DomError> {
    let factory = page::window().indexed_db().ok().flatten().context("use IndexedDB (not available here)")?;
    let request: IdbOpenDbRequest = factory.open_with_u32("accord", 1).context("open IndexedDB")?;
    // Kept until the open is done, then dropped: it fires only when the database is new.
    let upgrade = {
        let request = request.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |_| {
            // An open request's result is its database.
            let db: IdbDatabase = nothrow::result(&request).unchecked_into();
            let _ = db.create_object_store(KEYS);
            let _ = db.create_object_store(RECEIPTS);
        })
    };
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let db = done(Ok(request.clone().into()), "open IndexedDB").await;
    request.set_onupgradeneeded(None);
    drop(upgrade);
    Ok(db?.unchecked_into())
}

fn store(db: &IdbDatabase, name: &str, mode: IdbTransactionMode) -> Result<web_sys::IdbObjectStore, DomError> {
    let tx = db.transaction_with_str_and_mode(name, mode).context("start an IndexedDB transaction")?;
    tx.object_store(name).context("open an IndexedDB store")
}

/// The value at `key` (undefined when there is none).
pub fn get(db: &IdbDatabase, name: &str, key: &JsValue) -> impl Future<Output = Result<JsValue, DomError>> {
    done(store(db, name, IdbTransactionMode::Readonly).and_then(|s| s.get(key).context("read IndexedDB")), "read IndexedDB")
}

/// Writes `value` at `key`: over what is stored there when `replace`, else only where nothing
/// is (and fails where something is). The future gives the key.
pub fn write(db: &IdbDatabase, name: &str, key: &JsValue, value: &JsValue, replace: bool) -> impl Future<Output = Result<JsValue, DomError>> {
    let request = store(db, name, IdbTransactionMode::Readwrite).and_then(|s| {
        if replace { s.put_with_key(value, key) } else { s.add_with_key(value, key) }.context("write IndexedDB")
    });
    done(request, "write IndexedDB")
}

/// Every value of a store, in key order: an array.
pub fn all(db: &IdbDatabase, name: &str) -> impl Future<Output = Result<JsValue, DomError>> {
    done(store(db, name, IdbTransactionMode::Readonly).and_then(|s| s.get_all().context("read IndexedDB")), "read IndexedDB")
}
