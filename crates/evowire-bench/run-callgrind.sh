#!/usr/bin/env bash
# Instruction counts per operation for every (data set, format, op) under callgrind, with
# ratios against evowire, as markdown. Arguments go to the `compare` binary, e.g.
#   crates/evowire-bench/run-callgrind.sh --jobs 2 --out /tmp/callgrind.md
#   crates/evowire-bench/run-callgrind.sh --datasets orders --formats evowire,fcode,bincode --ops encode
#   crates/evowire-bench/run-callgrind.sh --clean-builds 3 --jobs 2 --out /tmp/callgrind.md
# With `--clean-builds N` (first argument), the workspace crates are cleaned and rebuilt N
# times, each build's `bench-one` kept in target/callgrind-builds/<i>, and every cell reports
# the median over the builds (and which cells differed).
# Builds with the `bench` profile (release + debug symbols, so callgrind_annotate can name
# functions). Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "run-callgrind.sh: valgrind is not installed" >&2; exit 1; }
target="${CARGO_TARGET_DIR:-target}"
builds=1
if [ "${1:-}" = "--clean-builds" ]; then
    builds="${2:?--clean-builds needs a count}"
    shift 2
fi
if [ "$builds" -le 1 ]; then
    cargo build --profile bench -p evowire-bench --bins
    # The bench profile's output directory is target/release.
    exec "$target/release/compare" "$@"
fi
dirs=()
for i in $(seq 1 "$builds"); do
    cargo clean --profile bench -p evowire -p evowire-derive -p evowire-bench
    cargo build --profile bench -p evowire-bench --bins
    dir="$target/callgrind-builds/$i"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$target/release/bench-one" "$dir/"
    dirs+=("$dir")
done
exec "$target/release/compare" --builds "$(IFS=,; echo "${dirs[*]}")" "$@"
