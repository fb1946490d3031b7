#!/usr/bin/python3
"""A reverse proxy on loopback that serves a backend under a path, as a
site's nginx does with `location /PREFIX/ { proxy_pass http://BACKEND; }`
(the path passed on as it came) or, with --strip, with
`proxy_pass http://BACKEND/;` (the prefix taken off). As nginx's
proxy_pass does by default, the backend gets Host: 127.0.0.1:BACKEND (the
upstream's, not the client's); the client's Origin and other headers pass
on as they came. A request in absolute form (a browser that uses this as
its HTTP proxy, e.g. for http://sluice.example.com/sluice/) is served
by its path when it names the host of --host NAME, so a browser sees the
public address; one for another host (the browser's own background
requests) is answered 502 and not logged. A request outside
PREFIX is answered 404 and written to the log file, so a test can say
that no page, script or redirect led out of the path.

Usage: path_proxy.py PORT_FILE LOG_FILE PREFIX BACKEND_PORT [--strip] [--host NAME]
Writes the port it listens on to PORT_FILE, then serves until killed.
"""
import http.client
import http.server
import json
import os
import socketserver
import sys

port_file, log_file, prefix, backend = sys.argv[1], sys.argv[2], sys.argv[3].rstrip("/"), int(sys.argv[4])
strip = "--strip" in sys.argv[5:]
public = sys.argv[sys.argv.index("--host") + 1] if "--host" in sys.argv[5:] else None
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
       "proxy-authorization", "proxy-authenticate"}


def log(entry):
    with open(log_file, "a") as f:
        f.write(json.dumps(entry) + "\n")


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def forward(self):
        path = self.path
        if path.startswith("http://"):
            host, _, rest = path[len("http://"):].partition("/")
            if host != public:
                self.send_response(502)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            path = "/" + rest
        inside = path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "?")
        if not inside:
            log({"outside": True, "method": self.command, "path": path})
            body = b"outside the proxy's path\n"
            self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if strip:
            path = path[len(prefix):] or "/"
            if path.startswith("?"):
                path = "/" + path
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        headers = {k: v for k, v in headers.items() if k.lower() not in ("host", "proxy-connection")}
        headers["Host"] = "127.0.0.1:%d" % backend
        headers["X-Forwarded-For"] = self.client_address[0]
        conn = http.client.HTTPConnection("127.0.0.1", backend, timeout=60)
        conn.request(self.command, path, body=body, headers=headers)
        res = conn.getresponse()
        data = res.read()
        log({"outside": False, "method": self.command, "path": path, "status": res.status})
        self.send_response(res.status)
        for k, v in res.getheaders():
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = forward


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Proxy)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
