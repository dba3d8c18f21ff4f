//! Structured logs: one JSON object per line on standard error, with a time, a level and an
//! event name. `--config`'s `log` sets the level ("info", "warn" or "off").

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};

use serde_json::{Map, Value};

use crate::time::iso;

static LEVEL: AtomicU8 = AtomicU8::new(INFO);
const INFO: u8 = 2;
const WARN: u8 = 1;

pub fn set_level(name: &str) {
    LEVEL.store(
        match name {
            "info" => INFO,
            "warn" => WARN,
            _ => 0,
        },
        Ordering::Relaxed,
    );
}

fn write(level: u8, label: &str, event: &str, fields: Value) {
    if LEVEL.load(Ordering::Relaxed) < level {
        return;
    }
    let mut line = Map::new();
    line.insert("ts".into(), Value::String(iso(crate::time::now_ms())));
    line.insert("level".into(), Value::String(label.into()));
    line.insert("event".into(), Value::String(event.into()));
    if let Value::Object(fields) = fields {
        line.extend(fields);
    }
    let mut text = Value::Object(line).to_string();
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

pub fn info(event: &str, fields: Value) {
    write(INFO, "info", event, fields);
}

/// The collector's own lifecycle (listening, shutdown, stopped): shown unless logs are off.
pub fn notice(event: &str, fields: Value) {
    write(WARN, "notice", event, fields);
}

pub fn warn(event: &str, message: &str) {
    write(WARN, "warn", event, serde_json::json!({ "message": message }));
}
