use super::read::is_safe_link;
use super::*;

const DEMO: &str = include_str!("../../www/accord-config.json");

fn minimal(extra_categories: &str, services: &str) -> String {
    format!(
        r#"{{"revision": 3, "site": {{"controller": "Example"}},
            "categories": [{{"id": "necessary", "required": true, "title": "Necessary"}}{extra_categories}],
            "services": [{services}]}}"#
    )
}

fn errors(text: &str) -> Vec<String> {
    Config::parse(text).unwrap_err().0.iter().map(|e| e.to_string()).collect()
}

#[test]
fn the_demo_config_is_valid() {
    let config = Config::parse(DEMO).unwrap();
    assert_eq!(config.revision, 1);
    assert_eq!(config.languages, ["zh-CN", "en"]);
    let ids: Vec<_> = config.categories.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["necessary", "preferences", "analytics", "marketing", "personalised"]);
    assert!(config.category("necessary").unwrap().required);
    assert_eq!(config.category("analytics").unwrap().title.get("zh-CN"), "统计分析");
    assert_eq!(config.services_in("analytics").len(), 1);
}

#[test]
fn defaults_fill_in_what_is_left_out() {
    let config = Config::parse(&minimal("", "")).unwrap();
    assert_eq!(config.cookie.name, "accord_consent");
    assert_eq!(config.cookie.expiry_days, DEFAULT_EXPIRY_DAYS);
    assert_eq!(config.cookie.domain, None);
    assert_eq!(config.languages, BUILT_IN_LANGUAGES);
    assert_eq!(config.language, None);
}

#[test]
fn malformed_json_names_line_and_column() {
    assert_eq!(
        errors("{\"revision\": 1,\n \"site\": }"),
        ["invalid JSON at line 2 column 10: expected a value"]
    );
}

#[test]
fn duplicate_category_id_names_its_path() {
    let text = minimal(r#", {"id": "analytics", "title": "A"}, {"id": "analytics", "title": "B"}"#, "");
    assert_eq!(errors(&text), [r#"categories[2].id: duplicate "analytics""#]);
}

#[test]
fn service_in_unknown_category_names_its_path() {
    let text = minimal("", r#"{"id": "ga", "name": "GA", "category": "analytic"}"#);
    assert_eq!(errors(&text), [r#"services[0].category: unknown category "analytic""#]);
}

#[test]
fn duplicate_service_id_is_reported() {
    let s = r#"{"id": "ga", "name": "GA", "category": "necessary"}"#;
    let text = minimal("", &format!("{s}, {s}"));
    assert_eq!(errors(&text), [r#"services[1].id: duplicate "ga""#]);
}

#[test]
fn every_problem_is_reported_in_one_pass() {
    let text = r#"{"revision": -1, "site": {"controler": "x"}, "categories": [{"id": "Bad Id", "required": "yes"}]}"#;
    assert_eq!(
        errors(text),
        [
            "revision: expected a whole number, found a number",
            "site.controler: unknown field (check the spelling)",
            "site.controller: required field is missing",
            "categories[0].id: invalid id \"Bad Id\": use 1 to 40 characters from a-z, 0-9, '_' and '-'",
            "categories[0].required: expected true or false, found a string",
            "categories[0].title: required field is missing",
        ]
    );
}

#[test]
fn wrong_root_type_is_reported() {
    assert_eq!(errors("[]"), ["expected an object, found an array"]);
}

#[test]
fn missing_categories_and_revision_are_reported() {
    assert_eq!(
        errors(r#"{"site": {"controller": "x"}}"#),
        ["revision: required field is missing", "categories: required field is missing"]
    );
}

#[test]
fn unsafe_policy_links_are_refused() {
    let text = r#"{"revision": 1, "site": {"controller": "x", "policy_url": "javascript:alert(1)"},
                   "categories": [{"id": "a", "title": "A"}]}"#;
    assert_eq!(errors(text), [r#"site.policy_url: "javascript:alert(1)" is not an http(s) or relative URL"#]);
}

#[test]
fn link_safety_sees_through_disguises() {
    for bad in ["javascript:alert(1)", "JavaScript:x", " javascript:x", "java\tscript:x", "data:text/html,x", "vbscript:x", "http:evil"] {
        assert!(!is_safe_link(bad), "accepted {bad:?}");
    }
    for good in ["/privacy", "privacy.html", "../p?a=b:c", "https://example.com/p", "HTTP://example.com", "#top", "//cdn.example.com/p"] {
        assert!(is_safe_link(good), "refused {good:?}");
    }
}

#[test]
fn cookie_settings_are_validated() {
    let text = r#"{"revision": 1, "site": {"controller": "x"}, "categories": [{"id": "a", "title": "A"}],
                   "cookie": {"name": "bad name", "expiry_days": 9999, "domain": "exa mple.com"}}"#;
    assert_eq!(
        errors(text),
        [
            r#"cookie.name: invalid cookie name "bad name""#,
            "cookie.expiry_days: 9999 is out of range (1 to 395)",
            r#"cookie.domain: invalid domain "exa mple.com""#,
        ]
    );
}

#[test]
fn cookie_domain_is_normalised() {
    let text = r#"{"revision": 1, "site": {"controller": "x"}, "categories": [{"id": "a", "title": "A"}],
                   "cookie": {"domain": ".Shop.Example.com"}}"#;
    assert_eq!(Config::parse(text).unwrap().cookie.domain.as_deref(), Some("shop.example.com"));
}

#[test]
fn unsupported_languages_are_refused() {
    let text = r#"{"revision": 1, "site": {"controller": "x"}, "categories": [{"id": "a", "title": "A"}],
                   "languages": ["en", "xx"], "language": "fr"}"#;
    assert_eq!(
        errors(text),
        [
            r#"languages[1]: language "xx" has no texts (built in: en, zh-CN; add others under "translations")"#,
            r#"language: language "fr" has no texts (built in: en, zh-CN; add others under "translations")"#,
        ]
    );
}

#[test]
fn service_cookie_rules_accept_names_and_patterns() {
    let svc = r#"{"id": "ga", "name": "GA", "category": "necessary",
                  "cookies": ["_ga", {"name": "_ga_*", "domain": "example.com"}, "bad;name"]}"#;
    assert_eq!(errors(&minimal("", svc)), [r#"services[0].cookies[2]: invalid cookie name "bad;name""#]);

    let svc = r#"{"id": "ga", "name": "GA", "category": "necessary", "cookies": ["_ga", {"name": "_ga_*"}]}"#;
    let config = Config::parse(&minimal("", svc)).unwrap();
    let rules = &config.services[0].cookies;
    assert!(rules[0].matches("_ga") && !rules[0].matches("_gat"));
    assert!(rules[1].matches("_ga_ABC123") && !rules[1].matches("_ga"));
}

#[test]
fn cookie_names_refuse_every_separator_of_rfc_6265() {
    for sep in "()<>@,;:\\\"/[]?={} \t".chars() {
        let escaped = match sep {
            '"' => "\\\"".to_string(),
            '\\' => "\\\\".to_string(),
            '\t' => "\\t".to_string(),
            c => c.to_string(),
        };
        let svc = format!(r#"{{"id": "ga", "name": "GA", "category": "necessary", "cookies": ["a{escaped}b"]}}"#);
        assert_eq!(errors(&minimal("", &svc)).len(), 1, "a{sep}b is not a cookie name");
    }
    let svc = r#"{"id": "ga", "name": "GA", "category": "necessary", "cookies": ["a!#$%&'+-.^_`|~b"]}"#;
    assert!(Config::parse(&minimal("", svc)).is_ok(), "the other printable characters are allowed");
}

#[test]
fn glob_patterns_match_anywhere() {
    let rule = |p: &str| CookieRule { name: p.into(), domain: None, kind: TrackerKind::Cookie, duration: None, max_age_days: None, purpose: None };
    assert!(rule("*").matches("anything"));
    assert!(rule("a*c").matches("abc") && rule("a*c").matches("ac") && !rule("a*c").matches("ab"));
    assert!(rule("*_id").matches("lt_stats_id") && !rule("*_id").matches("id"));
    assert!(rule("a*b*c").matches("a-b-c") && !rule("a*b*c").matches("acb"));
    assert!(rule("a**c").matches("abc") && rule("*ab*").matches("aaab") && !rule("*abc*").matches("ab"));
    assert!(rule("*名*").matches("用户名_id") && !rule("*名*").matches("用户"));
}

#[test]
fn glob_matching_agrees_with_a_backtracking_matcher_on_every_short_pattern_and_name() {
    // The reference tries every length for each star.
    fn reference(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| reference(rest, &n[i..])),
            Some((c, rest)) => n.first() == Some(c) && reference(rest, &n[1..]),
        }
    }
    fn all(alphabet: &[u8], max: usize) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..max {
            last = last.iter().flat_map(|s| alphabet.iter().map(move |&c| format!("{s}{}", c as char))).collect();
            out.extend(last.iter().cloned());
        }
        out
    }
    let names = all(b"ab", 6);
    let mut checked = 0;
    for pattern in all(b"ab*", 5) {
        for name in &names {
            assert_eq!(glob_matches(&pattern, name), reference(pattern.as_bytes(), name.as_bytes()), "{pattern:?} {name:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 364 * 127);
}

#[test]
fn find_gives_the_first_byte_offset_of_a_substring() {
    assert_eq!(find("stats.example.com", "."), Some(5));
    assert_eq!(find("aaab", "ab"), Some(2));
    assert_eq!(find("https://x", "://"), Some(5));
    assert_eq!(find("ab", "abc"), None);
    assert_eq!(find("abc", ""), Some(0));
    assert_eq!(find("", "a"), None);
    assert_eq!(find("用户名", "名"), Some(6));
}

#[test]
fn oversized_config_is_refused_before_parsing() {
    let text = format!("{{\"x\": \"{}\"}}", "a".repeat(MAX_CONFIG_BYTES));
    assert!(errors(&text)[0].contains("more than the limit"));
}

fn with(extra: &str) -> String {
    format!(
        r#"{{"revision": 1, "site": {{"controller": "x"}}, "categories": [{{"id": "a", "title": "A"}}]{extra}}}"#
    )
}

#[test]
fn ui_settings_default_to_a_bottom_bar_following_the_system_theme() {
    let ui = Config::parse(&with("")).unwrap().ui;
    assert_eq!((ui.layout, ui.position, ui.theme, ui.block_page, ui.floating_button),
        (Layout::Bar, Position::Bottom, Theme::Auto, false, true));
    let ui = Config::parse(&with(r#", "ui": {"layout": "box"}"#)).unwrap().ui;
    assert_eq!(ui.position, Position::BottomRight);
    let ui = Config::parse(&with(r#", "ui": {"layout": "modal", "block_page": true, "theme": "dark"}"#)).unwrap().ui;
    assert_eq!((ui.layout, ui.block_page, ui.theme), (Layout::Modal, true, Theme::Dark));
}

#[test]
fn ui_settings_are_checked_against_the_layout() {
    assert_eq!(
        errors(&with(r#", "ui": {"layout": "box", "position": "top", "theme": "pink", "block_page": true}"#)),
        [
            r#"ui.position: "top" is not one of "top-left", "top-right", "bottom-left", "bottom-right""#,
            r#"ui.block_page: "true" is not one of false (only the modal layout can block the page)"#,
            r#"ui.theme: "pink" is not one of "auto", "light", "dark""#,
        ]
    );
}

#[test]
fn a_new_language_needs_every_text() {
    let text = with(r#", "languages": ["en", "fr"], "translations": {"fr": {"accept_all": "Tout accepter", "nope": "x"}}"#);
    let errs = errors(&text);
    assert_eq!(errs[0], "translations.fr.nope: unknown field (check the spelling)");
    assert!(errs[1].starts_with("translations.fr: a language without built-in texts needs every text; missing: language_name, banner_title,"), "{}", errs[1]);
    assert_eq!(errs.len(), 2);
}

#[test]
fn built_in_languages_take_partial_overrides() {
    let config = Config::parse(&with(r#", "translations": {"zh-CN": {"accept_all": "同意全部"}}"#)).unwrap();
    assert_eq!(crate::i18n::texts(&config, "zh-CN").get(crate::i18n::Key::AcceptAll), "同意全部");
}

#[test]
fn separate_consent_cannot_be_required() {
    let text = r#"{"revision": 1, "site": {"controller": "x"},
                   "categories": [{"id": "a", "title": "A", "required": true, "separate_consent": true}]}"#;
    assert_eq!(errors(text), ["categories[0].separate_consent: a required category is never asked, so it cannot need separate consent"]);
}

#[test]
fn declarations_carry_kind_duration_and_purpose() {
    let svc = r#"{"id": "px", "name": "Pixel", "provider": "AdNet Ltd", "category": "necessary", "separate_consent": true,
                  "cookies": [{"name": "px.gif?id=*", "kind": "pixel_tag", "duration": "session", "purpose": {"en": "Conversions"}},
                              {"name": "ad_state", "kind": "local_storage"}, {"name": "x", "kind": "flash"}]}"#;
    assert_eq!(errors(&minimal("", svc)),
        [r#"services[0].cookies[2].kind: "flash" is not one of "cookie", "web_beacon", "pixel_tag", "local_storage""#]);
    let svc = svc.replace(r#", {"name": "x", "kind": "flash"}"#, "");
    let config = Config::parse(&minimal("", &svc)).unwrap();
    let service = config.service("px").unwrap();
    assert!(service.separate_consent);
    assert_eq!(service.provider.as_deref(), Some("AdNet Ltd"));
    assert_eq!(service.cookies[0].kind, TrackerKind::PixelTag);
    assert_eq!(service.cookies[0].purpose.as_ref().unwrap().get("zh-CN"), "Conversions");
    assert_eq!(service.cookies[1].kind, TrackerKind::LocalStorage);
}

#[test]
fn a_cookie_may_declare_its_longest_life_in_days() {
    let doc = |v: &str| format!(r#"{{"revision": 1, "site": {{"controller": "C"}}, "categories": [{{"id": "analytics", "title": "A"}}],
        "services": [{{"id": "s", "name": "S", "category": "analytics", "cookies": [{{"name": "_s", "max_age_days": {v}}}]}}]}}"#);
    let config = Config::parse(&doc("30")).unwrap();
    assert_eq!(config.services[0].cookies[0].max_age_days, Some(30));
    let errors = Config::parse(&doc("-1")).unwrap_err().to_string();
    assert!(errors.contains("services[0].cookies[0].max_age_days"), "{errors}");
    let errors = Config::parse(&doc("\"a year\"")).unwrap_err().to_string();
    assert!(errors.contains("services[0].cookies[0].max_age_days"), "{errors}");
}

#[test]
fn a_text_of_white_space_only_is_empty_in_any_script() {
    // U+3000 is the ideographic space of Chinese text, U+00A0 the no-break space.
    let text = minimal(
        r#", {"id": "analytics", "title": "\u3000"}"#,
        r#"{"id": "a", "name": "\t\u00a0", "category": "necessary"}"#,
    )
    .replacen('{', r#"{"translations": {"zh-CN": {"accept_all": " \u3000 "}}, "#, 1);
    assert_eq!(
        errors(&text),
        [
            "translations.zh-CN.accept_all: must not be empty",
            "categories[1].title: must not be empty",
            "services[0].name: must not be empty",
        ]
    );
    // White space inside or around a text with something to show is kept as it is.
    let config = Config::parse(&minimal(r#", {"id": "analytics", "title": "\u3000统计 分析"}"#, "")).unwrap();
    assert_eq!(config.category("analytics").unwrap().title.get("en"), "\u{3000}统计 分析");
}

#[test]
fn only_whole_field_names_are_known() {
    let text = r#"{"revision": 1, "site": {"controller": "x", "controller contact": "y", "": "z", "contro": "w"},
        "categories": [{"id": "necessary", "required": true, "title": "N"}]}"#;
    assert_eq!(
        errors(text),
        [
            "site.controller contact: unknown field (check the spelling)",
            "site.: unknown field (check the spelling)",
            "site.contro: unknown field (check the spelling)",
        ]
    );
}

#[test]
fn each_fault_puts_the_quoted_value_between_its_own_words() {
    let says = |fault| Problem::Value(fault, "x y".into()).describe();
    let expected = [
        (Fault::Duplicate, r#"duplicate "x y""#),
        (Fault::InvalidId, r#"invalid id "x y": use 1 to 40 characters from a-z, 0-9, '_' and '-'"#),
        (Fault::UnknownCategory, r#"unknown category "x y""#),
        (Fault::UnsafeUrl, r#""x y" is not an http(s) or relative URL"#),
        (Fault::InvalidCookieName, r#"invalid cookie name "x y""#),
        (Fault::InvalidDomain, r#"invalid domain "x y""#),
        (Fault::InvalidTracker, r#"invalid tracker "x y": give a host (stats.example.com, 127.0.0.1:9000) or an http(s) URL pattern"#),
        (Fault::UnsupportedLanguage, r#"language "x y" has no texts (built in: en, zh-CN; add others under "translations")"#),
        (Fault::InvalidLanguageTag, r#""x y" is not a language tag like "en" or "zh-CN""#),
    ];
    for (fault, text) in expected {
        assert_eq!(says(fault), text, "{fault:?}");
    }
    // The built-in languages are spelled out in the text: it must follow the list.
    assert!(says(Fault::UnsupportedLanguage).contains(&format!("(built in: {};", BUILT_IN_LANGUAGES.join(", "))));
}

#[test]
fn a_bad_tracker_and_a_bad_language_tag_are_named_with_their_paths() {
    let text = minimal(
        "",
        r#"{"id": "ga", "name": "GA", "category": "necessary", "trackers": ["stats.example.com", "bad host"],
            "description": {"en": "Stats", "e n": "x"}}"#,
    );
    assert_eq!(
        errors(&text),
        [
            r#"services[0].trackers[1]: invalid tracker "bad host": give a host (stats.example.com, 127.0.0.1:9000) or an http(s) URL pattern"#,
            r#"services[0].description.e n: "e n" is not a language tag like "en" or "zh-CN""#,
        ]
    );
}
