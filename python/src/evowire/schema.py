"""Schema documents (the JSON that ``evowire-schema`` writes) and messages read and written
through them."""

import json
from typing import Any, Dict, List, Mapping, Optional, Union

from .codec import (
    MAX_FRAMES,
    SCALARS,
    Codec,
    Enum,
    FieldSpec,
    List_,
    Map,
    Newtype,
    Option,
    Record,
    Ref,
    Tuple_,
    Unit,
    VariantSpec,
)
from .error import DEPTH_EXCEEDED, INVALID_SCHEMA, TRAILING_BYTES, Error
from .wire import DEFAULT_MAX_DEPTH, Buffer, Reader, check_max_depth

#: The schema document format version this package reads.
SCHEMA_VERSION = 1
_MAX_NESTING = 128


def _bad(message: str) -> Error:
    return Error(INVALID_SCHEMA, message)


class Schema:
    """A message type, from an evowire schema document, that decodes and encodes messages.

    ``document`` is the JSON text or the parsed object. ``classes`` maps names of struct and
    tuple-struct types to dataclasses: their values then decode to instances (missing fields
    take the dataclass's defaults where it has them) and instances encode.

    Values are plain Python: ``bool``, ``int``, ``float``, ``str`` (also ``char``),
    ``bytes`` (``bytes`` and ``packed``), ``None`` (unit, unit structs, ``None`` options),
    ``list`` (seqs, tuples, arrays, tuple structs), ``dict`` (maps and structs, by field
    name); an enum value is the variant name for a unit variant and ``{name: body}``
    otherwise; ``Some(x)`` and newtypes are ``x`` itself.

    Raises :class:`evowire.Error` (kind ``"InvalidSchema"``) for a document that is not
    valid.
    """

    def __init__(
        self,
        document: Union[str, bytes, Mapping[str, Any]],
        classes: Optional[Mapping[str, type]] = None,
    ) -> None:
        if isinstance(document, (str, bytes)):
            try:
                document = json.loads(document)
            except (ValueError, RecursionError) as e:
                raise _bad(f"not JSON: {e}") from None
        if not isinstance(document, Mapping):
            raise _bad("a schema document is a JSON object")
        extra = set(document) - {"evowire_schema", "root", "types"}
        if extra:
            raise _bad(f"unknown key {sorted(extra)[0]!r}")
        if document.get("evowire_schema") != SCHEMA_VERSION:
            raise _bad(f"unknown schema document version {document.get('evowire_schema')!r}")
        types = document.get("types", {})
        if not isinstance(types, Mapping):
            raise _bad("`types` is an object")
        self.document = document
        self._types = types
        self._named: Dict[str, Codec] = {}
        self._refs: List[Ref] = []
        self.root = self._type(document.get("root"), 0)
        for name in list(types):
            self._ref(name)
        self._bind()
        for name, cls in (classes or {}).items():
            codec = self._named.get(name)
            if not isinstance(codec, Record):
                raise _bad(f"{name!r} is not a struct or tuple struct of the schema")
            codec.map_to(cls)

    # ---- loading --------------------------------------------------------------------------

    def _ref(self, name: Any) -> Codec:
        if not isinstance(name, str) or name not in self._types:
            raise _bad(f"reference to the undefined type {name!r}")
        ref = Ref(name)
        self._refs.append(ref)
        if name not in self._named:
            self._named[name] = Unit(name)  # a placeholder while the type itself is built
            self._named[name] = self._container(name, self._types[name])
        return ref

    def _bind(self) -> None:
        for ref in self._refs:
            ref.bind(self._named[ref.name])
        self._check_newtype_cycles()

    def _check_newtype_cycles(self) -> None:
        """A newtype that contains itself through newtypes only would read no input."""
        for name, codec in self._named.items():
            seen = set()
            while isinstance(codec, Newtype):
                if codec.name in seen:
                    raise _bad(f"newtype {name!r} contains itself and has no finite value")
                seen.add(codec.name)
                inner = codec.inner
                codec = inner.target if isinstance(inner, Ref) and inner.target else inner

    def _type(self, ty: Any, nesting: int) -> Codec:
        if nesting > _MAX_NESTING:
            raise _bad(f"types nested deeper than {_MAX_NESTING} levels")
        if isinstance(ty, str):
            make = SCALARS.get(ty)
            if make is None:
                raise _bad(f"unknown type {ty!r}")
            return make()
        if not isinstance(ty, Mapping) or len(ty) != 1:
            raise _bad(f"a type is a name or an object with one key, not {ty!r:.80}")
        ((key, arg),) = ty.items()
        n = nesting + 1
        if key == "named":
            return self._ref(arg)
        if key == "option":
            return Option(self._type(arg, n))
        if key == "seq":
            return List_(self._type(arg, n))
        if key == "map":
            if not isinstance(arg, Mapping) or set(arg) != {"key", "value"}:
                raise _bad("a map type is {\"key\": K, \"value\": V}")
            return Map(self._type(arg["key"], n), self._type(arg["value"], n))
        if key == "tuple":
            if not isinstance(arg, list):
                raise _bad("a tuple type holds a list of types")
            return Tuple_([self._type(t, n) for t in arg], f"a tuple of {len(arg)}")
        if key == "array":
            if not isinstance(arg, Mapping) or set(arg) != {"item", "len"}:
                raise _bad("an array type is {\"item\": T, \"len\": N}")
            length = arg["len"]
            if not isinstance(length, int) or isinstance(length, bool) or not 0 <= length < 1 << 64:
                raise _bad(f"array length {length!r}")
            return Tuple_([self._type(arg["item"], n)], f"an array of {length}", length)
        raise _bad(f"unknown type {key!r}")

    def _fields(self, fields: Any, owner: str) -> List[FieldSpec]:
        if not isinstance(fields, list):
            raise _bad(f"the fields of {owner} are a list")
        out = []
        names = set()
        for f in fields:
            if not isinstance(f, Mapping) or not {"name", "type"} <= set(f) <= {"name", "type", "default"}:
                raise _bad(f"a field of {owner} is {{\"name\", \"type\", \"default\"?}}")
            if f["name"] in names:
                raise _bad(f"{owner} has two fields named {f['name']!r}")
            names.add(f["name"])
            out.append(FieldSpec(str(f["name"]), self._type(f["type"], 1), f.get("default") is True))
        return out

    def _container(self, name: str, c: Any) -> Codec:
        if c == "unit_struct":
            return Unit(name)
        if not isinstance(c, Mapping) or len(c) != 1:
            raise _bad(f"type {name!r}: unknown definition {c!r:.80}")
        ((key, arg),) = c.items()
        if key == "newtype":
            return Newtype(name, self._type(arg, 1))
        if key in ("struct", "tuple_struct"):
            return Record(name, self._fields(arg, name), key == "tuple_struct")
        if key == "enum":
            return self._enum(name, arg)
        raise _bad(f"type {name!r}: unknown kind {key!r}")

    def _enum(self, name: str, variants: Any) -> Codec:
        if not isinstance(variants, list) or not variants:
            raise _bad(f"enum {name!r} has no variants")
        specs = []
        fallback = False
        for i, v in enumerate(variants):
            if not isinstance(v, Mapping) or not {"name", "body"} <= set(v) <= {"name", "body", "fallback"}:
                raise _bad(f"a variant of {name!r} is {{\"name\", \"body\", \"fallback\"?}}")
            owner = f"{name}::{v['name']}"
            body = v["body"]
            if v.get("fallback") is True:
                if body != "unit" or i != len(variants) - 1:
                    raise _bad(f"the fallback {owner} must be the last variant and a unit variant")
                fallback = True
            if body == "unit":
                specs.append(VariantSpec(str(v["name"]), None))
                continue
            if not isinstance(body, Mapping) or len(body) != 1:
                raise _bad(f"unknown body of {owner}")
            ((kind, arg),) = body.items()
            if kind == "newtype":
                codec: Codec = self._type(arg, 1)
            elif kind in ("tuple", "struct"):
                codec = Record(owner, self._fields(arg, owner), kind == "tuple")
            else:
                raise _bad(f"unknown body {kind!r} of {owner}")
            specs.append(VariantSpec(str(v["name"]), codec))
        if len({s.name for s in specs}) != len(specs):
            raise _bad(f"enum {name!r} has two variants with one name")
        return Enum(name, specs, fallback)

    # ---- messages -------------------------------------------------------------------------

    def decode(self, data: Buffer, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
        """Decodes one message, which must fill ``data``, into a plain value.

        Raises :class:`evowire.Error` with the kind and byte offset the Rust decoder reports
        for the same input (SPEC.md §11.3), including ``"DepthExceeded"`` past ``max_depth``
        nested sequences and variants (at most 200) and ``"TrailingBytes"``.
        """
        reader = Reader(data, max_depth)
        try:
            value = self.root.decode(reader)
        except RecursionError:
            raise Error(DEPTH_EXCEEDED, "nesting too deep for the Python stack", reader.pos) from None
        if reader.pos != reader.end:
            raise Error(TRAILING_BYTES, "trailing bytes after the value", reader.pos)
        return value

    def encode(self, value: Any) -> bytes:
        """Encodes a plain value (or a mapped dataclass) as a message of this type.

        A struct ``dict`` may leave out fields that have a default: a field left out before
        a written one becomes the absent-field marker, trailing ones are not written.
        Raises :class:`evowire.Error` for a value that does not fit the schema.
        """
        out = bytearray()
        try:
            self.root.encode(out, value, 0)
        except RecursionError:
            raise Error(DEPTH_EXCEEDED, "value nested too deep for the Python stack") from None
        return bytes(out)

    def default(self) -> Any:
        """The value a missing field of the root type would take."""
        return self.root.default(0)


def decode(schema: Schema, data: Buffer, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """``schema.decode(data)``."""
    check_max_depth(max_depth)
    return schema.decode(data, max_depth=max_depth)


def encode(schema: Schema, value: Any) -> bytes:
    """``schema.encode(value)``."""
    return schema.encode(value)


__all__ = ["Schema", "decode", "encode", "SCHEMA_VERSION", "MAX_FRAMES"]
