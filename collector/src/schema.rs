//! What a receipt payload must hold (Kantara Consent Receipt v1.1 fields, and Accord's
//! `accord` extension when present), checked field by field, and the facts the store keeps
//! from it. Every error names the field.

use serde_json::{Map, Value};

use crate::jws::Verified;
use crate::reject::Reject;

/// A verified receipt, reduced to what is indexed and checked.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub id: String,
    /// The pseudonymous principal: the signer's key thumbprint.
    pub principal: String,
    /// When consent was given, from the payload (ms since the epoch).
    pub consented_at_ms: i64,
    /// `accord.prev`: the base64url SHA-256 of this browser's previous receipt, if any.
    pub prev: Option<String>,
    /// Whether the payload carries Accord's extension (and so takes part in the chain).
    pub chained: bool,
    pub granted_categories: Vec<String>,
    pub denied_categories: Vec<String>,
    pub language: String,
    pub collection_method: String,
}

/// How far a receipt's time may be from the server's clock.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Ahead of the server clock (clock skew), in seconds.
    pub future_s: i64,
    /// Behind it (a receipt waiting in an outbox), in seconds.
    pub past_s: i64,
}

fn field<'a>(payload: &'a Map<String, Value>, name: &str) -> Result<&'a Value, Reject> {
    payload.get(name).ok_or_else(|| Reject::bad_request("bad_payload", format!("payload.{name}: missing")))
}

fn string<'a>(payload: &'a Map<String, Value>, name: &str) -> Result<&'a str, Reject> {
    field(payload, name)?
        .as_str()
        .ok_or_else(|| Reject::bad_request("bad_payload", format!("payload.{name}: must be a string")))
}

fn non_empty<'a>(payload: &'a Map<String, Value>, name: &str) -> Result<&'a str, Reject> {
    let s = string(payload, name)?;
    if s.trim().is_empty() {
        return Err(Reject::bad_request("bad_payload", format!("payload.{name}: must not be empty")));
    }
    Ok(s)
}

fn strings(value: Option<&Value>, path: &str) -> Result<Vec<String>, Reject> {
    let bad = || Reject::bad_request("bad_payload", format!("payload.{path}: must be an array of strings"));
    let items = value.and_then(Value::as_array).ok_or_else(bad)?;
    items.iter().map(|v| v.as_str().map(str::to_string).ok_or_else(bad)).collect()
}

/// A UUID v4 in its canonical lower- or upper-case hyphenated form.
pub fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { *c == b'-' } else { c.is_ascii_hexdigit() })
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}

fn is_hash(s: &str) -> bool {
    s.len() == 43 && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

pub fn check(verified: &Verified, now_ms: i64, window: Window) -> Result<Receipt, Reject> {
    let p = &verified.payload;
    let version = non_empty(p, "version")?;
    if !version.starts_with("KI-CR-v1.1") {
        return Err(Reject::bad_request("bad_payload", format!("payload.version: {version:?}, expected KI-CR-v1.1.x")));
    }
    string(p, "jurisdiction")?;
    let collection_method = non_empty(p, "collectionMethod")?.to_string();
    let id = non_empty(p, "consentReceiptID")?;
    if !is_uuid_v4(id) {
        return Err(Reject::bad_request("bad_payload", format!("payload.consentReceiptID: {id:?} is not a UUID v4")));
    }
    if field(p, "publicKey")? != &verified.jwk {
        return Err(Reject::bad_request("bad_payload", "payload.publicKey: is not the key that signed (header.jwk)"));
    }
    let language = non_empty(p, "language")?.to_string();
    let principal = non_empty(p, "piiPrincipalId")?;
    if principal != verified.kid {
        return Err(Reject::bad_request(
            "bad_payload",
            format!("payload.piiPrincipalId: {principal:?} is not the signer's key thumbprint ({:?})", verified.kid),
        ));
    }
    let controllers = field(p, "piiControllers")?.as_array().filter(|a| !a.is_empty()).ok_or_else(|| {
        Reject::bad_request("bad_payload", "payload.piiControllers: must be a non-empty array")
    })?;
    for (i, c) in controllers.iter().enumerate() {
        let name = c.get("piiController").and_then(Value::as_str).unwrap_or("");
        if name.trim().is_empty() {
            return Err(Reject::bad_request("bad_payload", format!("payload.piiControllers[{i}].piiController: missing")));
        }
    }
    string(p, "policyUrl")?;
    let services = field(p, "services")?
        .as_array()
        .ok_or_else(|| Reject::bad_request("bad_payload", "payload.services: must be an array"))?;
    for (i, service) in services.iter().enumerate() {
        if service.get("service").and_then(Value::as_str).is_none() {
            return Err(Reject::bad_request("bad_payload", format!("payload.services[{i}].service: missing")));
        }
        let purposes = service
            .get("purposes")
            .and_then(Value::as_array)
            .ok_or_else(|| Reject::bad_request("bad_payload", format!("payload.services[{i}].purposes: must be an array")))?;
        for (j, purpose) in purposes.iter().enumerate() {
            for name in ["consentType", "termination"] {
                if purpose.get(name).and_then(Value::as_str).is_none() {
                    return Err(Reject::bad_request("bad_payload", format!("payload.services[{i}].purposes[{j}].{name}: missing")));
                }
            }
            if purpose.get("thirdPartyDisclosure").and_then(Value::as_bool).is_none() {
                return Err(Reject::bad_request(
                    "bad_payload",
                    format!("payload.services[{i}].purposes[{j}].thirdPartyDisclosure: must be true or false"),
                ));
            }
        }
    }
    if field(p, "sensitive")?.as_bool().is_none() {
        return Err(Reject::bad_request("bad_payload", "payload.sensitive: must be true or false"));
    }
    strings(p.get("spiCat"), "spiCat")?;

    let seconds = field(p, "consentTimestamp")?.as_i64().filter(|s| *s >= 0).ok_or_else(|| {
        Reject::bad_request("bad_payload", "payload.consentTimestamp: must be a whole number of seconds since 1970")
    })?;
    let mut consented_at_ms = seconds.saturating_mul(1000);
    let (mut prev, mut chained) = (None, false);
    let (mut granted_categories, mut denied_categories) = (Vec::new(), Vec::new());
    if let Some(ext) = p.get("accord") {
        let ext = ext.as_object().ok_or_else(|| Reject::bad_request("bad_payload", "payload.accord: must be an object"))?;
        chained = true;
        prev = match ext.get("prev") {
            Some(Value::Null) => None,
            Some(Value::String(h)) if is_hash(h) => Some(h.clone()),
            _ => {
                return Err(Reject::bad_request(
                    "bad_payload",
                    "payload.accord.prev: must be null or the base64url SHA-256 of the previous receipt",
                ))
            }
        };
        if let Some(ms) = ext.get("timestampMs") {
            let ms = ms.as_i64().filter(|ms| ms.div_euclid(1000) == seconds).ok_or_else(|| {
                Reject::bad_request("bad_payload", "payload.accord.timestampMs: must be consentTimestamp in milliseconds")
            })?;
            consented_at_ms = ms;
        }
        let side = |name: &str| ext.get(name).and_then(|g| g.get("categories"));
        granted_categories = strings(side("granted"), "accord.granted.categories")?;
        denied_categories = strings(side("denied"), "accord.denied.categories")?;
    }

    let ahead_s = (consented_at_ms - now_ms) / 1000;
    if ahead_s > window.future_s {
        return Err(Reject::bad_request(
            "bad_timestamp",
            format!("payload.consentTimestamp: {seconds} is {ahead_s} s in the future (allowed clock skew: {} s)", window.future_s),
        ));
    }
    let behind_s = (now_ms - consented_at_ms) / 1000;
    if behind_s > window.past_s {
        return Err(Reject::bad_request(
            "bad_timestamp",
            format!("payload.consentTimestamp: {seconds} is {behind_s} s old (receipts are taken up to {} s late)", window.past_s),
        ));
    }

    Ok(Receipt {
        id: id.to_ascii_lowercase(),
        principal: principal.to_string(),
        consented_at_ms,
        prev,
        chained,
        granted_categories,
        denied_categories,
        language,
        collection_method,
    })
}
