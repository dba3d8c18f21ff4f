//! The collector end to end, over HTTP, against real SQLite and a real PostgreSQL server:
//! storing and countersigning, repeats, the chain, every refusal, the owner API, erasure,
//! the append-only rule, the rate limit, CORS, health and metrics, and graceful shutdown.

mod common;

use std::time::Duration;

use accord_collector::jws::{b64, sha256_b64};
use accord_collector::mint::{uuid_v4, Signer};
use base64::Engine;
use common::{now_ms, Db, Server};
use ed25519_dalek::Verifier;
use serde_json::{json, Value};

on_both!(
    stores_and_countersigns,
    a_repeat_gets_the_same_answer,
    chain_gaps_and_forks_are_flagged_not_refused,
    each_bad_receipt_is_refused_with_a_clear_4xx,
    owner_api_exports_proves_and_erases,
    receipts_are_append_only,
    rate_limit_cors_health_and_metrics,
    shutdown_drains_requests_in_flight,
    load_generator_smoke,
);

fn decode_part(jws: &str, i: usize) -> Value {
    let part = jws.split('.').nth(i).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// Checks a countersignature with the key the collector publishes.
fn check_countersignature(server: &Server, countersignature: &str) -> Value {
    let jwks = server.get("/.well-known/jwks.json").json();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    let x: [u8; 32] = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(key["x"].as_str().unwrap()).unwrap().try_into().unwrap();
    let verifying = ed25519_dalek::VerifyingKey::from_bytes(&x).unwrap();
    let (input, sig) = countersignature.rsplit_once('.').unwrap();
    let sig = ed25519_dalek::Signature::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig).unwrap()).unwrap();
    verifying.verify(input.as_bytes(), &sig).expect("the countersignature verifies with /.well-known/jwks.json");
    assert_eq!(decode_part(countersignature, 0)["kid"], key["kid"]);
    decode_part(countersignature, 1)
}

fn stores_and_countersigns(db: &Db) {
    let server = Server::start(db, &Server::config());
    let mut visitor = Signer::new();
    let (id, jws) = visitor.next(now_ms());
    let r = server.post(&jws);
    assert_eq!(r.status, 201, "{}", r.body);
    let answer = r.json();
    assert_eq!(answer["status"], "stored");
    assert_eq!(answer["id"], id.as_str());
    assert_eq!(answer["chain"], "start");
    let claims = check_countersignature(&server, answer["countersignature"].as_str().unwrap());
    assert_eq!(claims["receiptId"], id.as_str());
    assert_eq!(claims["receiptSha256"], sha256_b64(jws.as_bytes()));
    assert_eq!(claims["principal"], visitor.kid());

    // A beacon sends text/plain; it is taken the same way.
    let (_, second) = visitor.next(now_ms());
    let r = server.request("POST", "/v1/receipts", &[("Content-Type", "text/plain;charset=UTF-8")], second.as_bytes());
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["chain"], "linked");

    let export = server.owner("GET", &format!("/v1/owner/receipts?principal={}", visitor.kid()));
    assert_eq!(export.status, 200);
    let lines: Vec<Value> = export.body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["jws"], jws.as_str());
    assert_eq!(lines[0]["countersignature"], answer["countersignature"]);
    assert_eq!(lines[1]["prev"], sha256_b64(jws.as_bytes()));
}

fn a_repeat_gets_the_same_answer(db: &Db) {
    let server = Server::start(db, &Server::config());
    let mut visitor = Signer::new();
    let (id, jws) = visitor.next(now_ms());
    let first = server.post(&jws);
    let again = server.post(&jws);
    assert_eq!((first.status, again.status), (201, 201));
    assert_eq!(first.body, again.body, "a repeat gets the stored answer");
    let export = server.owner("GET", "/v1/owner/receipts");
    assert_eq!(export.body.lines().count(), 1, "stored once");

    // The same id with other content is not a repeat.
    let other = Signer::new();
    let forged = other.sign(&other.header(), &other.payload(&id, now_ms(), &["marketing"]));
    let r = server.post(&forged);
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.json()["error"], "id_conflict");
    let metrics = server.get("/metrics").body;
    assert!(metrics.contains("accord_receipts_stored_total 1\n"), "{metrics}");
    assert!(metrics.contains("accord_receipts_duplicate_total 1\n"), "{metrics}");
}

fn chain_gaps_and_forks_are_flagged_not_refused(db: &Db) {
    let server = Server::start(db, &Server::config());
    let mut visitor = Signer::new();
    let (_, a) = visitor.next(now_ms());
    let (_, b) = visitor.next(now_ms());
    let (_, c) = visitor.next(now_ms());
    assert_eq!(server.post(&a).json()["chain"], "start");
    // b never arrives: c names it.
    let r = server.post(&c);
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["chain"], "gap");
    // Another receipt names a (a second browser with the same key, say): it links first.
    visitor.prev = Some(sha256_b64(a.as_bytes()));
    let (_, other) = visitor.next(now_ms());
    assert_eq!(server.post(&other).json()["chain"], "linked");
    // b arrives late and names a too, which already has a successor: a fork.
    assert_eq!(server.post(&b).json()["chain"], "fork");

    let proof = server.owner("GET", &format!("/v1/owner/principals/{}/proof", visitor.kid())).json();
    assert_eq!(proof["chain"]["intact"], false);
    assert_eq!(proof["chain"]["receipts"], 4);
    assert_eq!(proof["chain"]["gaps"].as_array().unwrap().len(), 0, "b arrived, so c's gap is closed");
    assert_eq!(proof["chain"]["forks"][0]["successors"].as_array().unwrap().len(), 2);

    // An intact chain audits as intact.
    let mut tidy = Signer::new();
    for _ in 0..3 {
        let (_, jws) = tidy.next(now_ms());
        assert_eq!(server.post(&jws).status, 201);
    }
    let proof = server.owner("GET", &format!("/v1/owner/principals/{}/proof", tidy.kid())).json();
    assert_eq!(proof["chain"]["intact"], true, "{proof}");
}

fn expect_refused(server: &Server, body: &str, status: u16, code: &str, mentions: &str) {
    let r = server.post(body);
    assert_eq!(r.status, status, "{code}: {}", r.body);
    let v = r.json();
    assert_eq!(v["error"], code, "{}", r.body);
    let message = v["message"].as_str().unwrap();
    assert!(message.contains(mentions), "{code}: {message:?} should mention {mentions:?}");
}

fn each_bad_receipt_is_refused_with_a_clear_4xx(db: &Db) {
    use hmac::Mac;
    let server = Server::start(db, &Server::config());
    let visitor = Signer::new();
    let id = uuid_v4();
    let header = visitor.header();
    let payload = visitor.payload(&id, now_ms(), &["analytics"]);
    let good = visitor.sign(&header, &payload);
    let parts: Vec<&str> = good.split('.').collect();

    // Bad base64 (a padded, non-URL part).
    expect_refused(&server, &format!("{}.{}+/=.{}", parts[0], parts[1], parts[2]), 400, "bad_base64", "payload");
    expect_refused(&server, "not a jws", 400, "not_compact_jws", "3 parts");

    // alg none, unsigned.
    let none = json!({ "alg": "none", "kid": visitor.kid(), "jwk": header["jwk"] });
    expect_refused(&server, &format!("{}.{}.", b64(none.to_string().as_bytes()), parts[1]), 400, "alg_refused", "none");

    // HS256 keyed with the public key (the classic algorithm confusion).
    let hs = json!({ "alg": "HS256", "kid": visitor.kid(), "jwk": header["jwk"] });
    let input = format!("{}.{}", b64(hs.to_string().as_bytes()), parts[1]);
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(header["jwk"].to_string().as_bytes()).unwrap();
    mac.update(input.as_bytes());
    let hs_jws = format!("{input}.{}", b64(&mac.finalize().into_bytes()));
    expect_refused(&server, &hs_jws, 400, "alg_refused", "HS256");

    // Oversized.
    let big = format!("{good}{}", "A".repeat(17 * 1024));
    expect_refused(&server, &big, 413, "body_too_large", "16384");

    // kid that is not the key's thumbprint.
    let mut wrong_kid = header.clone();
    wrong_kid["kid"] = json!(Signer::new().kid());
    expect_refused(&server, &visitor.sign(&wrong_kid, &payload), 400, "kid_mismatch", "thumbprint");

    // A payload missing a required field.
    let mut missing = payload.clone();
    missing.as_object_mut().unwrap().remove("piiControllers");
    expect_refused(&server, &visitor.sign(&header, &missing), 400, "bad_payload", "payload.piiControllers");
    let mut not_uuid = payload.clone();
    not_uuid["consentReceiptID"] = json!("receipt-1");
    expect_refused(&server, &visitor.sign(&header, &not_uuid), 400, "bad_payload", "payload.consentReceiptID");

    // Far in the future.
    let future = visitor.payload(&uuid_v4(), now_ms() + 86_400_000, &["analytics"]);
    expect_refused(&server, &visitor.sign(&header, &future), 400, "bad_timestamp", "in the future");

    // A tampered payload: the signature no longer matches.
    let mut tampered_payload = payload.clone();
    tampered_payload["accord"]["granted"]["categories"] = json!(["analytics", "marketing"]);
    let tampered = format!("{}.{}.{}", parts[0], b64(tampered_payload.to_string().as_bytes()), parts[2]);
    expect_refused(&server, &tampered, 400, "bad_signature", "does not verify");

    // Signed by another key than the one in the header.
    let other = Signer::new();
    let (h2, _, s2) = {
        let j = other.sign(&header, &payload);
        let p: Vec<String> = j.split('.').map(String::from).collect();
        (p[0].clone(), p[1].clone(), p[2].clone())
    };
    expect_refused(&server, &format!("{h2}.{}.{s2}", parts[1]), 400, "bad_signature", "does not verify");

    // A private key in the header.
    let mut with_d = header.clone();
    with_d["jwk"]["d"] = json!("AAAA");
    expect_refused(&server, &visitor.sign(&with_d, &payload), 400, "bad_header", "private key");

    // The wrong content type.
    let r = server.request("POST", "/v1/receipts", &[("Content-Type", "application/json")], good.as_bytes());
    assert_eq!(r.status, 415, "{}", r.body);
    assert_eq!(r.json()["error"], "bad_content_type");

    // None of these was stored; the good one still is taken.
    assert_eq!(server.owner("GET", "/v1/owner/receipts").body, "");
    assert_eq!(server.post(&good).status, 201);
    let metrics = server.get("/metrics").body;
    assert!(metrics.contains("accord_receipts_rejected_total{reason=\"alg_refused\"} 2"), "{metrics}");
}

fn owner_api_exports_proves_and_erases(db: &Db) {
    let server = Server::start(db, &Server::config());
    let mut alice = Signer::new();
    let mut bob = Signer::new();
    let day = 86_400_000;
    let t0 = now_ms() - 10 * day;
    for i in 0..3 {
        assert_eq!(server.post(&alice.next(t0 + i * day).1).status, 201);
        assert_eq!(server.post(&bob.next(t0 + i * day).1).status, 201);
    }

    // The token is required.
    let r = server.get("/v1/owner/receipts");
    assert_eq!((r.status, r.json()["error"].as_str()), (401, Some("unauthorized")));
    let r = server.request("GET", "/v1/owner/receipts", &[("Authorization", "Bearer wrong-token-wrong-token")], b"");
    assert_eq!(r.status, 401);

    // By principal, by time range, paged.
    let alice_rows = server.owner("GET", &format!("/v1/owner/receipts?principal={}", alice.kid()));
    assert_eq!(alice_rows.body.lines().count(), 3);
    assert!(alice_rows.body.lines().all(|l| l.contains(alice.kid())));
    let from = accord_collector::time::iso(t0 + day);
    let to = accord_collector::time::iso(t0 + 2 * day);
    let ranged = server.owner("GET", &format!("/v1/owner/receipts?from={from}&to={to}"));
    assert_eq!(ranged.body.lines().count(), 2, "the receipts of day 1 only: {}", ranged.body);
    let page = server.owner("GET", "/v1/owner/receipts?limit=4");
    assert_eq!(page.body.lines().count(), 4);
    let next = page.header("accord-next-after").expect("a next page").to_string();
    let rest = server.owner("GET", &format!("/v1/owner/receipts?limit=4&after={next}"));
    assert_eq!(rest.body.lines().count(), 2);
    assert!(rest.header("accord-next-after").is_none());
    let r = server.owner("GET", "/v1/owner/receipts?from=yesterday");
    assert_eq!(r.status, 400);
    assert!(r.json()["message"].as_str().unwrap().contains("from=\"yesterday\""));

    // CSV.
    let csv = server.owner("GET", &format!("/v1/owner/receipts?format=csv&principal={}", bob.kid()));
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "seq,id,principal,consented_at,received_at,chain,language,collection_method,granted,denied,sha256");
    assert_eq!(lines.len(), 4);
    assert!(lines[1].contains(",analytics necessary,marketing preferences,"), "{}", lines[1]);

    // The proof bundle: receipts, countersignatures, the audit, the collector's key.
    let proof = server.owner("GET", &format!("/v1/owner/principals/{}/proof", alice.kid())).json();
    assert_eq!(proof["receipts"].as_array().unwrap().len(), 3);
    assert_eq!(proof["chain"]["intact"], true);
    assert_eq!(proof["collector"], server.get("/.well-known/jwks.json").json());
    for r in proof["receipts"].as_array().unwrap() {
        let claims = check_countersignature(&server, r["countersignature"].as_str().unwrap());
        assert_eq!(claims["receiptSha256"], sha256_b64(r["jws"].as_str().unwrap().as_bytes()));
    }

    // Erasure leaves a countersigned tombstone and nothing else of alice.
    let r = server.owner("DELETE", &format!("/v1/owner/principals/{}?reason=visitor%20request", alice.kid()));
    assert_eq!(r.status, 200, "{}", r.body);
    let tombstone = r.json();
    assert_eq!(tombstone["receipts"], 3);
    assert_eq!(tombstone["reason"], "visitor request");
    let claims = check_countersignature(&server, tombstone["countersignature"].as_str().unwrap());
    assert_eq!(claims["erasure"], alice.kid());
    assert_eq!(claims["digest"], tombstone["digest"]);
    let expected_digest = sha256_b64(
        proof["receipts"].as_array().unwrap().iter().map(|r| format!("{}\n", r["sha256"].as_str().unwrap())).collect::<String>().as_bytes(),
    );
    assert_eq!(tombstone["digest"], expected_digest.as_str(), "the digest lets the owner show which receipts went");
    assert_eq!(server.owner("GET", &format!("/v1/owner/receipts?principal={}", alice.kid())).body, "");
    assert_eq!(server.owner("GET", "/v1/owner/receipts").body.lines().count(), 3, "bob's stay");
    let after = server.owner("GET", &format!("/v1/owner/principals/{}/proof", alice.kid())).json();
    assert_eq!(after["receipts"], json!([]));
    assert_eq!(after["tombstones"][0]["digest"], tombstone["digest"]);
    let again = server.owner("DELETE", &format!("/v1/owner/principals/{}", alice.kid()));
    assert_eq!(again.status, 404);

    // Alice chooses again: her next receipt names an erased one.
    let r = server.post(&alice.next(now_ms()).1);
    assert_eq!(r.json()["chain"], "after-erasure");
    // New sequence numbers never reuse erased ones.
    assert!(r.json()["seq"].as_i64().unwrap() > 6);
}

fn receipts_are_append_only(db: &Db) {
    let server = Server::start(db, &Server::config());
    let mut visitor = Signer::new();
    let mut leaving = Signer::new();
    assert_eq!(server.post(&visitor.next(now_ms()).1).status, 201);
    assert_eq!(server.post(&leaving.next(now_ms()).1).status, 201);
    assert_eq!(server.owner("DELETE", &format!("/v1/owner/principals/{}", leaving.kid())).status, 200);
    let attempts = [
        "UPDATE receipts SET chain = 'linked'",
        "DELETE FROM receipts",
        "UPDATE tombstones SET reason = 'x'",
        "DELETE FROM tombstones",
    ];
    for sql in attempts {
        let error = match db.kind {
            "sqlite" => {
                let conn = rusqlite::Connection::open(db.url.strip_prefix("sqlite:").unwrap()).unwrap();
                conn.execute(sql, []).err().map(|e| e.to_string())
            }
            _ => {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    let (client, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
                    tokio::spawn(conn);
                    client.execute(sql, &[]).await.err().map(|e| format!("{e:?}"))
                })
            }
        };
        let error = error.unwrap_or_else(|| panic!("{sql} went through"));
        assert!(
            ["append-only", "erasure with a tombstone", "tombstones are kept"].iter().any(|m| error.contains(m)),
            "{sql}: {error}"
        );
    }
    assert_eq!(server.owner("GET", "/v1/owner/receipts").body.lines().count(), 1);
}

fn rate_limit_cors_health_and_metrics(db: &Db) {
    let config = json!({
        "owner_token": common::TOKEN,
        "rate_limit": { "per_second": 1, "burst": 4 },
        "cors_origins": ["https://shop.example"],
    });
    let server = Server::start(db, &config);
    let mut visitor = Signer::new();
    let from_shop = [("Content-Type", "application/jose"), ("Origin", "https://shop.example")];

    // CORS: the allowed origin gets its headers, another origin is refused.
    let pre = server.request(
        "OPTIONS",
        "/v1/receipts",
        &[("Origin", "https://shop.example"), ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "content-type")],
        b"",
    );
    assert_eq!(pre.status, 204);
    assert_eq!(pre.header("access-control-allow-origin"), Some("https://shop.example"));
    assert_eq!(pre.header("access-control-allow-headers"), Some("content-type"));
    let r = server.request("POST", "/v1/receipts", &from_shop, visitor.next(now_ms()).1.as_bytes());
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.header("access-control-allow-origin"), Some("https://shop.example"));
    let evil = [("Content-Type", "application/jose"), ("Origin", "https://evil.example")];
    let r = server.request("POST", "/v1/receipts", &evil, visitor.next(now_ms()).1.as_bytes());
    assert_eq!(r.status, 403);
    assert!(r.json()["message"].as_str().unwrap().contains("https://evil.example"));

    // The fourth request (a preflight counts) used the burst; the fifth is over it.
    let r = server.request("POST", "/v1/receipts", &from_shop, visitor.next(now_ms()).1.as_bytes());
    assert_eq!(r.status, 201, "{}", r.body);
    let r = server.request("POST", "/v1/receipts", &from_shop, visitor.next(now_ms()).1.as_bytes());
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.json()["error"], "rate_limited");

    // Health and metrics are not rate limited.
    let health = server.get("/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(health.json(), json!({ "status": "ok", "database": db.kind, "receipts": 2 }));
    let metrics = server.get("/metrics");
    assert_eq!(metrics.header("content-type"), Some("text/plain; version=0.0.4"));
    for line in [
        "accord_receipts_stored_total 2",
        "accord_rate_limited_total 1",
        "accord_receipts_rejected_total{reason=\"origin_refused\"} 1",
        "accord_http_responses_total{route=\"/v1/receipts\",status=\"429\"} 1",
        "accord_receipt_request_seconds_count 4",
        "accord_receipts_in_store 2",
    ] {
        assert!(metrics.body.contains(line), "{line} in\n{}", metrics.body);
    }

    // Structured logs: one JSON line per request.
    std::thread::sleep(Duration::from_millis(100));
    let logs = server.logs();
    let stored: Vec<Value> = logs
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == "request" && v["status"] == 201)
        .collect();
    assert_eq!(stored.len(), 2, "{logs:?}");
    assert_eq!(stored[0]["path"], "/v1/receipts");
    assert!(stored[0]["receipt"].is_string() && stored[0]["ms"].is_number());
}

fn shutdown_drains_requests_in_flight(db: &Db) {
    let mut server = Server::start(db, &Server::config());
    let addr = server.addr;
    let receipts: Vec<(String, String)> = (0..40).map(|_| Signer::new().next(now_ms())).collect();
    let handles: Vec<_> = receipts
        .clone()
        .into_iter()
        .map(|(id, jws)| {
            std::thread::spawn(move || {
                let r = common::request(addr, "POST", "/v1/receipts", &[("Content-Type", "application/jose")], jws.as_bytes());
                (id, r.map(|r| r.status).ok())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(5));
    server.signal("TERM");
    let results: Vec<(String, Option<u16>)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let status = server.wait(Duration::from_secs(20));
    assert!(status.success(), "exit: {status:?}");
    let logs = server.logs();
    assert!(logs.iter().any(|l| l.contains("\"event\":\"shutdown\"")), "{logs:?}");
    assert!(logs.iter().any(|l| l.contains("\"event\":\"stopped\"")), "{logs:?}");
    for (_, status) in &results {
        // Answered in full, or never accepted; a request is never cut half way.
        assert!(matches!(status, Some(201) | None), "{results:?}");
    }
    let answered: Vec<&String> = results.iter().filter(|(_, s)| *s == Some(201)).map(|(id, _)| id).collect();
    let restarted = Server::start(db, &Server::config());
    let stored = restarted.owner("GET", "/v1/owner/receipts?limit=10000").body;
    for id in answered {
        assert!(stored.contains(id.as_str()), "{id} was answered 201 before the shutdown but is not stored");
    }
}

/// A short run of the load generator (`cargo xtask bench-collector` runs the long one).
fn load_generator_smoke(db: &Db) {
    let mut config = Server::config();
    config["log"] = json!("warn");
    let server = Server::start(db, &config);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_accord-collector-load"))
        .args(["--url", &format!("http://{}", server.addr), "--receipts", "200", "--concurrency", "8", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["stored"], 200);
    assert!(report["per_second"].as_f64().unwrap() > 0.0 && report["p99_ms"].as_f64().unwrap() >= report["p50_ms"].as_f64().unwrap());
    assert_eq!(server.get("/healthz").json()["receipts"], 200);
    // Each visitor's receipts went in order on one connection: every chain is intact.
    let rows = server.owner("GET", "/v1/owner/receipts?limit=1000").body;
    assert!(rows.lines().all(|l| l.contains("\"chain\":\"start\"") || l.contains("\"chain\":\"linked\"")), "{rows}");
}
