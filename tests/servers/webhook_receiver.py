#!/usr/bin/python3
"""A webhook receiver for the tests, on loopback.

Usage: webhook_receiver.py PORT_FILE RECORD_FILE FAIL_FILE

Listens on 127.0.0.1 (a free port, written to PORT_FILE once it listens)
and appends each POST to RECORD_FILE as one JSON line: path, headers (a
mapping), body (text), status (the answer it gave). While FAIL_FILE holds
a number N > 0, a request is answered 500 and N goes down by one; then 200.
"""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, record_file, fail_file = sys.argv[1:4]
lock = threading.Lock()


def take_failure():
    try:
        with open(fail_file) as f:
            n = int(f.read().strip() or "0")
    except (OSError, ValueError):
        return False
    if n <= 0:
        return False
    with open(fail_file + ".tmp", "w") as f:
        f.write(str(n - 1))
    os.replace(fail_file + ".tmp", fail_file)
    return True


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        with lock:
            status = 500 if take_failure() else 200
            with open(record_file, "a") as f:
                f.write(json.dumps({"path": self.path,
                                    "headers": {k: v for k, v in self.headers.items()},
                                    "body": body, "status": status}) + "\n")
                f.flush()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, fmt, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(port_file + ".tmp", port_file)
server.serve_forever()
