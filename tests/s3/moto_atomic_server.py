#!/usr/bin/env python3
"""moto's S3 server (as `python3 -m moto.server -H HOST -p PORT`) with its
writes serialised: moto checks If-Match / If-None-Match and then stores the
object without a lock, so two racing conditional PUTs can both succeed — real
S3 and R2 decide them atomically. A lock around every request that is not a
GET or HEAD makes moto's conditional writes atomic; reads stay concurrent.
Usage: moto_atomic_server.py -H HOST -p PORT"""
import argparse
import os
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


class SerialisedWrites:
    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return self.app(environ, start_response)
        with self.lock:
            return list(self.app(environ, start_response))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True
    run_simple(args.host, args.port, SerialisedWrites(app), threaded=True)


if __name__ == "__main__":
    main()
