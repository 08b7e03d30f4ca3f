"""Wire primitives (SPEC.md §2-§8): tags, varints, zig-zag, and a bounded reader.

Nothing here recurses: skipping an item uses an explicit stack.
"""

import struct
from typing import List, Union

from .error import (
    DEPTH_EXCEEDED,
    INTEGER_OVERFLOW,
    INVALID_VARINT,
    INVALID_WIRE_TYPE,
    UNEXPECTED_EOF,
    UNEXPECTED_WIRE_TYPE,
    Error,
)

INT, FIXED32, FIXED64, SEQ, BYTES, VARIANT, ABSENT, RESERVED = range(8)
ABSENT_MARKER = 0x06
MAX_VARINT_LEN = 19
U64_MAX = (1 << 64) - 1
U32_MAX = (1 << 32) - 1
U128_MAX = (1 << 128) - 1
#: Nesting levels a decoder accepts by default (SPEC.md §11.1), as in the Rust crate.
DEFAULT_MAX_DEPTH = 128
#: The largest ``max_depth`` this package accepts: decoding recurses once or twice per level
#: and must stay well below Python's default recursion limit of 1000.
MAX_DEPTH_LIMIT = 200

WIRE_NAMES = (
    "an integer",
    "fixed32",
    "fixed64",
    "a sequence",
    "bytes",
    "variant",
    "an absent-field marker",
    "a reserved tag",
)

Buffer = Union[bytes, bytearray, memoryview]


def zigzag(n: int) -> int:
    """The zig-zag code of a signed integer (SPEC.md §3.5), for values in the i128 range."""
    return (n << 1) ^ (n >> 127)


def unzigzag(z: int) -> int:
    """The signed integer of a zig-zag code."""
    return (z >> 1) ^ -(z & 1)


def put_varint(out: bytearray, wire: int, value: int) -> None:
    """Appends the shortest varint of ``value`` (0 to 2**128 - 1) with wire type ``wire``."""
    if value < 16:
        out.append(wire | (value << 3))
        return
    out.append(wire | ((value & 0x0F) << 3) | 0x80)
    value >>= 4
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def check_max_depth(max_depth: int) -> int:
    if not isinstance(max_depth, int) or not 0 <= max_depth <= MAX_DEPTH_LIMIT:
        raise ValueError(f"max_depth must be an int from 0 to {MAX_DEPTH_LIMIT}, not {max_depth!r}")
    return max_depth


def invalid_tag(tag: int) -> bool:
    """Whether ``tag`` is reserved or a marker (SPEC.md §12.3, §9): never a readable item."""
    wire = tag & 7
    return wire >= ABSENT or (wire in (FIXED32, FIXED64) and tag > 2)


def describe_tag(tag: int) -> str:
    wire = tag & 7
    if wire in (FIXED32, FIXED64) and tag > 2:
        return f"a fixed-width tag with value bits set (tag 0x{tag:02x})"
    if wire == ABSENT and tag != ABSENT_MARKER:
        return f"a reserved tag 0x{tag:02x}"
    return f"{WIRE_NAMES[wire]} (wire type {wire})"


class Reader:
    """A position in an input, the current nesting depth and its limit."""

    __slots__ = ("data", "pos", "end", "depth", "max_depth", "frames")

    def __init__(self, data: Buffer, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
        self.data = bytes(data)
        self.pos = 0
        self.end = len(self.data)
        self.depth = 0
        self.max_depth = check_max_depth(max_depth)
        self.frames = 0

    def tag(self) -> int:
        """Takes a tag byte; the end of input is an error at its position."""
        pos = self.pos
        if pos >= self.end:
            raise Error(UNEXPECTED_EOF, "unexpected end of input: expected an item", pos)
        self.pos = pos + 1
        return self.data[pos]

    def wrong(self, tag: int, start: int, expected: str) -> Error:
        """The error for an item of the wrong wire type (or a reserved tag) at ``start``."""
        kind = INVALID_WIRE_TYPE if invalid_tag(tag) else UNEXPECTED_WIRE_TYPE
        return Error(kind, f"expected {expected}, found {describe_tag(tag)}", start)

    def varint(self, tag: int, start: int) -> int:
        """The rest of the varint that starts in ``tag`` (SPEC.md §3.4)."""
        value = (tag >> 3) & 0x0F
        if not tag & 0x80:
            return value
        data = self.data
        pos = self.pos
        end = self.end
        shift = 4
        for k in range(1, MAX_VARINT_LEN):
            if pos >= end:
                raise Error(UNEXPECTED_EOF, "unexpected end of input inside a varint", start)
            b = data[pos]
            pos += 1
            if k == MAX_VARINT_LEN - 1 and (b & 0x80 or b > 0x1F):
                raise Error(INVALID_VARINT, "varint longer than 19 bytes or wider than 128 bits", start)
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                self.pos = pos
                return value
            shift += 7
        raise AssertionError("unreachable: the 19th byte ends the varint")  # pragma: no cover

    def length(self, tag: int, start: int) -> int:
        """A count, length or discriminant: a varint of at most 64 bits."""
        value = self.varint(tag, start)
        if value > U64_MAX:
            raise Error(INTEGER_OVERFLOW, f"length {value} does not fit 64 bits", start)
        return value

    def take(self, n: int, start: int) -> bytes:
        """``n`` bytes; fewer left is an error at ``start`` (nothing is allocated first)."""
        pos = self.pos
        if n > self.end - pos:
            raise Error(
                UNEXPECTED_EOF,
                f"unexpected end of input: item needs {n} more bytes, {self.end - pos} left",
                start,
            )
        self.pos = pos + n
        return self.data[pos : pos + n]

    def fixed(self, tag: int, start: int) -> int:
        """The unsigned little-endian value of a fixed32 or fixed64 item."""
        return int.from_bytes(self.take(4 if tag == 1 else 8, start), "little")

    def enter(self, start: int) -> None:
        if self.depth >= self.max_depth:
            raise Error(DEPTH_EXCEEDED, f"nesting deeper than {self.max_depth} levels", start)
        self.depth += 1

    def skip(self) -> None:
        """Skips one item of any type (SPEC.md §8), with an explicit stack."""
        counts: List[int] = [1]
        in_seq: List[bool] = [False]
        depth = self.depth
        while counts:
            if counts[-1] == 0:
                counts.pop()
                in_seq.pop()
                depth -= 1
                continue
            start = self.pos
            tag = self.tag()
            if tag == ABSENT_MARKER and in_seq[-1]:
                continue
            counts[-1] -= 1
            wire = tag & 7
            if wire == INT:
                self.varint(tag, start)
            elif wire == BYTES:
                self.take(self.length(tag, start), start)
            elif wire in (SEQ, VARIANT):
                n = self.length(tag, start)
                if wire == VARIANT and n > U32_MAX:
                    raise Error(INTEGER_OVERFLOW, f"variant index {n} does not fit u32", start)
                if depth >= self.max_depth:
                    raise Error(DEPTH_EXCEEDED, f"nesting deeper than {self.max_depth} levels", start)
                depth += 1
                counts.append(n if wire == SEQ else 1)
                in_seq.append(wire == SEQ)
            elif tag in (1, 2):
                self.take(4 if tag == 1 else 8, start)
            else:
                raise self.wrong(tag, start, "an item")

    def skip_rest(self, n: int) -> None:
        """Skips the last ``n`` counted items of a sequence, and the markers among them."""
        data = self.data
        while n > 0:
            if self.pos < self.end and data[self.pos] == ABSENT_MARKER:
                self.pos += 1
                continue
            self.skip()
            n -= 1


_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")


def f32_bits(bits: int) -> float:
    return float(_F32.unpack(bits.to_bytes(4, "little"))[0])


def f64_bits(bits: int) -> float:
    return float(_F64.unpack(bits.to_bytes(8, "little"))[0])


def round_f32(x: float) -> float:
    """``x`` rounded to the nearest f32; beyond its range, an infinity (as Rust's ``as``)."""
    try:
        return float(_F32.unpack(_F32.pack(x))[0])
    except OverflowError:
        return float("inf") if x > 0 else float("-inf")


def pack_f32(x: float) -> bytes:
    try:
        return _F32.pack(x)
    except OverflowError:
        return _F32.pack(float("inf") if x > 0 else float("-inf"))


def pack_f64(x: float) -> bytes:
    return _F64.pack(x)
