#!/usr/bin/env python3
"""Loopback HTTP/1.1 server for src/s3/http_client_test.cc (stdlib only).

Prints, one per line on stdout, then serves until stdin closes or SIGTERM:
  <port>                    the plain HTTP server (keep-alive, threaded)
  raw <port> <port>         TCP ports that reset (RST) / close (FIN) every
                            connection as soon as it is accepted
  tls <port> <ca.pem>|-     the same HTTP handlers over TLS with a self-signed
                            certificate for 127.0.0.1 (made with the openssl
                            command; "tls 0 -" when that is missing)

Endpoints (any method unless noted):
  /echo            200; body = request body; headers x-echo-method, x-echo-path,
                   x-echo-query, x-echo-body-length, x-echo-chunked and
                   x-echo-h-<name> for every request header (name lower-cased)
  /status/<code>   that status, body "status <code>" (none for 204/304/HEAD),
                   headers X-Reply: yes and ETag: "abc"
  /big?n=N         N bytes, byte i = i % 251 (HEAD: headers only)
  /truncate        Content-Length 1000, 10 bytes, then close
  /truncate_chunked chunked, one chunk, then close without the last chunk
  /reset           read the request, then reset the connection (RST)
  /reset_body      Content-Length 1000, 100 bytes, then reset
  /slow?ms=N       sleep N ms, then 200 "slow"
  /trickle?n=N&ms=M  Content-Length N, one byte every M ms
  /concurrent?ms=N counts requests in flight (max kept), sleeps N ms
  /flaky?key=K&fail=F  503 for the first F requests with key K, then 200
  /stats           "connections=<n> ports=<distinct client ports> max_concurrent=<m>"
  /stats/reset     zeroes the counters
"""
import os
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"connections": 0, "ports": set(), "in_flight": 0, "max_concurrent": 0, "flaky": {}}


def reset_socket(sock):
    """Closes with RST instead of FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def setup(self):
        super().setup()
        # Headers and body are separate writes: without this, Nagle + delayed ACK cost 40 ms a response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with LOCK:
            STATE["connections"] += 1
            STATE["ports"].add(self.client_address[1])

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data, True
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length", "0") or "0")
        return (self.rfile.read(length) if length else b""), False

    def reply(self, code, body=b"", headers=(), send_body=True):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        if code not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and self.command != "HEAD" and code not in (204, 304):
            self.wfile.write(body)

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        path = url.path
        body, chunked = self.read_body()
        try:
            self.route(path, query, url.query, body, chunked)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    def route(self, path, query, raw_query, body, chunked):
        if path == "/echo":
            headers = [("x-echo-method", self.command), ("x-echo-path", path), ("x-echo-query", raw_query),
                       ("x-echo-body-length", str(len(body))), ("x-echo-chunked", "1" if chunked else "0")]
            for name, value in self.headers.items():
                headers.append(("x-echo-h-" + name.lower(), value))
            self.reply(200, body, headers)
        elif path.startswith("/status/"):
            code = int(path[len("/status/"):])
            self.reply(code, ("status %d" % code).encode(), [("X-Reply", "yes"), ("ETag", '"abc"')])
        elif path == "/big":
            n = int(query.get("n", "0"))
            pattern = bytes(range(251))
            data = (pattern * (n // 251 + 1))[:n]
            self.reply(200, data)
        elif path == "/truncate":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.close_connection = True
        elif path == "/truncate_chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"a\r\n0123456789\r\n")
            self.wfile.flush()
            self.close_connection = True
        elif path == "/reset":
            self.close_connection = True
            reset_socket(self.connection)
        elif path == "/reset_body":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"x" * 100)
            self.wfile.flush()
            time.sleep(0.05)
            self.close_connection = True
            reset_socket(self.connection)
        elif path == "/slow":
            time.sleep(int(query.get("ms", "1000")) / 1000.0)
            self.reply(200, b"slow")
        elif path == "/trickle":
            n, ms = int(query.get("n", "100")), int(query.get("ms", "100"))
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            for _ in range(n):
                self.wfile.write(b"t")
                self.wfile.flush()
                time.sleep(ms / 1000.0)
        elif path == "/concurrent":
            with LOCK:
                STATE["in_flight"] += 1
                STATE["max_concurrent"] = max(STATE["max_concurrent"], STATE["in_flight"])
            time.sleep(int(query.get("ms", "100")) / 1000.0)
            with LOCK:
                STATE["in_flight"] -= 1
            self.reply(200, b"ok")
        elif path == "/flaky":
            key, fail = query.get("key", ""), int(query.get("fail", "1"))
            with LOCK:
                seen = STATE["flaky"].get(key, 0)
                STATE["flaky"][key] = seen + 1
            if seen < fail:
                self.reply(503, b"<Error><Code>SlowDown</Code></Error>")
            else:
                self.reply(200, b"ok after %d" % seen)
        elif path == "/stats":
            with LOCK:
                text = "connections=%d ports=%d max_concurrent=%d" % (
                    STATE["connections"], len(STATE["ports"]), STATE["max_concurrent"])
            self.reply(200, text.encode())
        elif path == "/stats/reset":
            with LOCK:
                STATE["connections"] = 0
                STATE["ports"] = set()
                STATE["max_concurrent"] = 0
            self.reply(200, b"reset")
        else:
            self.reply(404, b"no such endpoint")

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request, client_address):  # resets and aborted handshakes are expected
        pass


def serve_raw(reset):
    """A port whose connections are closed as soon as they are accepted: reset (RST) or closed (FIN)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)

    def loop():
        while True:
            conn, _ = listener.accept()
            if reset:
                reset_socket(conn)
            else:
                conn.close()

    threading.Thread(target=loop, daemon=True).start()
    return listener.getsockname()[1]


def make_certificate(directory):
    """A self-signed certificate for IP 127.0.0.1; (cert, key) or None."""
    if shutil.which("openssl") is None:
        return None
    cert, key = os.path.join(directory, "ca.pem"), os.path.join(directory, "key.pem")
    result = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (cert, key) if result.returncode == 0 else None


def start(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main():
    directory = tempfile.mkdtemp(prefix="strata-http-test-")

    def finish(*_):
        shutil.rmtree(directory, ignore_errors=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, finish)
    plain = Server(("127.0.0.1", 0), Handler)
    start(plain)
    reset_port, close_port = serve_raw(True), serve_raw(False)
    tls_line = "tls 0 -"
    pair = make_certificate(directory)
    if pair is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pair[0], pair[1])
        tls = Server(("127.0.0.1", 0), Handler)
        tls.socket = context.wrap_socket(tls.socket, server_side=True)
        start(tls)
        tls_line = "tls %d %s" % (tls.server_address[1], pair[0])
    sys.stdout.write("%d\nraw %d %d\n%s\n" % (plain.server_address[1], reset_port, close_port, tls_line))
    sys.stdout.flush()
    # Serve until the parent closes our stdin (or dies) or sends SIGTERM.
    while sys.stdin.buffer.read(4096):
        pass
    finish()


if __name__ == "__main__":
    main()
