#!/usr/bin/env bash
# Runs a test command; if it is still running after LIMIT seconds, prints what every test process
# and every connwatch child is doing (threads' backtraces through gdb, demangled), then ends it,
# so that a hang fails with a diagnosis instead of running into the CI's time limit.
#   scripts/test-watchdog.sh LIMIT COMMAND [ARG...]
set -uo pipefail
limit=$1
shift

setsid "$@" &
child=$!
trap 'kill -TERM -- "-$child" 2>/dev/null' INT TERM

report() {
    echo "=== test watchdog: still running after ${limit}s; what each process is doing:"
    ps -o pid,ppid,etimes,stat,args --ppid "$child" -p "$child" 2>/dev/null || true
    local pids
    pids=$(pgrep -f 'PackageTests.xctest|swiftpm-testing-helper|connwatch run' || true)
    for pid in $pids; do
        echo "--- pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-200)"
        if command -v gdb >/dev/null; then
            # Frames of the project's code and of blocking calls: enough to see who waits on what.
            timeout 60 gdb -q -batch -p "$pid" -ex 'thread apply all bt 25' 2>/dev/null |
                { command -v swift-demangle >/dev/null && swift-demangle --simplified || cat; } |
                grep -E '^Thread|ConnWatch|connwatch|Test|wait|poll|read|lock|sleep|join' |
                cut -c1-220 | head -150
        fi
    done
}

(
    sleep "$limit" </dev/null >/dev/null 2>&1
    if kill -0 "$child" 2>/dev/null; then
        report
        kill -TERM -- "-$child" 2>/dev/null
        sleep 10
        kill -KILL -- "-$child" 2>/dev/null
    fi
) &
watchdog=$!

wait "$child"
status=$?
kill "$watchdog" 2>/dev/null
wait "$watchdog" 2>/dev/null
exit "$status"
