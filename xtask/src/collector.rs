//! Runs `accord-collector` for the demo and the end-to-end tests: builds it, starts it on a
//! free loopback port over an SQLite file, and passes its log lines through. The demo site
//! reaches it at `/collector/` on its own origin (see `serve`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::child::ends_with_xtask;
use crate::setup::run;
use crate::{root, Result};

/// The demo's owner API token (the demo is local; a real site sets its own).
pub const DEMO_TOKEN: &str = "demo-owner-token-change-me";

pub struct Collector {
    pub port: u16,
    child: Child,
}

/// Builds the collector (and its load generator) and returns the folder they are in.
pub fn build(release: bool) -> Result<PathBuf> {
    let mut cmd = Command::new("cargo");
    cmd.args(["build", "--package", "accord-collector", "--bins"]).current_dir(root());
    if release {
        cmd.arg("--release");
    }
    run(&mut cmd)?;
    Ok(root().join("target").join(if release { "release" } else { "debug" }))
}

impl Collector {
    /// Starts `bin/accord-collector` over `database` with `config` (JSON) written beside it.
    pub fn start(bin: &Path, database: &str, config: &str, config_path: &Path) -> Result<Collector> {
        std::fs::write(config_path, config).map_err(|e| format!("write {}: {e}", config_path.display()))?;
        let mut child = ends_with_xtask(&mut Command::new(bin.join("accord-collector")))
            .args(["--listen", "127.0.0.1:0", "--database", database, "--config"])
            .arg(config_path)
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("start accord-collector: {e}"))?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(std::result::Result::ok) {
                if line.contains("\"event\":\"listening\"") {
                    let port = line
                        .split("\"addr\":\"127.0.0.1:")
                        .nth(1)
                        .and_then(|rest| rest.split('"').next())
                        .and_then(|p| p.parse::<u16>().ok());
                    let _ = tx.send(port);
                }
                eprintln!("collector: {line}");
            }
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Some(port)) => Ok(Collector { port, child }),
            _ => {
                let _ = child.kill();
                Err("accord-collector did not start (see its lines above)".into())
            }
        }
    }

    /// The collector the demo uses: `target/demo/receipts.db`, kept between runs.
    pub fn demo(bin: &Path, log: &str) -> Result<Collector> {
        let dir = root().join("target/demo");
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        let config = format!(
            r#"{{"owner_token": "{DEMO_TOKEN}", "log": "{log}", "rate_limit": {{"per_second": 50, "burst": 200}}}}"#
        );
        let database = format!("sqlite:{}", dir.join("receipts.db").display());
        Collector::start(bin, &database, &config, &dir.join("collector.json"))
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        // SIGTERM: let it drain and close the database cleanly.
        let _ = Command::new("kill").args(["-s", "TERM", &self.child.id().to_string()]).status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
