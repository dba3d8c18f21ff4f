//! Activation of gated elements once their category may run:
//! - `<script type="text/plain" data-category="…">` placeholders become real scripts that run in
//!   document order, as a parser's would: external ones are fetched all at once and run in
//!   order, an inline one waits for the external ones before it, `async` ones keep no order;
//! - `<iframe data-src>`, `<img data-src>` (pixels) and `<link data-href>` get their URL.
//!
//! A placeholder with `data-service` runs only when that service is granted (its category
//! alone is not enough). Every placeholder handled gets `data-accord-state`: `queued`, then
//! `loaded` / `ran` / `failed`, or `unknown-category` / `unknown-service` when the config does
//! not declare what it names.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlScriptElement};

use super::{js, nothrow, page, task, Context, DomError};
use crate::config::Config;
use crate::consent::Consent;
use crate::decide;
use crate::message::{cat, Describe};

const PLACEHOLDERS: &str = concat!(
    "script[type='text/plain'][data-category]:not([data-accord-state]),",
    "iframe[data-src][data-category]:not([data-accord-state]),",
    "img[data-src][data-category]:not([data-accord-state]),",
    "link[data-href][data-category]:not([data-accord-state])"
);
const STATE: &str = "data-accord-state";

/// Marks and returns, in document order, the placeholders that may run now. Marking happens
/// before any script runs, so a second pass never picks the same placeholder twice.
pub fn take_runnable(doc: &Document, config: &Config, consent: Option<&Consent>) -> Vec<Element> {
    let mut runnable = Vec::new();
    for el in nothrow::select_all(doc, PLACEHOLDERS) {
        let category = el.get_attribute("data-category").unwrap_or_default();
        let service = el.get_attribute("data-service");
        if config.category(&category).is_none() {
            page::warn(&cat(&["a gated script names unknown category \"", &category, "\"; it will never run"]));
            nothrow::set_attribute(&el, STATE, "unknown-category");
        } else if let Some(service) = service.as_deref().filter(|s| config.service(s).is_none()) {
            page::warn(&cat(&["a gated script names unknown service \"", service, "\"; it will never run"]));
            nothrow::set_attribute(&el, STATE, "unknown-service");
        } else if match &service {
            Some(service) => decide::may_run_service(config, consent, service),
            None => decide::may_run(config, consent, &category),
        } {
            nothrow::set_attribute(&el, STATE, "queued");
            runnable.push(el);
        }
    }
    runnable
}

/// Runs the placeholders in document order. External scripts are inserted as soon as they
/// are reached, with `async = false`: the browser fetches them all at once and runs them in
/// the order they were inserted, as it does for the scripts in a page's HTML. An inline script
/// runs the moment it is inserted, so it first waits until the external scripts before it have
/// run. A script that fails to load is reported and does not stop the ones after it.
///
/// Everything before the first inline script is inserted at once, during this call, so those
/// scripts start loading while the caller (a click on Accept all) finishes its work; nothing
/// runs during the call. The rest is left to the returned future, which resolves once every
/// script has run or failed (an `async` one may still be loading).
pub fn run_in_order(doc: Document, placeholders: Vec<Element>) -> impl std::future::Future<Output = ()> {
    // The last external script inserted in order: the ones before it have run when it has.
    let mut last = None;
    let mut next = 0;
    while let Some(placeholder) = placeholders.get(next).filter(|p| !is_inline_script(p)) {
        insert(&doc, placeholder, &mut last);
        next += 1;
    }
    async move {
        for placeholder in &placeholders[next..] {
            if is_inline_script(placeholder) {
                settle(&mut last).await;
            }
            insert(&doc, placeholder, &mut last);
        }
        settle(&mut last).await;
    }
}

fn is_inline_script(placeholder: &Element) -> bool {
    js::text(placeholder, "tagName") == "SCRIPT" && !placeholder.has_attribute("src")
}

fn insert(doc: &Document, placeholder: &Element, last: &mut Option<js_sys::Promise>) {
    match start(doc, placeholder) {
        Ok(Some(settled)) => *last = Some(settled),
        Ok(None) => {}
        Err(e) => {
            page::error(&e.describe());
            nothrow::set_attribute(placeholder, STATE, "failed");
        }
    }
}

async fn settle(last: &mut Option<js_sys::Promise>) {
    if let Some(settled) = last.take() {
        let _ = task::settled(&settled).await;
    }
}

/// Puts the real element in the placeholder's place. For an external script that keeps its
/// place in the order, returns a promise of its `load` or `error` event.
fn start(doc: &Document, placeholder: &Element) -> Result<Option<js_sys::Promise>, DomError> {
    if js::text(placeholder, "tagName") != "SCRIPT" {
        load_url(placeholder);
        return Ok(None);
    }
    let script: HtmlScriptElement = nothrow::create_element(doc, "script").unchecked_into();
    for name in js::read_strings(&placeholder.get_attribute_names()) {
        let value = placeholder.get_attribute(&name).unwrap_or_default();
        match name.as_str() {
            "type" | STATE => {}
            "data-type" => script.set_attribute("type", &value).context("copy a script attribute")?,
            _ => script.set_attribute(&name, &value).context("copy a script attribute")?,
        }
    }
    // The nonce is hidden from getAttribute once parsed; copy the property.
    js::set(&script, "nonce", &js::get(placeholder, "nonce"));
    if !placeholder.has_attribute("src") {
        script.set_text(&js::text(placeholder, "textContent")).context("copy an inline script")?;
        nothrow::set_attribute(&script, STATE, "ran");
        // An inline script runs as it is inserted.
        placeholder.replace_with_with_node_1(&script).context("insert a gated script")?;
        return Ok(None);
    }
    let ordered = !placeholder.has_attribute("async");
    if ordered {
        // A script made by a script is async unless told otherwise; this one keeps its place.
        js::set(&script, "async", &JsValue::FALSE);
    }
    watch(&script);
    nothrow::set_attribute(&script, STATE, "loading");
    // A promise of its `load` or `error` event. Its executor, called during `new_promise`, is
    // given `resolve` (the first argument: the only one Accord's closures take).
    let listened = script.clone();
    let executor = Closure::once(move |resolve: JsValue| {
        nothrow::listen(&listened, "load", &resolve);
        nothrow::listen(&listened, "error", &resolve);
    });
    let settled = nothrow::new_promise(executor.as_ref());
    placeholder.replace_with_with_node_1(&script).context("insert a gated script")?;
    if script.has_attribute("data-accord-held") {
        // Its category may run, but its URL is a tracker of a service that may not: the
        // loader holds it (its src is not set yet, so it holds no place in the order either)
        // and will load it if that service is granted. Nothing to wait for.
        nothrow::set_attribute(&script, STATE, "held");
        return Ok(None);
    }
    // An async script keeps no order: the others are not held back for it.
    Ok(ordered.then_some(settled))
}

/// Marks `el` `loaded` or `failed` when the browser says so; a script that fails is reported.
fn watch(el: &Element) {
    for &(event, state) in &[("load", "loaded"), ("error", "failed")] {
        let target = el.clone();
        let mark = page::once(Box::new(move || {
            nothrow::set_attribute(&target, STATE, state);
            if state == "failed" && js::text(&target, "tagName") == "SCRIPT" {
                page::error(&cat(&["could not load gated script: ", &js::text(&target, "src")]));
            }
        }));
        nothrow::listen(el, event, &mark);
    }
}

/// An iframe, image or stylesheet: moves `data-src`/`data-href` to the real attribute and
/// records `loaded` or `failed` when the browser says so.
fn load_url(el: &Element) {
    let (from, to) = if js::text(el, "tagName") == "LINK" { ("data-href", "href") } else { ("data-src", "src") };
    let url = el.get_attribute(from).unwrap_or_default();
    watch(el);
    nothrow::set_attribute(el, STATE, "allowed");
    nothrow::remove_attribute(el, from);
    nothrow::set_attribute(el, to, &url);
}
