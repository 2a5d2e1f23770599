#!/bin/sh
# The CI's short fuzz pass: each fuzzer for FUZZ_SECONDS (default 30) from its seeds and kept corpus.
# Fails on the first crash or broken invariant; the input is left in fuzz/ as artifact-*.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
seconds=${FUZZ_SECONDS:-30}
log=$(mktemp "${TMPDIR:-/tmp}/keygate-fuzz-ci.XXXXXX")
trap 'rm -f "$log"' EXIT
for fuzzer in http-head fastcgi; do
    if sh "$here/$fuzzer.sh" "$seconds" -print_final_stats=1 >"$log" 2>&1; then
        grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb|.*: corpus )' "$log"
    else
        tail -60 "$log"
        echo "fuzz/$fuzzer.sh failed" >&2
        exit 1
    fi
done
