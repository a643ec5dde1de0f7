#!/usr/bin/env bash
# `make test`: installs what is missing, then runs every check and test. Exits non-zero on
# the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh
source .ci/postgres.sh

ensure_build_tools
ensure_postgres
# The review-pack tests open archives with the standard unzip.
command -v unzip >/dev/null || { say "installing unzip from Debian"; apt_install unzip; }

say "cargo fmt --check"
cargo fmt --all --check

say "clippy (server side and browser side), warnings are errors"
cargo clippy -p app -p server --all-targets --features app/ssr -- -D warnings
cargo clippy -p app -p frontend --features app/hydrate --target wasm32-unknown-unknown -- -D warnings

say "every file keeps to its room (specs/architecture)"
.ci/check-rooms.sh --self-test
.ci/check-rooms.sh

say "the browser bundle's dependency tree has no server crates"
.ci/check-wasm-deps.sh

say "unit tests and the conformance suite on SQLite and PostgreSQL"
cargo test -p app --features ssr
cargo test -p server

say "release build of the server and the browser bundle"
build_release

say "the browser bundle stays within its size budget"
.ci/bundle-size.sh

say "Playwright in Debian's Chromium against a freshly started server, once per database"
ensure_browser_tools
run_e2e sqlite
run_e2e postgres
