//! The harness for the collector's integration tests: a real `accord-collector` process on a
//! loopback port over a real database (a fresh SQLite file, or a fresh database on the
//! PostgreSQL server named by ACCORD_TEST_POSTGRES), and a plain HTTP/1.1 client.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const TOKEN: &str = "owner-token-for-tests-0123456789";

static COUNTER: AtomicUsize = AtomicUsize::new(0);

#[derive(Clone, Debug)]
pub struct Db {
    pub url: String,
    pub kind: &'static str,
    _dir: Option<Arc<TempDir>>,
}

#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

impl Db {
    pub fn sqlite() -> Db {
        let dir = std::env::temp_dir().join(unique("accord_collector_test"));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite:{}", dir.join("receipts.db").display());
        Db { url, kind: "sqlite", _dir: Some(Arc::new(TempDir(dir))) }
    }

    /// A fresh database on the test PostgreSQL server.
    pub fn postgres() -> Db {
        let admin = std::env::var("ACCORD_TEST_POSTGRES").unwrap_or_else(|_| {
            panic!("ACCORD_TEST_POSTGRES is not set: run `cargo xtask test`, which starts PostgreSQL, or set it to postgres://USER@HOST:PORT/postgres")
        });
        let name = unique("accord_test");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls).await.expect("connect to ACCORD_TEST_POSTGRES");
            tokio::spawn(conn);
            client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create a test database");
        });
        let (base, _) = admin.rsplit_once('/').expect("a URL ending in /DATABASE");
        Db { url: format!("{base}/{name}"), kind: "postgres", _dir: None }
    }
}

pub struct Server {
    pub addr: SocketAddr,
    pub child: Child,
    pub db: Db,
    pub logs: Arc<Mutex<Vec<String>>>,
    /// The thread that reads the collector's stderr into `logs`, until the pipe closes.
    reader: Option<std::thread::JoinHandle<()>>,
    _config: TempDir,
}

impl Server {
    pub fn start(db: &Db, config: &serde_json::Value) -> Server {
        let dir = std::env::temp_dir().join(unique("accord_collector_cfg"));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("collector.json");
        std::fs::write(&path, config.to_string()).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_accord-collector"))
            .args(["--listen", "127.0.0.1:0", "--database", &db.url, "--config"])
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start accord-collector");
        let stderr = child.stderr.take().unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = logs.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("\"event\":\"listening\"") {
                    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
                    let _ = tx.send(v["addr"].as_str().unwrap().parse::<SocketAddr>().unwrap());
                }
                sink.lock().unwrap().push(line);
            }
        });
        let Ok(addr) = rx.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            panic!("the collector did not start: {:?}", logs.lock().unwrap());
        };
        Server { addr, child, db: db.clone(), logs, reader: Some(reader), _config: TempDir(dir) }
    }

    /// The settings most tests use: the owner API on, no rate limit to trip over.
    pub fn config() -> serde_json::Value {
        serde_json::json!({ "owner_token": TOKEN, "rate_limit": { "per_second": 0, "burst": 0 } })
    }

    pub fn post(&self, body: &str) -> Response {
        self.request("POST", "/v1/receipts", &[("Content-Type", "application/jose")], body.as_bytes())
    }

    pub fn owner(&self, method: &str, path: &str) -> Response {
        self.request(method, path, &[("Authorization", &format!("Bearer {TOKEN}"))], b"")
    }

    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[], b"")
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        request(self.addr, method, path, headers, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill").args(["-s", signal, &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Waits for the collector to exit, and then for `logs` to hold every line it wrote: the
    /// reader may not have taken in its last lines (its shutdown's) when the process is gone.
    pub fn wait(&mut self, limit: Duration) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                if let Some(reader) = self.reader.take() {
                    reader.join().unwrap();
                }
                return status;
            }
            assert!(start.elapsed() < limit, "the collector did not exit within {limit:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One HTTP/1.1 request on its own connection.
pub fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    // A server may answer (413) before reading all of a large body.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| std::io::Error::other(format!("no HTTP response: {text:?}")))?;
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).ok_or_else(|| std::io::Error::other("no status"))?;
    let headers = lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_string(), v.trim().to_string())).collect();
    Ok(Response { status, headers, body: body.to_string() })
}

pub fn now_ms() -> i64 {
    accord_collector::time::now_ms()
}

/// Defines a test for each database.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(&$crate::common::Db::sqlite()) } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name(&$crate::common::Db::postgres()) } )*
        }
    };
}
