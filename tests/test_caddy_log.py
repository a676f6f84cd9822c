"""The shipped Caddyfile's access log keeps no private link's key: the log block of deploy/Caddyfile,
run by the real Caddy in front of a page, writes the path with the key replaced and no Referer."""

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEY = "o41Yi1-vwHLBKIVusBsDggG72VbLnSgoW7pNgKhwlCrQ"

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(shutil.which("caddy") is None, reason="Debian's caddy is not installed"),
]


def shipped_log_block():
    """The site's ``log { ... }`` block, as deploy/Caddyfile writes it."""
    text = (ROOT / "deploy" / "Caddyfile").read_text()
    start = text.index("\tlog {")
    depth, index = 0, start
    while True:
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start : index + 1]
        index += 1


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_access_log_holds_no_key_and_no_referer(tmp_path):
    port = free_port()
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(
        f'{{\n\tadmin off\n}}\n\nhttp://127.0.0.1:{port} {{\n\trespond "ok" 200\n{shipped_log_block()}\n}}\n'
    )
    caddy = subprocess.Popen(
        ["caddy", "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)},
    )
    try:
        paths = [
            f"/es/registrations/r/{KEY}/my-data/delete/",
            f"/pt/registrations/{KEY}/documents/12/",
            f"/en/registrations/unsubscribe/{KEY}/",
            "/es/registrations/find/",
            "/es/registrations/sessions/session-2-inclusive-mechanisms/register/",
        ]
        for _attempt in range(50):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)  # Caddy starting: waiting on a process, not on the clock
        for path in paths:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}",
                headers={"Referer": f"http://127.0.0.1:{port}/es/registrations/r/{KEY}/"},
            )
            assert urllib.request.urlopen(request, timeout=5).read() == b"ok"  # noqa: S310 - an http URL we built
    finally:
        caddy.terminate()
        out, err = caddy.communicate(timeout=10)
    lines = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    logged = [line["request"] for line in lines if "request" in line]
    assert KEY not in out.decode() + err.decode()
    assert [entry["uri"] for entry in logged if entry["uri"] != "/healthz"] == [
        "/es/registrations/r/[redacted]/my-data/delete/",
        "/pt/registrations/[redacted]/documents/12/",
        "/en/registrations/unsubscribe/[redacted]/",
        "/es/registrations/find/",
        "/es/registrations/sessions/session-2-inclusive-mechanisms/register/",
    ]
    assert all("Referer" not in entry.get("headers", {}) for entry in logged)
    assert re.search(r"User-Agent", json.dumps(logged))  # the other headers are still there
