//! The collector's own Ed25519 key: it countersigns every stored receipt and every erasure
//! tombstone (EdDSA compact JWS), and is published as a JWK Set at `/.well-known/jwks.json`
//! so anyone can check that the collector received what it claims.

use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};

use crate::jws::{b64, thumbprint_ed25519};

pub struct ServerKey {
    key: SigningKey,
    kid: String,
}

impl ServerKey {
    pub fn from_seed(seed: [u8; 32]) -> ServerKey {
        let key = SigningKey::from_bytes(&seed);
        let kid = thumbprint_ed25519(&b64(key.verifying_key().as_bytes()));
        ServerKey { key, kid }
    }

    pub fn generate() -> Result<[u8; 32], getrandom::Error> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed)?;
        Ok(seed)
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn public_jwk(&self) -> Value {
        json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64(self.key.verifying_key().as_bytes()),
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        })
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.public_jwk()] })
    }

    /// A compact JWS over `claims`, with `typ` saying what is countersigned.
    pub fn sign(&self, typ: &str, claims: &Value) -> String {
        let header = json!({ "alg": "EdDSA", "kid": self.kid, "typ": typ });
        let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", b64(&signature.to_bytes()))
    }
}
