//! Installs what the build and the tests need when it is missing: the wasm target, rust-src, the
//! wasm-bindgen CLI at the Cargo.lock version, Debian's chromium, chromium-driver, CJK
//! fonts and postgresql (with apt-get when root, else a message naming them), and the npm packages of the
//! build (binaryen's wasm-opt: Debian's binaryen 108 corrupts wasm-bindgen 0.2.130 output)
//! and of the end-to-end tests.

use std::path::Path;
use std::process::Command;

use crate::child::ends_with_xtask;
use crate::{root, Result};

/// Runs a command, failing with its name when it does not succeed. It ends when xtask ends,
/// however xtask ends (see [`ends_with_xtask`]).
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    let status = ends_with_xtask(cmd).status().map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What building `dist/` needs.
pub fn build_tools() -> Result<()> {
    wasm_target()?;
    rust_src()?;
    wasm_bindgen_cli()?;
    npm_packages("xtask/node")
}

/// What the tests need on top of the build.
pub fn test_tools() -> Result<()> {
    build_tools()?;
    let initdb = crate::postgres::initdb().map_or("/usr/lib/postgresql/*/bin/initdb".to_string(), |p| p.display().to_string());
    debian(&[
        ("/usr/bin/chromium", "chromium"),
        ("/usr/bin/chromedriver", "chromium-driver"),
        // The banner speaks Chinese: without these, screenshots show empty boxes.
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "fonts-noto-cjk"),
        // The collector's tests run against a real PostgreSQL server.
        (&initdb, "postgresql"),
    ])?;
    npm_packages("tests/e2e")
}

fn wasm_target() -> Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    eprintln!("xtask: installing the wasm32-unknown-unknown target");
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// The standard library's source: `cargo xtask dist` rebuilds it for the wasm (see dist.rs).
fn rust_src() -> Result<()> {
    let installed = output(Command::new("rustup").args(["component", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim().starts_with("rust-src")) {
        return Ok(());
    }
    eprintln!("xtask: installing the rust-src component");
    run(Command::new("rustup").args(["component", "add", "rust-src"]))
}

/// The wasm-bindgen version Cargo.lock pins; the CLI must match it exactly.
pub fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("read Cargo.lock: {e}"))?;
    locked_version(&lock, "wasm-bindgen").ok_or_else(|| "Cargo.lock has no wasm-bindgen entry".into())
}

/// The version of package `name` in Cargo.lock text.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == wanted {
            let version = lines.next()?.strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_string());
        }
    }
    None
}

fn wasm_bindgen_cli() -> Result<()> {
    let want = locked_wasm_bindgen()?;
    let have = output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(want.as_str()) {
        return Ok(());
    }
    eprintln!("xtask: installing wasm-bindgen-cli {want} (about 2 minutes)");
    // Not --locked: the CLI's own lock file pins a crate version this registry lacks.
    run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &want]))
}

/// Makes sure each `(file, Debian package)` is there, installing the missing packages.
fn debian(needs: &[(&str, &str)]) -> Result<()> {
    let missing: Vec<&str> = needs
        .iter()
        .filter(|(file, _)| !Path::new(file).exists())
        .map(|(_, pkg)| *pkg)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root_user = output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    if !root_user {
        return Err(format!("missing Debian packages: {}; install them with: sudo apt-get install -y {}",
            missing.join(", "), missing.join(" ")));
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    run(Command::new("apt-get").arg("update").arg("-q"))?;
    run(Command::new("apt-get").args(["install", "-y", "-q"]).args(&missing).env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Runs `npm ci` in `folder` (relative to the root) unless its node_modules is current.
pub fn npm_packages(folder: &str) -> Result<()> {
    let dir = root().join(folder);
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    // npm writes node_modules/.package-lock.json on install; older than the lock means stale.
    if let (Some(installed), Some(wanted)) =
        (modified(&dir.join("node_modules/.package-lock.json")), modified(&dir.join("package-lock.json")))
    {
        if installed >= wanted {
            return Ok(());
        }
    }
    eprintln!("xtask: installing the npm packages of {folder}");
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&dir))
}

#[cfg(test)]
mod tests {
    use super::locked_version;

    #[test]
    fn reads_the_exact_package_version_from_the_lock() {
        let lock = "[[package]]\nname = \"wasm-bindgen-futures\"\nversion = \"0.4.1\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n";
        assert_eq!(locked_version(lock, "wasm-bindgen").as_deref(), Some("0.2.130"));
        assert_eq!(locked_version(lock, "js-sys"), None);
    }

    #[test]
    fn the_project_lock_pins_wasm_bindgen() {
        assert!(super::locked_wasm_bindgen().is_ok_and(|v| v.starts_with("0.2.")));
    }
}
