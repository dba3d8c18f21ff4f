//! `cargo xtask test`: every test, in order of cost: the native core tests, the in-browser
//! tests (wasm-bindgen-test in headless Chromium), then the end-to-end tests (Playwright
//! driving Debian's Chromium against the demo served from a fresh `dist/`).

use std::process::Command;

use crate::setup::{self, run};
use crate::{dist, root, serve, Result};

pub fn all() -> Result<()> {
    setup::test_tools()?;
    let root = root();

    section("native tests (pure core, xtask)");
    run(Command::new("cargo").args(["test", "--workspace"]).current_dir(&root))?;

    section("browser tests (wasm-bindgen-test in headless Chromium)");
    run(Command::new("cargo")
        .args(["test", "--package", "accord", "--target", "wasm32-unknown-unknown", "--test", "browser"])
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
        .current_dir(&root))?;

    section("build dist/");
    dist::build()?;

    section("end-to-end tests (Playwright + Chromium against the demo)");
    let server = serve::Server::start(0)?;
    run(Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .arg(root.join("tests/e2e"))
        .env("ACCORD_DEMO_URL", format!("http://127.0.0.1:{}/", server.port))
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
    let server = serve::Server::start(0)?;
    run(Command::new("node")
        .arg("screenshots.mjs")
        .arg(root.join("docs/screenshots"))
        .env("ACCORD_DEMO_URL", format!("http://127.0.0.1:{}/", server.port))
        .current_dir(root.join("tests/e2e")))
}
