//! Activation of gated elements once their category may run:
//! - `<script type="text/plain" data-category="…">` placeholders become real scripts, one after
//!   another in document order (an external script finishes loading before the next one is
//!   inserted, as a parser would; `async` ones do not hold the others back);
//! - `<iframe data-src>`, `<img data-src>` (pixels) and `<link data-href>` get their URL.
//!
//! A placeholder with `data-service` runs only when that service is granted (its category
//! alone is not enough). Every placeholder handled gets `data-accord-state`: `queued`, then
//! `loaded` / `ran` / `failed`, or `unknown-category` / `unknown-service` when the config does
//! not declare what it names.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, Element, HtmlScriptElement};

use super::{page, Context, DomError};
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
pub fn take_runnable(doc: &Document, config: &Config, consent: Option<&Consent>) -> Result<Vec<Element>, DomError> {
    let nodes = doc.query_selector_all(PLACEHOLDERS).context("find gated scripts")?;
    let mut runnable = Vec::new();
    for i in 0..nodes.length() {
        let Some(el) = nodes.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
        let category = el.get_attribute("data-category").unwrap_or_default();
        let service = el.get_attribute("data-service");
        if config.category(&category).is_none() {
            page::warn(&cat(&["a gated script names unknown category \"", &category, "\"; it will never run"]));
            el.set_attribute(STATE, "unknown-category").context("mark a gated script")?;
        } else if let Some(service) = service.as_deref().filter(|s| config.service(s).is_none()) {
            page::warn(&cat(&["a gated script names unknown service \"", service, "\"; it will never run"]));
            el.set_attribute(STATE, "unknown-service").context("mark a gated script")?;
        } else if match &service {
            Some(service) => decide::may_run_service(config, consent, service),
            None => decide::may_run(config, consent, &category),
        } {
            el.set_attribute(STATE, "queued").context("mark a gated script")?;
            runnable.push(el);
        }
    }
    Ok(runnable)
}

/// Runs the placeholders one after another. A script that fails to load is reported and
/// does not stop the ones after it.
pub async fn run_in_order(doc: Document, placeholders: Vec<Element>) {
    for placeholder in placeholders {
        if let Err(e) = run_one(&doc, &placeholder).await {
            page::error(&e.describe());
            let _ = placeholder.set_attribute(STATE, "failed");
        }
    }
}

async fn run_one(doc: &Document, placeholder: &Element) -> Result<(), DomError> {
    if placeholder.tag_name() != "SCRIPT" {
        return load_url(placeholder);
    }
    let script: HtmlScriptElement =
        doc.create_element("script").context("create a script")?.dyn_into().map_err(|_| DomError {
            action: "create a script",
            detail: "not a script element".into(),
        })?;
    for name in placeholder.get_attribute_names().iter().filter_map(|n| n.as_string()) {
        let value = placeholder.get_attribute(&name).unwrap_or_default();
        match name.as_str() {
            "type" | STATE => {}
            "data-type" => script.set_attribute("type", &value).context("copy a script attribute")?,
            _ => script.set_attribute(&name, &value).context("copy a script attribute")?,
        }
    }
    // The nonce is hidden from getAttribute once parsed; copy the property.
    super::js::set(&script, "nonce", &super::js::get(placeholder, "nonce"));
    let external = placeholder.has_attribute("src");
    if !external {
        script.set_text(&placeholder.text_content().unwrap_or_default()).context("copy an inline script")?;
        script.set_attribute(STATE, "ran").context("mark a gated script")?;
        // An inline script runs as it is inserted.
        return placeholder.replace_with_with_node_1(&script).context("insert a gated script");
    }
    script.set_attribute(STATE, "loading").context("mark a gated script")?;
    let settled = js_sys::Promise::new(&mut |resolve, _reject| {
        let _ = script.add_event_listener_with_callback("load", &resolve);
        let _ = script.add_event_listener_with_callback("error", &resolve);
    });
    placeholder.replace_with_with_node_1(&script).context("insert a gated script")?;
    if script.has_attribute("data-accord-held") {
        // Its category may run, but its URL is a tracker of a service that may not: the
        // loader holds it and will load it if that service is granted. Nothing to wait for.
        return script.set_attribute(STATE, "held").context("mark a gated script");
    }
    if placeholder.has_attribute("async") {
        // An async script keeps no order: do not hold the others back for it.
        wasm_bindgen_futures::spawn_local(async move {
            let _ = finish(&script, JsFuture::from(settled).await);
        });
        return Ok(());
    }
    finish(&script, JsFuture::from(settled).await)
}

/// An iframe, image or stylesheet: moves `data-src`/`data-href` to the real attribute and
/// records `loaded` or `failed` when the browser says so.
fn load_url(el: &Element) -> Result<(), DomError> {
    let (from, to) = if el.tag_name() == "LINK" { ("data-href", "href") } else { ("data-src", "src") };
    let url = el.get_attribute(from).unwrap_or_default();
    for (event, state) in [("load", "loaded"), ("error", "failed")] {
        let target = el.clone();
        let mark = wasm_bindgen::closure::Closure::once_into_js(move || {
            let _ = target.set_attribute(STATE, state);
        });
        el.add_event_listener_with_callback(event, mark.unchecked_ref()).context("watch a gated element")?;
    }
    el.set_attribute(STATE, "allowed").context("mark a gated element")?;
    el.remove_attribute(from).context("move a gated URL")?;
    el.set_attribute(to, &url).context("move a gated URL")
}

fn finish(script: &HtmlScriptElement, settled: Result<JsValue, JsValue>) -> Result<(), DomError> {
    let event = settled.unwrap_or(JsValue::NULL);
    let kind = super::js::get(&event, "type").as_string();
    if kind.as_deref() == Some("load") {
        script.set_attribute(STATE, "loaded").context("mark a gated script")
    } else {
        script.set_attribute(STATE, "failed").context("mark a gated script")?;
        Err(DomError { action: "load gated script", detail: script.src() })
    }
}
