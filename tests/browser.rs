//! In-browser tests of the shell (wasm-bindgen-test in headless Chromium): gated-script
//! activation, the consent cookie, and a whole boot -> click -> stored choice cycle.
#![cfg(target_arch = "wasm32")]

use accord::browser::{cookie, gate, page, task};
use accord::config::Config;
use accord::consent::{Choice, Consent};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

const DEMO: &str = include_str!("../www/accord-config.json");
const ID: &str = "3f2b8c1e-9a4d-4c6e-8f00-123456789abc";

fn fixture(html: &str) -> Element {
    let doc = page::document();
    let div = doc.create_element("div").unwrap();
    div.set_inner_html(html);
    doc.body().unwrap().append_child(&div).unwrap();
    div
}

fn order() -> Vec<String> {
    let w = page::window();
    let list = js_sys::Reflect::get(&w, &"__order".into()).unwrap();
    js_sys::Array::from(&list).iter().filter_map(|v| v.as_string()).collect()
}

fn reset_order() {
    js_sys::Reflect::set(&page::window(), &"__order".into(), &js_sys::Array::new()).unwrap();
}

#[wasm_bindgen_test]
async fn gated_scripts_run_in_document_order_only_when_allowed() {
    reset_order();
    let div = fixture(concat!(
        r#"<script type="text/plain" data-category="analytics" src="data:text/javascript,__order.push('analytics-external')"></script>"#,
        r#"<script type="text/plain" data-category="analytics">__order.push('analytics-inline')</script>"#,
        r#"<script type="text/plain" data-category="marketing" id="m">__order.push('marketing')</script>"#,
        r#"<script type="text/plain" data-category="necessary">__order.push('necessary')</script>"#,
        r#"<script type="text/plain" data-category="nope" id="u">__order.push('unknown')</script>"#,
    ));
    let doc = page::document();
    let config = Config::parse(DEMO).unwrap();
    let consent = Consent::new(&config, &Choice::Categories(vec!["analytics".into()]), ID.into(), 1).unwrap();

    let runnable = gate::take_runnable(&doc, &config, Some(&consent));
    assert_eq!(runnable.len(), 3);
    let running = gate::run_in_order(doc.clone(), runnable);
    // The external script is in the page (loading) as soon as the call returns; nothing has run
    // yet, and the inline scripts wait for the future.
    let states: Vec<Option<String>> =
        ["script[src^='data:']", "script[data-category='necessary']"].iter().map(|s| doc.query_selector(s).unwrap().unwrap().get_attribute("data-accord-state")).collect();
    assert_eq!(states, [Some("loading".to_string()), Some("queued".to_string())]);
    assert!(order().is_empty());
    running.await;

    // The external script loads before the inline one after it runs.
    assert_eq!(order(), ["analytics-external", "analytics-inline", "necessary"]);
    let marketing = doc.get_element_by_id("m").unwrap();
    assert_eq!(marketing.get_attribute("type").as_deref(), Some("text/plain"));
    let unknown = doc.get_element_by_id("u").unwrap();
    assert_eq!(unknown.get_attribute("data-accord-state").as_deref(), Some("unknown-category"));

    // A second pass picks nothing up twice.
    assert!(gate::take_runnable(&doc, &config, Some(&consent)).is_empty());
    assert_eq!(order().len(), 3);
    div.remove();
}

#[wasm_bindgen_test]
async fn nothing_but_required_runs_without_a_choice() {
    reset_order();
    let div = fixture(concat!(
        r#"<script type="text/plain" data-category="analytics">__order.push('analytics')</script>"#,
        r#"<script type="text/plain" data-category="necessary">__order.push('necessary')</script>"#,
    ));
    let doc = page::document();
    let config = Config::parse(DEMO).unwrap();
    let runnable = gate::take_runnable(&doc, &config, None);
    gate::run_in_order(doc, runnable).await;
    assert_eq!(order(), ["necessary"]);
    div.remove();
}

#[wasm_bindgen_test]
fn the_consent_cookie_round_trips() {
    let doc = page::document();
    let attrs = cookie::Attributes { max_age_s: 60, domain: None, secure: false };
    cookie::write(&doc, "accord_test", "1.1.5.x.a+b", &attrs).unwrap();
    // A second cookie: one of the two comes after the "; " that joins them in document.cookie.
    cookie::write(&doc, "accord_other", "2", &attrs).unwrap();
    assert_eq!(cookie::read(&doc, "accord_test").unwrap().as_deref(), Some("1.1.5.x.a+b"));
    assert_eq!(cookie::read(&doc, "accord_other").unwrap().as_deref(), Some("2"));
    assert_eq!(cookie::read(&doc, "accord_tes").unwrap(), None);
    let gone = cookie::Attributes { max_age_s: 0, domain: None, secure: false };
    cookie::write(&doc, "accord_test", "", &gone).unwrap();
    cookie::write(&doc, "accord_other", "", &gone).unwrap();
    assert_eq!(cookie::read(&doc, "accord_test").unwrap(), None);
    assert_eq!(cookie::read(&doc, "accord_other").unwrap(), None);
}

fn error_message(e: wasm_bindgen::JsError) -> String {
    let value = JsValue::from(e);
    js_sys::Reflect::get(&value, &"message".into()).unwrap().as_string().unwrap()
}

#[wasm_bindgen_test]
async fn boot_refuses_a_bad_config_then_runs_a_good_one() {
    reset_order();
    let div = fixture(r#"<script type="text/plain" data-category="analytics">__order.push('analytics')</script>"#);
    // Text that is not JSON: refused in the browser's words (see `browser::json`).
    let message = error_message(accord::api::boot("{\n  \"revision\": 1,\n}", None).unwrap_err());
    assert!(message.ends_with("invalid JSON: Expected double-quoted property name in JSON at position 19 (line 3 column 1)"), "{message}");
    assert_eq!(accord::api::consent(), JsValue::NULL);
    let bad = DEMO.replace(r#""id": "marketing""#, r#""id": "analytics""#);
    let message = error_message(accord::api::boot(&bad, None).unwrap_err());
    assert!(message.contains(r#"categories[3].id: duplicate "analytics""#), "{message}");
    assert_eq!(accord::api::consent(), JsValue::NULL);

    assert!(accord::api::boot(DEMO, None).unwrap(), "no choice yet: boot says it shows the banner");
    let host = page::document().get_element_by_id("accord").unwrap();
    let root = host.shadow_root().expect("an open shadow root");
    for hook in ["banner", "accept-all", "reject-all", "preferences"] {
        assert!(root.query_selector(&format!("[data-accord=\"{hook}\"]")).unwrap().is_some(), "no {hook}");
    }
    let banner = root.query_selector("[data-accord=\"banner\"]").unwrap().unwrap();
    assert!(!banner.has_attribute("hidden"), "the banner asks before any choice");
    assert!(order().is_empty(), "nothing gated ran before the choice");

    let accept: HtmlElement = root.query_selector("[data-accord=\"accept-all\"]").unwrap().unwrap().dyn_into().unwrap();
    accept.click();
    // Let the gated scripts run (they are started from a future).
    task::settled(&js_sys::Promise::resolve(&JsValue::NULL)).await.unwrap();
    assert!(banner.has_attribute("hidden"), "the banner closes on a choice");
    assert_eq!(order(), ["analytics"]);
    // The loader calls `start` one task after a boot that shows the banner. A choice made in
    // between has already run what it allows, and nothing runs twice.
    accord::api::start().unwrap();
    task::settled(&js_sys::Promise::resolve(&JsValue::NULL)).await.unwrap();
    assert_eq!(order(), ["analytics"]);

    let stored = cookie::read(&page::document(), "accord_consent").unwrap().expect("the choice is stored");
    let decoded = Consent::decode(&stored).unwrap();
    assert_eq!(decoded.granted.len(), 4);
    let consent = accord::api::consent();
    let id = js_sys::Reflect::get(&consent, &"id".into()).unwrap().as_string().unwrap();
    assert_eq!(id, decoded.id);
    div.remove();
}

/// Accord's executor: a spawned future starts after the code that spawned it, futures run in
/// the order they were spawned, a promise's rejection comes back as `Err` with its reason, and
/// a `Pending` settles with whichever of its callbacks is called first.
#[wasm_bindgen_test]
async fn tasks_start_later_in_order_and_promises_settle_both_ways() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let log = Rc::new(RefCell::new(Vec::new()));
    let spawned = ["first", "second"].map(|name| {
        let log = log.clone();
        let finished = task::pending();
        let on_ok: js_sys::Function = finished.on_ok().clone().unchecked_into();
        task::spawn(async move {
            log.borrow_mut().push(name);
            task::settled(&js_sys::Promise::resolve(&JsValue::NULL)).await.unwrap();
            log.borrow_mut().push(if name == "first" { "first again" } else { "second again" });
            on_ok.call1(&JsValue::UNDEFINED, &JsValue::from_str(name)).unwrap();
        });
        finished
    });
    log.borrow_mut().push("spawner");
    assert_eq!(*log.borrow(), ["spawner"], "nothing runs during spawn");
    for (finished, name) in spawned.into_iter().zip(["first", "second"]) {
        assert_eq!(finished.await, Ok(JsValue::from_str(name)));
    }
    assert_eq!(*log.borrow(), ["spawner", "first", "second", "first again", "second again"]);

    let rejected = task::settled(&js_sys::Promise::reject(&JsValue::from_str("refused"))).await;
    assert_eq!(rejected, Err(JsValue::from_str("refused")));
    let failed = task::pending();
    let on_err: &js_sys::Function = failed.on_err().unchecked_ref();
    on_err.call1(&JsValue::UNDEFINED, &JsValue::from_str("no database")).unwrap();
    assert_eq!(failed.await, Err(JsValue::from_str("no database")));
}

/// The wasm reads the config with the browser's `JSON.parse` (`browser::json`): for what the
/// crate's own reader accepts, the same value, members in the text's order; the same depth
/// limit; a syntax error in Chromium's words, naming line and column; and, unlike the crate's
/// reader, keys that are array indices first, a key given twice taking its last value, and a
/// number whole whenever its value is.
#[wasm_bindgen_test]
fn the_browsers_json_parse_reads_what_the_crates_reader_reads() {
    use accord::browser::json;
    use accord::config::json::{self as own, Json, MAX_DEPTH};
    let docs = [
        DEMO,
        r#"{"b": [1, true, false, null, [], {}], "a": {"z": "x", "y": "é"}}"#,
        r#""\u5fc5\u8981 \ud83c\udf6a \n\"""#,
        r#"[0, 9007199254740991, "分析 Cookie", {"__proto__": 1}]"#,
    ];
    for doc in docs {
        let own = own::parse(doc).unwrap();
        let browser = json::parse(doc).unwrap();
        assert_eq!(browser, own, "{doc}");
    }
    // Numbers the core reads as whole numbers, and those it does not.
    let numbers = json::parse("[42, 1.5, -1, 1e3, 1.0, 9007199254740993]").unwrap();
    let Json::Array(numbers) = numbers else { panic!("not an array") };
    let whole: Vec<Option<u64>> = numbers.iter().map(Json::as_u64).collect();
    assert_eq!(whole, [Some(42), None, None, Some(1000), Some(1), None]);
    // Keys that are array indices come first, as `Object.keys` lists them.
    let Json::Object(members) = json::parse(r#"{"b": 1, "10": 2, "2": 3}"#).unwrap() else { panic!("not an object") };
    let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["2", "10", "b"]);
    // A lone surrogate: the replacement character.
    assert_eq!(json::parse(r#""a\ud800""#).unwrap(), Json::String("a\u{fffd}".into()));
    // A key given twice: the last value.
    assert_eq!(json::parse(r#"{"a": 1, "a": 2}"#).unwrap(), Json::Object(vec![("a".into(), Json::Number("2".into()))]));
    // Nesting: up to the limit, and refused past it.
    let nested = |n: usize| "[".repeat(n) + &"]".repeat(n);
    assert!(json::parse(&nested(MAX_DEPTH)).is_ok());
    let deep = json::parse(&nested(MAX_DEPTH + 1)).unwrap_err();
    assert_eq!(deep.to_string(), "invalid JSON: nested deeper than the limit of 32 levels");
    let deep_object = format!("{}1{}", r#"{"a":"#.repeat(MAX_DEPTH + 1), "}".repeat(MAX_DEPTH + 1));
    assert!(json::parse(&deep_object).is_err(), "objects count too");
    // A syntax error: the browser's message, which names line and column.
    let err = json::parse("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
    assert_eq!(err.to_string(), "invalid JSON: Expected ':' after property name in JSON at position 18 (line 3 column 7)");
}
