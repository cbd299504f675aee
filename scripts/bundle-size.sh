#!/usr/bin/env bash
# Prints the size of the release browser bundle, raw and compressed as a browser would download it.
# Run after `cargo leptos build --release` (make run and make test both do).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for file in target/site/pkg/leptodo.wasm target/site/pkg/leptodo.js target/site/pkg/leptodo.css; do
  [ -f "$file" ] || { echo "missing $file: run 'cargo leptos build --release' first" >&2; exit 1; }
  printf '%-32s raw %8d B   gzip -9 %8d B\n' "$file" "$(wc -c < "$file")" "$(gzip -9 -c "$file" | wc -c)"
done
