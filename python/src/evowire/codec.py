"""Schema-driven codecs: one object per type of a schema document, each with ``decode``
(wire item to plain value), ``encode`` (plain value to bytes) and ``default`` (the value a
missing field takes). They follow the Rust decoder's rules (SPEC.md §3-§10).

Decoding recurses once per container and is bounded by the reader's depth limit; newtype
chains, which read no tag of their own, are bounded by ``MAX_FRAMES``. Encoding and defaults
are bounded by the same numbers.
"""

import dataclasses
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from .error import (
    CUSTOM,
    DEPTH_EXCEEDED,
    INTEGER_OVERFLOW,
    INVALID_UTF8,
    INVALID_VALUE,
    Error,
)
from .wire import (
    ABSENT_MARKER,
    BYTES,
    INT,
    MAX_DEPTH_LIMIT,
    SEQ,
    U32_MAX,
    VARIANT,
    Reader,
    pack_f32,
    pack_f64,
    put_varint,
    round_f32,
    unzigzag,
    zigzag,
    f32_bits,
    f64_bits,
)

#: Newtype levels (which read no tag of their own) active at once, and encoder levels.
MAX_FRAMES = 128


def _too_deep(what: str) -> Error:
    return Error(DEPTH_EXCEEDED, f"{what} nested deeper than this decoder allows")


class Codec:
    """A type of the schema: how its values are read, written and defaulted."""

    name = "value"

    def decode(self, r: Reader) -> Any:
        raise NotImplementedError

    def encode(self, out: bytearray, value: Any, lvl: int) -> None:
        raise NotImplementedError

    def default(self, lvl: int) -> Any:
        raise NotImplementedError


def _type_error(codec: Codec, value: Any) -> Error:
    return Error(INVALID_VALUE, f"expected a value for {codec.name}, found {type(value).__name__} {value!r:.60}")


# ---- scalars ------------------------------------------------------------------------------


class Integer(Codec):
    """``u8`` … ``u128``, ``i8`` … ``i128``: a varint (zig-zag if signed) or a fixed item."""

    def __init__(self, name: str, signed: bool, bits: int) -> None:
        self.name = name
        self.signed = signed
        self.lo = -(1 << (bits - 1)) if signed else 0
        self.hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
        self.expected = f"an integer (wire type 0, 1 or 2) for {name}"

    def read(self, r: Reader) -> Tuple[int, int]:
        start = r.pos
        tag = r.tag()
        if tag & 7 == INT:
            v = r.varint(tag, start)
            if self.signed:
                v = unzigzag(v)
        elif tag == 1 or tag == 2:
            v = r.fixed(tag, start)
            if self.signed:
                width = 32 if tag == 1 else 64
                if v >> (width - 1):
                    v -= 1 << width
        else:
            raise r.wrong(tag, start, self.expected)
        return v, start

    def decode(self, r: Reader) -> Any:
        v, start = self.read(r)
        if v < self.lo or v > self.hi:
            raise Error(INTEGER_OVERFLOW, f"integer {v} out of range for {self.name}", start)
        return v

    def encode(self, out: bytearray, value: Any, lvl: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _type_error(self, value)
        if value < self.lo or value > self.hi:
            raise Error(INTEGER_OVERFLOW, f"integer {value} out of range for {self.name}")
        put_varint(out, INT, zigzag(value) if self.signed else value)

    def default(self, lvl: int) -> Any:
        return 0


class Bool(Integer):
    def __init__(self) -> None:
        super().__init__("bool", False, 64)

    def decode(self, r: Reader) -> bool:
        return bool(Integer.decode(self, r))

    def encode(self, out: bytearray, value: Any, lvl: int) -> None:
        if not isinstance(value, bool):
            raise _type_error(self, value)
        out.append(0x08 if value else 0x00)

    def default(self, lvl: int) -> bool:
        return False


class Char(Integer):
    def __init__(self) -> None:
        super().__init__("char", False, 64)

    def decode(self, r: Reader) -> str:
        v, start = self.read(r)
        if v > self.hi:
            raise Error(INTEGER_OVERFLOW, f"integer {v} out of range for char", start)
        if v > 0x10FFFF or 0xD800 <= v <= 0xDFFF:
            raise Error(INVALID_VALUE, f"invalid char: {v:#x} is not a Unicode scalar value", start)
        return chr(v)

    def encode(self, out: bytearray, value: Any, lvl: int) -> None:
        if not isinstance(value, str) or len(value) != 1 or 0xD800 <= ord(value) <= 0xDFFF:
            raise _type_error(self, value)
        put_varint(out, INT, ord(value))

    def default(self, lvl: int) -> str:
        return "\x00"


class Float(Codec):
    """``f32``/``f64``: fixed32 or fixed64, converted to the target's width."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.single = name == "f32"
        self.expected = f"a float (wire type 1 or 2) for {name}"

    def decode(self, r: Reader) -> float:
        start = r.pos
        tag = r.tag()
        if tag == 1:
            return f32_bits(r.fixed(tag, start))
        if tag == 2:
            v = f64_bits(r.fixed(tag, start))
            return round_f32(v) if self.single else v
        raise r.wrong(tag, start, self.expected)

    def encode(self, out: bytearray, value: Any, lvl: int) -> None:
        if not isinstance(value, (float, int)) or isinstance(value, bool):
            raise _type_error(self, value)
        if self.single:
            out.append(1)
            out += pack_f32(float(value))
        else:
            out.append(2)
            out += pack_f64(float(value))

    def default(self, lvl: int) -> float:
        return 0.0


class Unit(Codec):
    """``()`` and unit structs: written as ``00``; a reader skips any one item."""

    def __init__(self, name: str = "unit") -> None:
        self.name = name

    def decode(self, r: Reader) -> None:
        r.skip()
        return None

    def encode(self, out: bytearray, value: Any, lvl: int) -> None:
        if value is not None:
            raise _type_error(self, value)
        out.append(0)

    def default(self, lvl: int) -> None:
        return None


class Blob(Codec):
    """``str``, ``bytes`` and ``packed``: one bytes item."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.text = name == "str"
        self.expected = f"bytes (wire type 4) for {name}"

    def decode(self, r: Reader) -> Any:
        start = r.pos
        tag = r.tag()
        if tag & 7 != BYTES:
            raise r.wrong(tag, start, self.expected)
        data = r.take(r.length(tag, start), start)
        if not self.text:
            return data
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise Error(INVALID_UTF8, f"invalid UTF-8 at byte {e.start} of the string", start) from None

    def encode(self, out: bytearray, value: Any, lvl: int) -> None:
        if self.text:
            if not isinstance(value, str):
                raise _type_error(self, value)
            try:
                data = value.encode("utf-8")
            except UnicodeEncodeError:
                raise Error(INVALID_UTF8, "a string with surrogates is not UTF-8") from None
        elif isinstance(value, (bytes, bytearray, memoryview)):
            data = bytes(value)
        else:
            raise _type_error(self, value)
        put_varint(out, BYTES, len(data))
        out += data

    def default(self, lvl: int) -> Any:
        return "" if self.text else b""


# ---- containers ---------------------------------------------------------------------------


def _seq_header(r: Reader, expected: str) -> Tuple[int, int]:
    """Reads a sequence tag and enters one level: (count, start)."""
    start = r.pos
    tag = r.tag()
    if tag & 7 != SEQ:
        raise r.wrong(tag, start, expected)
    n = r.length(tag, start)
    r.enter(start)
    return n, start


def _check_lvl(lvl: int) -> int:
    if lvl > MAX_DEPTH_LIMIT + MAX_FRAMES:
        raise _too_deep("the value")
    return lvl + 1


class Option(Codec):
    def __init__(self, inner: Codec) -> None:
        self.inner = inner
        self.name = "option"

    def decode(self, r: Reader) -> Any:
        start = r.pos
        tag = r.tag()
        if tag & 7 != VARIANT:
            raise r.wrong(tag, start, "a variant (wire type 5) for an Option")
        d = r.length(tag, start)
        if d > U32_MAX:
            raise Error(INTEGER_OVERFLOW, f"variant index {d} does not fit u32", start)
        if d > 1:
            raise Error(INVALID_VALUE, f"Option discriminant {d}, expected 0 (None) or 1 (Some)", start)
        r.enter(start)
        if d == 0:
            r.skip()
            value = None
        else:
            value = self.inner.decode(r)
        r.depth -= 1
        return value

    def encode(self, out: bytearray, value: Any, lvl: int) -> None:
        if value is None:
            out += b"\x05\x00"
        else:
            out.append(0x0D)
            self.inner.encode(out, value, _check_lvl(lvl))

    def default(self, lvl: int) -> None:
        return None


def _items(codec: Codec, value: Any) -> Sequence[Any]:
    if isinstance(value, (list, tuple)):
        return value
    raise _type_error(codec, value)


class List_(Codec):
    """``seq``: every item of the sequence; markers are errors."""

    def __init__(self, item: Codec) -> None:
        self.item = item
        self.name = "seq"

    def decode(self, r: Reader) -> List[Any]:
        n, _ = _seq_header(r, "a sequence (wire type 3) for a seq")
        item = self.item.decode
        # Each item takes at least one byte: a count beyond the input ends in an error
        # when the input runs out, after as many items as there were bytes.
        out = [item(r) for _ in range(n)]
        r.depth -= 1
        return out

    def encode(self, out: bytearray, value: Any, lvl: int) -> None:
        items = _items(self, value)
        put_varint(out, SEQ, len(items))
        lvl = _check_lvl(lvl)
        for v in items:
            self.item.encode(out, v, lvl)

    def default(self, lvl: int) -> List[Any]:
        return []


def _hashable(key: Any) -> Any:
    if isinstance(key, list):
        return tuple(_hashable(k) for k in key)
    if isinstance(key, dict):
        return tuple((_hashable(k), _hashable(v)) for k, v in key.items())
    return key


class Map(Codec):
    """``map``: a sequence of 2n items, read into a ``dict`` (list keys become tuples)."""

    def __init__(self, key: Codec, value: Codec) -> None:
        self.key = key
        self.value = value
        self.name = "map"

    def decode(self, r: Reader) -> Dict[Any, Any]:
        start = r.pos
        tag = r.tag()
        if tag & 7 != SEQ:
            raise r.wrong(tag, start, "a sequence (wire type 3) for a map")
        n = r.length(tag, start)
        if n % 2:
            raise Error(INVALID_VALUE, f"a map needs an even number of items, found {n}", start)
        r.enter(start)
        out = {}
        kd = self.key.decode
        vd = self.value.decode
        for _ in range(n // 2):
            k = _hashable(kd(r))
            out[k] = vd(r)
        r.depth -= 1
        return out

    def encode(self, out: bytearray, value: Any, lvl: int) -> None:
        if not isinstance(value, dict):
            raise _type_error(self, value)
        put_varint(out, SEQ, 2 * len(value))
        lvl = _check_lvl(lvl)
        for k, v in value.items():
            self.key.encode(out, list(k) if isinstance(k, tuple) else k, lvl)
            self.value.encode(out, v, lvl)

    def default(self, lvl: int) -> Dict[Any, Any]:
        return {}


class Tuple_(Codec):
    """``tuple`` and ``array``: a fixed number of items (SPEC.md §5.4), no markers."""

    def __init__(self, items: List[Codec], name: str, repeat: int = 0) -> None:
        self.items = items
        self.repeat = repeat  # > 0 for an array: `items` has one codec
        self.count = repeat if repeat else len(items)
        self.name = name
        self.expected = f"a sequence (wire type 3) for {name}"

    def codec(self, i: int) -> Codec:
        return self.items[0] if self.repeat else self.items[i]

    def decode(self, r: Reader) -> List[Any]:
        n, start = _seq_header(r, self.expected)
        out = [self.codec(i).decode(r) for i in range(min(n, self.count))]
        if n < self.count:
            raise Error(CUSTOM, f"invalid length {n}, expected {self.name} with {self.count} elements", start)
        r.skip_rest(n - self.count)
        r.depth -= 1
        return out

    def encode(self, out: bytearray, value: Any, lvl: int) -> None:
        items = _items(self, value)
        if len(items) != self.count:
            raise Error(INVALID_VALUE, f"expected {self.count} items for {self.name}, found {len(items)}")
        put_varint(out, SEQ, self.count)
        lvl = _check_lvl(lvl)
        for i, v in enumerate(items):
            self.codec(i).encode(out, v, lvl)

    def default(self, lvl: int) -> List[Any]:
        if self.count > 4096:
            raise Error(CUSTOM, f"no default for {self.name} of {self.count} elements")
        lvl = _check_lvl(lvl)
        return [self.codec(i).default(lvl) for i in range(self.count)]


class Ref(Codec):
    """A ``{"named": …}`` reference; bound to the named type's codec once all are built."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.target: Optional[Codec] = None

    def bind(self, target: Codec) -> None:
        self.target = target
        # Calls go straight to the target: no frame of our own.
        self.decode = target.decode  # type: ignore[method-assign]
        self.encode = target.encode  # type: ignore[method-assign]
        self.default = target.default  # type: ignore[method-assign]


class Newtype(Codec):
    """``struct Foo(T)``: written as ``T`` itself."""

    def __init__(self, name: str, inner: Codec) -> None:
        self.name = name
        self.inner = inner

    def decode(self, r: Reader) -> Any:
        # Newtypes read no tag, so the depth limit does not bound them: at most
        # MAX_FRAMES more of them than the depth limit are active at once.
        r.frames += 1
        if r.frames > r.max_depth + MAX_FRAMES:
            raise Error(DEPTH_EXCEEDED, "newtypes nested too deep", r.pos)
        value = self.inner.decode(r)
        r.frames -= 1
        return value

    def encode(self, out: bytearray, value: Any, lvl: int) -> None:
        self.inner.encode(out, value, _check_lvl(lvl))

    def default(self, lvl: int) -> Any:
        return self.inner.default(_check_lvl(lvl))


class FieldSpec:
    __slots__ = ("name", "codec", "default")

    def __init__(self, name: str, codec: Codec, default: bool) -> None:
        self.name = name
        self.codec = codec
        self.default = default


class Record(Codec):
    """A struct, tuple struct or struct/tuple variant body: a sequence of fields read by
    position (SPEC.md §5.4, §9.3), into a ``dict`` (a ``list`` when ``positional``) or
    a dataclass."""

    def __init__(self, name: str, fields: List[FieldSpec], positional: bool) -> None:
        self.name = name
        self.fields = fields
        self.positional = positional
        self.expected = f"a sequence (wire type 3) for {name}"
        self.cls: Optional[type] = None
        self.cls_defaults: FrozenSet[str] = frozenset()

    def map_to(self, cls: type) -> None:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls!r} is not a dataclass")
        names = [f.name for f in dataclasses.fields(cls) if f.init]
        if names != [f.name for f in self.fields] and not self.positional:
            raise TypeError(f"dataclass {cls.__name__} has fields {names}, {self.name} has {[f.name for f in self.fields]}")
        self.cls = cls
        if not self.positional:
            # Missing fields the dataclass has a default for are left to the dataclass.
            self.cls_defaults = frozenset(
                f.name
                for f in dataclasses.fields(cls)
                if f.default is not dataclasses.MISSING
                or f.default_factory is not dataclasses.MISSING
            )

    def decode(self, r: Reader) -> Any:
        n, start = _seq_header(r, self.expected)
        values: Dict[str, Any] = {}
        data = r.data
        for i, f in enumerate(self.fields):
            if n > 0:
                if data[r.pos : r.pos + 1] != b"\x06":
                    values[f.name] = f.codec.decode(r)
                    n -= 1
                    continue
                r.pos += 1
            if not f.default:
                raise Error(
                    CUSTOM,
                    f"invalid length {i}, expected {self.name} with {len(self.fields)} elements",
                    start,
                )
            if f.name not in self.cls_defaults:
                values[f.name] = f.codec.default(0)
        r.skip_rest(n)
        r.depth -= 1
        return self.build(values)

    def build(self, values: Dict[str, Any]) -> Any:
        if self.cls is not None:
            if self.positional:
                return self.cls(*values.values())
            return self.cls(**values)
        if self.positional:
            return list(values.values())
        return values

    def encode(self, out: bytearray, value: Any, lvl: int) -> None:
        present = self.present(value)
        lvl = _check_lvl(lvl)
        written = sum(1 for v in present if v is not _MISSING)
        put_varint(out, SEQ, written)
        pending = 0
        for f, v in zip(self.fields, present):
            if v is _MISSING:
                pending += 1
                continue
            out += b"\x06" * pending
            pending = 0
            f.codec.encode(out, v, lvl)

    def present(self, value: Any) -> List[Any]:
        """The field values in order; ``_MISSING`` for fields left out (default fields only)."""
        if self.cls is not None and isinstance(value, self.cls):
            return [getattr(value, f.name) for f in self.fields]
        if self.positional:
            items = _items(self, value)
            if len(items) != len(self.fields):
                raise Error(INVALID_VALUE, f"expected {len(self.fields)} items for {self.name}, found {len(items)}")
            return list(items)
        if not isinstance(value, dict):
            raise _type_error(self, value)
        unknown = set(value) - {f.name for f in self.fields}
        if unknown:
            raise Error(INVALID_VALUE, f"{self.name} has no field {sorted(map(str, unknown))[0]!r}")
        out = []
        for f in self.fields:
            if f.name in value:
                out.append(value[f.name])
            elif f.default:
                out.append(_MISSING)
            else:
                raise Error(INVALID_VALUE, f"missing field {f.name!r} of {self.name}, which has no default")
        return out

    def default(self, lvl: int) -> Any:
        lvl = _check_lvl(lvl)
        return self.build({f.name: f.codec.default(lvl) for f in self.fields if f.name not in self.cls_defaults})


_MISSING = object()


class VariantSpec:
    __slots__ = ("name", "body", "unit")

    def __init__(self, name: str, body: Optional[Codec]) -> None:
        self.name = name
        self.body = body  # None for a unit variant
        self.unit = body is None


class Enum(Codec):
    """An enum: a unit variant is its name, another ``{name: body}`` (SPEC.md §7)."""

    def __init__(self, name: str, variants: List[VariantSpec], fallback: bool) -> None:
        self.name = name
        self.variants = variants
        self.fallback = variants[-1].name if fallback else None
        self.index = {v.name: i for i, v in enumerate(variants)}

    def decode(self, r: Reader) -> Any:
        start = r.pos
        tag = r.tag()
        if tag & 7 != VARIANT:
            raise r.wrong(tag, start, f"a variant (wire type 5) for {self.name}")
        d = r.length(tag, start)
        if d > U32_MAX:
            raise Error(INTEGER_OVERFLOW, f"variant index {d} does not fit u32", start)
        if d < len(self.variants):
            variant = self.variants[d]
        elif self.fallback is not None:
            variant = self.variants[-1]
        else:
            raise Error(
                CUSTOM,
                f"invalid value: integer `{d}`, expected variant index 0 <= i < {len(self.variants)}",
                start,
            )
        r.enter(start)
        if variant.body is None:
            r.skip()
            value: Any = variant.name
        else:
            value = {variant.name: variant.body.decode(r)}
        r.depth -= 1
        return value

    def encode(self, out: bytearray, value: Any, lvl: int) -> None:
        if isinstance(value, str):
            name, body = value, None
        elif isinstance(value, dict) and len(value) == 1:
            ((name, body),) = value.items()
        else:
            raise _type_error(self, value)
        i = self.index.get(name)
        if i is None:
            raise Error(INVALID_VALUE, f"{self.name} has no variant {name!r}")
        put_varint(out, VARIANT, i)
        variant = self.variants[i]
        if variant.body is None:
            if body is not None:
                raise Error(INVALID_VALUE, f"{self.name}::{name} is a unit variant")
            out.append(0)
        else:
            variant.body.encode(out, body, _check_lvl(lvl))

    def default(self, lvl: int) -> Any:
        first = self.variants[0]
        if first.body is None:
            return first.name
        return {first.name: first.body.default(_check_lvl(lvl))}


SCALARS: Dict[str, Callable[[], Codec]] = {
    "unit": Unit,
    "bool": Bool,
    "char": Char,
    "f32": lambda: Float("f32"),
    "f64": lambda: Float("f64"),
    "str": lambda: Blob("str"),
    "bytes": lambda: Blob("bytes"),
    "packed": lambda: Blob("packed"),
}
for _bits in (8, 16, 32, 64, 128):
    SCALARS[f"u{_bits}"] = (lambda b: lambda: Integer(f"u{b}", False, b))(_bits)
    SCALARS[f"i{_bits}"] = (lambda b: lambda: Integer(f"i{b}", True, b))(_bits)
