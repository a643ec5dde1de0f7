#!/usr/bin/env bash
# Fails if the browser bundle (frontend, built for wasm32) depends on server-only crates.
set -euo pipefail
cd "$(dirname "$0")/.."
tree="$(cargo tree -p frontend --target wasm32-unknown-unknown -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u)"
bad="$(grep -xE 'sqlx|sqlx-core|tokio|axum|axum-core|leptos_axum|hyper|mio' <<<"$tree" || true)"
if [ -n "$bad" ]; then
  echo "the browser bundle depends on server-only crates:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "ok: $(wc -l <<<"$tree") crates in the browser bundle, none of them server-only"
