#!/usr/bin/env python3
"""Creates an IAM user with an allow-everything policy and an access key on a
moto server that enforces authentication, using its unauthenticated initial
requests (INITIAL_NO_AUTH_ACTION_COUNT=4). Prints "ACCESS_KEY_ID SECRET".
Usage: moto_iam_user.py ENDPOINT"""
import json
import sys

import boto3

endpoint = sys.argv[1]
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="strata-test")
policy = iam.create_policy(PolicyName="strata-all", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
iam.attach_user_policy(UserName="strata-test", PolicyArn=policy["Policy"]["Arn"])
key = iam.create_access_key(UserName="strata-test")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
