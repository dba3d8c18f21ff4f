//! What a scan sees, in three fresh browser profiles (no choice, Reject all, Accept all): the
//! requests each page makes (with their kind: script, image, ping for beacons, …), the cookies
//! set (first or third party, with expiry), and the localStorage writes, each with its time;
//! and, after each choice, whether its signed receipt appeared.

use std::collections::VecDeque;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::cdp::Browser;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    NoChoice,
    Rejected,
    Accepted,
}

impl State {
    pub const ALL: [State; 3] = [State::NoChoice, State::Rejected, State::Accepted];

    pub fn name(self) -> &'static str {
        match self {
            State::NoChoice => "no choice",
            State::Rejected => "reject all",
            State::Accepted => "accept all",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub state: State,
    /// Milliseconds since this state's scan began.
    pub at_ms: f64,
    pub url: String,
    /// DevTools' resource type: Document, Script, Image, Ping (a beacon), Fetch, XHR, …
    pub kind: String,
    pub page: String,
}

#[derive(Debug, Clone)]
pub struct Cookie {
    pub state: State,
    pub name: String,
    pub domain: String,
    /// Seconds since 1970; `None` for a session cookie.
    pub expires: Option<f64>,
    /// When it was read, seconds since 1970.
    pub seen: f64,
}

#[derive(Debug, Clone)]
pub struct StorageWrite {
    pub state: State,
    pub at_ms: f64,
    pub key: String,
    pub page: String,
}

/// A choice the scan made whose signed receipt never appeared in `Accord.receipts()`.
#[derive(Debug, Clone)]
pub struct Unsigned {
    pub state: State,
    pub page: String,
    /// `window.isSecureContext`: without it, the browser has no WebCrypto to sign with.
    pub secure: bool,
    /// What the page reported about its receipts on the console (`Accord: receipts: …`).
    pub reported: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Observations {
    pub pages: Vec<String>,
    pub requests: Vec<Request>,
    pub cookies: Vec<Cookie>,
    pub storage: Vec<StorageWrite>,
    pub unsigned: Vec<Unsigned>,
}

fn now_s() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// How long after the settling a choice's receipt may take to be signed before the scan
/// reports it missing (its signing is usually done in well under a second).
const RECEIPT_WAIT_MS: u64 = 5000;

/// Records localStorage writes before any page script runs.
const RECORDER: &str = r#"(() => {
  const log = [];
  Object.defineProperty(window, '__accordScan', { value: log });
  addEventListener('accord:error', (e) => { window.__accordScanError = e.detail && e.detail.message; });
  const set = Storage.prototype.setItem;
  Storage.prototype.setItem = function (k, v) {
    try { if (this === window.localStorage) log.push({ key: String(k), at: Date.now() }); } catch (e) {}
    return set.apply(this, arguments);
  };
})();"#;

/// `scheme://host[:port]` of an http(s) URL.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    Some(format!("{}://{}", scheme.to_ascii_lowercase(), authority.to_ascii_lowercase()))
}

pub struct Scan<'b> {
    pub browser: &'b mut Browser,
    pub settle_ms: u64,
}

struct Tab {
    context: String,
    session: String,
    started_s: f64,
}

impl Scan<'_> {
    fn open(&mut self) -> Result<Tab, String> {
        let context = self.browser.call("", "Target.createBrowserContext", json!({}))?["browserContextId"].as_str().unwrap_or("").to_string();
        let target = self.browser.call("", "Target.createTarget", json!({ "url": "about:blank", "browserContextId": context }))?;
        let target_id = target["targetId"].as_str().unwrap_or("").to_string();
        let attached = self.browser.call("", "Target.attachToTarget", json!({ "targetId": target_id, "flatten": true }))?;
        let session = attached["sessionId"].as_str().ok_or("no DevTools session")?.to_string();
        for method in ["Network.enable", "Page.enable", "Runtime.enable"] {
            self.browser.call(&session, method, json!({}))?;
        }
        self.browser.call(&session, "Page.addScriptToEvaluateOnNewDocument", json!({ "source": RECORDER }))?;
        Ok(Tab { context, session, started_s: now_s() })
    }

    fn close(&mut self, tab: Tab) {
        let _ = self.browser.call("", "Target.disposeBrowserContext", json!({ "browserContextId": tab.context }));
    }

    /// Loads `url` and waits until it has settled (loaded, then `settle_ms` more).
    fn visit(&mut self, tab: &Tab, url: &str) -> Result<(), String> {
        self.browser.call(&tab.session, "Page.navigate", json!({ "url": url }))?;
        for _ in 0..300 {
            let ready = self.browser.eval(&tab.session, "document.readyState").unwrap_or(Value::Null);
            if ready == "complete" {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        self.browser.idle(&tab.session, self.settle_ms)?;
        // A scan of a page where Accord did not start would judge nothing real.
        let error = self.browser.eval(&tab.session, "window.__accordScanError || (window.Accord ? null : 'window.Accord is missing')")?;
        match error.as_str() {
            Some(message) => Err(format!("Accord did not start on {url}: {message}")),
            None => Ok(()),
        }
    }

    /// Moves what the page and the browser reported into `out`, for `state`.
    fn collect(&mut self, tab: &Tab, state: State, page: &str, out: &mut Observations) -> Result<(), String> {
        let writes = self.browser.eval(&tab.session, "JSON.stringify(window.__accordScan || [])")?;
        let writes: Vec<Value> = serde_json::from_str(writes.as_str().unwrap_or("[]")).unwrap_or_default();
        for w in writes {
            out.storage.push(StorageWrite {
                state,
                at_ms: w["at"].as_f64().unwrap_or(0.0) - tab.started_s * 1000.0,
                key: w["key"].as_str().unwrap_or("").to_string(),
                page: page.to_string(),
            });
        }
        let _ = self.browser.eval(&tab.session, "window.__accordScan && window.__accordScan.splice(0)");
        for (session, method, params) in std::mem::take(&mut self.browser.events) {
            if session != tab.session || method != "Network.requestWillBeSent" {
                continue;
            }
            let url = params["request"]["url"].as_str().unwrap_or("").to_string();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                continue;
            }
            out.requests.push(Request {
                state,
                at_ms: (params["wallTime"].as_f64().unwrap_or(tab.started_s) - tab.started_s) * 1000.0,
                url,
                kind: params["type"].as_str().unwrap_or("Other").to_string(),
                page: page.to_string(),
            });
        }
        Ok(())
    }

    fn cookies(&mut self, tab: &Tab, state: State, out: &mut Observations) -> Result<(), String> {
        // Every cookie of this profile, first and third party.
        let all = self.browser.call(&tab.session, "Network.getAllCookies", json!({}))?;
        let seen = now_s();
        for c in all["cookies"].as_array().cloned().unwrap_or_default() {
            let expires = c["expires"].as_f64().filter(|e| *e > 0.0 && !c["session"].as_bool().unwrap_or(false));
            out.cookies.push(Cookie {
                state,
                name: c["name"].as_str().unwrap_or("").to_string(),
                domain: c["domain"].as_str().unwrap_or("").to_string(),
                expires,
                seen,
            });
        }
        Ok(())
    }

    /// Same-origin links on the current page, without fragments.
    fn links(&mut self, tab: &Tab, site: &str) -> Vec<String> {
        let found = self
            .browser
            .eval(&tab.session, "JSON.stringify([...document.querySelectorAll('a[href]')].map(a => a.href))")
            .ok()
            .and_then(|v| v.as_str().and_then(|s| serde_json::from_str::<Vec<String>>(s).ok()))
            .unwrap_or_default();
        found
            .into_iter()
            .map(|u| u.split('#').next().unwrap_or("").to_string())
            .filter(|u| origin(u).as_deref() == Some(site))
            .collect()
    }

    /// The site's Accord config, as the page names it (`data-config`, or inline `#accord-config`).
    pub fn page_config(&mut self, url: &str) -> Result<String, String> {
        let tab = self.open()?;
        self.visit(&tab, url)?;
        let text = self.browser.eval(
            &tab.session,
            r#"(async () => {
                const s = document.querySelector('script[data-config]');
                if (s) return await (await fetch(s.getAttribute('data-config'))).text();
                const inline = document.getElementById('accord-config');
                return inline ? inline.textContent : null;
            })()"#,
        )?;
        self.close(tab);
        text.as_str().map(str::to_string).ok_or_else(|| format!("{url} names no Accord config (no script[data-config], no #accord-config); pass --config FILE"))
    }

    /// Crawls from `start` in a fresh profile with no choice, visiting at most `limit` pages.
    pub fn no_choice(&mut self, start: &str, limit: usize, out: &mut Observations) -> Result<(), String> {
        let site = origin(start).ok_or_else(|| format!("{start:?} is not an http(s) URL"))?;
        let tab = self.open()?;
        let mut queue = VecDeque::from([start.to_string()]);
        while let Some(url) = queue.pop_front() {
            if out.pages.contains(&url) || out.pages.len() >= limit {
                continue;
            }
            self.visit(&tab, &url)?;
            self.collect(&tab, State::NoChoice, &url, out)?;
            out.pages.push(url);
            queue.extend(self.links(&tab, &site));
        }
        self.cookies(&tab, State::NoChoice, out)?;
        self.close(tab);
        Ok(())
    }

    /// Whether the choice just made on `page` has its signed receipt, waiting for it up to
    /// `RECEIPT_WAIT_MS` more; if not, what the page says of it.
    fn receipt(&mut self, tab: &Tab, state: State, page: &str) -> Result<Option<Unsigned>, String> {
        const PROBE: &str = r#"(async () => {
            const id = window.Accord.consent()?.id;
            const list = await window.Accord.receipts().catch(() => []);
            return { signed: list.some((r) => r.id === id), secure: window.isSecureContext };
        })()"#;
        let mut waited = 0;
        loop {
            let probe = self.browser.eval(&tab.session, PROBE)?;
            if probe["signed"] == true {
                return Ok(None);
            }
            if waited >= RECEIPT_WAIT_MS {
                let reported = self
                    .browser
                    .events
                    .iter()
                    .filter(|(session, method, params)| *session == tab.session && method == "Runtime.consoleAPICalled" && params["type"] == "error")
                    .filter_map(|(_, _, params)| params["args"][0]["value"].as_str())
                    .filter(|text| text.starts_with("Accord: receipts: "))
                    .map(str::to_string)
                    .collect();
                return Ok(Some(Unsigned { state, page: page.to_string(), secure: probe["secure"] != false, reported }));
            }
            self.browser.idle(&tab.session, 250)?;
            waited += 250;
        }
    }

    /// In a fresh profile: the first page, the choice through `window.Accord`, then every page.
    pub fn after_choice(&mut self, state: State, out: &mut Observations) -> Result<(), String> {
        let pages = out.pages.clone();
        let Some(first) = pages.first() else { return Ok(()) };
        let tab = self.open()?;
        self.visit(&tab, first)?;
        // What happened before the choice was seen in the no-choice scan.
        let _ = self.collect(&tab, state, first, &mut Observations::default());
        let call = if state == State::Accepted { "acceptAll" } else { "rejectAll" };
        self.browser.eval(&tab.session, &format!("window.Accord.{call}()")).map_err(|e| format!("Accord.{call}() on {first}: {e}"))?;
        self.browser.idle(&tab.session, self.settle_ms)?;
        if let Some(unsigned) = self.receipt(&tab, state, first)? {
            out.unsigned.push(unsigned);
        }
        self.collect(&tab, state, first, out)?;
        for page in &pages {
            self.visit(&tab, page)?;
            self.collect(&tab, state, page, out)?;
        }
        self.cookies(&tab, state, out)?;
        self.close(tab);
        Ok(())
    }
}
