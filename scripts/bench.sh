#!/usr/bin/env bash
# The speed of the release build, measured with wrk on this machine, on each database setup: SQLite (one
# instance), PostgreSQL (one instance) and PostgreSQL (three instances behind HAProxy). Prints one table of
# req/s, p50, p99 and errors per scenario, and the server's resident memory.
#
#   BENCH_SECONDS  seconds per scenario (default 10)
#   BENCH_SETUPS   which setups, of "sqlite postgres cluster" (default all three)
#
# Needs `cargo leptos build --release --precompress` first (`make bench` does it). Each setup starts on a fresh
# database with 16 users of 20 todos each (logging in by turns) and one user of 1,000 todos (the big page).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${BENCH_SECONDS:-10}"
setups="${BENCH_SETUPS:-sqlite postgres cluster}"
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

password="a long and unusual passphrase"
# Fifteen API clients adding todos by turns, each to its own list (bench0's 20 stay as they are for the reads).
cat >"$work/post.lua" <<'LUA'
local tokens, turn = {}, 0
for token in string.gmatch(os.getenv("BENCH_WRITER_TOKENS"), "%S+") do tokens[#tokens + 1] = token end
request = function()
  turn = turn + 1
  local headers = {["Content-Type"] = "application/json",
                   ["Authorization"] = "Bearer " .. tokens[turn % #tokens + 1]}
  return wrk.format("POST", "/api/todos", headers, '{"title":"written by the benchmark"}')
end
LUA
# Sixteen people logging in by turns, each with the right password.
cat >"$work/login.lua" <<LUA
local turn = 0
request = function()
  turn = turn + 1
  local body = string.format('{"login":"bench%d","password":"$password"}', turn % 16)
  return wrk.format("POST", "/api/auth/login", {["Content-Type"] = "application/json"}, body)
end
LUA

# One flash-cookie key for every instance behind HAProxy.
cookie_key=$(head -c 64 /dev/urandom | base64 -w0)
# serve NAME DATABASE_URL PORT: one release instance in the background. The registrations of the seeding come
# from one address, so that address may register more than 20 accounts; every other bound is the default one.
serve() {
  LEPTODO_SITE_ADDR="127.0.0.1:$3" LEPTODO_SITE_ROOT=target/site LEPTODO_DATABASE_URL="$2" \
  LEPTODO_LOG_LEVEL=warn LEPTODO_THROTTLE_REGISTRATIONS_PER_IP=1000 LEPTODO_CLIENT_IP_HEADER="${BENCH_CLIENT_IP_HEADER:-}" \
  LEPTODO_TRUSTED_PROXIES=127.0.0.1 LEPTODO_COOKIE_KEY="$cookie_key" \
  LEPTODO_OUTBOX_DIR="$work/outbox" \
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

# seed BASE: the 16 users (bench0…bench15, 20 todos each) and "big" (1,000 todos); writes shell assignments of
# bench0's token and session cookie, the other users' tokens, and big's cookie.
seed() {
  python3 - "$1" "$password" <<'PY'
import concurrent.futures, http.cookiejar, json, sys, urllib.request
base, password = sys.argv[1], sys.argv[2]

def account(name):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    def post(path, body, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        request = urllib.request.Request(base + path, json.dumps(body).encode(), headers)
        return json.load(opener.open(request))
    post("/api/auth/register", {"email": f"{name}@example.com", "username": name, "name": name,
                                "password": password, "password_confirm": password})
    token = post("/api/auth/tokens", {"name": "bench"})["token"]
    cookie = next(c for c in jar if c.name == "leptodo_session")
    return post, token, f"{cookie.name}={cookie.value}"

def seed_user(n):
    post, token, cookie = account(f"bench{n}")
    for i in range(20):
        post("/api/todos", {"title": f"todo {i}"}, token)
    return token, cookie

with concurrent.futures.ThreadPoolExecutor(4) as pool:
    users = list(pool.map(seed_user, range(16)))
post, big_token, big_cookie = account("big")
for i in range(1000):
    post("/api/todos", {"title": f"todo number {i} of the big list"}, big_token)
writers = " ".join(token for token, _ in users[1:])
print(f"token={users[0][0]}\ncookie='{users[0][1]}'\nwriters='{writers}'\nbig_cookie='{big_cookie}'")
PY
}

# wrk_row SETUP SCENARIO WRK_OUTPUT: one line of the table.
wrk_row() {
  awk -v setup="$1" -v scenario="$2" '
    function ms(value) {
      if (value ~ /us$/) return value / 1000
      if (value ~ /ms$/) return value + 0
      if (value ~ /s$/) return value * 1000
      return value
    }
    /Requests\/sec/ { rate = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { errors += $NF }
    /Socket errors/ { gsub(",", ""); errors += $4 + $6 + $8 + $10 }
    END { printf "%-28s %-44s %9.0f %9.1f %9.1f %7d\n", setup, scenario, rate, p50, p99, errors }
  ' <<<"$3"
}

# rss PID FIELD: VmRSS (now) or VmHWM (peak so far) of the process, in MB.
rss() {
  awk -v field="$2:" '$1 == field { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# measure SETUP BASE [PID]: every scenario against BASE; with PID (the one instance), its memory too.
measure() {
  local setup="$1" base="$2" pid="${3:-}" token cookie writers big_cookie css flood_get
  [ -z "$pid" ] || printf '%-28s %-44s %9s MB\n' "$setup" "resident memory, idle at start" "$(rss "$pid" VmRSS)"
  eval "$(seed "$base")"
  # The hashing threads give their memory back after two seconds without work.
  sleep 3
  [ -z "$pid" ] || printf '%-28s %-44s %9s MB\n' "$setup" "resident memory, idle after seeding" "$(rss "$pid" VmRSS)"
  wrk_row "$setup" "GET /api/todos, token, 32 conns" \
    "$(wrk --timeout 10s -t2 -c32 -d"${seconds}s" --latency -H "Authorization: Bearer $token" "$base/api/todos")"
  wrk_row "$setup" "GET /api/todos, session cookie, 32 conns" \
    "$(wrk --timeout 10s -t2 -c32 -d"${seconds}s" --latency -H "Cookie: $cookie" "$base/api/todos")"
  wrk_row "$setup" "POST /api/todos, 16 conns" \
    "$(BENCH_WRITER_TOKENS="$writers" wrk --timeout 10s -t2 -c16 -d"${seconds}s" --latency -s "$work/post.lua" "$base/api/todos")"
  wrk_row "$setup" "logins, 16 conns" \
    "$(wrk --timeout 10s -t2 -c16 -d"${seconds}s" --latency -s "$work/login.lua" "$base/api/auth/login")"
  wrk --timeout 10s -t1 -c16 -d"${seconds}s" --latency -s "$work/login.lua" "$base/api/auth/login" >"$work/flood-login" &
  local flood=$!
  sleep 1
  flood_get="$(wrk --timeout 10s -t1 -c8 -d"$((seconds > 3 ? seconds - 2 : 1))s" --latency -H "Authorization: Bearer $token" "$base/api/todos")"
  wait "$flood"
  wrk_row "$setup" "GET /api/todos (8 conns) during login flood" "$flood_get"
  wrk_row "$setup" "logins (16 conns) during that" "$(cat "$work/flood-login")"
  [ -z "$pid" ] || printf '%-28s %-44s %9s MB\n' "$setup" "resident memory, peak so far (the flood)" "$(rss "$pid" VmHWM)"
  wrk_row "$setup" "SSR of / with 1,000 todos, 8 conns" \
    "$(wrk --timeout 10s -t2 -c8 -d"${seconds}s" --latency -H "Cookie: $big_cookie" "$base/")"
  css="$(cd target/site && ls pkg/*.css | head -1)"
  wrk_row "$setup" "static /favicon.svg, 32 conns" "$(wrk --timeout 10s -t2 -c32 -d"${seconds}s" --latency "$base/favicon.svg")"
  wrk_row "$setup" "static /$css, 32 conns" "$(wrk --timeout 10s -t2 -c32 -d"${seconds}s" --latency "$base/$css")"
  wrk_row "$setup" "SSR /login (anonymous), 32 conns" "$(wrk --timeout 10s -t2 -c32 -d"${seconds}s" --latency "$base/login")"
  wrk_row "$setup" "/healthz, 32 conns" "$(wrk --timeout 10s -t2 -c32 -d"${seconds}s" --latency "$base/healthz")"
}

# measure_one SETUP DATABASE_URL PORT: one instance on that database, measured, then stopped.
measure_one() {
  serve "$3" "$2" "$3"
  wait_healthy "http://127.0.0.1:$3" "$work/$3.log"
  measure "$1" "http://127.0.0.1:$3" "${pids[-1]}"
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
}

printf '%-28s %-44s %9s %9s %9s %7s\n' "setup" "scenario (${seconds}s each)" "req/s" "p50 ms" "p99 ms" "errors"

for setup in $setups; do
  case "$setup" in
    sqlite) measure_one "SQLite" "sqlite://$work/leptodo.db" 3501 ;;
    postgres)
      [ -n "${PG_DIR:-}" ] || postgres_start auto 2>/dev/null
      measure_one "PostgreSQL" "$(postgres_url bench_one)" 3502
      ;;
    cluster)
      [ -n "${PG_DIR:-}" ] || postgres_start auto 2>/dev/null
      three="$(postgres_url bench_three)"
      BENCH_CLIENT_IP_HEADER=X-Forwarded-For
      for port in 3503 3504 3505; do serve "pg-$port" "$three" "$port"; done
      for port in 3503 3504 3505; do wait_healthy "http://127.0.0.1:$port" "$work/pg-$port.log"; done
      LEPTODO_LB_BIND=127.0.0.1:3500 LEPTODO_BACKEND_1=127.0.0.1:3503 LEPTODO_BACKEND_2=127.0.0.1:3504 \
      LEPTODO_BACKEND_3=127.0.0.1:3505 haproxy -f deploy/haproxy.cfg -db >"$work/haproxy.log" 2>&1 &
      pids+=($!)
      wait_healthy http://127.0.0.1:3500 "$work/haproxy.log"
      measure "PostgreSQL x3 + HAProxy" http://127.0.0.1:3500
      ;;
    *) echo "unknown setup '$setup' (BENCH_SETUPS: sqlite postgres cluster)" >&2; exit 2 ;;
  esac
done
