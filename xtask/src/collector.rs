//! Runs `accord-collector` for the demo and the end-to-end tests: builds it, starts it on a
//! free loopback port over an SQLite file, and passes its log lines through. The demo site
//! reaches it at `/collector/` on its own origin (see `serve`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

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

/// Has the process `cmd` starts sent SIGTERM when xtask ends, however it ends: killed
/// (`kill`, `pkill -f "xtask demo"`, a CI timeout) as well as by Ctrl-C, which reaches the
/// whole process group anyway. Without it, a demo stopped that way left its collector running,
/// holding `target/demo/receipts.db` open. SIGTERM lets the collector close its database.
///
/// Linux's "parent death signal" is tied to the thread that starts the child: call this from
/// a thread that lives as long as xtask (the main thread, as the demo and the tests do).
fn ends_with_xtask(cmd: &mut Command) -> &mut Command {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let xtask = std::process::id();
        // SAFETY: between fork and exec the closure makes only async-signal-safe system
        // calls (prctl, getppid, kill) and allocates nothing.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // xtask ended before the prctl: no signal will come, so end now.
                if libc::getppid() as u32 != xtask {
                    libc::kill(libc::getpid(), libc::SIGTERM);
                }
                Ok(())
            });
        }
    }
    cmd
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// Set in the helper process the test starts (this test binary again).
    const HELPER: &str = "XTASK_TEST_ENDS_WITH_XTASK_HELPER";

    fn state(pid: u32) -> Option<char> {
        // `/proc/PID/stat`: "PID (name) S ...". A process whose parent is gone may stay a
        // zombie ('Z') until the container's first process reaps it: it has ended.
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next())
    }

    #[test]
    fn a_child_started_by_xtask_ends_when_xtask_is_killed() {
        if std::env::var_os(HELPER).is_some() {
            // The helper: start a long child the way the collector is started, say its pid,
            // and wait for it (the test kills the helper first).
            let mut child = ends_with_xtask(Command::new("sleep").arg("120")).spawn().expect("start sleep");
            println!("child={}", child.id());
            let _ = child.wait();
            return;
        }
        let exe = std::env::current_exe().expect("this test binary");
        let mut helper = Command::new(exe)
            .args(["--exact", "collector::tests::a_child_started_by_xtask_ends_when_xtask_is_killed", "--nocapture", "--test-threads=1"])
            .env(HELPER, "1")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the helper");
        let stdout = helper.stdout.take().expect("the helper's stdout");
        let child: u32 = BufReader::new(stdout)
            .lines()
            .map_while(std::result::Result::ok)
            // (After the harness's "test … ... " on the same line.)
            .find_map(|line| line.split_once("child=").and_then(|(_, pid)| pid.trim().parse().ok()))
            .expect("the helper names its child");
        assert!(matches!(state(child), Some(s) if s != 'Z'), "the child runs while its parent does");

        // SIGKILL: the parent gets no chance to clean up, as with a killed `cargo xtask demo`.
        helper.kill().expect("kill the helper");
        helper.wait().expect("reap the helper");
        let ended = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            matches!(state(child), None | Some('Z'))
        });
        if !ended {
            let _ = Command::new("kill").arg(child.to_string()).status();
        }
        assert!(ended, "the child {child} still runs 5 s after its parent was killed");
    }
}
