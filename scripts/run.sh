#!/usr/bin/env bash
# Builds the release bundle and serves Leptodo on the SQLite file named in Leptos.toml.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh
source scripts/dev-keys.sh

echo "==> building the release server and wasm bundle" >&2
cargo leptos build --release --precompress
echo "==> serving; open the URL below (Ctrl-C stops the server)" >&2
exec target/release/leptodo --config Leptos.toml
