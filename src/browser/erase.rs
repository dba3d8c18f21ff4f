//! Withdrawal: deletes what a refused service declared it stores, namely its cookies (by name
//! or pattern, in every variant the page can reach: host-only and each parent domain, path `/`
//! and each prefix of the current path) and its localStorage keys.

use web_sys::Document;

use super::{cookie, page, Context, DomError};
use crate::config::{glob_matches, Config, TrackerKind};
use crate::consent::{Consent, IdSet};
use crate::decide;

/// Erases the declared storage of every service `consent` does not grant; returns the names
/// of the cookies and keys it removed, sorted, each once.
pub fn refused(doc: &Document, config: &Config, consent: &Consent) -> Result<Vec<String>, DomError> {
    let location = page::window()?.location();
    let host = location.hostname().context("read the host name")?;
    let path = location.pathname().context("read the path")?;
    let present = cookie::names(doc)?;
    let storage = page::window()?.local_storage().ok().flatten();
    let mut erased = IdSet::new();
    for service in config.services.iter().filter(|s| !decide::may_run_service(config, Some(consent), &s.id)) {
        for rule in &service.cookies {
            match rule.kind {
                TrackerKind::Cookie => {
                    for name in present.iter().filter(|n| glob_matches(&rule.name, n)) {
                        for domain in domains(&host, rule.domain.as_deref()) {
                            for path in paths(&path) {
                                cookie::expire(doc, name, domain.as_deref(), &path)?;
                            }
                        }
                        erased.insert(name.clone());
                    }
                }
                TrackerKind::LocalStorage => {
                    let Some(storage) = &storage else { continue };
                    let keys: Vec<String> =
                        (0..storage.length().unwrap_or(0)).filter_map(|i| storage.key(i).ok().flatten()).collect();
                    for key in keys.into_iter().filter(|k| glob_matches(&rule.name, k)) {
                        let _ = storage.remove_item(&key);
                        erased.insert(key);
                    }
                }
                TrackerKind::WebBeacon | TrackerKind::PixelTag => {}
            }
        }
    }
    Ok(erased.into_iter().collect())
}

/// Host-only (`None`), the host and each parent domain, and a declared domain.
fn domains(host: &str, declared: Option<&str>) -> Vec<Option<String>> {
    let mut out = vec![None];
    // The host and each suffix after a dot that still has a dot in it: not the TLD alone.
    let mut rest = host;
    while let Some(dot) = rest.find('.') {
        out.push(Some(rest.to_string()));
        rest = &rest[dot + 1..];
    }
    if let Some(d) = declared {
        out.push(Some(d.to_string()));
    }
    out
}

/// `/`, then `/a`, `/a/b` for a page at `/a/b/c`.
fn paths(path: &str) -> Vec<String> {
    let mut out = vec!["/".to_string()];
    let mut prefix = String::new();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for segment in segments.iter().take(segments.len().saturating_sub(1)) {
        prefix.push('/');
        prefix.push_str(segment);
        out.push(prefix.clone());
    }
    out
}
