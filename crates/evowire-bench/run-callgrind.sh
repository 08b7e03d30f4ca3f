#!/usr/bin/env bash
# Instruction counts per operation for every (data set, format, op) under callgrind, with
# ratios against evowire, as markdown. Arguments go to the `compare` binary, e.g.
#   crates/evowire-bench/run-callgrind.sh --jobs 2 --out /tmp/callgrind.md
#   crates/evowire-bench/run-callgrind.sh --datasets orders --formats evowire,fcode,bincode --ops encode
#   crates/evowire-bench/run-callgrind.sh --clean-builds 3 --jobs 2 --out /tmp/callgrind.md
# With `--clean-builds N` (first argument), the workspace crates are cleaned and rebuilt N
# times and every cell reports the median over the builds (and which cells differed). Build 1
# is the plain build; build i > 1 has its own target directory (target/callgrind-builds/<i>)
# and adds `-C metadata=callgrind-build-<i>` to RUSTFLAGS. That changes nothing but symbol
# hashes, and with them how rustc groups the bench crate's code into codegen units and what
# it inlines: the same kind of change any edit makes, which moves the peers' counts as much as
# evowire's. (Builds with the same flags are reproducible, so plain repeats would agree.)
# The first run of a new build directory compiles every dependency once (a few minutes each).
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
clean_build() {
    cargo clean --profile bench -p evowire -p evowire-derive -p evowire-bench
    cargo build --profile bench -p evowire-bench --bins
}
clean_build
dirs=("$target/release")
for i in $(seq 2 "$builds"); do
    dir="$target/callgrind-builds/$i"
    CARGO_TARGET_DIR="$dir" RUSTFLAGS="${RUSTFLAGS:-} -C metadata=callgrind-build-$i" clean_build
    dirs+=("$dir/release")
done
exec "$target/release/compare" --builds "$(IFS=,; echo "${dirs[*]}")" "$@"
