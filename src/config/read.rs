//! Reads a parsed JSON document into a [`Config`], collecting every problem with its path.

use super::json::Json;
use super::{
    Category, Config, ConfigError, ConfigErrors, CookieRule, CookieSettings, Fault, GpcSettings, Layout, Position, Problem, Service,
    Site, Text, Theme, TrackerKind, UiSettings, BUILT_IN_LANGUAGES, DEFAULT_EXPIRY_DAYS, MAX_EXPIRY_DAYS,
};
use crate::consent_mode::Signal;
use crate::i18n::{self, Key, KEYS};
use crate::message::{cat, decimal, pieces};

/// Collects problems while the document is read, so one pass reports all of them.
struct Reader {
    errors: Vec<ConfigError>,
}

/// An object's members, with the fields it may have; unknown ones are reported when read. Its
/// path is borrowed from the caller, which has it anyway (a copy in each object cost the wasm
/// 361 B, 73 of zopfli).
struct Obj<'a> {
    path: &'a str,
    members: &'a [(String, Json)],
}

impl<'a> Obj<'a> {
    fn get(&self, name: &str) -> Option<&'a Json> {
        self.members.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    fn path(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_string()
        } else {
            cat(&[self.path, ".", name])
        }
    }
}

fn join(path: &str, index: usize) -> String {
    cat(&[path, "[", &decimal(index as u64), "]"])
}

impl Reader {
    fn fail(&mut self, path: impl Into<String>, problem: Problem) {
        self.errors.push(ConfigError::new(path, problem));
    }

    fn wrong_type(&mut self, path: &str, expected: &'static str, found: &Json) {
        self.fail(path, Problem::WrongType { expected, found: found.kind() });
    }

    /// Checks that `value` is an object with only `known` fields, named in one string with a
    /// space between them (a slice of `&str` is 8 B of pointer and length a name in the wasm).
    fn object<'a>(&mut self, value: &'a Json, path: &'a str, known: &str) -> Option<Obj<'a>> {
        let Json::Object(members) = value else {
            self.wrong_type(path, "an object", value);
            return None;
        };
        let obj = Obj { path, members };
        for (key, _) in members {
            if !pieces(known, b' ').any(|k| k == key) {
                self.fail(obj.path(key), Problem::UnknownField);
            }
        }
        Some(obj)
    }

    fn array<'a>(&mut self, obj: &Obj<'a>, name: &str) -> Option<&'a [Json]> {
        match obj.get(name)? {
            Json::Array(items) => Some(items),
            other => {
                self.wrong_type(&obj.path(name), "an array", other);
                None
            }
        }
    }

    fn string(&mut self, obj: &Obj, name: &str, required: bool) -> Option<String> {
        match obj.get(name) {
            None if required => {
                self.fail(obj.path(name), Problem::Missing);
                None
            }
            None => None,
            Some(Json::Null) if !required => None,
            Some(Json::String(s)) if is_blank(s) => {
                self.fail(obj.path(name), Problem::Empty);
                None
            }
            Some(Json::String(s)) => Some(s.clone()),
            Some(other) => {
                self.wrong_type(&obj.path(name), "a string", other);
                None
            }
        }
    }

    fn boolean(&mut self, obj: &Obj, name: &str) -> bool {
        match obj.get(name) {
            None => false,
            Some(Json::Bool(b)) => *b,
            Some(other) => {
                self.wrong_type(&obj.path(name), "true or false", other);
                false
            }
        }
    }

    fn integer(&mut self, obj: &Obj, name: &str, min: u64, max: u64) -> Option<u64> {
        let value = obj.get(name)?;
        match value.as_u64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(n) => {
                self.fail(obj.path(name), Problem::OutOfRange { value: n, min, max });
                None
            }
            None => {
                self.wrong_type(&obj.path(name), "a whole number", value);
                None
            }
        }
    }

    fn id(&mut self, obj: &Obj, name: &str) -> Option<String> {
        let id = self.string(obj, name, true)?;
        if is_valid_id(&id) {
            Some(id)
        } else {
            self.fail(obj.path(name), Problem::Value(Fault::InvalidId, id));
            None
        }
    }

    /// A string, or an object of strings by language tag.
    fn text(&mut self, obj: &Obj, name: &str, required: bool) -> Option<Text> {
        let path = obj.path(name);
        match obj.get(name) {
            Some(Json::Object(members)) => {
                if members.is_empty() {
                    self.fail(path, Problem::Empty);
                    return None;
                }
                let mut entries = Vec::new();
                for (lang, value) in members {
                    let entry_path = cat(&[&path, ".", lang]);
                    if !is_language_tag(lang) {
                        self.fail(entry_path.clone(), Problem::Value(Fault::InvalidLanguageTag, lang.clone()));
                    }
                    match value {
                        Json::String(s) => entries.push((lang.clone(), s.clone())),
                        other => self.wrong_type(&entry_path, "a string", other),
                    }
                }
                Some(Text::ByLanguage(entries))
            }
            Some(Json::String(_)) | None | Some(Json::Null) => self.string(obj, name, required).map(Text::Plain),
            Some(other) => {
                self.wrong_type(&path, "a string or an object of strings by language", other);
                None
            }
        }
    }

    /// A string that must be one of `allowed` (`"a", "b"` in the message).
    fn choice<T>(&mut self, obj: &Obj, name: &str, allowed: &'static str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        let value = self.string(obj, name, false)?;
        let parsed = parse(&value);
        if parsed.is_none() {
            self.fail(obj.path(name), Problem::NotOneOf { value, allowed });
        }
        parsed
    }

    fn url(&mut self, obj: &Obj, name: &str) -> Option<String> {
        let url = self.string(obj, name, false)?;
        if is_safe_link(&url) {
            Some(url)
        } else {
            self.fail(obj.path(name), Problem::Value(Fault::UnsafeUrl, url));
            None
        }
    }

    fn domain(&mut self, obj: &Obj, name: &str) -> Option<String> {
        let domain = self.string(obj, name, false)?;
        if is_valid_domain(&domain) {
            Some(domain.strip_prefix(".").unwrap_or(&domain).to_ascii_lowercase())
        } else {
            self.fail(obj.path(name), Problem::Value(Fault::InvalidDomain, domain));
            None
        }
    }
}

/// Reads and validates a whole configuration document.
pub(super) fn config(doc: &Json) -> Result<Config, ConfigErrors> {
    let mut r = Reader { errors: Vec::new() };
    let known = "$schema revision site languages language cookie ui translations \
        accept_all_includes_separate consent_mode gpc receipts categories services";
    let Some(root) = r.object(doc, "", known) else {
        return Err(ConfigErrors(r.errors));
    };

    let revision = match root.get("revision") {
        None => {
            r.fail("revision", Problem::Missing);
            0
        }
        Some(_) => r.integer(&root, "revision", 0, u32::MAX as u64).unwrap_or(0),
    };
    let site = read_site(&mut r, &root);
    let translations = read_translations(&mut r, &root);
    let languages = read_languages(&mut r, &root, &translations);
    let language = r.string(&root, "language", false).filter(|l| {
        let ok = languages.iter().any(|x| x.eq_ignore_ascii_case(l));
        if !ok {
            r.fail("language", Problem::Value(Fault::UnsupportedLanguage, l.clone()));
        }
        ok
    });
    let cookie = read_cookie(&mut r, &root);
    let ui = read_ui(&mut r, &root);
    let accept_all_includes_separate = r.boolean(&root, "accept_all_includes_separate");
    let categories = read_categories(&mut r, &root);
    let services = read_services(&mut r, &root, &categories);
    let consent_mode = read_consent_mode(&mut r, &root, &categories);
    let gpc = read_gpc(&mut r, &root, &categories);
    let receipt_endpoint = match root.get("receipts") {
        None => None,
        Some(value) => r.object(value, "receipts", "endpoint").and_then(|obj| r.url(&obj, "endpoint")),
    };

    if r.errors.is_empty() {
        Ok(Config {
            revision,
            site,
            languages,
            language,
            cookie,
            ui,
            translations,
            accept_all_includes_separate,
            consent_mode,
            gpc,
            receipt_endpoint,
            categories,
            services,
        })
    } else {
        Err(ConfigErrors(r.errors))
    }
}

fn read_site(r: &mut Reader, root: &Obj) -> Site {
    let empty = Site { controller: String::new(), contact: None, policy_url: None, jurisdiction: None };
    let Some(value) = root.get("site") else {
        r.fail("site", Problem::Missing);
        return empty;
    };
    let Some(site) = r.object(value, "site", "controller contact policy_url jurisdiction") else {
        return empty;
    };
    Site {
        controller: r.string(&site, "controller", true).unwrap_or_default(),
        contact: r.string(&site, "contact", false),
        policy_url: r.url(&site, "policy_url"),
        jurisdiction: r.string(&site, "jurisdiction", false),
    }
}

fn read_translations(r: &mut Reader, root: &Obj) -> Vec<(String, Vec<(Key, String)>)> {
    let Some(value) = root.get("translations") else { return Vec::new() };
    let Some(Json::Object(langs)) = Some(value) else {
        r.wrong_type("translations", "an object of texts by language", value);
        return Vec::new();
    };
    let mut out = Vec::new();
    for (lang, table) in langs {
        let path = cat(&["translations.", lang]);
        if !is_language_tag(lang) {
            r.fail(path, Problem::Value(Fault::InvalidLanguageTag, lang.clone()));
            continue;
        }
        let Json::Object(entries) = table else {
            r.wrong_type(&path, "an object of texts", table);
            continue;
        };
        let mut texts = Vec::new();
        for (name, text) in entries {
            let entry_path = cat(&[&path, ".", name]);
            match (Key::from_name(name), text) {
                (None, _) => r.fail(entry_path, Problem::UnknownField),
                (Some(key), Json::String(s)) if !is_blank(s) => texts.push((key, s.clone())),
                (Some(_), Json::String(_)) => r.fail(entry_path, Problem::Empty),
                (Some(_), other) => r.wrong_type(&entry_path, "a string", other),
            }
        }
        if i18n::built_in(lang).is_none() {
            let mut missing = Vec::new();
            for &key in KEYS {
                if !texts.iter().any(|(t, _)| *t == key) {
                    missing.push(key.name());
                }
            }
            if !missing.is_empty() {
                r.fail(path, Problem::MissingTranslations(missing));
            }
        }
        out.push((lang.clone(), texts));
    }
    out
}

fn read_languages(r: &mut Reader, root: &Obj, translations: &[(String, Vec<(Key, String)>)]) -> Vec<String> {
    let default = || {
        let mut out = Vec::new();
        for lang in BUILT_IN_LANGUAGES {
            out.push(lang.to_string());
        }
        out
    };
    let Some(items) = r.array(root, "languages") else { return default() };
    if items.is_empty() {
        r.fail("languages", Problem::Empty);
        return default();
    }
    let mut out: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = join("languages", i);
        match item {
            Json::String(tag) => {
                let mut known = BUILT_IN_LANGUAGES.iter().find(|l| l.eq_ignore_ascii_case(tag)).map(|l| l.to_string());
                for (lang, _) in translations {
                    if known.is_none() && lang.eq_ignore_ascii_case(tag) {
                        known = Some(lang.clone());
                    }
                }
                match known {
                    Some(lang) if out.contains(&lang) => r.fail(path, Problem::Value(Fault::Duplicate, tag.clone())),
                    Some(lang) => out.push(lang),
                    None => r.fail(path, Problem::Value(Fault::UnsupportedLanguage, tag.clone())),
                }
            }
            other => r.wrong_type(&path, "a language tag string", other),
        }
    }
    if out.is_empty() {
        default()
    } else {
        out
    }
}

fn read_cookie(r: &mut Reader, root: &Obj) -> CookieSettings {
    let mut settings =
        CookieSettings { name: "accord_consent".into(), expiry_days: DEFAULT_EXPIRY_DAYS, domain: None };
    let Some(value) = root.get("cookie") else { return settings };
    let Some(obj) = r.object(value, "cookie", "name expiry_days domain") else { return settings };
    if let Some(name) = r.string(&obj, "name", false) {
        if is_cookie_token(&name) && !name.bytes().any(|b| b == b'*') {
            settings.name = name;
        } else {
            r.fail("cookie.name", Problem::Value(Fault::InvalidCookieName, name));
        }
    }
    if let Some(days) = r.integer(&obj, "expiry_days", 1, MAX_EXPIRY_DAYS as u64) {
        settings.expiry_days = days as u32;
    }
    settings.domain = r.domain(&obj, "domain");
    settings
}

fn read_ui(r: &mut Reader, root: &Obj) -> UiSettings {
    let mut ui = UiSettings {
        layout: Layout::Bar,
        position: Position::Bottom,
        block_page: false,
        theme: Theme::Auto,
        floating_button: true,
    };
    let Some(value) = root.get("ui") else { return ui };
    let known = "layout position block_page theme floating_button";
    let Some(obj) = r.object(value, "ui", known) else { return ui };
    ui.layout = r
        .choice(&obj, "layout", r#""bar", "box", "modal""#, Layout::from_name)
        .unwrap_or(Layout::Bar);
    let (default, allowed, positions): (Position, &'static str, &[Position]) = match ui.layout {
        Layout::Bar => (Position::Bottom, r#""top", "bottom""#, &[Position::Top, Position::Bottom]),
        Layout::Box => (
            Position::BottomRight,
            r#""top-left", "top-right", "bottom-left", "bottom-right""#,
            &[Position::TopLeft, Position::TopRight, Position::BottomLeft, Position::BottomRight],
        ),
        Layout::Modal => (Position::Center, r#""center""#, &[Position::Center]),
    };
    ui.position = r
        .choice(&obj, "position", allowed, |v| Position::from_name(v).filter(|p| positions.contains(p)))
        .unwrap_or(default);
    ui.block_page = r.boolean(&obj, "block_page");
    if ui.block_page && ui.layout != Layout::Modal {
        r.fail("ui.block_page", Problem::NotOneOf { value: "true".into(), allowed: "false (only the modal layout can block the page)" });
    }
    ui.theme = r
        .choice(&obj, "theme", r#""auto", "light", "dark""#, Theme::from_name)
        .unwrap_or(Theme::Auto);
    if let Some(Json::Bool(b)) = obj.get("floating_button") {
        ui.floating_button = *b;
    } else if obj.get("floating_button").is_some() {
        r.boolean(&obj, "floating_button");
    }
    ui
}

fn read_categories(r: &mut Reader, root: &Obj) -> Vec<Category> {
    let Some(items) = r.array(root, "categories") else {
        if root.get("categories").is_none() {
            r.fail("categories", Problem::Missing);
        }
        return Vec::new();
    };
    if items.is_empty() {
        r.fail("categories", Problem::Empty);
    }
    let mut out: Vec<Category> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = join("categories", i);
        let known = "id required separate_consent title description";
        let Some(obj) = r.object(item, &path, known) else { continue };
        let id = r.id(&obj, "id");
        if let Some(id) = &id {
            if out.iter().any(|c| &c.id == id) {
                r.fail(obj.path("id"), Problem::Value(Fault::Duplicate, id.clone()));
            }
        }
        let required = r.boolean(&obj, "required");
        let separate_consent = r.boolean(&obj, "separate_consent");
        if required && separate_consent {
            r.fail(obj.path("separate_consent"), Problem::RequiredAndSeparate);
        }
        let title = r.text(&obj, "title", true);
        let description = r.text(&obj, "description", false);
        if let (Some(id), Some(title)) = (id, title) {
            out.push(Category { id, required, separate_consent, title, description });
        }
    }
    out
}

fn read_services(r: &mut Reader, root: &Obj, categories: &[Category]) -> Vec<Service> {
    let Some(items) = r.array(root, "services") else { return Vec::new() };
    let mut out: Vec<Service> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = join("services", i);
        let known = "id name provider category separate_consent cookies trackers description";
        let Some(obj) = r.object(item, &path, known) else { continue };
        let id = r.id(&obj, "id");
        if let Some(id) = &id {
            if out.iter().any(|s| &s.id == id) {
                r.fail(obj.path("id"), Problem::Value(Fault::Duplicate, id.clone()));
            }
        }
        let name = r.string(&obj, "name", true);
        let provider = r.string(&obj, "provider", false);
        let separate_consent = r.boolean(&obj, "separate_consent");
        let category = r.string(&obj, "category", true).filter(|c| {
            // Only report an unknown category when the categories themselves were readable.
            let known = categories.iter().any(|k| &k.id == c) || categories.is_empty();
            if !known {
                r.fail(obj.path("category"), Problem::Value(Fault::UnknownCategory, c.clone()));
            }
            known
        });
        let cookies = read_cookie_rules(r, &obj);
        let trackers = read_trackers(r, &obj);
        let description = r.text(&obj, "description", false);
        if let (Some(id), Some(name), Some(category)) = (id, name, category) {
            out.push(Service { id, name, provider, category, separate_consent, cookies, trackers, description });
        }
    }
    out
}

fn read_trackers(r: &mut Reader, service: &Obj) -> Vec<String> {
    let Some(items) = r.array(service, "trackers") else { return Vec::new() };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = join(&service.path("trackers"), i);
        match item {
            Json::String(t) if is_tracker_pattern(t) => out.push(t.clone()),
            Json::String(t) => r.fail(path, Problem::Value(Fault::InvalidTracker, t.clone())),
            other => r.wrong_type(&path, "a string", other),
        }
    }
    out
}

/// A host (optionally with a port) or an http(s) URL pattern.
fn is_tracker_pattern(t: &str) -> bool {
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")) {
        return !rest.is_empty() && !rest.starts_with("*");
    }
    let (host, port) = crate::message::split_last(t, b':').map_or((t, None), |(h, p)| (h, Some(p)));
    is_valid_domain(host) && port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && all_bytes(p, |b| b.is_ascii_digit()))
}

fn read_id_list(r: &mut Reader, value: &Json, path: &str, categories: &[Category]) -> Vec<String> {
    let Json::Array(items) = value else {
        r.wrong_type(path, "an array of category ids", value);
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            Json::String(id) if categories.iter().any(|c| &c.id == id) => out.push(id.clone()),
            Json::String(id) => r.fail(join(path, i), Problem::Value(Fault::UnknownCategory, id.clone())),
            other => r.wrong_type(&join(path, i), "a category id", other),
        }
    }
    out
}

fn read_consent_mode(r: &mut Reader, root: &Obj, categories: &[Category]) -> Option<Vec<(String, Vec<String>)>> {
    let value = match root.get("consent_mode") {
        None | Some(Json::Bool(true)) => return Some(default_consent_mode(categories)),
        Some(Json::Bool(false)) => return None,
        Some(v) => v,
    };
    let Json::Object(members) = value else {
        r.wrong_type("consent_mode", "true, false, or an object of signal: [category ids]", value);
        return None;
    };
    let mut out = Vec::new();
    for (signal, ids) in members {
        let path = cat(&["consent_mode.", signal]);
        if Signal::from_name(signal).is_none() {
            r.fail(path, Problem::NotOneOf { value: signal.clone(), allowed: "the Consent Mode v2 signals (ad_storage, ad_user_data, ad_personalization, analytics_storage, functionality_storage, personalization_storage, security_storage)" });
            continue;
        }
        out.push((signal.clone(), read_id_list(r, ids, &path, categories)));
    }
    Some(out)
}

fn default_consent_mode(categories: &[Category]) -> Vec<(String, Vec<String>)> {
    let required = categories.iter().find(|c| c.required).map(|c| c.id.as_str());
    let mut out = Vec::with_capacity(Signal::ALL.len());
    for &signal in Signal::ALL {
        let category = match signal {
            Signal::AdStorage | Signal::AdUserData | Signal::AdPersonalization => Some("marketing"),
            Signal::AnalyticsStorage => Some("analytics"),
            Signal::FunctionalityStorage | Signal::PersonalizationStorage => Some("preferences"),
            Signal::SecurityStorage => required,
        };
        let mut ids = Vec::new();
        if let Some(id) = category.filter(|id| categories.iter().any(|c| c.id == *id)) {
            ids.push(id.to_string());
        }
        out.push((signal.name().to_string(), ids));
    }
    out
}

fn read_gpc(r: &mut Reader, root: &Obj, categories: &[Category]) -> GpcSettings {
    let mut default_categories = Vec::new();
    if categories.iter().any(|c| c.id == "marketing") {
        default_categories.push("marketing".to_string());
    }
    let mut gpc = GpcSettings { honor: true, categories: default_categories };
    let Some(value) = root.get("gpc") else { return gpc };
    let Some(obj) = r.object(value, "gpc", "honor categories") else { return gpc };
    if obj.get("honor").is_some() {
        gpc.honor = r.boolean(&obj, "honor");
    }
    if let Some(list) = obj.get("categories") {
        gpc.categories = read_id_list(r, list, "gpc.categories", categories);
    }
    gpc
}

fn read_cookie_rules(r: &mut Reader, service: &Obj) -> Vec<CookieRule> {
    let Some(items) = r.array(service, "cookies") else { return Vec::new() };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = join(&service.path("cookies"), i);
        let rule = match item {
            Json::String(name) => Some(CookieRule {
                name: name.clone(),
                domain: None,
                kind: TrackerKind::Cookie,
                duration: None,
                max_age_days: None,
                purpose: None,
            }),
            other => r.object(other, &path, "name domain kind duration max_age_days purpose").and_then(|obj| {
                let name = r.string(&obj, "name", true);
                let domain = r.domain(&obj, "domain");
                let allowed = r#""cookie", "web_beacon", "pixel_tag", "local_storage""#;
                let kind = r.choice(&obj, "kind", allowed, TrackerKind::from_name).unwrap_or(TrackerKind::Cookie);
                let duration = r.text(&obj, "duration", false);
                let max_age_days = r.integer(&obj, "max_age_days", 0, 36_500).map(|d| d as u32);
                let purpose = r.text(&obj, "purpose", false);
                Some(CookieRule { name: name?, domain, kind, duration, max_age_days, purpose })
            }),
        };
        match rule {
            // Only cookie names are bound by the cookie grammar; a storage key or beacon name is free text.
            Some(rule) if rule.kind != TrackerKind::Cookie || is_cookie_token(&rule.name) => out.push(rule),
            Some(rule) => {
                let at = if matches!(item, Json::String(_)) { path } else { cat(&[&path, ".name"]) };
                r.fail(at, Problem::Value(Fault::InvalidCookieName, rule.name));
            }
            None => {}
        }
    }
    out
}

/// Whether every byte of `s` passes `ok`. One loop that each validator (and the shell's own
/// checks) calls with its own test, where `bytes().all` compiled a copy per closure into the wasm.
pub(crate) fn all_bytes(s: &str, ok: fn(u8) -> bool) -> bool {
    for b in s.bytes() {
        if !ok(b) {
            return false;
        }
    }
    true
}

/// Whether a text is empty or only white space, Unicode's (an ideographic space too): such a
/// text would show nothing. (Not `trim().is_empty()`, whose trimming at both ends cost the wasm
/// a function of its own.)
fn is_blank(s: &str) -> bool {
    s.chars().all(char::is_whitespace)
}

/// Category and service ids: short, lower-case, safe in a cookie value and a CSS selector.
pub(crate) fn is_valid_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && all_bytes(id, |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// A cookie name as RFC 6265 allows it (a token), plus `*` for patterns.
fn is_cookie_token(name: &str) -> bool {
    !name.is_empty()
        && all_bytes(name, |b| b.is_ascii_graphic() && !matches!(b, b'(' | b')' | b'<' | b'>' | b'@' | b',' | b';' | b':' | b'\\' | b'"' | b'/' | b'[' | b']' | b'?' | b'=' | b'{' | b'}'))
}

fn is_valid_domain(domain: &str) -> bool {
    let d = domain.strip_prefix(".").unwrap_or(domain);
    !d.is_empty()
        && d.len() <= 253
        && pieces(d, b'.').all(|label| {
            (1..=63).contains(&label.len())
                && all_bytes(label, |b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with("-")
                && !label.ends_with("-")
        })
}

fn is_language_tag(tag: &str) -> bool {
    let mut parts = pieces(tag, b'-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && all_bytes(primary, |b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && all_bytes(p, |b| b.is_ascii_alphanumeric()))
}

/// A link is safe to put in `href` when it is http(s) or relative: no `javascript:`,
/// `data:` or other scheme, however it is disguised with case, white space or control characters.
pub(crate) fn is_safe_link(url: &str) -> bool {
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    let scheme_end = url.bytes().position(|b| b == b':');
    let path_start = url.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(url.len());
    match scheme_end {
        Some(colon) if colon < path_start => {
            let scheme = url[..colon].to_ascii_lowercase();
            (scheme == "http" || scheme == "https") && url[colon + 1..].starts_with("//")
        }
        // Relative, or protocol-relative (which stays on the page's http(s) scheme).
        _ => true,
    }
}
