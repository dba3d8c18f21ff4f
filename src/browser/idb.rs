//! A minimal IndexedDB for receipts: one database `accord` with the stores `keys` (the
//! visitor's signing key) and `receipts` (every receipt by sequence number, with its delivery
//! state). Requests become futures. In a browser that keeps no data for the site, the same two
//! stores live in the page view's memory instead (see [`Store::Page`]).

use std::cell::RefCell;
use std::future::Future;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

use super::{js, nothrow, page, task, Context, DomError};
use crate::message::{cat, Describe};

pub const KEYS: &str = "keys";
pub const RECEIPTS: &str = "receipts";

/// Where the key and the receipts are kept.
pub enum Store {
    Db(IdbDatabase),
    /// This page view's memory, `{keys: {…}, receipts: {…}}`, each store a plain object by
    /// key; its integer keys (the receipts' sequence numbers) list in ascending order, as
    /// IndexedDB's do. Lost when the page view ends.
    Page(JsValue),
}

thread_local! {
    /// This page view's store, once made (see [`open`]).
    static PAGE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// A request to a [`Store`]: IndexedDB's, or the page's answer, at once.
enum Request {
    Db(IdbRequest),
    Page(JsValue),
}

/// Waits for a request's result (or passes on the error of making it). Its handlers are a
/// [`task::Pending`]'s, so no Rust closure is left behind when one of them never fires. (The
/// one future the store's reads and writes share: each of them as an `async fn` of its own was
/// another state machine in the wasm.)
async fn done(request: Result<Request, DomError>, action: &'static str) -> Result<JsValue, DomError> {
    let request = match request? {
        Request::Db(request) => request,
        Request::Page(value) => return Ok(value),
    };
    let waiting = task::pending();
    // (The handlers set as members: web-sys's setters are an import and glue each.)
    js::set(&request, "onsuccess", waiting.on_ok());
    js::set(&request, "onerror", waiting.on_err());
    let outcome = waiting.await;
    js::set(&request, "onsuccess", &JsValue::NULL);
    js::set(&request, "onerror", &JsValue::NULL);
    match outcome {
        Ok(_) => Ok(nothrow::result(&request)),
        Err(_) => Err(DomError { action, detail: super::js::text(&nothrow::error(&request), "message") }),
    }
}

/// Opens the store (see [`Store`]): this page view's, once made; else the database, made on
/// first use; else, when `unkept` (a choice that localStorage could not keep either, so that
/// the browser keeps no data for the site and the choice would be lost), a new store in this
/// page view's memory, said once as a warning. Its receipts are signed with a key of this page
/// view, delivered and listed as usual, and lost with it. Once made, it is the store for the
/// rest of the page view, so its chain stays whole. Before that, in a browser whose
/// localStorage is refused too (it keeps no data for the site), an empty store that is kept
/// nowhere: earlier page views left nothing there to list or deliver.
pub async fn open(unkept: bool) -> Result<Store, DomError> {
    if let Some(stores) = PAGE.with(|p| p.borrow().clone()) {
        return Ok(Store::Page(stores));
    }
    let request: Result<IdbOpenDbRequest, DomError> = js::some(&page::window(), "indexedDB")
        .context("use IndexedDB (not available here)")
        .and_then(|factory| factory.unchecked_into::<web_sys::IdbFactory>().open_with_u32("accord", 1).context("open IndexedDB"));
    // Kept until the open is done, then dropped: it fires only when the database is new.
    let upgrade = request.as_ref().ok().map(|request| {
        let upgrade = {
            let request = request.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_| {
                // An open request's result is its database.
                let db: IdbDatabase = nothrow::result(&request).unchecked_into();
                let _ = db.create_object_store(KEYS);
                let _ = db.create_object_store(RECEIPTS);
            })
        };
        js::set(request, "onupgradeneeded", upgrade.as_ref());
        (request.clone(), upgrade)
    });
    let db = done(request.map(|r| Request::Db(r.into())), "open IndexedDB").await;
    if let Some((request, upgrade)) = upgrade {
        js::set(&request, "onupgradeneeded", &JsValue::NULL);
        drop(upgrade);
    }
    match db {
        Ok(db) => Ok(Store::Db(db.unchecked_into())),
        // Not an error where the browser keeps no data: there is nothing to read or deliver
        // yet, which the site could not fix anyway.
        Err(e) if unkept || page::local_storage().is_none() => {
            let stores: JsValue = js::object(&[(KEYS, &js_sys::Object::new()), (RECEIPTS, &js_sys::Object::new())]).into();
            if unkept {
                page::warn(&cat(&["receipts are kept in this page view's memory only (", &e.describe(), ")"]));
                PAGE.with(|p| *p.borrow_mut() = Some(stores.clone()));
            }
            Ok(Store::Page(stores))
        }
        Err(e) => Err(e),
    }
}

fn object_store(db: &IdbDatabase, name: &str, mode: IdbTransactionMode) -> Result<web_sys::IdbObjectStore, DomError> {
    let tx = db.transaction_with_str_and_mode(name, mode).context("start an IndexedDB transaction")?;
    tx.object_store(name).context("open an IndexedDB store")
}

/// The value at `key` (undefined when there is none).
pub fn get(store: &Store, name: &str, key: &JsValue) -> impl Future<Output = Result<JsValue, DomError>> {
    let request = match store {
        Store::Db(db) => object_store(db, name, IdbTransactionMode::Readonly).and_then(|s| s.get(key).context("read IndexedDB")).map(Request::Db),
        Store::Page(page) => Ok(Request::Page(Reflect::get(&js::get(page, name), key).unwrap_or_default())),
    };
    done(request, "read IndexedDB")
}

/// Writes `value` at `key`: over what is stored there when `replace`, else only where nothing
/// is (and fails where something is). The future gives the key.
pub fn write(store: &Store, name: &str, key: &JsValue, value: &JsValue, replace: bool) -> impl Future<Output = Result<JsValue, DomError>> {
    let request = match store {
        Store::Db(db) => object_store(db, name, IdbTransactionMode::Readwrite).and_then(|s| {
            if replace { s.put_with_key(value, key) } else { s.add_with_key(value, key) }.context("write IndexedDB").map(Request::Db)
        }),
        Store::Page(page) => {
            let values = js::get(page, name);
            if !replace && !Reflect::get(&values, key).unwrap_or_default().is_undefined() {
                Err(DomError { action: "keep it in memory", detail: "its place is taken".into() })
            } else {
                let _ = Reflect::set(&values, key, value);
                Ok(Request::Page(key.clone()))
            }
        }
    };
    done(request, "write IndexedDB")
}

/// Every value of a store, in key order: an array.
pub fn all(store: &Store, name: &str) -> impl Future<Output = Result<JsValue, DomError>> {
    let request = match store {
        Store::Db(db) => object_store(db, name, IdbTransactionMode::Readonly).and_then(|s| s.get_all().context("read IndexedDB")).map(Request::Db),
        Store::Page(page) => Ok(Request::Page(js_sys::Object::values(js::get(page, name).unchecked_ref::<js_sys::Object>()).into())),
    };
    done(request, "read IndexedDB")
}
