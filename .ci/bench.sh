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

# The browser bundle as a browser downloads it: the release wasm and its JS glue, brotli'd.
command -v brotli >/dev/null || { say "installing brotli from Debian"; apt_install brotli; }
ensure_build_tools
say "release build of the browser bundle, for its size"
cargo leptos build --release >/dev/null
total=0
echo
echo "## Browser bundle (release, brotli -q 11)"
echo
echo "| file | bytes | brotli |"
echo "|---|---|---|"
for f in target/site/pkg/*.wasm target/site/pkg/*.js; do
  raw=$(stat -c %s "$f")
  br=$(brotli -c -q 11 "$f" | wc -c)
  total=$((total + br))
  echo "| $(basename "$f") | $raw | $br |"
done
echo "| **total** | | **$total** ($((total / 1024)) KB; budget 350 KB) |"
