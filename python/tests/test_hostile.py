"""Hostile input: truncations, every one-byte mutation of the vectors, depth bombs and huge
length claims end in an evowire.Error with an offset, never another exception."""

import sys
import threading

import pytest

import evowire
from conftest import VECTORS, load

TYPED = [c for f in ("values.json", "evolution.json", "errors.json") for c in load(f)]
SCHEMAS = {}


def schema_of(case):
    key = repr(case["schema"])
    if key not in SCHEMAS:
        SCHEMAS[key] = evowire.Schema(case["schema"])
    return SCHEMAS[key]


def decodes_or_fails_with_offset(decode, data):
    try:
        decode(data)
    except evowire.Error as e:
        assert e.offset is not None and 0 <= e.offset <= len(data), repr(e)
        assert e.kind in KINDS, repr(e)
        assert str(e).endswith(f"at byte offset {e.offset}")


KINDS = {
    "UnexpectedEof",
    "InvalidVarint",
    "InvalidWireType",
    "UnexpectedWireType",
    "IntegerOverflow",
    "InvalidUtf8",
    "InvalidValue",
    "DepthExceeded",
    "TrailingBytes",
    "Custom",
}


def test_every_truncation_is_an_eof_error():
    for case in TYPED + load("tree.json"):
        data = bytes.fromhex(case["hex"])
        if "error" in case:
            continue
        decode = schema_of(case).decode if "schema" in case else evowire.decode_tree
        for cut in range(len(data)):
            with pytest.raises(evowire.Error) as info:
                decode(data[:cut])
            assert info.value.kind == "UnexpectedEof", (case["name"], cut, info.value)
            assert info.value.offset is not None and info.value.offset <= cut


def test_every_one_byte_mutation():
    for case in TYPED + load("tree.json"):
        data = bytes.fromhex(case["hex"])
        if len(data) > 40:
            continue
        decode = schema_of(case).decode if "schema" in case else evowire.decode_tree
        for i in range(len(data)):
            for b in range(256):
                decodes_or_fails_with_offset(decode, data[:i] + bytes([b]) + data[i + 1 :])


def test_mutations_of_the_orders_message():
    schema = evowire.Schema((VECTORS / "orders.schema.json").read_text())
    data = (VECTORS / "orders.evowire").read_bytes()[:2000]
    for i in range(0, len(data), 7):
        for b in (0x00, 0x06, 0x07, 0x80, 0xFF, data[i] ^ 0x08):
            decodes_or_fails_with_offset(schema.decode, data[:i] + bytes([b]) + data[i + 1 :])
            decodes_or_fails_with_offset(evowire.decode_tree, data[:i] + bytes([b]) + data[i + 1 :])


TREE_SCHEMA = evowire.Schema(
    {
        "evowire_schema": 1,
        "root": {"named": "Tree"},
        "types": {
            "Tree": {"struct": [{"name": "label", "type": "str"}, {"name": "kids", "type": {"seq": {"named": "Tree"}}}]},
            "Chain": {"newtype": {"option": {"named": "Chain"}}},
        },
    }
)
CHAIN_SCHEMA = evowire.Schema(
    {"evowire_schema": 1, "root": {"named": "Chain"}, "types": {"Chain": {"newtype": {"option": {"named": "Chain"}}}}}
)
UNIT = evowire.Schema({"evowire_schema": 1, "root": "unit"})


@pytest.mark.parametrize("opener", [0x0B, 0x0D])
def test_depth_bombs(opener):
    bomb = bytes([opener]) * 1_000_000 + b"\x00"
    for decode in (evowire.decode_tree, UNIT.decode, CHAIN_SCHEMA.decode, TREE_SCHEMA.decode):
        with pytest.raises(evowire.Error) as info:
            decode(bomb)
        assert info.value.kind in ("DepthExceeded", "UnexpectedWireType"), info.value
        if info.value.kind == "DepthExceeded":
            assert info.value.offset in (128, 127)


def test_a_deep_tree_schema_is_bounded_by_max_depth():
    # Tree: each level is a struct (one level) and a seq (one level).
    leaf = b"\x13\x04\x03"
    msg = leaf
    for _ in range(63):
        msg = b"\x13\x04\x0b" + msg
    assert TREE_SCHEMA.decode(msg)["label"] == ""
    with pytest.raises(evowire.Error) as info:
        TREE_SCHEMA.decode(b"\x13\x04\x0b" + msg)
    assert info.value.kind == "DepthExceeded"


def test_the_largest_depth_decodes_with_little_stack():
    # 200 nested options (the largest max_depth) under a recursion limit well below the
    # default: the decoder needs about two frames per level.
    msg = b"\x0d" * 199 + b"\x05\x00"
    result = []

    def run():
        result.append(CHAIN_SCHEMA.decode(msg, max_depth=200))
        result.append(evowire.decode_tree(b"\x0b" * 200 + b"\x00", max_depth=200))

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(700)
    try:
        t = threading.Thread(target=run)
        t.start()
        t.join()
    finally:
        sys.setrecursionlimit(old)
    assert result[0] is None and isinstance(result[1], evowire.Seq)
    with pytest.raises(ValueError):
        CHAIN_SCHEMA.decode(msg, max_depth=100_000)


def test_huge_length_claims_allocate_nothing():
    u64max = b"\xff\xff\xff\xff\xff\xff\xff\xff\x0f"
    for tag, schema in ((0xFB, {"seq": "u8"}), (0xFC, "bytes"), (0xFC, "str"), (0xFB, {"map": {"key": "u8", "value": "u8"}})):
        s = evowire.Schema({"evowire_schema": 1, "root": schema})
        with pytest.raises(evowire.Error) as info:
            s.decode(bytes([tag]) + u64max)
        assert info.value.kind in ("UnexpectedEof", "InvalidValue")
    arr = evowire.Schema({"evowire_schema": 1, "root": {"array": {"item": "u8", "len": 2**63}}})
    with pytest.raises(evowire.Error) as info:
        arr.decode(b"\x0b\x08")
    assert info.value.kind == "Custom"


def test_newtype_cycles_and_deep_documents_are_refused():
    with pytest.raises(evowire.Error) as info:
        evowire.Schema({"evowire_schema": 1, "root": {"named": "A"}, "types": {"A": {"newtype": {"named": "A"}}}})
    assert info.value.kind == "InvalidSchema"
    deep = "u8"
    for _ in range(500):
        deep = {"seq": deep}
    with pytest.raises(evowire.Error):
        evowire.Schema({"evowire_schema": 1, "root": deep})
    # A long newtype chain reads no input per level: bounded too.
    types = {f"N{i}": {"newtype": {"named": f"N{i + 1}"}} for i in range(300)}
    types["N300"] = {"newtype": "u8"}
    chain = evowire.Schema({"evowire_schema": 1, "root": {"named": "N0"}, "types": types})
    with pytest.raises(evowire.Error) as info:
        chain.decode(b"\x08")
    assert info.value.kind == "DepthExceeded"


def test_cyclic_values_do_not_overflow_the_encoder():
    s = evowire.Schema({"evowire_schema": 1, "root": {"named": "T"}, "types": {"T": {"newtype": {"seq": {"named": "T"}}}}})
    v = []
    v.append(v)
    with pytest.raises(evowire.Error) as info:
        s.encode(v)
    assert info.value.kind == "DepthExceeded"


def test_a_skipped_discriminant_must_fit_u32():
    # A v1 reader skips the third, unknown field: a variant whose index is 2**32 (SPEC §7.2,
    # §8). The Rust decoder refuses it at the same offset (crates/evowire/tests/errors.rs).
    index = (1 << 32) << 3 | 5  # wire type 5, the discriminant in the varint's bits
    varint = bytearray()
    v = index
    while True:
        byte = v & 0x7F
        v >>= 7
        if v:
            varint.append(byte | 0x80)
        else:
            varint.append(byte)
            break
    message = bytes([0x1B, 0x00, 0x00]) + bytes(varint) + b"\x00"
    pair = evowire.Schema(
        {
            "evowire_schema": 1,
            "root": {"named": "Pair"},
            "types": {"Pair": {"struct": [{"name": "a", "type": "u8"}, {"name": "b", "type": "u8"}]}},
        }
    )
    with pytest.raises(evowire.Error) as info:
        pair.decode(message)
    assert (info.value.kind, info.value.offset) == ("IntegerOverflow", 3)
