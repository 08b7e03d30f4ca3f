"""Schema-free items: any message as a tree of wire items, like the CLI's ``dump``.

A message decodes to the item it is; each item records its byte offset. Encoding a tree
writes the shortest forms, so a message with padded varints re-encodes shorter.
"""

from dataclasses import dataclass, field
from typing import List, Optional, Union

from .error import INTEGER_OVERFLOW, INVALID_VALUE, INVALID_WIRE_TYPE, TRAILING_BYTES, Error
from .wire import (
    ABSENT_MARKER,
    BYTES,
    DEFAULT_MAX_DEPTH,
    INT,
    SEQ,
    U32_MAX,
    U128_MAX,
    VARIANT,
    Buffer,
    Reader,
    f32_bits,
    f64_bits,
    put_varint,
)


@dataclass(frozen=True)
class Int:
    """An integer item: the unsigned varint value (signed integers are zig-zag codes)."""

    value: int
    offset: Optional[int] = field(default=None, compare=False)


@dataclass(frozen=True)
class Fixed32:
    """A fixed32 item: 32 raw bits (an ``f32``, or a fixed-width ``u32``/``i32``)."""

    bits: int
    offset: Optional[int] = field(default=None, compare=False)

    @property
    def float(self) -> float:
        return f32_bits(self.bits)


@dataclass(frozen=True)
class Fixed64:
    """A fixed64 item: 64 raw bits (an ``f64``, or a fixed-width ``u64``/``i64``)."""

    bits: int
    offset: Optional[int] = field(default=None, compare=False)

    @property
    def float(self) -> float:
        return f64_bits(self.bits)


@dataclass(frozen=True)
class Bytes:
    """A bytes item: a string, a byte string or a packed sequence."""

    data: bytes
    offset: Optional[int] = field(default=None, compare=False)

    @property
    def text(self) -> Optional[str]:
        """The payload as a string, or ``None`` if it is not UTF-8."""
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            return None


@dataclass(frozen=True)
class Seq:
    """A sequence: a struct, tuple, list, or a map's keys and values in turn."""

    items: List["Item"]
    offset: Optional[int] = field(default=None, compare=False)


@dataclass(frozen=True)
class Variant:
    """An enum variant or ``Option`` (0 is ``None``, 1 is ``Some``) and its body."""

    index: int
    body: "Item"
    offset: Optional[int] = field(default=None, compare=False)


@dataclass(frozen=True)
class Absent:
    """The absent-field marker of a skipped struct field: only inside a :class:`Seq`."""

    offset: Optional[int] = field(default=None, compare=False)


Item = Union[Int, Fixed32, Fixed64, Bytes, Seq, Variant, Absent]


def decode_tree(data: Buffer, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Item:
    """Decodes one message, which must fill ``data``, into its item tree.

    Raises :class:`evowire.Error` with the byte offset for malformed input, a nesting deeper
    than ``max_depth`` (at most 200) or bytes after the item.
    """
    reader = Reader(data, max_depth)
    item = _item(reader, False)
    if reader.pos != reader.end:
        raise Error(TRAILING_BYTES, "trailing bytes after the value", reader.pos)
    return item


def _item(r: Reader, in_seq: bool) -> Item:
    start = r.pos
    tag = r.tag()
    wire = tag & 7
    if wire == INT:
        return Int(r.varint(tag, start), start)
    if tag == 1:
        return Fixed32(r.fixed(tag, start), start)
    if tag == 2:
        return Fixed64(r.fixed(tag, start), start)
    if wire == BYTES:
        return Bytes(r.take(r.length(tag, start), start), start)
    if wire == SEQ:
        n = r.length(tag, start)
        r.enter(start)
        items: List[Item] = []
        while n > 0:
            if r.pos < r.end and r.data[r.pos] == ABSENT_MARKER:
                items.append(Absent(r.pos))
                r.pos += 1
                continue
            items.append(_item(r, True))
            n -= 1
        r.depth -= 1
        return Seq(items, start)
    if wire == VARIANT:
        index = r.length(tag, start)
        if index > U32_MAX:
            raise Error(INTEGER_OVERFLOW, f"variant index {index} does not fit u32", start)
        r.enter(start)
        body = _item(r, False)
        r.depth -= 1
        return Variant(index, body, start)
    if tag == ABSENT_MARKER and in_seq:  # pragma: no cover - consumed by the sequence loop
        return Absent(start)
    raise r.wrong(tag, start, "an item")


def encode_tree(item: Item, *, max_depth: int = DEFAULT_MAX_DEPTH) -> bytes:
    """Encodes an item tree, with the shortest varints.

    Raises :class:`evowire.Error` for values out of range, an :class:`Absent` outside a
    sequence or after its last item, or nesting deeper than ``max_depth``.
    """
    out = bytearray()
    _put(out, item, False, 0, max_depth)
    return bytes(out)


def _put(out: bytearray, item: Item, in_seq: bool, depth: int, max_depth: int) -> None:
    if isinstance(item, Int):
        if not 0 <= item.value <= U128_MAX:
            raise Error(INTEGER_OVERFLOW, f"integer {item.value} does not fit 128 bits")
        put_varint(out, INT, item.value)
    elif isinstance(item, Fixed32):
        out.append(1)
        out += _bits(item.bits, 4)
    elif isinstance(item, Fixed64):
        out.append(2)
        out += _bits(item.bits, 8)
    elif isinstance(item, Bytes):
        put_varint(out, BYTES, len(item.data))
        out += item.data
    elif isinstance(item, (Seq, Variant)):
        if depth >= max_depth:
            raise Error("DepthExceeded", f"nesting deeper than {max_depth} levels")
        if isinstance(item, Seq):
            if item.items and isinstance(item.items[-1], Absent):
                # The count ends the sequence: a marker after the last item would be read
                # as the next byte after it (SPEC.md §9.3).
                raise Error(INVALID_VALUE, "an absent-field marker after the last item of a sequence")
            put_varint(out, SEQ, sum(1 for i in item.items if not isinstance(i, Absent)))
            for sub in item.items:
                _put(out, sub, True, depth + 1, max_depth)
        else:
            if not 0 <= item.index <= U32_MAX:
                raise Error(INTEGER_OVERFLOW, f"variant index {item.index} does not fit u32")
            put_varint(out, VARIANT, item.index)
            _put(out, item.body, False, depth + 1, max_depth)
    elif isinstance(item, Absent):
        if not in_seq:
            raise Error(INVALID_WIRE_TYPE, "an absent-field marker outside a sequence")
        out.append(ABSENT_MARKER)
    else:
        raise Error(INVALID_VALUE, f"not an item: {type(item).__name__}")


def _bits(bits: int, width: int) -> bytes:
    if not 0 <= bits < 1 << (8 * width):
        raise Error(INTEGER_OVERFLOW, f"{bits} does not fit {8 * width} bits")
    return bits.to_bytes(width, "little")
