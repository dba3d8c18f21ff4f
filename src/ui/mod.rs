//! The banner, the preference panel, the separate-consent step and the floating button, built
//! from config and consent inside an open shadow root so the site's CSS cannot reach them.
//!
//! The UI owns its own state (what is open, the language shown, where focus came from, a
//! switch waiting for separate consent) and reports what the visitor decided as an
//! [`Action`]; it never records a choice itself.

mod build;
mod dom;
mod placeholder;
mod records;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, Document, Element, HtmlElement, HtmlInputElement, ShadowRoot};

use crate::browser::{js, nothrow, Context, DomError};
use crate::config::{Config, Layout, Theme};
use crate::consent::{Consent, IdSet};
use crate::i18n::{self, Texts};
use crate::message::{cat, Describe};
use dom::{append, tree};

/// What the visitor decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    AcceptAll,
    RejectAll,
    /// Exactly the switches that are on in the panel.
    Save { categories: Vec<String>, services: Vec<String> },
    /// Contextual consent: this one service, from a click-to-load placeholder.
    GrantService(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Nothing,
    Banner,
    Panel,
}

struct State {
    texts: Texts,
    open: Open,
    /// The choice that holds, if any.
    consent: Option<Consent>,
    /// Where focus was before the UI took it, to give it back on close.
    return_focus: Option<HtmlElement>,
    /// A separate-consent switch waiting for confirmation: ("category" | "service", id).
    pending: Option<(&'static str, String)>,
}

struct Inner {
    doc: Document,
    root: ShadowRoot,
    /// Holds the rendered UI; its content is rebuilt when the language changes.
    frame: Element,
    /// The stylesheet (src/ui/accord.css), shared by the banner's shadow root and the
    /// placeholders' own.
    sheet: CssStyleSheet,
    config: Rc<Config>,
    /// The Global Privacy Control signal is on and honoured: the banner says so.
    gpc: bool,
    state: RefCell<State>,
    on_action: Box<dyn Fn(Action)>,
}

/// The mounted UI. Cheap to clone.
#[derive(Clone)]
pub struct Ui(Rc<Inner>);

const FOCUSABLE: &str = "button:not([disabled]), [href], input:not([disabled]), select, summary";

impl Ui {
    /// Mounts the (closed) UI at the end of `<body>`, styled by `sheet` (src/ui/accord.css;
    /// without it the choice stays possible, unstyled); decisions are reported through
    /// `on_action`.
    pub fn mount(
        doc: &Document,
        sheet: Option<CssStyleSheet>,
        config: Rc<Config>,
        lang: &str,
        gpc: bool,
        on_action: impl Fn(Action) + 'static,
    ) -> Result<Ui, DomError> {
        let texts = i18n::texts(&config, lang);
        let theme = if config.ui.theme == Theme::Auto { "" } else { config.ui.theme.name() };
        let host = build::outer(tree(doc, &texts, None, "div|id=accord|data-accord=host|data-theme=$0", &[theme]));
        let root = nothrow::attach_shadow(&host);
        // A constructed stylesheet applies at once: no <link> to wait for, so the banner is
        // styled in the frame it first appears in. A strict CSP allows it (no inline style).
        let sheet = match sheet {
            Some(sheet) => sheet,
            None => nothrow::stylesheet(),
        };
        adopt(&root, &sheet);
        let frame = build::outer(tree(doc, &texts, None, "div|class=accord-frame", &[]));
        nothrow::append(&root, &frame);
        nothrow::append(&js::some(doc, "body").context("find <body>")?, &host);

        let state = State {
            texts,
            open: Open::Nothing,
            consent: None,
            return_focus: None,
            pending: None,
        };
        let ui = Ui(Rc::new(Inner { doc: doc.clone(), root, frame, sheet, config, gpc, state: RefCell::new(state), on_action: Box::new(on_action) }));
        ui.render();
        ui.listen();
        Ok(ui)
    }

    /// (Re)builds everything in the current language, keeping the panel's switches as they were.
    /// The panel itself is built only once it has been opened (see [`Ui::ensure_panel`]): most
    /// visitors never open it, and the banner shows sooner without it.
    fn render(&self) {
        let inner = &self.0;
        let with_panel = self.part("panel").is_some();
        let switches = if with_panel { self.switches_on() } else { None };
        let texts = inner.state.borrow().texts.clone();
        let shell = build::shell(&inner.doc, &inner.config, &texts, inner.gpc);
        dom::set_text(&inner.frame, None);
        append(&inner.frame, &[&shell]);
        if with_panel {
            self.ensure_panel();
        }
        if let Some((categories, services)) = switches {
            self.set_switches(&categories, &services);
        }
        self.apply_visibility();
    }

    /// Builds the panel, hidden, after the banner, unless it is there already. (Were the
    /// banner gone, taken out of the shadow root by the page, the panel goes at the end.)
    fn ensure_panel(&self) {
        if self.part("panel").is_some() {
            return;
        }
        let texts = self.0.state.borrow().texts.clone();
        let panel = build::panel(&self.0.doc, &self.0.config, &texts);
        match self.part("banner") {
            Some(banner) => nothrow::after(&banner, &panel),
            None => nothrow::append(&self.0.frame, &panel),
        }
    }

    fn part(&self, hook: &str) -> Option<Element> {
        nothrow::select(&self.0.root, &cat(&["[data-accord=\"", hook, "\"]"]))
    }

    fn inputs(&self, kind: &str) -> Vec<HtmlInputElement> {
        let mut out = Vec::new();
        for el in nothrow::select_all(&self.0.root, &cat(&["input[data-", kind, "]"])) {
            // The selector finds inputs only.
            out.push(el.unchecked_into());
        }
        out
    }

    /// The switch for `id`. Ids are 1 to 40 of a-z, 0-9, '_' and '-' (the config's
    /// validation), so they stand in the selector as they are.
    fn input(&self, kind: &str, id: &str) -> Option<HtmlInputElement> {
        let selector = cat(&["input[data-", kind, "=\"", id, "\"]"]);
        // The selector finds inputs only.
        Some(nothrow::select(&self.0.root, &selector)?.unchecked_into())
    }

    /// The ids whose switches are on, categories then services; `None` before the first render.
    fn switches_on(&self) -> Option<(IdSet, IdSet)> {
        let on = |kind: &str, inputs: Vec<HtmlInputElement>| -> IdSet {
            let attr = cat(&["data-", kind]);
            let mut set = IdSet::new();
            for input in inputs {
                if let Some(id) = input.get_attribute(&attr).filter(|_| dom::checked(&input)) {
                    set.insert(id);
                }
            }
            set
        };
        let categories = self.inputs("category");
        if categories.is_empty() {
            return None;
        }
        Some((on("category", categories), on("service", self.inputs("service"))))
    }

    fn set_switches(&self, categories: &IdSet, services: &IdSet) {
        for (kind, on) in [("category", categories), ("service", services)] {
            let attr = cat(&["data-", kind]);
            for input in self.inputs(kind) {
                if !js::flag(&input, "disabled") {
                    dom::set_checked(&input, input.get_attribute(&attr).is_some_and(|id| on.contains(&id)));
                }
            }
        }
    }

    /// Shows what the state says is open; hides the rest.
    fn apply_visibility(&self) {
        let (open, pending, chosen) = {
            let st = self.0.state.borrow();
            (st.open, st.pending.is_some(), st.consent.is_some())
        };
        let blocking = self.0.config.ui.layout == Layout::Modal && self.0.config.ui.block_page;
        let floating = chosen && self.0.config.ui.floating_button && open == Open::Nothing;
        let shown = [
            ("banner", open == Open::Banner),
            ("panel", open == Open::Panel),
            ("confirm", open == Open::Panel && pending),
            ("overlay", open == Open::Panel || (open == Open::Banner && blocking)),
            ("floating", floating),
        ];
        for (hook, visible) in shown {
            if let Some(part) = self.part(hook) {
                dom::show(&part, visible);
            }
        }
    }

    /// Opens the banner or the panel, remembering where focus was, and moves focus into it.
    fn open(&self, what: Open) {
        {
            let mut st = self.0.state.borrow_mut();
            if st.open == Open::Nothing {
                // Focus on <body> (nothing focused, as when the banner first opens) is not
                // given back: focusing it does nothing but make the click that closes the
                // banner wait for a style update (about 3 ms at 4x CPU throttling).
                let body = js::get(&self.0.doc, "body");
                // Any element that can take focus back (an SVG one too), where a check that
                // it is an HTMLElement was an import of its own.
                st.return_focus = nothrow::active_element(&self.0.doc)
                    .filter(|e| js::get(e, "focus").is_function() && AsRef::<JsValue>::as_ref(e) != &body)
                    .map(JsCast::unchecked_into::<HtmlElement>);
            }
            st.open = what;
            st.pending = None;
        }
        if what == Open::Panel {
            self.ensure_panel();
            let consent = self.0.state.borrow().consent.clone();
            let (categories, services) = consent.map(|c| (c.granted, c.services)).unwrap_or_default();
            self.set_switches(&categories, &services);
        }
        self.apply_visibility();
        if what == Open::Panel {
            focus(self.part("panel"));
            self.show_records();
        } else {
            // The banner takes focus once it has been painted: focusing lays the page out,
            // which would otherwise delay the banner's first frame.
            let ui = self.clone();
            crate::browser::page::after_next_paint(move || {
                if ui.0.state.borrow().open == Open::Banner {
                    focus(ui.part("banner"));
                }
            });
        }
    }

    /// Reads the records into the panel again if it is open: a receipt was stored, delivered
    /// or refused while it was shown.
    pub fn refresh_records(&self) {
        if self.panel_open() {
            self.show_records();
        }
    }

    /// Fills the panel's records list (read from IndexedDB, so later).
    fn show_records(&self) {
        let Some(list) = self.part("records") else { return };
        let texts = self.0.state.borrow().texts.clone();
        let config = self.0.config.clone();
        let doc = self.0.doc.clone();
        crate::browser::task::spawn(async move {
            report_error(records::fill(&doc, &list, &config, &texts).await);
        });
    }

    /// Closes everything and gives focus back to where it was.
    fn close_all(&self) {
        let back = {
            let mut st = self.0.state.borrow_mut();
            st.open = Open::Nothing;
            st.pending = None;
            st.return_focus.take()
        };
        self.apply_visibility();
        if let Some(el) = back.filter(|e| js::flag(e, "isConnected")) {
            nothrow::focus(&el);
        }
    }

    /// Esc or the close button on the panel: never a choice. Without a choice yet, the banner
    /// comes back, since the visitor still has to decide.
    fn close_panel(&self) {
        if self.0.state.borrow().consent.is_some() {
            return self.close_all();
        }
        self.0.state.borrow_mut().open = Open::Banner;
        self.apply_visibility();
        focus(self.part("preferences"));
    }

    /// The language shown now.
    pub fn lang(&self) -> String {
        self.0.state.borrow().texts.lang.clone()
    }

    /// Whether the panel (rather than the banner) is open: where a choice is being made.
    pub fn panel_open(&self) -> bool {
        self.0.state.borrow().open == Open::Panel
    }

    /// Shows the first layer.
    pub fn show_banner(&self) {
        self.open(Open::Banner)
    }

    /// Opens the preference panel, its switches set from the choice that holds.
    pub fn show_panel(&self) {
        self.open(Open::Panel)
    }

    /// A choice holds (made now, or read at start): remember it and close.
    pub fn chosen(&self, consent: &Consent) {
        self.0.state.borrow_mut().consent = Some(consent.clone());
        self.close_all();
        self.placeholders()
    }

    /// After a withdrawal: scripts that ran cannot be unloaded, so offer a reload.
    pub fn offer_reload(&self) {
        if let Some(notice) = self.part("reload") {
            dom::show(&notice, true);
        }
    }

    /// Puts a click-to-load placeholder before each gated iframe that may not load, and takes
    /// away those whose iframe may now load.
    pub fn placeholders(&self) {
        let (texts, consent) = {
            let st = self.0.state.borrow();
            (st.texts.clone(), st.consent.clone())
        };
        let ui = self.clone();
        placeholder::sync(&self.0.doc, &self.0.config, consent.as_ref(), &texts, &self.0.sheet, move |service| {
            ui.report(Action::GrantService(service));
        });
    }

    fn report(&self, action: Action) {
        (self.0.on_action)(action);
    }

    fn on_click(&self, target: &Element) {
        let Some(control) = nothrow::closest(target, "[data-accord]") else { return };
        match control.get_attribute("data-accord").as_deref() {
            Some("accept-all") => self.report(Action::AcceptAll),
            Some("reject-all") => self.report(Action::RejectAll),
            Some("save") => {
                let (categories, services) = self.switches_on().unwrap_or_default();
                self.report(Action::Save { categories: categories.into_vec(), services: services.into_vec() });
            }
            Some("preferences") | Some("floating") => self.open(Open::Panel),
            Some("close") => self.close_panel(),
            Some("confirm-yes") => self.settle_pending(true),
            Some("confirm-no") => self.settle_pending(false),
            Some("reload-now") => {
                let _ = crate::browser::page::location().reload();
            }
            Some("records-download") => {
                crate::browser::task::spawn(async { report_error(records::download().await) });
            }
            Some("reload-dismiss") => {
                if let Some(notice) = self.part("reload") {
                    dom::show(&notice, false);
                }
            }
            _ => {}
        }
    }

    fn on_change(&self, target: &Element) {
        // By tag name, not by `instanceof` (an import each): the UI's elements are Accord's own.
        let tag = js::text(target, "tagName");
        if tag == "SELECT" {
            let lang = js::text(target, "value");
            if self.0.config.languages.contains(&lang) {
                self.0.state.borrow_mut().texts = i18n::texts(&self.0.config, &lang);
                self.render();
                // The panel was built again in the new language, its records list empty.
                self.show_records();
                placeholder::clear(&self.0.doc);
                self.placeholders();
                focus(self.part("language"));
            }
            return;
        }
        if tag != "INPUT" {
            return;
        }
        let input: &HtmlInputElement = target.unchecked_ref();
        let (kind, id) = match (input.get_attribute("data-category"), input.get_attribute("data-service")) {
            (Some(id), _) => ("category", id),
            (_, Some(id)) => ("service", id),
            _ => return,
        };
        let separate = match kind {
            "category" => self.0.config.category(&id).is_some_and(|c| c.separate_consent),
            _ => self.0.config.service(&id).is_some_and(|s| s.separate_consent),
        };
        let on = dom::checked(input);
        if on && separate {
            // Not on until the visitor confirms it on its own.
            dom::set_checked(input, false);
            return self.ask_separately(kind, id);
        }
        self.cascade(kind, &id, on);
    }

    /// Keeps categories and their services consistent: a category switched on turns on its
    /// services (except those needing separate consent), off turns them all off; a service
    /// switched on turns its category on, and the last one off turns it off.
    fn cascade(&self, kind: &str, id: &str, on: bool) {
        let config = &self.0.config;
        if kind == "category" {
            for service in config.services_in(id) {
                if let Some(input) = self.input("service", &service.id) {
                    if !on || !service.separate_consent {
                        dom::set_checked(&input, on);
                    }
                }
            }
            return;
        }
        let Some(service) = config.service(id) else { return };
        let Some(category) = self.input("category", &service.category) else { return };
        if on {
            dom::set_checked(&category, true);
        } else {
            let any_on = config.services_in(&service.category).iter().any(|s| self.input("service", &s.id).is_some_and(|i| dom::checked(&i)));
            dom::set_checked(&category, any_on);
        }
    }

    fn ask_separately(&self, kind: &'static str, id: String) {
        let config = &self.0.config;
        let lang = self.0.state.borrow().texts.lang.clone();
        let (title, description) = match kind {
            "category" => config.category(&id).map(|c| (c.title.get(&lang).to_string(), c.description.as_ref())),
            _ => config.service(&id).map(|s| (s.name.clone(), s.description.as_ref())),
        }
        .unwrap_or_default();
        if let Some(item) = self.part("confirm-item") {
            dom::set_text(&item, Some(&title));
        }
        if let Some(detail) = self.part("confirm-detail") {
            dom::set_text(&detail, description.map(|d| d.get(&lang)));
        }
        self.0.state.borrow_mut().pending = Some((kind, id));
        self.apply_visibility();
        focus(self.part("confirm"));
    }

    fn settle_pending(&self, agreed: bool) {
        let Some((kind, id)) = self.0.state.borrow_mut().pending.take() else { return };
        self.apply_visibility();
        let input = self.input(kind, &id);
        if agreed {
            if let Some(input) = &input {
                dom::set_checked(input, true);
            }
            self.cascade(kind, &id, true);
        }
        focus(input.map(Element::from));
    }

    /// The dialog that has the keyboard now, and whether it is modal (traps focus).
    fn active_dialog(&self) -> Option<(Element, bool)> {
        let st = self.0.state.borrow();
        match st.open {
            Open::Panel if st.pending.is_some() => self.part("confirm").map(|d| (d, true)),
            Open::Panel => self.part("panel").map(|d| (d, true)),
            Open::Banner => self.part("banner").map(|d| (d, self.0.config.ui.layout == Layout::Modal)),
            Open::Nothing => None,
        }
    }

    fn on_key(&self, event: &web_sys::Event) {
        let key = js::text(event, "key");
        if key == "Escape" {
            let (open, pending) = {
                let st = self.0.state.borrow();
                (st.open, st.pending.is_some())
            };
            if pending {
                event.prevent_default();
                return self.settle_pending(false);
            }
            if open == Open::Panel {
                event.prevent_default();
                return self.close_panel();
            }
            return;
        }
        if key != "Tab" {
            return;
        }
        let Some((dialog, true)) = self.active_dialog() else { return };
        let focusables = visible_focusables(&dialog);
        let (Some(first), Some(last)) = (focusables.first(), focusables.last()) else { return };
        let active = nothrow::active_element(&self.0.root);
        let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)) && a != &dialog);
        let at = |e: &HtmlElement| active.as_ref().is_some_and(|a| a == e.unchecked_ref::<Element>());
        let shift = js::flag(event, "shiftKey");
        let target = if !inside {
            Some(if shift { last } else { first })
        } else if shift && at(first) {
            Some(last)
        } else if !shift && at(last) {
            Some(first)
        } else {
            None
        };
        if let Some(target) = target {
            event.prevent_default();
            nothrow::focus(target);
        }
    }

    fn listen(&self) {
        // One listener for the UI's clicks and changes: each closure handed to JavaScript
        // costs the wasm its own glue.
        let ui = self.clone();
        let clicked_or_changed = move |e: web_sys::Event| {
            if let Ok(target) = js::get(&e, "target").dyn_into::<Element>() {
                if js::text(&e, "type") == "click" {
                    ui.on_click(&target)
                } else {
                    ui.on_change(&target)
                }
            }
        };
        on(self.0.root.as_ref(), &["click", "change"], clicked_or_changed);
        // On the document, one listener again: keys, so Tab is kept in a modal dialog even
        // when focus starts on the page; clicks, so any element of the page with
        // data-accord-open reopens the panel.
        let ui = self.clone();
        on(self.0.doc.as_ref(), &["keydown", "click"], move |e: web_sys::Event| {
            // (Told apart by its type, where a check that it is a KeyboardEvent was an import.)
            if js::text(&e, "type") == "keydown" {
                ui.on_key(&e);
                return;
            }
            let Ok(target) = js::get(&e, "target").dyn_into::<Element>() else { return };
            if nothrow::closest(&target, "[data-accord-open]").is_some() {
                e.prevent_default();
                ui.open(Open::Panel);
            }
        });
    }
}

fn on(target: &JsValue, events: &[&str], handler: impl Fn(web_sys::Event) + 'static) {
    // A listener is given an event; taken as a JsValue, the one closure type Accord hands to
    // JavaScript (see `page::once`).
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| handler(e.unchecked_into()));
    for event in events {
        nothrow::listen(target, event, closure.as_ref());
    }
    // The UI lives as long as the page.
    closure.forget();
}

/// Styles a shadow root with `sheet`.
fn adopt(root: &ShadowRoot, sheet: &CssStyleSheet) {
    js::set(root, "adoptedStyleSheets", &js_sys::Array::of1(sheet));
}

fn report_error(result: Result<(), DomError>) {
    if let Err(e) = result {
        crate::browser::page::error(&e.describe());
    }
}

fn focus(target: Option<Element>) {
    // The UI's own elements, all HTML.
    if let Some(el) = target {
        nothrow::focus(el.unchecked_ref());
    }
}

/// The elements Tab can reach in `dialog`, in order (rendered ones only: not in a closed
/// `<details>` or a hidden part).
fn visible_focusables(dialog: &Element) -> Vec<HtmlElement> {
    let mut out = Vec::new();
    for el in nothrow::select_all(dialog, FOCUSABLE) {
        // The UI's own elements, all HTML.
        let e: HtmlElement = el.unchecked_into();
        if js::some(&e, "offsetParent").is_some() {
            out.push(e);
        }
    }
    out
}
