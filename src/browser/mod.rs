//! The thin browser shell: everything that touches the page (cookies, page facts, gated
//! elements, events, console). It carries out decisions made by the pure core and makes none.

pub mod cookie;
pub mod erase;
pub mod gate;
pub mod idb;
pub mod js;
pub mod json;
pub mod nothrow;
pub mod page;
pub mod receipts;
pub mod task;
pub mod webcrypto;

use wasm_bindgen::JsValue;

use crate::message::{cat, display_by_describe, Describe};

/// A browser API call that failed, naming what we were doing.
#[derive(Debug)]
pub struct DomError {
    pub action: &'static str,
    pub detail: String,
}

impl Describe for DomError {
    fn describe(&self) -> String {
        if self.detail.is_empty() {
            cat(&["could not ", self.action])
        } else {
            cat(&["could not ", self.action, ": ", &self.detail])
        }
    }
}

display_by_describe!(DomError);

/// Attaches "what we were doing" to a failed browser call.
pub trait Context<T> {
    fn context(self, action: &'static str) -> Result<T, DomError>;
}

impl<T> Context<T> for Result<T, JsValue> {
    fn context(self, action: &'static str) -> Result<T, DomError> {
        self.map_err(|e| DomError { action, detail: describe(&e) })
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, action: &'static str) -> Result<T, DomError> {
        self.ok_or(DomError { action, detail: String::new() })
    }
}

/// A readable text for a thrown JavaScript value.
pub fn describe(e: &JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    js::get(e, "message")
        .as_string()
        .unwrap_or_else(|| "unknown error".into())
}
