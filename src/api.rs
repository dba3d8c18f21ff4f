//! `window.Accord`: the functions the loader exposes to the page, and the state they act on.
//! Each call runs config -> consent -> decisions here, then hands effects to the shell.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Document};

use crate::browser::js::{self, object, set};
use crate::browser::{cookie, erase, gate, json, page, receipts, task, DomError};
use crate::config::Config;
use crate::consent::{Choice, Consent, IdSet};
use crate::consent_mode;
use crate::decide::{self, Stored, Verdict};
use crate::i18n;
use crate::message::{cat, decimal, Describe};
use crate::receipt::{unsigned, Method};
use crate::ui::{Action, Ui};

#[derive(Clone)]
struct App {
    doc: Document,
    config: Rc<Config>,
    consent: Option<Consent>,
    /// The browser's Global Privacy Control signal, read at start.
    gpc: bool,
    ui: Ui,
}

thread_local! {
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
}

fn js_error(e: impl Describe) -> JsError {
    JsError::new(&e.describe())
}

/// Starts Accord on this page, up to what the visitor sees: validates the config, reads the
/// stored choice, and mounts the UI styled by `sheet` (src/ui/accord.css; `None` when it could
/// not be built), showing the banner when there is no choice yet. An invalid config throws and
/// nothing is gated in. Returns whether the banner is shown: then the loader calls [`start`]
/// one task later, so the browser can paint the banner before the gated scripts are run;
/// otherwise at once.
#[wasm_bindgen]
pub fn boot(config_text: &str, sheet: Option<CssStyleSheet>) -> Result<bool, JsError> {
    if APP.with(|app| app.borrow().is_some()) {
        return Err(JsError::new("already started"));
    }
    let config = Config::parse_with(config_text, json::parse)
        .map_err(|e| JsError::new(&cat(&["invalid config, no gated script will run:\n", &e.describe()])))?;
    let doc = page::document();
    let cookie_value = cookie::read(&doc, &config.cookie.name).unwrap_or_else(|e| {
        page::warn(&cat(&[&e.describe(), "; asking for consent again"]));
        None
    });
    let stored = decide::assess(&config, cookie_value.as_deref(), page::now_ms());
    if let Stored::Corrupt(e) = &stored {
        page::warn(&cat(&["the stored consent cookie is unreadable (", &e.describe(), "); treating it as no choice"]));
    }
    let lang = i18n::choose(&config, page::html_lang(&doc).as_deref(), &page::browser_languages());
    let gpc = page::global_privacy_control() && config.gpc.honor;
    let config = Rc::new(config);
    let ui = Ui::mount(&doc, sheet, config.clone(), &lang, gpc, on_action).map_err(js_error)?;
    let consent = stored.consent().cloned();
    match &consent {
        Some(consent) => ui.chosen(consent),
        None => ui.show_banner(),
    }
    APP.with(|app| {
        *app.borrow_mut() = Some(App {
            doc: doc.clone(),
            config: config.clone(),
            consent: consent.clone(),
            gpc,
            ui: ui.clone(),
        });
    });
    if consent.is_some() {
        page::consent_mode_update(&consent_mode::state(&config, consent.as_ref()));
    }
    Ok(consent.is_none())
}

/// The rest of starting, one task after [`boot`]: runs the gated scripts the choice allows
/// (the choice as it is now, should the visitor have made one in between), fills the
/// placeholders, sends receipts still pending from earlier visits, and announces
/// `accord:ready`.
#[wasm_bindgen]
pub fn start() -> Result<(), JsError> {
    let App { doc, config, consent, ui, .. } = app()?;
    run_gated(&doc, &config, consent.as_ref());
    ui.placeholders();
    receipts::on_settled(records_changed);
    receipts::flush(&config);
    page::emit("accord:ready", &consent_js(&config, consent.as_ref()));
    Ok(())
}

/// The receipts' jobs have all run: the panel's records are read again, if it is open. (The
/// state is borrowed in place: [`app`]'s copy of it cost the wasm 21 B more of zopfli.)
fn records_changed() {
    APP.with(|app| {
        if let Some(app) = app.try_borrow().ok().as_deref().and_then(Option::as_ref) {
            app.ui.refresh_records();
        }
    });
}

fn on_action(action: Action) {
    let panel = APP.with(|app| app.borrow().as_ref().is_some_and(|a| a.ui.panel_open()));
    let method = match &action {
        Action::GrantService(_) => Method::Contextual,
        _ if panel => Method::Panel,
        _ => Method::Banner,
    };
    let choice = match action {
        Action::AcceptAll => Choice::AcceptAll,
        Action::RejectAll => Choice::RejectAll,
        Action::Save { categories, services } => Choice::Exactly { categories, services },
        Action::GrantService(id) => {
            // The current choice, plus this one service.
            let current = APP.with(|app| app.borrow().as_ref().and_then(|a| a.consent.clone()));
            let (categories, mut services) = current.map(|c| (c.granted.into_vec(), c.services.into_vec())).unwrap_or_default();
            services.push(id);
            Choice::Exactly { categories, services }
        }
    };
    if let Err(e) = record(choice, method) {
        page::error(&crate::browser::describe(&JsValue::from(e)));
    }
}

fn run_gated(doc: &Document, config: &Config, consent: Option<&Consent>) {
    let runnable = gate::take_runnable(doc, config, consent);
    task::spawn(gate::run_in_order(doc.clone(), runnable));
}

/// Records a choice: stores it, closes the UI, erases what refused services stored, tells
/// Consent Mode, then (outside any borrow of the state, since gated scripts and event
/// listeners may call back into `window.Accord`) runs what it allows.
fn record(choice: Choice, method: Method) -> Result<(), JsError> {
    let (App { doc, config, ui, gpc, .. }, before, consent) = with_app(|app| {
        let id = page::random_uuid();
        let consent = Consent::record(&app.config, &choice, id, page::now_ms(), app.gpc).map_err(js_error)?;
        store(&app.doc, &app.config, &consent).map_err(js_error)?;
        let before = app.consent.replace(consent.clone());
        Ok((app.clone(), before, consent))
    })?;
    // The gated external scripts start loading here, before the receipt's signing, the UI
    // and the erasing, so their fetch overlaps that work and does not wait behind IndexedDB
    // and WebCrypto. No script runs before this call returns, after Consent Mode has been
    // told: external ones run when loaded, inline ones from a microtask once it has returned
    // (so still before the next paint). The receipt is issued even if something below fails.
    run_gated(&doc, &config, Some(&consent));
    receipts::issue(config.clone(), unsigned::line(&consent, method, &ui.lang(), gpc));
    ui.chosen(&consent);
    let erased = erase::refused(&doc, &config, &consent).unwrap_or_else(|e| {
        page::error(&e.describe());
        Vec::new()
    });
    page::consent_mode_update(&consent_mode::state(&config, Some(&consent)));
    let (change, reload) = change_js(before.as_ref(), &consent, &erased);
    if reload {
        ui.offer_reload();
    }
    page::emit("accord:consent", &consent_js(&config, Some(&consent)));
    page::emit("accord:change", &change);
    Ok(())
}

/// `{granted: {categories, services}, withdrawn: {categories, services}, erased, reload}`:
/// what this choice changed. `reload` is true when something ran that is now refused: a
/// script that ran cannot be unloaded, so the page should offer a reload. Returns the object
/// and `reload`.
fn change_js(before: Option<&Consent>, after: &Consent, erased: &[String]) -> (JsValue, bool) {
    let empty = IdSet::new();
    let (cats_before, svcs_before) = before.map_or((&empty, &empty), |b| (&b.granted, &b.services));
    let diff = |a: &IdSet, b: &IdSet| -> js_sys::Array {
        let out = js_sys::Array::new();
        for id in a.as_slice() {
            if !b.contains(id) {
                out.push(&JsValue::from_str(id));
            }
        }
        out
    };
    let pair = |cats: &js_sys::Array, svcs: &js_sys::Array| object(&[("categories", cats), ("services", svcs)]);
    let withdrawn_cats = diff(cats_before, &after.granted);
    let withdrawn_svcs = diff(svcs_before, &after.services);
    let reload = withdrawn_cats.length() > 0 || withdrawn_svcs.length() > 0;
    let change = object(&[
        ("granted", &pair(&diff(&after.granted, cats_before), &diff(&after.services, svcs_before))),
        ("withdrawn", &pair(&withdrawn_cats, &withdrawn_svcs)),
        ("erased", &js::strings(erased)),
        ("reload", &JsValue::from_bool(reload)),
    ]);
    (change.into(), reload)
}

fn store(doc: &Document, config: &Config, consent: &Consent) -> Result<(), DomError> {
    let secure = js::text(&page::location(), "protocol") == "https:";
    let attrs = cookie::Attributes {
        max_age_s: u64::from(config.cookie.expiry_days) * 24 * 60 * 60,
        domain: config.cookie.domain.as_deref(),
        secure,
    };
    let value = consent.encode();
    cookie::write(doc, &config.cookie.name, &value, &attrs)?;
    if cookie::read(doc, &config.cookie.name)?.as_deref() != Some(value.as_str()) {
        page::warn("the browser did not keep the consent cookie; the choice holds for this page only");
    }
    Ok(())
}

fn with_app<T>(f: impl FnOnce(&mut App) -> Result<T, JsError>) -> Result<T, JsError> {
    APP.with(|app| {
        let mut app = app.try_borrow_mut().map_err(|_| busy())?;
        let app = app.as_mut().ok_or_else(not_started)?;
        f(app)
    })
}

/// A copy of the state (its parts are shared, not duplicated, except the consent), for the
/// calls that only read it: one function, where a `with_app` per caller was compiled on its own.
fn app() -> Result<App, JsError> {
    APP.with(|app| app.try_borrow().map_err(|_| busy())?.clone().ok_or_else(not_started))
}

fn busy() -> JsError {
    JsError::new("busy: called from inside another Accord call")
}

fn not_started() -> JsError {
    JsError::new("not started (no valid config)")
}

/// Grants every category.
#[wasm_bindgen(js_name = acceptAll)]
pub fn accept_all() -> Result<(), JsError> {
    record(Choice::AcceptAll, Method::Api)
}

/// Refuses every category that is not required.
#[wasm_bindgen(js_name = rejectAll)]
pub fn reject_all() -> Result<(), JsError> {
    record(Choice::RejectAll, Method::Api)
}

/// Grants these categories with their services (not those needing separate consent), and the
/// required ones; throws on an unknown id, and on anything but an array of id strings.
#[wasm_bindgen]
pub fn accept(categories: JsValue) -> Result<(), JsError> {
    record(Choice::Categories(category_ids(&categories)?), Method::Api)
}

/// The ids given to `Accord.accept`. Only an array of strings: a lone string would otherwise be
/// read as its characters (`unknown category "a"`), and a number would fail in the glue.
fn category_ids(value: &JsValue) -> Result<Vec<String>, JsError> {
    if !js_sys::Array::is_array(value) {
        return Err(JsError::new(r#"categories must be an array of category ids, like ["analytics"]"#));
    }
    let list: &js_sys::Array = value.unchecked_ref();
    let ids = js::read_strings(list);
    // `read_strings` skips what is not a string: the first id missing is the one at fault.
    match (0..list.length()).find(|&i| list.get(i).as_string().is_none()) {
        Some(i) => Err(JsError::new(&cat(&["categories[", &decimal(i.into()), "] is not a category id (a string)"]))),
        None => Ok(ids),
    }
}

/// The loader's question for a request the page is about to make: `"allow"`, `"wait:<service>"`
/// (no choice yet) or `"deny:<service>"`. Before Accord has started: `"wait"`.
#[wasm_bindgen]
pub fn verdict(url: &str) -> String {
    APP.with(|app| match app.try_borrow().ok().as_ref().and_then(|a| a.as_ref()) {
        Some(app) => match decide::verdict(&app.config, app.consent.as_ref(), url) {
            Verdict::Allow => "allow".to_string(),
            Verdict::Wait(s) => cat(&["wait:", &s]),
            Verdict::Deny(s) => cat(&["deny:", &s]),
        },
        None => "wait".to_string(),
    })
}

/// Every consent receipt kept in this browser, oldest first: `{seq, id, time, jws, delivered,
/// attempts, countersignature, categories, services}`. The visitor's copy of their records,
/// handed to `resolve` (or the error to `reject`): the loader makes the promise `receipts()`
/// gives the page.
#[wasm_bindgen]
pub fn receipts(resolve: js_sys::Function, reject: js_sys::Function) {
    task::spawn(async move {
        let _ = match receipts::list().await {
            Ok(all) => resolve.call1(&JsValue::UNDEFINED, &all),
            Err(e) => reject.call1(&JsValue::UNDEFINED, &js_error(e).into()),
        };
    });
}

/// On `pagehide`: sends pending receipts by beacon.
#[wasm_bindgen(js_name = flushBeacons)]
pub fn flush_beacons() {
    APP.with(|app| {
        if let Some(app) = app.try_borrow().ok().as_ref().and_then(|a| a.as_ref()) {
            receipts::beacon(&app.config);
        }
    });
}

/// Whether elements of this category may run now.
#[wasm_bindgen(js_name = acceptedCategory)]
pub fn accepted_category(id: &str) -> bool {
    APP.with(|app| {
        app.try_borrow().ok().as_ref().and_then(|a| a.as_ref()).is_some_and(|a| decide::may_run(&a.config, a.consent.as_ref(), id))
    })
}

/// Whether this service may run now.
#[wasm_bindgen(js_name = acceptedService)]
pub fn accepted_service(id: &str) -> bool {
    APP.with(|app| {
        app.try_borrow()
            .ok()
            .as_ref()
            .and_then(|a| a.as_ref())
            .is_some_and(|a| decide::may_run_service(&a.config, a.consent.as_ref(), id))
    })
}

/// Scans the page again for gated elements (after a single-page app changed it).
#[wasm_bindgen]
pub fn refresh() -> Result<(), JsError> {
    let App { doc, config, consent, .. } = app()?;
    run_gated(&doc, &config, consent.as_ref());
    Ok(())
}

/// Re-reads the stored choice, as after a restore from the back/forward cache: another page
/// of the site may have changed it meanwhile.
#[wasm_bindgen]
pub fn resync() -> Result<(), JsError> {
    let App { doc, config, ui, consent: current, .. } = app()?;
    let value = cookie::read(&doc, &config.cookie.name).ok().flatten();
    let stored = decide::assess(&config, value.as_deref(), page::now_ms()).consent().cloned();
    if stored == current {
        return Ok(());
    }
    with_app(|app| {
        app.consent = stored.clone();
        Ok(())
    })?;
    match &stored {
        Some(consent) => {
            ui.chosen(consent);
            let _ = erase::refused(&doc, &config, consent);
        }
        None => ui.show_banner(),
    }
    page::consent_mode_update(&consent_mode::state(&config, stored.as_ref()));
    run_gated(&doc, &config, stored.as_ref());
    page::emit("accord:consent", &consent_js(&config, stored.as_ref()));
    Ok(())
}

/// Shows the banner again, so the visitor can change the choice.
#[wasm_bindgen]
pub fn show() -> Result<(), JsError> {
    app()?.ui.show_banner();
    Ok(())
}

/// Opens the preference panel with the current choice.
#[wasm_bindgen(js_name = showPreferences)]
pub fn show_preferences() -> Result<(), JsError> {
    app()?.ui.show_panel();
    Ok(())
}

/// The current choice as `{id, timestamp, revision, categories: {id: bool}, services: {id: bool}}`, or null.
#[wasm_bindgen]
pub fn consent() -> JsValue {
    APP.with(|app| match app.try_borrow().ok().as_ref().and_then(|a| a.as_ref()) {
        Some(app) => consent_js(&app.config, app.consent.as_ref()),
        None => JsValue::NULL,
    })
}

fn consent_js(config: &Config, consent: Option<&Consent>) -> JsValue {
    let Some(consent) = consent else { return JsValue::NULL };
    let categories = js_sys::Object::new();
    for category in &config.categories {
        set(&categories, &category.id, &JsValue::from_bool(consent.allows(&category.id)));
    }
    let services = js_sys::Object::new();
    for service in &config.services {
        set(&services, &service.id, &JsValue::from_bool(consent.allows_service(&service.id)));
    }
    let out = js_sys::Object::new();
    set(&out, "id", &JsValue::from_str(&consent.id));
    let time = js_sys::Date::new(&JsValue::from_f64(consent.timestamp_ms as f64));
    set(&out, "timestamp", &time.to_iso_string().into());
    set(&out, "revision", &JsValue::from_f64(consent.revision as f64));
    set(&out, "categories", &categories);
    set(&out, "services", &services);
    out.into()
}
