//! The scan's report: JSON for machines, and one self-contained HTML page (no external files,
//! no script) with the verdict, the violations, a timeline per state and the cookies.

use std::fmt::Write;

use serde_json::{json, Value};

use crate::judge::Violation;
use crate::observe::{Observations, State};

/// "first" when the cookie's domain is the scanned host or a parent of it, else "third".
pub fn party(url: &str, domain: &str) -> &'static str {
    let host = accord::track::parse(url).map(|u| u.host.to_ascii_lowercase()).unwrap_or_default();
    let domain = domain.trim_start_matches('.').to_ascii_lowercase();
    if host == domain || host.ends_with(&format!(".{domain}")) {
        "first"
    } else {
        "third"
    }
}

pub fn json_report(url: &str, when: &str, seen: &Observations, violations: &[Violation]) -> Value {
    let requests: Vec<Value> = seen
        .requests
        .iter()
        .map(|r| json!({ "state": r.state.name(), "atMs": r.at_ms.round(), "kind": r.kind, "url": r.url, "page": r.page }))
        .collect();
    let cookies: Vec<Value> = seen
        .cookies
        .iter()
        .map(|c| json!({ "state": c.state.name(), "name": c.name, "domain": c.domain, "party": party(url, &c.domain), "expires": c.expires, "lifeDays": c.expires.map(|e| ((e - c.seen) / 86_400.0 * 10.0).round() / 10.0) }))
        .collect();
    let storage: Vec<Value> =
        seen.storage.iter().map(|w| json!({ "state": w.state.name(), "atMs": w.at_ms.round(), "key": w.key, "page": w.page })).collect();
    json!({
        "url": url,
        "scannedAt": when,
        "pages": seen.pages,
        "violations": violations.iter().map(Violation::to_json).collect::<Vec<_>>(),
        "requests": requests,
        "cookies": cookies,
        "localStorage": storage,
    })
}

/// Text made safe for HTML element content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.5 system-ui,'Noto Sans CJK SC',sans-serif;margin:24px;color:#222;max-width:1100px}
h1{margin:0 0 4px}.ok{color:#2e6b2e}.bad{color:#a12a2a}table{border-collapse:collapse;width:100%;margin:8px 0 24px}
td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top;word-break:break-all}
th{background:#f3f1ea}.bar{display:inline-block;height:8px;background:#7a9a5a;border-radius:4px}
.viol td{background:#fbeaea}.t{width:7em}.k{width:6em}";

pub fn html_report(url: &str, when: &str, seen: &Observations, violations: &[Violation]) -> String {
    let mut h = String::new();
    let _ = write!(h, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>accord-scan: {}</title><style>{STYLE}</style></head><body>", escape(url));
    let _ = write!(h, "<h1>accord-scan report</h1><p>{} · scanned {} · {} page(s) in three states: no choice, Reject all, Accept all</p>", escape(url), escape(when), seen.pages.len());
    if violations.is_empty() {
        h.push_str("<h2 class=\"ok\">No violations</h2>");
    } else {
        let _ = write!(h, "<h2 class=\"bad\">{} violation(s)</h2>", violations.len());
        h.push_str("<table><tr><th>Violation</th><th>What</th><th>Service</th><th>Seen in</th><th>Detail</th></tr>");
        for v in violations {
            let _ = write!(
                h,
                "<tr class=\"viol\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(v.kind),
                escape(&v.subject),
                escape(v.service.as_deref().unwrap_or("—")),
                escape(&v.states.join(", ")),
                escape(&v.detail)
            );
        }
        h.push_str("</table>");
    }
    h.push_str("<h2>Pages</h2><ul>");
    for p in &seen.pages {
        let _ = write!(h, "<li>{}</li>", escape(p));
    }
    h.push_str("</ul>");
    for state in State::ALL {
        let mut events: Vec<(f64, String, String)> = seen
            .requests
            .iter()
            .filter(|r| r.state == state)
            .map(|r| (r.at_ms, r.kind.clone(), r.url.clone()))
            .chain(seen.storage.iter().filter(|w| w.state == state).map(|w| (w.at_ms, "localStorage".into(), w.key.clone())))
            .collect();
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        let last = events.iter().map(|e| e.0).fold(1.0, f64::max);
        let _ = write!(h, "<h2>Timeline: {}</h2><table><tr><th class=\"t\">at</th><th>when</th><th class=\"k\">kind</th><th>URL or key</th></tr>", state.name());
        for (at, kind, what) in events {
            let width = (at / last * 200.0).clamp(2.0, 200.0);
            let bad = violations.iter().any(|v| v.subject == what && v.states.contains(&state.name()));
            let _ = write!(
                h,
                "<tr{}><td>{:.0} ms</td><td><span class=\"bar\" style=\"width:{width:.0}px\"></span></td><td>{}</td><td>{}</td></tr>",
                if bad { " class=\"viol\"" } else { "" },
                at,
                escape(&kind),
                escape(&what)
            );
        }
        h.push_str("</table>");
    }
    h.push_str("<h2>Cookies</h2><table><tr><th>State</th><th>Name</th><th>Domain</th><th>Party</th><th>Lives</th></tr>");
    for c in &seen.cookies {
        let life = c.expires.map_or("session".to_string(), |e| format!("{:.1} days", (e - c.seen) / 86_400.0));
        let bad = violations.iter().any(|v| v.subject == c.name);
        let _ = write!(
            h,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if bad { " class=\"viol\"" } else { "" },
            c.state.name(),
            escape(&c.name),
            escape(&c.domain),
            party(url, &c.domain),
            life
        );
    }
    h.push_str("</table></body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_first_from_third_party_cookies() {
        assert_eq!(party("https://shop.example/a", ".shop.example"), "first");
        assert_eq!(party("https://www.shop.example/", "shop.example"), "first");
        assert_eq!(party("https://shop.example/", "ads.example"), "third");
        assert_eq!(party("https://shop.example/", "example"), "first");
    }

    #[test]
    fn page_text_is_escaped() {
        assert_eq!(escape(r#"<img src=x onerror="a">&'"#), "&lt;img src=x onerror=&quot;a&quot;&gt;&amp;&#39;");
        let seen = Observations { pages: vec!["http://x.test/<script>".into()], ..Observations::default() };
        let html = html_report("http://x.test/", "now", &seen, &[]);
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
        assert!(html.contains("No violations"));
    }
}
