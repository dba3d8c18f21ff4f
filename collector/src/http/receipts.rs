//! `POST /v1/receipts`: a compact JWS in, a countersigned answer out. The body is bounded
//! (16 KiB), the content type strict (`application/jose`, or `text/plain` as browsers'
//! `sendBeacon` must send it), and cross-origin posts come only from the configured origins.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{App, LogNote};
use crate::jws;
use crate::reject::Reject;
use crate::schema::{self, Window};
use crate::settings::BODY_LIMIT;
use crate::store::{Incoming, StoreError};
use crate::time::now_ms;

/// The origin a cross-origin request may be answered for, or why not.
fn allowed_origin(app: &App, headers: &HeaderMap) -> Result<Option<HeaderValue>, Reject> {
    let Some(origin) = headers.get(header::ORIGIN) else { return Ok(None) };
    let origins = &app.settings.cors_origins;
    if origins.is_empty() {
        return Ok(None);
    }
    let text = origin.to_str().unwrap_or("");
    if origins.iter().any(|o| o == "*" || o == text) {
        Ok(Some(origin.clone()))
    } else {
        Err(Reject::new(
            StatusCode::FORBIDDEN,
            "origin_refused",
            format!("origin {text:?} may not post receipts here (not in cors_origins)"),
        ))
    }
}

fn with_cors(mut response: Response, origin: Option<HeaderValue>) -> Response {
    if let Some(origin) = origin {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

pub async fn preflight(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    match allowed_origin(&app, &headers) {
        Ok(origin) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let h = response.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type"));
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
            with_cors(response, origin)
        }
        Err(reject) => reject.into_response(),
    }
}

pub async fn submit(State(app): State<Arc<App>>, request: Request) -> Response {
    let origin = match allowed_origin(&app, request.headers()) {
        Ok(origin) => origin,
        Err(reject) => return refuse(&app, reject),
    };
    let response = match take(&app, request).await {
        Ok(response) => response,
        Err(reject) => refuse(&app, reject),
    };
    with_cors(response, origin)
}

fn refuse(app: &App, reject: Reject) -> Response {
    app.metrics.reject(reject.code);
    let note = LogNote(json!({ "error": reject.code, "message": reject.message }));
    let mut response = reject.into_response();
    response.extensions_mut().insert(note);
    response
}

async fn body(request: Request) -> Result<String, Reject> {
    let too_large = || {
        Reject::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", format!("the body is over the limit of {BODY_LIMIT} bytes"))
    };
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(Body::new(request.into_body()), BODY_LIMIT).await.map_err(|_| too_large())?;
    String::from_utf8(bytes.to_vec()).map_err(|_| Reject::bad_request("bad_body", "the body is not UTF-8 text"))
}

fn check_content_type(headers: &HeaderMap) -> Result<(), Reject> {
    let value = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence == "application/jose" || essence == "text/plain" {
        Ok(())
    } else {
        Err(Reject::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "bad_content_type",
            format!("Content-Type {value:?}: send a compact JWS as application/jose (or text/plain from sendBeacon)"),
        ))
    }
}

async fn take(app: &App, request: Request) -> Result<Response, Reject> {
    check_content_type(request.headers())?;
    let text = body(request).await?;
    let compact = text.trim().to_string();
    let verified = jws::verify(&compact)?;
    let window = Window { future_s: app.settings.skew_seconds, past_s: app.settings.max_age_days * 86_400 };
    let now = now_ms();
    let receipt = schema::check(&verified, now, window)?;
    let incoming = Incoming {
        hash: jws::sha256_b64(compact.as_bytes()),
        receipt,
        alg: verified.alg.name(),
        jws: compact,
        received_at_ms: now,
    };
    let (id, principal) = (incoming.receipt.id.clone(), incoming.receipt.principal.clone());
    let outcome = app.store.submit(incoming).await.map_err(|e| match e {
        StoreError::Conflict(m) => Reject::new(StatusCode::CONFLICT, "id_conflict", m),
        StoreError::NotFound(m) => Reject::new(StatusCode::NOT_FOUND, "not_found", m),
        StoreError::Database(m) => {
            crate::log::warn("database", &m);
            Reject::new(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", "the receipt store is unavailable; send again later")
        }
    })?;
    let counter = if outcome.duplicate { &app.metrics.duplicates } else { &app.metrics.stored };
    counter.fetch_add(1, Ordering::Relaxed);
    let mut response = (StatusCode::CREATED, outcome.body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.extensions_mut().insert(LogNote(json!({
        "receipt": id,
        "principal": principal,
        "chain": outcome.link,
        "duplicate": outcome.duplicate,
    })));
    Ok(response)
}
