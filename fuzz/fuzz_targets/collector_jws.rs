//! The collector's front door: any body is read as a compact JWS and refused with a reason or
//! verified, never a panic; and any JSON object, taken as an already-verified payload, passes
//! or fails the receipt schema with a named field, never a panic.
#![no_main]

use accord_collector::jws::{self, Alg, Verified};
use accord_collector::schema::{check, Window};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let window = Window { future_s: 300, past_s: 400 * 86_400 };
    if let Ok(verified) = jws::verify(text) {
        let _ = check(&verified, 1_795_000_000_000, window);
    }
    if let Ok(serde_json::Value::Object(payload)) = serde_json::from_str::<serde_json::Value>(text) {
        let jwk = payload.get("publicKey").cloned().unwrap_or(serde_json::Value::Null);
        let kid = payload.get("piiPrincipalId").and_then(|v| v.as_str()).unwrap_or("").to_string();
        let verified = Verified { alg: Alg::Es256, kid, jwk, payload };
        if let Err(reject) = check(&verified, 1_795_000_000_000, window) {
            assert!(reject.message.contains("payload."), "a refusal names its field: {}", reject.message);
        }
    }
});
