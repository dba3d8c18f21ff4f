//! The Chrome DevTools Protocol over one WebSocket: starts headless Chromium, sends commands
//! (to the browser, or to a page's flattened session) and keeps the events that arrive while
//! it waits for answers.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

pub struct Browser {
    child: Child,
    socket: WebSocket<TcpStream>,
    next_id: u64,
    /// Events not yet taken: `(session id, method, params)`.
    pub events: Vec<(String, String, Value)>,
    profile: std::path::PathBuf,
}

/// The switches that keep Chromium quiet and working as root in a container.
const FLAGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--remote-debugging-port=0",
];

impl Browser {
    pub fn launch(executable: &str) -> Result<Browser, String> {
        let profile = std::env::temp_dir().join(format!("accord-scan-{}", std::process::id()));
        let mut child = Command::new(executable)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("start {executable}: {e}"))?;
        let stderr = child.stderr.take().ok_or("no stderr from Chromium")?;
        let mut lines = BufReader::new(stderr).lines();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("DevTools listening on ") {
                        break url.trim().to_string();
                    }
                }
                _ => return Err(format!("{executable} exited before it offered DevTools")),
            }
        };
        // Keep draining Chromium's stderr so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let authority = url.trim_start_matches("ws://").split('/').next().unwrap_or("").to_string();
        let stream = TcpStream::connect(&authority).map_err(|e| format!("connect to DevTools at {authority}: {e}"))?;
        let (socket, _) = tungstenite::client(url.as_str(), stream).map_err(|e| format!("DevTools handshake: {e}"))?;
        Ok(Browser { child, socket, next_id: 0, events: Vec::new(), profile })
    }

    /// Sends `method` (to the page `session`, or the browser when empty) and waits for its result.
    pub fn call(&mut self, session: &str, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if !session.is_empty() {
            message["sessionId"] = json!(session);
        }
        self.socket.send(Message::text(message.to_string())).map_err(|e| format!("{method}: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if Instant::now() > deadline {
                return Err(format!("{method}: no answer from Chromium in 60 s"));
            }
            let text = match self.socket.read().map_err(|e| format!("{method}: {e}"))? {
                Message::Text(t) => t.to_string(),
                _ => continue,
            };
            let v: Value = serde_json::from_str(&text).map_err(|e| format!("{method}: bad DevTools message: {e}"))?;
            if v["id"].as_u64() == Some(id) {
                if let Some(error) = v.get("error") {
                    return Err(format!("{method}: {}", error["message"].as_str().unwrap_or("error")));
                }
                return Ok(v["result"].clone());
            }
            if let Some(m) = v["method"].as_str() {
                self.events.push((v["sessionId"].as_str().unwrap_or("").to_string(), m.to_string(), v["params"].clone()));
            }
        }
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its JSON value.
    pub fn eval(&mut self, session: &str, expression: &str) -> Result<Value, String> {
        let r = self.call(session, "Runtime.evaluate", json!({ "expression": expression, "awaitPromise": true, "returnByValue": true }))?;
        if let Some(e) = r.get("exceptionDetails") {
            return Err(format!("in the page: {}", e["exception"]["description"].as_str().or(e["text"].as_str()).unwrap_or("an exception")));
        }
        Ok(r["result"]["value"].clone())
    }

    /// Waits `ms`, taking the events that arrive meanwhile.
    pub fn idle(&mut self, session: &str, ms: u64) -> Result<(), String> {
        std::thread::sleep(Duration::from_millis(ms));
        self.eval(session, "0").map(|_| ())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.socket.close(None);
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
