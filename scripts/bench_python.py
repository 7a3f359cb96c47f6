#!/usr/bin/python3
"""What users write instead of connwatch: json.loads + a dict of client states (bench baseline).

  bench_python.py inproc FILE          decode every line of FILE (topic<TAB>payload) in-process
  bench_python.py mqtt PORT COUNT      subscribe with paho-mqtt on 127.0.0.1:PORT until COUNT
                                       messages arrived or none for 15 s

Prints `count=N last=UNIX-SECONDS` (mqtt) or `count=N seconds=S` (inproc).
"""
import json
import sys
import threading
import time

states = {}


def handle(payload):
    status = json.loads(payload)
    client = status["ClientID"]
    state = states.get(client)
    if state is None:
        state = states[client] = {"status": "unknown", "log": []}
    action = status["Action"]
    if action == "Connect":
        state["status"] = "connected"
        state["lastConnectTime"] = status.get("Time")
    elif action == "Disconnect":
        state["status"] = "disconnected"
        state["lastDisconnectTime"] = status.get("Time")
        state["reasonCode"] = status.get("CloseCode")
        state["reasonText"] = status.get("Reason")
    state["lastActivity"] = (action, status.get("Time"))


def inproc(path):
    with open(path, "rb") as f:
        payloads = [line.rstrip(b"\n").split(b"\t", 1)[-1] for line in f]
    start = time.perf_counter()
    for payload in payloads:
        handle(payload)
    elapsed = time.perf_counter() - start
    print(f"count={len(payloads)} seconds={elapsed:.6f}")


def mqtt(port, count):
    import paho.mqtt.client as paho

    received = 0
    last = 0.0
    done = threading.Event()

    def on_connect(client, userdata, flags, rc):
        client.subscribe("iot-2/type/+/id/+/mon", qos=0)

    def on_message(client, userdata, message):
        nonlocal received, last
        handle(message.payload)
        received += 1
        last = time.time()
        if received >= count:
            done.set()

    client = paho.Client(client_id="bench-python", clean_session=True)
    client.on_connect = on_connect
    client.on_message = on_message
    client.connect("127.0.0.1", port, keepalive=60)
    client.loop_start()
    print("ready", flush=True)
    waited = 0
    while not done.is_set() and waited < 300:
        before = received
        done.wait(15)
        waited += 15
        if received == before and received > 0:
            break
    client.loop_stop()
    print(f"count={received} last={last:.6f}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "inproc":
        inproc(sys.argv[2])
    else:
        mqtt(int(sys.argv[2]), int(sys.argv[3]))
