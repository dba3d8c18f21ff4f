//! Time as the collector writes and reads it: milliseconds since the epoch, shown and parsed
//! as RFC 3339 in UTC by `accord::clock`.

use std::time::{SystemTime, UNIX_EPOCH};

pub use accord::clock::{iso, parse};

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
