#!/bin/sh
# libFuzzer + AddressSanitizer run of the FastCGI codec and the request mapping (every KeygateCore source) for a
# bounded time.
# Usage: fuzz/fastcgi.sh [seconds, default 60] [extra libFuzzer flags...]
# Starts from fuzz/fastcgi-seeds and the kept corpus fuzz/fastcgi-corpus; at the end, inputs that add coverage are
# merged (-merge=1, minimal) back into fuzz/fastcgi-corpus. Failing inputs are left in fuzz/ as
# artifact-NAME-crash-* (or -timeout-, -oom-).
# The first byte of an input chooses where the stream is cut; the rest is the byte stream a front end sends.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$here/lib.sh"
fuzz_run fastcgi 65536 "$@"
