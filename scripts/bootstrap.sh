#!/usr/bin/env bash
# Installs what building (and, with `--e2e`, browser-testing) Leptodo needs, skipping what is already there.
# Sourced by scripts/run.sh and scripts/test.sh so the PATH it sets carries over.
# Binaries that cargo-leptos and Playwright would download from GitHub come from crates.io, npm and apt instead.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION="0.3.11"
export PATH="$HOME/.cargo/bin:$ROOT/tools/node_modules/.bin:$PATH"

step() { printf '==> %s\n' "$*" >&2; }

# The wasm target for the browser bundle.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# cargo-leptos: its locked dependencies need a newer rustc than stable 1.95, hence the nightly toolchain.
if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    step "installing the nightly toolchain (needed to build cargo-leptos)"
    rustup toolchain install nightly --profile minimal
  fi
  step "building cargo-leptos $CARGO_LEPTOS_VERSION (about 16 minutes on 2 cores, once)"
  cargo +nightly install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

# wasm-bindgen-cli must equal the wasm-bindgen library in Cargo.lock exactly. Its own lock file names a crate
# release the registry no longer serves, so it is installed without --locked.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  step "building wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# wasm-opt from npm's binaryen: Debian's older wasm-opt produces a bundle that fails to hydrate.
npm_install() {
  local dir="$1"
  # npm ci is skipped while node_modules matches the lock file it was installed from.
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.installed-lock.json"; then
    step "installing npm packages in ${dir#"$ROOT"/}"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$dir/node_modules/.installed-lock.json"
  fi
}
npm_install "$ROOT/tools"

if [ "${1:-}" = "--e2e" ]; then
  # Playwright cannot download its browsers here: Debian's Chromium stands in. HAProxy balances the
  # several-instances tests; the PostgreSQL server is installed by scripts/postgres.sh if missing.
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v haproxy >/dev/null || missing+=(haproxy)
  if [ "${#missing[@]}" -gt 0 ]; then
    step "installing Debian's ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  npm_install "$ROOT/end2end"

  # schemathesis (PyPI) fuzzes the JSON API from its OpenAPI document; pinned, in a virtualenv of its own.
  venv="$ROOT/tools/venv"
  if ! cmp -s "$ROOT/tools/requirements-fuzz.txt" "$venv/.installed-requirements.txt"; then
    step "installing schemathesis in tools/venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$ROOT/tools/requirements-fuzz.txt"
    cp "$ROOT/tools/requirements-fuzz.txt" "$venv/.installed-requirements.txt"
  fi
fi
