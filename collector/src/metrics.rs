//! Counters and a latency histogram, shown at `/metrics` in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

#[derive(Default)]
pub struct Metrics {
    pub stored: AtomicU64,
    pub duplicates: AtomicU64,
    pub rate_limited: AtomicU64,
    pub in_flight: AtomicI64,
    rejected: Mutex<BTreeMap<&'static str, u64>>,
    responses: Mutex<BTreeMap<(&'static str, u16), u64>>,
    latency: Mutex<Histogram>,
}

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    pub fn reject(&self, code: &'static str) {
        if let Ok(mut m) = self.rejected.lock() {
            *m.entry(code).or_default() += 1;
        }
    }

    /// Counts a response; `timed` adds it to the receipt latency histogram.
    pub fn response(&self, route: &'static str, status: u16, seconds: f64, timed: bool) {
        if let Ok(mut m) = self.responses.lock() {
            *m.entry((route, status)).or_default() += 1;
        }
        if timed {
            if let Ok(mut h) = self.latency.lock() {
                for (i, bound) in BUCKETS.iter().enumerate() {
                    if seconds <= *bound {
                        h.counts[i] += 1;
                    }
                }
                h.count += 1;
                h.sum += seconds;
            }
        }
    }

    pub fn render(&self, stored_rows: Option<i64>) -> String {
        let mut out = String::new();
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let _ = writeln!(out, "# HELP accord_receipts_stored_total Receipts stored for the first time.");
        let _ = writeln!(out, "# TYPE accord_receipts_stored_total counter");
        let _ = writeln!(out, "accord_receipts_stored_total {}", load(&self.stored));
        let _ = writeln!(out, "# HELP accord_receipts_duplicate_total Receipts sent again and answered from the store.");
        let _ = writeln!(out, "# TYPE accord_receipts_duplicate_total counter");
        let _ = writeln!(out, "accord_receipts_duplicate_total {}", load(&self.duplicates));
        let _ = writeln!(out, "# HELP accord_receipts_rejected_total Receipts refused, by reason.");
        let _ = writeln!(out, "# TYPE accord_receipts_rejected_total counter");
        if let Ok(m) = self.rejected.lock() {
            for (code, n) in m.iter() {
                let _ = writeln!(out, "accord_receipts_rejected_total{{reason=\"{code}\"}} {n}");
            }
        }
        let _ = writeln!(out, "# HELP accord_rate_limited_total Requests refused by the per-IP rate limit.");
        let _ = writeln!(out, "# TYPE accord_rate_limited_total counter");
        let _ = writeln!(out, "accord_rate_limited_total {}", load(&self.rate_limited));
        let _ = writeln!(out, "# HELP accord_http_requests_in_flight Requests being handled.");
        let _ = writeln!(out, "# TYPE accord_http_requests_in_flight gauge");
        let _ = writeln!(out, "accord_http_requests_in_flight {}", self.in_flight.load(Ordering::Relaxed));
        let _ = writeln!(out, "# HELP accord_http_responses_total Responses, by route and status.");
        let _ = writeln!(out, "# TYPE accord_http_responses_total counter");
        if let Ok(m) = self.responses.lock() {
            for ((route, status), n) in m.iter() {
                let _ = writeln!(out, "accord_http_responses_total{{route=\"{route}\",status=\"{status}\"}} {n}");
            }
        }
        let _ = writeln!(out, "# HELP accord_receipt_request_seconds Time to answer POST /v1/receipts.");
        let _ = writeln!(out, "# TYPE accord_receipt_request_seconds histogram");
        if let Ok(h) = self.latency.lock() {
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(out, "accord_receipt_request_seconds_bucket{{le=\"{bound}\"}} {n}");
            }
            let _ = writeln!(out, "accord_receipt_request_seconds_bucket{{le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "accord_receipt_request_seconds_sum {}", h.sum);
            let _ = writeln!(out, "accord_receipt_request_seconds_count {}", h.count);
        }
        if let Some(rows) = stored_rows {
            let _ = writeln!(out, "# HELP accord_receipts_in_store Receipts in the database.");
            let _ = writeln!(out, "# TYPE accord_receipts_in_store gauge");
            let _ = writeln!(out, "accord_receipts_in_store {rows}");
        }
        out
    }
}
