//! PostgreSQL: the same schema and rules as SQLite, for sites that outgrow one machine. Each
//! receipt is one transaction, serialized per principal by an advisory lock so that chain
//! checks never race; a small pool of connections is reopened when one breaks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls};

use super::{answer, decode_seed, tables, known, new_seed, tombstone, Filter, Incoming, Outcome, Row, StoreError, Tombstone};
use crate::chain::classify;
use crate::countersign::ServerKey;
use crate::jws::b64;

/// What PostgreSQL adds to the shared tables: the sequence and the append-only rules.
const RULES: &str = "
CREATE SEQUENCE IF NOT EXISTS receipt_seq;
CREATE OR REPLACE FUNCTION accord_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% are append-only', TG_TABLE_NAME; END $$;
CREATE OR REPLACE FUNCTION accord_erased_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM tombstones WHERE principal = OLD.principal AND last_seq >= OLD.seq) THEN
    RAISE EXCEPTION 'receipts are deleted only by an erasure with a tombstone';
  END IF;
  RETURN OLD;
END $$;
DROP TRIGGER IF EXISTS receipts_append_only ON receipts;
CREATE TRIGGER receipts_append_only BEFORE UPDATE ON receipts FOR EACH ROW EXECUTE FUNCTION accord_refuse();
DROP TRIGGER IF EXISTS receipts_erased_only ON receipts;
CREATE TRIGGER receipts_erased_only BEFORE DELETE ON receipts FOR EACH ROW EXECUTE FUNCTION accord_erased_only();
DROP TRIGGER IF EXISTS tombstones_append_only ON tombstones;
CREATE TRIGGER tombstones_append_only BEFORE UPDATE OR DELETE ON tombstones FOR EACH ROW EXECUTE FUNCTION accord_refuse();
";

/// Connections kept open.
const POOL: usize = 8;

pub struct PgStore {
    url: String,
    pool: Vec<Mutex<Option<Client>>>,
    next: AtomicUsize,
    key: Arc<ServerKey>,
}

async fn connect(url: &str) -> Result<Client, StoreError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(|e| StoreError::Database(format!("connect to PostgreSQL: {e}")))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            crate::log::warn("postgres_connection", &e.to_string());
        }
    });
    Ok(client)
}

impl PgStore {
    pub async fn open(url: &str, seed: Option<[u8; 32]>) -> Result<(PgStore, Arc<ServerKey>), StoreError> {
        let mut client = connect(url).await?;
        {
            let tx = client.transaction().await?;
            // One schema setup at a time when several collectors start together.
            tx.execute("SELECT pg_advisory_xact_lock(7215340)", &[]).await?;
            tx.batch_execute(&tables("BIGINT PRIMARY KEY", "BIGSERIAL PRIMARY KEY")).await?;
            tx.batch_execute(RULES).await?;
            tx.commit().await?;
        }
        let seed = match seed {
            Some(seed) => seed,
            None => {
                let fresh = b64(&new_seed()?);
                client
                    .execute("INSERT INTO settings (name, value) VALUES ('server_key', $1) ON CONFLICT (name) DO NOTHING", &[&fresh])
                    .await?;
                let kept: String = client.query_one("SELECT value FROM settings WHERE name = 'server_key'", &[]).await?.get(0);
                decode_seed(&kept)?
            }
        };
        let key = Arc::new(ServerKey::from_seed(seed));
        let mut pool = Vec::with_capacity(POOL);
        pool.push(Mutex::new(Some(client)));
        for _ in 1..POOL {
            pool.push(Mutex::new(None));
        }
        Ok((PgStore { url: url.to_string(), pool, next: AtomicUsize::new(0), key: key.clone() }, key))
    }

    /// A pooled connection, (re)opened when missing or broken.
    async fn client(&self) -> Result<tokio::sync::MutexGuard<'_, Option<Client>>, StoreError> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.pool.len();
        let mut slot = self.pool[i].lock().await;
        if slot.as_ref().is_none_or(Client::is_closed) {
            *slot = Some(connect(&self.url).await?);
        }
        Ok(slot)
    }

    pub async fn submit(&self, incoming: Incoming) -> Result<Outcome, StoreError> {
        let mut slot = self.client().await?;
        let client = slot.as_mut().ok_or_else(|| StoreError::Database("no connection".into()))?;
        let r = &incoming.receipt;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &[&r.principal]).await?;
        if let Some(row) = tx.query_opt("SELECT jws, response, chain FROM receipts WHERE id = $1", &[&r.id]).await? {
            let (jws, body, link): (String, String, String) = (row.get(0), row.get(1), row.get(2));
            if jws != incoming.jws {
                return Err(StoreError::Conflict(format!("receipt {} is already stored with different content", r.id)));
            }
            return Ok(Outcome { body, duplicate: true, link });
        }
        let stored: i64 = tx.query_one("SELECT count(*) FROM receipts WHERE principal = $1", &[&r.principal]).await?.get(0);
        let (prev_stored, prev_taken) = match &r.prev {
            Some(prev) => (
                tx.query_one("SELECT EXISTS (SELECT 1 FROM receipts WHERE principal = $1 AND hash = $2)", &[&r.principal, prev])
                    .await?
                    .get(0),
                tx.query_one("SELECT EXISTS (SELECT 1 FROM receipts WHERE principal = $1 AND prev = $2)", &[&r.principal, prev])
                    .await?
                    .get(0),
            ),
            None => (false, false),
        };
        let erased: bool =
            tx.query_one("SELECT EXISTS (SELECT 1 FROM tombstones WHERE principal = $1)", &[&r.principal]).await?.get(0);
        let link = classify(r.chained, r.prev.as_deref(), &known(stored, prev_stored, prev_taken, erased));
        let seq: i64 = tx.query_one("SELECT nextval('receipt_seq')", &[]).await?.get(0);
        let (countersignature, body) = answer(&self.key, &incoming, seq, link);
        let inserted = tx
            .execute(
                "INSERT INTO receipts (seq, id, principal, consented_at, received_at, hash, prev, chain, alg, language, method,
                                       granted, denied, jws, countersignature, response)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                 ON CONFLICT (id) DO NOTHING",
                &[
                    &seq,
                    &r.id,
                    &r.principal,
                    &r.consented_at_ms,
                    &incoming.received_at_ms,
                    &incoming.hash,
                    &r.prev,
                    &link.name(),
                    &incoming.alg,
                    &r.language,
                    &r.collection_method,
                    &r.granted_categories.join(" "),
                    &r.denied_categories.join(" "),
                    &incoming.jws,
                    &countersignature,
                    &body,
                ],
            )
            .await?;
        if inserted == 0 {
            // The same id from another principal won a race: not this receipt.
            return Err(StoreError::Conflict(format!("receipt {} is already stored with different content", r.id)));
        }
        tx.commit().await?;
        Ok(Outcome { body, duplicate: false, link: link.name().to_string() })
    }

    pub async fn list(&self, filter: Filter) -> Result<Vec<Row>, StoreError> {
        let mut slot = self.client().await?;
        let client = slot.as_mut().ok_or_else(|| StoreError::Database("no connection".into()))?;
        let rows = client
            .query(
                "SELECT seq, id, principal, consented_at, received_at, hash, prev, chain, alg, language, method,
                        granted, denied, jws, countersignature
                 FROM receipts
                 WHERE seq > $1 AND ($2::text IS NULL OR principal = $2)
                   AND ($3::bigint IS NULL OR consented_at >= $3) AND ($4::bigint IS NULL OR consented_at < $4)
                 ORDER BY seq LIMIT $5",
                &[&filter.after_seq, &filter.principal, &filter.from_ms, &filter.to_ms, &filter.limit],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| Row {
                seq: r.get(0),
                id: r.get(1),
                principal: r.get(2),
                consented_at_ms: r.get(3),
                received_at_ms: r.get(4),
                hash: r.get(5),
                prev: r.get(6),
                chain: r.get(7),
                alg: r.get(8),
                language: r.get(9),
                method: r.get(10),
                granted: r.get(11),
                denied: r.get(12),
                jws: r.get(13),
                countersignature: r.get(14),
            })
            .collect())
    }

    pub async fn tombstones(&self, principal: &str) -> Result<Vec<Tombstone>, StoreError> {
        let mut slot = self.client().await?;
        let client = slot.as_mut().ok_or_else(|| StoreError::Database("no connection".into()))?;
        let rows = client
            .query(
                "SELECT principal, erased_at, receipts, first_seq, last_seq, digest, reason, countersignature
                 FROM tombstones WHERE principal = $1 ORDER BY seq",
                &[&principal],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| Tombstone {
                principal: r.get(0),
                erased_at_ms: r.get(1),
                receipts: r.get(2),
                first_seq: r.get(3),
                last_seq: r.get(4),
                digest: r.get(5),
                reason: r.get(6),
                countersignature: r.get(7),
            })
            .collect())
    }

    pub async fn erase(&self, principal: &str, reason: &str, now_ms: i64) -> Result<Tombstone, StoreError> {
        let mut slot = self.client().await?;
        let client = slot.as_mut().ok_or_else(|| StoreError::Database("no connection".into()))?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &[&principal]).await?;
        let rows = tx.query("SELECT seq, hash FROM receipts WHERE principal = $1 ORDER BY seq", &[&principal]).await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound(format!("no receipts are stored for principal {principal:?}")));
        }
        let (seqs, hashes): (Vec<i64>, Vec<String>) = rows.iter().map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1))).unzip();
        let t = tombstone(&self.key, principal, reason, now_ms, &seqs, &hashes);
        tx.execute(
            "INSERT INTO tombstones (principal, erased_at, receipts, first_seq, last_seq, digest, reason, countersignature)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&t.principal, &t.erased_at_ms, &t.receipts, &t.first_seq, &t.last_seq, &t.digest, &t.reason, &t.countersignature],
        )
        .await?;
        tx.execute("DELETE FROM receipts WHERE principal = $1", &[&principal]).await?;
        tx.commit().await?;
        Ok(t)
    }

    pub async fn count(&self) -> Result<i64, StoreError> {
        let mut slot = self.client().await?;
        let client = slot.as_mut().ok_or_else(|| StoreError::Database("no connection".into()))?;
        Ok(client.query_one("SELECT count(*) FROM receipts", &[]).await?.get(0))
    }
}
