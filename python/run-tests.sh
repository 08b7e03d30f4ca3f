#!/usr/bin/env bash
# Runs the Python package's tests on a fresh Debian/Ubuntu machine: creates a virtual
# environment in python/.venv (installing python3-venv and python3-pip with apt-get when they
# are missing and this runs as root), installs the package with its test extras (pytest,
# hypothesis, nats-py, msgpack) and runs pytest. Extra arguments go to pytest.
#
# The NATS interop tests also need cargo (they build crates/evowire-nats' interop_peer
# example) and nats-server, which they install with apt-get when missing and run as root.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${EVOWIRE_PY_VENV:-$here/.venv}"
python="${PYTHON:-python3}"

if ! command -v "$python" >/dev/null; then
    echo "run-tests.sh: $python not found; install python3 (3.9 or newer)" >&2
    exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
    if ! "$python" -m venv "$venv" 2>/dev/null; then
        rm -rf "$venv"
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "run-tests.sh: installing python3-venv and python3-pip" >&2
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            apt-get install -y -qq python3-venv python3-pip >/dev/null
            "$python" -m venv "$venv"
        else
            echo "run-tests.sh: cannot create a venv; install python3-venv (apt-get install python3-venv)" >&2
            exit 1
        fi
    fi
fi

"$venv/bin/python" -m pip install -q --disable-pip-version-check "$here[test]"
cd "$here"
exec "$venv/bin/python" -m pytest -q "$@"
