//! Consent-cookie decoding: any cookie value decodes or is refused with a reason, never a panic;
//! what decodes encodes back to the very same text (the format is canonical).
#![no_main]

use accord::consent::Consent;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(consent) = Consent::decode(text) {
        let encoded = consent.encode();
        assert_eq!(encoded, text, "a decoded cookie encodes back to itself");
        assert_eq!(Consent::decode(&encoded), Ok(consent));
    }
});
