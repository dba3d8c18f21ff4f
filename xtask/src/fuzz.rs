//! `cargo xtask fuzz [--seconds N]`: runs each cargo-fuzz target in `fuzz/` for N seconds
//! (600 by default); `cargo xtask test` runs the same for a few seconds each as a smoke.
//! Each run starts from the committed seeds (`fuzz/corpus/`) and replays every input that
//! once found a bug (`fuzz/regressions/`); what it learns goes to `target/fuzz-corpus/`, and a
//! crash to `target/fuzz-artifacts/`, named in the error.
//!
//! cargo-fuzz needs nightly flags; this machine has only stable Rust, so the runs set
//! `RUSTC_BOOTSTRAP=1`, which lets stable rustc take them.

use std::process::Command;

use crate::setup::run;
use crate::{root, Result};

pub const TARGETS: [&str; 4] = ["config", "consent_cookie", "receipt_payload", "collector_jws"];

/// Installs cargo-fuzz when it is missing.
pub fn tools() -> Result<()> {
    let have = Command::new("cargo").args(["fuzz", "--version"]).output().is_ok_and(|o| o.status.success());
    if have {
        return Ok(());
    }
    eprintln!("xtask: installing cargo-fuzz (about 1 minute)");
    run(Command::new("cargo").args(["install", "cargo-fuzz", "--locked", "--version", "0.13.2"]))
}

pub fn all(seconds: u32) -> Result<()> {
    tools()?;
    let root = root();
    for target in TARGETS {
        let corpus = root.join("target/fuzz-corpus").join(target);
        let artifacts = root.join("target/fuzz-artifacts").join(target);
        for dir in [&corpus, &artifacts] {
            std::fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        }
        let mut cmd = Command::new("cargo");
        cmd.args(["fuzz", "run", "--fuzz-dir", "fuzz", target])
            .arg(&corpus)
            .env("RUSTC_BOOTSTRAP", "1")
            .current_dir(&root);
        // Seeds and regressions, where there are any (git keeps no empty folder).
        for extra in [root.join("fuzz/corpus").join(target), root.join("fuzz/regressions").join(target)] {
            if extra.is_dir() {
                cmd.arg(extra);
            }
        }
        cmd.arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .arg("-print_final_stats=1");
        run(&mut cmd).map_err(|e| format!("fuzz target {target} failed: {e}; the input is in {}", artifacts.display()))?;
    }
    Ok(())
}
