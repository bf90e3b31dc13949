#!/usr/bin/env python3
"""Signs requests with botocore's S3 SigV4 signer, for src/s3/sigv4_test.cc.

Reads a JSON array of requests on stdin and prints a JSON array of results,
one per request, in the same order. A request:

  {"method": "GET", "scheme": "https", "host": "bucket.s3.amazonaws.com",
   "key": "a b/c", "bucket_in_path": "",      # path = [/bucket]/percent_encode(key)
   "path": "/",                               # used instead when "key" is absent
   "query": [["list-type", "2"], ...],        # decoded names and values
   "headers": [["Range", "bytes=0-9"], ...],
   "body": "...",                             # optional; signed as its SHA-256
   "unsigned_payload": false,                 # true: UNSIGNED-PAYLOAD
   "region": "us-east-1", "service": "s3", "time": 1369353600,
   "access_key": "...", "secret_key": "...", "token": ""}

A result: {"path", "canonical_request", "string_to_sign", "authorization",
"x-amz-date", "x-amz-content-sha256", "x-amz-security-token"} (the last is ""
without a token), as UTF-8 JSON. The timestamp is fixed by patching botocore's clock.
Exit status 2 when botocore cannot be imported.
"""

import datetime
import json
import sys

try:
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from botocore.utils import percent_encode
except ImportError as e:  # the C++ test skips on exit status 2
    print(f"botocore not importable: {e}", file=sys.stderr)
    sys.exit(2)


class FixedClockS3Signer(botocore.auth.S3SigV4Auth):
    """botocore's S3 signer with the payload-signing decision made by the caller."""

    def __init__(self, credentials, service, region, sign_payload):
        super().__init__(credentials, service, region)
        self._sign_payload = sign_payload

    def _should_sha256_sign_payload(self, request):
        return self._sign_payload

    # add_auth computes these once; keep them (recomputing afterwards would
    # also sign the Authorization header it has added).
    def canonical_request(self, request):
        self.last_canonical_request = super().canonical_request(request)
        return self.last_canonical_request

    def string_to_sign(self, request, canonical_request):
        self.last_string_to_sign = super().string_to_sign(request, canonical_request)
        return self.last_string_to_sign


def fix_clock(unix_time):
    fixed = datetime.datetime.fromtimestamp(unix_time, datetime.timezone.utc).replace(tzinfo=None)
    if hasattr(botocore.auth, "get_current_datetime"):
        botocore.auth.get_current_datetime = lambda *args, **kwargs: fixed
    else:  # older botocore: datetime.datetime.utcnow() inside add_auth

        class FixedDatetime(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return fixed

            @classmethod
            def now(cls, tz=None):
                return fixed if tz is None else fixed.replace(tzinfo=tz)

        class FixedModule:
            datetime = FixedDatetime

        botocore.auth.datetime = FixedModule


def sign(case):
    if "key" in case:
        path = ""
        if case.get("bucket_in_path"):
            path = "/" + case["bucket_in_path"]
        # What botocore's REST serializer does for a greedy {Key+} label.
        path += "/" + percent_encode(case["key"], safe="/~")
    else:
        path = case.get("path", "/")
    url = f"{case.get('scheme', 'https')}://{case['host']}{path}"
    body = case.get("body")
    request = AWSRequest(method=case["method"], url=url,
                         params=[tuple(p) for p in case.get("query", [])],
                         data=body.encode("utf-8") if body is not None else None)
    for name, value in case.get("headers", []):
        request.headers[name] = value  # HTTPHeaders appends: repeated names stay
    fix_clock(case["time"])
    creds = Credentials(case["access_key"], case["secret_key"], case.get("token") or None)
    signer = FixedClockS3Signer(creds, case.get("service", "s3"), case["region"],
                                sign_payload=not case.get("unsigned_payload", False))
    signer.add_auth(request)
    return {
        "path": path,
        "canonical_request": signer.last_canonical_request,
        "string_to_sign": signer.last_string_to_sign,
        "authorization": request.headers["Authorization"],
        "x-amz-date": request.headers["X-Amz-Date"],
        "x-amz-content-sha256": request.headers["X-Amz-Content-SHA256"],
        "x-amz-security-token": request.headers.get("X-Amz-Security-Token", ""),
    }


def main():
    cases = json.loads(sys.stdin.buffer.read())
    # UTF-8 bytes whatever the locale; only control characters are \u-escaped.
    out = json.dumps([sign(c) for c in cases], ensure_ascii=False) + "\n"
    sys.stdout.buffer.write(out.encode("utf-8"))


if __name__ == "__main__":
    main()
