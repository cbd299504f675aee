//! The tests that load the whole machine (hundreds of clients, repeated kills, several instances behind
//! HAProxy), in a binary of their own and one at a time ([`alone`]): none of them shares the cores with
//! another's load, nor with the rest of the suite (`tests/it`, a binary cargo runs before or after this one).

// This binary uses a part of the harness that `tests/it` uses whole.
#[allow(dead_code)]
#[path = "../it/common/mod.rs"]
mod common;

mod anonymous_flood;
mod durability;
mod instances;
mod load;

/// Held for the whole of a test of this binary, so that its tests run one after another.
async fn alone() -> tokio::sync::MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    ONE_AT_A_TIME.lock().await
}

/// A bound of a long-running test from the environment variable `name`, or `default`.
pub fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}
