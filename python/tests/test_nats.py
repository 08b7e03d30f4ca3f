"""Interop over NATS with the Rust crate evowire-nats: a Python worker answers a Rust client,
and a Rust worker answers a Python client, through a private nats-server, with the headers
evowire-nats defines (Content-Type, Evowire-Type, Evowire-Version).

The Rust side is crates/evowire-nats/examples/interop_peer.rs, built once with cargo.
The server binary is $NATS_SERVER_BIN, else nats-server on PATH or in /usr/sbin; when it is
missing and the tests run as root, Debian's package is installed. Without it the tests fail.
"""

import asyncio
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import nats
import pytest

import evowire

REPO = Path(__file__).resolve().parents[2]
CONTENT_TYPE = "application/evowire"
REMOTE_ERROR = "evowire.RemoteError"
ERROR_SCHEMA = evowire.Schema(
    {
        "evowire_schema": 1,
        "root": {"named": "RemoteError"},
        "types": {"RemoteError": {"struct": [{"name": "message", "type": "str"}]}},
    }
)


def headers(name):
    return {"Content-Type": CONTENT_TYPE, "Evowire-Type": name, "Evowire-Version": "1.0"}


# ---- the shared rule (the same as interop_peer.rs) ------------------------------------------


def quote(i):
    symbols = ["AAPL", "Grüße", "BRK.B", "evo"]
    side = ["Buy", "Sell", {"Cross": {"min": i}}][i % 3]
    return {
        "id": 1_000_000_000_000_000 + i,
        "symbol": symbols[i % 4],
        "side": side,
        "qty": i * 7 % 1000 + 1,
        "limit": i * 0.5 if i % 2 == 1 else None,
        "tags": [f"t{j}" for j in range(i % 3)],
        "at": -i * 1_000_000_007,
    }


def fill(q):
    if q["qty"] == 0:
        raise ValueError(f"quote {q['id']}: qty must be positive")
    side = q["side"] if isinstance(q["side"], str) else next(iter(q["side"]))
    return {
        "id": q["id"],
        "side": q["side"],
        "filled": q["qty"] // 2,
        "price": (q["limit"] if q["limit"] is not None else 100.0) * 2.0,
        "venue": f"{q['symbol'].lower()}@{side.lower()}",
        "notes": dict(sorted({"tags": len(q["tags"]), "neg": -q["qty"], "at": q["at"]}.items())),
    }


# ---- fixtures -----------------------------------------------------------------------------


def nats_server_bin():
    found = os.environ.get("NATS_SERVER_BIN") or shutil.which("nats-server")
    if not found and Path("/usr/sbin/nats-server").exists():
        found = "/usr/sbin/nats-server"
    if not found and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "nats-server"], check=False, capture_output=True)
        found = shutil.which("nats-server") or ("/usr/sbin/nats-server" if Path("/usr/sbin/nats-server").exists() else None)
    if not found:
        pytest.fail(
            "the interop tests need nats-server (2.9 or newer): `sudo apt-get install nats-server`, "
            "or point NATS_SERVER_BIN at the binary"
        )
    return found


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_url():
    binary = nats_server_bin()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        log = open(Path(tmp) / "server.log", "w")
        proc = subprocess.Popen([binary, "-a", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"nats-server did not start: {(Path(tmp) / 'server.log').read_text()}")
                    time.sleep(0.05)
            yield f"nats://127.0.0.1:{port}"
        finally:
            proc.kill()
            proc.wait()
            log.close()


@pytest.fixture(scope="module")
def peer():
    """Builds interop_peer once and returns its path."""
    cargo = shutil.which("cargo")
    if not cargo:
        pytest.fail("the interop tests build a Rust example: cargo is needed")
    out = subprocess.run(
        [cargo, "build", "-q", "-p", "evowire-nats", "--example", "interop_peer", "--message-format=json"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        pytest.fail(f"cargo build failed:\n{out.stderr}")
    for line in out.stdout.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "interop_peer" and msg.get("executable"):
            return msg["executable"]
    pytest.fail("cargo did not report the interop_peer executable")


@pytest.fixture(scope="module")
def schemas(peer):
    out = subprocess.run([peer, "schemas"], capture_output=True, text=True, check=True)
    docs = json.loads(out.stdout)
    return evowire.Schema(docs["request"]), evowire.Schema(docs["response"])


# ---- the tests ----------------------------------------------------------------------------


def test_python_worker_answers_a_rust_client(server_url, peer, schemas):
    request, response = schemas
    count = 60
    seen = []

    async def run():
        nc = await nats.connect(server_url)

        async def handle(msg):
            h = msg.headers or {}
            seen.append(h)
            assert h.get("Content-Type") == CONTENT_TYPE
            assert h.get("Evowire-Type") == "interop.Quote"
            assert h.get("Evowire-Version", "").split(".")[0] == "1"
            q = request.decode(msg.data)
            try:
                payload, reply_headers = response.encode(fill(q)), headers("interop.Fill")
            except ValueError as e:
                payload, reply_headers = ERROR_SCHEMA.encode({"message": str(e)}), headers(REMOTE_ERROR)
            await nc.publish(msg.reply, payload, headers=reply_headers)

        await nc.subscribe("interop.py", cb=handle)
        await nc.flush()
        proc = await asyncio.create_subprocess_exec(
            peer, "client", server_url, "interop.py", str(count),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 120)
        await nc.drain()
        return proc.returncode, out.decode(), err.decode()

    code, out, err = asyncio.run(run())
    assert code == 0, f"Rust client failed: {err}"
    assert out.strip() == f"ok {count}"
    assert len(seen) == count + 1


def test_rust_worker_answers_a_python_client(server_url, peer, schemas):
    request, response = schemas
    proc = subprocess.Popen(
        [peer, "worker", server_url, "interop.rs"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()

        async def run():
            nc = await nats.connect(server_url)
            for i in range(60):
                q = quote(i)
                msg = await nc.request("interop.rs", request.encode(q), timeout=10, headers=headers("interop.Quote"))
                assert msg.headers["Evowire-Type"] == "interop.Fill"
                assert msg.headers["Content-Type"] == CONTENT_TYPE
                assert msg.headers["Evowire-Version"] == "1.0"
                assert response.decode(msg.data) == fill(q)
            # The handler's error comes back as an error reply.
            msg = await nc.request(
                "interop.rs", request.encode(dict(quote(3), qty=0)), timeout=10, headers=headers("interop.Quote")
            )
            assert msg.headers["Evowire-Type"] == REMOTE_ERROR
            assert "qty must be positive" in ERROR_SCHEMA.decode(msg.data)["message"]
            # Another major version is refused by the Rust side's header check.
            msg = await nc.request(
                "interop.rs", request.encode(quote(1)), timeout=10, headers=dict(headers("interop.Quote"), **{"Evowire-Version": "2.0"})
            )
            assert msg.headers["Evowire-Type"] == REMOTE_ERROR
            assert "major versions differ" in ERROR_SCHEMA.decode(msg.data)["message"]
            # Bytes that are not a Quote: the Rust decoder's error, with its offset.
            msg = await nc.request("interop.rs", b"\x07", timeout=10, headers=headers("interop.Quote"))
            assert msg.headers["Evowire-Type"] == REMOTE_ERROR
            assert "byte offset 0" in ERROR_SCHEMA.decode(msg.data)["message"]
            await nc.drain()

        asyncio.run(run())
    finally:
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
