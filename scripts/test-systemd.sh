#!/usr/bin/env bash
# The proof that connwatch works as a systemd service: installs the .deb into a minimal Debian 12
# root file system, boots it with systemd-nspawn (a real systemd as PID 1, sharing the host's
# network), and checks start, journal fields, an alert end to end, reload (good and broken file),
# the watchdog, stop, and purge. Needs root. The root file system is cached between runs.
# Usage: scripts/test-systemd.sh PATH-TO-connwatch.deb
set -euo pipefail
deb=$(readlink -f "${1:?usage: test-systemd.sh PATH-TO.deb}")
here=$(cd "$(dirname "$0")" && pwd)
cache=${CONNWATCH_ROOTFS_CACHE:-/var/cache/connwatch-test}
base="$cache/bookworm"
name="cwtest$$"
work=$(mktemp -d /var/tmp/connwatch-systemd.XXXXXX)
root="$work/root"
pids=()
passed=0
failed=0

log() { echo "[test-systemd] $*"; }
check() { # description, command...
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        log "ok    $what"
    else
        failed=$((failed + 1))
        log "FAIL  $what"
    fi
}

cleanup() {
    set +e
    if [ -n "${leader:-}" ] && kill -0 "$leader" 2>/dev/null; then
        nsenter -t "$leader" -a systemctl poweroff >/dev/null 2>&1
        for _ in $(seq 50); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
    fi
    [ -n "${nspawn_pid:-}" ] && kill -9 "$nspawn_pid" 2>/dev/null
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    for hierarchy in systemd unified; do
        find "/sys/fs/cgroup/$hierarchy/$name" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap "exit 124" TERM INT

# 1. A cached minimal Debian 12 with systemd and connwatch's runtime libraries.
if [ ! -x "$base/lib/systemd/systemd" ]; then
    mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
    mirror=${mirror:-http://deb.debian.org/debian}
    log "building the root file system with debootstrap ($mirror)"
    rm -rf "$base.tmp"
    mkdir -p "$cache"
    debootstrap --variant=minbase \
        --include=systemd,systemd-sysv,dbus,libcurl4,libmosquitto1,libsqlite3-0,libsystemd0,ca-certificates \
        bookworm "$base.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1
    mv "$base.tmp" "$base"
fi
log "copying the root file system"
cp -a "$base" "$root"

# 2. A broker and a webhook receiver on the host (the container shares the host's network).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
broker_port=$(free_port)
hook_port=$(free_port)
api_port=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n' "$broker_port" >"$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!)
python3 "$here/demo_receiver.py" "$hook_port" "$work/received.jsonl" >/dev/null 2>&1 &
pids+=($!)

# 3. Install the package the Debian way (its postinst enables the unit), then our configuration.
cp "$deb" "$root/tmp/connwatch.deb"
chroot "$root" dpkg -i /tmp/connwatch.deb >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; exit 1; }
rm "$root/tmp/connwatch.deb"
write_config() { # for-duration, extra rule yaml
    cat >"$root/etc/connwatch/rules.yaml" <<CONF
mqtt:
  name: host
  url: mqtt://127.0.0.1:$broker_port
  client_id: connwatch-nspawn
  subscriptions:
    - topic: iot-2/type/+/id/+/mon
      format: watson-iot
defaults:
  startup_grace: 0
  receivers: [hook]
  group_by: ["..."]
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: hook
    type: webhook
    url: http://127.0.0.1:$hook_port/alerts
api:
  port: $api_port
rules:
  - name: sensor_offline
    kind: offline
    for: $1
$2
CONF
}
write_config 2s ""

# 4. Boot it. nspawn puts its cgroups beside its own, so give it a private one first.
for hierarchy in systemd unified; do mkdir -p "/sys/fs/cgroup/$hierarchy/$name"; done
sh -c "echo \$\$ > /sys/fs/cgroup/systemd/$name/cgroup.procs; echo \$\$ > /sys/fs/cgroup/unified/$name/cgroup.procs; \
    exec systemd-nspawn -q -D '$root' -b -M '$name' --register=no --keep-unit --console=pipe" \
    >"$work/console.log" 2>&1 </dev/null &
nspawn_pid=$!
leader=""
for _ in $(seq 100); do
    for child in $(pgrep -P "$nspawn_pid" 2>/dev/null); do
        [ "$(cat "/proc/$child/comm" 2>/dev/null)" = systemd ] && leader=$child
    done
    [ -n "$leader" ] && break
    sleep 0.1
done
[ -n "$leader" ] || { log "container did not boot"; cat "$work/console.log"; exit 1; }
in_container() { nsenter -t "$leader" -a "$@"; }
for _ in $(seq 100); do in_container test -S /run/systemd/private 2>/dev/null && break; sleep 0.1; done
state=$(in_container timeout 120 systemctl is-system-running --wait 2>/dev/null || true)
log "container booted: $state"

# 5. The checks.
publish() { # device action [closecode]
    local extra=""
    [ -n "${3:-}" ] && extra=",\"CloseCode\":$3"
    mosquitto_pub -h 127.0.0.1 -p "$broker_port" -q 1 -t "iot-2/type/sensor/id/$1/mon" \
        -m "{\"Action\":\"$2\",\"Time\":\"$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)\",\"ClientID\":\"d:org1:sensor:$1\"$extra}"
}
wait_for() { # seconds, command...
    local seconds=$1
    shift
    for _ in $(seq $((seconds * 5))); do "$@" && return 0; sleep 0.2; done
    return 1
}
journal_json() { in_container journalctl -b -u connwatch -o json --no-pager 2>/dev/null; }
journal_text() { in_container journalctl -b -u connwatch --no-pager 2>/dev/null; }
is_active() { [ "$(in_container systemctl is-active connwatch 2>/dev/null)" = "$1" ]; }
received() { [ -f "$work/received.jsonl" ] && grep -q "$1" "$work/received.jsonl"; }
# grep -c reads all of its input: `grep -q` would stop at the first match, and under pipefail the
# writer's SIGPIPE (a long journal, e.g. after a backtrace) would turn a match into a failure.
journal_has() { journal_text | grep -c -- "$1" >/dev/null; }
main_pid() { in_container systemctl show -p MainPID --value connwatch; }

in_container systemctl start connwatch || true
check "systemctl start connwatch → active" wait_for 20 is_active active
check "journal: broker connected" wait_for 20 journal_has "broker connected"
fields_ok() {
    journal_json | python3 -c '
import json, sys
entries = [json.loads(line) for line in sys.stdin if line.strip()]
ours = [e for e in entries if e.get("SYSLOG_IDENTIFIER") == "connwatch"]
ok = ours and all(e.get("PRIORITY") in "01234567" for e in ours)
ok = ok and any(e.get("PRIORITY") == "5" and e.get("BROKER") == "host" for e in ours)
ok = ok and any(e.get("CLIENT_ID") == "d:org1:sensor:nspawn-1" and e.get("RULE") == "sensor_offline" for e in ours)
sys.exit(0 if ok else 1)'
}
publish nspawn-1 Connect
publish nspawn-1 Disconnect 160
check "status message → alert at the webhook receiver" wait_for 30 received "d:org1:sensor:nspawn-1"
check "journal -o json: SYSLOG_IDENTIFIER, PRIORITY and fields CLIENT_ID, RULE, BROKER" wait_for 10 fields_ok
api_state() {
    python3 -c 'import json, sys, urllib.request
page = json.load(urllib.request.urlopen(sys.argv[1], timeout=5))
sys.exit(0 if any(r["id"] == "d:org1:sensor:nspawn-1" and r["connectionStatus"] == "disconnected"
                  for r in page["results"]) else 1)' "http://127.0.0.1:$api_port/api/v0002/clientconnectionstates" 2>/dev/null
}
check "query API under the hardened unit: nspawn-1 is disconnected" wait_for 10 api_state
cli_status() { in_container connwatch status --config /etc/connwatch/rules.yaml 2>/dev/null | grep -c "nspawn-1 *disconnected" >/dev/null; }
check "connwatch status in the container shows it" cli_status
state_saved() { [ -s "$root/var/lib/private/connwatch/connwatch.sqlite" ]; }
check "state database under StateDirectory= (DynamicUser: /var/lib/private/connwatch)" state_saved

write_config 2s "  - name: sensor_offline_long
    kind: offline
    for: 1h"
reload_good() { in_container systemctl reload connwatch >"$work/reload.log" 2>&1 || { cat "$work/reload.log"; journal_text | grep -i -A3 reload | tail -n 20; return 1; }; }
check "systemctl reload with a good file succeeds" reload_good
reloaded_with_two_rules() {
    journal_json | python3 -c '
import json, sys
sys.exit(0 if any(json.loads(l).get("MESSAGE") == "configuration reloaded" and json.loads(l).get("RULES") == "2"
                  for l in sys.stdin if l.strip()) else 1)'
}
check "journal: configuration reloaded (RULES=2)" wait_for 10 reloaded_with_two_rules
write_config "a while" ""
if in_container systemctl reload connwatch >/dev/null 2>&1; then reload_failed=no; else reload_failed=yes; fi
check "systemctl reload with a broken file fails" [ "$reload_failed" = yes ]
check "… and the service stays active" is_active active
check "… and the journal says why" wait_for 10 journal_has "for 'a while' is not a duration"
publish nspawn-2 Disconnect 160
check "… and it still runs the old configuration" wait_for 30 received "d:org1:sensor:nspawn-2"
write_config 2s ""

mkdir -p "$root/etc/systemd/system/connwatch.service.d"
printf '[Service]\nWatchdogSec=3s\nEnvironment=CONNWATCH_DEBUG_HANG_SIGNAL=SIGUSR2\n' \
    >"$root/etc/systemd/system/connwatch.service.d/watchdog-test.conf"
in_container systemctl daemon-reload
in_container systemctl restart connwatch
wait_for 20 is_active active || true
before=$(main_pid)
in_container systemctl kill -s SIGUSR2 connwatch
restarted() { local now; now=$(main_pid); [ "$now" != "$before" ] && [ "$now" != 0 ] && is_active active; }
check "hung engine loop → watchdog restarts the service" wait_for 40 restarted
check "journal: watchdog timeout" wait_for 10 journal_has "Watchdog timeout"
rm -rf "$root/etc/systemd/system/connwatch.service.d"
in_container systemctl daemon-reload
wait_for 20 is_active active || true

start=$(date +%s%N)
in_container systemctl stop connwatch
stop_ms=$((($(date +%s%N) - start) / 1000000))
check "systemctl stop finishes cleanly in under 5 s (${stop_ms} ms)" [ "$stop_ms" -lt 5000 ]
check "… and leaves it inactive, not failed" is_active inactive

in_container dpkg --purge connwatch >"$work/purge.log" 2>&1 || cat "$work/purge.log"
leftovers=$(in_container sh -c 'ls -d /usr/bin/connwatch /usr/libexec/connwatch /etc/connwatch /lib/systemd/system/connwatch.service /var/lib/private/connwatch /var/lib/connwatch /etc/systemd/system/multi-user.target.wants/connwatch.service /usr/share/doc/connwatch 2>/dev/null' || true)
check "dpkg --purge leaves nothing behind${leftovers:+ (left: $leftovers)}" [ -z "$leftovers" ]

echo "test-systemd: $passed passed, $failed failed"
if [ "$failed" -ne 0 ]; then
    log "journal of the unit:"
    journal_text | tail -n 60
    exit 1
fi
