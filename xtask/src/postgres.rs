//! A throwaway PostgreSQL server for the tests and the benchmark: a fresh cluster under
//! `target/`, on a free loopback port, run as the `postgres` user when we are root (initdb
//! refuses root), stopped and removed when dropped, or else by the next start on the same folder.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::setup::run;
use crate::{root, Result};

/// Debian's newest `initdb`, if the server package is installed.
pub fn initdb() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin/initdb")))
        .filter(|p| p.is_file())
        .collect();
    found.sort_by_key(|p| p.parent().and_then(Path::parent).and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok()));
    found.pop()
}

pub struct Postgres {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`
    pub url: String,
    port: u16,
    dir: PathBuf,
    bin: PathBuf,
    as_root: bool,
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("find a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn pg_command(bin: &Path, as_root: bool, program: &str) -> Command {
    let path = bin.join(program);
    if as_root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

/// `pg_ctl stop` for the cluster in `data`, waiting until it has stopped; `mode` is `fast`
/// (clients disconnected, a clean shutdown) or `immediate` (no shutdown work).
fn pg_stop(bin: &Path, as_root: bool, data: &Path, mode: &str) -> Command {
    let mut c = pg_command(bin, as_root, "pg_ctl");
    c.args(["-D"]).arg(data).args(["-m", mode, "-w", "stop"]).stdout(std::process::Stdio::null());
    c
}

impl Postgres {
    fn command(&self, program: &str) -> Command {
        pg_command(&self.bin, self.as_root, program)
    }

    pub fn start(name: &str) -> Result<Postgres> {
        let initdb = initdb().ok_or("PostgreSQL's server is not installed (Debian package postgresql)")?;
        let bin = initdb.parent().map(Path::to_path_buf).ok_or("no bin folder")?;
        let as_root = Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let dir = root().join("target").join(name);
        let data = dir.join("data");
        // A server that a killed run left behind on this folder (its xtask never dropped
        // it): stopped before its files go, or it would run on, orphaned, until the machine
        // stops. (`pg_ctl start` leaves the server running on its own, so the parent death
        // signal that ends xtask's other children does not reach it.)
        if data.join("postmaster.pid").is_file() {
            let _ = pg_stop(&bin, as_root, &data, "immediate").stderr(std::process::Stdio::null()).status();
        }
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        if as_root {
            run(Command::new("chown").arg("postgres").arg(&dir))?;
        }
        run(pg_command(&bin, as_root, "initdb").args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-instructions", "-D"]).arg(&data).stdout(std::process::Stdio::null()))?;
        let port = free_port()?;
        let options = format!("-h 127.0.0.1 -p {port} -k {} -c max_connections=200", dir.display());
        run(pg_command(&bin, as_root, "pg_ctl")
            .args(["-D"])
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(dir.join("server.log"))
            .args(["-w", "start"])
            .stdout(std::process::Stdio::null()))?;
        Ok(Postgres { url: format!("postgres://postgres@127.0.0.1:{port}/postgres"), port, dir, bin, as_root })
    }

    /// Creates a database and returns its URL.
    pub fn database(&self, name: &str) -> Result<String> {
        run(self.command("createdb").args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", name]))?;
        Ok(format!("postgres://postgres@127.0.0.1:{}/{name}", self.port))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = pg_stop(&self.bin, self.as_root, &self.dir.join("data"), "fast").status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::net::TcpStream;
    use std::time::Duration;

    use super::*;

    fn listening(port: u16) -> bool {
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2)).is_ok()
    }

    #[test]
    fn a_server_left_by_a_killed_run_is_stopped_by_the_next_start() {
        let first = Postgres::start("pg-leftover-test").expect("start PostgreSQL (Debian package postgresql)");
        let (port, pid_file) = (first.port, first.dir.join("data/postmaster.pid"));
        let pid: u32 = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|s| s.lines().next().and_then(|l| l.trim().parse().ok()))
            .expect("the server's pid in postmaster.pid");
        // Never dropped, as when xtask is killed: the server stays up.
        std::mem::forget(first);
        assert!(listening(port), "the first server listens on {port}");

        let second = Postgres::start("pg-leftover-test").expect("start PostgreSQL again");
        let gone = crate::child::has_ended(pid);
        let closed = !listening(port);
        if !gone {
            let _ = Command::new("kill").args(["-s", "QUIT", &pid.to_string()]).status();
        }
        assert!(gone && closed, "the server left on {port} (pid {pid}) still runs after the next start");
        assert!(listening(second.port), "the second server listens on {}", second.port);
    }
}
