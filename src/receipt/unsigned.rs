//! The choices whose receipts are not stored yet, written where a page that unloads cannot
//! lose them. Signing a receipt waits for IndexedDB and WebCrypto; a page that reloads on
//! `accord:consent` (or a visitor who leaves at once) would end it first. So the browser
//! keeps each choice in localStorage, synchronously, from the moment it is made until its
//! receipt is stored, and signs it at the next page view if it is still there. Every choice
//! waiting, oldest first, a line each: two made in one task (a script's, or two tabs') before
//! the page ends would otherwise leave one of them without a receipt. A line is
//! `<method>|<gpc: 0 or 1>|<lang>|<the consent as its cookie value>`.

use super::Method;
use crate::consent::Consent;
use crate::message::{cat, pieces, split_first};

/// A choice kept until its receipt is stored: what [`line()`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsigned {
    pub consent: Consent,
    pub method: Method,
    pub lang: String,
    pub gpc: bool,
}

/// The line for a choice.
pub fn line(consent: &Consent, method: Method, lang: &str, gpc: bool) -> String {
    cat(&[method.name(), "|", if gpc { "1" } else { "0" }, "|", lang, "|", &consent.encode()])
}

/// Reads a line back; `None` for anything [`line()`] does not write.
pub fn read_line(line: &str) -> Option<Unsigned> {
    let (method, rest) = split_first(line, b'|')?;
    let (gpc, rest) = split_first(rest, b'|')?;
    // The consent has no '|': a fifth field fails its decoding.
    let (lang, consent) = split_first(rest, b'|')?;
    let method = Method::from_name(method)?;
    let gpc = match gpc {
        "0" => false,
        "1" => true,
        _ => return None,
    };
    Some(Unsigned { consent: Consent::decode(consent).ok()?, method, lang: lang.into(), gpc })
}

/// The choices kept, `kept` (lines), with `line` (or more lines) after them.
pub fn add(kept: &str, line: &str) -> String {
    cat(&[kept, if kept.is_empty() || line.is_empty() { "" } else { "\n" }, line])
}

/// The choices kept, `kept`, but `line` (a choice whose receipt is stored, or a line that is
/// not a choice).
pub fn without(kept: &str, line: &str) -> String {
    let mut out = String::new();
    for l in pieces(kept, b'\n') {
        if l != line {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(l);
        }
    }
    out
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
        for &method in Method::ALL {
            for gpc in [false, true] {
                let text = line(&consent(), method, "zh-CN", gpc);
                assert!(text.contains(&consent().id), "the line names its consent");
                assert_eq!(read_line(&text), Some(Unsigned { consent: consent(), method, lang: "zh-CN".into(), gpc }));
            }
        }
    }

    fn other(id: &str) -> Consent {
        Consent { id: id.into(), granted: IdSet::new(), services: IdSet::new(), ..consent() }
    }

    #[test]
    fn choices_are_kept_in_order_and_each_goes_when_its_receipt_is_stored() {
        let first = line(&consent(), Method::Banner, "en", false);
        let second = line(&other("7f0c2d4e-5a6b-4c7d-8e9f-a0b1c2d3e4f5"), Method::Api, "zh-CN", true);
        let third = line(&other("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"), Method::Panel, "en", false);
        let kept = add(&add(&add("", &first), &second), &third);
        let lines: Vec<&str> = pieces(&kept, b'\n').collect();
        assert_eq!(lines, [first.as_str(), second.as_str(), third.as_str()], "one line a choice, oldest first");
        assert!(lines.iter().all(|l| read_line(l).is_some()), "each reads back");
        assert_eq!(add(&first, &add(&second, &third)), kept, "lines added before others keep their order");
        assert_eq!((add(&first, ""), add("", "")), (first.clone(), String::new()), "nothing added, no empty line");

        let rest = without(&kept, &second);
        assert_eq!(rest, add(&first, &third), "the signed one goes, the others stay in order");
        let rest = without(&rest, &first);
        assert_eq!(rest, third);
        assert_eq!(without(&rest, &third), "", "nothing left once all are signed");
        assert_eq!(without(&kept, &line(&other("0f0f0f0f-0000-4000-8000-000000000000"), Method::Api, "en", false)), kept, "a choice not kept changes nothing");
    }

    #[test]
    fn a_line_that_is_not_a_choice_goes_by_itself() {
        let good = line(&consent(), Method::Banner, "en", false);
        let kept = add("banner|0|en|<img src=x>", &good);
        assert_eq!(read_line("banner|0|en|<img src=x>"), None);
        assert_eq!(without(&kept, "banner|0|en|<img src=x>"), good);
        assert_eq!(without(&add(&good, ""), ""), good, "an empty line too");
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
