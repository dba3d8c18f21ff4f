//! The site's configuration: parsed from JSON text and validated into a typed, immutable
//! [`Config`]. Every problem found is reported with the path of the field at fault
//! (`categories[2].id: duplicate "analytics"`); a config with any error is refused whole.
//!
//! This module knows nothing of the browser; the shell hands it the text it read.

pub mod json;
mod read;
mod text;

use std::fmt;

pub use json::SyntaxError;
pub(crate) use read::is_valid_id;
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
    pub categories: Vec<Category>,
    pub services: Vec<Service>,
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
    pub title: Text,
    pub description: Option<Text>,
}

/// A third party or feature inside a category, with the cookies it sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub category: String,
    pub cookies: Vec<CookieRule>,
    pub description: Option<Text>,
}

/// A cookie a service sets: an exact name, or a pattern where `*` matches any run of characters.
#[derive(Debug, Clone, PartialEq)]
pub struct CookieRule {
    pub name: String,
    pub domain: Option<String>,
}

impl CookieRule {
    /// Whether a cookie of this name is covered by the rule.
    pub fn matches(&self, cookie_name: &str) -> bool {
        glob_matches(&self.name, cookie_name)
    }
}

fn glob_matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else { return false };
    let pieces: Vec<&str> = parts.collect();
    let Some((last, middle)) = pieces.split_last() else { return rest.is_empty() };
    for piece in middle {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

impl Config {
    /// Parses and validates configuration text.
    pub fn parse(text: &str) -> Result<Config, ConfigErrors> {
        if text.len() > MAX_CONFIG_BYTES {
            return Err(ConfigErrors(vec![ConfigError::new(
                "",
                Problem::TooLarge { bytes: text.len(), limit: MAX_CONFIG_BYTES },
            )]));
        }
        let value = json::parse(text).map_err(|e| ConfigErrors(vec![ConfigError::new("", Problem::Syntax(e))]))?;
        read::config(&value)
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// The services declared in a category, in config order.
    pub fn services_in<'a>(&'a self, category: &'a str) -> impl Iterator<Item = &'a Service> + 'a {
        self.services.iter().filter(move |s| s.category == category)
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
    Duplicate(String),
    InvalidId(String),
    UnknownCategory(String),
    UnsafeUrl(String),
    InvalidCookieName(String),
    InvalidDomain(String),
    UnsupportedLanguage(String),
    OutOfRange { value: u64, min: u64, max: u64 },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Syntax(e) => write!(f, "{e}"),
            Problem::TooLarge { bytes, limit } => write!(f, "config is {bytes} bytes, more than the limit of {limit}"),
            Problem::Missing => write!(f, "required field is missing"),
            Problem::WrongType { expected, found } => write!(f, "expected {expected}, found {found}"),
            Problem::UnknownField => write!(f, "unknown field (check the spelling)"),
            Problem::Empty => write!(f, "must not be empty"),
            Problem::Duplicate(id) => write!(f, "duplicate \"{id}\""),
            Problem::InvalidId(id) => {
                write!(f, "invalid id \"{id}\": use 1 to 40 characters from a-z, 0-9, '_' and '-'")
            }
            Problem::UnknownCategory(id) => write!(f, "unknown category \"{id}\""),
            Problem::UnsafeUrl(url) => write!(f, "\"{url}\" is not an http(s) or relative URL"),
            Problem::InvalidCookieName(name) => write!(f, "invalid cookie name \"{name}\""),
            Problem::InvalidDomain(d) => write!(f, "invalid domain \"{d}\""),
            Problem::UnsupportedLanguage(l) => {
                write!(f, "language \"{l}\" is not supported (built in: {})", BUILT_IN_LANGUAGES.join(", "))
            }
            Problem::OutOfRange { value, min, max } => write!(f, "{value} is out of range ({min} to {max})"),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.problem)
        } else {
            write!(f, "{}: {}", self.path, self.problem)
        }
    }
}

/// Every problem found in a configuration, in document order.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

#[cfg(test)]
mod tests;
