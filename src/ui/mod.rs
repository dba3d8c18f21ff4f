//! The banner and the preference panel, built from config and consent inside an open shadow
//! root so the site's CSS cannot reach them. The UI owns its open/closed state and reports
//! what the visitor did as an [`Action`]; it never records a choice itself.

mod dom;

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::browser::{Context, DomError};
use crate::config::Config;
use crate::consent::Consent;
use crate::i18n;
use dom::{append, el};

/// What the visitor asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    AcceptAll,
    RejectAll,
    /// Save exactly the categories switched on in the panel.
    Save(Vec<String>),
}

/// The mounted banner and panel.
pub struct Ui {
    root: ShadowRoot,
}

impl Ui {
    /// Builds the banner and panel (both hidden) at the end of `<body>`. Clicks are reported
    /// through `on_action`.
    pub fn mount(
        doc: &Document,
        style_url: &str,
        config: &Config,
        lang: &str,
        on_action: impl Fn(Action) + 'static,
    ) -> Result<Ui, DomError> {
        let host = el(doc, "div", &[("id", "accord"), ("data-accord", "host")], "")?;
        let root = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).context("attach a shadow root")?;
        let t = i18n::strings(lang);

        let style = el(doc, "link", &[("rel", "stylesheet"), ("href", style_url)], "")?;
        // Nothing shows until the styles are there (or have failed: then show it plain, a
        // choice must stay possible).
        let shell = el(doc, "div", &[("class", "accord"), ("lang", lang), ("hidden", "")], "")?;
        let reveal = {
            let shell = shell.clone();
            Closure::<dyn Fn()>::new(move || {
                let _ = shell.remove_attribute("hidden");
            })
        };
        style.add_event_listener_with_callback("load", reveal.as_ref().unchecked_ref()).context("watch the styles")?;
        style.add_event_listener_with_callback("error", reveal.as_ref().unchecked_ref()).context("watch the styles")?;
        reveal.forget();

        let banner = build_banner(doc, config, t)?;
        let panel = build_panel(doc, config, t, lang)?;
        append(&shell, &[&banner, &panel])?;
        root.append_child(&style).context("insert the styles")?;
        root.append_child(&shell).context("insert the banner")?;
        let body = doc.body().context("find <body>")?;
        body.append_child(&host).context("insert the banner host")?;

        let ui = Ui { root };
        ui.listen(on_action)?;
        Ok(ui)
    }

    fn part(&self, name: &str) -> Result<Element, DomError> {
        let selector = format!("[data-accord=\"{name}\"]");
        self.root.query_selector(&selector).context("find a part of the banner")?.context("find a part of the banner")
    }

    fn listen(&self, on_action: impl Fn(Action) + 'static) -> Result<(), DomError> {
        let root = self.root.clone();
        let on_action = Rc::new(on_action);
        let handler = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
            let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
            let Ok(Some(button)) = target.closest("button[data-accord]") else { return };
            let action = match button.get_attribute("data-accord").as_deref() {
                Some("accept-all") => Action::AcceptAll,
                Some("reject-all") => Action::RejectAll,
                Some("save") => Action::Save(switched_on(&root)),
                Some("preferences") => {
                    set_hidden(&root, "banner", true);
                    set_hidden(&root, "panel", false);
                    return;
                }
                _ => return,
            };
            on_action(action);
        });
        self.root
            .add_event_listener_with_callback("click", handler.as_ref().unchecked_ref())
            .context("listen for clicks")?;
        handler.forget();
        Ok(())
    }

    /// Shows the first layer and closes the panel.
    pub fn show_banner(&self) -> Result<(), DomError> {
        self.part("panel")?.set_attribute("hidden", "").context("hide the panel")?;
        self.part("banner")?.remove_attribute("hidden").context("show the banner")
    }

    /// Opens the panel with its switches set from `consent` (all off but required without one).
    pub fn show_panel(&self, consent: Option<&Consent>) -> Result<(), DomError> {
        let inputs = self.root.query_selector_all("input[data-category]").context("find the switches")?;
        for i in 0..inputs.length() {
            let Some(input) = inputs.item(i).and_then(|n| n.dyn_into::<HtmlInputElement>().ok()) else { continue };
            if !input.disabled() {
                let id = input.get_attribute("data-category").unwrap_or_default();
                input.set_checked(consent.is_some_and(|c| c.allows(&id)));
            }
        }
        self.part("banner")?.set_attribute("hidden", "").context("hide the banner")?;
        self.part("panel")?.remove_attribute("hidden").context("show the panel")
    }

    /// Closes banner and panel.
    pub fn hide(&self) -> Result<(), DomError> {
        self.part("banner")?.set_attribute("hidden", "").context("hide the banner")?;
        self.part("panel")?.set_attribute("hidden", "").context("hide the panel")
    }
}

fn set_hidden(root: &ShadowRoot, part: &str, hidden: bool) {
    if let Ok(Some(node)) = root.query_selector(&format!("[data-accord=\"{part}\"]")) {
        let _ = if hidden { node.set_attribute("hidden", "") } else { node.remove_attribute("hidden") };
    }
}

/// The categories switched on in the panel.
fn switched_on(root: &ShadowRoot) -> Vec<String> {
    let Ok(inputs) = root.query_selector_all("input[data-category]") else { return Vec::new() };
    (0..inputs.length())
        .filter_map(|i| inputs.item(i)?.dyn_into::<HtmlInputElement>().ok())
        .filter(|input| input.checked())
        .filter_map(|input| input.get_attribute("data-category"))
        .collect()
}

fn actions(doc: &Document, t: &i18n::Strings, extra: Option<(&str, &str)>) -> Result<Element, DomError> {
    let row = el(doc, "div", &[("class", "accord-actions")], "")?;
    // The same element, class and styling for every choice: no nudging.
    let mut buttons = vec![("accept-all", t.accept_all), ("reject-all", t.reject_all)];
    buttons.extend(extra);
    for (hook, label) in buttons {
        let button = el(doc, "button", &[("type", "button"), ("class", "accord-btn"), ("data-accord", hook)], label)?;
        append(&row, &[&button])?;
    }
    Ok(row)
}

fn build_banner(doc: &Document, config: &Config, t: &i18n::Strings) -> Result<Element, DomError> {
    let banner = el(
        doc,
        "div",
        &[
            ("class", "accord-banner"),
            ("data-accord", "banner"),
            ("role", "dialog"),
            ("aria-labelledby", "accord-title"),
            ("aria-describedby", "accord-text"),
            ("hidden", ""),
        ],
        "",
    )?;
    let title = el(doc, "h2", &[("id", "accord-title"), ("class", "accord-title")], t.banner_title)?;
    let text = el(doc, "p", &[("id", "accord-text"), ("class", "accord-text")], t.banner_text)?;
    if let Some(url) = &config.site.policy_url {
        let link = el(doc, "a", &[("href", url), ("class", "accord-link")], t.policy_link)?;
        text.append_with_str_1(" ").context("add the policy link")?;
        append(&text, &[&link])?;
    }
    let controller = el(doc, "p", &[("class", "accord-controller")], "")?;
    controller.set_text_content(Some(&format!("{}{}", t.controller, config.site.controller)));
    let row = actions(doc, t, Some(("preferences", t.preferences)))?;
    append(&banner, &[&title, &text, &controller, &row])?;
    Ok(banner)
}

fn build_panel(doc: &Document, config: &Config, t: &i18n::Strings, lang: &str) -> Result<Element, DomError> {
    let panel = el(
        doc,
        "div",
        &[
            ("class", "accord-panel"),
            ("data-accord", "panel"),
            ("role", "dialog"),
            ("aria-labelledby", "accord-panel-title"),
            ("hidden", ""),
        ],
        "",
    )?;
    let title = el(doc, "h2", &[("id", "accord-panel-title"), ("class", "accord-title")], t.panel_title)?;
    let list = el(doc, "ul", &[("class", "accord-categories")], "")?;
    for category in &config.categories {
        let item = el(doc, "li", &[("class", "accord-category")], "")?;
        let input_id = format!("accord-cat-{}", category.id);
        let label = el(doc, "label", &[("for", &input_id), ("class", "accord-category-title")], "")?;
        let input = el(
            doc,
            "input",
            &[("type", "checkbox"), ("role", "switch"), ("id", &input_id), ("data-category", &category.id)],
            "",
        )?;
        if category.required {
            input.set_attribute("checked", "").context("lock a required category")?;
            input.set_attribute("disabled", "").context("lock a required category")?;
        }
        let name = el(doc, "span", &[], category.title.get(lang))?;
        append(&label, &[&input, &name])?;
        append(&item, &[&label])?;
        if category.required {
            append(&item, &[&el(doc, "span", &[("class", "accord-always-on")], t.always_on)?])?;
        }
        if let Some(description) = &category.description {
            append(&item, &[&el(doc, "p", &[("class", "accord-description")], description.get(lang))?])?;
        }
        append(&list, &[&item])?;
    }
    let row = actions(doc, t, Some(("save", t.save)))?;
    append(&panel, &[&title, &list, &row])?;
    Ok(panel)
}
