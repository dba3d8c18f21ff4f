//! `accord-scan URL [--config FILE] [--out DIR] [--pages N]`: loads a site in headless
//! Chromium three times (no choice, Reject all, Accept all), follows up to N same-site links,
//! records requests, cookies and localStorage writes, and whether each choice got its signed
//! receipt, and judges them against the site's Accord config. Writes `report.json` and
//! `report.html` to DIR; exits 1 on any violation (so it can guard a CI pipeline), 2 when the
//! scan itself cannot run.

mod cdp;
mod judge;
mod observe;
mod report;

use std::path::PathBuf;

use accord::config::Config;

const USAGE: &str = "usage: accord-scan URL [--config FILE] [--out DIR] [--pages N] [--chromium PATH] [--settle-ms MS]";

struct Args {
    url: String,
    config: Option<PathBuf>,
    out: PathBuf,
    pages: usize,
    chromium: String,
    settle_ms: u64,
}

fn args() -> Result<Args, String> {
    let mut a = Args { url: String::new(), config: None, out: PathBuf::from("accord-scan-report"), pages: 5, chromium: "/usr/bin/chromium".into(), settle_ms: 1500 };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--config" => a.config = Some(value("--config")?.into()),
            "--out" => a.out = value("--out")?.into(),
            "--pages" => a.pages = value("--pages")?.parse().ok().filter(|n| *n > 0).ok_or("--pages needs a positive number")?,
            "--chromium" => a.chromium = value("--chromium")?,
            "--settle-ms" => a.settle_ms = value("--settle-ms")?.parse().map_err(|_| "--settle-ms needs a number")?,
            "-h" | "--help" => return Err(USAGE.into()),
            url if a.url.is_empty() && !url.starts_with('-') => a.url = url.to_string(),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if observe::origin(&a.url).is_none() || !a.url.starts_with("http") {
        return Err(format!("a URL (http or https) is needed\n{USAGE}"));
    }
    Ok(a)
}

fn run(a: &Args) -> Result<usize, String> {
    let mut browser = cdp::Browser::launch(&a.chromium)?;
    let mut scan = observe::Scan { browser: &mut browser, settle_ms: a.settle_ms };
    let text = match &a.config {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("--config {}: {e}", path.display()))?,
        None => scan.page_config(&a.url)?,
    };
    let config = Config::parse(&text).map_err(|e| format!("the Accord config is invalid: {e}"))?;
    let mut seen = observe::Observations::default();
    scan.no_choice(&a.url, a.pages, &mut seen)?;
    scan.after_choice(observe::State::Rejected, &mut seen)?;
    scan.after_choice(observe::State::Accepted, &mut seen)?;
    drop(browser);

    let site = observe::origin(&a.url).unwrap_or_default();
    let violations = judge::judge(&config, &site, &seen);
    let when = accord_time();
    std::fs::create_dir_all(&a.out).map_err(|e| format!("--out {}: {e}", a.out.display()))?;
    let json = report::json_report(&a.url, &when, &seen, &violations);
    std::fs::write(a.out.join("report.json"), format!("{json:#}\n")).map_err(|e| format!("write report.json: {e}"))?;
    std::fs::write(a.out.join("report.html"), report::html_report(&a.url, &when, &seen, &violations)).map_err(|e| format!("write report.html: {e}"))?;
    println!("accord-scan: {} page(s), {} request(s), {} cookie(s) seen; {} violation(s)", seen.pages.len(), seen.requests.len(), seen.cookies.len(), violations.len());
    for v in &violations {
        println!("  {}: {} [{}] {}", v.kind, v.subject, v.states.join(", "), v.detail);
    }
    println!("accord-scan: reports in {}", a.out.display());
    Ok(violations.len())
}

/// The current time, RFC 3339 in UTC.
fn accord_time() -> String {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    accord::clock::iso(ms)
}

fn main() {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("accord-scan: {e}");
            std::process::exit(2);
        }
    };
    match run(&a) {
        Ok(0) => {}
        Ok(_) => std::process::exit(1),
        Err(e) => {
            eprintln!("accord-scan: {e}");
            std::process::exit(2);
        }
    }
}
