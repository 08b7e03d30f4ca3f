#!/usr/bin/env bash
# Instruction counts per operation for every (data set, format, op) under callgrind, with
# ratios against evowire, as markdown. Arguments go to the `compare` binary, e.g.
#   crates/evowire-bench/run-callgrind.sh --jobs 2 --out /tmp/callgrind.md
#   crates/evowire-bench/run-callgrind.sh --datasets orders --formats evowire,fcode,bincode --ops encode
# Builds with the `bench` profile (release + debug symbols, so callgrind_annotate can name
# functions). Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "run-callgrind.sh: valgrind is not installed" >&2; exit 1; }
cargo build --profile bench -p evowire-bench --bins
# The bench profile's output directory is target/release.
exec "${CARGO_TARGET_DIR:-target}/release/compare" "$@"
