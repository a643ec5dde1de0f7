#!/usr/bin/env bash
# The browser bundle as a browser downloads it, brotli'd, against its budget (350 KB,
# specs/browser-bundle): the main chunk — the release wasm, its JS glue and the chunk loader,
# what every first visit loads — must fit; the chunks of pages loaded on demand are listed
# beside it and counted apart. Prints a table; exits non-zero over budget. Run after
# `build_release` (.ci/lib.sh); `make test` and `make bench` both call it.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh
budget_kb=350
command -v brotli >/dev/null || { say "installing brotli from Debian"; apt_install brotli; }
shopt -s nullglob
pkg=target/site/pkg
[ -f "$pkg/opshub.wasm" ] || die "no release bundle in $pkg: run build_release (.ci/lib.sh) first"
# The copy the server sends (written by the build), else what brotli -q 11 makes of it.
brotli_size() { if [ -f "$1.br" ]; then stat -c %s "$1.br"; else brotli -c -q 11 "$1" | wc -c; fi; }
main=0 chunks=0 nchunks=0
echo
echo "## Browser bundle (release, brotli -q 11)"
echo
echo "| file | loaded | bytes | brotli |"
echo "|---|---|---|---|"
for f in "$pkg"/*.wasm "$pkg"/*.js; do
  raw=$(stat -c %s "$f") br=$(brotli_size "$f")
  case "$(basename "$f")" in
    opshub.wasm | opshub.js | __wasm_split.*.js) main=$((main + br)) when="every page" ;;
    *) chunks=$((chunks + br)) nchunks=$((nchunks + 1)) when="on demand" ;;
  esac
  echo "| $(basename "$f") | $when | $raw | $br |"
done
echo "| **main chunk** | every page | | **$main** ($((main / 1024)) KB; budget $budget_kb KB) |"
echo "| **$nchunks chunks** | on demand | | **$chunks** ($((chunks / 1024)) KB) |"
echo
[ "$main" -le $((budget_kb * 1024)) ] || die "the browser bundle's main chunk is $((main / 1024)) KB brotli, over its $budget_kb KB budget"
