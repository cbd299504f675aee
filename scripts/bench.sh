#!/usr/bin/env bash
# Throughput of the release build on each database setup, measured with wrk on this machine:
#   SQLite (one instance), PostgreSQL (one instance), PostgreSQL (three instances behind HAProxy).
# For each: authenticated GET /api/todos (20 todos, 32 connections) req/s, p50, p99; POST /api/todos
# (16 connections) req/s; logins (16 connections) per second.
#   BENCH_SECONDS (default 10) per measurement. Needs `cargo leptos build --release --precompress` first (make bench does it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${BENCH_SECONDS:-10}"
work="$(mktemp -d /tmp/leptodo-bench.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  postgres_stop
  rm -rf "$work"
}
source scripts/postgres.sh
trap cleanup EXIT

for tool in wrk haproxy; do
  if ! command -v "$tool" >/dev/null; then
    printf '==> installing %s (apt)\n' "$tool" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$tool" >/dev/null
  fi
done

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"title":"written by the benchmark"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
LUA
cat >"$work/login.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"login":"bench","password":"a long and unusual passphrase"}'
wrk.headers["Content-Type"] = "application/json"
LUA

# serve NAME DATABASE_URL PORT: one release instance in the background. The figures measure throughput, not the
# bounds: one benchmark user writes more than todos_per_user todos, and 16 connections logging in to one account
# at once would exceed its 10 attempts in flight (each counts until it succeeds), so both are lifted here.
serve() {
  LEPTODO_SITE_ADDR="127.0.0.1:$3" LEPTODO_SITE_ROOT=target/site LEPTODO_DATABASE_URL="$2" \
  LEPTODO_LOG_LEVEL=warn LEPTODO_THROTTLE_REGISTRATIONS_PER_IP=1000000 LEPTODO_CLIENT_IP_HEADER="${BENCH_CLIENT_IP_HEADER:-}" \
  LEPTODO_TODOS_PER_USER=100000000 LEPTODO_THROTTLE_FAILURES_PER_ACCOUNT=1000 \
    target/release/leptodo --config Leptos.toml 2>"$work/$1.log" &
  pids+=($!)
}

# wait_healthy URL [LOG]: until URL/healthz answers 200; shows LOG if it never does.
wait_healthy() {
  for _ in $(seq 200); do
    curl -fs "$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$1 did not come up" >&2
  [ -z "${2:-}" ] || cat "$2" >&2
  return 1
}

# prepare BASE: registers the benchmark user with 20 todos; prints a token.
prepare() {
  python3 - "$1" <<'PY'
import http.cookiejar, json, sys, urllib.request
base = sys.argv[1]
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
def post(path, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    return json.load(opener.open(urllib.request.Request(base + path, json.dumps(body).encode(), headers)))
password = "a long and unusual passphrase"
post("/api/auth/register", {"email": "bench@example.com", "username": "bench", "name": "Bench",
                            "password": password, "password_confirm": password})
token = post("/api/auth/tokens", {"name": "bench"})["token"]
for n in range(20):
    post("/api/todos", {"title": f"todo {n}"}, token)
print(token)
PY
}

# measure LABEL BASE: the three figures, one line.
measure() {
  local label="$1" base="$2" token get post login
  token="$(prepare "$base")"
  get="$(wrk -t2 -c32 -d"${seconds}s" --latency -H "Authorization: Bearer $token" "$base/api/todos")"
  post="$(BENCH_TOKEN="$token" wrk -t2 -c16 -d"${seconds}s" -s "$work/post.lua" "$base/api/todos")"
  login="$(wrk -t2 -c16 -d"${seconds}s" -s "$work/login.lua" "$base/api/auth/login")"
  for output in "$get" "$post" "$login"; do
    if grep -q "Non-2xx" <<<"$output"; then echo "$label: some answers were errors:" >&2; echo "$output" >&2; fi
  done
  printf '%-34s %10s %9s %9s %12s %10s\n' "$label" \
    "$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$get")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$get")" \
    "$(awk '$1 == "99%" {print $2}' <<<"$get")" \
    "$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$post")" \
    "$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$login")"
}

printf '%-34s %10s %9s %9s %12s %10s\n' "setup (${seconds}s per figure)" "GET req/s" "GET p50" "GET p99" \
  "POST req/s" "logins/s"

serve sqlite "sqlite://$work/leptodo.db" 3501
wait_healthy http://127.0.0.1:3501 "$work/sqlite.log"
measure "SQLite, one instance" http://127.0.0.1:3501
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

postgres_start auto 2>/dev/null
serve pg1 "$(postgres_url bench_one)" 3502
wait_healthy http://127.0.0.1:3502 "$work/pg1.log"
measure "PostgreSQL, one instance" http://127.0.0.1:3502
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

three="$(postgres_url bench_three)"
BENCH_CLIENT_IP_HEADER=X-Forwarded-For
for port in 3503 3504 3505; do serve "pg-$port" "$three" "$port"; done
for port in 3503 3504 3505; do wait_healthy "http://127.0.0.1:$port" "$work/pg-$port.log"; done
LEPTODO_LB_BIND=127.0.0.1:3500 LEPTODO_BACKEND_1=127.0.0.1:3503 LEPTODO_BACKEND_2=127.0.0.1:3504 \
LEPTODO_BACKEND_3=127.0.0.1:3505 haproxy -f deploy/haproxy.cfg -db >"$work/haproxy.log" 2>&1 &
pids+=($!)
wait_healthy http://127.0.0.1:3500 "$work/haproxy.log"
measure "PostgreSQL, 3 instances + HAProxy" http://127.0.0.1:3500
