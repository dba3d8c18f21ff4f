//! SQLite in WAL mode, `synchronous = FULL`: one writer thread takes receipts in batches and
//! commits each batch in one transaction (group commit), answering only after the commit; reads
//! go through their own connection. A 2xx therefore means the receipt is on disk.

use std::sync::{mpsc, Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use tokio::sync::oneshot;

use super::{answer, decode_seed, tables, known, new_seed, tombstone, Filter, Incoming, Outcome, Row, StoreError, Tombstone};
use crate::chain::classify;
use crate::countersign::ServerKey;
use crate::jws::b64;

/// What SQLite adds to the shared tables: the append-only rules.
const RULES: &str = "
CREATE TRIGGER IF NOT EXISTS receipts_append_only BEFORE UPDATE ON receipts
  BEGIN SELECT RAISE(ABORT, 'receipts are append-only'); END;
CREATE TRIGGER IF NOT EXISTS receipts_erased_only BEFORE DELETE ON receipts
  WHEN NOT EXISTS (SELECT 1 FROM tombstones WHERE principal = OLD.principal AND last_seq >= OLD.seq)
  BEGIN SELECT RAISE(ABORT, 'receipts are deleted only by an erasure with a tombstone'); END;
CREATE TRIGGER IF NOT EXISTS tombstones_append_only BEFORE UPDATE ON tombstones
  BEGIN SELECT RAISE(ABORT, 'tombstones are append-only'); END;
CREATE TRIGGER IF NOT EXISTS tombstones_kept BEFORE DELETE ON tombstones
  BEGIN SELECT RAISE(ABORT, 'tombstones are kept'); END;
";

/// At most this many receipts share one commit.
const BATCH: usize = 128;

enum Job {
    Submit(Box<Incoming>, oneshot::Sender<Result<Outcome, StoreError>>),
    Erase(String, String, i64, oneshot::Sender<Result<Tombstone, StoreError>>),
}

pub struct SqliteStore {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    reader: Arc<Mutex<Connection>>,
}

fn connect(path: &str) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|e| StoreError::Database(format!("open {path:?}: {e}")))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

impl SqliteStore {
    pub fn open(path: &str, seed: Option<[u8; 32]>) -> Result<(SqliteStore, Arc<ServerKey>), StoreError> {
        let mut conn = connect(path)?;
        conn.execute_batch(&tables("INTEGER PRIMARY KEY", "INTEGER PRIMARY KEY"))?;
        conn.execute_batch(RULES)?;
        let seed = match seed {
            Some(seed) => seed,
            None => {
                let tx = conn.transaction()?;
                let kept: Option<String> =
                    tx.query_row("SELECT value FROM settings WHERE name = 'server_key'", [], |r| r.get(0)).optional()?;
                let seed = match kept {
                    Some(text) => decode_seed(&text)?,
                    None => {
                        let seed = new_seed()?;
                        tx.execute("INSERT INTO settings (name, value) VALUES ('server_key', ?1)", [b64(&seed)])?;
                        seed
                    }
                };
                tx.commit()?;
                seed
            }
        };
        let key = Arc::new(ServerKey::from_seed(seed));
        let reader = connect(path)?;
        let (tx, rx) = mpsc::channel();
        let writer_key = key.clone();
        let writer = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_loop(conn, rx, &writer_key))
            .map_err(|e| StoreError::Database(format!("start the writer thread: {e}")))?;
        let store = SqliteStore { jobs: Mutex::new(Some(tx)), writer: Mutex::new(Some(writer)), reader: Arc::new(Mutex::new(reader)) };
        Ok((store, key))
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        let jobs = self.jobs.lock().map_err(|_| StoreError::Database("writer lock poisoned".into()))?;
        jobs.as_ref()
            .ok_or_else(|| StoreError::Database("the store is closing".into()))?
            .send(job)
            .map_err(|_| StoreError::Database("the writer thread has stopped".into()))
    }

    pub async fn submit(&self, incoming: Incoming) -> Result<Outcome, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Submit(Box::new(incoming), tx))?;
        rx.await.map_err(|_| StoreError::Database("the writer thread dropped a receipt".into()))?
    }

    pub async fn erase(&self, principal: &str, reason: &str, now_ms: i64) -> Result<Tombstone, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Erase(principal.to_string(), reason.to_string(), now_ms, tx))?;
        rx.await.map_err(|_| StoreError::Database("the writer thread dropped an erasure".into()))?
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().map_err(|_| StoreError::Database("reader lock poisoned".into()))?;
            f(&conn)
        })
        .await
        .map_err(|e| StoreError::Database(format!("read task: {e}")))?
    }

    pub async fn list(&self, filter: Filter) -> Result<Vec<Row>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, id, principal, consented_at, received_at, hash, prev, chain, alg, language, method,
                        granted, denied, jws, countersignature
                 FROM receipts
                 WHERE seq > ?1 AND (?2 IS NULL OR principal = ?2)
                   AND (?3 IS NULL OR consented_at >= ?3) AND (?4 IS NULL OR consented_at < ?4)
                 ORDER BY seq LIMIT ?5",
            )?;
            let rows = stmt.query_map(params![filter.after_seq, filter.principal, filter.from_ms, filter.to_ms, filter.limit], |r| {
                Ok(Row {
                    seq: r.get(0)?,
                    id: r.get(1)?,
                    principal: r.get(2)?,
                    consented_at_ms: r.get(3)?,
                    received_at_ms: r.get(4)?,
                    hash: r.get(5)?,
                    prev: r.get(6)?,
                    chain: r.get(7)?,
                    alg: r.get(8)?,
                    language: r.get(9)?,
                    method: r.get(10)?,
                    granted: r.get(11)?,
                    denied: r.get(12)?,
                    jws: r.get(13)?,
                    countersignature: r.get(14)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    pub async fn tombstones(&self, principal: &str) -> Result<Vec<Tombstone>, StoreError> {
        let principal = principal.to_string();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT principal, erased_at, receipts, first_seq, last_seq, digest, reason, countersignature
                 FROM tombstones WHERE principal = ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map([principal], |r| {
                Ok(Tombstone {
                    principal: r.get(0)?,
                    erased_at_ms: r.get(1)?,
                    receipts: r.get(2)?,
                    first_seq: r.get(3)?,
                    last_seq: r.get(4)?,
                    digest: r.get(5)?,
                    reason: r.get(6)?,
                    countersignature: r.get(7)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    pub async fn count(&self) -> Result<i64, StoreError> {
        self.read(|conn| Ok(conn.query_row("SELECT count(*) FROM receipts", [], |r| r.get(0))?)).await
    }

    /// Stops taking work, lets the writer finish its queue, and waits for it.
    pub async fn close(self) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
        let writer = self.writer.lock().ok().and_then(|mut w| w.take());
        if let Some(writer) = writer {
            let _ = tokio::task::spawn_blocking(move || writer.join()).await;
        }
    }
}

fn write_loop(mut conn: Connection, jobs: mpsc::Receiver<Job>, key: &ServerKey) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&mut conn, batch, key);
    }
    let _ = conn.pragma_update(None, "wal_checkpoint", "TRUNCATE");
}

enum Done {
    Submit(Result<Outcome, StoreError>, oneshot::Sender<Result<Outcome, StoreError>>),
    Erase(Result<Tombstone, StoreError>, oneshot::Sender<Result<Tombstone, StoreError>>),
}

/// Runs each job in its own savepoint inside one transaction, commits, then answers.
fn run_batch(conn: &mut Connection, batch: Vec<Job>, key: &ServerKey) {
    let mut done = Vec::with_capacity(batch.len());
    let committed = (|| -> Result<(), StoreError> {
        let mut tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for job in batch {
            match job {
                Job::Submit(incoming, reply) => {
                    let result = in_savepoint(&mut tx, |sp| submit(sp, &incoming, key));
                    done.push(Done::Submit(result, reply));
                }
                Job::Erase(principal, reason, now, reply) => {
                    let result = in_savepoint(&mut tx, |sp| erase(sp, &principal, &reason, now, key));
                    done.push(Done::Erase(result, reply));
                }
            }
        }
        tx.commit()?;
        Ok(())
    })();
    for d in done {
        match (d, &committed) {
            (Done::Submit(result, reply), Ok(())) => drop(reply.send(result)),
            (Done::Erase(result, reply), Ok(())) => drop(reply.send(result)),
            (Done::Submit(_, reply), Err(e)) => drop(reply.send(Err(StoreError::Database(format!("commit: {e}"))))),
            (Done::Erase(_, reply), Err(e)) => drop(reply.send(Err(StoreError::Database(format!("commit: {e}"))))),
        }
    }
}

/// Runs `f` in a savepoint: a job that fails leaves no writes, and the others in its batch stand.
fn in_savepoint<T>(tx: &mut Transaction<'_>, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
    let sp = tx.savepoint()?;
    match f(&sp) {
        Ok(v) => {
            sp.commit()?;
            Ok(v)
        }
        // Dropping the savepoint rolls it back.
        Err(e) => Err(e),
    }
}

fn submit(conn: &Connection, incoming: &Incoming, key: &ServerKey) -> Result<Outcome, StoreError> {
    let r = &incoming.receipt;
    let existing: Option<(String, String, String)> = conn
        .query_row("SELECT jws, response, chain FROM receipts WHERE id = ?1", [&r.id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    if let Some((jws, body, link)) = existing {
        if jws != incoming.jws {
            return Err(StoreError::Conflict(format!("receipt {} is already stored with different content", r.id)));
        }
        return Ok(Outcome { body, duplicate: true, link });
    }
    let stored: i64 = conn.query_row("SELECT count(*) FROM receipts WHERE principal = ?1", [&r.principal], |row| row.get(0))?;
    let (prev_stored, prev_taken) = match &r.prev {
        Some(prev) => (
            conn.query_row("SELECT EXISTS (SELECT 1 FROM receipts WHERE principal = ?1 AND hash = ?2)", [&r.principal, prev], |row| row.get(0))?,
            conn.query_row("SELECT EXISTS (SELECT 1 FROM receipts WHERE principal = ?1 AND prev = ?2)", [&r.principal, prev], |row| row.get(0))?,
        ),
        None => (false, false),
    };
    let erased: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM tombstones WHERE principal = ?1)", [&r.principal], |row| row.get(0))?;
    let link = classify(r.chained, r.prev.as_deref(), &known(stored, prev_stored, prev_taken, erased));
    let seq: i64 = conn.query_row(
        "SELECT max(coalesce((SELECT max(seq) FROM receipts), 0), coalesce((SELECT max(last_seq) FROM tombstones), 0)) + 1",
        [],
        |row| row.get(0),
    )?;
    let (countersignature, body) = answer(key, incoming, seq, link);
    conn.execute(
        "INSERT INTO receipts (seq, id, principal, consented_at, received_at, hash, prev, chain, alg, language, method,
                               granted, denied, jws, countersignature, response)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            seq,
            r.id,
            r.principal,
            r.consented_at_ms,
            incoming.received_at_ms,
            incoming.hash,
            r.prev,
            link.name(),
            incoming.alg,
            r.language,
            r.collection_method,
            r.granted_categories.join(" "),
            r.denied_categories.join(" "),
            incoming.jws,
            countersignature,
            body,
        ],
    )?;
    Ok(Outcome { body, duplicate: false, link: link.name().to_string() })
}

fn erase(conn: &Connection, principal: &str, reason: &str, now_ms: i64, key: &ServerKey) -> Result<Tombstone, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT seq, hash FROM receipts WHERE principal = ?1 ORDER BY seq")?;
    let rows: Vec<(i64, String)> = stmt.query_map([principal], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    if rows.is_empty() {
        return Err(StoreError::NotFound(format!("no receipts are stored for principal {principal:?}")));
    }
    let (seqs, hashes): (Vec<i64>, Vec<String>) = rows.into_iter().unzip();
    let t = tombstone(key, principal, reason, now_ms, &seqs, &hashes);
    conn.execute(
        "INSERT INTO tombstones (principal, erased_at, receipts, first_seq, last_seq, digest, reason, countersignature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![t.principal, t.erased_at_ms, t.receipts, t.first_seq, t.last_seq, t.digest, t.reason, t.countersignature],
    )?;
    conn.execute("DELETE FROM receipts WHERE principal = ?1", [principal])?;
    Ok(t)
}
