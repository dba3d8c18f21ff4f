//! Builds the banner, the preference panel, the separate-consent confirmation and the floating
//! button for one language. Pure construction: no listeners, no state, and no errors (see
//! [`super::dom`]). Each part is one [`tree`] template, with the config's strings as its
//! arguments.

use web_sys::{Document, Element};

use super::dom::tree;
use crate::config::{Category, Config, CookieRule, Layout, Service, TrackerKind};
use crate::i18n::{self, Key, Texts};
use crate::message::{cat, decimal};

/// A dialog's outer element: labelled, focusable as a whole, hidden until opened.
macro_rules! dialog {
    ($hook:literal, $role:literal, $label:literal) => {
        concat!("div|class=accord-", $hook, "|data-accord=", $hook, "|role=", $role, "|aria-labelledby=", $label, "|tabindex=-1|hidden")
    };
}

/// A button of the interface: its hook (`data-accord`) and its text's key.
macro_rules! button {
    ($hook:literal, $key:literal) => {
        concat!("button|type=button|class=accord-btn|data-accord=", $hook, "|#", $key)
    };
}

/// A row of buttons at `$depth`, each given by its hook and its text's key: the same
/// element, class and styling for every choice, so none is nudged.
macro_rules! actions {
    ($depth:literal $(, $hook:literal, $key:literal)+) => {
        concat!($depth, "div|class=accord-actions" $(, ";", $depth, ">", button!($hook, $key))+)
    };
}

/// Accept all and Reject all, then one more, at `$depth`.
macro_rules! choices {
    ($depth:literal, $hook:literal, $key:literal) => {
        actions!($depth, "accept-all", "accept_all", "reject-all", "reject_all", $hook, $key)
    };
}

/// A switch (`role="switch"` checkbox) with its visible label, at `$depth`, for `$0` (the
/// id), with `$1` the input's id, `$2` the label, and `$3` the id of the text saying why it is
/// always on (empty when the visitor may turn it off).
macro_rules! switch {
    ($depth:literal, $kind:literal) => {
        concat!(
            $depth, "label|class=accord-switch|for=$1;",
            $depth, ">input|type=checkbox|role=switch|id=$1|data-", $kind, "=$0|checked?3|disabled?3|aria-describedby=$3;",
            $depth, ">span|class=accord-switch-label|$2"
        )
    };
}

/// The first element of a template's: its outermost one.
pub fn outer(mut built: Vec<Element>) -> Element {
    built.swap_remove(0)
}

/// Everything but the panel, in the shell that carries the language, direction and layout:
/// the reload offer first (the overlay of an open panel, and the panel, which goes after the
/// banner, cover it, rather than it covering the panel's buttons), the overlay, the banner,
/// the separate-consent step and the floating button.
pub fn shell(doc: &Document, config: &Config, t: &Texts, gpc: bool) -> Element {
    let lang = t.lang.as_str();
    let dir = if ["ar", "he", "fa", "ur"].contains(&i18n::primary_subtag(lang)) { "rtl" } else { "ltr" };
    let modal = if config.ui.layout == Layout::Modal { "true" } else { "" };
    let url = config.site.policy_url.as_deref().unwrap_or_default();
    let args = [
        lang,
        dir,
        config.ui.layout.name(),
        config.ui.position.name(),
        modal,
        if url.is_empty() { "" } else { " " },
        url,
        if gpc { "gpc" } else { "" },
        &config.site.controller,
    ];
    outer(tree(
        doc,
        t,
        None,
        concat!(
            "div|class=accord|lang=$0|dir=$1|data-layout=$2|data-position=$3;",
            // Shown after a withdrawal when refused scripts already ran (see `Ui::offer_reload`).
            ">div|class=accord-notice|data-accord=reload|role=status|hidden;",
            ">>p|class=accord-text|#reload_text;",
            actions!(">>", "reload-now", "reload_now", "reload-dismiss", "close"), ";",
            ">div|class=accord-overlay|data-accord=overlay|hidden;",
            ">", dialog!("banner", "dialog", "accord-title"), "|aria-describedby=accord-text|aria-modal=$4;",
            ">>h2|id=accord-title|class=accord-title|#banner_title;",
            ">>p|id=accord-text|class=accord-text|#banner_text|$5;",
            ">>>?6|a|class=accord-link|href=$6|#policy_link;",
            ">>?7|p|class=accord-text|data-accord=gpc|#gpc_honoured;",
            ">>p|class=accord-controller|#controller|$8;",
            choices!(">>", "preferences", "customize"), ";",
            // The separate-consent step; its text is filled in for the item when it opens.
            ">", dialog!("confirm", "alertdialog", "accord-confirm-title"), "|aria-describedby=accord-confirm-text|aria-modal=true;",
            ">>h2|id=accord-confirm-title|class=accord-title|#separate_title;",
            ">>p|id=accord-confirm-text|class=accord-text|#separate_text;",
            ">>p|class=accord-confirm-item|data-accord=confirm-item;",
            ">>p|class=accord-text|data-accord=confirm-detail;",
            actions!(">>", "confirm-yes", "separate_confirm", "confirm-no", "separate_cancel"), ";",
            ">button|type=button|class=accord-floating|data-accord=floating|hidden|#privacy_settings"
        ),
        &args,
    ))
}

pub fn panel(doc: &Document, config: &Config, t: &Texts) -> Element {
    let languages = if config.languages.len() > 1 { "languages" } else { "" };
    let head = tree(
        doc,
        t,
        None,
        concat!(
            dialog!("panel", "dialog", "accord-panel-title"), "|aria-modal=true;",
            ">div|class=accord-panel-head;",
            ">>h2|id=accord-panel-title|class=accord-title|#panel_title;",
            ">>button|type=button|class=accord-close|data-accord=close|aria-label=#close|'×;",
            ">?0|div|class=accord-language;",
            ">>label|for=accord-language|#language;",
            ">>select|id=accord-language|data-accord=language"
        ),
        &[languages],
    );
    // The language switcher's <select>, when there is one: the seventh element built (the
    // panel, its head, the title, the close button, the switcher's row, its label, the select).
    if let Some(select) = head.get(6) {
        for lang in &config.languages {
            let selected = if *lang == t.lang { "selected" } else { "" };
            tree(doc, &i18n::texts(config, lang), Some(select), "option|value=$0|lang=$0|selected?1|#language_name", &[lang, selected]);
        }
    }
    let panel = outer(head);
    // The visitor's own consent records: filled in when the panel opens, downloadable as JSON
    // (the download, right after the list, disabled until the filling has read them: see
    // [`super::records::fill`]).
    let rest = tree(
        doc,
        t,
        Some(&panel),
        concat!(
            "p|class=accord-text|#panel_text;",
            "div|class=accord-categories;",
            choices!("", "save", "save"), ";",
            "section|class=accord-records|aria-labelledby=accord-records-title;",
            ">h3|id=accord-records-title|class=accord-title|#records;",
            ">ul|class=accord-record-list|data-accord=records;",
            ">button|type=button|class=accord-btn accord-secondary|data-accord=records-download|disabled|#records_download"
        ),
        &[],
    );
    for category in &config.categories {
        category_block(doc, config, t, category, &rest[1]);
    }
    panel
}

fn category_block(doc: &Document, config: &Config, t: &Texts, category: &Category, list: &Element) {
    let id = &category.id;
    let why_id = cat(&["accord-why-", id]);
    let locked_by = if category.required { why_id.as_str() } else { "" };
    let badge = if category.required {
        t.get(Key::AlwaysOn)
    } else if category.separate_consent {
        t.get(Key::SeparateBadge)
    } else {
        ""
    };
    let services = config.services_in(id);
    let count = if services.is_empty() { String::new() } else { cat(&[" (", &decimal(services.len() as u64), ")"]) };
    let args = [
        id.as_str(),
        &cat(&["accord-category-", id]),
        category.title.get(&t.lang),
        locked_by,
        badge,
        category.description.as_ref().map_or("", |d| d.get(&t.lang)),
        &count,
    ];
    let built = tree(
        doc,
        t,
        Some(list),
        concat!(
            "section|class=accord-category|data-category-block=$0;",
            ">div|class=accord-row;",
            switch!(">>", "category"), ";",
            ">>?4|span|class=accord-badge|$4;",
            ">?5|p|class=accord-description|$5;",
            ">?3|p|class=accord-description|id=$3|#required_why;",
            ">?6|details|class=accord-services;",
            ">>summary|#services|$6"
        ),
        &args,
    );
    // With services (the only time this loop runs), the <details> is the one before last
    // (its <summary> is last), so the index is always in range.
    for service in services {
        service_block(doc, t, service, locked_by, &built[built.len() - 2]);
    }
}

fn service_block(doc: &Document, t: &Texts, service: &Service, locked_by: &str, details: &Element) {
    let badge = if service.separate_consent && locked_by.is_empty() { t.get(Key::SeparateBadge) } else { "" };
    let args = [
        service.id.as_str(),
        &cat(&["accord-service-", &service.id]),
        &service.name,
        locked_by,
        badge,
        service.description.as_ref().map_or("", |d| d.get(&t.lang)),
    ];
    let built = tree(
        doc,
        t,
        Some(details),
        concat!(
            "div|class=accord-service;",
            ">div|class=accord-row;",
            switch!(">>", "service"), ";",
            ">>?4|span|class=accord-badge|$4;",
            ">?5|p|class=accord-description|$5"
        ),
        &args,
    );
    if !service.cookies.is_empty() {
        declarations(doc, t, service, &built[0]);
    }
}

/// The declaration table: what the service stores or sends, by whom, why, for how long.
fn declarations(doc: &Document, t: &Texts, service: &Service, block: &Element) {
    let built = tree(
        doc,
        t,
        Some(block),
        concat!(
            "div|class=accord-table-wrap;",
            ">table|class=accord-table;",
            ">>caption|class=accord-visually-hidden|$0;",
            ">>thead;",
            ">>>tr;",
            ">>>>th|scope=col|#name;>>>>th|scope=col|#provider;>>>>th|scope=col|#purpose;>>>>th|scope=col|#duration;>>>>th|scope=col|#kind;",
            ">>tbody"
        ),
        &[&service.name],
    );
    if let Some(tbody) = built.last() {
        for rule in &service.cookies {
            declaration_row(doc, t, service, rule, tbody);
        }
    }
}

fn declaration_row(doc: &Document, t: &Texts, service: &Service, rule: &CookieRule, tbody: &Element) {
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
    let purpose = rule.purpose.as_ref().map_or("", |p| p.get(lang));
    let duration = rule.duration.as_ref().map_or("", |d| d.get(lang));
    tree(doc, t, Some(tbody), "tr;>td|$0;>td|$1;>td|$2;>td|$3;>td|$4", &[&rule.name, &provider, purpose, duration, kind]);
}
