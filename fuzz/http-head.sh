#!/bin/sh
# libFuzzer + AddressSanitizer run of the HTTP head parser (Sources/KeygateCore/HTTP) for a bounded time.
# Usage: fuzz/http-head.sh [seconds, default 60] [extra libFuzzer flags...]
# Starts from fuzz/http-head-seeds and the kept corpus fuzz/http-head-corpus; at the end, inputs that add coverage are
# merged (-merge=1, minimal) back into fuzz/http-head-corpus. Failing inputs are left in fuzz/ as
# artifact-NAME-crash-* (or -timeout-, -oom-).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$here/lib.sh"
fuzz_run http-head 9000 "$@"
