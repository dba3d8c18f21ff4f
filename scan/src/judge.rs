//! Judging what a scan saw against the site's Accord config (pure): trackers that ran before
//! consent or after a refusal, third-party requests no service declares, cookies and storage
//! keys no service declares, cookies that live longer than declared, and choices that got no
//! signed receipt.

use accord::config::{Config, CookieRule, Service, TrackerKind};
use accord::track;
use serde_json::{json, Value};

use crate::observe::{origin, Observations, State};

#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub kind: &'static str,
    /// The URL, cookie name or storage key at fault.
    pub subject: String,
    pub service: Option<String>,
    /// The scan states it was seen in.
    pub states: Vec<&'static str>,
    pub detail: String,
}

impl Violation {
    pub fn to_json(&self) -> Value {
        json!({ "kind": self.kind, "subject": self.subject, "service": self.service, "states": self.states, "detail": self.detail })
    }
}

pub const BEFORE_CONSENT: &str = "tracker before consent";
pub const AFTER_REFUSAL: &str = "tracker after refusal";
pub const UNDECLARED_THIRD_PARTY: &str = "undeclared third-party request";
pub const UNDECLARED_COOKIE: &str = "undeclared cookie";
pub const UNDECLARED_STORAGE: &str = "undeclared storage";
pub const OUTLIVES: &str = "cookie outlives its declaration";
pub const UNSIGNED: &str = "choice without a signed receipt";

/// Slack for clocks and rounding when comparing a cookie's life with its declaration.
const SLACK_S: f64 = 3600.0;

fn required(config: &Config, service: &Service) -> bool {
    config.category(&service.category).is_some_and(|c| c.required)
}

/// The first declaration of `kind` whose name pattern covers `name`, with its service.
fn declared<'c>(config: &'c Config, kind: TrackerKind, name: &str) -> Option<(&'c Service, &'c CookieRule)> {
    config.services.iter().find_map(|s| s.cookies.iter().find(|r| r.kind == kind && r.matches(name)).map(|r| (s, r)))
}

/// Adds `state` to the violation for (`kind`, `subject`), making it if new.
fn note(out: &mut Vec<Violation>, kind: &'static str, subject: &str, service: Option<&str>, state: State, detail: String) {
    if let Some(v) = out.iter_mut().find(|v| v.kind == kind && v.subject == subject) {
        if !v.states.contains(&state.name()) {
            v.states.push(state.name());
        }
        return;
    }
    out.push(Violation { kind, subject: subject.to_string(), service: service.map(str::to_string), states: vec![state.name()], detail });
}

pub fn judge(config: &Config, site: &str, seen: &Observations) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut requests: Vec<_> = seen.requests.iter().collect();
    requests.sort_by_key(|r| r.state);
    for r in requests {
        match track::service_for(config, &r.url) {
            Some(service) if !required(config, service) && r.state != State::Accepted => {
                // Seen with no choice: before consent (and perhaps after refusal too); only
                // after Reject all: after refusal.
                let kind = if out.iter().any(|v: &Violation| v.kind == BEFORE_CONSENT && v.subject == r.url) || r.state == State::NoChoice {
                    BEFORE_CONSENT
                } else {
                    AFTER_REFUSAL
                };
                let detail = format!("{} request to a tracker of \"{}\" ({}) on {}", r.kind, service.id, service.category, r.page);
                note(&mut out, kind, &r.url, Some(&service.id), r.state, detail);
            }
            Some(_) => {}
            None if origin(&r.url).as_deref() != Some(site) => {
                let detail = format!("{} request from {} to a host no service lists in its trackers", r.kind, r.page);
                note(&mut out, UNDECLARED_THIRD_PARTY, &r.url, None, r.state, detail);
            }
            None => {}
        }
    }
    for c in &seen.cookies {
        match declared(config, TrackerKind::Cookie, &c.name) {
            None => {
                let detail = format!("cookie \"{}\" on {} matches no declared cookie", c.name, c.domain);
                note(&mut out, UNDECLARED_COOKIE, &c.name, None, c.state, detail);
            }
            Some((service, rule)) => {
                if !required(config, service) && c.state != State::Accepted {
                    let kind = if c.state == State::NoChoice { BEFORE_CONSENT } else { AFTER_REFUSAL };
                    let detail = format!("cookie of \"{}\" ({}) set without consent", service.id, service.category);
                    note(&mut out, kind, &c.name, Some(&service.id), c.state, detail);
                }
                if let (Some(days), Some(expires)) = (rule.max_age_days, c.expires) {
                    let life = expires - c.seen;
                    if life > f64::from(days) * 86_400.0 + SLACK_S {
                        let detail = format!(
                            "lives {:.0} days, declared at most {days} (\"{}\" of \"{}\")",
                            life / 86_400.0,
                            rule.name,
                            service.id
                        );
                        note(&mut out, OUTLIVES, &c.name, Some(&service.id), c.state, detail);
                    }
                }
            }
        }
    }
    for w in &seen.storage {
        match declared(config, TrackerKind::LocalStorage, &w.key) {
            None => note(&mut out, UNDECLARED_STORAGE, &w.key, None, w.state, format!("localStorage key written on {}", w.page)),
            Some((service, _)) if !required(config, service) && w.state != State::Accepted => {
                let kind = if w.state == State::NoChoice { BEFORE_CONSENT } else { AFTER_REFUSAL };
                note(&mut out, kind, &w.key, Some(&service.id), w.state, format!("localStorage of \"{}\" written without consent", service.id));
            }
            Some(_) => {}
        }
    }
    for u in &seen.unsigned {
        let mut detail = String::from("a choice made on this page has no signed receipt in Accord.receipts()");
        if !u.secure {
            detail.push_str("; the page is not a secure context (served over plain http), and browsers give WebCrypto, which signs the receipts, only to secure contexts: serve the site over https");
        }
        if u.reported.is_empty() {
            detail.push_str("; the page reported nothing about it");
        } else {
            detail.push_str("; the page reported: ");
            detail.push_str(&u.reported.join(" | "));
        }
        note(&mut out, UNSIGNED, &u.page, None, u.state, detail);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::{Cookie, Request, StorageWrite, Unsigned};

    const CONFIG: &str = r#"{"revision": 1, "site": {"controller": "C"},
      "categories": [{"id": "necessary", "required": true, "title": "N"}, {"id": "analytics", "title": "A"}],
      "services": [
        {"id": "shop", "name": "Shop", "category": "necessary", "cookies": [{"name": "basket", "max_age_days": 0}]},
        {"id": "stats", "name": "Stats", "category": "analytics", "trackers": ["stats.test"],
         "cookies": [{"name": "st_*", "max_age_days": 30}, {"name": "st_profile", "kind": "local_storage"}]}
      ]}"#;
    const SITE: &str = "http://shop.test";

    fn request(state: State, url: &str) -> Request {
        Request { state, at_ms: 1.0, url: url.into(), kind: "Image".into(), page: "http://shop.test/".into() }
    }
    fn cookie(state: State, name: &str, days: Option<f64>) -> Cookie {
        Cookie { state, name: name.into(), domain: "shop.test".into(), expires: days.map(|d| 1000.0 + d * 86_400.0), seen: 1000.0 }
    }

    #[test]
    fn a_clean_scan_has_no_violations() {
        let config = Config::parse(CONFIG).unwrap();
        let seen = Observations {
            requests: vec![request(State::NoChoice, "http://shop.test/app.js"), request(State::Accepted, "http://stats.test/p.gif")],
            cookies: vec![cookie(State::NoChoice, "basket", None), cookie(State::Accepted, "st_id", Some(30.0))],
            storage: vec![StorageWrite { state: State::Accepted, at_ms: 2.0, key: "st_profile".into(), page: "/".into() }],
            ..Observations::default()
        };
        assert_eq!(judge(&config, SITE, &seen), vec![]);
    }

    #[test]
    fn names_each_kind_of_violation_once() {
        let config = Config::parse(CONFIG).unwrap();
        let seen = Observations {
            requests: vec![
                request(State::NoChoice, "http://stats.test/p.gif"),
                request(State::Rejected, "http://stats.test/p.gif"),
                request(State::Rejected, "http://stats.test/late.gif"),
                request(State::Accepted, "http://other.test/x.js"),
            ],
            cookies: vec![cookie(State::Accepted, "rogue", None), cookie(State::Accepted, "st_id", Some(365.0))],
            storage: vec![StorageWrite { state: State::NoChoice, at_ms: 2.0, key: "st_profile".into(), page: "/".into() }],
            ..Observations::default()
        };
        let v = judge(&config, SITE, &seen);
        let kinds: Vec<(&str, &str)> = v.iter().map(|v| (v.kind, v.subject.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                (BEFORE_CONSENT, "http://stats.test/p.gif"),
                (AFTER_REFUSAL, "http://stats.test/late.gif"),
                (UNDECLARED_THIRD_PARTY, "http://other.test/x.js"),
                (UNDECLARED_COOKIE, "rogue"),
                (OUTLIVES, "st_id"),
                (BEFORE_CONSENT, "st_profile"),
            ]
        );
        assert_eq!(v[0].states, vec!["no choice", "reject all"]);
        assert!(v[4].detail.contains("lives 365 days, declared at most 30"), "{}", v[4].detail);
    }

    #[test]
    fn a_choice_without_its_receipt_is_named_with_the_cause() {
        let config = Config::parse(CONFIG).unwrap();
        let unsigned = |state, page: &str, secure, reported: &[&str]| Unsigned {
            state,
            page: page.into(),
            secure,
            reported: reported.iter().map(|r| r.to_string()).collect(),
        };
        let seen = Observations {
            unsigned: vec![
                unsigned(State::Rejected, "http://shop.test/", false, &[]),
                unsigned(State::Accepted, "http://shop.test/", false, &[]),
                unsigned(State::Accepted, "https://shop.test/", true, &["Accord: receipts: could not open IndexedDB: UnknownError", "Accord: receipts: could not sign"]),
                unsigned(State::Rejected, "https://quiet.test/", true, &[]),
            ],
            ..Observations::default()
        };
        let v = judge(&config, SITE, &seen);
        assert_eq!(v.iter().map(|v| (v.kind, v.subject.as_str())).collect::<Vec<_>>(), vec![(UNSIGNED, "http://shop.test/"), (UNSIGNED, "https://shop.test/"), (UNSIGNED, "https://quiet.test/")]);
        assert_eq!(v[0].states, vec!["reject all", "accept all"]);
        assert!(v[0].detail.contains("not a secure context") && v[0].detail.ends_with("serve the site over https; the page reported nothing about it"), "{}", v[0].detail);
        assert!(v[1].detail.ends_with("the page reported: Accord: receipts: could not open IndexedDB: UnknownError | Accord: receipts: could not sign"), "{}", v[1].detail);
        assert!(v[2].detail.ends_with("the page reported nothing about it"), "{}", v[2].detail);
    }
}
