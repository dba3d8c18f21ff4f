//! Reading and verifying a receipt's compact JWS: base64url parts, the protected header
//! (`alg` ES256 or EdDSA only, the signer's key embedded as `jwk`, `kid` its RFC 7638
//! thumbprint), and the signature. It knows nothing of what the payload means.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::reject::Reject;

/// A JWS whose signature checked out against the key in its own header.
#[derive(Debug, Clone)]
pub struct Verified {
    pub alg: Alg,
    /// The RFC 7638 thumbprint of the signer's key (the header's `kid`).
    pub kid: String,
    /// The signer's public key as it appeared in the header.
    pub jwk: Value,
    pub payload: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Es256,
    EdDsa,
}

impl Alg {
    pub fn name(self) -> &'static str {
        match self {
            Alg::Es256 => "ES256",
            Alg::EdDsa => "EdDSA",
        }
    }
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// base64url of SHA-256: how receipts name each other in the chain (`prev`).
pub fn sha256_b64(bytes: &[u8]) -> String {
    b64(&Sha256::digest(bytes))
}

fn unb64(part: &str, what: &'static str) -> Result<Vec<u8>, Reject> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| Reject::bad_request("bad_base64", format!("the JWS {what} is not base64url without padding: {e}")))
}

/// Checks everything that can be checked without knowing what a receipt is.
pub fn verify(compact: &str) -> Result<Verified, Reject> {
    let compact = compact.trim_end_matches(['\r', '\n']);
    let parts: Vec<&str> = compact.split('.').collect();
    let [header_b64, payload_b64, signature_b64] = parts[..] else {
        return Err(Reject::bad_request(
            "not_compact_jws",
            format!("a compact JWS has 3 parts separated by '.', this has {}", parts.len()),
        ));
    };
    let header_bytes = unb64(header_b64, "header")?;
    let payload_bytes = unb64(payload_b64, "payload")?;
    let signature = unb64(signature_b64, "signature")?;

    let header: Map<String, Value> = serde_json::from_slice(&header_bytes)
        .map_err(|e| Reject::bad_request("bad_header", format!("the JWS header is not a JSON object: {e}")))?;
    let alg = match header.get("alg").and_then(Value::as_str) {
        Some("ES256") => Alg::Es256,
        Some("EdDSA") => Alg::EdDsa,
        Some("none") => return Err(Reject::bad_request("alg_refused", "alg \"none\" is refused: receipts must be signed")),
        Some(other) => {
            return Err(Reject::bad_request(
                "alg_refused",
                format!("alg {other:?} is refused: only ES256 and EdDSA (keys in the header) are accepted"),
            ))
        }
        None => return Err(Reject::bad_request("bad_header", "the JWS header has no \"alg\"")),
    };
    if let Some(crit) = header.get("crit") {
        return Err(Reject::bad_request("bad_header", format!("header.crit: extensions {crit} are not understood")));
    }
    let jwk = header
        .get("jwk")
        .and_then(Value::as_object)
        .ok_or_else(|| Reject::bad_request("bad_header", "header.jwk: the signer's public key is missing"))?;
    if jwk.contains_key("d") {
        return Err(Reject::bad_request("bad_header", "header.jwk: holds a private key (\"d\"); send the public key only"));
    }
    let key = PublicKey::from_jwk(alg, jwk)?;
    let thumbprint = key.thumbprint();
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or_else(|| Reject::bad_request("bad_header", "header.kid: missing; it must be the RFC 7638 thumbprint of header.jwk"))?;
    if kid != thumbprint {
        return Err(Reject::bad_request(
            "kid_mismatch",
            format!("header.kid {kid:?} is not the RFC 7638 thumbprint of header.jwk ({thumbprint:?})"),
        ));
    }
    let signing_input = &compact[..header_b64.len() + 1 + payload_b64.len()];
    key.verify(signing_input.as_bytes(), &signature)?;

    let payload: Map<String, Value> = serde_json::from_slice(&payload_bytes)
        .map_err(|e| Reject::bad_request("bad_payload", format!("the JWS payload is not a JSON object: {e}")))?;
    Ok(Verified { alg, kid: thumbprint, jwk: Value::Object(jwk.clone()), payload })
}

/// A signer's public key, from a JWK of the kind its `alg` needs.
enum PublicKey {
    P256 { x: String, y: String, key: p256::ecdsa::VerifyingKey },
    Ed25519 { x: String, key: ed25519_dalek::VerifyingKey },
}

fn member<'a>(jwk: &'a Map<String, Value>, name: &str) -> Result<&'a str, Reject> {
    jwk.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Reject::bad_request("bad_header", format!("header.jwk.{name}: missing or not a string")))
}

fn coordinate(jwk: &Map<String, Value>, name: &str) -> Result<[u8; 32], Reject> {
    let bytes = URL_SAFE_NO_PAD
        .decode(member(jwk, name)?)
        .map_err(|e| Reject::bad_request("bad_base64", format!("header.jwk.{name} is not base64url: {e}")))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| Reject::bad_request("bad_header", format!("header.jwk.{name}: {} bytes, 32 expected", b.len())))
}

impl PublicKey {
    fn from_jwk(alg: Alg, jwk: &Map<String, Value>) -> Result<PublicKey, Reject> {
        let (kty, crv) = (member(jwk, "kty")?, member(jwk, "crv")?);
        match (alg, kty, crv) {
            (Alg::Es256, "EC", "P-256") => {
                let (x, y) = (coordinate(jwk, "x")?, coordinate(jwk, "y")?);
                let point = p256::EncodedPoint::from_affine_coordinates(&x.into(), &y.into(), false);
                let key = p256::ecdsa::VerifyingKey::from_encoded_point(&point)
                    .map_err(|_| Reject::bad_request("bad_header", "header.jwk: x and y are not a point on P-256"))?;
                Ok(PublicKey::P256 { x: member(jwk, "x")?.to_string(), y: member(jwk, "y")?.to_string(), key })
            }
            (Alg::EdDsa, "OKP", "Ed25519") => {
                let x = coordinate(jwk, "x")?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(&x)
                    .map_err(|_| Reject::bad_request("bad_header", "header.jwk.x is not an Ed25519 public key"))?;
                Ok(PublicKey::Ed25519 { x: member(jwk, "x")?.to_string(), key })
            }
            (alg, kty, crv) => Err(Reject::bad_request(
                "bad_header",
                format!("header.jwk: a {kty}/{crv} key cannot verify {}", alg.name()),
            )),
        }
    }

    /// RFC 7638: SHA-256 of the required members, in lexicographic order, without white space.
    fn thumbprint(&self) -> String {
        let input = match self {
            PublicKey::P256 { x, y, .. } => format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#),
            PublicKey::Ed25519 { x, .. } => format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#),
        };
        sha256_b64(input.as_bytes())
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Reject> {
        let bad = || Reject::bad_request("bad_signature", "the signature does not verify with header.jwk");
        match self {
            PublicKey::P256 { key, .. } => {
                use p256::ecdsa::signature::Verifier;
                let signature = p256::ecdsa::Signature::from_slice(signature).map_err(|_| {
                    Reject::bad_request("bad_signature", format!("an ES256 signature is 64 bytes (r || s), this is {}", signature.len()))
                })?;
                key.verify(message, &signature).map_err(|_| bad())
            }
            PublicKey::Ed25519 { key, .. } => {
                let signature = ed25519_dalek::Signature::from_slice(signature).map_err(|_| {
                    Reject::bad_request("bad_signature", format!("an EdDSA signature is 64 bytes, this is {}", signature.len()))
                })?;
                key.verify_strict(message, &signature).map_err(|_| bad())
            }
        }
    }
}

/// The thumbprint of a JWK given as JSON, for callers that hold one (the server's own key).
pub fn thumbprint_ed25519(x_b64: &str) -> String {
    sha256_b64(format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x_b64}"}}"#).as_bytes())
}
