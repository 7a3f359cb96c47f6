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
# Swift 6.3.1's driver keeps only the last -sanitize= option, and SwiftPM passes --sanitize=fuzzer and
# --sanitize=address as two options in an order that changes from run to run: the Swift code came out
# with coverage counters but no ASan, or with ASan but no counters (then libFuzzer finds nothing). The
# -Xswiftc option comes last and names both; SwiftPM's options still instrument the C code and link.
build=(swift build -c release --disable-dead-strip --product connwatch-fuzz
    --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address --scratch-path "$scratch")
"${build[@]}" || exit 1
bin="$("${build[@]}" --show-bin-path)/connwatch-fuzz"

# Coverage counters in the binary, as libFuzzer reports them on start (the C code of Yams alone has ~4000).
# One input file, not the folder: libFuzzer would add new inputs to the folder.
count=$(FUZZ_TARGET=watson-iot SWIFT_BACKTRACE=enable=no "$bin" Tests/Fuzz/Corpus/watson-iot/seed-1.json 2>&1 |
    sed -n 's/.*Loaded 1 modules *(\([0-9]*\) inline 8-bit counters.*/\1/p' | head -n 1)
if [ "${count:-0}" -lt 10000 ]; then
    echo "fuzz.sh: $bin has ${count:-no} coverage counters: the Swift code is not instrumented"
    exit 1
fi

status=0
for target in "$@"; do
    mkdir -p "$scratch/corpus/$target"
    echo "== fuzz $target for $seconds s"
    FUZZ_TARGET=$target SWIFT_BACKTRACE=enable=no "$bin" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="Tests/Fuzz/Corpus/$target/" \
        "$scratch/corpus/$target" "Tests/Fuzz/Corpus/$target" || status=1
done
exit $status
