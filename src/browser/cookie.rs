//! Reading, writing and erasing first-party cookies through `document.cookie`.

use wasm_bindgen::JsCast;
use web_sys::{Document, HtmlDocument};

use super::{Context, DomError};
use crate::message::{cat, decimal, pieces, split_first};

/// How a cookie is written.
pub struct Attributes<'a> {
    pub max_age_s: u64,
    /// `None`: host-only.
    pub domain: Option<&'a str>,
    /// Add `Secure` (the page is served over https).
    pub secure: bool,
}

/// `document.cookie`, which web-sys puts on `HtmlDocument`. Every document has it (an XHTML
/// one too, which is not an `HTMLDocument`), so no check.
fn html(doc: &Document) -> &HtmlDocument {
    doc.unchecked_ref()
}

/// Each cookie the page can see, as (name, value), in `document.cookie`'s order.
pub fn pairs(doc: &Document) -> Result<Vec<(String, String)>, DomError> {
    let all = html(doc).cookie().context("read document.cookie")?;
    let mut out = Vec::new();
    for pair in pieces(&all, b';') {
        // `document.cookie` joins its pairs with "; ", and a browser keeps no white space at
        // either end of a name or value.
        if let Some((k, v)) = split_first(pair.strip_prefix(' ').unwrap_or(pair), b'=') {
            out.push((k.to_string(), v.to_string()));
        }
    }
    Ok(out)
}

/// The value of the first cookie called `name`, if any.
pub fn read(doc: &Document, name: &str) -> Result<Option<String>, DomError> {
    for (k, v) in pairs(doc)? {
        if k == name {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// Writes `name=value` on path `/` with `SameSite=Lax`.
pub fn write(doc: &Document, name: &str, value: &str, attrs: &Attributes) -> Result<(), DomError> {
    let mut cookie = cat(&[name, "=", value, "; Max-Age=", &decimal(attrs.max_age_s), "; Path=/; SameSite=Lax"]);
    if let Some(domain) = attrs.domain {
        cookie.push_str("; Domain=");
        cookie.push_str(domain);
    }
    if attrs.secure {
        cookie.push_str("; Secure");
    }
    html(doc).set_cookie(&cookie).context("write document.cookie")
}

/// Deletes cookie `name` as set with this domain (`None`: host-only) and path.
pub fn expire(doc: &Document, name: &str, domain: Option<&str>, path: &str) -> Result<(), DomError> {
    let mut cookie = cat(&[name, "=; Max-Age=0; Path=", path]);
    if let Some(domain) = domain {
        cookie.push_str("; Domain=");
        cookie.push_str(domain);
    }
    html(doc).set_cookie(&cookie).context("delete a cookie")
}
