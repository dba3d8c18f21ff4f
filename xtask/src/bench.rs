//! `cargo xtask bench`: Accord against the JavaScript consent managers, in Chromium
//! (`bench/run.mjs` on the pages in `bench/pages/`), printing a markdown table.
//!
//! `cargo xtask bench-collector`: the collector's load benchmark. A release build of the
//! collector runs on loopback over SQLite (WAL, synchronous FULL) and over a throwaway
//! PostgreSQL server; `accord-collector-load` posts pre-signed receipts over keep-alive
//! connections; a markdown table gives sustained receipts per second and p50/p99 latency.

use std::path::Path;
use std::process::Command;

use crate::collector::{self, Collector};
use crate::setup::run;
use crate::{dist, serve, setup};
use crate::postgres::Postgres;
use crate::{root, Result};

pub fn collector(args: &[String]) -> Result<()> {
    let receipts: u32 = crate::number_arg(args, "--receipts", 20_000)?;
    let bin = collector::build(true)?;
    let dir = root().join("target/bench-collector");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let postgres = Postgres::start("pg-bench")?;
    let config = r#"{"log": "warn", "rate_limit": {"per_second": 0, "burst": 0}}"#;
    let databases = [
        ("SQLite (WAL, synchronous=FULL)", format!("sqlite:{}", dir.join("receipts.db").display())),
        ("PostgreSQL 15 (fsync on)", postgres.database("bench")?),
    ];
    let mut rows = Vec::new();
    for concurrency in [8, 32] {
        for (name, url) in &databases {
            let server = Collector::start(&bin, url, config, &dir.join("collector.json"))?;
            let out = crate::child::ends_with_xtask(&mut Command::new(bin.join("accord-collector-load")))
                .args(["--url", &format!("http://127.0.0.1:{}", server.port), "--json"])
                .args(["--receipts", &receipts.to_string(), "--concurrency", &concurrency.to_string()])
                .output()
                .map_err(|e| format!("run accord-collector-load: {e}"))?;
            drop(server);
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            if !out.status.success() {
                return Err(format!("accord-collector-load failed: {text}{}", String::from_utf8_lossy(&out.stderr)));
            }
            let field = |name: &str| {
                text.split(&format!("\"{name}\":")).nth(1).and_then(|r| r.split([',', '}']).next()).unwrap_or("?").to_string()
            };
            rows.push(format!(
                "| {name} | {concurrency} | {} | {} | {} | {} |",
                field("stored"),
                field("per_second"),
                field("p50_ms"),
                field("p99_ms")
            ));
        }
    }
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("\nCollector load, loopback, {cpus} CPUs, load generator on the same machine, request logs off:\n");
    println!("| Database | Connections | Receipts stored | Receipts/s | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for row in rows {
        println!("{row}");
    }
    Ok(())
}

/// How many times the throttled runs slow the CPU unless told otherwise: the issue's 4x.
/// `bench/run.mjs` has the same default for runs by hand.
pub const THROTTLE: u32 = 4;

/// Builds `dist/`, serves it with the peers' pages, and runs `bench/run.mjs` for `runs` rounds;
/// with `against`, a folder holding another build's `accord.js` and `accord_bg.wasm` (and
/// `accord.css`, for a build from before it went inside `accord.js`), this build against that
/// one instead of the peers (an A/B of a change). The throttled runs slow the CPU `throttle`
/// times.
/// `click`: whether to click Accept all and time it (not for a build cut down to what the
/// start runs, which has no code for it).
pub fn peers(runs: u32, against: Option<&Path>, throttle: u32, click: bool) -> Result<()> {
    setup::test_tools()?;
    dist::build()?;
    if let Some(dir) = against {
        stage_against(dir)?;
    }
    let server = serve::Server::start_uncompressed(0)?;
    run_pages(server.port, runs, against.is_some(), throttle, click)
}

/// The files of an A/B: this build's `dist/` and `dir`'s, copied to `bench/tmp/this/` and
/// `bench/tmp/against/` (not committed), each with a copy of Accord's benchmark page that
/// loads it. Both are served from the same place the same way, so only the builds differ.
pub fn stage_against(dir: &Path) -> Result<()> {
    let tmp = root().join("bench/tmp");
    let page = root().join("bench/pages/accord.html");
    let page = std::fs::read_to_string(&page).map_err(|e| format!("read {}: {e}", page.display()))?;
    if !page.contains(ACCORD_SRC) {
        return Err(format!("bench/pages/accord.html no longer loads {ACCORD_SRC}: update xtask/src/bench.rs"));
    }
    for (name, from) in [("this", root().join("dist")), ("against", dir.to_path_buf())] {
        let to = tmp.join(name);
        std::fs::create_dir_all(&to).map_err(|e| format!("create {}: {e}", to.display()))?;
        // An older build loads its stylesheet from a file of its own; a copy left from an
        // earlier A/B would be counted in the other build's bytes.
        dist::remove_old_stylesheet(&to).map_err(|e| format!("--against: {e}"))?;
        let older = Some("accord.css").filter(|css| from.join(css).is_file());
        for file in dist::FILES.into_iter().chain(older) {
            std::fs::copy(from.join(file), to.join(file)).map_err(|e| format!("--against: copy {}: {e}", from.join(file).display()))?;
        }
        let html = tmp.join(format!("{name}.html"));
        std::fs::write(&html, page.replace(ACCORD_SRC, &format!("/bench/tmp/{name}/accord.js"))).map_err(|e| format!("write {}: {e}", html.display()))?;
    }
    Ok(())
}

/// `cargo xtask coverage`: builds `dist/`, serves it with the benchmark's and the demo's pages,
/// and runs `bench/coverage.mjs`: which of the wasm's functions run at each step of a page view
/// (first visit to the banner, a choice, a return visit, the panel), and the size of a wasm
/// without the others. `names`: measured on a build of the same wasm that keeps its function
/// names ([`dist::named_wasm`]), adding a table by Accord's modules.
/// `cut`: a folder to write the wasm of just what the benchmark page's start ran into, with an
/// `accord.js` that loads it, for `cargo xtask bench --against DIR --no-click`.
/// (`coverage.mjs` refuses `--cut` with a build that keeps its names.)
pub fn coverage(names: bool, cut: Option<&Path>) -> Result<()> {
    setup::test_tools()?;
    dist::build()?;
    let wasm = if names { Some(dist::named_wasm()?) } else { None };
    let server = serve::Server::start_uncompressed(0)?;
    run_coverage(server.port, wasm.as_deref(), cut)
}

/// Runs `bench/coverage.mjs` against the pages served on `port` (the test smoke runs it
/// against the benchmark's server).
pub fn run_coverage(port: u16, wasm: Option<&Path>, cut: Option<&Path>) -> Result<()> {
    setup::npm_packages("bench")?;
    let mut node = Command::new("node");
    node.arg("coverage.mjs").arg(format!("http://127.0.0.1:{port}/"));
    if let Some(wasm) = wasm {
        node.arg("--wasm").arg(wasm);
    }
    if let Some(cut) = cut {
        // node runs in bench/: a relative folder is the caller's.
        node.arg("--cut").arg(std::path::absolute(cut).map_err(|e| format!("--cut {}: {e}", cut.display()))?);
    }
    run(node.current_dir(root().join("bench")))
}

/// Where Accord's benchmark page loads it from.
const ACCORD_SRC: &str = "/accord/accord.js";

/// Runs `bench/run.mjs` for `runs` rounds against the pages served on `port` (the test smoke
/// runs one round against the demo's server): the peers, or with `against` the two builds
/// [`stage_against`] put in place; unthrottled and with the CPU slowed `throttle` times.
pub fn run_pages(port: u16, runs: u32, against: bool, throttle: u32, click: bool) -> Result<()> {
    setup::npm_packages("bench")?;
    let mut node = Command::new("node");
    node.arg("run.mjs").arg(format!("http://127.0.0.1:{port}/")).arg(runs.to_string());
    if against {
        node.arg("--against");
    }
    if !click {
        node.arg("--no-click");
    }
    node.arg("--throttle").arg(throttle.to_string());
    run(node.current_dir(root().join("bench")))
}
