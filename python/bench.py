"""Decode and encode speed of the orders data set (vectors/orders.evowire: the first 2,000
orders of the Rust benchmark's `orders` set), against msgpack (C-accelerated) and json in the
same run.

    python bench.py            # a few seconds
    python bench.py --quick    # one short round

Prints one line per format and operation: the best time per pass over the 2,000 orders,
throughput of that format's own bytes, and the ratio to evowire.
"""

import json
import sys
import timeit
from pathlib import Path

import evowire

try:
    import msgpack
except ImportError:  # pragma: no cover
    msgpack = None

VECTORS = Path(__file__).resolve().parent.parent / "vectors"


def best(fn, repeat, number):
    return min(timeit.repeat(fn, repeat=repeat, number=number)) / number


def main(argv):
    quick = "--quick" in argv
    repeat, number = (2, 1) if quick else (5, 3)
    schema = evowire.Schema((VECTORS / "orders.schema.json").read_text())
    data = (VECTORS / "orders.evowire").read_bytes()
    orders = schema.decode(data)
    assert schema.encode(orders) == data

    rows = []
    formats = [("evowire", lambda: schema.decode(data), lambda: schema.encode(orders), data)]
    if msgpack is not None:
        packed = msgpack.packb(orders)
        formats.append(("msgpack", lambda: msgpack.unpackb(packed), lambda: msgpack.packb(orders), packed))
    text = json.dumps(orders).encode()
    formats.append(("json", lambda: json.loads(text), lambda: json.dumps(orders).encode(), text))

    base = {}
    for name, decode, encode, encoded in formats:
        for op, fn in (("decode", decode), ("encode", encode)):
            t = best(fn, repeat, number)
            base.setdefault(op, t)
            rows.append((name, op, t, len(encoded) / t / 1e6, base[op] / t, len(encoded)))

    print(f"orders: {len(orders)} messages, Python {sys.version.split()[0]}")
    print(f"{'format':8} {'op':6} {'ms/pass':>9} {'MB/s':>7} {'x evowire':>9} {'bytes':>8}")
    for name, op, t, mbs, ratio, size in rows:
        print(f"{name:8} {op:6} {t * 1e3:9.2f} {mbs:7.1f} {ratio:9.2f} {size:8}")


if __name__ == "__main__":
    main(sys.argv[1:])
