"""An S3-compatible object store on 127.0.0.1: moto's standalone server (``moto[server]``), a process.

Production uses MinIO or any S3 service; the portal reaches each through django-storages' S3 backend
with an endpoint URL, as it reaches this one. Each test takes a bucket of its own.
"""

import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import boto3
from botocore.config import Config

from tests.support.smtp import free_port

ACCESS_KEY = "copolad-test"
SECRET_KEY = "copolad-test-secret"
REGION = "us-east-1"


@dataclass
class Bucket:
    endpoint_url: str
    name: str

    def client(self):
        return s3_client(self.endpoint_url)

    def objects(self):
        """{key: bytes} of every object in the bucket."""
        client = self.client()
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
        return {key: client.get_object(Bucket=self.name, Key=key)["Body"].read() for key in sorted(keys)}

    def empty(self):
        client = self.client()
        for key in self.objects():
            client.delete_object(Bucket=self.name, Key=key)

    def storages(self, base):
        """The STORAGES setting with this bucket as the default storage, built as settings.py builds it."""
        from copolad_wg.settings import object_storage

        storage = object_storage(
            bucket=self.name,
            endpoint_url=self.endpoint_url,
            region=REGION,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
        )
        return {**base, "default": storage}

    def environment(self):
        """The same, as the environment of a web node or worker."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.name,
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }


def s3_client(endpoint_url):
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
    )


class ObjectStore:
    """``python -m moto.server`` on a free port; ``bucket()`` creates a fresh private bucket."""

    def __init__(self):
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = s3_client(self.endpoint_url)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.list_buckets()
                return self
            except Exception:  # noqa: BLE001 - not listening yet
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.2)

    def bucket(self):
        name = f"copolad-{uuid.uuid4().hex[:16]}"
        s3_client(self.endpoint_url).create_bucket(Bucket=name)
        return Bucket(endpoint_url=self.endpoint_url, name=name)

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None
