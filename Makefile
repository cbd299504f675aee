# The two commands of the README. Both install what a fresh machine lacks (see scripts/bootstrap.sh).
.PHONY: run test watch size bench first-load live-bench axe-survey slow-clients export-bench

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

# Development loop: rebuilds the server and the wasm bundle on every change and reloads the page.
watch:
	@bash -c 'source scripts/bootstrap.sh && source scripts/dev-keys.sh && cargo leptos watch'

# Size of each built file of the release site (raw, gzip, brotli) and the first-load total.
size:
	@bash scripts/bundle-size.sh

# Speed under load on SQLite, PostgreSQL, and three PostgreSQL instances behind HAProxy (wrk on this machine):
# reads, writes, logins, reads during a login flood, a 1,000-todo page, static files, memory. Not part of `test`.
bench:
	@bash -c 'source scripts/bootstrap.sh && cargo leptos build --release --precompress && scripts/bench.sh'

# Time to interactive and bytes transferred when a logged-in user with 20 todos first opens the todo page on an
# emulated slow phone (slow 3G, CPU slowed 4x, through the DevTools protocol): three cold runs and repeats.
first-load:
	@bash -c 'source scripts/bootstrap.sh --e2e && cargo leptos build --release --precompress && cd end2end && npx playwright test --config bench.config.ts bench/first-load.spec.ts'

# Live updates: how many streams one instance holds and the memory each costs (scripts/bench-streams.py), and
# the time from a change's commit to another tab showing it, median and p99 (end2end/bench/live-latency.spec.ts).
live-bench:
	@bash -c 'source scripts/bootstrap.sh --e2e && cargo leptos build --release --precompress && python3 scripts/bench-streams.py && cd end2end && npx playwright test --config bench.config.ts bench/live-latency.spec.ts'

# axe-core's WCAG 2.x A/AA violations on every page and state, as a table (end2end/bench/axe-survey.spec.ts);
# the suite itself fails on any (end2end/tests/a11y.spec.ts).
axe-survey:
	@bash -c 'source scripts/bootstrap.sh --e2e && cargo leptos build --release --precompress && cd end2end && npx playwright test --config bench.config.ts bench/axe-survey.spec.ts'

# Slow clients: the time to answer a page load with no slow connection, and while one script holds 1,000
# connections that never finish their headers (scripts/bench-slow-clients.py); and how many of those are left.
slow-clients:
	@bash -c 'source scripts/bootstrap.sh && cargo leptos build --release --precompress && python3 scripts/bench-slow-clients.py'

# The data export of an account with 10,000 todos: time to the first and the last byte, and the server's memory
# before and at its peak, beside an account with 100 (scripts/bench-export.py).
export-bench:
	@bash -c 'source scripts/bootstrap.sh && cargo leptos build --release --precompress && python3 scripts/bench-export.py'
