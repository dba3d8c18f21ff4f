//! `accord-collector`: Accord's reference receipt collector. It takes signed consent receipts
//! (compact JWS, ES256 or EdDSA, the key in the header), verifies and checks them, stores them
//! append-only in SQLite or PostgreSQL with their place in the visitor's hash chain, and
//! answers with its own Ed25519 countersignature. Site owners export, prove and erase through
//! a token-protected API.

pub mod chain;
pub mod countersign;
pub mod http;
pub mod jws;
pub mod log;
pub mod metrics;
pub mod mint;
pub mod reject;
pub mod schema;
pub mod settings;
pub mod store;
pub mod time;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::settings::Args;
use crate::store::Store;

/// Runs the collector until SIGTERM or SIGINT, then drains requests in flight and closes the store.
pub async fn run(args: Args) -> Result<(), String> {
    log::set_level(&args.settings.log);
    let seed = match &args.settings.signing_key_file {
        Some(path) => Some(read_seed(path)?),
        None => None,
    };
    let (store, key) = Store::open(&args.database, seed).await.map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(|e| format!("--listen {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let grace = Duration::from_secs(args.settings.shutdown_grace_seconds);
    let app = Arc::new(http::App::new(store, key.clone(), args.settings));
    log::notice(
        "listening",
        json!({ "addr": addr.to_string(), "database": app.store.kind(), "kid": key.kid(), "owner_api": app.settings.owner_token.is_some() }),
    );
    let (stopping_tx, stopping_rx) = tokio::sync::watch::channel(false);
    let service = http::router(app.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, service).with_graceful_shutdown(async move {
        shutdown_signal().await;
        log::notice("shutdown", json!({ "message": "draining requests in flight" }));
        let _ = stopping_tx.send(true);
    });
    let mut stopping = stopping_rx.clone();
    tokio::select! {
        result = server => result.map_err(|e| format!("serve: {e}"))?,
        _ = async {
            let _ = stopping.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        } => log::warn("shutdown", "requests still in flight after the grace period were cut"),
    }
    let app = Arc::try_unwrap(app).map_err(|_| "requests still hold the store".to_string());
    if let Ok(app) = app {
        app.store.close().await;
    }
    log::notice("stopped", json!({}));
    Ok(())
}

fn read_seed(path: &std::path::Path) -> Result<[u8; 32], String> {
    use base64::Engine;
    let text = std::fs::read_to_string(path).map_err(|e| format!("signing_key_file {path:?}: {e}"))?;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("signing_key_file {path:?}: expected a base64url 32-byte Ed25519 seed"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
