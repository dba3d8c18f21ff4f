//! Withdrawal: deletes what a refused service declared it stores, namely its cookies (by name
//! or pattern, in every variant the page can reach: host-only and each parent domain, path `/`
//! and each prefix of the current path) and its localStorage keys.

use web_sys::Document;

use super::{cookie, js, page, receipts, DomError};
use crate::config::{glob_matches, Config, TrackerKind};
use crate::consent::{Consent, IdSet};
use crate::decide;
use crate::message::{pieces, split_first};

/// Erases the declared storage of every service `consent` does not grant; returns the names
/// of the cookies and keys it removed, sorted, each once.
///
/// The page's cookies and localStorage are read only once a refused service declares some:
/// each read asks the browser process, and after Accept all, where nothing is refused, the
/// click would wait for it for nothing.
pub fn refused(doc: &Document, config: &Config, consent: &Consent) -> Result<Vec<String>, DomError> {
    let mut erased = IdSet::new();
    let mut read = None;
    for service in &config.services {
        if service.cookies.is_empty() || decide::may_run_service(config, Some(consent), &service.id) {
            continue;
        }
        let Present { host, paths, cookies: present, storage } = match read {
            Some(ref page) => page,
            None => read.insert(Present::read(doc)?),
        };
        for rule in &service.cookies {
            match rule.kind {
                TrackerKind::Cookie => {
                    let domains = domains(host, rule.domain.as_deref());
                    for (name, _) in present {
                        if !glob_matches(&rule.name, name) {
                            continue;
                        }
                        for domain in &domains {
                            for path in paths {
                                cookie::expire(doc, name, domain.as_deref(), path)?;
                            }
                        }
                        erased.insert(name.clone());
                    }
                }
                TrackerKind::LocalStorage => {
                    let Some(storage) = storage else { continue };
                    // Its keys are the storage object's own properties. Accord's own (choices
                    // waiting for their receipt) is not a service's, whatever its pattern.
                    for key in js::read_strings(&js_sys::Object::keys(storage)) {
                        if glob_matches(&rule.name, &key) && key != receipts::UNSIGNED {
                            // (Its methods can throw: a page may replace them.)
                            let _ = storage.remove_item(&key);
                            erased.insert(key);
                        }
                    }
                }
                TrackerKind::WebBeacon | TrackerKind::PixelTag => {}
            }
        }
    }
    Ok(erased.into_vec())
}

/// What the page holds that a refused service may have stored, and where.
struct Present {
    host: String,
    /// The paths its cookies can be set on (see [`paths`]).
    paths: Vec<String>,
    cookies: Vec<(String, String)>,
    storage: Option<web_sys::Storage>,
}

impl Present {
    fn read(doc: &Document) -> Result<Present, DomError> {
        let location = page::location();
        Ok(Present {
            host: js::text(&location, "hostname"),
            paths: paths(&js::text(&location, "pathname")),
            cookies: cookie::pairs(doc)?,
            storage: page::local_storage(),
        })
    }
}

/// Host-only (`None`), the host and each parent domain, and a declared domain.
fn domains(host: &str, declared: Option<&str>) -> Vec<Option<String>> {
    let mut out = vec![None];
    // The host and each suffix after a dot that still has a dot in it: not the TLD alone.
    let mut rest = host;
    while let Some((_, parent)) = split_first(rest, b'.') {
        out.push(Some(rest.to_string()));
        rest = parent;
    }
    if let Some(d) = declared {
        out.push(Some(d.to_string()));
    }
    out
}

/// `/`, then each directory down to the page's: `/a` and `/a/b` for a page at `/a/b/c` or
/// `/a/b/`. The last is the path a cookie gets when a script sets it without one (the
/// default-path of RFC 6265, 5.1.4: up to the last `/`).
fn paths(path: &str) -> Vec<String> {
    let mut out = vec!["/".to_string()];
    let dir = &path[..path.bytes().rposition(|b| b == b'/').unwrap_or(0)];
    let mut prefix = String::new();
    for segment in pieces(dir, b'/') {
        if !segment.is_empty() {
            prefix.push('/');
            prefix.push_str(segment);
            out.push(prefix.clone());
        }
    }
    out
}
