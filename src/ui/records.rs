//! "Your consent records" in the panel: each receipt's time, what it granted and whether it
//! reached the site, each choice still waiting for its receipt, and whether the store of
//! receipts could not be read; and a download of them all as JSON (the visitor's rights of
//! access and copy).

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element};

use super::dom::{self, tree};
use crate::browser::js::{self, get, read_strings, set, text};
use crate::browser::{nothrow, page, receipts, DomError};
use crate::config::Config;
use crate::i18n::{Key, Texts};
use crate::message::joined;

/// Fills `list`, and enables the download after it (built disabled) unless the store cannot be
/// read and no choice waits: the file would then say "no records", which may be untrue. (Read
/// and empty, the store's `[]` is the truth, and is saved.)
pub async fn fill(doc: &Document, list: &Element, config: &Config, t: &Texts) -> Result<(), DomError> {
    let waiting = receipts::waiting();
    let stored = receipts::list().await;
    // A store that cannot be read may hold receipts: the list says so first, above the choices
    // still waiting (if any), rather than "No records yet." or nothing.
    let unread = stored.is_err();
    let all = receipts::records(waiting, stored).map(|all| js_sys::Array::from(&all));
    let none = all.as_ref().map_or(true, |all| all.length() == 0);
    // The download is the list's next sibling (see `build::panel`): found from it, rather
    // than passed in and held across the read above, which cost the wasm 100 B more.
    if let Some(download) = js::some(list, "nextElementSibling") {
        set(&download, "disabled", &JsValue::from_bool(unread && none));
    }
    super::dom::set_text(list, None);
    if unread {
        tree(doc, t, Some(list), "li|#records_unreadable", &[]);
    } else if none {
        tree(doc, t, Some(list), "li|#records_none", &[]);
    }
    let all = all?;
    // Newest first.
    for i in (0..all.length()).rev() {
        let record = all.get(i);
        let time = js_sys::Date::new(&get(&record, "time"));
        let when = time.to_locale_string(&t.lang, &JsValue::UNDEFINED).as_string().unwrap_or_default();
        let ids = read_strings(&js_sys::Array::from(&get(&record, "categories")));
        // In the config's order, by the titles the visitor saw.
        let mut titles = Vec::new();
        for category in &config.categories {
            if ids.contains(&category.id) {
                titles.push(category.title.get(&t.lang));
            }
        }
        let granted = joined(&titles, ", ");
        let state = if get(&record, "delivered").is_truthy() {
            Key::RecordSent
        } else if get(&record, "refused").is_truthy() {
            Key::RecordRefused
        } else if get(&record, "waiting").is_truthy() {
            Key::RecordWaiting
        } else {
            Key::RecordKept
        };
        let args = [&text(&record, "id"), &when, &granted, t.get(state)];
        tree(doc, t, Some(list), "li|class=accord-record|data-record=$0;>strong|$1;>span|$2;>span|class=accord-description|$3", &args);
    }
    Ok(())
}

/// Saves every record, signed JWS included, and the choices still waiting for theirs, as
/// `consent-records.json`.
pub async fn download() -> Result<(), DomError> {
    let all = receipts::records(receipts::waiting(), receipts::list().await)?;
    let text = nothrow::json(&all, 2);
    let url = nothrow::blob_url(&text, "application/json");
    let doc = page::document();
    let link = nothrow::create_element(&doc, "a");
    dom::set(&link, "download", "consent-records.json");
    dom::set(&link, "href", &url);
    // An `a` element, as made above.
    link.unchecked_ref::<web_sys::HtmlElement>().click();
    nothrow::revoke_object_url(&url);
    Ok(())
}
