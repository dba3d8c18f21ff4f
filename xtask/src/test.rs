//! `cargo xtask test`: every test, in order of cost: the native tests (the core, xtask, and
//! the collector against real SQLite and a throwaway PostgreSQL server), the in-browser tests
//! (wasm-bindgen-test in headless Chromium), then the end-to-end tests (Playwright driving
//! Debian's Chromium against the demo served from a fresh `dist/`, with its collector).

use std::process::Command;

use crate::setup::{self, run};
use crate::collector::{self, Collector};
use crate::postgres::Postgres;
use crate::{dist, root, serve, Result};


pub fn all() -> Result<()> {
    setup::test_tools()?;
    let root = root();

    section("native tests (pure core, xtask, collector on SQLite and PostgreSQL)");
    let postgres = Postgres::start("pg-test")?;
    run(Command::new("cargo").args(["test", "--workspace"]).env("ACCORD_TEST_POSTGRES", &postgres.url).current_dir(&root))?;
    drop(postgres);

    section("fuzzing smoke (cargo-fuzz, 10 s per target; `cargo xtask fuzz` for a long run)");
    crate::fuzz::all(10)?;

    section("browser tests (wasm-bindgen-test in headless Chromium)");
    run(Command::new("cargo")
        .args(["test", "--package", "accord", "--target", "wasm32-unknown-unknown", "--test", "browser"])
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
        .current_dir(&root))?;

    section("build dist/");
    dist::build()?;

    end_to_end(&root)?;

    section("benchmark statistics, the coverage probe's module rewriting, and Chromium's switches alike in every launcher (bench/compare.mjs, bench/coverage.mjs, bench/harness.mjs)");
    run(Command::new("node").args(["--test", "compare.test.mjs", "coverage.test.mjs", "harness.test.mjs"]).current_dir(root.join("bench")))?;

    section("benchmark smoke (one round; `cargo xtask bench` runs 15)");
    let server = serve::Server::start_uncompressed(0)?;
    crate::bench::run_pages(server.port, 1, false, crate::bench::THROTTLE, true)?;

    // At 6x, so that a rate other than the default goes through the harness too.
    section("A/B smoke (`cargo xtask bench --against DIR --throttle 6`, dist/ against a copy of itself, one round)");
    crate::bench::stage_against(&root.join("dist"))?;
    crate::bench::run_pages(server.port, 1, true, 6, true)?;

    section("coverage smoke (`cargo xtask coverage --cut`: the wasm's functions run by step, and a first module's size and build)");
    let cut = root.join("bench/tmp/cut");
    crate::bench::run_coverage(server.port, None, Some(&cut))?;

    section("A/B smoke of the cut build (`cargo xtask bench --against bench/tmp/cut --no-click`, one round)");
    crate::bench::stage_against(&cut)?;
    crate::bench::run_pages(server.port, 1, true, crate::bench::THROTTLE, false)
}

/// `cargo xtask test --e2e [--rounds N]`: builds `dist/`, then runs only the end-to-end tests,
/// N times over (to chase a test that fails one run in many).
pub fn e2e(rounds: u32) -> Result<()> {
    setup::test_tools()?;
    let root = root();
    dist::build()?;
    for round in 1..=rounds {
        if rounds > 1 {
            println!("\n==> round {round} of {rounds}");
        }
        end_to_end(&root)?;
    }
    Ok(())
}

fn end_to_end(root: &std::path::Path) -> Result<()> {
    section("end-to-end tests (Playwright + Chromium against the demo and its collector)");
    let bin = collector::build(false)?;
    run(Command::new("cargo").args(["build", "--package", "accord-scan"]).current_dir(root))?;
    let dir = root.join("target/e2e-collector");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let config = format!(r#"{{"owner_token": "{}", "log": "warn", "rate_limit": {{"per_second": 0, "burst": 0}}}}"#, collector::DEMO_TOKEN);
    let receipts = Collector::start(&bin, &format!("sqlite:{}", dir.join("receipts.db").display()), &config, &dir.join("collector.json"))?;
    let server = serve::Server::start(0, Some(receipts.port))?;
    run(Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .arg(root.join("tests/e2e"))
        .env("ACCORD_DEMO_URL", format!("http://127.0.0.1:{}/", server.port))
        .env("ACCORD_COLLECTOR_TOKEN", collector::DEMO_TOKEN)
        .env("ACCORD_SCAN_BIN", bin.join("accord-scan"))
        .current_dir(root.join("tests/e2e")))
}

fn section(name: &str) {
    println!("\n==> {name}");
}

/// Builds, serves, and takes the screenshots under `docs/screenshots/`.
pub fn screenshots() -> Result<()> {
    setup::test_tools()?;
    let root = root();
    dist::build()?;
    let server = serve::Server::start(0, None)?;
    run(Command::new("node")
        .arg("screenshots.mjs")
        .arg(root.join("docs/screenshots"))
        .env("ACCORD_DEMO_URL", format!("http://127.0.0.1:{}/", server.port))
        .current_dir(root.join("tests/e2e")))
}
