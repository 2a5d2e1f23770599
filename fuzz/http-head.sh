#!/bin/sh
# libFuzzer + AddressSanitizer run of the HTTP head parser (Sources/KeygateCore/HTTP) for a bounded time.
# Usage: fuzz/http-head.sh [seconds, default 60] [extra libFuzzer flags...]
# Seeds come from fuzz/http-head-seeds; new interesting inputs go to a temporary corpus directory.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
seconds=${1:-60}
[ $# -gt 0 ] && shift
work=$(mktemp -d "${TMPDIR:-/tmp}/keygate-http-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name KeygateHTTPFuzz \
    "$root"/Sources/KeygateCore/HTTP/*.swift "$here/HTTPHeadFuzzHarness.swift" -o "$work/http-head-fuzz"

mkdir "$work/corpus"
cp "$here"/http-head-seeds/* "$work/corpus/"
cd "$work"
./http-head-fuzz -max_total_time="$seconds" -max_len=9000 -timeout=10 "$@" corpus
