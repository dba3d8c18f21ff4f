//! Interface texts in Simplified Chinese and English, and the choice of language: the
//! config's fixed language, then `<html lang>`, then the browser's languages, then the
//! site's first language.

use crate::config::Config;

/// Every interface string the banner and panel show. Site texts (category titles and
/// descriptions) come from the config instead.
#[derive(Debug, PartialEq, Eq)]
pub struct Strings {
    pub lang: &'static str,
    pub banner_title: &'static str,
    pub banner_text: &'static str,
    pub policy_link: &'static str,
    pub accept_all: &'static str,
    pub reject_all: &'static str,
    pub preferences: &'static str,
    pub panel_title: &'static str,
    pub save: &'static str,
    pub always_on: &'static str,
    pub controller: &'static str,
}

pub const EN: Strings = Strings {
    lang: "en",
    banner_title: "We value your privacy",
    banner_text: "We use cookies, web beacons and pixel tags. Strictly necessary ones keep the site working; \
                  the others run only if you agree. You can change your choice at any time.",
    policy_link: "Privacy policy",
    accept_all: "Accept all",
    reject_all: "Reject all",
    preferences: "Preferences",
    panel_title: "Privacy preferences",
    save: "Save my choices",
    always_on: "Always on",
    controller: "Data controller: ",
};

pub const ZH_CN: Strings = Strings {
    lang: "zh-CN",
    banner_title: "我们重视您的隐私",
    banner_text: "我们使用 Cookie、网络信标和像素标签。必要 Cookie 用于保障网站正常运行；\
                  其他类别仅在您同意后启用。您可以随时更改您的选择。",
    policy_link: "隐私政策",
    accept_all: "全部接受",
    reject_all: "全部拒绝",
    preferences: "偏好设置",
    panel_title: "隐私偏好设置",
    save: "保存我的选择",
    always_on: "始终启用",
    controller: "数据控制者：",
};

/// The built-in strings for a supported language tag (case-insensitive).
pub fn strings(lang: &str) -> &'static Strings {
    if lang.eq_ignore_ascii_case("zh-CN") {
        &ZH_CN
    } else {
        &EN
    }
}

/// Picks the language to show: the config's fixed language; else the first of the page's
/// `<html lang>` and the browser's languages that the site offers (matching `zh`, `zh-Hans`,
/// `zh-SG` to `zh-CN` and `en-*` to `en`); else the site's first language.
pub fn choose(config: &Config, html_lang: Option<&str>, browser_langs: &[String]) -> String {
    if let Some(fixed) = &config.language {
        return supported(config, fixed).unwrap_or_else(|| fixed.clone());
    }
    html_lang
        .into_iter()
        .chain(browser_langs.iter().map(String::as_str))
        .find_map(|tag| supported(config, tag))
        .unwrap_or_else(|| config.languages[0].clone())
}

/// The site language a requested tag maps to, if any.
fn supported(config: &Config, requested: &str) -> Option<String> {
    let requested = requested.trim();
    if let Some(exact) = config.languages.iter().find(|l| l.eq_ignore_ascii_case(requested)) {
        return Some(exact.clone());
    }
    let primary = requested.split(['-', '_']).next()?.to_ascii_lowercase();
    if primary.is_empty() {
        return None;
    }
    // Traditional-script Chinese is not Simplified Chinese: do not map zh-TW/zh-HK/zh-Hant to zh-CN.
    let lower = requested.to_ascii_lowercase();
    if primary == "zh" && ["hant", "tw", "hk", "mo"].iter().any(|t| lower.split(['-', '_']).any(|p| p == *t)) {
        return None;
    }
    config.languages.iter().find(|l| l.split('-').next().is_some_and(|p| p.eq_ignore_ascii_case(&primary))).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(languages: &str, fixed: Option<&str>) -> Config {
        let fixed = fixed.map(|l| format!(r#", "language": "{l}""#)).unwrap_or_default();
        Config::parse(&format!(
            r#"{{"revision": 1, "site": {{"controller": "x"}}, "languages": {languages}{fixed},
                "categories": [{{"id": "a", "title": "A"}}]}}"#
        ))
        .unwrap()
    }

    fn langs(tags: &[&str]) -> Vec<String> {
        tags.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn html_lang_comes_before_the_browser() {
        let c = config(r#"["en", "zh-CN"]"#, None);
        assert_eq!(choose(&c, Some("zh-CN"), &langs(&["en-US"])), "zh-CN");
        assert_eq!(choose(&c, Some("zh"), &langs(&["en-US"])), "zh-CN");
        assert_eq!(choose(&c, Some("zh-Hans-CN"), &[]), "zh-CN");
    }

    #[test]
    fn browser_languages_apply_when_the_page_says_nothing_useful() {
        let c = config(r#"["en", "zh-CN"]"#, None);
        assert_eq!(choose(&c, None, &langs(&["fr", "zh-SG", "en"])), "zh-CN");
        assert_eq!(choose(&c, Some("de"), &langs(&["en-GB"])), "en");
    }

    #[test]
    fn traditional_chinese_does_not_become_simplified() {
        let c = config(r#"["en", "zh-CN"]"#, None);
        assert_eq!(choose(&c, Some("zh-TW"), &langs(&["zh-Hant"])), "en");
    }

    #[test]
    fn the_site_first_language_is_the_fallback() {
        let c = config(r#"["zh-CN", "en"]"#, None);
        assert_eq!(choose(&c, None, &langs(&["fr"])), "zh-CN");
    }

    #[test]
    fn a_fixed_language_wins() {
        let c = config(r#"["en", "zh-CN"]"#, Some("zh-CN"));
        assert_eq!(choose(&c, Some("en"), &langs(&["en"])), "zh-CN");
    }

    #[test]
    fn both_tables_are_complete() {
        for s in [&EN, &ZH_CN] {
            let all = [
                s.banner_title, s.banner_text, s.policy_link, s.accept_all, s.reject_all, s.preferences,
                s.panel_title, s.save, s.always_on, s.controller,
            ];
            assert!(all.iter().all(|t| !t.trim().is_empty()), "{} has an empty string", s.lang);
        }
        assert_eq!(strings("zh-cn").accept_all, "全部接受");
        assert_eq!(strings("en").reject_all, "Reject all");
    }
}
