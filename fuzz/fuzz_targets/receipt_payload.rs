//! Receipt payloads: for any valid config (the input, or the demo's) and any choice the input
//! describes, the payload builds, and its canonical JSON reads back as JSON.
#![no_main]

use accord::config::{json, Config};
use accord::consent::{Choice, Consent};
use accord::receipt::{canon, payload, Facts, Method, PublicKey};
use libfuzzer_sys::fuzz_target;

const DEMO: &str = include_str!("../../www/accord-config.json");

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let config = Config::parse(&text).or_else(|_| Config::parse(DEMO)).expect("the demo config is valid");
    // Which categories and services the visitor chose: one bit each, from the input.
    let pick = |i: usize| rest.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0);
    let categories: Vec<String> = config.categories.iter().enumerate().filter(|(i, _)| pick(*i)).map(|(_, c)| c.id.clone()).collect();
    let services: Vec<String> = config.services.iter().enumerate().filter(|(i, _)| pick(i + 7)).map(|(_, s)| s.id.clone()).collect();
    let choice = match flags % 4 {
        0 => Choice::AcceptAll,
        1 => Choice::RejectAll,
        2 => Choice::Categories(categories),
        _ => Choice::Exactly { categories, services },
    };
    let timestamp = u64::from_le_bytes(rest.iter().copied().chain([0; 8]).take(8).collect::<Vec<_>>().try_into().unwrap_or([0; 8]));
    let Ok(consent) = Consent::new(&config, &choice, "3f2b8c1e-9a4d-4c6e-8f00-123456789abc".into(), timestamp % 4_102_444_800_000) else {
        return;
    };
    let key = PublicKey { x: String::from_utf8_lossy(&rest[..rest.len().min(43)]).into_owned(), y: "y".into() };
    let lang = if flags & 4 == 0 { "en" } else { "zh-CN" };
    let prev = (flags & 8 != 0).then(|| text.chars().take(60).collect::<String>());
    let facts = Facts { lang, method: Method::Panel, key: &key, kid: "kid", texts_sha256: "h", gpc: flags & 16 != 0, prev: prev.as_deref() };
    let out = canon::to_string(&payload(&config, &consent, &facts));
    let back = json::parse(&out).expect("a receipt payload is JSON");
    assert_eq!(canon::to_string(&back), out);
});
