//! Plain JavaScript objects and arrays, read and built from Rust: the shapes `window.Accord`,
//! the receipt store, WebCrypto and gtag exchange. One set of helpers, so each shape costs the
//! wasm one call per member and no iterator code of its own.

use wasm_bindgen::prelude::*;

/// `obj[key]`, or `undefined` (also when reading it throws).
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    get_by(obj, &JsValue::from_str(key))
}

/// `obj[key]` for a key that is a JavaScript value already, or `undefined`.
pub fn get_by(obj: &JsValue, key: &JsValue) -> JsValue {
    js_sys::Reflect::get(obj, key).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key]` when it is a string, else `""`. For a DOM property that is a string, this in
/// place of web-sys's getter: one conversion for them all, where each getter that returns a
/// string has its own import and glue that write it into the wasm's memory.
pub fn text(obj: &JsValue, key: &str) -> String {
    get(obj, key).as_string().unwrap_or_default()
}

/// `obj[key]` when it holds an object (an element, a store, …), else `None` (null,
/// undefined, or reading it throws). For a DOM property that holds an object or null, this in
/// place of web-sys's getter, an import and glue each.
pub fn some(obj: &JsValue, key: &str) -> Option<JsValue> {
    Some(get(obj, key)).filter(JsValue::is_truthy)
}

/// `obj[key]` taken as a boolean (`checked`, `shiftKey`, …): one reader for the DOM's flags,
/// where each web-sys getter is an import and glue of its own.
pub fn flag(obj: &JsValue, key: &str) -> bool {
    get(obj, key).is_truthy()
}

/// `obj[key] = value`; an object that refuses it is left as it is.
pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), value);
}

/// `{key: value, …}` in this order.
pub fn object(members: &[(&str, &JsValue)]) -> js_sys::Object {
    let out = js_sys::Object::new();
    for (key, value) in members {
        set(&out, key, value);
    }
    out
}

/// An array of these strings.
pub fn strings(items: &[String]) -> js_sys::Array {
    let out = js_sys::Array::new();
    for item in items {
        out.push(&JsValue::from_str(item));
    }
    out
}

/// The strings of a JavaScript array, in order; other items are skipped.
pub fn read_strings(array: &js_sys::Array) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..array.length() {
        if let Some(item) = array.get(i).as_string() {
            out.push(item);
        }
    }
    out
}
