"""Packed number sequences (SPEC.md §12.2): little-endian fixed-width elements back to back.

A schema records a packed field as ``"packed"`` without its element type, so such a field
decodes to its payload ``bytes``; these helpers convert the payload.
"""

import struct
from typing import List, Sequence, Union

from .error import CUSTOM, INVALID_VALUE, Error

_FORMATS = {"u16": "H", "i16": "h", "u32": "I", "i32": "i", "f32": "f", "u64": "Q", "i64": "q", "f64": "d"}

Number = Union[int, float]


def _format(element: str) -> str:
    try:
        return _FORMATS[element]
    except KeyError:
        raise ValueError(f"packed elements are one of {', '.join(_FORMATS)}, not {element!r}") from None


def unpack(payload: bytes, element: str) -> List[Number]:
    """The numbers of a packed payload; ``element`` is ``"u16"``, ``"f32"``, ``"i64"``, …

    Raises :class:`evowire.Error` (``"Custom"``) if the payload is not a whole number of
    elements.
    """
    code = _format(element)
    width = struct.calcsize(code)
    if len(payload) % width:
        raise Error(
            CUSTOM,
            f"packed payload of {len(payload)} bytes is not a multiple of the {width}-byte element width",
        )
    return list(struct.unpack(f"<{len(payload) // width}{code}", payload))


def pack(values: Sequence[Number], element: str) -> bytes:
    """The packed payload of ``values``; raises :class:`evowire.Error` for out-of-range ones."""
    code = _format(element)
    try:
        return struct.pack(f"<{len(values)}{code}", *values)
    except (struct.error, OverflowError) as e:
        raise Error(INVALID_VALUE, f"cannot pack as {element}: {e}") from None
