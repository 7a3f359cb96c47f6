#!/usr/bin/env python3
"""A local webhook receiver for the demo: prints each Alertmanager-style notification it gets."""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")
        try:
            payload = json.loads(body)
        except ValueError:
            print("receiver: got a body that is not JSON", flush=True)
            return
        for alert in payload.get("alerts", []):
            labels = alert.get("labels", {})
            summary = alert.get("annotations", {}).get("summary", "")
            print(
                f"  webhook <- {alert.get('status', '?').upper():8} {labels.get('alertname', '?'):16} "
                f"{labels.get('client_id', '?'):28} {summary}",
                flush=True,
            )
        with open(sys.argv[2], "a") as log:
            log.write(json.dumps(payload) + "\n")

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
