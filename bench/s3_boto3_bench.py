#!/usr/bin/env python3
"""The boto3 side of s3_bench (bench/s3_bench.cc runs it as a subprocess).

Uploads --objects objects of --size bytes (random, os.urandom) as
PREFIX/obj-00000, PREFIX/obj-00001, ... with put_object from a
ThreadPoolExecutor of --parallel threads over ONE boto3 client
(botocore max_pool_connections = --parallel), then downloads them all with
get_object the same way, comparing every body with what was uploaded. Each
phase is timed with the wall clock, from the first submission to the last
completion; the data is generated and the client created (and warmed with one
HeadBucket) before the clock starts, as s3_bench does for Strata's client.

--lean turns off what boto3 does by default and Strata's client does not: the
SHA-256 of every PUT body (botocore signs the payload on plain http) and the
CRC32 checksums (request_checksum_calculation / response_checksum_validation
"when_supported" since botocore 1.36).

Prints one JSON object on stdout. Objects are left in place (s3_bench deletes
them). Exit status 1 with a message on stderr on any error or mismatch.
"""
import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import botocore
from botocore.config import Config


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint", required=True, help="http://127.0.0.1:PORT")
    p.add_argument("--bucket", required=True)
    p.add_argument("--prefix", required=True, help="key prefix, without a trailing '/'")
    p.add_argument("--objects", type=int, default=200)
    p.add_argument("--size", type=int, default=1 << 20, help="bytes per object")
    p.add_argument("--parallel", type=int, default=8)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--lean", action="store_true", help="no payload SHA-256, no CRC32 checksums")
    a = p.parse_args()

    config_args = dict(
        max_pool_connections=a.parallel,
        s3={"addressing_style": "path"},
    )
    if a.lean:
        config_args["s3"]["payload_signing_enabled"] = False
        config_args["request_checksum_calculation"] = "when_required"
        config_args["response_checksum_validation"] = "when_required"
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=a.endpoint,
        region_name=a.region,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
        config=Config(**config_args),
    )
    keys = [f"{a.prefix}/obj-{i:05d}" for i in range(a.objects)]
    data = [os.urandom(a.size) for _ in range(a.objects)]
    client.head_bucket(Bucket=a.bucket)  # loads the endpoint rules and opens one connection, untimed

    def put(i):
        client.put_object(Bucket=a.bucket, Key=keys[i], Body=data[i])

    def get(i):
        body = client.get_object(Bucket=a.bucket, Key=keys[i])["Body"].read()
        if body != data[i]:
            raise RuntimeError(f"{keys[i]}: downloaded {len(body)} bytes that differ from the {a.size} uploaded")

    def timed(fn):
        """(wall seconds, CPU seconds of this process: user + system, all threads)."""
        cpu = time.process_time()
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=a.parallel) as pool:
            for _ in pool.map(fn, range(a.objects)):
                pass
        return time.perf_counter() - start, time.process_time() - cpu

    try:
        upload_s, upload_cpu_s = timed(put)
        download_s, download_cpu_s = timed(get)
    except Exception as e:  # noqa: BLE001 - report anything, s3_bench prints it
        print(f"s3_boto3_bench: {e}", file=sys.stderr)
        return 1
    total = a.objects * a.size
    print(json.dumps({
        "client": "boto3-lean" if a.lean else "boto3",
        "boto3": boto3.__version__,
        "botocore": botocore.__version__,
        "objects": a.objects,
        "bytes": total,
        "parallel": a.parallel,
        "upload_s": upload_s,
        "download_s": download_s,
        "upload_cpu_s": upload_cpu_s,
        "download_cpu_s": download_cpu_s,
        "upload_mb_s": total / upload_s / 1e6,
        "download_mb_s": total / download_s / 1e6,
        "verified": True,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
