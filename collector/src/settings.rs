//! The collector's settings: the command line (`--listen`, `--database`, `--config`) and the
//! JSON file named by `--config`. Every field has a default that works for the demo; an unknown
//! field or a bad value stops the start with a message naming it.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

/// Requests larger than this are refused (a receipt is about 2–4 KiB).
pub const BODY_LIMIT: usize = 16 * 1024;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Bearer token of the owner API; without one the owner API is off.
    pub owner_token: Option<String>,
    /// Origins (`https://shop.example`) whose pages may post receipts; `"*"` for any. Empty:
    /// CORS is off (the collector sits behind the site's own origin).
    pub cors_origins: Vec<String>,
    pub rate_limit: RateLimit,
    /// How far ahead of the server clock a receipt's time may be.
    pub skew_seconds: i64,
    /// How late a receipt may arrive (it may wait in a visitor's outbox).
    pub max_age_days: i64,
    /// A file holding the base64url 32-byte Ed25519 seed; without one the key is kept in the database.
    pub signing_key_file: Option<PathBuf>,
    /// "info", "warn" or "off".
    pub log: String,
    /// How long a shutdown waits for requests in flight.
    pub shutdown_grace_seconds: u64,
}

/// A token bucket per client IP: `per_second` refill (0 turns it off) and `burst` capacity.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            owner_token: None,
            cors_origins: Vec::new(),
            rate_limit: RateLimit { per_second: 20, burst: 60 },
            skew_seconds: 300,
            max_age_days: 400,
            signing_key_file: None,
            log: "info".into(),
            shutdown_grace_seconds: 10,
        }
    }
}

#[derive(Debug)]
pub struct Args {
    pub listen: SocketAddr,
    pub database: String,
    pub settings: Settings,
}

pub const USAGE: &str = "usage: accord-collector [--listen 127.0.0.1:8788] [--database sqlite:PATH | postgres://USER@HOST:PORT/DB] [--config FILE]";

impl Settings {
    pub fn from_json(text: &str, origin: &str) -> Result<Settings, String> {
        let settings: Settings = serde_json::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        settings.check().map_err(|e| format!("{origin}: {e}"))?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), String> {
        if let Some(token) = &self.owner_token {
            if token.len() < 16 || token.bytes().any(|b| !b.is_ascii_graphic()) {
                return Err("owner_token: must be at least 16 printable characters without spaces".into());
            }
        }
        for (i, origin) in self.cors_origins.iter().enumerate() {
            let ok = origin == "*"
                || ((origin.starts_with("https://") || origin.starts_with("http://"))
                    && origin.split_once("://").is_some_and(|(_, host)| !host.is_empty() && !host.contains('/')));
            if !ok {
                return Err(format!("cors_origins[{i}]: {origin:?} is not an origin like \"https://shop.example\" (no path) or \"*\""));
            }
        }
        if self.rate_limit.per_second > 0 && self.rate_limit.burst == 0 {
            return Err("rate_limit.burst: must be at least 1 when per_second is set".into());
        }
        if !(0..=86_400).contains(&self.skew_seconds) {
            return Err(format!("skew_seconds: {} is outside 0..=86400", self.skew_seconds));
        }
        if !(1..=36_500).contains(&self.max_age_days) {
            return Err(format!("max_age_days: {} is outside 1..=36500", self.max_age_days));
        }
        if !["info", "warn", "off"].contains(&self.log.as_str()) {
            return Err(format!("log: {:?}, expected \"info\", \"warn\" or \"off\"", self.log));
        }
        Ok(())
    }
}

impl Args {
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
        let mut listen = "127.0.0.1:8788".to_string();
        let mut database = "sqlite:accord-receipts.db".to_string();
        let mut config = None;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value\n{USAGE}"));
            match arg.as_str() {
                "--listen" => listen = value("--listen")?,
                "--database" => database = value("--database")?,
                "--config" => config = Some(value("--config")?),
                "--help" | "-h" => return Err(USAGE.to_string()),
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        let listen = listen.parse().map_err(|e| format!("--listen {listen:?}: {e} (expected HOST:PORT)"))?;
        let settings = match config {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| format!("--config {path:?}: {e}"))?;
                Settings::from_json(&text, &path)?
            }
            None => Settings::default(),
        };
        Ok(Args { listen, database, settings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_at_fault() {
        let e = Settings::from_json(r#"{"owner_tokn": "x"}"#, "c.json").unwrap_err();
        assert!(e.contains("unknown field `owner_tokn`"), "{e}");
        let e = Settings::from_json(r#"{"cors_origins": ["https://a.example/path"]}"#, "c.json").unwrap_err();
        assert!(e.starts_with("c.json: cors_origins[0]"), "{e}");
        let e = Settings::from_json(r#"{"owner_token": "short"}"#, "c.json").unwrap_err();
        assert!(e.contains("owner_token"), "{e}");
        let s = Settings::from_json(r#"{"rate_limit": {"per_second": 0, "burst": 0}}"#, "c.json").unwrap();
        assert_eq!(s.rate_limit.per_second, 0);
        assert_eq!(s.skew_seconds, 300);
    }

    #[test]
    fn reads_the_command_line() {
        let a = Args::parse(["--listen", "127.0.0.1:0", "--database", "sqlite:/tmp/x.db"].map(String::from)).unwrap();
        assert_eq!(a.listen.port(), 0);
        assert_eq!(a.database, "sqlite:/tmp/x.db");
        assert!(Args::parse(["--listen".to_string()]).unwrap_err().contains("needs a value"));
        assert!(Args::parse(["--bogus".to_string()]).unwrap_err().contains("unknown argument"));
    }
}
