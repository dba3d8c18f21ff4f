//! Decisions from config and consent: whether to ask the visitor, and which categories may
//! run. A decision never reads the DOM; the shell carries it out.

use crate::config::Config;
use crate::consent::{Consent, DecodeError};
use crate::message::{cat, decimal, display_by_describe, Describe};

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// What the stored consent cookie amounts to under the current config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// No cookie: the visitor has not chosen yet.
    Absent,
    /// A choice that still holds.
    Valid(Consent),
    /// A readable choice that no longer holds; the visitor is asked again.
    Stale(Consent, StaleReason),
    /// An unreadable cookie: treated as no choice, with a warning.
    Corrupt(DecodeError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaleReason {
    /// The site changed its categories since (config revision differs).
    Revision { stored: u64, current: u64 },
    /// Older than the configured lifetime.
    Expired,
    /// Names a category or service the config does not have at the same revision.
    UnknownId(String),
}

impl Describe for StaleReason {
    fn describe(&self) -> String {
        match self {
            StaleReason::Revision { stored, current } => {
                cat(&["stored for config revision ", &decimal(*stored), ", current revision is ", &decimal(*current)])
            }
            StaleReason::Expired => "older than the configured lifetime".into(),
            StaleReason::UnknownId(c) => cat(&["names \"", c, "\", which the config does not have"]),
        }
    }
}

display_by_describe!(StaleReason);

/// Judges the stored cookie value (if any) against the config at time `now_ms`.
pub fn assess(config: &Config, cookie: Option<&str>, now_ms: u64) -> Stored {
    let Some(value) = cookie else { return Stored::Absent };
    let consent = match Consent::decode(value) {
        Ok(c) => c,
        Err(e) => return Stored::Corrupt(e),
    };
    if consent.revision != config.revision {
        let reason = StaleReason::Revision { stored: consent.revision, current: config.revision };
        return Stored::Stale(consent, reason);
    }
    let unknown = consent.granted.iter().find(|id| config.category(id).is_none());
    let unknown = unknown.or_else(|| consent.services.iter().find(|id| config.service(id).is_none()));
    if let Some(unknown) = unknown {
        let reason = StaleReason::UnknownId(unknown.clone());
        return Stored::Stale(consent, reason);
    }
    let lifetime = u64::from(config.cookie.expiry_days) * DAY_MS;
    if now_ms.saturating_sub(consent.timestamp_ms) > lifetime {
        return Stored::Stale(consent, StaleReason::Expired);
    }
    Stored::Valid(consent)
}

impl Stored {
    /// The choice that holds, if any.
    pub fn consent(&self) -> Option<&Consent> {
        match self {
            Stored::Valid(c) => Some(c),
            _ => None,
        }
    }

    /// Whether the banner must ask the visitor.
    pub fn must_ask(&self) -> bool {
        self.consent().is_none()
    }
}

/// Whether elements of `category` may run: required categories always, others only with a
/// consent that grants them. A category the config does not know never runs.
pub fn may_run(config: &Config, consent: Option<&Consent>, category: &str) -> bool {
    match config.category(category) {
        None => false,
        Some(c) if c.required => true,
        Some(_) => consent.is_some_and(|c| c.allows(category)),
    }
}

/// Whether elements of `service` may run: those of a required category always, others only
/// with a consent that grants the service. A service the config does not know never runs.
pub fn may_run_service(config: &Config, consent: Option<&Consent>, service: &str) -> bool {
    let Some(s) = config.service(service) else { return false };
    match config.category(&s.category) {
        Some(c) if c.required => true,
        _ => consent.is_some_and(|c| c.allows_service(service)),
    }
}

/// What to do with a request the page is about to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not a declared tracker, or its service is granted.
    Allow,
    /// A tracker, and the visitor has not chosen yet: hold it until they do.
    Wait(String),
    /// A tracker whose service the visitor refused: never send it.
    Deny(String),
}

/// Judges a request URL against the declared trackers and the consent that holds.
pub fn verdict(config: &Config, consent: Option<&Consent>, url: &str) -> Verdict {
    match crate::track::service_for(config, url) {
        None => Verdict::Allow,
        Some(s) if may_run_service(config, consent, &s.id) => Verdict::Allow,
        Some(s) if consent.is_none() => Verdict::Wait(s.id.clone()),
        Some(s) => Verdict::Deny(s.id.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Choice;

    const ID: &str = "3f2b8c1e-9a4d-4c6e-8f00-123456789abc";
    const NOW: u64 = 1_790_000_000_000;

    fn config() -> Config {
        Config::parse(include_str!("../www/accord-config.json")).unwrap()
    }

    fn stored(choice: Choice, at: u64) -> String {
        Consent::new(&config(), &choice, ID.into(), at).unwrap().encode()
    }

    #[test]
    fn no_cookie_means_ask_and_run_only_required() {
        let s = assess(&config(), None, NOW);
        assert_eq!(s, Stored::Absent);
        assert!(s.must_ask());
        assert!(may_run(&config(), s.consent(), "necessary"));
        assert!(!may_run(&config(), s.consent(), "analytics"));
    }

    #[test]
    fn a_valid_choice_is_honoured_without_asking() {
        let cookie = stored(Choice::Categories(vec!["analytics".into()]), NOW - DAY_MS);
        let s = assess(&config(), Some(&cookie), NOW);
        assert!(!s.must_ask());
        assert!(may_run(&config(), s.consent(), "analytics"));
        assert!(!may_run(&config(), s.consent(), "marketing"));
    }

    #[test]
    fn a_corrupt_cookie_is_no_choice() {
        let s = assess(&config(), Some("1.1.x"), NOW);
        assert!(matches!(s, Stored::Corrupt(_)));
        assert!(s.must_ask());
        assert!(!may_run(&config(), s.consent(), "analytics"));
    }

    #[test]
    fn a_new_revision_asks_again() {
        let mut next = config();
        next.revision = 2;
        let cookie = stored(Choice::AcceptAll, NOW);
        let s = assess(&next, Some(&cookie), NOW);
        assert!(s.must_ask());
        let Stored::Stale(_, reason) = s else { panic!("not stale") };
        assert_eq!(reason.to_string(), "stored for config revision 1, current revision is 2");
        assert!(!may_run(&next, None, "marketing"));
    }

    #[test]
    fn an_expired_choice_asks_again() {
        let days = u64::from(config().cookie.expiry_days);
        let cookie = stored(Choice::AcceptAll, NOW - days * DAY_MS - 1);
        assert!(matches!(assess(&config(), Some(&cookie), NOW), Stored::Stale(_, StaleReason::Expired)));
        let cookie = stored(Choice::AcceptAll, NOW - days * DAY_MS + 1);
        assert!(matches!(assess(&config(), Some(&cookie), NOW), Stored::Valid(_)));
    }

    #[test]
    fn a_category_unknown_at_the_same_revision_asks_again() {
        let cookie = format!("1.1.{NOW}.{ID}.ads+necessary.");
        let s = assess(&config(), Some(&cookie), NOW);
        assert!(matches!(s, Stored::Stale(_, StaleReason::UnknownId(ref c)) if c == "ads"));
        let cookie = format!("1.1.{NOW}.{ID}.necessary.ga");
        let s = assess(&config(), Some(&cookie), NOW);
        assert!(matches!(s, Stored::Stale(_, StaleReason::UnknownId(ref c)) if c == "ga"));
    }

    #[test]
    fn tracker_requests_wait_for_a_choice_then_follow_it() {
        let text = include_str!("../www/accord-config.json").replacen(
            r#""id": "ad-pixel","#,
            r#""id": "ad-pixel", "trackers": ["ads.example", "https://px.example/p*"],"#,
            1,
        );
        let config = Config::parse(&text).unwrap();
        assert_eq!(verdict(&config, None, "https://cdn.example/lib.js"), Verdict::Allow);
        assert_eq!(verdict(&config, None, "https://ads.example/t.js"), Verdict::Wait("ad-pixel".into()));
        let rejected = Consent::new(&config, &Choice::RejectAll, ID.into(), NOW).unwrap();
        assert_eq!(verdict(&config, Some(&rejected), "https://px.example/p.gif"), Verdict::Deny("ad-pixel".into()));
        let accepted = Consent::new(&config, &Choice::AcceptAll, ID.into(), NOW).unwrap();
        assert_eq!(verdict(&config, Some(&accepted), "https://x.ads.example/t.js"), Verdict::Allow);
    }

    #[test]
    fn services_run_only_when_granted_themselves() {
        let consent = Consent::new(&config(), &Choice::AcceptAll, ID.into(), NOW).unwrap();
        assert!(may_run_service(&config(), Some(&consent), "ad-pixel"));
        assert!(!may_run_service(&config(), Some(&consent), "ad-partners"), "separate consent is not in Accept all");
        assert!(may_run_service(&config(), None, "basket"), "a required category's services always run");
        assert!(!may_run_service(&config(), None, "ad-pixel"));
        assert!(!may_run_service(&config(), Some(&consent), "nope"));
    }

    #[test]
    fn unknown_categories_never_run() {
        let consent = Consent::new(&config(), &Choice::AcceptAll, ID.into(), NOW).unwrap();
        assert!(!may_run(&config(), Some(&consent), "analytic"));
    }
}
