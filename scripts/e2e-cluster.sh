#!/usr/bin/env bash
# Two release instances on the PostgreSQL database E2E_DATABASE_URL behind HAProxy on 127.0.0.1:PORT, in the
# foreground until stopped: Playwright's web server when the suite runs against several instances.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
port="$1"
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 0' TERM INT

# One signing key for both instances, so a one-time message one leaves is shown by the other.
cookie_key=$(head -c 64 /dev/urandom | base64 -w0)
# And one two-factor key, so a secret sealed by one opens on the other.
two_factor_key=$(head -c 32 /dev/urandom | base64 -w0)
for backend in 1 2; do
  LEPTODO_SITE_ADDR="127.0.0.1:$((port + backend))" LEPTODO_SITE_ROOT=target/site \
  LEPTODO_DATABASE_URL="$E2E_DATABASE_URL" LEPTODO_CLIENT_IP_HEADER=X-Forwarded-For LEPTODO_TRUSTED_PROXIES=127.0.0.1 LEPTODO_COOKIE_KEY="$cookie_key" LEPTODO_TWO_FACTOR_KEY="$two_factor_key" LEPTODO_LOG_LEVEL=warn \
  LEPTODO_THROTTLE_REGISTRATIONS_PER_IP=1000000 LEPTODO_THROTTLE_MAILS_PER_IP=1000000 \
    target/release/leptodo --config Leptos.toml &
  pids+=($!)
done
LEPTODO_LB_BIND="127.0.0.1:$port" LEPTODO_BACKEND_1="127.0.0.1:$((port + 1))" \
LEPTODO_BACKEND_2="127.0.0.1:$((port + 2))" haproxy -f deploy/haproxy.cfg -db &
pids+=($!)
wait -n
echo "e2e-cluster: a process of the cluster stopped" >&2
exit 1
