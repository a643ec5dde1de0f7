#!/usr/bin/env bash
# `make run`: install what is missing, build in release, then migrate, seed the demo once and
# serve. Configuration comes from the environment (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh
ensure_build_tools
say "building (release)"
cargo leptos build --release
target_dir="${CARGO_TARGET_DIR:-target}"
export OPSHUB_SITE_ROOT="${OPSHUB_SITE_ROOT:-target/site}"
say "starting Opshub"
exec "$target_dir/release/opshub" serve
