#!/usr/bin/env python3
"""Checks packaging/'s monitoring files (run by `make test`):

- connwatch-alerts.yml with `promtool check rules`, and its unit tests with `promtool test rules`;
- every PromQL expression of the Grafana dashboard with `promtool check rules` (each becomes a
  recording rule, its variables filled in);
- every connwatch_* series the two files name is one that /metrics serves (MetricsText.swift).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
packaging = os.path.join(root, "packaging")
served = set(re.findall(r'"(connwatch_[a-z_]+)"', open(os.path.join(root, "Sources/ConnWatchCore/Query/MetricsText.swift")).read()))
problems = []


def run(*args):
    result = subprocess.run(["promtool", *args], capture_output=True, text=True)
    print(result.stdout.strip())
    if result.returncode != 0:
        problems.append(f"promtool {' '.join(args)}: {result.stdout}{result.stderr}")


run("check", "rules", os.path.join(packaging, "connwatch-alerts.yml"))
run("test", "rules", os.path.join(packaging, "connwatch-alerts.test.yml"))

dashboard = json.load(open(os.path.join(packaging, "grafana-connwatch.json")))
expressions = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
if not expressions:
    problems.append("the dashboard has no queries")
rules = {"groups": [{"name": "dashboard", "rules": []}]}
for number, expr in enumerate(expressions):
    filled = expr.replace("$__rate_interval", "5m").replace('"$job"', '"connwatch"').replace('"$instance"', '".*"')
    rules["groups"][0]["rules"].append({"record": f"dashboard:query_{number}", "expr": filled})
with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as handle:
    json.dump(rules, handle)  # JSON is YAML
run("check", "rules", handle.name)
os.unlink(handle.name)

alerts = open(os.path.join(packaging, "connwatch-alerts.yml")).read()
for name in sorted(set(re.findall(r"connwatch_[a-z_]+", " ".join(expressions) + alerts))):
    if name not in served:
        problems.append(f"{name} is not a series connwatch serves on /metrics")

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"monitoring files: {len(expressions)} dashboard queries and the alerting rules check out")
