"""Signature-checking proxy in front of s3rver, for sluice's S3 tests.

Test helper, not part of sluice. s3rver (the real S3 server the tests run)
accepts any SigV4 signature, so this proxy sits in front of it and
recomputes every request's signature with the AWS SDK's own signer (Debian's
python3-botocore, through aws_sigcheck.py). A mismatch is answered the way
S3 answers it (403 SignatureDoesNotMatch, XML body); a good request is
forwarded to s3rver unchanged and its answer passed back.

Also, for retry tests, POST /__sluice/fail?count=N&status=503&code=SlowDown
makes the next N signed requests fail with that error. Each request is
logged to stdout: "METHOD PATH -> STATUS [CODE]".

Run with /usr/bin/python3:
  aws_s3_proxy.py --port P --upstream 127.0.0.1:U --key S3RVER:S3RVER
"""
import argparse
import http.client
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_sigcheck  # noqa: E402

HOP_BY_HOP = {'connection', 'keep-alive', 'transfer-encoding', 'te',
              'trailer', 'upgrade', 'proxy-connection'}


class State:
    secrets = {}
    upstream = None
    faults = []          # [(status, code)] to answer next
    lock = threading.Lock()


def s3_error_xml(code, message, request_id):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
            '<Message>%s</Message><RequestId>%s</RequestId></Error>'
            % (code, message.replace('&', '&amp;').replace('<', '&lt;'),
               request_id)).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass

    def _log(self, status, code=''):
        sys.stdout.write('%s %s -> %d %s\n' % (self.command, self.path,
                                               status, code))
        sys.stdout.flush()

    def _read_body(self):
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            out = b''
            while True:
                line = self.rfile.readline().strip()
                size = int(line.split(b';')[0], 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else b''

    def _send(self, status, headers, body, head=False):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if body and not head:
            self.wfile.write(body)

    def _error(self, status, code, message):
        rid = uuid.uuid4().hex[:16].upper()
        body = s3_error_xml(code, message, rid)
        self._log(status, code)
        self._send(status, [('Content-Type', 'application/xml'),
                            ('x-amz-request-id', rid),
                            ('Content-Length', str(len(body)))],
                   body, head=self.command == 'HEAD')

    def _admin(self, body):
        parts = urlsplit(self.path)
        q = parse_qs(parts.query)
        if parts.path == '/__sluice/health':
            self._send(200, [('Content-Length', '2')], b'ok')
            return
        if parts.path == '/__sluice/fail':
            n = int(q.get('count', ['1'])[0])
            status = int(q.get('status', ['503'])[0])
            code = q.get('code', ['SlowDown'])[0]
            with State.lock:
                State.faults.extend([(status, code)] * n)
            self._send(200, [('Content-Length', '2')], b'ok')
            return
        self._send(404, [('Content-Length', '0')], b'')

    def _handle(self):
        body = self._read_body()
        if self.path.startswith('/__sluice/'):
            self._admin(body)
            return
        headers = [(k, v) for k, v in self.headers.items()]
        try:
            aws_sigcheck.verify(self.command, self.path, headers, body,
                                State.secrets, service='s3')
        except aws_sigcheck.SigError as e:
            self._error(e.status, e.code, e.message)
            return
        with State.lock:
            fault = State.faults.pop(0) if State.faults else None
        if fault:
            self._error(fault[0], fault[1], 'injected by the test proxy')
            return
        conn = http.client.HTTPConnection(*State.upstream, timeout=60)
        fwd = {}
        for k, v in headers:
            if k.lower() in HOP_BY_HOP:
                continue
            fwd[k] = v
        if body or self.command in ('PUT', 'POST'):
            fwd['Content-Length'] = str(len(body))
        conn.request(self.command, self.path, body=body, headers=fwd)
        resp = conn.getresponse()
        data = resp.read()
        out = []
        for k, v in resp.getheaders():
            if k.lower() in HOP_BY_HOP or k.lower() == 'content-length':
                continue
            out.append((k, v))
        if self.command == 'HEAD':
            cl = resp.getheader('Content-Length')
            if cl is not None:
                out.append(('Content-Length', cl))
        else:
            out.append(('Content-Length', str(len(data))))
        conn.close()
        self._log(resp.status)
        self._send(resp.status, out, data, head=self.command == 'HEAD')

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--upstream', required=True, help='host:port of s3rver')
    ap.add_argument('--key', action='append', default=[],
                    help='ACCESS_KEY_ID:SECRET accepted by the proxy')
    a = ap.parse_args()
    host, port = a.upstream.rsplit(':', 1)
    State.upstream = (host, int(port))
    for kv in a.key:
        k, s = kv.split(':', 1)
        State.secrets[k] = s
    srv = ThreadingHTTPServer(('127.0.0.1', a.port), Handler)
    srv.daemon_threads = True
    sys.stdout.write('proxy listening on 127.0.0.1:%d\n' % a.port)
    sys.stdout.flush()
    srv.serve_forever()


if __name__ == '__main__':
    main()
