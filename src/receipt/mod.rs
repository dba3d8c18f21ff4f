//! Consent receipts (pure): the payload, shaped after the Kantara Consent Receipt v1.1 and
//! extended with Accord's record of the choice; the JWS header and signing input; the hash
//! chain. Signing, hashing and storage happen in the browser (WebCrypto, IndexedDB): this
//! module only builds the exact bytes they work on.

pub mod b64;
pub mod canon;
pub mod unsigned;

use crate::config::json::Json;
use crate::config::{Config, Text, TrackerKind};
use crate::consent::{Consent, IdSet};
use crate::i18n::{Texts, KEYS};
use crate::message::{cat, decimal, named};

/// A P-256 public key as a JWK's base64url coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub x: String,
    pub y: String,
}

impl PublicKey {
    pub fn to_json(&self) -> Json {
        Members::new().text("crv", "P-256").text("kty", "EC").text("x", &self.x).text("y", &self.y).done()
    }

    /// The RFC 7638 thumbprint input: the required members, sorted, no white space. Its
    /// SHA-256, base64url, is the key id and the visitor's pseudonymous principal id.
    pub fn thumbprint_input(&self) -> String {
        canon::to_string(&self.to_json())
    }
}

named! {
    /// How the choice was made, as the receipt records it.
    pub enum Method {
        Banner = "banner",
        Panel = "preference panel",
        Contextual = "click-to-load",
        Api = "site script",
    }
}

/// Everything a receipt states besides the consent itself.
pub struct Facts<'a> {
    pub lang: &'a str,
    pub method: Method,
    pub key: &'a PublicKey,
    /// The key's thumbprint (base64url SHA-256 of `key.thumbprint_input()`).
    pub kid: &'a str,
    /// base64url SHA-256 of [`texts_shown`] for the language shown.
    pub texts_sha256: &'a str,
    pub gpc: bool,
    /// base64url SHA-256 of the previous receipt's compact JWS from this browser, if any.
    pub prev: Option<&'a str>,
}

fn s(text: &str) -> Json {
    Json::String(text.to_string())
}

fn n(value: u64) -> Json {
    Json::Number(decimal(value))
}

/// An object built one member at a time: a call per member, where a `vec!` of pairs was code
/// for every pair at every place it was built.
struct Members(Vec<(String, Json)>);

impl Members {
    fn new() -> Members {
        Members(Vec::new())
    }

    fn put(mut self, key: &str, value: Json) -> Members {
        self.0.push((key.to_string(), value));
        self
    }

    fn text(self, key: &str, value: &str) -> Members {
        self.put(key, s(value))
    }

    fn flag(self, key: &str, value: bool) -> Members {
        self.put(key, Json::Bool(value))
    }

    fn done(self) -> Json {
        Json::Object(self.0)
    }
}

fn strings(items: &[String]) -> Json {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(s(item));
    }
    Json::Array(out)
}

/// The receipt payload for `consent`.
pub fn payload(config: &Config, consent: &Consent, facts: &Facts) -> Json {
    let lang = facts.lang;
    let site = &config.site;
    let mut controller = Members::new().text("piiController", &site.controller).flag("onBehalf", false);
    if let Some(contact) = &site.contact {
        controller = controller.text("contact", contact);
    }
    if let Some(url) = &site.policy_url {
        controller = controller.text("url", url);
    }
    let termination =
        cat(&["Until withdrawn (Privacy settings on the site) or after ", &decimal(config.cookie.expiry_days.into()), " days"]);
    let mut services = Vec::new();
    for service in &config.services {
        if !consent.allows_service(&service.id) {
            continue;
        }
        let category = config.category(&service.category);
        let purpose = category.map_or(service.category.as_str(), |c| c.title.get(lang));
        let mut kinds = IdSet::new();
        for cookie in &service.cookies {
            kinds.insert(kind_name(cookie.kind).to_string());
        }
        let third_party = service.provider.as_ref().is_some_and(|p| p != &site.controller);
        let mut p = Members::new()
            .text("purpose", purpose)
            .put("purposeCategory", Json::Array(vec![s(&service.category)]))
            .text("consentType", "EXPLICIT")
            .put("piiCategory", strings(kinds.as_slice()))
            .flag("primaryPurpose", true)
            .text("termination", &termination)
            .flag("thirdPartyDisclosure", third_party);
        if let (true, Some(provider)) = (third_party, &service.provider) {
            p = p.text("thirdPartyName", provider);
        }
        let purposes = Json::Array(vec![p.done()]);
        services.push(Members::new().text("service", &service.name).text("serviceId", &service.id).put("purposes", purposes).done());
    }

    // Granted with separate consent (categories, then services), or denied. Two loops written
    // out: a helper generic over categories and services, with a closure for each list, was
    // 769 B more of wasm (2026-12-04).
    let (mut sensitive, mut denied_categories, mut denied_services) = (Vec::new(), Vec::new(), Vec::new());
    for c in &config.categories {
        if !consent.allows(&c.id) {
            denied_categories.push(s(&c.id));
        } else if c.separate_consent {
            sensitive.push(s(&c.id));
        }
    }
    for sv in &config.services {
        if !consent.allows_service(&sv.id) {
            denied_services.push(s(&sv.id));
        } else if sv.separate_consent {
            sensitive.push(s(&sv.id));
        }
    }

    let pair = |categories: Json, services: Json| Members::new().put("categories", categories).put("services", services).done();
    let accord = Members::new()
        .put("configRevision", n(consent.revision))
        .text("collectedBy", facts.method.name())
        .put("granted", pair(strings(consent.granted.as_slice()), strings(consent.services.as_slice())))
        .put("denied", pair(Json::Array(denied_categories), Json::Array(denied_services)))
        .text("textsSha256", facts.texts_sha256)
        .flag("globalPrivacyControl", facts.gpc)
        .put("prev", facts.prev.map_or(Json::Null, s))
        .put("timestampMs", n(consent.timestamp_ms))
        .done();

    Members::new()
        .text("version", "KI-CR-v1.1.0")
        .text("jurisdiction", site.jurisdiction.as_deref().unwrap_or(""))
        .put("consentTimestamp", n(consent.timestamp_ms / 1000))
        .text("collectionMethod", facts.method.name())
        .text("consentReceiptID", &consent.id)
        .put("publicKey", facts.key.to_json())
        .text("language", lang)
        .text("piiPrincipalId", facts.kid)
        .put("piiControllers", Json::Array(vec![controller.done()]))
        .text("policyUrl", site.policy_url.as_deref().unwrap_or(""))
        .put("services", Json::Array(services))
        .flag("sensitive", !sensitive.is_empty())
        .put("spiCat", Json::Array(sensitive))
        .put("accord", accord)
        .done()
}

fn kind_name(kind: TrackerKind) -> &'static str {
    match kind {
        TrackerKind::Cookie => "cookie",
        TrackerKind::WebBeacon => "web beacon",
        TrackerKind::PixelTag => "pixel tag",
        TrackerKind::LocalStorage => "local storage",
    }
}

/// How long to wait, in ms, before trying again to deliver a receipt that has failed
/// `attempts` times: 1 s after the first failure, doubling up to a minute, plus `jitter` (0 to
/// 1, clamped) of a second so that many browsers do not retry in step. Doubled by a shift, not
/// `powf`: wasm has no pow instruction, and the software one with its 4 KB table of powers of
/// two was 3.3 KB of the wasm's gzip.
pub fn retry_delay_ms(attempts: u32, jitter: f64) -> u32 {
    let doublings = attempts.saturating_sub(1).min(6);
    (1000u32 << doublings).min(60_000) + (jitter.clamp(0.0, 1.0) * 1000.0) as u32
}

/// The protected header: ES256 with the signing key embedded, and its thumbprint as `kid`.
pub fn header(key: &PublicKey, kid: &str) -> Json {
    Members::new().text("alg", "ES256").text("typ", "accord-receipt+jws").text("kid", kid).put("jwk", key.to_json()).done()
}

/// `base64url(header) . base64url(payload)`, the bytes ES256 signs.
pub fn signing_input(header: &Json, payload: &Json) -> String {
    cat(&[&b64::encode(canon::to_string(header).as_bytes()), ".", &b64::encode(canon::to_string(payload).as_bytes())])
}

/// The compact JWS: the signing input and the signature (ES256: r || s, 64 bytes).
pub fn compact(signing_input: &str, signature: &[u8]) -> String {
    cat(&[signing_input, ".", &b64::encode(signature)])
}

/// The exact texts a visitor was shown in `texts.lang`, as canonical JSON: the interface
/// strings and every category and service text. Its SHA-256 goes into the receipt.
pub fn texts_shown(config: &Config, texts: &Texts) -> String {
    let lang = texts.lang.as_str();
    let mut ui = Vec::with_capacity(KEYS.len());
    for key in KEYS {
        ui.push((key.name().to_string(), s(texts.get(*key))));
    }
    let mut categories = Vec::new();
    for c in &config.categories {
        categories.push((c.id.clone(), titled("title", c.title.get(lang), &c.description, lang)));
    }
    let mut services = Vec::new();
    for sv in &config.services {
        services.push((sv.id.clone(), titled("name", &sv.name, &sv.description, lang)));
    }
    canon::to_string(&Members::new().put("ui", Json::Object(ui)).put("categories", Json::Object(categories)).put("services", Json::Object(services)).done())
}

/// `{"<field>": name, "description": …}`, the description when there is one.
fn titled(field: &str, name: &str, description: &Option<Text>, lang: &str) -> Json {
    let m = Members::new().text(field, name);
    match description {
        Some(d) => m.text("description", d.get(lang)),
        None => m,
    }
    .done()
}

#[cfg(test)]
mod tests;
