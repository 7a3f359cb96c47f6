#!/usr/bin/env bash
# Builds the libFuzzer binary (release, AddressSanitizer) and runs every fuzz target for a while.
# Usage: scripts/fuzz.sh SECONDS SCRATCH TARGET...
#   seeds and crashers: Tests/Fuzz/Corpus/<target>/   new units: SCRATCH/corpus/<target>/
# Reproduce a crasher: FUZZ_TARGET=<target> SWIFT_BACKTRACE=enable=no SCRATCH/release/connwatch-fuzz <file>
set -uo pipefail
seconds=${1:?usage: fuzz.sh SECONDS SCRATCH TARGET...}
scratch=${2:?usage: fuzz.sh SECONDS SCRATCH TARGET...}
shift 2
cd "$(dirname "$0")/.."
build=(swift build -c release --disable-dead-strip --product connwatch-fuzz
    --sanitize=fuzzer --sanitize=address --scratch-path "$scratch")

# Coverage counters in the binary, as libFuzzer reports them on start.
counters() {
    FUZZ_TARGET=watson-iot SWIFT_BACKTRACE=enable=no "$1" -runs=1 Tests/Fuzz/Corpus/watson-iot 2>&1 |
        sed -n 's/.*Loaded 1 modules *(\([0-9]*\) inline 8-bit counters.*/\1/p' | head -n 1
}

# Seen here with Swift 6.3.1: now and then a --sanitize=fuzzer build leaves the Swift modules without
# coverage counters (only the C code of Yams has them; libFuzzer then finds nothing). Such a binary
# is rebuilt from scratch, up to three times.
for attempt in 1 2 3; do
    "${build[@]}" || exit 1
    bin="$("${build[@]}" --show-bin-path)/connwatch-fuzz"
    count=$(counters "$bin")
    if [ "${count:-0}" -ge 10000 ]; then break; fi
    echo "fuzz.sh: $bin has ${count:-no} coverage counters (Swift code not instrumented); rebuilding (attempt $attempt)"
    rm -rf "$(dirname "$bin")"/{ConnWatchCore,ConnWatchFuzzing,connwatch_fuzz,Yams}.build "$bin"
    count=0
done
[ "${count:-0}" -ge 10000 ] || { echo "fuzz.sh: no instrumented binary after 3 builds"; exit 1; }

status=0
for target in "$@"; do
    mkdir -p "$scratch/corpus/$target"
    echo "== fuzz $target for $seconds s"
    FUZZ_TARGET=$target SWIFT_BACKTRACE=enable=no "$bin" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="Tests/Fuzz/Corpus/$target/" \
        "$scratch/corpus/$target" "Tests/Fuzz/Corpus/$target" || status=1
done
exit $status
