//! Builds the banner, the preference panel, the separate-consent confirmation and the floating
//! button for one language. Pure construction: no listeners, no state, and no errors (see
//! [`super::dom`]).

use web_sys::{Document, Element};

use super::dom::{add, append, el, set};
use crate::browser::nothrow;
use crate::config::{Category, Config, CookieRule, Layout, Service, TrackerKind};
use crate::i18n::{self, Key, Texts};
use crate::message::{cat, decimal};

/// A dialog's outer element: labelled, focusable as a whole, hidden until opened.
fn dialog(doc: &Document, hook: &str, role: &str, modal: bool, label_id: &str) -> Element {
    let class = cat(&["accord-", hook]);
    let attrs = [("class", class.as_str()), ("data-accord", hook), ("role", role), ("aria-labelledby", label_id)];
    el(doc, if modal { "div|tabindex=-1|hidden|aria-modal=true" } else { "div|tabindex=-1|hidden" }, &attrs, "")
}

fn button(doc: &Document, hook: &str, label: &str) -> Element {
    el(doc, "button|type=button|class=accord-btn", &[("data-accord", hook)], label)
}

/// Accept all and Reject all, then `extra`: the same element, class and styling for every
/// choice, so none is nudged.
fn choices(doc: &Document, t: &Texts, extra: (&str, Key)) -> Element {
    let row = el(doc, "div|class=accord-actions", &[], "");
    for (hook, key) in [("accept-all", Key::AcceptAll), ("reject-all", Key::RejectAll), (extra.0, extra.1)] {
        append(&row, &[&button(doc, hook, t.get(key))]);
    }
    row
}

pub fn banner(doc: &Document, config: &Config, t: &Texts, gpc: bool) -> Element {
    let modal = config.ui.layout == Layout::Modal;
    let banner = dialog(doc, "banner", "dialog", modal, "accord-title");
    set(&banner, "aria-describedby", "accord-text");
    let title = el(doc, "h2|id=accord-title|class=accord-title", &[], t.get(Key::BannerTitle));
    let text = el(doc, "p|id=accord-text|class=accord-text", &[], t.get(Key::BannerText));
    if let Some(url) = &config.site.policy_url {
        nothrow::append_text(&text, " ");
        add(&text, doc, "a|class=accord-link", &[("href", url)], t.get(Key::PolicyLink));
    }
    let controller = cat(&[t.get(Key::Controller), &config.site.controller]);
    let controller = el(doc, "p|class=accord-controller", &[], &controller);
    append(&banner, &[&title, &text]);
    if gpc {
        add(&banner, doc, "p|class=accord-text|data-accord=gpc", &[], t.get(Key::GpcHonoured));
    }
    append(&banner, &[&controller, &choices(doc, t, ("preferences", Key::Customize))]);
    banner
}

pub fn panel(doc: &Document, config: &Config, t: &Texts) -> Element {
    let panel = dialog(doc, "panel", "dialog", true, "accord-panel-title");
    let head = el(doc, "div|class=accord-panel-head", &[], "");
    let title = el(doc, "h2|id=accord-panel-title|class=accord-title", &[], t.get(Key::PanelTitle));
    let close = el(doc, "button|type=button|class=accord-close|data-accord=close", &[("aria-label", t.get(Key::Close))], "×");
    append(&head, &[&title, &close]);
    append(&panel, &[&head]);
    if config.languages.len() > 1 {
        append(&panel, &[&language_switcher(doc, config, t)]);
    }
    add(&panel, doc, "p|class=accord-text", &[], t.get(Key::PanelText));
    let list = el(doc, "div|class=accord-categories", &[], "");
    for category in &config.categories {
        append(&list, &[&category_block(doc, config, t, category)]);
    }
    append(&panel, &[&list, &choices(doc, t, ("save", Key::Save)), &records(doc, t)]);
    panel
}

fn language_switcher(doc: &Document, config: &Config, t: &Texts) -> Element {
    let row = el(doc, "div|class=accord-language", &[], "");
    let label = el(doc, "label|for=accord-language", &[], t.get(Key::Language));
    let select = el(doc, "select|id=accord-language|data-accord=language", &[], "");
    for lang in &config.languages {
        let name = i18n::texts(config, lang);
        let option = el(doc, "option", &[("value", lang), ("lang", lang)], name.get(Key::LanguageName));
        if *lang == t.lang {
            set(&option, "selected", "");
        }
        append(&select, &[&option]);
    }
    append(&row, &[&label, &select]);
    row
}

/// A switch (`role="switch"` checkbox) with its visible label. `locked_by`: the id of the text
/// saying why it is always on.
fn switch(doc: &Document, kind: &str, id: &str, label: &str, locked_by: Option<&str>) -> Element {
    let input_id = cat(&["accord-", kind, "-", id]);
    let data = cat(&["data-", kind]);
    let wrapper = el(doc, "label|class=accord-switch", &[("for", &input_id)], "");
    let attrs = [("id", input_id.as_str()), (data.as_str(), id)];
    let input = el(doc, if locked_by.is_some() { "input|type=checkbox|role=switch|checked|disabled" } else { "input|type=checkbox|role=switch" }, &attrs, "");
    if let Some(why) = locked_by {
        set(&input, "aria-describedby", why);
    }
    let name = el(doc, "span|class=accord-switch-label", &[], label);
    append(&wrapper, &[&input, &name]);
    wrapper
}

fn badge(doc: &Document, text: &str) -> Element {
    el(doc, "span|class=accord-badge", &[], text)
}

fn category_block(doc: &Document, config: &Config, t: &Texts, category: &Category) -> Element {
    let lang = &t.lang;
    let why_id = cat(&["accord-why-", &category.id]);
    let locked_by = category.required.then_some(why_id.as_str());
    let block = el(doc, "section|class=accord-category", &[("data-category-block", &category.id)], "");
    let head = el(doc, "div|class=accord-row", &[], "");
    append(&head, &[&switch(doc, "category", &category.id, category.title.get(lang), locked_by)]);
    if category.required {
        append(&head, &[&badge(doc, t.get(Key::AlwaysOn))]);
    } else if category.separate_consent {
        append(&head, &[&badge(doc, t.get(Key::SeparateBadge))]);
    }
    append(&block, &[&head]);
    if let Some(description) = &category.description {
        add(&block, doc, "p|class=accord-description", &[], description.get(lang));
    }
    if category.required {
        let why = el(doc, "p|class=accord-description", &[("id", &why_id)], t.get(Key::RequiredWhy));
        append(&block, &[&why]);
    }
    let services = config.services_in(&category.id);
    if !services.is_empty() {
        let details = el(doc, "details|class=accord-services", &[], "");
        let summary = cat(&[t.get(Key::Services), " (", &decimal(services.len() as u64), ")"]);
        add(&details, doc, "summary", &[], &summary);
        for service in services {
            append(&details, &[&service_block(doc, t, service, locked_by)]);
        }
        append(&block, &[&details]);
    }
    block
}

fn service_block(doc: &Document, t: &Texts, service: &Service, locked_by: Option<&str>) -> Element {
    let lang = &t.lang;
    let block = el(doc, "div|class=accord-service", &[], "");
    let head = el(doc, "div|class=accord-row", &[], "");
    append(&head, &[&switch(doc, "service", &service.id, &service.name, locked_by)]);
    if service.separate_consent && locked_by.is_none() {
        append(&head, &[&badge(doc, t.get(Key::SeparateBadge))]);
    }
    append(&block, &[&head]);
    if let Some(description) = &service.description {
        add(&block, doc, "p|class=accord-description", &[], description.get(lang));
    }
    if !service.cookies.is_empty() {
        append(&block, &[&declarations(doc, t, service)]);
    }
    block
}

/// The declaration table: what the service stores or sends, by whom, why, for how long.
fn declarations(doc: &Document, t: &Texts, service: &Service) -> Element {
    let wrap = el(doc, "div|class=accord-table-wrap", &[], "");
    let table = el(doc, "table|class=accord-table", &[], "");
    add(&table, doc, "caption|class=accord-visually-hidden", &[], &service.name);
    let head_row = el(doc, "tr", &[], "");
    for &key in &[Key::Name, Key::Provider, Key::Purpose, Key::Duration, Key::Kind] {
        add(&head_row, doc, "th|scope=col", &[], t.get(key));
    }
    let thead = el(doc, "thead", &[], "");
    append(&thead, &[&head_row]);
    let tbody = el(doc, "tbody", &[], "");
    for rule in &service.cookies {
        append(&tbody, &[&declaration_row(doc, t, service, rule)]);
    }
    append(&table, &[&thead, &tbody]);
    append(&wrap, &[&table]);
    wrap
}

fn declaration_row(doc: &Document, t: &Texts, service: &Service, rule: &CookieRule) -> Element {
    let lang = &t.lang;
    let provider = match (&service.provider, &rule.domain) {
        (Some(p), Some(d)) => cat(&[p, " (", d, ")"]),
        (Some(p), None) => p.clone(),
        (None, Some(d)) => d.clone(),
        (None, None) => String::new(),
    };
    let kind = t.get(match rule.kind {
        TrackerKind::Cookie => Key::KindCookie,
        TrackerKind::WebBeacon => Key::KindWebBeacon,
        TrackerKind::PixelTag => Key::KindPixelTag,
        TrackerKind::LocalStorage => Key::KindLocalStorage,
    });
    let row = el(doc, "tr", &[], "");
    let purpose = rule.purpose.as_ref().map_or("", |p| p.get(lang));
    let duration = rule.duration.as_ref().map_or("", |d| d.get(lang));
    for cell in [rule.name.as_str(), &provider, purpose, duration, kind] {
        add(&row, doc, "td", &[], cell);
    }
    row
}

/// The separate-consent step; its text is filled in for the item when it opens.
pub fn confirm(doc: &Document, t: &Texts) -> Element {
    let dialog = dialog(doc, "confirm", "alertdialog", true, "accord-confirm-title");
    set(&dialog, "aria-describedby", "accord-confirm-text");
    let title = el(doc, "h2|id=accord-confirm-title|class=accord-title", &[], t.get(Key::SeparateTitle));
    let text = el(doc, "p|id=accord-confirm-text|class=accord-text", &[], t.get(Key::SeparateText));
    let item = el(doc, "p|class=accord-confirm-item|data-accord=confirm-item", &[], "");
    let detail = el(doc, "p|class=accord-text|data-accord=confirm-detail", &[], "");
    let row = el(doc, "div|class=accord-actions", &[], "");
    append(&row, &[&button(doc, "confirm-yes", t.get(Key::SeparateConfirm)), &button(doc, "confirm-no", t.get(Key::SeparateCancel))]);
    append(&dialog, &[&title, &text, &item, &detail, &row]);
    dialog
}

pub fn floating(doc: &Document, t: &Texts) -> Element {
    el(doc, "button|type=button|class=accord-floating|data-accord=floating|hidden", &[], t.get(Key::PrivacySettings))
}

/// Shown after a withdrawal when refused scripts already ran (see `Ui::offer_reload`).
pub fn reload_notice(doc: &Document, t: &Texts) -> Element {
    let notice = el(doc, "div|class=accord-notice|data-accord=reload|role=status|hidden", &[], "");
    let text = el(doc, "p|class=accord-text", &[], t.get(Key::ReloadText));
    let row = el(doc, "div|class=accord-actions", &[], "");
    append(&row, &[&button(doc, "reload-now", t.get(Key::ReloadNow)), &button(doc, "reload-dismiss", t.get(Key::Close))]);
    append(&notice, &[&text, &row]);
    notice
}

/// The visitor's own consent records: filled in when the panel opens, downloadable as JSON
/// (the download, right after the list, disabled until the filling has read them: see
/// [`super::records::fill`]).
fn records(doc: &Document, t: &Texts) -> Element {
    let section = el(doc, "section|class=accord-records|aria-labelledby=accord-records-title", &[], "");
    let title = el(doc, "h3|id=accord-records-title|class=accord-title", &[], t.get(Key::Records));
    let list = el(doc, "ul|class=accord-record-list|data-accord=records", &[], "");
    let download = el(doc, "button|type=button|class=accord-btn accord-secondary|data-accord=records-download|disabled", &[], t.get(Key::RecordsDownload));
    append(&section, &[&title, &list, &download]);
    section
}
