#!/usr/bin/env bash
# Every check Leptodo has: formatting, clippy for both builds, Rust tests, then Playwright on the release build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh --e2e

started=$SECONDS
section() { printf '\n==> %s (%ss in)\n' "$*" "$((SECONDS - started))" >&2; }

section "cargo fmt --check"
cargo fmt --all -- --check

section "clippy, server build (ssr)"
cargo clippy --all-targets --features ssr -- -D warnings

section "clippy, browser build (hydrate, wasm32)"
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings

section "unit and integration tests"
cargo test --features ssr

section "release build"
cargo leptos build --release

section "Playwright end-to-end tests (Debian Chromium)"
(cd end2end && npx playwright test)

section "schemathesis fuzzing of the JSON API"
scripts/fuzz.sh

section "all checks passed"
