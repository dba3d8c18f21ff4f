//! Config reading and validation: any text either becomes a Config or a list of errors, never a
//! panic; a valid config yields texts in each of its languages; and JSON that reads back after
//! canonical serialisation reads back the same.
#![no_main]

use accord::config::{json, Config};
use accord::receipt::canon;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(doc) = json::parse(text) {
        let once = canon::to_string(&doc);
        let again = json::parse(&once).expect("canonical JSON reads back");
        assert_eq!(canon::to_string(&again), once, "canonical JSON is a fixed point");
    }
    if let Ok(config) = Config::parse(text) {
        for lang in &config.languages {
            let texts = accord::i18n::texts(&config, lang);
            let _ = accord::receipt::texts_shown(&config, &texts);
        }
    }
});
