# The two commands of the README. Both install what a fresh machine lacks (see scripts/bootstrap.sh).
.PHONY: run test watch

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

# Development loop: rebuilds the server and the wasm bundle on every change and reloads the page.
watch:
	@bash -c 'source scripts/bootstrap.sh && cargo leptos watch'
