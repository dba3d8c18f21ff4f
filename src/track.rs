//! Tracker URLs: which declared service a request belongs to. A service lists its trackers as
//! hosts (`stats.example.com` also covers its subdomains; `127.0.0.1:9000` names a port) or
//! URL patterns (`https://ads.example/px*`, `*` matching any run of characters). Pure.

use crate::config::{find, glob_matches, Config, Service};
use crate::message::{split_first, split_last};

/// The parts of an absolute http(s) URL that matching needs.
#[derive(Debug, PartialEq, Eq)]
pub struct Url<'a> {
    pub scheme: &'a str,
    pub host: &'a str,
    pub port: Option<&'a str>,
}

/// Reads `scheme://[user@]host[:port]/...`; `None` for anything else.
pub fn parse(url: &str) -> Option<Url<'_>> {
    let at = find(url, "://")?;
    let (scheme, rest) = (&url[..at], &url[at + 3..]);
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let authority = &rest[..rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len())];
    let authority = split_last(authority, b'@').map_or(authority, |(_, a)| a);
    let (host, port) = match authority.strip_prefix("[") {
        // An IPv6 literal: [::1]:8080
        Some(v6) => {
            let (host, after) = split_first(v6, b']')?;
            (host, after.strip_prefix(":"))
        }
        None => match split_last(authority, b':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    (!host.is_empty()).then_some(Url { scheme, host, port })
}

/// Whether `url` is covered by one tracker pattern.
pub fn matches(pattern: &str, url: &str) -> bool {
    if find(pattern, "://").is_some() {
        return glob_matches(&pattern.to_ascii_lowercase(), &url.to_ascii_lowercase());
    }
    let Some(u) = parse(url) else { return false };
    let (want_host, want_port) = match split_last(pattern, b':') {
        Some((h, p)) => (h, Some(p)),
        None => (pattern, None),
    };
    let host = u.host.to_ascii_lowercase();
    let want_host = want_host.to_ascii_lowercase();
    let host_ok = host == want_host || host.strip_suffix(want_host.as_str()).is_some_and(|sub| sub.ends_with("."));
    host_ok && want_port.is_none_or(|p| u.port == Some(p))
}

/// The declared service whose trackers cover `url`, if any.
pub fn service_for<'c>(config: &'c Config, url: &str) -> Option<&'c Service> {
    config.services.iter().find(|s| s.trackers.iter().any(|p| matches(p, url)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hosts_ports_and_ipv6() {
        assert_eq!(parse("https://a.example.com/x?y"), Some(Url { scheme: "https", host: "a.example.com", port: None }));
        assert_eq!(parse("http://127.0.0.1:9000/p"), Some(Url { scheme: "http", host: "127.0.0.1", port: Some("9000") }));
        assert_eq!(parse("http://u:pw@h.example:81"), Some(Url { scheme: "http", host: "h.example", port: Some("81") }));
        assert_eq!(parse("http://[::1]:8080/"), Some(Url { scheme: "http", host: "::1", port: Some("8080") }));
        assert_eq!(parse("javascript:alert(1)"), None);
        assert_eq!(parse("data:text/html,x"), None);
    }

    #[test]
    fn a_host_covers_its_subdomains_but_not_lookalikes() {
        assert!(matches("stats.example", "https://stats.example/c.js"));
        assert!(matches("stats.example", "https://eu.stats.example/c.js"));
        assert!(matches("Stats.Example", "https://STATS.example/"));
        assert!(!matches("stats.example", "https://evilstats.example/"));
        assert!(!matches("stats.example", "https://stats.example.evil.com/"));
    }

    #[test]
    fn a_port_narrows_a_host() {
        assert!(matches("127.0.0.1:9000", "http://127.0.0.1:9000/hit"));
        assert!(!matches("127.0.0.1:9000", "http://127.0.0.1:8080/hit"));
        assert!(matches("127.0.0.1", "http://127.0.0.1:8080/hit"));
    }

    #[test]
    fn url_patterns_glob_the_whole_url() {
        assert!(matches("https://ads.example/px*", "https://ads.example/px.gif?id=1"));
        assert!(!matches("https://ads.example/px*", "https://ads.example/other"));
        assert!(!matches("https://ads.example/px*", "http://ads.example/px.gif"));
    }
}
