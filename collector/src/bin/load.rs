//! `accord-collector-load`: a load generator for the collector. It signs N receipts ahead of
//! time (P-256, chained per visitor, so signing costs nothing during the run), then posts
//! them over C keep-alive connections, each visitor's receipts in order on one connection, and
//! reports sustained receipts per second and the latency percentiles.
//!
//! usage: accord-collector-load --url http://127.0.0.1:8788 [--receipts 20000]
//!        [--concurrency 32] [--per-visitor 5] [--json]

use std::time::{Duration, Instant};

use accord_collector::mint::Signer;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::rt::TokioIo;

struct Options {
    url: String,
    receipts: usize,
    concurrency: usize,
    per_visitor: usize,
    json: bool,
}

fn options() -> Result<Options, String> {
    let mut o = Options { url: String::new(), receipts: 20_000, concurrency: 32, per_visitor: 5, json: false };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            args.next().and_then(|v| v.parse().ok()).filter(|n| *n > 0).ok_or_else(|| format!("{name} needs a positive number"))
        };
        match arg.as_str() {
            "--url" => o.url = args.next().ok_or("--url needs a value")?,
            "--receipts" => o.receipts = number("--receipts")?,
            "--concurrency" => o.concurrency = number("--concurrency")?,
            "--per-visitor" => o.per_visitor = number("--per-visitor")?,
            "--json" => o.json = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if !o.url.starts_with("http://") {
        return Err("--url http://HOST:PORT is required".into());
    }
    Ok(o)
}

/// What one connection saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    statuses: std::collections::BTreeMap<u16, usize>,
    errors: Vec<String>,
}

async fn worker(authority: String, work: Vec<String>) -> Tally {
    let mut tally = Tally::default();
    let connect = || async {
        let stream = tokio::net::TcpStream::connect(&authority).await.map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        Ok::<_, String>(sender)
    };
    let mut sender = match connect().await {
        Ok(s) => s,
        Err(e) => {
            tally.errors.push(e);
            return tally;
        }
    };
    for jws in work {
        let request = Request::post("/v1/receipts")
            .header("host", &authority)
            .header("content-type", "application/jose")
            .body(Full::new(Bytes::from(jws)));
        let Ok(request) = request else { continue };
        let started = Instant::now();
        let result = async {
            sender.ready().await.map_err(|e| e.to_string())?;
            let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            response.into_body().collect().await.map_err(|e| e.to_string())?;
            Ok::<u16, String>(status)
        }
        .await;
        match result {
            Ok(status) => {
                tally.latencies.push(started.elapsed());
                *tally.statuses.entry(status).or_default() += 1;
            }
            Err(e) => {
                tally.errors.push(e);
                match connect().await {
                    Ok(s) => sender = s,
                    Err(e) => {
                        tally.errors.push(e);
                        return tally;
                    }
                }
            }
        }
    }
    tally
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("accord-collector-load: {e}");
            std::process::exit(2);
        }
    };
    let authority = o.url.trim_start_matches("http://").trim_end_matches('/').to_string();

    // Sign everything first: visitors of `per_visitor` chained receipts, dealt to connections.
    let now = accord_collector::time::now_ms();
    let visitors = o.receipts.div_ceil(o.per_visitor);
    let mut work: Vec<Vec<String>> = vec![Vec::new(); o.concurrency];
    let mut made = 0;
    for v in 0..visitors {
        let mut signer = Signer::new();
        for _ in 0..o.per_visitor.min(o.receipts - made) {
            work[v % o.concurrency].push(signer.next(now).1);
            made += 1;
        }
    }

    let started = Instant::now();
    let handles: Vec<_> = work.into_iter().map(|w| tokio::spawn(worker(authority.clone(), w))).collect();
    let mut all = Tally::default();
    for h in handles {
        if let Ok(t) = h.await {
            all.latencies.extend(t.latencies);
            for (s, n) in t.statuses {
                *all.statuses.entry(s).or_default() += n;
            }
            all.errors.extend(t.errors);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.latencies.sort_unstable();
    let stored = all.statuses.get(&201).copied().unwrap_or(0);
    let report = serde_json::json!({
        "receipts": o.receipts,
        "concurrency": o.concurrency,
        "seconds": (elapsed * 1000.0).round() / 1000.0,
        "stored": stored,
        "per_second": (stored as f64 / elapsed).round() as u64,
        "p50_ms": (percentile(&all.latencies, 0.50) * 100.0).round() / 100.0,
        "p99_ms": (percentile(&all.latencies, 0.99) * 100.0).round() / 100.0,
        "max_ms": (percentile(&all.latencies, 1.0) * 100.0).round() / 100.0,
        "statuses": all.statuses,
        "errors": all.errors.len(),
        "first_error": all.errors.first(),
    });
    if o.json {
        println!("{report}");
    } else {
        println!(
            "{} receipts over {} connections in {:.2} s: {} stored, {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
            o.receipts, o.concurrency, elapsed, stored, report["per_second"].as_f64().unwrap_or(0.0),
            report["p50_ms"].as_f64().unwrap_or(0.0), report["p99_ms"].as_f64().unwrap_or(0.0), all.errors.len()
        );
    }
    if stored != o.receipts {
        std::process::exit(1);
    }
}
