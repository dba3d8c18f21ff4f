//! The visitor's choice as a value: which categories are granted, when, under which config
//! revision, and its compact, versioned cookie encoding (validated strictly on read).
//!
//! The id and the time come from outside (the shell asks the browser), so this stays pure.

use std::collections::BTreeSet;
use std::fmt;

use crate::config::Config;

/// Current version of the cookie encoding.
pub const FORMAT_VERSION: u32 = 1;
/// Longest cookie value we write or read back; anything larger is corrupt by definition.
pub const MAX_ENCODED_LEN: usize = 2048;

/// A recorded choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// A random UUID naming this choice.
    pub id: String,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// The config revision the visitor saw.
    pub revision: u64,
    /// Granted category ids; every other category of that revision is refused.
    pub granted: BTreeSet<String>,
}

/// What the visitor chose, before it is stamped with an id and a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    AcceptAll,
    RejectAll,
    /// Exactly these categories (required ones are added regardless).
    Only(Vec<String>),
}

/// A choice that names a category the config does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCategory(pub String);

impl fmt::Display for UnknownCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown category \"{}\"", self.0)
    }
}

impl std::error::Error for UnknownCategory {}

impl Consent {
    /// Records `choice` against `config`. Required categories are always granted.
    pub fn new(config: &Config, choice: &Choice, id: String, timestamp_ms: u64) -> Result<Consent, UnknownCategory> {
        let mut granted: BTreeSet<String> =
            config.categories.iter().filter(|c| c.required).map(|c| c.id.clone()).collect();
        match choice {
            Choice::AcceptAll => granted.extend(config.categories.iter().map(|c| c.id.clone())),
            Choice::RejectAll => {}
            Choice::Only(ids) => {
                for id in ids {
                    if config.category(id).is_none() {
                        return Err(UnknownCategory(id.clone()));
                    }
                    granted.insert(id.clone());
                }
            }
        }
        Ok(Consent { id, timestamp_ms, revision: config.revision, granted })
    }

    pub fn allows(&self, category: &str) -> bool {
        self.granted.contains(category)
    }

    /// The cookie value: `1.<revision>.<timestamp ms>.<uuid>.<granted ids joined by '+'>`.
    /// Every character is allowed in a cookie value without quoting.
    pub fn encode(&self) -> String {
        let granted: Vec<&str> = self.granted.iter().map(String::as_str).collect();
        format!("{FORMAT_VERSION}.{}.{}.{}.{}", self.revision, self.timestamp_ms, self.id, granted.join("+"))
    }

    /// Reads a cookie value back, refusing anything that is not exactly what [`encode`](Self::encode) writes.
    pub fn decode(value: &str) -> Result<Consent, DecodeError> {
        if value.len() > MAX_ENCODED_LEN {
            return Err(DecodeError::TooLong(value.len()));
        }
        let fields: Vec<&str> = value.split('.').collect();
        let [version, revision, timestamp, id, granted] = fields[..] else {
            return Err(DecodeError::FieldCount(fields.len()));
        };
        if version != FORMAT_VERSION.to_string() {
            return Err(DecodeError::Version(version.to_string()));
        }
        let number = |field: &'static str, text: &str| {
            let canonical = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
            canonical.then(|| text.parse::<u64>().ok()).flatten().ok_or(DecodeError::Number(field))
        };
        let revision = number("revision", revision)?;
        let timestamp_ms = number("timestamp", timestamp)?;
        if !is_uuid(id) {
            return Err(DecodeError::Id);
        }
        let mut set = BTreeSet::new();
        if !granted.is_empty() {
            for category in granted.split('+') {
                if !crate::config::is_valid_id(category) || !set.insert(category.to_string()) {
                    return Err(DecodeError::Category(category.to_string()));
                }
            }
        }
        Ok(Consent { id: id.to_string(), timestamp_ms, revision, granted: set })
    }
}

/// Why a stored consent value could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    TooLong(usize),
    FieldCount(usize),
    Version(String),
    Number(&'static str),
    Id,
    Category(String),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::TooLong(n) => write!(f, "value is {n} bytes, longer than {MAX_ENCODED_LEN}"),
            DecodeError::FieldCount(n) => write!(f, "expected 5 fields separated by '.', found {n}"),
            DecodeError::Version(v) => write!(f, "unknown format version \"{v}\""),
            DecodeError::Number(field) => write!(f, "{field} is not a number"),
            DecodeError::Id => write!(f, "id is not a UUID"),
            DecodeError::Category(c) => write!(f, "invalid or repeated category \"{c}\""),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Lower-case hyphenated UUID text (any version): 8-4-4-4-12 hex digits.
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// Formats 16 random bytes as a version 4 UUID.
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(b"0123456789abcdef"[(b >> 4) as usize]));
        out.push(char::from(b"0123456789abcdef"[(b & 15) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f2b8c1e-9a4d-4c6e-8f00-123456789abc";

    fn config() -> Config {
        Config::parse(include_str!("../www/accord-config.json")).unwrap()
    }

    fn granted(c: &Consent) -> Vec<&str> {
        c.granted.iter().map(String::as_str).collect()
    }

    #[test]
    fn reject_all_keeps_required_categories() {
        let c = Consent::new(&config(), &Choice::RejectAll, ID.into(), 1).unwrap();
        assert_eq!(granted(&c), ["necessary"]);
        assert!(!c.allows("analytics"));
    }

    #[test]
    fn accept_all_grants_every_category() {
        let c = Consent::new(&config(), &Choice::AcceptAll, ID.into(), 1).unwrap();
        assert_eq!(granted(&c), ["analytics", "marketing", "necessary", "preferences"]);
    }

    #[test]
    fn a_partial_choice_grants_exactly_those_plus_required() {
        let c = Consent::new(&config(), &Choice::Only(vec!["analytics".into()]), ID.into(), 1).unwrap();
        assert_eq!(granted(&c), ["analytics", "necessary"]);
        assert_eq!(c.revision, 1);
    }

    #[test]
    fn a_choice_naming_an_unknown_category_is_refused() {
        let err = Consent::new(&config(), &Choice::Only(vec!["ads".into()]), ID.into(), 1).unwrap_err();
        assert_eq!(err.to_string(), "unknown category \"ads\"");
    }

    #[test]
    fn encoding_round_trips() {
        let c = Consent::new(&config(), &Choice::Only(vec!["marketing".into()]), ID.into(), 1_790_000_000_123).unwrap();
        let text = c.encode();
        assert_eq!(text, format!("1.1.1790000000123.{ID}.marketing+necessary"));
        assert_eq!(Consent::decode(&text).unwrap(), c);
    }

    #[test]
    fn an_empty_grant_round_trips() {
        let c = Consent { id: ID.into(), timestamp_ms: 5, revision: 0, granted: BTreeSet::new() };
        assert_eq!(Consent::decode(&c.encode()).unwrap(), c);
    }

    #[test]
    fn corrupt_values_are_refused_with_a_reason() {
        let cases: &[(&str, DecodeError)] = &[
            ("", DecodeError::FieldCount(1)),
            ("garbage", DecodeError::FieldCount(1)),
            (&format!("2.1.5.{ID}.a"), DecodeError::Version("2".into())),
            (&format!("1.x.5.{ID}.a"), DecodeError::Number("revision")),
            (&format!("1.01.5.{ID}.a"), DecodeError::Number("revision")),
            (&format!("1.1.-5.{ID}.a"), DecodeError::Number("timestamp")),
            (&format!("1.1.99999999999999999999999.{ID}.a"), DecodeError::Number("timestamp")),
            ("1.1.5.not-a-uuid.a", DecodeError::Id),
            (&format!("1.1.5.{}.a", ID.to_uppercase()), DecodeError::Id),
            (&format!("1.1.5.{ID}.a+a"), DecodeError::Category("a".into())),
            (&format!("1.1.5.{ID}.a++b"), DecodeError::Category("".into())),
            (&format!("1.1.5.{ID}.<script>"), DecodeError::Category("<script>".into())),
            (&format!("1.1.5.{ID}.a.b"), DecodeError::FieldCount(6)),
        ];
        for (text, expected) in cases {
            assert_eq!(Consent::decode(text).as_ref(), Err(expected), "for {text:?}");
        }
        assert!(matches!(Consent::decode(&"1".repeat(MAX_ENCODED_LEN + 1)), Err(DecodeError::TooLong(_))));
    }

    #[test]
    fn uuid_v4_sets_version_and_variant() {
        let id = uuid_v4([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert!(is_uuid(&id));
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
    }
}
