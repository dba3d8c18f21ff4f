//! The visitor's signing key and the hashing and signing receipts need, through WebCrypto.
//! The private key is generated non-extractable and kept in IndexedDB as a CryptoKey: no
//! script, the site's included, can read it out, so no one else can sign as this browser.

use std::future::Future;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CryptoKey, SubtleCrypto};

use super::js::{get, object, text};
use super::{idb, page, task, Context, DomError};
use crate::receipt::{b64, PublicKey};

/// The private key, its public half and its thumbprint (`kid`).
pub struct VisitorKey {
    pub private: CryptoKey,
    pub public: PublicKey,
    pub kid: String,
}

/// `crypto.subtle`: undefined outside a secure context (see [`ready`]).
fn subtle() -> SubtleCrypto {
    get(&get(&page::window(), "crypto"), "subtle").unchecked_into()
}

/// Whether this page has WebCrypto, which browsers offer only in a secure context: a page
/// served over plain http (other than from localhost) has none, so its choices cannot be
/// signed. Without this, the failure named only an undefined `generateKey`. `kept`: whether
/// the choices to sign wait in localStorage; one that localStorage would not keep (blocked,
/// as where the browser keeps no data for the site, or full) is lost, and the error says so.
pub fn ready(kept: bool) -> Result<(), DomError> {
    if subtle().is_undefined() {
        let detail = if kept {
            "WebCrypto is only in secure contexts (https), and this page is not one; its choices wait unsigned in localStorage"
        } else {
            "WebCrypto is only in secure contexts (https), and this page is not one; localStorage would not keep this choice (blocked or full), so it has no receipt"
        };
        return Err(DomError { action: "sign", detail: detail.into() });
    }
    Ok(())
}

/// The bytes `promise` fulfils with (a digest or a signature), or the error of making it.
/// (One future for both: each as an `async fn` of its own was another state machine.)
async fn bytes(promise: Result<js_sys::Promise, DomError>, action: &'static str) -> Result<Vec<u8>, DomError> {
    let buffer = task::settled(&promise?).await.context(action)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

pub fn sha256(data: &[u8]) -> impl Future<Output = Result<Vec<u8>, DomError>> {
    bytes(subtle().digest_with_str_and_u8_array("SHA-256", data).context("hash"), "hash")
}

/// ES256: ECDSA P-256 with SHA-256; WebCrypto returns r || s, which is what JWS wants.
pub fn sign(key: &CryptoKey, data: &[u8]) -> impl Future<Output = Result<Vec<u8>, DomError>> {
    let algorithm = object(&[("name", &"ECDSA".into()), ("hash", &"SHA-256".into())]);
    bytes(subtle().sign_with_object_and_u8_array(&algorithm, key, data).context("sign a receipt"), "sign a receipt")
}

/// The visitor's key from `db` (IndexedDB, or the page view's memory: see [`idb::open`]),
/// made on first use. A new key takes its place with `add`,
/// which fails where one is stored: another tab of the site may have made and stored one in the
/// meantime. Then that key is read and used, so one browser has one key (`piiPrincipalId`).
pub async fn visitor_key(db: &idb::Store) -> Result<VisitorKey, DomError> {
    let mut failed = None;
    loop {
        let stored = idb::get(db, idb::KEYS, &"visitor".into()).await?;
        if let Ok(private) = get(&stored, "private").dyn_into::<CryptoKey>() {
            let public = PublicKey {
                x: text(&stored, "x"),
                y: text(&stored, "y"),
            };
            let kid = text(&stored, "kid");
            return Ok(VisitorKey { private, public, kid });
        }
        // A write that failed with no key stored is a real failure; so is a key that was
        // stored but does not read back. (So this runs twice at the most.)
        if let Some(e) = failed {
            return Err(e);
        }
        let algorithm = object(&[("name", &"ECDSA".into()), ("namedCurve", &"P-256".into())]);
        let usages = js_sys::Array::of1(&"sign".into());
        // extractable = false: the private key can be used, never read.
        let promise = subtle().generate_key_with_object(&algorithm, false, &usages).context("make a signing key")?;
        let pair = task::settled(&promise).await.context("make a signing key")?;
        // A CryptoKeyPair. (Its keys only go to calls that catch: sign, exportKey, IndexedDB.)
        let private: CryptoKey = get(&pair, "privateKey").unchecked_into();
        let public_key: CryptoKey = get(&pair, "publicKey").unchecked_into();
        let jwk = task::settled(&subtle().export_key("jwk", &public_key).context("export the public key")?)
            .await
            .context("export the public key")?;
        let public = PublicKey {
            x: text(&jwk, "x"),
            y: text(&jwk, "y"),
        };
        let kid = b64::encode(&sha256(public.thumbprint_input().as_bytes()).await?);
        let record = object(&[
            ("private", &private),
            ("x", &JsValue::from_str(&public.x)),
            ("y", &JsValue::from_str(&public.y)),
            ("kid", &JsValue::from_str(&kid)),
        ]);
        // Stored, it is read back at the top, as another tab's would be. A record that is not a
        // key (written by something else) is replaced.
        failed = Some(match idb::write(db, idb::KEYS, &"visitor".into(), &record, !stored.is_undefined()).await {
            Ok(_) => DomError { action: "keep the signing key", detail: "IndexedDB did not give it back".into() },
            Err(e) => e,
        });
    }
}
