#!/usr/bin/env python3
"""notify-receiver: an HTTP server on 127.0.0.1 that records every POST.

Usage: notify-receiver.py OUT_FILE PORT_FILE [FAIL_FIRST]

Each POST is appended to OUT_FILE as one JSON line {"path", "headers",
"body"} (the body parsed as JSON when it is JSON, else as text) and
answered 200, except the first FAIL_FIRST requests, answered 503 (to test
retries). The port it listens on is written to PORT_FILE. Standard library
only; stops on SIGTERM.
"""
import http.server
import json
import sys
import threading

out_path, port_path = sys.argv[1], sys.argv[2]
fail_first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
lock = threading.Lock()
seen = {"n": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        with lock:
            seen["n"] += 1
            failing = seen["n"] <= fail_first
        if failing:
            self.send_response(503)
            self.end_headers()
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        rec = {"path": self.path, "headers": dict(self.headers.items()), "body": body}
        with lock, open(out_path, "a") as f:
            f.write(json.dumps(rec) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_path + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os

os.rename(port_path + ".tmp", port_path)
srv.serve_forever()
