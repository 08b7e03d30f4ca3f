"""Property tests (hypothesis): any bytes decode or fail with an offset; trees and typed
values survive encode then decode; dataclasses map onto records."""

import dataclasses
from typing import List, Optional

from hypothesis import given, settings
from hypothesis import strategies as st

import evowire
from conftest import VECTORS, load, same
from test_hostile import decodes_or_fails_with_offset

SCHEMAS = [evowire.Schema(c["schema"]) for c in load("values.json")[:80:3]]


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=64))
def test_any_bytes_decode_or_fail_with_an_offset(data):
    decodes_or_fails_with_offset(evowire.decode_tree, data)
    for schema in SCHEMAS:
        decodes_or_fails_with_offset(schema.decode, data)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=40), st.integers(0, 39), st.integers(0, 255))
def test_mutated_valid_messages(data, i, b):
    msg = evowire.encode_tree(evowire.Bytes(data))
    i %= len(msg)
    decodes_or_fails_with_offset(evowire.decode_tree, msg[:i] + bytes([b]) + msg[i + 1 :])


def _seq(items):
    while items and isinstance(items[-1], evowire.Absent):
        items.pop()  # markers stand before a present item only
    return evowire.Seq(items)


def items():
    leaves = st.one_of(
        st.integers(0, 2**128 - 1).map(evowire.Int),
        st.integers(0, 2**32 - 1).map(evowire.Fixed32),
        st.integers(0, 2**64 - 1).map(evowire.Fixed64),
        st.binary(max_size=20).map(evowire.Bytes),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(st.one_of(inner, st.just(evowire.Absent())), max_size=5).map(_seq),
            st.tuples(st.integers(0, 2**32 - 1), inner).map(lambda t: evowire.Variant(*t)),
        ),
        max_leaves=20,
    )


@settings(max_examples=300, deadline=None)
@given(items())
def test_trees_roundtrip(item):
    data = evowire.encode_tree(item)
    assert evowire.decode_tree(data) == item


EVERYTHING = evowire.Schema(
    {
        "evowire_schema": 1,
        "root": {"named": "R"},
        "types": {
            "R": {
                "struct": [
                    {"name": "i", "type": "i64"},
                    {"name": "u", "type": "u128"},
                    {"name": "f", "type": "f64"},
                    {"name": "s", "type": "str"},
                    {"name": "b", "type": "bytes"},
                    {"name": "o", "type": {"option": "i8"}},
                    {"name": "l", "type": {"seq": "u16"}},
                    {"name": "m", "type": {"map": {"key": "str", "value": "bool"}}},
                    {"name": "t", "type": {"tuple": ["char", "f32"]}},
                    {"name": "e", "type": {"named": "E"}},
                    {"name": "d", "type": "u8", "default": True},
                ]
            },
            "E": {"enum": [{"name": "A", "body": "unit"}, {"name": "B", "body": {"struct": [{"name": "x", "type": "i32"}]}}]},
        },
    }
)

f32s = st.floats(width=32, allow_nan=False)
chars = st.characters(blacklist_categories=("Cs",))
values = st.fixed_dictionaries(
    {
        "i": st.integers(-(2**63), 2**63 - 1),
        "u": st.integers(0, 2**128 - 1),
        "f": st.floats(allow_nan=False),
        "s": st.text(alphabet=chars, max_size=20),
        "b": st.binary(max_size=20),
        "o": st.one_of(st.none(), st.integers(-128, 127)),
        "l": st.lists(st.integers(0, 65535), max_size=10),
        "m": st.dictionaries(st.text(alphabet=chars, max_size=5), st.booleans(), max_size=4),
        "t": st.tuples(chars, f32s).map(list),
        "e": st.one_of(st.just("A"), st.integers(-(2**31), 2**31 - 1).map(lambda x: {"B": {"x": x}})),
    },
    optional={"d": st.integers(0, 255)},
)


@settings(max_examples=300, deadline=None)
@given(values)
def test_typed_values_roundtrip(value):
    data = EVERYTHING.encode(value)
    back = EVERYTHING.decode(data)
    expected = dict(value)
    expected.setdefault("d", 0)
    assert same(back, {k: expected[k] for k in back})
    # The schema-free tree of the same bytes re-encodes to them.
    assert evowire.encode_tree(evowire.decode_tree(data)) == data


@dataclasses.dataclass
class Order:
    id: int
    side: str
    price: float
    qty: int
    symbol: str
    timestamp: int
    client_tag: Optional[str] = None


def test_orders_as_dataclasses():
    schema = evowire.Schema((VECTORS / "orders.schema.json").read_text(), classes={"Order": Order})
    data = (VECTORS / "orders.evowire").read_bytes()
    orders: List[Order] = schema.decode(data)
    assert all(isinstance(o, Order) for o in orders)
    assert orders[0].id == load("orders.json")[0]["dict"][0][1]
    assert schema.encode(orders) == data


@dataclasses.dataclass
class V2:
    id: int
    note: str = "none"
    tags: List[str] = dataclasses.field(default_factory=lambda: ["default"])


def test_dataclass_defaults_fill_missing_fields():
    doc = {
        "evowire_schema": 1,
        "root": {"named": "V2"},
        "types": {
            "V2": {
                "struct": [
                    {"name": "id", "type": "u64"},
                    {"name": "note", "type": "str", "default": True},
                    {"name": "tags", "type": {"seq": "str"}, "default": True},
                ]
            }
        },
    }
    schema = evowire.Schema(doc, classes={"V2": V2})
    # A v1 writer sent only `id`.
    assert schema.decode(b"\x0b\x38") == V2(7)
    plain = evowire.Schema(doc)
    assert plain.decode(b"\x0b\x38") == {"id": 7, "note": "", "tags": []}
    assert schema.encode(V2(1, "n", [])) == b"\x1b\x08\x0c\x6e\x03"
    # Fields left out of a dict: the middle one becomes the absent marker.
    assert plain.encode({"id": 1, "tags": []}) == b"\x13\x08\x06\x03"


def test_packed_helpers():
    assert evowire.pack([1.0, -2.0], "f32") == bytes.fromhex("0000803f000000c0")
    assert evowire.unpack(bytes.fromhex("ffffffff02000000"), "i32") == [-1, 2]
    try:
        evowire.unpack(b"\x00\x00\x01", "u16")
    except evowire.Error as e:
        assert e.kind == "Custom"
    else:
        raise AssertionError("accepted 3 bytes of u16")
