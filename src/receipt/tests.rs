use super::*;
use crate::consent::Choice;
use crate::i18n;

const ID: &str = "3f2b8c1e-9a4d-4c6e-8f00-123456789abc";

fn config() -> Config {
    Config::parse(include_str!("../../www/accord-config.json")).unwrap()
}

fn key() -> PublicKey {
    PublicKey { x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU".into(), y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0".into() }
}

fn facts<'a>(key: &'a PublicKey, prev: Option<&'a str>) -> Facts<'a> {
    Facts { lang: "en", method: Method::Banner, key, kid: "kid-1", texts_sha256: "h", gpc: false, prev }
}

fn member<'a>(v: &'a Json, name: &str) -> &'a Json {
    let Json::Object(m) = v else { panic!("not an object") };
    &m.iter().find(|(k, _)| k == name).unwrap_or_else(|| panic!("no {name}")).1
}

#[test]
fn the_thumbprint_input_is_the_rfc_7638_form() {
    assert_eq!(
        key().thumbprint_input(),
        r#"{"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#
    );
}

#[test]
fn the_payload_has_the_kantara_fields_and_the_choice() {
    let consent = Consent::new(&config(), &Choice::Categories(vec!["analytics".into()]), ID.into(), 1_790_000_000_123).unwrap();
    let k = key();
    let p = payload(&config(), &consent, &facts(&k, Some("prevhash")));
    for field in [
        "version", "jurisdiction", "consentTimestamp", "collectionMethod", "consentReceiptID", "publicKey", "language",
        "piiPrincipalId", "piiControllers", "policyUrl", "services", "sensitive", "spiCat",
    ] {
        member(&p, field);
    }
    assert_eq!(member(&p, "consentReceiptID"), &Json::String(ID.into()));
    assert_eq!(member(&p, "consentTimestamp"), &Json::Number("1790000000".into()));
    assert_eq!(member(&p, "jurisdiction"), &Json::String("CN".into()));
    let accord = member(&p, "accord");
    assert_eq!(member(accord, "prev"), &Json::String("prevhash".into()));
    assert_eq!(canon::to_string(member(member(accord, "granted"), "categories")), r#"["analytics","necessary"]"#);
    assert_eq!(
        canon::to_string(member(member(accord, "denied"), "categories")),
        r#"["preferences","marketing","personalised"]"#
    );
    let services = canon::to_string(member(&p, "services"));
    assert!(services.contains(r#""serviceId":"site-stats""#) && !services.contains("ad-pixel"), "{services}");
    assert_eq!(member(&p, "sensitive"), &Json::Bool(false));
}

#[test]
fn separate_consent_marks_the_receipt_sensitive() {
    let choice = Choice::Exactly { categories: vec!["personalised".into()], services: vec!["recommend".into()] };
    let consent = Consent::new(&config(), &choice, ID.into(), 1).unwrap();
    let k = key();
    let p = payload(&config(), &consent, &facts(&k, None));
    assert_eq!(member(&p, "sensitive"), &Json::Bool(true));
    assert_eq!(canon::to_string(member(&p, "spiCat")), r#"["personalised"]"#);
    assert_eq!(member(member(&p, "accord"), "prev"), &Json::Null);
}

#[test]
fn the_same_consent_always_gives_the_same_bytes() {
    let consent = Consent::new(&config(), &Choice::AcceptAll, ID.into(), 5).unwrap();
    let k = key();
    let a = signing_input(&header(&k, "kid-1"), &payload(&config(), &consent, &facts(&k, None)));
    let b = signing_input(&header(&k, "kid-1"), &payload(&config(), &consent, &facts(&k, None)));
    assert_eq!(a, b);
    let (h, _) = a.split_once('.').unwrap();
    let header_json = String::from_utf8(b64::decode(h).unwrap()).unwrap();
    assert!(header_json.starts_with(r#"{"alg":"ES256","jwk":{"crv":"P-256""#), "{header_json}");
    assert_eq!(compact("a.b", &[0xfb, 0xff]), "a.b.-_8");
}

#[test]
fn texts_shown_differ_by_language_and_cover_the_site_texts() {
    let c = config();
    let en = texts_shown(&c, &i18n::texts(&c, "en"));
    let zh = texts_shown(&c, &i18n::texts(&c, "zh-CN"));
    assert_ne!(en, zh);
    assert!(en.contains("\"Accept all\"") && en.contains("Count visits with cookies"));
    assert!(zh.contains("全部接受") && zh.contains("统计分析"));
}

/// The exact bytes a receipt signs and the texts it hashes, fixed: a verifier that rebuilds
/// them from the same config and choice must get the same, so a refactor must not change them. (They follow www/accord-config.json: a change to
/// the demo's config means writing them again.)
#[test]
fn the_payload_and_the_texts_are_byte_for_byte_stable() {
    let c = config();
    let k = key();
    let cases = [
        (Choice::AcceptAll, include_str!("golden/accept-all.json")),
        (Choice::Exactly { categories: vec!["personalised".into()], services: vec!["recommend".into()] }, include_str!("golden/separate.json")),
    ];
    for (choice, expected) in cases {
        let consent = Consent::new(&c, &choice, ID.into(), 1_790_000_000_123).unwrap();
        assert_eq!(canon::to_string(&payload(&c, &consent, &facts(&k, Some("p")))), expected.trim_end());
    }
    assert_eq!(texts_shown(&c, &i18n::texts(&c, "zh-CN")), include_str!("golden/texts-zh-CN.json").trim_end());
}

#[test]
fn retries_wait_a_second_then_double_up_to_a_minute_plus_jitter() {
    let waits: Vec<u32> = (1..=9).map(|attempts| retry_delay_ms(attempts, 0.0)).collect();
    assert_eq!(waits, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    assert_eq!(retry_delay_ms(0, 0.0), 1_000, "no failure counted yet: the first wait");
    assert_eq!(retry_delay_ms(u32::MAX, 0.0), 60_000, "never more than a minute, never an overflow");
    assert_eq!(retry_delay_ms(3, 0.5), 4_500);
    assert_eq!(retry_delay_ms(7, 0.999), 60_999);
    assert_eq!(retry_delay_ms(1, 7.0), 2_000, "jitter is at most a second");
    assert_eq!(retry_delay_ms(1, -1.0), 1_000);
    assert_eq!(retry_delay_ms(1, f64::NAN), 1_000, "a NaN jitter adds nothing");
}

#[test]
fn separately_granted_categories_come_before_services_and_the_denied_are_listed_by_kind() {
    // `ad-partners` needs separate consent, in `marketing`; `personalised` needs it as a category.
    let choice = Choice::Exactly {
        categories: vec!["marketing".into(), "personalised".into()],
        services: vec!["ad-pixel".into(), "ad-partners".into(), "recommend".into()],
    };
    let consent = Consent::new(&config(), &choice, ID.into(), 1).unwrap();
    let k = key();
    let p = payload(&config(), &consent, &facts(&k, None));
    assert_eq!(member(&p, "sensitive"), &Json::Bool(true));
    assert_eq!(canon::to_string(member(&p, "spiCat")), r#"["personalised","ad-partners"]"#);
    let denied = member(member(&p, "accord"), "denied");
    assert_eq!(canon::to_string(member(denied, "categories")), r#"["preferences","analytics"]"#);
    assert_eq!(canon::to_string(member(denied, "services")), r#"["lang","site-stats","tea-video"]"#);
}
