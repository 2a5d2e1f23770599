# Shared by the fuzz scripts: build a harness with -sanitize=fuzzer,address, run it for a bounded time from its seeds
# and kept corpus, then merge what it found back into the kept corpus. Expects $here (fuzz/) and $root.

# fuzz_sources NAME: the Swift sources compiled with NAME's harness.
fuzz_sources() {
    case "$1" in
        # Every KeygateCore source: the HTTP response writer encodes the typed answer (Decision/).
        http-head) echo $(find "$root/Sources/KeygateCore" -name '*.swift' | sort) "$here/HTTPHeadFuzzHarness.swift" ;;
        fastcgi) echo $(find "$root/Sources/KeygateCore" -name '*.swift' | sort) \
            "$root/Sources/KeygateTesting/FastCGIAnswer.swift" "$root/Sources/KeygateTesting/FastCGIClientDecoder.swift" \
            "$here/FastCGIFuzzHarness.swift" ;;
        *) echo "fuzz_sources: unknown fuzzer $1" >&2; return 1 ;;
    esac
}

# fuzz_build NAME OUTPUT: compiles NAME's harness to OUTPUT.
fuzz_build() {
    # One module: the sources' `package` declarations need a package name (SwiftPM passes the same one).
    # shellcheck disable=SC2046  # word splitting of the source list is intended (paths have no spaces)
    swiftc -O -sanitize=fuzzer,address -parse-as-library -package-name keygate \
        -module-name "KeygateFuzz$(echo "$1" | tr -d -)" \
        $(fuzz_sources "$1") -o "$2"
}

# Swift's own crash backtracer reads the dying process's memory and so trips AddressSanitizer, hiding the real report;
# without it a failed precondition shows up as libFuzzer's "deadly signal" with the harness frame.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"

# fuzz_run NAME MAX_LEN [SECONDS] [libFuzzer flags...]: builds, fuzzes for SECONDS (default 60), merges the corpus.
fuzz_run() {
    name=$1
    max_len=$2
    shift 2
    seconds=${1:-60}
    [ $# -gt 0 ] && shift
    work=$(mktemp -d "${TMPDIR:-/tmp}/keygate-$name-fuzz.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    fuzz_build "$name" "$work/fuzzer"
    kept="$here/$name-corpus"
    mkdir -p "$kept" "$work/corpus"
    cp "$here/$name-seeds"/* "$work/corpus/"
    status=0
    (cd "$work" && ./fuzzer -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$here/artifact-$name-" "$@" "$work/corpus" "$kept") || status=$?
    # Keep only what adds coverage beyond the seeds (they are merged in first, so nothing is stored twice).
    mkdir "$work/merged"
    cp "$here/$name-seeds"/* "$work/merged/"
    "$work/fuzzer" -merge=1 -max_len="$max_len" "$work/merged" "$kept" "$work/corpus" \
        >"$work/merge.log" 2>&1 || { cat "$work/merge.log" >&2; exit 1; }
    for seed in "$here/$name-seeds"/*; do rm -f "$work/merged/$(basename "$seed")"; done
    rm -f "$kept"/*
    find "$work/merged" -type f -exec cp -t "$kept" {} +
    echo "$name: corpus $(ls "$kept" | wc -l) files, $(du -sk --apparent-size "$kept" | cut -f1) KiB kept in ${kept#"$root"/}"
    return $status
}
