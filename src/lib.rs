//! Leptodo: a TodoMVC behind real user accounts, rendered on the server and hydrated in the browser.
//!
//! Modules are split by feature; server-only code sits behind `#[cfg(feature = "ssr")]` inside each one.
//!
//! No `unsafe` outside the one documented `allow` (the password hash's memory, `auth/hashing/threads.rs`).

#![deny(unsafe_code)]

pub mod account;
pub mod admin;
#[cfg(feature = "ssr")]
pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod domain;
pub mod error;
pub mod flash;
pub mod form_errors;
pub mod hydration;
pub mod moment;
pub mod secret;
pub mod timestamp;
pub mod todos;

#[cfg(feature = "ssr")]
pub mod assets;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod connections;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod security;
#[cfg(feature = "ssr")]
pub mod session_store;
#[cfg(feature = "ssr")]
pub mod startup;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod telemetry;

/// Entry point of the wasm bundle: prepares the reactive system; Leptos' loader then brings each island of the
/// server-rendered page to life.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    todos::offline::start();
}
