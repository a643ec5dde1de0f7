#!/usr/bin/env bash
# The browser bundle as a browser downloads it — the release wasm and its JS glue, brotli'd —
# against its budget (350 KB, specs/browser-bundle). Prints a table; exits non-zero over budget. Run after
# `build_release` (.ci/lib.sh); `make test` and `make bench` both call it.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh
budget_kb=350
command -v brotli >/dev/null || { say "installing brotli from Debian"; apt_install brotli; }
shopt -s nullglob
files=(target/site/pkg/*.wasm target/site/pkg/*.js)
[ ${#files[@]} -gt 0 ] || die "no release bundle in target/site/pkg: run build_release (.ci/lib.sh) first"
total=0
echo
echo "## Browser bundle (release, brotli -q 11)"
echo
echo "| file | bytes | brotli |"
echo "|---|---|---|"
for f in "${files[@]}"; do
  raw=$(stat -c %s "$f")
  # The copy the server sends (written by the build), else what brotli -q 11 makes of it.
  if [ -f "$f.br" ]; then br=$(stat -c %s "$f.br"); else br=$(brotli -c -q 11 "$f" | wc -c); fi
  total=$((total + br))
  echo "| $(basename "$f") | $raw | $br |"
done
echo "| **total** | | **$total** ($((total / 1024)) KB; budget $budget_kb KB) |"
echo
[ "$total" -le $((budget_kb * 1024)) ] || die "the browser bundle is $((total / 1024)) KB brotli, over its $budget_kb KB budget"
