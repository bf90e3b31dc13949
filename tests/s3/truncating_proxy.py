#!/usr/bin/env python3
"""HTTP/1.1 proxy in front of an S3 server that cuts GET bodies short (stdlib only).

For tests/s3_end_to_end_test.cc: it sits between S3Store and moto on
loopback and damages every Nth GET response that has a body (status 200 or
206, at least one byte), so the test can check that a short body is detected
and never taken as data.

Usage: truncating_proxy.py UPSTREAM_PORT [--every N] [--mode cut|relabel]

Prints its own port on stdout (one line), then serves until stdin closes or
SIGTERM. Requests and responses are forwarded unchanged (one upstream
connection per client connection, keep-alive on both sides), except for
the damaged GETs:

  cut      the status line and headers as the server sent them (the original
           Content-Length), then only the first half of the body, then the
           connection is closed: the client sees fewer bytes than promised.
  relabel  (206 answers only) Content-Length is rewritten to the shortened
           length and the connection stays open, so only the Content-Range
           header (bytes a-b/size) still says how long the body should be.

N = 0 damages nothing. Control requests, answered by the proxy itself:

  GET /__proxy/stats                   "gets=G damaged=D requests=R"
  GET /__proxy/config?every=N&mode=M   changes N (and the mode), counters kept
"""
import signal
import socket
import sys
import threading
import urllib.parse

LOCK = threading.Lock()
STATE = {"every": 0, "mode": "cut", "gets": 0, "damaged": 0, "requests": 0}


class Closed(Exception):
    pass


def read_head(f):
    """Reads a start line and headers; returns (raw bytes, start line, [(name, value)])."""
    lines = []
    while True:
        line = f.readline(65537)
        if not line:
            if not lines:
                raise Closed()
            raise ConnectionError("connection closed inside a header block")
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            break
    start = lines[0].decode("latin-1").rstrip("\r\n")
    headers = []
    for line in lines[1:-1]:
        text = line.decode("latin-1").rstrip("\r\n")
        name, _, value = text.partition(":")
        headers.append((name.strip().lower(), value.strip()))
    return b"".join(lines), start, headers


def header(headers, name):
    for n, v in headers:
        if n == name:
            return v
    return None


def read_chunked(f):
    """Reads a chunked body; returns its raw bytes (framing included)."""
    out = []
    while True:
        line = f.readline(65537)
        if not line:
            raise ConnectionError("connection closed inside a chunked body")
        out.append(line)
        size = int(line.split(b";")[0].strip(), 16)
        if size == 0:
            while True:  # trailers, then the empty line
                trailer = f.readline(65537)
                if not trailer:
                    raise ConnectionError("connection closed inside chunk trailers")
                out.append(trailer)
                if trailer in (b"\r\n", b"\n"):
                    return b"".join(out)
        data = read_exact(f, size + 2)
        out.append(data)


def read_exact(f, n):
    data = f.read(n)
    if data is None or len(data) != n:
        raise ConnectionError("connection closed inside a body")
    return data


def read_body(f, headers, has_body):
    """The body (raw), and whether it ran until the connection closed."""
    if not has_body:
        return b"", False
    if "chunked" in (header(headers, "transfer-encoding") or "").lower():
        return read_chunked(f), False
    length = header(headers, "content-length")
    if length is not None:
        return read_exact(f, int(length)), False
    return f.read(), True


def answer_control(client, target):
    parsed = urllib.parse.urlsplit(target)
    with LOCK:
        if parsed.path == "/__proxy/config":
            query = urllib.parse.parse_qs(parsed.query)
            if "every" in query:
                STATE["every"] = int(query["every"][0])
            if "mode" in query:
                STATE["mode"] = query["mode"][0]
        body = "gets=%d damaged=%d requests=%d" % (STATE["gets"], STATE["damaged"], STATE["requests"])
    data = body.encode()
    client.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (len(data), data))


def damage_decision(method, status, body_length):
    """The mode to damage this response with, or None."""
    if method != "GET" or status not in (200, 206) or body_length == 0:
        return None
    with LOCK:
        STATE["gets"] += 1
        every, mode = STATE["every"], STATE["mode"]
        if every <= 0 or STATE["gets"] % every != 0:
            return None
        if mode == "relabel" and status != 206:
            return None
        STATE["damaged"] += 1
        return mode


def serve_client(client, upstream_port):
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    cf = client.makefile("rb")
    upstream = None
    uf = None
    try:
        while True:
            try:
                raw_head, start, headers = read_head(cf)
            except Closed:
                return
            method, target, _ = (start.split(" ", 2) + ["", ""])[:3]
            framed = header(headers, "content-length") is not None or header(headers, "transfer-encoding") is not None
            body, _ = read_body(cf, headers, framed)  # a request without framing headers has no body
            if target.startswith("/__proxy/"):
                answer_control(client, target)
                continue
            with LOCK:
                STATE["requests"] += 1
            if upstream is None:
                upstream = socket.create_connection(("127.0.0.1", upstream_port))
                upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                uf = upstream.makefile("rb")
            upstream.sendall(raw_head + body)
            while True:  # skip interim 1xx answers (forwarded as they are)
                resp_head, status_line, resp_headers = read_head(uf)
                status = int(status_line.split(" ")[1])
                if status >= 200:
                    break
                client.sendall(resp_head)
            has_body = method != "HEAD" and status not in (204, 304)
            resp_body, until_close = read_body(uf, resp_headers, has_body)
            upstream_closes = until_close or (header(resp_headers, "connection") or "").lower() == "close"
            if upstream_closes:
                uf.close()
                upstream.close()
                upstream = None
            chunked = "chunked" in (header(resp_headers, "transfer-encoding") or "").lower()
            mode = None if chunked else damage_decision(method, status, len(resp_body))
            if mode is None:
                client.sendall(resp_head + resp_body)
                if until_close:
                    return
                continue
            short = resp_body[: len(resp_body) // 2]
            if mode == "cut":
                client.sendall(resp_head + short)
                return  # closing: the client is left short of Content-Length
            lines = resp_head.decode("latin-1").split("\r\n")
            lines = ["Content-Length: %d" % len(short) if l.lower().startswith("content-length:") else l for l in lines]
            client.sendall("\r\n".join(lines).encode("latin-1") + short)
    except (ConnectionError, OSError, ValueError):
        return
    finally:
        for s in (uf, upstream, cf):
            try:
                if s is not None:
                    s.close()
            except OSError:
                pass
        try:
            client.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        client.close()


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit("usage: truncating_proxy.py UPSTREAM_PORT [--every N] [--mode cut|relabel]")
    upstream_port = int(args[0])
    i = 1
    while i < len(args):
        if args[i] == "--every":
            STATE["every"] = int(args[i + 1])
        elif args[i] == "--mode":
            STATE["mode"] = args[i + 1]
        else:
            sys.exit("unknown argument " + args[i])
        i += 2
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    print(listener.getsockname()[1], flush=True)

    def accept_loop():
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve_client, args=(client, upstream_port), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        sys.stdin.read()  # until the test closes our stdin (or exits)
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":
    main()
