#!/usr/bin/env bash
# `make size`: the size of each built file of the release site, raw and as sent (gzip and brotli, the copies
# cargo-leptos made at build time), and the first-load total a browser downloads besides the page itself.
#
# With --check (the test command uses it), fails when that total, brotli-compressed, exceeds the budget:
# BUNDLE_BUDGET_BYTES (default 240 KiB), which leaves 10 KiB of issue 13's 250 KiB first-load budget for the
# page's HTML (end2end/tests/loading.spec.ts measures the whole transfer in the browser).
# Run after `cargo leptos build --release --precompress` (make run and make test both do).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
budget=${BUNDLE_BUDGET_BYTES:-$((240 * 1024))}
pkg=target/site/pkg
shopt -s nullglob globstar
# The snippets are the JavaScript modules the bundle imports (src/auth/passkeys/browser.js): loaded with it.
files=("$pkg"/*.wasm "$pkg"/*.js "$pkg"/*.css "$pkg"/snippets/**/*.js)
[ ${#files[@]} -ge 3 ] || { echo "no built site in $pkg: run 'cargo leptos build --release --precompress' first" >&2; exit 1; }

printf '%-40s %10s %10s %10s\n' file raw gzip brotli
total_raw=0 total_gzip=0 total_brotli=0
for file in "${files[@]}"; do
  for copy in "$file.gz" "$file.br"; do
    [ -f "$copy" ] || { echo "missing $copy: build with --precompress" >&2; exit 1; }
  done
  raw=$(wc -c < "$file") gzip=$(wc -c < "$file.gz") brotli=$(wc -c < "$file.br")
  printf '%-40s %10d %10d %10d\n' "${file#"$pkg"/}" "$raw" "$gzip" "$brotli"
  total_raw=$((total_raw + raw)) total_gzip=$((total_gzip + gzip)) total_brotli=$((total_brotli + brotli))
done
printf '%-40s %10d %10d %10d\n' "first load (all of the above)" "$total_raw" "$total_gzip" "$total_brotli"
printf 'budget for the brotli first load: %d bytes (%d KiB); used %d%%\n' \
  "$budget" "$((budget / 1024))" "$((total_brotli * 100 / budget))"

if [ "${1:-}" = "--check" ] && [ "$total_brotli" -gt "$budget" ]; then
  echo "the first load is $total_brotli bytes brotli-compressed, over the budget of $budget" >&2
  exit 1
fi
