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
use crate::i18n::{Key, Texts};
use crate::message::{pieces, split_first};

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

/// Builds the elements `tpl` describes, appends the outermost ones to `parent` (when given),
/// and returns every element built, in document order. One literal of this crate for a whole
/// part of the interface, read here, where a call per element and attribute was code in the
/// wasm at each place (the templates took 485 B off the zopfli total, 2026-12-04).
///
/// `tpl` is a list of element specs separated by `;`. A spec's leading `>`s give its depth: it
/// is a child of the last element before it with one `>` fewer (the outermost ones have none).
/// Then come its pieces, separated by `|`: its tag, then its attributes (`name=value`, or a
/// bare `name` for one without a value) and its text. Besides those, a piece may be:
/// - `#key`, `$N` or `'text`: appended to the element's text: the interface text `key` (a
///   [`Key`]'s name) in `t`, `args[N]` (`N` one digit), or `text` itself;
/// - `name=#key` or `name=$N`: an attribute of that value, left out when the value is empty;
/// - `name?N`: an attribute without a value, set only when `args[N]` is not empty;
/// - `?N`, first: the element, with its children, is built only when `args[N]` is not empty.
///
/// Only the literal is read as a template: `args` and the texts go in as values, so a
/// config's strings are never parsed, here or as HTML.
pub fn tree(doc: &Document, t: &Texts, parent: Option<&Element>, tpl: &str, args: &[&str]) -> Vec<Element> {
    let mut built: Vec<Element> = Vec::new();
    // Indices in `built` of the last element at each depth, down to the one before this.
    let mut path: Vec<usize> = Vec::new();
    // The depth of a left-out element: its children are left out too.
    let mut left_out = usize::MAX;
    for spec in pieces(tpl, b';') {
        let depth = spec.bytes().take_while(|&b| b == b'>').count();
        if depth > left_out {
            continue;
        }
        left_out = usize::MAX;
        path.truncate(depth);
        let Some(node) = element(doc, t, &spec[depth..], args) else {
            left_out = depth;
            continue;
        };
        match path.last() {
            Some(&at) => nothrow::append(&built[at], &node),
            None => {
                if let Some(parent) = parent {
                    nothrow::append(parent, &node);
                }
            }
        }
        path.push(built.len());
        built.push(node);
    }
    built
}

/// One element of a [`tree`] template; `None` when its `?N` leaves it out.
fn element(doc: &Document, t: &Texts, spec: &str, args: &[&str]) -> Option<Element> {
    let mut parts = pieces(spec, b'|');
    let mut tag = parts.next().unwrap_or_default();
    if let Some(n) = tag.strip_prefix('?') {
        if arg(n, args).is_empty() {
            return None;
        }
        tag = parts.next().unwrap_or_default();
    }
    let node = nothrow::create_element(doc, tag);
    for part in parts {
        match split_first(part, b'=') {
            Some((name, value)) => {
                let resolved = value_of(t, value, args);
                if !resolved.is_empty() || value.is_empty() {
                    set(&node, name, resolved);
                }
            }
            None if part.starts_with(['#', '$', '\'']) => {
                let text = value_of(t, part, args);
                if !text.is_empty() {
                    nothrow::append_text(&node, text);
                }
            }
            None => match split_first(part, b'?') {
                Some((name, n)) => {
                    if !arg(n, args).is_empty() {
                        set(&node, name, "");
                    }
                }
                None => set(&node, part, ""),
            },
        }
    }
    Some(node)
}

/// `args[N]` for the digit `N` that `digit` begins with; empty when there is none.
fn arg<'a>(digit: &str, args: &[&'a str]) -> &'a str {
    let n = digit.bytes().next().unwrap_or_default().wrapping_sub(b'0');
    args.get(usize::from(n)).copied().unwrap_or_default()
}

/// A template value: `#key`'s text in `t`, `$N`'s argument, `'text`'s text, or the value as
/// written. An unknown key or a missing argument is empty.
fn value_of<'a>(t: &'a Texts, value: &'a str, args: &[&'a str]) -> &'a str {
    let rest = value.get(1..).unwrap_or_default();
    match value.as_bytes().first() {
        Some(b'#') => Key::from_name(rest).map_or("", |key| t.get(key)),
        Some(b'$') => arg(rest, args),
        Some(b'\'') => rest,
        _ => value,
    }
}
