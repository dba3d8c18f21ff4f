//! The visitor's choice as a value: which categories and services are granted, when, under
//! which config revision, and its compact, versioned cookie encoding (validated strictly on read).
//!
//! The id and the time come from outside (the shell asks the browser), so this stays pure.

use crate::config::Config;
use crate::message::{cat, decimal, display_by_describe, joined, parse_decimal, pieces, Describe};

/// Current version of the cookie encoding.
pub const FORMAT_VERSION: u32 = 1;
/// Longest cookie value we write or read back; anything larger is corrupt by definition.
pub const MAX_ENCODED_LEN: usize = 2048;

/// A set of ids (or names), kept sorted and without repeats: a sorted `Vec` rather than a
/// `BTreeSet` and sorts, which cost the wasm several KB for sets of a handful of ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct IdSet(Vec<String>);

impl IdSet {
    pub fn new() -> IdSet {
        IdSet(Vec::new())
    }

    /// Where `id` is (`Ok`), or where it would go (`Err`). A scan, not a binary search: a
    /// site has tens of ids, and the two searches this replaced cost the wasm more bytes.
    fn find(&self, id: &str) -> Result<usize, usize> {
        let at = self.0.iter().take_while(|probe| probe.as_str() < id).count();
        if self.0.get(at).is_some_and(|probe| probe == id) {
            Ok(at)
        } else {
            Err(at)
        }
    }

    /// Adds `id`; false when it was there already.
    pub fn insert(&mut self, id: String) -> bool {
        match self.find(&id) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, id);
                true
            }
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.find(id).is_ok()
    }

    /// The ids in order.
    pub fn iter(&self) -> std::slice::Iter<'_, String> {
        self.0.iter()
    }

    /// The ids in order, as a slice.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// The ids in order, as a vector.
    pub fn into_vec(self) -> Vec<String> {
        self.0
    }

    /// The greatest id.
    pub fn last(&self) -> Option<&String> {
        self.0.last()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Extend<String> for IdSet {
    fn extend<I: IntoIterator<Item = String>>(&mut self, ids: I) {
        for id in ids {
            self.insert(id);
        }
    }
}

impl FromIterator<String> for IdSet {
    fn from_iter<I: IntoIterator<Item = String>>(ids: I) -> IdSet {
        let mut set = IdSet::new();
        set.extend(ids);
        set
    }
}

impl<'a> FromIterator<&'a str> for IdSet {
    fn from_iter<I: IntoIterator<Item = &'a str>>(ids: I) -> IdSet {
        ids.into_iter().map(str::to_string).collect()
    }
}

impl IntoIterator for IdSet {
    type Item = String;
    type IntoIter = std::vec::IntoIter<String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a IdSet {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

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
    pub granted: IdSet,
    /// Granted service ids; every other service of that revision is refused.
    pub services: IdSet,
}

/// What the visitor chose, before it is stamped with an id and a time. Required categories
/// and their services are always granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Every category and service, except those needing separate consent (unless the config
    /// says Accept all includes them).
    AcceptAll,
    RejectAll,
    /// These categories with their services, except services needing separate consent.
    Categories(Vec<String>),
    /// Exactly these, as set in the preference panel or by a click-to-load placeholder. A
    /// service does not bring its category: elements gated by category alone stay off.
    Exactly { categories: Vec<String>, services: Vec<String> },
}

/// A choice that names something the config does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChoiceError {
    UnknownCategory(String),
    UnknownService(String),
}

impl Describe for ChoiceError {
    fn describe(&self) -> String {
        match self {
            ChoiceError::UnknownCategory(id) => cat(&["unknown category \"", id, "\""]),
            ChoiceError::UnknownService(id) => cat(&["unknown service \"", id, "\""]),
        }
    }
}

display_by_describe!(ChoiceError);

impl std::error::Error for ChoiceError {}

impl Consent {
    /// Records `choice` against `config`, with no Global Privacy Control signal.
    pub fn new(config: &Config, choice: &Choice, id: String, timestamp_ms: u64) -> Result<Consent, ChoiceError> {
        Self::record(config, choice, id, timestamp_ms, false)
    }

    /// Records `choice`; with `gpc` on (and honoured by the config), Accept all leaves out the
    /// categories the config names for GPC: only switching them on one by one grants them.
    pub fn record(config: &Config, choice: &Choice, id: String, timestamp_ms: u64, gpc: bool) -> Result<Consent, ChoiceError> {
        let gpc_off = |c: &str| gpc && config.gpc.honor && config.gpc.categories.iter().any(|g| g == c);
        let mut categories: IdSet = IdSet::new();
        let mut services: IdSet = IdSet::new();
        let with_separate = config.accept_all_includes_separate;
        let grant_category = |id: &str, separate_too: bool, categories: &mut IdSet, services: &mut IdSet| {
            categories.insert(id.to_string());
            for service in config.services_in(id) {
                if separate_too || !service.separate_consent {
                    services.insert(service.id.clone());
                }
            }
        };
        for category in &config.categories {
            if category.required {
                grant_category(&category.id, true, &mut categories, &mut services);
            }
        }
        match choice {
            Choice::RejectAll => {}
            Choice::AcceptAll => {
                for c in &config.categories {
                    if (with_separate || !c.separate_consent) && !gpc_off(&c.id) {
                        grant_category(&c.id, with_separate, &mut categories, &mut services);
                    }
                }
            }
            Choice::Categories(ids) => {
                for id in ids {
                    config.category(id).ok_or_else(|| ChoiceError::UnknownCategory(id.clone()))?;
                    grant_category(id, false, &mut categories, &mut services);
                }
            }
            Choice::Exactly { categories: cats, services: svcs } => {
                for id in cats {
                    config.category(id).ok_or_else(|| ChoiceError::UnknownCategory(id.clone()))?;
                    categories.insert(id.clone());
                }
                for id in svcs {
                    config.service(id).ok_or_else(|| ChoiceError::UnknownService(id.clone()))?;
                    services.insert(id.clone());
                }
            }
        }
        Ok(Consent { id, timestamp_ms, revision: config.revision, granted: categories, services })
    }

    pub fn allows(&self, category: &str) -> bool {
        self.granted.contains(category)
    }

    pub fn allows_service(&self, service: &str) -> bool {
        self.services.contains(service)
    }

    /// The cookie value: `1.<revision>.<timestamp ms>.<uuid>.<categories>.<services>`, the
    /// granted ids joined by '+'. Every character is allowed in a cookie value without quoting.
    pub fn encode(&self) -> String {
        let ids = |set: &IdSet| joined(set.as_slice(), "+");
        let (version, revision, timestamp) = (decimal(FORMAT_VERSION.into()), decimal(self.revision), decimal(self.timestamp_ms));
        cat(&[&version, ".", &revision, ".", &timestamp, ".", &self.id, ".", &ids(&self.granted), ".", &ids(&self.services)])
    }

    /// Reads a cookie value back, refusing anything that is not exactly what [`encode`](Self::encode) writes.
    pub fn decode(value: &str) -> Result<Consent, DecodeError> {
        if value.len() > MAX_ENCODED_LEN {
            return Err(DecodeError::TooLong(value.len()));
        }
        let mut f = pieces(value, b'.');
        // (Left to right: a tuple's fields are evaluated in order.)
        let (Some(version), Some(revision), Some(timestamp), Some(id), Some(granted), Some(services), None) =
            (f.next(), f.next(), f.next(), f.next(), f.next(), f.next(), f.next())
        else {
            return Err(DecodeError::FieldCount(pieces(value, b'.').count()));
        };
        if version != decimal(FORMAT_VERSION.into()) {
            return Err(DecodeError::Version(version.to_string()));
        }
        let number = |field: &'static str, text: &str| {
            let canonical = text == "0" || !text.starts_with("0");
            parse_decimal(text).filter(|_| canonical).ok_or(DecodeError::Number(field))
        };
        let revision = number("revision", revision)?;
        let timestamp_ms = number("timestamp", timestamp)?;
        if !is_uuid(id) {
            return Err(DecodeError::Uuid);
        }
        Ok(Consent {
            id: id.to_string(),
            timestamp_ms,
            revision,
            granted: id_set(granted)?,
            services: id_set(services)?,
        })
    }
}

/// `a+b+c` into a set, refusing invalid ids, and ids not in the strictly ascending order that
/// `encode` writes (so a repeat is refused too, and each consent has exactly one encoding).
fn id_set(text: &str) -> Result<IdSet, DecodeError> {
    let mut set = IdSet::new();
    if !text.is_empty() {
        for id in pieces(text, b'+') {
            if !crate::config::is_valid_id(id) {
                return Err(DecodeError::Id(id.to_string()));
            }
            if set.last().is_some_and(|last: &String| last.as_str() >= id) {
                return Err(DecodeError::Order(id.to_string()));
            }
            set.insert(id.to_string());
        }
    }
    Ok(set)
}

/// Why a stored consent value could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    TooLong(usize),
    FieldCount(usize),
    Version(String),
    Number(&'static str),
    Uuid,
    Id(String),
    Order(String),
}

impl Describe for DecodeError {
    fn describe(&self) -> String {
        match self {
            DecodeError::TooLong(n) => {
                cat(&["value is ", &decimal(*n as u64), " bytes, longer than ", &decimal(MAX_ENCODED_LEN as u64)])
            }
            DecodeError::FieldCount(n) => cat(&["expected 6 fields separated by '.', found ", &decimal(*n as u64)]),
            DecodeError::Version(v) => cat(&["unknown format version \"", v, "\""]),
            DecodeError::Number(field) => cat(&[field, " is not a number"]),
            DecodeError::Uuid => "id is not a UUID".into(),
            DecodeError::Id(c) => cat(&["invalid id \"", c, "\""]),
            DecodeError::Order(c) => cat(&["id \"", c, "\" is repeated or out of order (ids are written sorted)"]),
        }
    }
}

display_by_describe!(DecodeError);

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

    #[test]
    fn an_id_set_stays_sorted_without_repeats() {
        let mut set: IdSet = ["marketing", "analytics", "necessary"].into_iter().collect();
        assert!(!set.insert("analytics".into()), "a repeat is not added");
        assert!(set.insert("functional".into()));
        assert_eq!(set.iter().map(String::as_str).collect::<Vec<_>>(), ["analytics", "functional", "marketing", "necessary"]);
        assert!(set.contains("marketing") && !set.contains("market") && !set.contains("z") && set.contains("analytics"));
        assert_eq!(set.last().map(String::as_str), Some("necessary"));
        assert_eq!(set.as_slice(), ["analytics", "functional", "marketing", "necessary"]);
        assert_eq!(IdSet::new().len(), 0);
    }

    fn config() -> Config {
        Config::parse(include_str!("../www/accord-config.json")).unwrap()
    }

    fn ids(set: &IdSet) -> Vec<&str> {
        set.iter().map(String::as_str).collect()
    }

    fn choose(choice: Choice) -> Consent {
        Consent::new(&config(), &choice, ID.into(), 1).unwrap()
    }

    #[test]
    fn reject_all_keeps_required_categories_and_their_services() {
        let c = choose(Choice::RejectAll);
        assert_eq!(ids(&c.granted), ["necessary"]);
        assert_eq!(ids(&c.services), ["basket"]);
        assert!(!c.allows("analytics"));
    }

    #[test]
    fn accept_all_leaves_out_what_needs_separate_consent() {
        let c = choose(Choice::AcceptAll);
        assert_eq!(ids(&c.granted), ["analytics", "marketing", "necessary", "preferences"]);
        assert!(!c.allows("personalised"), "a separate-consent category is not in Accept all");
        assert!(!c.allows_service("ad-partners"), "a separate-consent service is not in Accept all");
        assert!(c.allows_service("ad-pixel") && c.allows_service("site-stats"));
    }

    #[test]
    fn accept_all_includes_separate_consent_when_the_config_says_so() {
        let mut config = config();
        config.accept_all_includes_separate = true;
        let c = Consent::new(&config, &Choice::AcceptAll, ID.into(), 1).unwrap();
        assert!(c.allows("personalised") && c.allows_service("ad-partners"));
    }

    #[test]
    fn with_gpc_accept_all_leaves_marketing_off() {
        let c = Consent::record(&config(), &Choice::AcceptAll, ID.into(), 1, true).unwrap();
        assert_eq!(ids(&c.granted), ["analytics", "necessary", "preferences"]);
        assert!(!c.allows_service("ad-pixel"));
        let mut config = config();
        config.gpc.honor = false;
        let c = Consent::record(&config, &Choice::AcceptAll, ID.into(), 1, true).unwrap();
        assert!(c.allows("marketing"), "not honoured when the config says so");
        let c = Consent::record(&self::config(), &Choice::Categories(vec!["marketing".into()]), ID.into(), 1, true).unwrap();
        assert!(c.allows("marketing"), "an explicit grant still counts");
    }

    #[test]
    fn granting_categories_grants_their_ordinary_services() {
        let c = choose(Choice::Categories(vec!["marketing".into()]));
        assert_eq!(ids(&c.granted), ["marketing", "necessary"]);
        assert_eq!(ids(&c.services), ["ad-pixel", "basket", "tea-video"]);
    }

    #[test]
    fn an_exact_choice_grants_exactly_that_and_no_more() {
        let c = choose(Choice::Exactly { categories: vec![], services: vec!["ad-partners".into()] });
        assert_eq!(ids(&c.granted), ["necessary"], "one service does not grant its whole category");
        assert_eq!(ids(&c.services), ["ad-partners", "basket"]);
    }

    #[test]
    fn a_choice_naming_something_unknown_is_refused() {
        let err = Consent::new(&config(), &Choice::Categories(vec!["ads".into()]), ID.into(), 1).unwrap_err();
        assert_eq!(err.to_string(), "unknown category \"ads\"");
        let choice = Choice::Exactly { categories: vec![], services: vec!["ga".into()] };
        assert_eq!(Consent::new(&config(), &choice, ID.into(), 1).unwrap_err().to_string(), "unknown service \"ga\"");
    }

    #[test]
    fn encoding_round_trips() {
        let mut c = choose(Choice::Categories(vec!["marketing".into()]));
        c.timestamp_ms = 1_790_000_000_123;
        let text = c.encode();
        assert_eq!(text, format!("1.1.1790000000123.{ID}.marketing+necessary.ad-pixel+basket+tea-video"));
        assert_eq!(Consent::decode(&text).unwrap(), c);
    }

    #[test]
    fn an_empty_grant_round_trips() {
        let c = Consent { id: ID.into(), timestamp_ms: 5, revision: 0, granted: IdSet::new(), services: IdSet::new() };
        assert_eq!(c.encode(), format!("1.0.5.{ID}.."));
        assert_eq!(Consent::decode(&c.encode()).unwrap(), c);
    }

    #[test]
    fn corrupt_values_are_refused_with_a_reason() {
        let cases: &[(&str, DecodeError)] = &[
            ("", DecodeError::FieldCount(1)),
            ("garbage", DecodeError::FieldCount(1)),
            (&format!("1.1.5.{ID}.a"), DecodeError::FieldCount(5)),
            (&format!("2.1.5.{ID}.a."), DecodeError::Version("2".into())),
            (&format!("1.x.5.{ID}.a."), DecodeError::Number("revision")),
            (&format!("1.01.5.{ID}.a."), DecodeError::Number("revision")),
            (&format!("1.1.-5.{ID}.a."), DecodeError::Number("timestamp")),
            (&format!("1.1.99999999999999999999999.{ID}.a."), DecodeError::Number("timestamp")),
            ("1.1.5.not-a-uuid.a.", DecodeError::Uuid),
            (&format!("1.1.5.{}.a.", ID.to_uppercase()), DecodeError::Uuid),
            (&format!("1.1.5.{ID}.a+a."), DecodeError::Order("a".into())),
            // Found by the consent_cookie fuzz target: unsorted ids decoded, and encoded otherwise.
            (&format!("1.1.5.{ID}.yalantics+necessary.tea-video"), DecodeError::Order("necessary".into())),
            (&format!("1.1.5.{ID}.a++b."), DecodeError::Id("".into())),
            (&format!("1.1.5.{ID}.<script>."), DecodeError::Id("<script>".into())),
            (&format!("1.1.5.{ID}.a.b c"), DecodeError::Id("b c".into())),
            (&format!("1.1.5.{ID}.a.b.c"), DecodeError::FieldCount(7)),
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
