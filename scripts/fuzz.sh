#!/usr/bin/env bash
# Builds the libFuzzer binary (release, AddressSanitizer) and runs every fuzz target for a while.
# Usage: scripts/fuzz.sh SECONDS SCRATCH TARGET...
#   seeds and crashers: Tests/Fuzz/Corpus/<target>/   new units: SCRATCH/corpus/<target>/
#   libFuzzer's output: SCRATCH/logs/<target>.log
# Prints per target the inputs run, inputs/s and the coverage gained (libFuzzer's `cov`: code edges,
# `ft`: features, both from the start of the run after the corpus was loaded, to its end), then a summary.
# Exits 1 when a target failed; its input is then Tests/Fuzz/Corpus/<target>/crash-* (or oom-*, timeout-*).
# Reproduce a crasher: FUZZ_TARGET=<target> SWIFT_BACKTRACE=enable=no SCRATCH/release/connwatch-fuzz <file>
set -uo pipefail
seconds=${1:?usage: fuzz.sh SECONDS SCRATCH TARGET...}
scratch=${2:?usage: fuzz.sh SECONDS SCRATCH TARGET...}
shift 2
cd "$(dirname "$0")/.."
# Swift 6.3.1's driver keeps only the last -sanitize= option, and SwiftPM passes --sanitize=fuzzer and
# --sanitize=address as two options in an order that changes from run to run: the Swift code came out
# with coverage counters but no ASan, or with ASan but no counters (then libFuzzer finds nothing), and
# every change of order rebuilt everything (about 5 minutes). So SwiftPM is given the fuzzer alone (it
# instruments the C code for coverage, makes the entry point a library and links libFuzzer), the Swift
# compiler both sanitizers in one option, and the C compiler ASan: the build in SCRATCH stays valid.
build=(swift build -c release --disable-dead-strip --product connwatch-fuzz
    --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address --scratch-path "$scratch")
started=$SECONDS
"${build[@]}" || exit 1
bin="$("${build[@]}" --show-bin-path)/connwatch-fuzz"
echo "fuzz build: $((SECONDS - started)) s"

# Coverage counters in the binary, as libFuzzer reports them on start (the C code of Yams alone has ~4000).
# One input file, not the folder: libFuzzer would add new inputs to the folder.
count=$(FUZZ_TARGET=watson-iot SWIFT_BACKTRACE=enable=no "$bin" Tests/Fuzz/Corpus/watson-iot/seed-1.json 2>&1 |
    sed -n 's/.*Loaded 1 modules *(\([0-9]*\) inline 8-bit counters.*/\1/p' | head -n 1)
if [ "${count:-0}" -lt 10000 ]; then
    echo "fuzz.sh: $bin has ${count:-no} coverage counters: the Swift code is not instrumented"
    exit 1
fi

# The value of libFuzzer's `name:` field on the first line of $1 that contains $2.
field() { sed -n "/$2/{s/.* $3: *\([0-9]*\).*/\1/p;q}" "$1"; }

mkdir -p "$scratch/logs"
status=0
failed=()
total_runs=0
for target in "$@"; do
    mkdir -p "$scratch/corpus/$target"
    log="$scratch/logs/$target.log"
    before=$(find "Tests/Fuzz/Corpus/$target" -maxdepth 1 -type f | sort)
    FUZZ_TARGET=$target SWIFT_BACKTRACE=enable=no "$bin" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="Tests/Fuzz/Corpus/$target/" \
        "$scratch/corpus/$target" "Tests/Fuzz/Corpus/$target" >"$log" 2>&1
    code=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
    added=$(sed -n 's/^stat::new_units_added: *//p' "$log")
    cov0=$(field "$log" INITED cov)
    ft0=$(field "$log" INITED ft)
    cov1=$(field "$log" DONE cov)
    ft1=$(field "$log" DONE ft)
    corpus=$(find "$scratch/corpus/$target" -type f | wc -l)
    if [ "$code" -eq 0 ] && [ -n "$runs" ]; then
        total_runs=$((total_runs + runs))
        printf 'fuzz %-16s %10s inputs in %3s s, %7s inputs/s, cov %s -> %s (+%s), ft %s -> %s (+%s), %s new inputs (corpus %s)\n' \
            "$target" "$runs" "${took:-$seconds}" "$rate" "$cov0" "$cov1" "$((cov1 - cov0))" "$ft0" "$ft1" "$((ft1 - ft0))" \
            "${added:-0}" "$corpus"
    else
        status=1
        failed+=("$target")
        new=$(comm -13 <(echo "$before") <(find "Tests/Fuzz/Corpus/$target" -maxdepth 1 -type f | sort) | head -n 1)
        echo "fuzz $target FAILED (exit $code) after ${runs:-?} inputs; the last lines of $log:"
        grep -v '^#[0-9]' "$log" | tail -n 40 | sed 's/^/    /'
        if [ -n "$new" ]; then
            echo "    the input is $new; reproduce it with:"
            echo "    FUZZ_TARGET=$target SWIFT_BACKTRACE=enable=no $bin $new"
        fi
    fi
done
echo "fuzz summary: $# targets for $seconds s each, $total_runs inputs, ${#failed[@]} failed${failed:+: ${failed[*]}}"
exit $status
