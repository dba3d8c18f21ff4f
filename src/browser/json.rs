//! The config's JSON read by the browser's own `JSON.parse`, then taken into the core's
//! [`Json`] value. The crate's own reader (`config::json`) is then left out of the wasm:
//! 1,321 B less of `gzip -9` in all (2026-12-03), and the parsing is native code the browser
//! already has. What the browser's reading gives up against the crate's, which `accord-scan`
//! and the tests still use:
//! - a key given twice takes its last value, where the crate's reader refuses it;
//! - a syntax error is described in the browser's words (Chromium's messages give the
//!   position with its line and column, or quote the text around the error);
//! - a number is whole whenever its value is (`1e3`, `1.0`, `-0`);
//! - an object's keys that are array indices ("0", "12") come first;
//! - a lone surrogate (`"\ud800"`) becomes U+FFFD, where the crate's reader refuses it.

use wasm_bindgen::{JsCast, JsValue};

use super::js;
use crate::config::json::{Json, MAX_DEPTH, TOO_DEEP};
use crate::config::SyntaxError;
use crate::message::decimal;

/// Parses `text` with `JSON.parse`. A syntax error is the browser's message, with line 0 (see
/// [`SyntaxError`]); nesting deeper than [`MAX_DEPTH`] is refused as the crate's reader
/// refuses it.
pub fn parse(text: &str) -> Result<Json, SyntaxError> {
    let error = |message| SyntaxError { line: 0, column: 0, message };
    let value = js_sys::JSON::parse(text).map_err(|e| error(js::text(&e, "message")))?;
    take(&value, 0).ok_or_else(|| error(TOO_DEEP.into()))
}

/// `value` as a [`Json`], or `None` where arrays and objects nest deeper than the limit.
/// `depth`: how many hold it.
fn take(value: &JsValue, depth: usize) -> Option<Json> {
    if let Some(s) = value.as_string() {
        return Some(Json::String(s));
    }
    if let Some(n) = value.as_f64() {
        return Some(Json::Number(number(n)));
    }
    // Compared, where `as_bool` and `is_null` would be two more imports and their glue;
    // `true` with one comparison, `false` with two.
    let is_true = *value == JsValue::TRUE;
    if is_true || *value == JsValue::FALSE {
        return Some(Json::Bool(is_true));
    }
    if *value == JsValue::NULL {
        return Some(Json::Null);
    }
    if depth >= MAX_DEPTH {
        return None;
    }
    if js_sys::Array::is_array(value) {
        let array: &js_sys::Array = value.unchecked_ref();
        let mut items = Vec::new();
        for i in 0..array.length() {
            items.push(take(&array.get(i), depth + 1)?);
        }
        return Some(Json::Array(items));
    }
    // Its own keys in `Object.keys`' order: the text's, except that keys that are array
    // indices ("0", "12") come first, ascending.
    let keys = js_sys::Object::keys(value.unchecked_ref::<js_sys::Object>());
    let mut members = Vec::new();
    for i in 0..keys.length() {
        let key = keys.get(i);
        members.push((key.as_string().unwrap_or_default(), take(&js::get_by(value, &key), depth + 1)?));
    }
    Some(Json::Object(members))
}

/// A number as the core reads it: a whole number that `f64` holds exactly, in decimal; any
/// other (negative, fractional, too large) as `-`, no whole number, which the reader
/// reports as the wrong type where it wants one, as it does `1.5` in the crate's own reader.
fn number(n: f64) -> String {
    if (0.0..=9_007_199_254_740_991.0).contains(&n) && n == (n as u64) as f64 {
        decimal(n as u64)
    } else {
        "-".into()
    }
}
