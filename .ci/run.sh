#!/usr/bin/env bash
# `make run`: install what is missing, build in release (skipped when nothing changed since
# the last build), then migrate, seed the demo once and serve. Configuration comes from the
# environment (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh
ensure_build_tools
target_dir="${CARGO_TARGET_DIR:-target}"
stamp="$target_dir/.opshub-release-stamp"
sources=(app frontend server style migrations Cargo.toml Cargo.lock)
if [ -f "$stamp" ] && [ -x "$target_dir/release/opshub" ] && [ -f target/site/pkg/opshub.wasm ] \
   && [ -z "$(find "${sources[@]}" -newer "$stamp" -print -quit)" ]; then
  say "release build is up to date"
else
  say "building (release)"
  build_release
  touch "$stamp"
fi
export OPSHUB_SITE_ROOT="${OPSHUB_SITE_ROOT:-target/site}"
# The demo is asked for here, explicitly: a plain `opshub serve` seeds nothing.
export OPSHUB_SEED_DEMO="${OPSHUB_SEED_DEMO:-true}"
say "starting Opshub"
exec "$target_dir/release/opshub" serve
