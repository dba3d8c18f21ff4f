//! Receipts made outside a browser, shaped as Accord's are (ES256, the key in the header, a
//! hash chain per signer): for the collector's tests, its load generator and its crash test.
//! Each `Signer` is one pseudonymous visitor.

use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};

use crate::jws::{b64, sha256_b64};

pub struct Signer {
    key: SigningKey,
    jwk: Value,
    kid: String,
    /// The hash of the last receipt made, which the next one names.
    pub prev: Option<String>,
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The tools that mint receipts cannot go on without randomness.
    getrandom::getrandom(&mut bytes).expect("the system's random source");
    bytes
}

pub fn uuid_v4() -> String {
    let mut b: [u8; 16] = random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

impl Default for Signer {
    fn default() -> Signer {
        Signer::new()
    }
}

impl Signer {
    pub fn new() -> Signer {
        let key = loop {
            if let Ok(key) = SigningKey::from_bytes(&random::<32>().into()) {
                break key;
            }
        };
        let point = key.verifying_key().to_encoded_point(false);
        let (x, y) = (b64(point.x().map_or(&[][..], |x| &x[..])), b64(point.y().map_or(&[][..], |y| &y[..])));
        let kid = sha256_b64(format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#).as_bytes());
        Signer { key, jwk: json!({ "kty": "EC", "crv": "P-256", "x": x, "y": y }), kid, prev: None }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn header(&self) -> Value {
        json!({ "alg": "ES256", "typ": "accord-receipt+jws", "kid": self.kid, "jwk": self.jwk })
    }

    /// A receipt payload granting `granted` at `timestamp_ms`, chained to `self.prev`.
    pub fn payload(&self, id: &str, timestamp_ms: i64, granted: &[&str]) -> Value {
        let denied: Vec<&str> = ["analytics", "marketing", "preferences"].into_iter().filter(|c| !granted.contains(c)).collect();
        json!({
            "version": "KI-CR-v1.1.0",
            "jurisdiction": "CN",
            "consentTimestamp": timestamp_ms.div_euclid(1000),
            "collectionMethod": "banner",
            "consentReceiptID": id,
            "publicKey": self.jwk,
            "language": "zh-CN",
            "piiPrincipalId": self.kid,
            "piiControllers": [{ "piiController": "Longjing Tea House", "onBehalf": false }],
            "policyUrl": "/privacy.html",
            "services": [{
                "service": "Site statistics",
                "serviceId": "site-stats",
                "purposes": [{
                    "purpose": "Analytics",
                    "purposeCategory": ["analytics"],
                    "consentType": "EXPLICIT",
                    "piiCategory": ["cookie"],
                    "primaryPurpose": true,
                    "termination": "Until withdrawn or after 180 days",
                    "thirdPartyDisclosure": false
                }]
            }],
            "sensitive": false,
            "spiCat": [],
            "accord": {
                "configRevision": 1,
                "collectedBy": "banner",
                "granted": { "categories": granted, "services": [] },
                "denied": { "categories": denied, "services": [] },
                "textsSha256": sha256_b64(b"texts"),
                "globalPrivacyControl": false,
                "prev": self.prev,
                "timestampMs": timestamp_ms
            }
        })
    }

    /// Signs any header and payload as they are (tests use this to make bad receipts).
    pub fn sign(&self, header: &Value, payload: &Value) -> String {
        let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(payload.to_string().as_bytes()));
        let signature: Signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", b64(&signature.to_bytes()))
    }

    /// The next receipt of this visitor's chain, made now.
    pub fn next(&mut self, timestamp_ms: i64) -> (String, String) {
        let id = uuid_v4();
        let jws = self.sign(&self.header(), &self.payload(&id, timestamp_ms, &["analytics", "necessary"]));
        self.prev = Some(sha256_b64(jws.as_bytes()));
        (id, jws)
    }
}
