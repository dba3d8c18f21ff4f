//! `cargo xtask`: the project's task runner.
//!
//! - `cargo xtask dist`: build `dist/` (loader, wasm, styles) and print their sizes.
//! - `cargo xtask demo [--port N]`: build, then serve the demo site on 127.0.0.1 with the
//!   receipt collector (SQLite in `target/demo/`) behind `/collector/`.
//! - `cargo xtask serve [--port N]`: serve what is built, without building or a collector.
//! - `cargo xtask test`: every test: native (with a throwaway PostgreSQL), in-browser
//!   (wasm-bindgen-test), end-to-end.
//! - `cargo xtask bench [--runs N] [--against DIR] [--throttle R] [--no-click]`: Accord
//!   against vanilla-cookieconsent, klaro and cookieconsent in Chromium (15 interleaved runs
//!   by default, unthrottled and with the CPU slowed R times, 4 by default), as a markdown table;
//!   with `--against DIR`, this build against the build in DIR (an A/B of a change);
//!   `--no-click` leaves out the Accept-all click.
//! - `cargo xtask coverage [--names | --cut DIR]`: which of the wasm's functions run at each
//!   step of a page view, and how small a first module of just those would be
//!   (`bench/coverage.mjs`); `--cut DIR` writes that module, for `bench --against DIR
//!   --no-click`.
//! - `cargo xtask fuzz [--seconds N]`: each fuzz target for N seconds (600 by default).
//! - `cargo xtask bench-collector [--receipts N]`: the collector's load benchmark on SQLite
//!   and PostgreSQL.
//! - `cargo xtask screenshots`: build, serve, and take `docs/screenshots/`.
//!
//! Each installs what it needs and is missing (see `setup`).

mod bench;
mod boundary;
mod child;
mod collector;
mod dist;
mod fuzz;
mod http;
mod lowmem;
mod order;
mod postgres;
mod serve;
mod traps;
mod setup;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

/// The workspace root (the parent of this crate).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// A task failure, with a message for the person who ran it.
pub type Result<T> = std::result::Result<T, String>;

/// What follows `flag` in `args`: `None` without the flag, `Some(None)` when it comes last.
fn flag_value<'a>(args: &'a [String], flag: &str) -> Option<Option<&'a String>> {
    let i = args.iter().position(|a| a == flag)?;
    Some(args.get(i + 1))
}

fn port_arg(args: &[String]) -> Result<u16> {
    match flag_value(args, "--port") {
        None => Ok(8080),
        Some(value) => {
            let value = value.ok_or("--port needs a number")?;
            value.parse().map_err(|_| format!("--port: \"{value}\" is not a port number"))
        }
    }
}

/// The number after `flag` (`--seconds 60`), or `default` without the flag.
pub fn number_arg<T: std::str::FromStr>(args: &[String], flag: &str, default: T) -> Result<T> {
    match flag_value(args, flag) {
        Some(value) => value.and_then(|v| v.parse().ok()).ok_or(format!("{flag} needs a number")),
        None => Ok(default),
    }
}

fn run(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("dist") => {
            setup::build_tools()?;
            dist::build().map(|_| ())
        }
        Some("demo") => {
            let port = port_arg(&args[1..])?;
            setup::build_tools()?;
            dist::build()?;
            let bin = collector::build(false)?;
            let receipts = collector::Collector::demo(&bin, "info")?;
            let server = serve::Server::start(port, Some(receipts.port))?;
            println!(
                "Receipts: http://127.0.0.1:{port}/collector/  (owner API token: {token}; try\n  curl -H 'Authorization: Bearer {token}' http://127.0.0.1:{port}/collector/v1/owner/receipts)",
                port = server.port,
                token = collector::DEMO_TOKEN
            );
            server.wait();
            drop(receipts);
            Ok(())
        }
        Some("serve") => {
            serve::Server::start(port_arg(&args[1..])?, None)?.wait();
            Ok(())
        }
        Some("test") if args.iter().any(|a| a == "--e2e") => {
            test::e2e(number_arg(args, "--rounds", 1u32).ok().filter(|n| *n > 0).ok_or("--rounds needs a positive number")?)
        }
        Some("test") => test::all(),
        Some("screenshots") => test::screenshots(),
        Some("bench-collector") => bench::collector(&args[1..]),
        Some("bench") => {
            let runs = number_arg(args, "--runs", 15u32).ok().filter(|n| *n > 0).ok_or("--runs needs a positive number")?;
            let against = match flag_value(args, "--against") {
                Some(dir) => Some(PathBuf::from(dir.ok_or("--against needs a folder holding another build's accord.js and accord_bg.wasm")?)),
                None => None,
            };
            // A slower machine, roughly: the figure is at 4x, and a higher rate asks
            // whether a result holds on a CPU slower than this one.
            let throttle = number_arg(args, "--throttle", bench::THROTTLE).ok().filter(|r| *r >= 2).ok_or("--throttle needs a whole number of 2 or more")?;
            bench::peers(runs, against.as_deref(), throttle, !args.iter().any(|a| a == "--no-click"))
        }
        Some("coverage") => {
            let cut = match flag_value(args, "--cut") {
                Some(dir) => Some(PathBuf::from(dir.ok_or("--cut needs a folder to write the cut build into")?)),
                None => None,
            };
            bench::coverage(args.iter().any(|a| a == "--names"), cut.as_deref())
        }
        Some("fuzz") => fuzz::all(number_arg(args, "--seconds", 600)?),
        _ => Err("usage: cargo xtask dist | demo [--port N] | serve [--port N] | test [--e2e [--rounds N]] | screenshots | fuzz [--seconds N] | bench [--runs N] [--against DIR] [--throttle R] [--no-click] | bench-collector [--receipts N] | coverage [--names | --cut DIR]".into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
