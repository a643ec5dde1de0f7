# Opshub — the two commands that matter are `make run` and `make test`.
# Each installs whatever is missing on a fresh machine first.

SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help run test bench build fmt clippy

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

run: ## Install what is missing, build in release, migrate, seed the demo once, serve on 127.0.0.1:3000.
	@.ci/run.sh

test: ## Install what is missing, then fmt, clippy, unit tests, both databases and Playwright.
	@.ci/test.sh

bench: ## Measure the poll path, the list page and claiming at scale on SQLite and PostgreSQL.
	@.ci/bench.sh

build: ## Release build of the server and the browser bundle.
	@source .ci/lib.sh && ensure_build_tools && build_release

fmt: ## Format the code.
	@cargo fmt --all
