#!/usr/bin/env bash
# Every check Leptodo has: formatting, clippy for both builds, the Rust tests on SQLite and again on PostgreSQL
# (with several instances behind HAProxy), then Playwright on the release build against both setups.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh --e2e
source scripts/postgres.sh
# A failed run ends with the disk's state: a full disk fails whichever step comes next.
on_exit() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    printf '\n==> failed (exit %s); disk: %s free, target/ %s\n' "$status" \
      "$(df -h --output=avail . | tail -1 | tr -d ' ')" "$(du -sh target 2>/dev/null | cut -f1)" >&2
  fi
  postgres_stop || true
  return "$status"
}
trap on_exit EXIT

started=$SECONDS
section() { printf '\n==> %s (%ss in)\n' "$*" "$((SECONDS - started))" >&2; }

section "cargo fmt --check"
cargo fmt --all -- --check

section "clippy, server build (ssr)"
cargo clippy --all-targets --features ssr -- -D warnings

section "clippy, browser build (hydrate, wasm32)"
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings

section "unit and integration tests on SQLite"
cargo test --features ssr

section "integration tests on PostgreSQL, several instances behind HAProxy included"
# One throw-away cluster for the whole run; each test makes its own database on it. Tests named `sqlite` test
# SQLite-only behaviour; the ignored ones need this cluster and HAProxy.
postgres_start "${TEST_PG_PORT:-auto}" --no-fsync
cargo test --features ssr -- --include-ignored --skip sqlite

section "release build"
cargo leptos build --release --precompress

section "first-load size budget"
scripts/bundle-size.sh --check

section "Playwright end-to-end tests (Debian Chromium), one instance on SQLite"
(cd end2end && npx playwright test)

section "Playwright end-to-end tests, two instances on PostgreSQL behind HAProxy"
(cd end2end && E2E_DATABASE_URL="$(postgres_url leptodo_e2e)" E2E_PORT=3110 npx playwright test)

section "schemathesis fuzzing of the JSON API"
scripts/fuzz.sh

section "all checks passed"
