//! Consent receipts (pure): the payload, shaped after the Kantara Consent Receipt v1.1 and
//! extended with Accord's record of the choice; the JWS header and signing input; the hash
//! chain. Signing, hashing and storage happen in the browser (WebCrypto, IndexedDB): this
//! module only builds the exact bytes they work on.

pub mod b64;
pub mod canon;

use crate::config::json::Json;
use crate::config::{Config, TrackerKind};
use crate::consent::{Consent, IdSet};
use crate::i18n::{Texts, KEYS};
use crate::message::{cat, decimal};

/// A P-256 public key as a JWK's base64url coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub x: String,
    pub y: String,
}

impl PublicKey {
    pub fn to_json(&self) -> Json {
        obj(vec![("crv", s("P-256")), ("kty", s("EC")), ("x", s(&self.x)), ("y", s(&self.y))])
    }

    /// The RFC 7638 thumbprint input: the required members, sorted, no white space. Its
    /// SHA-256, base64url, is the key id and the visitor's pseudonymous principal id.
    pub fn thumbprint_input(&self) -> String {
        canon::to_string(&self.to_json())
    }
}

/// How the choice was made, as the receipt records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Banner,
    Panel,
    Contextual,
    Api,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Banner => "banner",
            Method::Panel => "preference panel",
            Method::Contextual => "click-to-load",
            Method::Api => "site script",
        }
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

fn obj(members: Vec<(&str, Json)>) -> Json {
    Json::Object(members.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn strings<'a>(items: impl IntoIterator<Item = &'a String>) -> Json {
    Json::Array(items.into_iter().map(|i| s(i)).collect())
}

/// The receipt payload for `consent`.
pub fn payload(config: &Config, consent: &Consent, facts: &Facts) -> Json {
    let lang = facts.lang;
    let site = &config.site;
    let mut controller = vec![("piiController", s(&site.controller)), ("onBehalf", Json::Bool(false))];
    if let Some(contact) = &site.contact {
        controller.push(("contact", s(contact)));
    }
    if let Some(url) = &site.policy_url {
        controller.push(("url", s(url)));
    }
    let termination =
        cat(&["Until withdrawn (Privacy settings on the site) or after ", &decimal(config.cookie.expiry_days.into()), " days"]);
    let granted_services = config.services.iter().filter(|sv| consent.allows_service(&sv.id));
    let services: Vec<Json> = granted_services
        .map(|service| {
            let category = config.category(&service.category);
            let purpose = category.map_or(service.category.as_str(), |c| c.title.get(lang));
            let kinds: IdSet = service.cookies.iter().map(|c| kind_name(c.kind)).collect();
            let third_party = service.provider.as_ref().is_some_and(|p| p != &site.controller);
            let mut p = vec![
                ("purpose", s(purpose)),
                ("purposeCategory", Json::Array(vec![s(&service.category)])),
                ("consentType", s("EXPLICIT")),
                ("piiCategory", Json::Array(kinds.iter().map(|k| s(k)).collect())),
                ("primaryPurpose", Json::Bool(true)),
                ("termination", s(&termination)),
                ("thirdPartyDisclosure", Json::Bool(third_party)),
            ];
            if let (true, Some(provider)) = (third_party, &service.provider) {
                p.push(("thirdPartyName", s(provider)));
            }
            obj(vec![("service", s(&service.name)), ("serviceId", s(&service.id)), ("purposes", Json::Array(vec![obj(p)]))])
        })
        .collect();

    let sensitive: Vec<&String> = config
        .categories
        .iter()
        .filter(|c| c.separate_consent && consent.allows(&c.id))
        .map(|c| &c.id)
        .chain(config.services.iter().filter(|sv| sv.separate_consent && consent.allows_service(&sv.id)).map(|sv| &sv.id))
        .collect();
    let denied_categories = config.categories.iter().map(|c| &c.id).filter(|id| !consent.allows(id));
    let denied_services = config.services.iter().map(|sv| &sv.id).filter(|id| !consent.allows_service(id));

    let accord = obj(vec![
        ("configRevision", n(consent.revision)),
        ("collectedBy", s(facts.method.name())),
        (
            "granted",
            obj(vec![("categories", strings(&consent.granted)), ("services", strings(&consent.services))]),
        ),
        (
            "denied",
            obj(vec![("categories", strings(denied_categories)), ("services", strings(denied_services))]),
        ),
        ("textsSha256", s(facts.texts_sha256)),
        ("globalPrivacyControl", Json::Bool(facts.gpc)),
        ("prev", facts.prev.map_or(Json::Null, s)),
        ("timestampMs", n(consent.timestamp_ms)),
    ]);

    obj(vec![
        ("version", s("KI-CR-v1.1.0")),
        ("jurisdiction", s(site.jurisdiction.as_deref().unwrap_or(""))),
        ("consentTimestamp", n(consent.timestamp_ms / 1000)),
        ("collectionMethod", s(facts.method.name())),
        ("consentReceiptID", s(&consent.id)),
        ("publicKey", facts.key.to_json()),
        ("language", s(lang)),
        ("piiPrincipalId", s(facts.kid)),
        ("piiControllers", Json::Array(vec![obj(controller)])),
        ("policyUrl", s(site.policy_url.as_deref().unwrap_or(""))),
        ("services", Json::Array(services)),
        ("sensitive", Json::Bool(!sensitive.is_empty())),
        ("spiCat", strings(sensitive)),
        ("accord", accord),
    ])
}

fn kind_name(kind: TrackerKind) -> &'static str {
    match kind {
        TrackerKind::Cookie => "cookie",
        TrackerKind::WebBeacon => "web beacon",
        TrackerKind::PixelTag => "pixel tag",
        TrackerKind::LocalStorage => "local storage",
    }
}

/// The protected header: ES256 with the signing key embedded, and its thumbprint as `kid`.
pub fn header(key: &PublicKey, kid: &str) -> Json {
    obj(vec![("alg", s("ES256")), ("typ", s("accord-receipt+jws")), ("kid", s(kid)), ("jwk", key.to_json())])
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
    let ui: Vec<(String, Json)> = KEYS.iter().map(|k| (k.name().to_string(), s(texts.get(*k)))).collect();
    let categories: Vec<(String, Json)> = config
        .categories
        .iter()
        .map(|c| {
            let mut m = vec![("title", s(c.title.get(lang)))];
            if let Some(d) = &c.description {
                m.push(("description", s(d.get(lang))));
            }
            (c.id.clone(), obj(m))
        })
        .collect();
    let services: Vec<(String, Json)> = config
        .services
        .iter()
        .map(|sv| {
            let mut m = vec![("name", s(&sv.name))];
            if let Some(d) = &sv.description {
                m.push(("description", s(d.get(lang))));
            }
            (sv.id.clone(), obj(m))
        })
        .collect();
    canon::to_string(&obj(vec![
        ("ui", Json::Object(ui)),
        ("categories", Json::Object(categories)),
        ("services", Json::Object(services)),
    ]))
}

#[cfg(test)]
mod tests;
