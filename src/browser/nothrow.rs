//! DOM calls that cannot throw as Accord makes them, bound without `catch`. web-sys binds
//! each with `catch`, since the DOM's IDL allows an exception in general, and so each was
//! glue in the loader and an error path at every call in the wasm. Each binding here says
//! why it cannot throw. (Were one to throw all the same, the exception goes on to the
//! JavaScript that called into the wasm: the loader reports it as `accord:error`.)

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, ShadowRoot};

#[wasm_bindgen]
extern "C" {
    /// An element, a shadow root, the document: anything with `addEventListener`.
    type EventTarget;
    /// Given a function for the listener, `addEventListener` does not throw.
    #[wasm_bindgen(method, js_name = addEventListener)]
    fn add_event_listener(this: &EventTarget, event: &str, listener: &JsValue);

    /// An HTML element.
    type HtmlElement;
    /// `focus()` does not throw.
    #[wasm_bindgen(method)]
    fn focus(this: &HtmlElement);

    type AnyElement;
    /// `closest` does not throw for a valid selector: these are literals of this crate.
    #[wasm_bindgen(method)]
    fn closest(this: &AnyElement, selectors: &str) -> Option<Element>;
    /// `setAttribute` throws only for a name that is not valid; these are literals of this
    /// crate. (Copying a page's attributes, with names Accord does not choose, goes through
    /// web-sys's, which catches.)
    #[wasm_bindgen(method, js_name = setAttribute)]
    fn set_attribute(this: &AnyElement, name: &str, value: &str);
    /// `removeAttribute` does not check the name it is given: it does not throw.
    #[wasm_bindgen(method, js_name = removeAttribute)]
    fn remove_attribute(this: &AnyElement, name: &str);
    /// `attachShadow` throws for an element that cannot have one or has one already; it is
    /// only called on a `div` Accord has just made.
    #[wasm_bindgen(method, js_name = attachShadow)]
    fn attach_shadow(this: &AnyElement, init: &js_sys::Object) -> ShadowRoot;

    /// An element or a shadow root, to put nodes in. `appendChild`, `append` and `after`
    /// throw only for a node that cannot go there (a document, an ancestor); Accord only
    /// puts in elements and text it has just made, into its own nodes or the page's `<body>`.
    type Parent;
    #[wasm_bindgen(method, js_name = appendChild)]
    fn append_child(this: &Parent, child: &web_sys::Node);
    #[wasm_bindgen(method, js_name = append)]
    fn append_text(this: &Parent, text: &str);
    #[wasm_bindgen(method)]
    fn after(this: &Parent, node: &web_sys::Node);

    /// A document, a shadow root or an element: DOM's `ParentNode`, which web-sys gives a
    /// `querySelector` and a `querySelectorAll` (and an import each) on each of the three.
    /// They throw only for a selector that is not valid; Accord's are literals, or put
    /// together from literals and ids (a-z, 0-9, '_' and '-', checked with the config).
    type ParentNode;
    #[wasm_bindgen(method, js_name = querySelector)]
    fn query_selector(this: &ParentNode, selectors: &str) -> Option<Element>;
    #[wasm_bindgen(method, js_name = querySelectorAll)]
    fn query_selector_all(this: &ParentNode, selectors: &str) -> JsValue;
    /// A document's or a shadow root's focused element: one getter for both, where web-sys
    /// has one (and an import) for each.
    #[wasm_bindgen(method, getter, js_name = activeElement)]
    fn active_element(this: &ParentNode) -> Option<Element>;

    /// `JSON.stringify` throws only for a cycle or a BigInt: Accord gives it plain data of its
    /// own (the receipts' records, an endpoint's refusal).
    #[wasm_bindgen(js_namespace = JSON)]
    fn stringify(value: &JsValue, replacer: &JsValue, space: u32) -> JsValue;

    /// An IndexedDB request that is done: reading its `result` or `error` throws only before.
    type Request;
    #[wasm_bindgen(method, getter)]
    fn result(this: &Request) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn error(this: &Request) -> JsValue;

    /// A fetch's response: `text()` does not throw (a body already read rejects the promise).
    type Response;
    #[wasm_bindgen(method)]
    fn text(this: &Response) -> js_sys::Promise;

    /// `new Promise(executor)` does not throw, given a function: what the executor throws
    /// rejects the promise. (js-sys's takes a Rust closure of two arguments, a closure type of
    /// its own, with an exported shim and glue.)
    #[wasm_bindgen(js_name = Promise)]
    type NewPromise;
    #[wasm_bindgen(constructor, js_class = Promise)]
    fn new(executor: &JsValue) -> NewPromise;

    /// `createElement` throws only for a name that is not valid; these are literals.
    type Doc;
    #[wasm_bindgen(method, js_name = createElement)]
    fn create_element(this: &Doc, tag: &str) -> Element;

    /// An element's `style`.
    type Style;
    #[wasm_bindgen(method, getter)]
    fn style(this: &AnyElement) -> Style;
    /// `setProperty` throws only for a read-only declaration (a computed style); an element's
    /// own `style` is not.
    #[wasm_bindgen(method, js_name = setProperty)]
    fn set_property(this: &Style, name: &str, value: &str);

    /// `new Blob(parts, options)` does not throw for strings and a `type`, nor
    /// `URL.createObjectURL` and `URL.revokeObjectURL` for a blob and its URL.
    #[wasm_bindgen(js_name = Blob)]
    type Blob;
    #[wasm_bindgen(constructor, js_class = Blob)]
    fn new(parts: &js_sys::Array, options: &js_sys::Object) -> Blob;
    #[wasm_bindgen(js_namespace = URL, js_name = createObjectURL)]
    fn create_object_url(blob: &Blob) -> String;
    #[wasm_bindgen(js_namespace = URL, js_name = revokeObjectURL)]
    pub fn revoke_object_url(url: &str);

    /// A constructed stylesheet: `new CSSStyleSheet()` does not throw.
    #[wasm_bindgen(js_name = CSSStyleSheet)]
    type Sheet;
    #[wasm_bindgen(constructor, js_class = CSSStyleSheet)]
    fn new() -> Sheet;
}

/// Calls `listener` on each `event` at `target` (an element, a shadow root, the document).
pub fn listen(target: &JsValue, event: &str, listener: &JsValue) {
    target.unchecked_ref::<EventTarget>().add_event_listener(event, listener);
}

/// The first element in `node` (a document, a shadow root or an element) that matches
/// `selectors`.
pub fn select(node: &JsValue, selectors: &str) -> Option<Element> {
    node.unchecked_ref::<ParentNode>().query_selector(selectors)
}

/// The focused element of `node`, a document or a shadow root.
pub fn active_element(node: &JsValue) -> Option<Element> {
    node.unchecked_ref::<ParentNode>().active_element()
}

/// The elements in `node` that match `selectors`, in document order.
pub fn select_all(node: &JsValue, selectors: &str) -> Vec<Element> {
    // As an array: its `length` and indexing are the ones the other lists use (a NodeList's
    // are two imports more).
    let list = js_sys::Array::from(&node.unchecked_ref::<ParentNode>().query_selector_all(selectors));
    let mut out = Vec::new();
    for i in 0..list.length() {
        // `querySelectorAll` finds elements only.
        out.push(list.get(i).unchecked_into());
    }
    out
}

/// Moves the focus to `el`.
pub fn focus(el: &web_sys::HtmlElement) {
    el.unchecked_ref::<HtmlElement>().focus();
}

/// The closest of `el` and its ancestors that matches `selectors`, a literal.
pub fn closest(el: &Element, selectors: &'static str) -> Option<Element> {
    el.unchecked_ref::<AnyElement>().closest(selectors)
}

/// Sets the attribute `name`, a literal of this crate, to `value` (any value).
pub fn set_attribute(el: &Element, name: &str, value: &str) {
    el.unchecked_ref::<AnyElement>().set_attribute(name, value);
}

pub fn remove_attribute(el: &Element, name: &str) {
    el.unchecked_ref::<AnyElement>().remove_attribute(name);
}

/// An open shadow root for `host`, a `div` just made.
pub fn attach_shadow(host: &Element) -> ShadowRoot {
    host.unchecked_ref::<AnyElement>().attach_shadow(&super::js::object(&[("mode", &"open".into())]))
}

/// Appends `child`, just made, to `parent` (an element or a shadow root).
pub fn append(parent: &JsValue, child: &web_sys::Node) {
    parent.unchecked_ref::<Parent>().append_child(child);
}

/// Appends `text` as a text node.
pub fn append_text(parent: &Element, text: &str) {
    parent.unchecked_ref::<Parent>().append_text(text);
}

/// Puts `node`, just made, after `el`.
pub fn after(el: &Element, node: &web_sys::Node) {
    el.unchecked_ref::<Parent>().after(node);
}

/// `value` as JSON (a string), indented by `space` spaces (none for 0).
pub fn json(value: &JsValue, space: u32) -> JsValue {
    stringify(value, &JsValue::NULL, space)
}

/// The `result` of a request that is done.
pub fn result(request: &web_sys::IdbRequest) -> JsValue {
    request.unchecked_ref::<Request>().result()
}

/// The `error` (a DOMException, or null) of a request that is done.
pub fn error(request: &web_sys::IdbRequest) -> JsValue {
    request.unchecked_ref::<Request>().error()
}

/// The promise of `response`'s body as text.
pub fn body_text(response: &web_sys::Response) -> js_sys::Promise {
    response.unchecked_ref::<Response>().text()
}

/// A new promise, settled by what `executor` (called at once, with `resolve` and `reject`)
/// does with them.
pub fn new_promise(executor: &JsValue) -> js_sys::Promise {
    NewPromise::new(executor).unchecked_into()
}

/// A new element called `tag`, a literal.
pub fn create_element(doc: &web_sys::Document, tag: &str) -> Element {
    doc.unchecked_ref::<Doc>().create_element(tag)
}

/// Sets one property of `el`'s own `style`.
pub fn set_style(el: &Element, name: &str, value: &str) {
    el.unchecked_ref::<AnyElement>().style().set_property(name, value);
}

/// A URL for a blob of `text`, of the media type `kind`; [`revoke_object_url`] frees it.
pub fn blob_url(text: &JsValue, kind: &str) -> String {
    let blob = Blob::new(&js_sys::Array::of1(text), &super::js::object(&[("type", &kind.into())]));
    create_object_url(&blob)
}

/// A new, empty constructed stylesheet.
pub fn stylesheet() -> web_sys::CssStyleSheet {
    Sheet::new().unchecked_into()
}
