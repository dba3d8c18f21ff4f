//! Interface texts: Simplified Chinese and English built in and complete, more languages (or
//! overrides) through the config's `translations`; and the choice of language: the config's
//! fixed language, then `<html lang>`, then the browser's languages, then the site's first.

use crate::config::Config;
use crate::message::{count_lines, line, lines, named, pieces_at_either, split_first};

named! {
    /// One interface string; its name is its field in a config's `translations`.
    pub enum Key {
        LanguageName = "language_name",
        BannerTitle = "banner_title",
        BannerText = "banner_text",
        PolicyLink = "policy_link",
        Controller = "controller",
        AcceptAll = "accept_all",
        RejectAll = "reject_all",
        Customize = "customize",
        PanelTitle = "panel_title",
        PanelText = "panel_text",
        Save = "save",
        Close = "close",
        Language = "language",
        AlwaysOn = "always_on",
        RequiredWhy = "required_why",
        Services = "services",
        Name = "name",
        Provider = "provider",
        Purpose = "purpose",
        Duration = "duration",
        Kind = "kind",
        KindCookie = "kind_cookie",
        KindWebBeacon = "kind_web_beacon",
        KindPixelTag = "kind_pixel_tag",
        KindLocalStorage = "kind_local_storage",
        SeparateBadge = "separate_badge",
        SeparateTitle = "separate_title",
        SeparateText = "separate_text",
        SeparateConfirm = "separate_confirm",
        SeparateCancel = "separate_cancel",
        PrivacySettings = "privacy_settings",
        GpcHonoured = "gpc_honoured",
        ContextualText = "contextual_text",
        ContextualLoad = "contextual_load",
        ReloadText = "reload_text",
        ReloadNow = "reload_now",
        Records = "records",
        RecordsNone = "records_none",
        RecordsUnreadable = "records_unreadable",
        RecordsDownload = "records_download",
        RecordSent = "record_sent",
        RecordKept = "record_kept",
        RecordRefused = "record_refused",
        RecordWaiting = "record_waiting",
    }
}

/// Every key, in table order.
pub const KEYS: &[Key] = Key::ALL;

const EN: &str = lines![
    "English",
    "We value your privacy",
    "We use cookies, web beacons and pixel tags. Strictly necessary ones keep the site working; \
     the others run only if you agree. You can change your choice at any time.",
    "Privacy policy",
    "Data controller: ",
    "Accept all",
    "Reject all",
    "Customize",
    "Privacy preferences",
    "Choose what you allow, category by category or service by service. Your choice applies to this site only.",
    "Save my choices",
    "Close",
    "Language",
    "Always on",
    "Needed for the site to work, so it cannot be switched off.",
    "Services",
    "Name",
    "Provider",
    "Purpose",
    "Duration",
    "Kind",
    "Cookie",
    "Web beacon",
    "Pixel tag",
    "Local storage",
    "Needs your separate consent",
    "Separate consent",
    "This involves sensitive personal information or providing your data to a third party, \
     so it needs your separate, explicit consent:",
    "I agree",
    "Cancel",
    "Privacy settings",
    "Your browser sent a Global Privacy Control signal, and we honour it: marketing stays off, \
     even with Accept all, unless you switch it on yourself in Customize.",
    "This content comes from a third party. Loading it lets them set cookies and see your visit.",
    "Load content",
    "Some of what you just refused already ran on this page. Reload the page to stop it.",
    "Reload",
    "Your consent records",
    "No records yet.",
    "Your records could not be read in this browser.",
    "Download my records (JSON)",
    "sent to the site",
    "kept in this browser",
    "refused by the site; kept in this browser",
    "not signed yet; kept in this browser",
];

const ZH_CN: &str = lines![
    "简体中文",
    "我们重视您的隐私",
    "我们使用 Cookie、网络信标和像素标签。必要 Cookie 用于保障网站正常运行；\
     其他类别仅在您同意后启用。您可以随时更改您的选择。",
    "隐私政策",
    "数据控制者：",
    "全部接受",
    "全部拒绝",
    "自定义设置",
    "隐私偏好设置",
    "您可以按类别或按服务选择允许的内容。您的选择仅适用于本网站。",
    "保存我的选择",
    "关闭",
    "语言",
    "始终启用",
    "网站正常运行所必需，无法关闭。",
    "服务明细",
    "名称",
    "提供方",
    "用途",
    "保存期限",
    "类型",
    "Cookie",
    "网络信标",
    "像素标签",
    "本地存储",
    "需要您单独同意",
    "单独同意",
    "此项涉及敏感个人信息或向第三方提供您的个人信息，需要取得您的单独同意：",
    "我同意",
    "取消",
    "隐私设置",
    "您的浏览器发出了全球隐私控制（GPC）信号，我们予以遵从：即使选择全部接受，营销类别也保持关闭，\
     除非您在自定义设置中自行开启。",
    "此内容由第三方提供。加载后，第三方可以设置 Cookie 并获知您的访问。",
    "加载内容",
    "您刚刚拒绝的部分内容已在本页面运行。重新加载页面即可停止。",
    "重新加载",
    "您的同意记录",
    "暂无记录。",
    "无法在此浏览器中读取您的记录。",
    "下载我的记录（JSON）",
    "已发送至网站",
    "保存在本浏览器中",
    "网站拒收；仍保存在本浏览器中",
    "尚未签名；保存在本浏览器中",
];

// Every table has a text for every key, and no text has a line break.
// (The keys' names are checked by `named!`.)
const _: () = assert!(count_lines(EN) == KEYS.len() && count_lines(ZH_CN) == KEYS.len());

/// The built-in table for a language tag, if there is one: its texts, a line each in key order.
pub fn built_in(lang: &str) -> Option<&'static str> {
    if lang.eq_ignore_ascii_case("en") {
        Some(EN)
    } else if lang.eq_ignore_ascii_case("zh-CN") {
        Some(ZH_CN)
    } else {
        None
    }
}

/// The interface texts of one language: the config's translation where it has a text, else
/// the built-in table's line. (Not a `String` for every text: copying the table's 44 texts
/// and cloning the list cost the wasm 232 B, 185 of zopfli.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts {
    pub lang: String,
    /// The built-in table, a line a text in key order.
    table: &'static str,
    overrides: Vec<(Key, String)>,
}

impl Texts {
    pub fn get(&self, key: Key) -> &str {
        match self.overrides.iter().find(|(k, _)| *k == key) {
            Some((_, text)) => text,
            None => line(self.table, key as usize),
        }
    }
}

/// Texts for `lang`: the built-in table (English for a language without one, which config
/// validation only allows when its translation is complete), then the config's translation.
pub fn texts(config: &Config, lang: &str) -> Texts {
    let overrides = config.translations.iter().find(|(l, _)| l.eq_ignore_ascii_case(lang)).map(|(_, o)| o.clone());
    Texts { lang: lang.to_string(), table: built_in(lang).unwrap_or(EN), overrides: overrides.unwrap_or_default() }
}

/// Picks the language to show: the config's fixed language; else the first of the page's
/// `<html lang>` and the browser's languages that the site offers (matching `zh`, `zh-Hans`,
/// `zh-SG` to `zh-CN` and `en-*` to `en`); else the site's first language.
pub fn choose(config: &Config, html_lang: Option<&str>, browser_langs: &[String]) -> String {
    if let Some(fixed) = &config.language {
        return supported(config, fixed).unwrap_or_else(|| fixed.clone());
    }
    if let Some(lang) = html_lang.and_then(|tag| supported(config, tag)) {
        return lang;
    }
    for tag in browser_langs {
        if let Some(lang) = supported(config, tag) {
            return lang;
        }
    }
    config.languages[0].clone()
}

/// A tag's primary language subtag, without its script or region: `zh` of `zh-CN`.
pub fn primary_subtag(tag: &str) -> &str {
    split_first(tag, b'-').map_or(tag, |(primary, _)| primary)
}

/// The site language a requested tag maps to, if any.
pub fn supported(config: &Config, requested: &str) -> Option<String> {
    if let Some(exact) = config.languages.iter().find(|l| l.eq_ignore_ascii_case(requested)) {
        return Some(exact.clone());
    }
    let lower = requested.to_ascii_lowercase();
    let mut parts = pieces_at_either(&lower, [b'-', b'_']);
    let primary = parts.next().filter(|p| !p.is_empty())?;
    // Traditional-script Chinese is not Simplified Chinese: do not map zh-TW/zh-HK/zh-Hant to zh-CN.
    if primary == "zh" && parts.any(|p| ["hant", "tw", "hk", "mo"].contains(&p)) {
        return None;
    }
    config.languages.iter().find(|l| primary_subtag(l).eq_ignore_ascii_case(primary)).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::pieces;

    fn config(languages: &str, extra: &str) -> Config {
        Config::parse(&format!(
            r#"{{"revision": 1, "site": {{"controller": "x"}}, "languages": {languages}{extra},
                "categories": [{{"id": "a", "title": "A"}}]}}"#
        ))
        .unwrap()
    }

    fn langs(tags: &[&str]) -> Vec<String> {
        tags.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn html_lang_comes_before_the_browser() {
        let c = config(r#"["en", "zh-CN"]"#, "");
        assert_eq!(choose(&c, Some("zh-CN"), &langs(&["en-US"])), "zh-CN");
        assert_eq!(choose(&c, Some("zh"), &langs(&["en-US"])), "zh-CN");
        assert_eq!(choose(&c, Some("zh-Hans-CN"), &[]), "zh-CN");
    }

    #[test]
    fn browser_languages_apply_when_the_page_says_nothing_useful() {
        let c = config(r#"["en", "zh-CN"]"#, "");
        assert_eq!(choose(&c, None, &langs(&["fr", "zh-SG", "en"])), "zh-CN");
        assert_eq!(choose(&c, Some("de"), &langs(&["en-GB"])), "en");
    }

    #[test]
    fn traditional_chinese_does_not_become_simplified() {
        let c = config(r#"["en", "zh-CN"]"#, "");
        assert_eq!(choose(&c, Some("zh-TW"), &langs(&["zh-Hant"])), "en");
    }

    #[test]
    fn the_site_first_language_is_the_fallback() {
        let c = config(r#"["zh-CN", "en"]"#, "");
        assert_eq!(choose(&c, None, &langs(&["fr"])), "zh-CN");
    }

    #[test]
    fn a_fixed_language_wins() {
        let c = config(r#"["en", "zh-CN"]"#, r#", "language": "zh-CN""#);
        assert_eq!(choose(&c, Some("en"), &langs(&["en"])), "zh-CN");
    }

    #[test]
    fn both_built_in_tables_are_complete_and_distinct() {
        assert_eq!(KEYS.len(), pieces(EN, b'\n').count());
        assert_eq!(KEYS.len(), pieces(ZH_CN, b'\n').count());
        assert_eq!(KEYS.len(), pieces(Key::NAMES, b'\n').count());
        for (i, key) in KEYS.iter().enumerate() {
            assert_eq!(*key as usize, i);
            assert_eq!(Key::from_name(key.name()), Some(*key));
            let (en, zh) = (line(EN, i), line(ZH_CN, i));
            assert!(!en.trim().is_empty() && !zh.trim().is_empty(), "{} is empty", key.name());
        }
        assert_eq!(Key::LanguageName.name(), "language_name");
        assert_eq!(Key::RecordWaiting.name(), "record_waiting");
        assert_eq!(Key::from_name("records"), Some(Key::Records));
        assert_eq!(Key::from_name("record"), None);
        let c = config(r#"["en", "zh-CN"]"#, "");
        assert_eq!(texts(&c, "zh-CN").get(Key::AcceptAll), "全部接受");
        assert_eq!(texts(&c, "en").get(Key::RejectAll), "Reject all");
    }

    #[test]
    fn config_translations_override_and_add_languages() {
        let mut fr = String::from(r#", "translations": {"en": {"accept_all": "Allow all"}, "fr": {"#);
        let entries: Vec<String> = KEYS.iter().map(|k| format!(r#""{}": "fr {}""#, k.name(), k.name())).collect();
        fr.push_str(&entries.join(", "));
        fr.push_str("}}");
        let c = config(r#"["en", "fr"]"#, &fr);
        assert_eq!(texts(&c, "en").get(Key::AcceptAll), "Allow all");
        assert_eq!(texts(&c, "en").get(Key::RejectAll), "Reject all");
        assert_eq!(texts(&c, "fr").get(Key::Save), "fr save");
        assert_eq!(choose(&c, Some("fr-CA"), &[]), "fr");
        // Key by key: the translation's text where it has one, else the built-in table's line.
        let (fr, en, zh) = (texts(&c, "fr"), texts(&c, "en"), texts(&c, "zh-CN"));
        for (i, &key) in KEYS.iter().enumerate() {
            assert_eq!(fr.get(key), format!("fr {}", key.name()));
            assert_eq!(en.get(key), if key == Key::AcceptAll { "Allow all" } else { line(EN, i) });
            assert_eq!(zh.get(key), line(ZH_CN, i));
        }
    }
}
