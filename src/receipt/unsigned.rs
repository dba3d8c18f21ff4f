//! The choice whose receipt is not stored yet, written where a page that unloads cannot lose
//! it. Signing a receipt waits for IndexedDB and WebCrypto; a page that reloads on
//! `accord:consent` (or a visitor who leaves at once) would end it first. So the browser
//! keeps the choice in localStorage, synchronously, from the moment it is made until its
//! receipt is stored, and signs it at the next page view if it is still there. One choice,
//! the latest: a page that unloads has had no time for a second. The line is
//! `<method>|<gpc: 0 or 1>|<lang>|<the consent as its cookie value>`.

use super::Method;
use crate::consent::Consent;
use crate::message::{cat, split_first};

/// A choice kept until its receipt is stored: what [`line`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsigned {
    pub consent: Consent,
    pub method: Method,
    pub lang: String,
    pub gpc: bool,
}

const METHODS: [Method; 4] = [Method::Banner, Method::Panel, Method::Contextual, Method::Api];

/// The line for a choice.
pub fn line(consent: &Consent, method: Method, lang: &str, gpc: bool) -> String {
    cat(&[method.name(), "|", if gpc { "1" } else { "0" }, "|", lang, "|", &consent.encode()])
}

/// Reads a line back; `None` for anything [`line`] does not write.
pub fn read_line(line: &str) -> Option<Unsigned> {
    let (method, rest) = split_first(line, b'|')?;
    let (gpc, rest) = split_first(rest, b'|')?;
    // The consent has no '|': a fifth field fails its decoding.
    let (lang, consent) = split_first(rest, b'|')?;
    let method = METHODS.into_iter().find(|m| m.name() == method)?;
    let gpc = match gpc {
        "0" => false,
        "1" => true,
        _ => return None,
    };
    Some(Unsigned { consent: Consent::decode(consent).ok()?, method, lang: lang.into(), gpc })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::IdSet;

    fn consent() -> Consent {
        let mut granted = IdSet::new();
        granted.insert("analytics".into());
        granted.insert("necessary".into());
        let mut services = IdSet::new();
        services.insert("matomo".into());
        Consent { id: "0b8e4c3a-1f2d-4e5f-8a9b-0c1d2e3f4a5b".into(), timestamp_ms: 1_764_500_000_000, revision: 3, granted, services }
    }

    #[test]
    fn a_line_reads_back_as_the_choice_it_was_for_every_method() {
        for method in METHODS {
            for gpc in [false, true] {
                let text = line(&consent(), method, "zh-CN", gpc);
                assert!(text.contains(&consent().id), "the line names its consent");
                assert_eq!(read_line(&text), Some(Unsigned { consent: consent(), method, lang: "zh-CN".into(), gpc }));
            }
        }
    }

    #[test]
    fn anything_else_does_not_read_back() {
        let good = line(&consent(), Method::Panel, "en", false);
        let cookie = consent().encode();
        for bad in [
            String::new(),
            "banner|0|en".into(),
            cat(&["mouse|0|en|", &cookie]),
            cat(&["banner|yes|en|", &cookie]),
            cat(&["banner|0|en|", &cookie, "|more"]),
            "banner|0|en|1.3.x.y.z.w".into(),
            cat(&[&good, "+"]),
        ] {
            assert_eq!(read_line(&bad), None, "{bad}");
        }
    }
}
