//! Where receipts are kept: SQLite (embedded, WAL) or PostgreSQL, with the same schema and
//! the same rules. Receipts are append-only (the databases refuse UPDATE, and DELETE except
//! for an erasure recorded by a tombstone); a receipt id is stored once and a repeat gets the
//! stored answer; each receipt is classified in its principal's hash chain and countersigned
//! in the same transaction that stores it.

mod postgres;
mod sqlite;

use std::sync::Arc;

use serde_json::{json, Value};

use crate::chain::{Known, Link};
use crate::countersign::ServerKey;
use crate::jws::sha256_b64;
use crate::schema::Receipt;

/// The tables and indexes, the same on both databases but for the key columns' types.
fn tables(receipt_seq: &str, tombstone_seq: &str) -> String {
    format!(
        "
CREATE TABLE IF NOT EXISTS receipts (
  seq {receipt_seq},
  id TEXT NOT NULL UNIQUE,
  principal TEXT NOT NULL,
  consented_at BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  hash TEXT NOT NULL,
  prev TEXT,
  chain TEXT NOT NULL,
  alg TEXT NOT NULL,
  language TEXT NOT NULL,
  method TEXT NOT NULL,
  granted TEXT NOT NULL,
  denied TEXT NOT NULL,
  jws TEXT NOT NULL,
  countersignature TEXT NOT NULL,
  response TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS receipts_by_principal ON receipts (principal, seq);
CREATE INDEX IF NOT EXISTS receipts_by_principal_hash ON receipts (principal, hash);
CREATE INDEX IF NOT EXISTS receipts_by_principal_prev ON receipts (principal, prev);
CREATE INDEX IF NOT EXISTS receipts_by_time ON receipts (consented_at);
CREATE TABLE IF NOT EXISTS tombstones (
  seq {tombstone_seq},
  principal TEXT NOT NULL,
  erased_at BIGINT NOT NULL,
  receipts BIGINT NOT NULL,
  first_seq BIGINT NOT NULL,
  last_seq BIGINT NOT NULL,
  digest TEXT NOT NULL,
  reason TEXT NOT NULL,
  countersignature TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tombstones_by_principal ON tombstones (principal);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"
    )
}

/// A verified, checked receipt on its way into the store.
pub struct Incoming {
    pub receipt: Receipt,
    pub alg: &'static str,
    /// The compact JWS exactly as received.
    pub jws: String,
    /// base64url SHA-256 of `jws`: what the next receipt's `prev` names.
    pub hash: String,
    pub received_at_ms: i64,
}

/// The collector's answer to a stored receipt; a repeat of the same receipt gets it again.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub body: String,
    pub duplicate: bool,
    pub link: String,
}

/// One stored receipt.
#[derive(Debug, Clone)]
pub struct Row {
    pub seq: i64,
    pub id: String,
    pub principal: String,
    pub consented_at_ms: i64,
    pub received_at_ms: i64,
    pub hash: String,
    pub prev: Option<String>,
    pub chain: String,
    pub alg: String,
    pub language: String,
    pub method: String,
    /// Category ids, space-separated.
    pub granted: String,
    pub denied: String,
    pub jws: String,
    pub countersignature: String,
}

/// The record left when a principal's receipts are erased: how many, which, and a digest of them.
#[derive(Debug, Clone)]
pub struct Tombstone {
    pub principal: String,
    pub erased_at_ms: i64,
    pub receipts: i64,
    pub first_seq: i64,
    pub last_seq: i64,
    /// base64url SHA-256 over the erased receipts' hashes, one per line, in order.
    pub digest: String,
    pub reason: String,
    pub countersignature: String,
}

impl Tombstone {
    pub fn to_json(&self) -> Value {
        json!({
            "principal": self.principal,
            "erasedAt": self.erased_at_ms,
            "receipts": self.receipts,
            "firstSeq": self.first_seq,
            "lastSeq": self.last_seq,
            "digest": self.digest,
            "reason": self.reason,
            "countersignature": self.countersignature,
        })
    }
}

/// Which receipts to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub principal: Option<String>,
    /// Consent time, ms since the epoch, inclusive.
    pub from_ms: Option<i64>,
    /// Consent time, exclusive.
    pub to_ms: Option<i64>,
    /// Only receipts stored after this sequence number (paging).
    pub after_seq: i64,
    pub limit: i64,
}

#[derive(Debug)]
pub enum StoreError {
    /// The same receipt id arrived with different content.
    Conflict(String),
    /// Nothing to act on.
    NotFound(String),
    Database(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Conflict(m) | StoreError::NotFound(m) => f.write_str(m),
            StoreError::Database(m) => write!(f, "database: {m}"),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Database(e.to_string())
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> StoreError {
        StoreError::Database(match e.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
            None => e.to_string(),
        })
    }
}

pub enum Store {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

impl Store {
    /// Opens `sqlite:PATH` or `postgres://…`, creating the schema, and the server key: `seed`
    /// when given, else the one kept in the database (made on first start).
    pub async fn open(url: &str, seed: Option<[u8; 32]>) -> Result<(Store, Arc<ServerKey>), StoreError> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let (store, key) = sqlite::SqliteStore::open(path, seed)?;
            Ok((Store::Sqlite(store), key))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let (store, key) = postgres::PgStore::open(url, seed).await?;
            Ok((Store::Postgres(store), key))
        } else {
            Err(StoreError::Database(format!(
                "--database {url:?}: expected sqlite:PATH or postgres://USER@HOST:PORT/DB"
            )))
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    pub async fn submit(&self, incoming: Incoming) -> Result<Outcome, StoreError> {
        match self {
            Store::Sqlite(s) => s.submit(incoming).await,
            Store::Postgres(s) => s.submit(incoming).await,
        }
    }

    pub async fn list(&self, filter: Filter) -> Result<Vec<Row>, StoreError> {
        match self {
            Store::Sqlite(s) => s.list(filter).await,
            Store::Postgres(s) => s.list(filter).await,
        }
    }

    pub async fn tombstones(&self, principal: &str) -> Result<Vec<Tombstone>, StoreError> {
        match self {
            Store::Sqlite(s) => s.tombstones(principal).await,
            Store::Postgres(s) => s.tombstones(principal).await,
        }
    }

    pub async fn erase(&self, principal: &str, reason: &str, now_ms: i64) -> Result<Tombstone, StoreError> {
        match self {
            Store::Sqlite(s) => s.erase(principal, reason, now_ms).await,
            Store::Postgres(s) => s.erase(principal, reason, now_ms).await,
        }
    }

    pub async fn health(&self) -> Result<i64, StoreError> {
        match self {
            Store::Sqlite(s) => s.count().await,
            Store::Postgres(s) => s.count().await,
        }
    }

    /// Finishes what was accepted and closes (graceful shutdown).
    pub async fn close(self) {
        match self {
            Store::Sqlite(s) => s.close().await,
            Store::Postgres(_) => {}
        }
    }
}

/// The stored answer for a new receipt: its sequence number, chain link and countersignature.
fn answer(key: &ServerKey, incoming: &Incoming, seq: i64, link: Link) -> (String, String) {
    let r = &incoming.receipt;
    let claims = json!({
        "receiptId": r.id,
        "receiptSha256": incoming.hash,
        "principal": r.principal,
        "seq": seq,
        "receivedAt": incoming.received_at_ms,
        "chain": link.name(),
        "collector": key.kid(),
    });
    let countersignature = key.sign("accord-countersignature+jws", &claims);
    let body = json!({
        "status": "stored",
        "id": r.id,
        "seq": seq,
        "receivedAt": incoming.received_at_ms,
        "chain": link.name(),
        "countersignature": countersignature,
    })
    .to_string();
    (countersignature, body)
}

fn known(stored: i64, prev_stored: bool, prev_taken: bool, erased: bool) -> Known {
    Known { stored: stored.max(0) as u64, prev_stored, prev_taken, erased }
}

/// The tombstone for erasing `hashes` (in order) of `principal`, countersigned.
fn tombstone(key: &ServerKey, principal: &str, reason: &str, now_ms: i64, seqs: &[i64], hashes: &[String]) -> Tombstone {
    let digest = sha256_b64(hashes.iter().map(|h| format!("{h}\n")).collect::<String>().as_bytes());
    let (first_seq, last_seq) = (seqs.first().copied().unwrap_or(0), seqs.last().copied().unwrap_or(0));
    let claims = json!({
        "erasure": principal,
        "erasedAt": now_ms,
        "receipts": hashes.len(),
        "firstSeq": first_seq,
        "lastSeq": last_seq,
        "digest": digest,
        "reason": reason,
        "collector": key.kid(),
    });
    Tombstone {
        principal: principal.to_string(),
        erased_at_ms: now_ms,
        receipts: hashes.len() as i64,
        first_seq,
        last_seq,
        digest,
        reason: reason.to_string(),
        countersignature: key.sign("accord-erasure+jws", &claims),
    }
}

/// The seed kept in the database, as base64url.
fn decode_seed(text: &str) -> Result<[u8; 32], StoreError> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| StoreError::Database("settings.server_key: not a base64url 32-byte seed".into()))
}

fn new_seed() -> Result<[u8; 32], StoreError> {
    ServerKey::generate().map_err(|e| StoreError::Database(format!("no randomness for the server key: {e}")))
}
