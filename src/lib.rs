//! Accord: a cookie-consent manager compiled to WebAssembly.
//!
//! A pure core (`config`, `consent`, `decide`, `track`, `consent_mode`, `i18n`, `receipt`,
//! `message`) that knows nothing of the browser and is tested natively, under a thin browser
//! shell (`browser`, `ui`, `api`) compiled only for wasm. `heap` is the wasm's allocator,
//! tested natively over an arena.
//! Data flows one way: config -> consent -> decisions -> effects on the DOM.

pub mod clock;
pub mod config;
pub mod consent;
pub mod consent_mode;
pub mod decide;
pub mod heap;
pub mod i18n;
pub mod message;
pub mod receipt;
pub mod track;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod ui;

/// Accord's own allocator (see [`heap`]), in place of talc, itself in place of the standard
/// library's dlmalloc: the wasm is 552 B of gzip -9 smaller than with talc (2026-11-30), with
/// `boot`, the Accept-all click and the wasm's memory unchanged within noise.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: heap::Heap<heap::WasmMemory> = heap::Heap::new(heap::WasmMemory);
