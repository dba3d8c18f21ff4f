//! Facts about the page and the browser (language, time, randomness) and the page-facing
//! outputs (events on `window`, console messages).

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Window};

use crate::message::cat;

#[wasm_bindgen]
extern "C" {
    /// The page's global object, its `window`: Accord runs in a page. (Imported as a
    /// global, not looked up by `web_sys::window()`, whose search of the global object and the
    /// lazy cells behind it were 769 B of the total's gzip -9, 2026-11-30.)
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL: Window;
    /// The page's `document`: a page always has one.
    #[wasm_bindgen(thread_local_v2, js_name = document)]
    static DOCUMENT: Document;
    /// `crypto.getRandomValues` throws only when asked for more than 65,536 bytes.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(bytes: &mut [u8]);
    /// Given a function, `requestAnimationFrame` and `setTimeout` do not throw: these bindings
    /// have no `catch` (nor the glue that comes with one), unlike web-sys's.
    #[wasm_bindgen(js_name = requestAnimationFrame)]
    fn request_animation_frame(callback: &JsValue);
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &JsValue, ms: i32);
    /// A new `CustomEvent` (with a name and a plain object for `init`, its constructor does
    /// not throw), and the window's `dispatchEvent` (which does not throw for a new event:
    /// an exception in a listener is reported, not thrown on). No `catch` for either.
    #[wasm_bindgen(js_name = CustomEvent)]
    type NewEvent;
    #[wasm_bindgen(constructor, js_class = CustomEvent)]
    fn new(name: &str, init: &js_sys::Object) -> NewEvent;
    #[wasm_bindgen(js_name = dispatchEvent)]
    fn dispatch_event(event: &NewEvent);
}

pub fn window() -> Window {
    GLOBAL.with(Window::clone)
}

pub fn document() -> Document {
    DOCUMENT.with(Document::clone)
}

/// The page's localStorage, when it may be used (reading it throws where it is blocked).
pub fn local_storage() -> Option<web_sys::Storage> {
    super::js::some(&window(), "localStorage").map(JsCast::unchecked_into)
}

/// The browser's `navigator`.
pub fn navigator() -> web_sys::Navigator {
    super::js::get(&window(), "navigator").unchecked_into()
}

/// The page's `location`.
pub fn location() -> web_sys::Location {
    super::js::get(&window(), "location").unchecked_into()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// A random version 4 UUID from the browser's cryptographic random source.
pub fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    get_random_values(&mut bytes);
    crate::consent::uuid_v4(bytes)
}

/// The page's declared language, `<html lang>`, without white space around it.
pub fn html_lang(doc: &Document) -> Option<String> {
    let lang = super::js::some(doc, "documentElement")?.unchecked_into::<web_sys::Element>().get_attribute("lang")?;
    let lang = lang.trim_ascii();
    (!lang.is_empty()).then(|| lang.to_string())
}

/// The browser's preferred languages, most preferred first.
pub fn browser_languages() -> Vec<String> {
    let nav = navigator();
    let mut langs = super::js::read_strings(super::js::get(&nav, "languages").unchecked_ref());
    if langs.is_empty() {
        if let Some(lang) = super::js::get(&nav, "language").as_string() {
            langs.push(lang);
        }
    }
    langs
}

/// Dispatches `name` on `window` with `detail`.
pub fn emit(name: &str, detail: &JsValue) {
    dispatch_event(&NewEvent::new(name, &super::js::object(&[("detail", detail)])));
}

pub fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(&cat(&["Accord: ", message])));
}

pub fn error(message: &str) {
    web_sys::console::error_1(&JsValue::from_str(&cat(&["Accord: ", message])));
}

/// `navigator.globalPrivacyControl`, the browser's Global Privacy Control signal.
pub fn global_privacy_control() -> bool {
    super::js::flag(&navigator(), "globalPrivacyControl")
}

/// `gtag('consent', 'update', {signal: 'granted' | 'denied', …})`, when the page has gtag (the
/// loader defines it, with the all-denied default, unless the site turned Consent Mode off).
pub fn consent_mode_update(state: &[(String, bool)]) {
    if state.is_empty() {
        return;
    }
    let w = window();
    let gtag = super::js::get(&w, "gtag");
    let Some(gtag) = gtag.dyn_ref::<js_sys::Function>() else { return };
    let update = js_sys::Object::new();
    for (signal, granted) in state {
        let value = if *granted { "granted" } else { "denied" };
        super::js::set(&update, signal, &JsValue::from_str(value));
    }
    if let Err(e) = gtag.call3(&JsValue::NULL, &"consent".into(), &"update".into(), &update) {
        warn(&cat(&["gtag('consent', 'update') failed: ", &super::describe(&e)]));
    }
}

/// Runs `f` once the next frame has been painted (two animation frames on), so work that forces
/// a layout, such as moving focus, does not delay that frame.
pub fn after_next_paint(f: impl FnOnce() + 'static) {
    let f: Box<dyn FnOnce()> = Box::new(f);
    request_animation_frame(&once(Box::new(move || request_animation_frame(&once(f)))));
}

/// Runs `f` in `ms` milliseconds.
pub fn after(ms: i32, f: impl FnOnce() + 'static) {
    set_timeout(&once(Box::new(f)), ms);
}

/// A JavaScript function that runs `f` the first time it is called. One closure type for
/// every such function: each type handed to `Closure::once_into_js` was glue of its own.
/// Like every closure Accord hands to JavaScript, it takes one argument, a `JsValue` (here
/// ignored): each closure signature is an exported shim and glue of its own.
pub fn once(f: Box<dyn FnOnce()>) -> JsValue {
    Closure::once_into_js(move |_: JsValue| f())
}

