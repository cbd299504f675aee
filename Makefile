# The two commands of the README. Both install what a fresh machine lacks (see scripts/bootstrap.sh).
.PHONY: run test watch size bench

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

# Development loop: rebuilds the server and the wasm bundle on every change and reloads the page.
watch:
	@bash -c 'source scripts/bootstrap.sh && cargo leptos watch'

# Size of the release browser bundle, raw and gzip.
size:
	@bash scripts/bundle-size.sh

# Throughput on SQLite, PostgreSQL, and three PostgreSQL instances behind HAProxy (wrk on this machine).
bench:
	@bash -c 'source scripts/bootstrap.sh && cargo leptos build --release && scripts/bench.sh'
