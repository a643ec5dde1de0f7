#!/usr/bin/env bash
# `make bench`: the scale benchmark on SQLite and PostgreSQL (see specs/benchmarks/).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh
source .ci/postgres.sh
ensure_postgres
command -v wrk >/dev/null || { say "installing wrk from Debian"; apt_install wrk; }
command -v curl >/dev/null || apt_install curl
say "running the scale benchmark (seeding takes a few minutes)"
cargo bench -p server --bench scale

# The browser bundle's size against its budget.
ensure_build_tools
say "release build of the browser bundle, for its size"
build_release >/dev/null
.ci/bundle-size.sh
