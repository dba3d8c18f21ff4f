//! The site's configuration: parsed from JSON text and validated into a typed, immutable
//! [`Config`]. Every problem found is reported with the path of the field at fault
//! (`categories[2].id: duplicate "analytics"`); a config with any error is refused whole.
//!
//! This module knows nothing of the browser; the shell hands it the text it read.

pub mod json;
mod read;
mod text;

pub use json::SyntaxError;

use crate::i18n::Key;
use crate::message::{cat, count_lines, decimal, display_by_describe, joined, line, lines, named, pieces, Describe};
pub(crate) use read::is_valid_id;
/// For the click-to-load placeholder's width and height (browser code only).
#[cfg(target_arch = "wasm32")]
pub(crate) use read::all_bytes;
pub use text::Text;

/// Languages whose interface texts are built in.
pub const BUILT_IN_LANGUAGES: [&str; 2] = ["en", "zh-CN"];
/// Default lifetime of the consent cookie: six months.
pub const DEFAULT_EXPIRY_DAYS: u32 = 182;
/// Longest consent lifetime accepted (13 months, the CNIL/EDPB ceiling for consent cookies).
pub const MAX_EXPIRY_DAYS: u32 = 395;
/// Largest configuration text accepted, in bytes.
pub const MAX_CONFIG_BYTES: usize = 256 * 1024;

/// A validated site configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Bumped by the site owner when the categories or their meaning change; a stored
    /// consent for another revision is no longer valid and the visitor is asked again.
    pub revision: u64,
    pub site: Site,
    /// Languages the site offers, most preferred first.
    pub languages: Vec<String>,
    /// A language fixed by the site owner, overriding page and browser.
    pub language: Option<String>,
    pub cookie: CookieSettings,
    pub ui: UiSettings,
    /// Interface texts by language: overrides for built-in languages, complete tables for others.
    pub translations: Vec<(String, Vec<(Key, String)>)>,
    /// Whether "Accept all" also grants what needs separate consent. Default: no.
    pub accept_all_includes_separate: bool,
    /// Google Consent Mode v2: signal -> categories that grant it; `None` when turned off.
    pub consent_mode: Option<Vec<(String, Vec<String>)>>,
    /// Global Privacy Control: whether to honour it, and the categories it keeps off.
    pub gpc: GpcSettings,
    /// Where signed consent receipts are POSTed; without one they are kept in the browser.
    pub receipt_endpoint: Option<String>,
    pub categories: Vec<Category>,
    pub services: Vec<Service>,
}

/// With the browser's Global Privacy Control signal on, these categories stay out of Accept
/// all: only switching them on one by one grants them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpcSettings {
    pub honor: bool,
    pub categories: Vec<String>,
}

/// How the banner looks and where it sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiSettings {
    pub layout: Layout,
    pub position: Position,
    /// Modal layout only: cover the page until the visitor chooses.
    pub block_page: bool,
    pub theme: Theme,
    /// Show a small "Privacy settings" button once a choice is made.
    pub floating_button: bool,
}

named! {
    pub enum Layout {
        Bar = "bar",
        Box = "box",
        Modal = "modal",
    }
}

named! {
    pub enum Position {
        Top = "top",
        Bottom = "bottom",
        TopLeft = "top-left",
        TopRight = "top-right",
        BottomLeft = "bottom-left",
        BottomRight = "bottom-right",
        Center = "center",
    }
}

named! {
    pub enum Theme {
        Auto = "auto",
        Light = "light",
        Dark = "dark",
    }
}

/// Facts about the data controller, shown in the banner and later in receipts.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub controller: String,
    pub contact: Option<String>,
    pub policy_url: Option<String>,
    pub jurisdiction: Option<String>,
}

/// Where and for how long the visitor's choice is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct CookieSettings {
    pub name: String,
    pub expiry_days: u32,
    /// `None`: a host-only cookie. `Some("example.com")`: shared with subdomains.
    pub domain: Option<String>,
}

/// A purpose the visitor grants or refuses as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: String,
    /// Strictly necessary: always on, cannot be refused.
    pub required: bool,
    /// Sensitive data or provision to third parties: needs its own explicit confirmation.
    pub separate_consent: bool,
    pub title: Text,
    pub description: Option<Text>,
}

/// A third party or feature inside a category, with the cookies it sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub provider: Option<String>,
    pub category: String,
    pub separate_consent: bool,
    pub cookies: Vec<CookieRule>,
    /// Hosts or URL patterns of the requests this service makes (see `track`).
    pub trackers: Vec<String>,
    pub description: Option<Text>,
}

/// Something a service stores or sends: a cookie, web beacon, pixel tag or localStorage key,
/// by exact name or a pattern where `*` matches any run of characters.
#[derive(Debug, Clone, PartialEq)]
pub struct CookieRule {
    pub name: String,
    pub domain: Option<String>,
    pub kind: TrackerKind,
    pub duration: Option<Text>,
    /// The longest it may live, in whole days (0: a session cookie), for scanners to check;
    /// `duration` is what visitors read.
    pub max_age_days: Option<u32>,
    pub purpose: Option<Text>,
}

named! {
    /// The kinds of technology the privacy policies this serves name.
    pub enum TrackerKind {
        Cookie = "cookie",
        WebBeacon = "web_beacon",
        PixelTag = "pixel_tag",
        LocalStorage = "local_storage",
    }
}

impl CookieRule {
    /// Whether a cookie of this name is covered by the rule.
    pub fn matches(&self, cookie_name: &str) -> bool {
        glob_matches(&self.name, cookie_name)
    }
}

/// Where `needle` first occurs in `hay`, by a plain scan. The strings searched are cookie
/// names, storage keys and URLs, short enough that std's Two-Way searcher (`str::find` with a
/// string pattern) bought nothing for its 1.4 KB of wasm.
pub(crate) fn find(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    // A match of valid UTF-8 in valid UTF-8 starts on a character boundary.
    hay.as_bytes().windows(needle.len()).position(|w| w == needle.as_bytes())
}

/// `*` matches any run of characters; everything else matches itself.
pub(crate) fn glob_matches(pattern: &str, name: &str) -> bool {
    let mut parts = pieces(pattern, b'*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else { return false };
    // Each piece between stars is found at its first place after the one before; the last
    // must end the name. (Read as they come, not collected: a `Vec<&str>` of pieces was 181 B
    // of wasm.)
    let Some(mut piece) = parts.next() else { return rest.is_empty() };
    for next in parts {
        match find(rest, piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
        piece = next;
    }
    rest.ends_with(piece)
}

impl Config {
    /// Parses and validates configuration text.
    pub fn parse(text: &str) -> Result<Config, ConfigErrors> {
        Config::parse_with(text, json::parse)
    }

    /// Parses configuration text with `parse`, then validates it. The wasm passes the
    /// browser's `JSON.parse` (see `browser::json`), which leaves [`json::parse`] out of it.
    pub fn parse_with(text: &str, parse: fn(&str) -> Result<json::Json, SyntaxError>) -> Result<Config, ConfigErrors> {
        if text.len() > MAX_CONFIG_BYTES {
            return Err(ConfigErrors(vec![ConfigError::new(
                "",
                Problem::TooLarge { bytes: text.len(), limit: MAX_CONFIG_BYTES },
            )]));
        }
        let value = parse(text).map_err(|e| ConfigErrors(vec![ConfigError::new("", Problem::Syntax(e))]))?;
        read::config(&value)
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    /// The services declared in a category, in config order.
    pub fn services_in(&self, category: &str) -> Vec<&Service> {
        let mut out = Vec::new();
        for service in &self.services {
            if service.category == category {
                out.push(service);
            }
        }
        out
    }
}

/// One problem in a configuration, with the path of the field at fault.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    /// `categories[2].id`; empty for the document as a whole.
    pub path: String,
    pub problem: Problem,
}

impl ConfigError {
    pub(crate) fn new(path: impl Into<String>, problem: Problem) -> Self {
        ConfigError { path: path.into(), problem }
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Syntax(SyntaxError),
    TooLarge { bytes: usize, limit: usize },
    Missing,
    WrongType { expected: &'static str, found: &'static str },
    UnknownField,
    Empty,
    /// A value the config gives, and what is wrong with it.
    Value(Fault, String),
    OutOfRange { value: u64, min: u64, max: u64 },
    NotOneOf { value: String, allowed: &'static str },
    MissingTranslations(Vec<&'static str>),
    /// A category with `required` and `separate_consent` both on (required is never asked).
    RequiredAndSeparate,
}

/// What is wrong with a value of the config ([`Problem::Value`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Duplicate,
    InvalidId,
    UnknownCategory,
    UnsafeUrl,
    InvalidCookieName,
    InvalidDomain,
    InvalidTracker,
    UnsupportedLanguage,
    InvalidLanguageTag,
}

/// For each [`Fault`] in order, what is said before the quoted value and what after, a line
/// each: one describing arm in place of nine, and no table of `&str`.
const AROUND: &str = lines![
    "duplicate ",
    "",
    "invalid id ",
    ": use 1 to 40 characters from a-z, 0-9, '_' and '-'",
    "unknown category ",
    "",
    "",
    " is not an http(s) or relative URL",
    "invalid cookie name ",
    "",
    "invalid domain ",
    "",
    "invalid tracker ",
    ": give a host (stats.example.com, 127.0.0.1:9000) or an http(s) URL pattern",
    "language ",
    " has no texts (built in: en, zh-CN; add others under \"translations\")",
    "",
    " is not a language tag like \"en\" or \"zh-CN\"",
];

const _: () = assert!(count_lines(AROUND) == 2 * (Fault::InvalidLanguageTag as usize + 1));

impl Describe for Problem {
    fn describe(&self) -> String {
        let q = |s: &str| cat(&["\"", s, "\""]);
        match self {
            Problem::Syntax(e) => e.describe(),
            Problem::TooLarge { bytes, limit } => {
                cat(&["config is ", &decimal(*bytes as u64), " bytes, more than the limit of ", &decimal(*limit as u64)])
            }
            Problem::Missing => "required field is missing".into(),
            Problem::WrongType { expected, found } => cat(&["expected ", expected, ", found ", found]),
            Problem::UnknownField => "unknown field (check the spelling)".into(),
            Problem::Empty => "must not be empty".into(),
            Problem::Value(fault, value) => {
                let at = *fault as usize * 2;
                cat(&[line(AROUND, at), "\"", value, "\"", line(AROUND, at + 1)])
            }
            Problem::OutOfRange { value, min, max } => {
                cat(&[&decimal(*value), " is out of range (", &decimal(*min), " to ", &decimal(*max), ")"])
            }
            Problem::NotOneOf { value, allowed } => cat(&[&q(value), " is not one of ", allowed]),
            Problem::MissingTranslations(keys) => {
                cat(&["a language without built-in texts needs every text; missing: ", &joined(keys, ", ")])
            }
            Problem::RequiredAndSeparate => "a required category is never asked, so it cannot need separate consent".into(),
        }
    }
}

display_by_describe!(Problem);

impl Describe for ConfigError {
    fn describe(&self) -> String {
        if self.path.is_empty() {
            self.problem.describe()
        } else {
            cat(&[&self.path, ": ", &self.problem.describe()])
        }
    }
}

display_by_describe!(ConfigError);

/// Every problem found in a configuration, in document order.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl Describe for ConfigErrors {
    fn describe(&self) -> String {
        let mut out = String::new();
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&error.describe());
        }
        out
    }
}

display_by_describe!(ConfigErrors);

impl std::error::Error for ConfigErrors {}

#[cfg(test)]
mod tests;
