//! The site owner's API, behind the bearer token from the config: export receipts by principal
//! or time range (NDJSON or CSV, paged by sequence number), a proof bundle for one principal
//! (receipts, countersignatures, the chain audit and the collector's key), and erasure of a
//! principal's receipts, which leaves a countersigned tombstone.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{json_response, App};
use crate::chain::{audit, Entry};
use crate::reject::Reject;
use crate::store::{Filter, Row, StoreError};
use crate::time::{iso, now_ms, parse};

const DEFAULT_PAGE: i64 = 1000;
const MAX_PAGE: i64 = 10_000;

fn authorize(app: &App, headers: &HeaderMap) -> Result<(), Reject> {
    let Some(token) = &app.settings.owner_token else {
        return Err(Reject::new(StatusCode::FORBIDDEN, "owner_api_off", "the owner API is off: set owner_token in the --config file"));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compare without stopping at the first difference.
    let same = given.len() == token.len() && given.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if same {
        Ok(())
    } else {
        Err(Reject::new(StatusCode::UNAUTHORIZED, "unauthorized", "the owner API needs Authorization: Bearer <owner_token>"))
    }
}

fn store_error(e: StoreError) -> Reject {
    match e {
        StoreError::NotFound(m) => Reject::new(StatusCode::NOT_FOUND, "not_found", m),
        StoreError::Conflict(m) => Reject::new(StatusCode::CONFLICT, "conflict", m),
        StoreError::Database(m) => {
            crate::log::warn("database", &m);
            Reject::new(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", "the receipt store is unavailable")
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    principal: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<i64>,
    limit: Option<i64>,
    format: Option<String>,
}

fn bound(name: &str, value: Option<&String>) -> Result<Option<i64>, Reject> {
    value
        .map(|v| {
            parse(v).ok_or_else(|| {
                Reject::bad_request("bad_query", format!("{name}={v:?}: expected ms since 1970, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"))
            })
        })
        .transpose()
}

fn split(ids: &str) -> Vec<&str> {
    ids.split(' ').filter(|s| !s.is_empty()).collect()
}

fn row_json(r: &Row) -> Value {
    json!({
        "seq": r.seq,
        "id": r.id,
        "principal": r.principal,
        "consentedAt": iso(r.consented_at_ms),
        "receivedAt": iso(r.received_at_ms),
        "chain": r.chain,
        "prev": r.prev,
        "sha256": r.hash,
        "alg": r.alg,
        "language": r.language,
        "collectionMethod": r.method,
        "granted": split(&r.granted),
        "denied": split(&r.denied),
        "jws": r.jws,
        "countersignature": r.countersignature,
    })
}

/// A CSV field, quoted when needed; text a spreadsheet would run as a formula is defused.
fn csv_field(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() };
    if defused.contains([',', '"', '\n', '\r']) || defused != text {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

const CSV_HEADER: &str = "seq,id,principal,consented_at,received_at,chain,language,collection_method,granted,denied,sha256\n";

fn csv_row(r: &Row) -> String {
    let fields = [
        r.seq.to_string(),
        r.id.clone(),
        r.principal.clone(),
        iso(r.consented_at_ms),
        iso(r.received_at_ms),
        r.chain.clone(),
        r.language.clone(),
        r.method.clone(),
        r.granted.clone(),
        r.denied.clone(),
        r.hash.clone(),
    ];
    let mut line = fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
    line.push('\n');
    line
}

pub async fn export(State(app): State<Arc<App>>, headers: HeaderMap, query: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>) -> Response {
    let result = async {
        authorize(&app, &headers)?;
        let Query(q) = query.map_err(|e| Reject::bad_request("bad_query", e.body_text()))?;
        let limit = q.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(Reject::bad_request("bad_query", format!("limit={limit}: must be 1..={MAX_PAGE}")));
        }
        let filter = Filter {
            principal: q.principal.clone(),
            from_ms: bound("from", q.from.as_ref())?,
            to_ms: bound("to", q.to.as_ref())?,
            after_seq: q.after.unwrap_or(0),
            limit,
        };
        let rows = app.store.list(filter).await.map_err(store_error)?;
        let (body, content_type) = match q.format.as_deref().unwrap_or("ndjson") {
            "ndjson" => (
                rows.iter().map(|r| format!("{}\n", row_json(r))).collect::<String>(),
                "application/x-ndjson; charset=utf-8",
            ),
            "csv" => (std::iter::once(CSV_HEADER.to_string()).chain(rows.iter().map(csv_row)).collect(), "text/csv; charset=utf-8"),
            other => return Err(Reject::bad_request("bad_query", format!("format={other:?}: expected ndjson or csv"))),
        };
        let mut response = (StatusCode::OK, body).into_response();
        let h = response.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if rows.len() as i64 == limit {
            // More may follow: ask again with after=<this>.
            if let Some(last) = rows.last() {
                h.insert("accord-next-after", HeaderValue::from(last.seq));
            }
        }
        Ok(response)
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// Every receipt of a principal, in order, read page by page.
async fn all_of(app: &App, principal: &str) -> Result<Vec<Row>, Reject> {
    let mut rows = Vec::new();
    loop {
        let filter = Filter { principal: Some(principal.to_string()), after_seq: rows.last().map_or(0, |r: &Row| r.seq), limit: MAX_PAGE, ..Filter::default() };
        let page = app.store.list(filter).await.map_err(store_error)?;
        let done = (page.len() as i64) < MAX_PAGE;
        rows.extend(page);
        if done {
            return Ok(rows);
        }
    }
}

pub async fn proof(State(app): State<Arc<App>>, headers: HeaderMap, Path(principal): Path<String>) -> Response {
    let result = async {
        authorize(&app, &headers)?;
        let rows = all_of(&app, &principal).await?;
        let tombstones = app.store.tombstones(&principal).await.map_err(store_error)?;
        if rows.is_empty() && tombstones.is_empty() {
            return Err(Reject::new(StatusCode::NOT_FOUND, "not_found", format!("nothing is stored for principal {principal:?}")));
        }
        let entries: Vec<Entry<'_>> = rows
            .iter()
            .map(|r| Entry { id: &r.id, hash: &r.hash, prev: r.prev.as_deref(), chained: r.chain != "unchained" })
            .collect();
        Ok(json_response(
            StatusCode::OK,
            json!({
                "principal": principal,
                "generatedAt": iso(now_ms()),
                "collector": app.key.jwks(),
                "chain": audit(&entries),
                "receipts": rows.iter().map(row_json).collect::<Vec<_>>(),
                "tombstones": tombstones.iter().map(|t| t.to_json()).collect::<Vec<_>>(),
            }),
        ))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EraseQuery {
    reason: Option<String>,
}

pub async fn erase(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(principal): Path<String>,
    query: Result<Query<EraseQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let result = async {
        authorize(&app, &headers)?;
        let Query(q) = query.map_err(|e| Reject::bad_request("bad_query", e.body_text()))?;
        let reason = q.reason.unwrap_or_else(|| "erasure requested by the data subject".to_string());
        if reason.chars().count() > 500 {
            return Err(Reject::bad_request("bad_query", "reason: at most 500 characters"));
        }
        let tombstone = app.store.erase(&principal, &reason, now_ms()).await.map_err(store_error)?;
        crate::log::info("erasure", json!({ "principal": principal, "receipts": tombstone.receipts }));
        Ok(json_response(StatusCode::OK, tombstone.to_json()))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}
