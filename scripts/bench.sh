#!/usr/bin/env bash
# connwatch benchmarks (make bench): prints every figure and writes bench/RESULTS.md.
# Usage: scripts/bench.sh PATH-TO-connwatch-bench PATH-TO-connwatch
# Sizes (environment): BENCH_CLIENTS (100000) and BENCH_ROUNDS (10) for the in-process engine run;
# BENCH_FEED_MESSAGES (500000) and BENCH_FEED_CLIENTS (100000) for the feed and Python runs;
# BENCH_MEMORY_CLIENTS ("100000 1000000"); BENCH_STORM_CLIENTS (100000);
# BENCH_IDLE_CLIENTS (100000) and BENCH_IDLE_SECONDS (60); BENCH_RESTART_CLIENTS (1000000);
# BENCH_GROWTH_EVENTS (1800000);
# BENCH_RESULTS (bench/RESULTS.md).
set -euo pipefail
bench=${1:?usage: bench.sh PATH-TO-connwatch-bench PATH-TO-connwatch}
connwatch=${2:?usage: bench.sh PATH-TO-connwatch-bench PATH-TO-connwatch}
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3   # Debian's, with python3-paho-mqtt
feed_messages=${BENCH_FEED_MESSAGES:-500000}
feed_clients=${BENCH_FEED_CLIENTS:-100000}
memory_clients=${BENCH_MEMORY_CLIENTS:-100000 1000000}
storm_clients=${BENCH_STORM_CLIENTS:-100000}
idle_clients=${BENCH_IDLE_CLIENTS:-100000}
idle_seconds=${BENCH_IDLE_SECONDS:-60}
restart_clients=${BENCH_RESTART_CLIENTS:-1000000}
growth_events=${BENCH_GROWTH_EVENTS:-1800000}
results=${BENCH_RESULTS:-$(dirname "$here")/bench/RESULTS.md}
work=$(mktemp -d /tmp/connwatch-bench.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-0}f\", $1 }"; }
# figure NAME VALUE: remembered for RESULTS.md
declare -A fig
record() { fig[$1]=$2; }
collect() { # collect FILE: the `figure NAME VALUE` lines a bench mode printed
    while read -r _ name value; do record "$name" "$value"; done < <(grep '^figure ' "$1" || true)
}

echo "== connwatch bench, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
echo "   $(nproc) cores, $cpu, $mem"

# --- b. engine, in process -------------------------------------------------------------------
echo "== engine (in process, one core)"
"$bench" engine | tee "$work/engine.txt"
collect "$work/engine.txt"

"$bench" gen "$work/feed.txt" "$feed_messages" "$feed_clients"
echo "== Python json.loads + dict update, in process ($feed_messages messages)"
"$python" "$here/bench_python.py" inproc "$work/feed.txt" | tee "$work/python-inproc.txt"
py_count=$(sed -n 's/.*count=\([0-9]*\).*/\1/p' "$work/python-inproc.txt")
py_secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$work/python-inproc.txt")
record python_inproc_per_s "$(calc "$py_count / $py_secs")"
echo "   $(calc "$py_count / $py_secs") events/s"

# --- a. feed limit ratio ---------------------------------------------------------------------
port=$(free_port)
cat > "$work/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
max_queued_messages 0
max_inflight_messages 0
CONF
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
mosquitto_pid=$!
pids+=($mosquitto_pid)
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

publish() { mosquitto_pub -h 127.0.0.1 -p "$port" -q 0 -t iot-2/type/sensor/id/bench/mon -l < "$1"; }
# feed NAME: runs the subscriber already started (ready), publishes, records NAME_count and NAME_per_s
# from the publish start to the subscriber's last message.
finish_feed() { # NAME START COUNT LAST
    local rate
    rate=$(calc "$3 / ($4 - $2)")
    record "feed_$1_count" "$3"
    record "feed_$1_per_s" "$rate"
    echo "   $1: received $3 of $feed_messages, $rate msg/s"
}

echo "== feed: $feed_messages messages through mosquitto (port $port, QoS 0, nothing dropped)"
mosquitto_sub -h 127.0.0.1 -p "$port" -t 'iot-2/type/+/id/+/mon' -C "$feed_messages" -W 120 -F '%U' > "$work/sub.txt" &
sub_pid=$!
sleep 1
start=$(now); publish "$work/feed.txt"; wait "$sub_pid" || true
finish_feed mosquitto_sub "$start" "$(wc -l < "$work/sub.txt")" "$(tail -n1 "$work/sub.txt")"

# feed_counting NAME COMMAND...: a receiver that prints `ready`, then `count=N last=UNIX-SECONDS`
feed_counting() {
    local name=$1 line
    shift
    "$@" > "$work/$name-feed.txt" &
    sub_pid=$!
    for _ in $(seq 100); do grep -q ready "$work/$name-feed.txt" 2>/dev/null && break; sleep 0.1; done
    sleep 1
    start=$(now); publish "$work/feed.txt"; wait "$sub_pid" || true
    line=$(grep count= "$work/$name-feed.txt")
    finish_feed "$name" "$start" "$(sed 's/.*count=\([0-9]*\).*/\1/' <<<"$line")" \
        "$(sed 's/.*last=\([0-9.]*\).*/\1/' <<<"$line")"
}
feed_counting connwatch "$bench" feed "$port" "$feed_messages"
feed_counting python "$python" "$here/bench_python.py" mqtt "$port" "$feed_messages"

# connwatch run itself: the daemon's whole path (broker client, feed inbox, decoder, engine with
# every rule kind, notifier, group-committed state writes). Its count is the decoded-events counter
# of its own /metrics, polled every 50 ms; the time is when that count reached every message.
api_port=$(free_port)
"$bench" config "$port" "$api_port" all > "$work/feed-rules.yaml"
mkdir -p "$work/feed-state"
"$connwatch" run --config "$work/feed-rules.yaml" --state-directory "$work/feed-state" --log-level notice \
    2>"$work/feed-daemon.log" &
feed_daemon=$!
pids+=($feed_daemon)
for _ in $(seq 100); do grep -q "broker connected" "$work/feed-daemon.log" 2>/dev/null && break; sleep 0.1; done
sleep 1
"$python" - "$api_port" "$feed_messages" > "$work/daemon-feed.txt" <<'PY' &
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/metrics"
want, count, deadline = int(sys.argv[2]), 0, time.time() + 180
while time.time() < deadline:
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    count = sum(int(float(line.rsplit(" ", 1)[1])) for line in text.splitlines()
                if line.startswith("connwatch_events_decoded_total"))
    if count >= want:
        break
    time.sleep(0.05)
print(f"count={count} last={time.time():.6f}")
PY
poll_pid=$!
start=$(now); publish "$work/feed.txt"; wait "$poll_pid" || true
line=$(grep count= "$work/daemon-feed.txt" || echo "count=0 last=$(now)")
finish_feed daemon "$start" "$(sed 's/.*count=\([0-9]*\).*/\1/' <<<"$line")" "$(sed 's/.*last=\([0-9.]*\).*/\1/' <<<"$line")"
kill "$feed_daemon" 2>/dev/null || true
wait "$feed_daemon" 2>/dev/null || true
record ratio_daemon_mosquitto_sub "$(calc "${fig[feed_daemon_per_s]} / ${fig[feed_mosquitto_sub_per_s]}" 2)"
record ratio_daemon_python "$(calc "${fig[feed_daemon_per_s]} / ${fig[feed_python_per_s]}" 2)"
echo "   connwatch run / mosquitto_sub = ${fig[ratio_daemon_mosquitto_sub]}," \
    "connwatch run / python = ${fig[ratio_daemon_python]}"
record ratio_connwatch_mosquitto_sub "$(calc "${fig[feed_connwatch_per_s]} / ${fig[feed_mosquitto_sub_per_s]}" 2)"
record ratio_connwatch_python "$(calc "${fig[feed_connwatch_per_s]} / ${fig[feed_python_per_s]}" 2)"
echo "   connwatch / mosquitto_sub = ${fig[ratio_connwatch_mosquitto_sub]} (target >= 0.9)," \
    "connwatch / python = ${fig[ratio_connwatch_python]} (target >= 2.5)"
grep -iE "drop|bench-python|bench-connwatch" "$work/mosquitto.log" | grep -v "New client\|New connection" | head -5 || true

# --- c. memory -------------------------------------------------------------------------------
for clients in $memory_clients; do
    echo "== memory: $clients tracked clients (every rule kind, one connect and one disconnect each)"
    "$bench" memory "$clients" | tee "$work/memory-$clients.txt"
    collect "$work/memory-$clients.txt"
done
# A full connection log (the default connection_log_size, 20) for every client: ten rounds each.
full_log_clients=${memory_clients%% *}
echo "== memory: $full_log_clients tracked clients, ten connects and ten disconnects each"
"$bench" memory "$full_log_clients" 10 | tee "$work/memory-full-log.txt"
collect "$work/memory-full-log.txt"
# What each part costs per client at the largest size: the table alone, then each rule family.
breakdown_clients=${memory_clients##* }
for rules in none offline counting fleet; do
    echo "== memory: $breakdown_clients tracked clients, rules: $rules"
    "$bench" memory "$breakdown_clients" 1 "$rules" | tee "$work/memory-$rules.txt"
    collect "$work/memory-$rules.txt"
done

# --- c2. growth with events --------------------------------------------------------------------
echo "== growth: 10 clients, $growth_events events (RSS growth after warm-up; target <= 16 MiB)"
for variant in flap scan; do
    "$bench" growth "$variant" "$growth_events" | tee "$work/growth-$variant.txt"
    collect "$work/growth-$variant.txt"
done

# --- d. storm --------------------------------------------------------------------------------
echo "== storm: $storm_clients clients disconnect within one second (fleet_offline + offline rules)"
"$bench" storm "$storm_clients" | tee "$work/storm.txt"
collect "$work/storm.txt"

# --- e. idle ---------------------------------------------------------------------------------
echo "== idle: connwatch run with $idle_clients clients known, no events, ${idle_seconds}s"
"$bench" config "$port" > "$work/rules.yaml"
"$bench" gen "$work/idle.txt" "$idle_clients" "$idle_clients"
mkdir -p "$work/state"
"$connwatch" run --config "$work/rules.yaml" --state-directory "$work/state" --log-level warning 2>"$work/connwatch.log" &
daemon=$!
pids+=($daemon)
sleep 2
publish "$work/idle.txt"
ticks() { awk '{ print $14 + $15 }' "/proc/$daemon/stat"; }
# Wait until the daemon has worked through the messages: its CPU time stops growing.
previous=-1; steady=0
for _ in $(seq 120); do
    sleep 1
    current=$(ticks)
    if [ "$current" = "$previous" ]; then steady=$((steady + 1)); else steady=0; fi
    [ "$steady" -ge 2 ] && break
    previous=$current
done
rss_kib=$(awk '/VmRSS/ { print $2 }' "/proc/$daemon/status")
before=$(ticks); sleep "$idle_seconds"; after=$(ticks)
hz=$(getconf CLK_TCK)
record idle_ticks "$((after - before))"
record idle_cpu_seconds "$(calc "($after - $before) / $hz" 3)"
record idle_rss_mib "$(calc "$rss_kib / 1024" 1)"
echo "   ${fig[idle_ticks]} ticks (${fig[idle_cpu_seconds]} s CPU) in ${idle_seconds} s; RSS ${fig[idle_rss_mib]} MiB"
kill "$daemon" 2>/dev/null || true
wait "$daemon" 2>/dev/null || true

# --- f. restart ------------------------------------------------------------------------------
echo "== restart: $restart_clients clients in the store"
"$bench" restart "$work/restart-state" "$restart_clients" | tee "$work/restart.txt"
collect "$work/restart.txt"
# The real daemon on that store: from exec to READY (its "connwatch started" line).
started=$(now)
"$connwatch" run --config "$work/rules.yaml" --state-directory "$work/restart-state" --log-level notice \
    2>"$work/restart.log" &
daemon=$!
pids+=($daemon)
for _ in $(seq 1200); do
    grep -q "connwatch started" "$work/restart.log" && break
    sleep 0.05
done
record restart_daemon_ready_s "$(calc "$(now) - $started" 2)"
record restart_daemon_rss_mib "$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$daemon/status")"
echo "   connwatch run: ready after ${fig[restart_daemon_ready_s]} s; RSS ${fig[restart_daemon_rss_mib]} MiB"
kill "$daemon" 2>/dev/null || true
wait "$daemon" 2>/dev/null || true

# --- g. API page ------------------------------------------------------------------------------
echo "== API page: 50 clients of a small and of a large store"
"$bench" api "$work/api-small" 1000 | tee "$work/api-small.txt"
collect "$work/api-small.txt"
"$bench" api "$work/restart-state" "$restart_clients" | tee "$work/api-large.txt"
collect "$work/api-large.txt"

# --- RESULTS.md ------------------------------------------------------------------------------
get() { echo "${fig[$1]:-n/a}"; }
int() { [ -n "${fig[$1]:-}" ] && calc "${fig[$1]}" || echo n/a; }   # rounded to a whole number
dec() { [ -n "${fig[$1]:-}" ] && calc "${fig[$1]}" 1 || echo n/a; }  # one decimal
mkdir -p "$(dirname "$results")"
# The "Fuzzing" section (written by hand from `make fuzz` runs) is kept, at the end.
fuzzing=$( [ -f "$results" ] && sed -n '/^## Fuzzing/,$p' "$results" || true)
cat > "$results" <<MD
# connwatch benchmark results

Written by \`make bench\` (scripts/bench.sh) on $(date -u +%Y-%m-%dT%H:%M:%SZ).
Machine: $(nproc) cores, $cpu, $mem RAM, $(uname -sr). Release build.
Every baseline was measured in the same run, on the same machine; the machine may be shared
(figures are noisy, compare the ratios).

## a. Feed limit ratio

$feed_messages Watson IoT status messages (~$(awk '{ n += length($0) } END { printf "%d", n / NR }' "$work/feed.txt") bytes, $feed_clients clients) published with
\`mosquitto_pub -l\` (QoS 0) to a private mosquitto (\`max_queued_messages 0\`, \`max_inflight_messages 0\`:
nothing dropped); each receiver ran alone; rate = messages received / (last arrival − publish start).

| receiver | received | messages/s |
|---|---|---|
| \`mosquitto_sub\` (the feed's limit) | $(get feed_mosquitto_sub_count) | $(int feed_mosquitto_sub_per_s) |
| **\`connwatch run\`**: the daemon, every rule kind, state written to SQLite (count from its \`/metrics\`) | $(get feed_daemon_count) | $(int feed_daemon_per_s) |
| in process: MosquittoClient + Watson decoder + engine, every rule kind, nothing else | $(get feed_connwatch_count) | $(int feed_connwatch_per_s) |
| Python paho-mqtt + \`json.loads\` + dict | $(get feed_python_count) | $(int feed_python_per_s) |

\`connwatch run\` / mosquitto_sub = **$(get ratio_daemon_mosquitto_sub)** (target ≥ 0.9);
\`connwatch run\` / Python = **$(get ratio_daemon_python)** (target ≥ 2.5).
In process: $(get ratio_connwatch_mosquitto_sub) and $(get ratio_connwatch_python).

## b. Engine (in process, one core)

$(environment_clients=${BENCH_CLIENTS:-100000}; echo "$((environment_clients * ${BENCH_ROUNDS:-10}))") events for ${BENCH_CLIENTS:-100000} clients.

| path | events/s |
|---|---|
| decode only (byte-level Watson decoder) | $(int decode_per_s) |
| decode + state + offline rule | $(int engine_offline_per_s) |
| **decode + state + all six rule kinds** (target ≥ 1 000 000) | **$(int engine_all_kinds_per_s)** |
| Foundation \`JSONDecoder\` + dictionary update | $(int foundation_per_s) |
| Python \`json.loads\` + dict update ($feed_messages messages) | $(int python_inproc_per_s) |
| alert firing (label set, annotations, fingerprint), alerts/s | $(int alert_firing_per_s) |

## c. Memory (engine with every rule kind; each client connected and disconnected once)

| tracked clients | bytes per client (RSS growth) | RSS, MiB |
|---|---|---|
$(for clients in $memory_clients; do echo "| $clients | $(int "memory_bytes_per_client_$clients") | $(dec "memory_rss_mib_$clients") |"; done)

With a full connection log (ten connects and ten disconnects per client, the default
\`connection_log_size\` of 20), $full_log_clients clients take $(int "memory_bytes_per_client_${full_log_clients}_20_events")
bytes per client: the logs are in the state store, and the engine keeps a 40-byte summary of each.

Target: ≤ 300 bytes per client.

What the bytes per client at $breakdown_clients clients are made of (the same run with fewer rules):

| engine with | bytes per client | of which the rules |
|---|---|---|
| no rules (the client table: fields, id arena, index, tally) | $(int "memory_bytes_per_client_${breakdown_clients}_none") | |
| the two offline/inactive rules | $(int "memory_bytes_per_client_${breakdown_clients}_offline") | $(calc "${fig[memory_bytes_per_client_${breakdown_clients}_offline]:-0} - ${fig[memory_bytes_per_client_${breakdown_clients}_none]:-0}" 0) |
| the three counting rules | $(int "memory_bytes_per_client_${breakdown_clients}_counting") | $(calc "${fig[memory_bytes_per_client_${breakdown_clients}_counting]:-0} - ${fig[memory_bytes_per_client_${breakdown_clients}_none]:-0}" 0) |
| the fleet rule | $(int "memory_bytes_per_client_${breakdown_clients}_fleet") | $(calc "${fig[memory_bytes_per_client_${breakdown_clients}_fleet]:-0} - ${fig[memory_bytes_per_client_${breakdown_clients}_none]:-0}" 0) |
| every rule kind | $(int "memory_bytes_per_client_$breakdown_clients") | $(calc "${fig[memory_bytes_per_client_$breakdown_clients]:-0} - ${fig[memory_bytes_per_client_${breakdown_clients}_none]:-0}" 0) |

By arithmetic, from the sizes the tests pin (\`ClientTableTests\`, \`EngineDeadlineTests\`), a client of
this workload (a 24-byte id, disconnected, two windows open) holds:

| part | bytes |
|---|---|
| \`ClientFields\`: labels reference, address, 40-byte log summary, five times and codes, text ids, flags | 120 |
| id arena: the id's bytes, its end offset, where its device id starts | 24 + 8 + 2 |
| \`ClientIndex\`: 8 bytes a slot, at most half full | ~17 |
| per-client columns: unsaved and unseen flags, counting-rule mask, fleet membership, tally group, slot start | 22 |
| two offline/inactive slots (24 each) and their two queued deadlines (24 each) | 96 |
| two counting windows (32 each) and their places in the per-client window index (4 each) | 72 |
| the fleet group's member list | 4 |
| **sum** | **~365** |

The RSS growth above adds malloc's slack and the decoder's freed strings. What stands between
this and 300 bytes: the row's 40-byte log summary and 8-byte times (a columnar table would keep
only the columns a configuration reads), each offline slot's own deadline state (12 of its 24
bytes), and the deadline queue's 24-byte entries.

### Growth with events (10 clients, $growth_events events, 10 ms apart)

RSS growth from after a warm-up (a tenth of the events) to the end; memory should follow clients
and armed deadlines, not events. Target: ≤ 16 MiB.

| workload | RSS growth, MiB |
|---|---|
| flapping: offline \`for: 30m\`, inactive on activity \`for: 1d\`, disconnects 5 in 1d (firing) | $(dec growth_flap_rss_mib) |
| scan: failed_connects by address (5 in 10m), a new source address per attempt | $(dec growth_scan_rss_mib) |

## d. Storm

$storm_clients connected clients disconnect within one second; rules: offline (for 5m) and
fleet_offline (type_id, 50 %, min 10, for 1m, inhibits); alert changes go through the notifier
pipeline (group, inhibit, dedup).

| figure | value |
|---|---|
| alert changes after the disconnects | $(int storm_alert_changes) |
| notifications produced | $(int storm_notifications) |
| seconds of work until engine and notifier are idle (simulated clock runs ahead, 15 minutes) | $(calc "${fig[storm_seconds_to_idle]:-0}" 2) |
| peak RSS, MiB | $(dec storm_peak_rss_mib) |

## e. Idle

\`connwatch run\` with $idle_clients clients known (one connect each, through the broker), then no events
for ${idle_seconds} s: $(get idle_ticks) CPU ticks ($(getconf CLK_TCK)/s) = $(get idle_cpu_seconds) s of CPU (utime + stime from
/proc/PID/stat); RSS $(get idle_rss_mib) MiB.

## f. Restart with $restart_clients clients in the store

The store holds $restart_clients clients (half offline, two log entries each) and 10 000 notified firing
\`sensor_offline\` alerts, which must all come back firing; $(dec restart_database_mib) MiB of SQLite.

| figure | seconds |
|---|---|
| open the store and read every client (in process) | $(calc "${fig[restart_read_s]:-0}" 2) |
| restore the engine (rules, timers, fleet groups; in process) | $(calc "${fig[restart_restore_s]:-0}" 2) |
| both side by side on two threads, as \`connwatch run\` does (in process) | $(calc "${fig[restart_overlapped_s]:-0}" 2) |
| \`connwatch run\` from exec to READY | **$(get restart_daemon_ready_s)** (target ≤ 1) |

RSS of the daemon once ready: $(get restart_daemon_rss_mib) MiB.

## g. API page: 50 clients from a store of 1 000 and of $restart_clients

The daemon reads pages of \`GET /api/v0002/clientconnectionstates\` from the store on a reader
connection (keyset SQL, index on status and id; each status newest first through an index of its own),
not on the engine's loop. Medians of 101 runs (21 for newest first and 11 for the fleet page at the
larger size), in ms; the fleet page's load answers its files, \`GET /api/v1/fleet\` and its first page:

| page | 1 000 clients | $restart_clients clients | ratio (target ≤ 5) |
| --- | --- | --- | --- |
| first page | $(get api_1000_plain_ms) | $(get api_${restart_clients}_plain_ms) | $(calc "${fig[api_${restart_clients}_plain_ms]:-0} / ${fig[api_1000_plain_ms]:-1}" 2) |
| next page (bookmark) | $(get api_1000_plain_next_ms) | $(get api_${restart_clients}_plain_next_ms) | $(calc "${fig[api_${restart_clients}_plain_next_ms]:-0} / ${fig[api_1000_plain_next_ms]:-1}" 2) |
| \`connectionStatus=disconnected\` | $(get api_1000_disconnected_ms) | $(get api_${restart_clients}_disconnected_ms) | $(calc "${fig[api_${restart_clients}_disconnected_ms]:-0} / ${fig[api_1000_disconnected_ms]:-1}" 2) |
| the same, next page | $(get api_1000_disconnected_next_ms) | $(get api_${restart_clients}_disconnected_next_ms) | $(calc "${fig[api_${restart_clients}_disconnected_next_ms]:-0} / ${fig[api_1000_disconnected_next_ms]:-1}" 2) |
| offline clients newest first (the console's default) | $(get api_1000_newest_ms) | $(get api_${restart_clients}_newest_ms) | $(calc "${fig[api_${restart_clients}_newest_ms]:-0} / ${fig[api_1000_newest_ms]:-1}" 2) |
| connected clients newest first | $(get api_1000_connected_newest_ms) | $(get api_${restart_clients}_connected_newest_ms) | $(calc "${fig[api_${restart_clients}_connected_newest_ms]:-0} / ${fig[api_1000_connected_newest_ms]:-1}" 2) |
| the console's fleet page, every request of a load | $(get api_1000_fleet_page_ms) | $(get api_${restart_clients}_fleet_page_ms) | $(calc "${fig[api_${restart_clients}_fleet_page_ms]:-0} / ${fig[api_1000_fleet_page_ms]:-1}" 2) |
| \`GET /api/v1/alerts\`, a rule holding every client pending: the first 1000 (firing, counts, held back) | $(get api_1000_alerts_listing_ms) | $(get api_${restart_clients}_alerts_listing_ms) | $(calc "${fig[api_${restart_clients}_alerts_listing_ms]:-0} / ${fig[api_1000_alerts_listing_ms]:-1}" 2) |
| the same, one client's alerts (\`client=ID\`) | $(get api_1000_alerts_client_ms) | $(get api_${restart_clients}_alerts_client_ms) | $(calc "${fig[api_${restart_clients}_alerts_client_ms]:-0} / ${fig[api_1000_alerts_client_ms]:-1}" 2) |
| before: every pending alert built per listing | $(get api_1000_alerts_every_pending_ms) | $(get api_${restart_clients}_alerts_every_pending_ms) | $(calc "${fig[api_${restart_clients}_alerts_every_pending_ms]:-0} / ${fig[api_1000_alerts_every_pending_ms]:-1}" 2) |
| a client by type and device id (the connection log's \`typeId\`, \`deviceId\`), known | $(get api_1000_device_hit_ms) | $(get api_${restart_clients}_device_hit_ms) | $(calc "${fig[api_${restart_clients}_device_hit_ms]:-0} / ${fig[api_1000_device_hit_ms]:-1}" 2) |
| the same, unknown (a pass over the table) | $(get api_1000_device_miss_ms) | $(get api_${restart_clients}_device_miss_ms) | $(calc "${fig[api_${restart_clients}_device_miss_ms]:-0} / ${fig[api_1000_device_miss_ms]:-1}" 2) |
| before: copy and sort in memory, on the loop | $(get api_1000_memory_ms) | $(get api_${restart_clients}_memory_ms) | $(calc "${fig[api_${restart_clients}_memory_ms]:-0} / ${fig[api_1000_memory_ms]:-1}" 2) |
MD
if [ -n "$fuzzing" ]; then printf '\n%s\n' "$fuzzing" >> "$results"; fi
echo "== wrote $results"
