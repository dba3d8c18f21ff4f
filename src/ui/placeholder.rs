//! Click-to-load placeholders for gated iframes (`<iframe data-src data-category>`): while the
//! iframe may not load, a box in its place names the service and offers to load it, which
//! grants that one service (contextual consent). Each box has its own shadow root.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, Document, Element};

use super::build;
use super::dom::{self, tree};
use crate::browser::{js, nothrow, page, Context};
use crate::config::{all_bytes, Config};
use crate::consent::Consent;
use crate::decide;
use crate::i18n::Texts;
use crate::message::{cat, Describe};

macro_rules! mark {
    () => {
        "data-accord-placeholder"
    };
}
const MARK: &str = mark!();

/// The service a gated iframe waits for: its `data-service`, or the first service of its category.
fn service_of(config: &Config, iframe: &Element) -> Option<String> {
    iframe.get_attribute("data-service").or_else(|| {
        let category = iframe.get_attribute("data-category")?;
        let first = config.services_in(&category).first().map(|s| s.id.clone());
        first
    })
}

/// Removes every placeholder (to draw them again in another language).
pub fn clear(doc: &Document) {
    for b in nothrow::select_all(doc, &cat(&["[", MARK, "]"])) {
        b.remove();
    }
}

pub fn sync(
    doc: &Document,
    config: &Config,
    consent: Option<&Consent>,
    t: &Texts,
    sheet: &CssStyleSheet,
    on_grant: impl Fn(String) + Clone + 'static,
) {
    // Boxes whose iframe may now load go away, and the iframe shows.
    for b in nothrow::select_all(doc, &cat(&["[", MARK, "]"])) {
        let frame = js::some(&b, "nextElementSibling").map(JsCast::unchecked_into::<Element>);
        let still_blocked = frame
            .as_ref()
            .and_then(|f| service_of(config, f))
            .is_some_and(|s| !decide::may_run_service(config, consent, &s));
        if !still_blocked {
            if let Some(frame) = frame {
                dom::show(&frame, true);
            }
            b.remove();
        }
    }
    for frame in nothrow::select_all(doc, "iframe[data-src][data-category]") {
        let Some(service) = service_of(config, &frame) else { continue };
        if decide::may_run_service(config, consent, &service)
            || js::some(&frame, "previousElementSibling").is_some_and(|p| p.unchecked_ref::<Element>().has_attribute(MARK))
        {
            continue;
        }
        let name = config.service(&service).map_or(service.as_str(), |s| s.name.as_str());
        let (host, root) = build(doc, &frame, name, t, sheet);
        // The page's iframe: `before` throws only where nothing can go before it (its parent
        // a document). That one is reported and left blocked; the others go on.
        if let Err(e) = frame.before_with_node_1(&host).context("insert a placeholder") {
            page::error(&e.describe());
            continue;
        }
        let grant = on_grant.clone();
        // (The one closure type Accord hands to JavaScript: see `page::once`.)
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |_| grant(service.clone()));
        nothrow::listen(&root, "click", handler.as_ref());
        handler.forget();
        dom::show(&frame, false);
    }
}

/// The placeholder's host element and its shadow root, which holds the card.
fn build(doc: &Document, frame: &Element, name: &str, t: &Texts, sheet: &CssStyleSheet) -> (Element, JsValue) {
    let host = build::outer(tree(doc, t, None, concat!("div|", mark!()), &[]));
    // Take the iframe's place: the same box, so the page does not jump when it loads.
    for name in ["width", "height"] {
        if let Some(v) = frame.get_attribute(name) {
            let v = if all_bytes(&v, |b| b.is_ascii_digit()) { cat(&[&v, "px"]) } else { v };
            nothrow::set_style(&host, name, &v);
        }
    }
    nothrow::set_style(&host, "display", "block");
    let root = nothrow::attach_shadow(&host);
    // The banner's own stylesheet object: styled from the first frame, so no layout shift.
    super::adopt(&root, sheet);
    let card = tree(
        doc,
        t,
        None,
        concat!(
            "div|class=accord accord-placeholder|role=group|lang=$0|aria-label=$1;",
            ">p|class=accord-confirm-item|$1;",
            ">p|class=accord-text|#contextual_text;",
            ">button|type=button|class=accord-btn|data-accord=load|#contextual_load"
        ),
        &[&t.lang, name],
    );
    nothrow::append(&root, &card[0]);
    (host, root.into())
}
