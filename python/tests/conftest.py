"""Shared helpers: the vectors in the repository's `vectors/` directory, which the Rust
crate writes (crates/evowire-schema/tests/vectors.rs)."""

import json
import math
import struct
from pathlib import Path
from typing import Any, Dict, List

import evowire

VECTORS = Path(__file__).resolve().parents[2] / "vectors"


def load(name: str) -> List[Dict[str, Any]]:
    with open(VECTORS / name, encoding="utf-8") as f:
        return json.load(f)


def plain(j: Any) -> Any:
    """The Python value of a vector's JSON value (see vectors/README.md)."""
    if isinstance(j, list):
        return [plain(x) for x in j]
    if isinstance(j, dict):
        ((key, arg),) = j.items()
        if key == "int":
            return int(arg)
        if key == "float":
            return float(arg)
        if key == "bytes":
            return bytes.fromhex(arg)
        if key == "dict":
            return {_key(plain(k)): plain(v) for k, v in arg}
        if key == "variant":
            return {arg[0]: plain(arg[1])}
        raise AssertionError(f"unknown tag {key}")
    return j


def _key(k: Any) -> Any:
    return tuple(_key(x) for x in k) if isinstance(k, list) else k


def tree(j: List[Any]) -> evowire.Item:
    """The item tree of a vector's JSON tree."""
    kind = j[0]
    if kind == "int":
        return evowire.Int(int(j[1]))
    if kind == "fixed32":
        return evowire.Fixed32(j[1])
    if kind == "fixed64":
        return evowire.Fixed64(j[1])
    if kind == "bytes":
        return evowire.Bytes(bytes.fromhex(j[1]))
    if kind == "seq":
        return evowire.Seq([tree(x) for x in j[1]])
    if kind == "variant":
        return evowire.Variant(j[1], tree(j[2]))
    if kind == "absent":
        return evowire.Absent()
    raise AssertionError(kind)


def same(a: Any, b: Any) -> bool:
    """Equality that also tells 1 from 1.0 from True, -0.0 from 0.0, and NaN equals NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)
