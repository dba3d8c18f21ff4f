//! Durability: the collector is killed with SIGKILL while receipts pour in; after a restart,
//! every receipt it had answered with a 2xx is there, on SQLite and on PostgreSQL.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use accord_collector::mint::Signer;
use common::{now_ms, Db, Server};

on_both!(every_acknowledged_receipt_survives_sigkill);

fn every_acknowledged_receipt_survives_sigkill(db: &Db) {
    let mut server = Server::start(db, &Server::config());
    let jwks_before = server.get("/.well-known/jwks.json").body;
    let addr = server.addr;
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..6)
        .map(|_| {
            let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut visitor = Signer::new();
                let mut refused = 0;
                while !stop.load(Ordering::Relaxed) {
                    let (id, jws) = visitor.next(now_ms());
                    match common::request(addr, "POST", "/v1/receipts", &[("Content-Type", "application/jose")], jws.as_bytes()) {
                        Ok(r) if r.status == 201 => acknowledged.lock().unwrap().push(id),
                        Ok(r) => panic!("unexpected answer under load: {} {}", r.status, r.body),
                        // The server is gone (killed): keep trying until told to stop.
                        Err(_) => refused += 1,
                    }
                }
                refused
            })
        })
        .collect();

    // Let the load run, then kill the server mid-stream.
    let start = Instant::now();
    while acknowledged.lock().unwrap().len() < 300 && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
    }
    server.child.kill().expect("SIGKILL the collector");
    let killed = server.child.wait().unwrap();
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&killed), Some(9), "killed by SIGKILL");
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    let refused: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    assert!(refused > 0, "the clients were still sending when the server died");

    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 300, "only {} receipts were acknowledged", acknowledged.len());
    let restarted = Server::start(db, &Server::config());
    let mut stored = std::collections::HashSet::new();
    let mut after = 0;
    loop {
        let page = restarted.owner("GET", &format!("/v1/owner/receipts?limit=10000&after={after}"));
        assert_eq!(page.status, 200);
        for line in page.body.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            stored.insert(v["id"].as_str().unwrap().to_string());
            after = v["seq"].as_i64().unwrap();
        }
        if page.header("accord-next-after").is_none() {
            break;
        }
    }
    let lost: Vec<&String> = acknowledged.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(lost.is_empty(), "{} of {} acknowledged receipts were lost: {lost:?}", lost.len(), acknowledged.len());
    assert_eq!(restarted.get("/.well-known/jwks.json").body, jwks_before, "the countersigning key survives too");
    eprintln!("{}: {} acknowledged before SIGKILL, {} stored after restart", db.kind, acknowledged.len(), stored.len());
}
