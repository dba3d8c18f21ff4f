//! Building DOM nodes: every string goes in as text (`textContent`) or as an attribute value,
//! never as HTML.
//!
//! These calls do not return errors. Their tag and attribute names are literals of this
//! crate, and the DOM takes any attribute value or text, so they cannot fail: they go through
//! `browser::nothrow`'s bindings, which have no `catch`. Were one to fail all the same, its
//! exception goes on to the JavaScript that called into the wasm (the loader reports it as
//! `accord:error`; an event listener's goes to the console). Carrying a `Result` through
//! every builder for this cost 10 KB of the wasm (2026-11-24).

use wasm_bindgen::JsValue;
use web_sys::{Document, Element, HtmlInputElement};

use crate::browser::{js, nothrow};
use crate::message::{pieces, split_first};

/// Creates an element from `spec`, its tag and fixed attributes in one literal of this crate:
/// `"button|type=button|class=accord-btn"` (`|hidden` for an attribute without a value). One
/// string, not a pair of strings per attribute, because every pair the caller builds is code
/// in the wasm at each call. `attrs` are the ones computed at run time, any value allowed.
pub fn el(doc: &Document, spec: &str, attrs: &[(&str, &str)], text: &str) -> Element {
    let mut parts = pieces(spec, b'|');
    let node = nothrow::create_element(doc, parts.next().unwrap_or_default());
    for part in parts {
        let (name, value) = split_first(part, b'=').unwrap_or((part, ""));
        set(&node, name, value);
    }
    for (name, value) in attrs {
        set(&node, name, value);
    }
    if !text.is_empty() {
        set_text(&node, Some(text));
    }
    node
}

/// Sets `node`'s text (`textContent`); `None` empties it. A member set, where web-sys's
/// setter is an import and glue of its own.
pub fn set_text(node: &Element, text: Option<&str>) {
    js::set(node, "textContent", &text.map_or(JsValue::NULL, JsValue::from_str));
}

/// Whether a checkbox is checked.
pub fn checked(input: &HtmlInputElement) -> bool {
    js::flag(input, "checked")
}

/// Checks or unchecks a checkbox.
pub fn set_checked(input: &HtmlInputElement, on: bool) {
    js::set(input, "checked", &JsValue::from_bool(on));
}

/// Appends a new element (see [`el`]) to `parent`.
pub fn add(parent: &Element, doc: &Document, spec: &str, attrs: &[(&str, &str)], text: &str) {
    nothrow::append(parent, &el(doc, spec, attrs, text));
}

/// Sets one attribute (its name a literal of this crate).
pub use crate::browser::nothrow::set_attribute as set;

/// Shows or hides `node` (its `hidden` attribute).
pub fn show(node: &Element, visible: bool) {
    // (Not `toggleAttribute`: one more import, and its glue, for the same effect.)
    if visible {
        nothrow::remove_attribute(node, "hidden");
    } else {
        set(node, "hidden", "");
    }
}

/// Appends `children` to `parent` in order.
pub fn append(parent: &Element, children: &[&Element]) {
    for child in children {
        nothrow::append(parent, child);
    }
}
