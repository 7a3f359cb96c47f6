#!/usr/bin/env bash
# connwatch demo: a private Mosquitto, a simulated Watson IoT fleet, a local webhook receiver.
# Usage: scripts/demo.sh PATH-TO-connwatch
set -euo pipefail
connwatch=${1:?usage: demo.sh PATH-TO-connwatch}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/connwatch-demo.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
broker_port=$(free_port)
hook_port=$(free_port)

cat > "$work/mosquitto.conf" <<CONF
listener $broker_port 127.0.0.1
allow_anonymous true
max_queued_messages 0
CONF
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!)
python3 "$here/demo_receiver.py" "$hook_port" "$work/received.jsonl" &
pids+=($!)
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$broker_port") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$hook_port") 2>/dev/null && break
    sleep 0.1
done

cat > "$work/rules.yaml" <<CONF
mqtt:
  name: demo
  url: mqtt://127.0.0.1:$broker_port
  client_id: connwatch-demo
  subscriptions:
    - topic: iot-2/type/+/id/+/mon
      format: watson-iot
defaults:
  startup_grace: 2s
  receivers: [local]
  group_by: ["..."]     # one message per alert, sent at once (defaults: [alertname], 30s)
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: local
    type: webhook
    url: http://127.0.0.1:$hook_port/alerts
rules:
  - name: sensor_offline
    kind: offline
    for: 10s
    match:
      client_type: device
      type_id: sensor
CONF

echo "== connwatch demo: broker on 127.0.0.1:$broker_port, webhook receiver on 127.0.0.1:$hook_port"
"$connwatch" check --config "$work/rules.yaml"
"$connwatch" run --config "$work/rules.yaml" 2>"$work/connwatch.log" &
pids+=($!)
sleep 1

now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
status() { # device action [closecode reason]
    local id=$1 action=$2 code=${3:-} reason=${4:-}
    local extra=""
    [ -n "$code" ] && extra=",\"CloseCode\":$code"
    [ -n "$reason" ] && extra="$extra,\"Reason\":\"$reason\""
    local payload="{\"Action\":\"$action\",\"Time\":\"$(now)\",\"ClientAddr\":\"203.0.113.$((RANDOM % 200))\",\"ClientID\":\"d:demo:sensor:$id\",\"Port\":8883,\"Secure\":true,\"Protocol\":\"mqtt4\",\"User\":\"use-token-auth\"$extra}"
    mosquitto_pub -h 127.0.0.1 -p "$broker_port" -q 1 -r -t "iot-2/type/sensor/id/$id/mon" -m "$payload"
}
say() { echo "  $(date +%H:%M:%S)  $*"; }

say "fleet: sensor-01 … sensor-05 connect"
for i in 1 2 3 4 5; do status "sensor-0$i" Connect; done
sleep 1
say "sensor-02 disconnects cleanly (no CloseCode = normal close)"
status sensor-02 Disconnect "" "The connection has completed normally."
say "sensor-03 stops answering: keep-alive timeout (CloseCode 160)"
status sensor-03 Disconnect 160 "The connection timed out"
say "sensor-04 reconnects from a new socket; the old session closes with CloseCode 288 (client id reused)"
status sensor-04 Connect
status sensor-04 Disconnect 288 "The clientID was reused"
say "waiting for the 10s offline rule … (sensor-04 must not alert: it is still connected)"
sleep 14
say "sensor-03 comes back"
status sensor-03 Connect

for _ in $(seq 40); do
    [ -f "$work/received.jsonl" ] && [ "$(wc -l <"$work/received.jsonl")" -ge 3 ] && break
    sleep 0.5
done
sleep 1
echo
echo "== alerts received by the webhook:"
python3 - "$work/received.jsonl" <<'PY'
import json, sys
try:
    lines = open(sys.argv[1]).read().splitlines()
except FileNotFoundError:
    lines = []
for line in lines:
    for a in json.loads(line)["alerts"]:
        l = a["labels"]
        print(f"  {a['status']:9} {l['alertname']:15} {l['client_id']:24} {a['annotations'].get('description', '')}")
print(f"  ({len(lines)} notifications)")
PY
echo
echo "== connwatch's log (stderr; under systemd this goes to the journal):"
sed 's/^/  /' "$work/connwatch.log"
