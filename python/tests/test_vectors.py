"""The shared vectors: every case the Rust crate wrote must decode (and encode) here to the
same value, bytes or error kind and offset."""

import pytest

import evowire
from conftest import load, plain, same, tree

def fails_like_rust(decode, data, error):
    """Decoding fails with the kind and offset the Rust decoder reported."""
    with pytest.raises(evowire.Error) as info:
        decode(data)
    assert (info.value.kind, info.value.offset) == (error["kind"], error["offset"]), f"{info.value!r}, Rust: {error}"


TYPED = [(f, c) for f in ("values.json", "evolution.json", "errors.json") for c in load(f)]


def test_files_cover_enough():
    assert len(load("values.json")) >= 80
    assert len(load("evolution.json")) >= 30
    assert len(load("errors.json")) >= 120
    assert len(load("tree.json")) >= 60


@pytest.mark.parametrize("case", [c for _, c in TYPED], ids=[f"{f}:{c['name']}" for f, c in TYPED])
def test_typed_case(case):
    schema = evowire.Schema(case["schema"])
    data = bytes.fromhex(case["hex"])
    if "error" in case:
        fails_like_rust(schema.decode, data, case["error"])
        return
    value = schema.decode(data)
    assert same(value, plain(case["value"])), f"{value!r} != {plain(case['value'])!r}"
    if case.get("encode"):
        written = plain(case.get("encode_value", case["value"]))
        assert schema.encode(written).hex() == case["hex"]


TREE = load("tree.json")


@pytest.mark.parametrize("case", TREE, ids=[c["name"] for c in TREE])
def test_tree_case(case):
    data = bytes.fromhex(case["hex"])
    if "error" in case:
        fails_like_rust(evowire.decode_tree, data, case["error"])
        return
    item = evowire.decode_tree(data)
    assert item == tree(case["tree"])
    assert evowire.encode_tree(item).hex() == case["encoded"]


def test_orders():
    from conftest import VECTORS

    schema = evowire.Schema((VECTORS / "orders.schema.json").read_text())
    data = (VECTORS / "orders.evowire").read_bytes()
    orders = schema.decode(data)
    expected = plain(load("orders.json"))
    assert len(orders) == len(expected) == 2000
    assert same(orders, expected)
    assert schema.encode(orders) == data
