//! The HTTP face of the collector: routes, and what every request goes through (the per-IP
//! rate limit, a log line, metrics).

mod limit;
mod owner;
mod receipts;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use serde_json::json;

use crate::countersign::ServerKey;
use crate::metrics::Metrics;
use crate::reject::Reject;
use crate::settings::Settings;
use crate::store::Store;

pub struct App {
    pub store: Store,
    pub key: Arc<ServerKey>,
    pub settings: Settings,
    pub metrics: Metrics,
    limiter: limit::Limiter,
}

impl App {
    pub fn new(store: Store, key: Arc<ServerKey>, settings: Settings) -> App {
        let limiter = limit::Limiter::new(settings.rate_limit);
        App { store, key, settings, metrics: Metrics::default(), limiter }
    }
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/v1/receipts", post(receipts::submit).options(receipts::preflight))
        .route("/v1/owner/receipts", get(owner::export))
        .route("/v1/owner/principals/{principal}/proof", get(owner::proof))
        .route("/v1/owner/principals/{principal}", delete(owner::erase))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), around))
        .with_state(app)
}

async fn jwks(State(app): State<Arc<App>>) -> Response {
    let mut response = app.key.jwks().to_string().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/jwk-set+json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

async fn healthz(State(app): State<Arc<App>>) -> Response {
    match app.store.health().await {
        Ok(receipts) => json_response(StatusCode::OK, json!({ "status": "ok", "database": app.store.kind(), "receipts": receipts })),
        Err(e) => json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "unavailable", "database": app.store.kind(), "message": e.to_string() }),
        ),
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let rows = app.store.health().await.ok();
    let mut response = app.metrics.render(rows).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
    response
}

async fn not_found(request: Request) -> Reject {
    Reject::new(StatusCode::NOT_FOUND, "not_found", format!("no route for {} {}", request.method(), request.uri().path()))
}

pub fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The route a request matched, as a fixed label for metrics and logs.
fn route_label(request: &Request) -> &'static str {
    match request.extensions().get::<MatchedPath>().map(MatchedPath::as_str) {
        Some("/v1/receipts") => "/v1/receipts",
        Some("/v1/owner/receipts") => "/v1/owner/receipts",
        Some("/v1/owner/principals/{principal}/proof") => "/v1/owner/principals/{principal}/proof",
        Some("/v1/owner/principals/{principal}") => "/v1/owner/principals/{principal}",
        Some("/.well-known/jwks.json") => "/.well-known/jwks.json",
        Some("/healthz") => "/healthz",
        Some("/metrics") => "/metrics",
        _ => "other",
    }
}

/// What a handler may leave for the request's log line.
#[derive(Clone)]
pub struct LogNote(pub serde_json::Value);

async fn around(State(app): State<Arc<App>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = route_label(&request);
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let limited = !matches!(route, "/healthz" | "/metrics");
    let response = if let (true, Err(wait)) = (limited, app.limiter.take(peer.ip(), started)) {
        app.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
        let mut r = Reject::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests from {}: try again in {wait} s", peer.ip()),
        )
        .into_response();
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
        r
    } else {
        app.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
        let r = next.run(request).await;
        app.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
        r
    };
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    app.metrics.response(route, status, seconds, route == "/v1/receipts" && method == axum::http::Method::POST);
    let mut fields = json!({
        "method": method.as_str(),
        "path": path,
        "status": status,
        "ms": (seconds * 1e5).round() / 100.0,
        "ip": peer.ip().to_string(),
    });
    if let (Some(LogNote(extra)), Some(map)) = (response.extensions().get::<LogNote>(), fields.as_object_mut()) {
        if let Some(extra) = extra.as_object() {
            map.extend(extra.clone());
        }
    }
    crate::log::info("request", fields);
    response
}
