"""The one exception type of the package."""

from typing import Optional

# The kinds, named as the Rust crate's ``evowire::ErrorKind`` names them.
UNEXPECTED_EOF = "UnexpectedEof"
INVALID_VARINT = "InvalidVarint"
INVALID_WIRE_TYPE = "InvalidWireType"
UNEXPECTED_WIRE_TYPE = "UnexpectedWireType"
INTEGER_OVERFLOW = "IntegerOverflow"
INVALID_UTF8 = "InvalidUtf8"
INVALID_VALUE = "InvalidValue"
DEPTH_EXCEEDED = "DepthExceeded"
TRAILING_BYTES = "TrailingBytes"
CUSTOM = "Custom"
#: Not a Rust kind: a schema document that is not valid.
INVALID_SCHEMA = "InvalidSchema"


class Error(ValueError):
    """Why a message could not be decoded or encoded, or a schema not loaded.

    ``kind`` is one of the Rust crate's ``ErrorKind`` names (``"UnexpectedEof"``,
    ``"InvalidWireType"``, …) or ``"InvalidSchema"``; ``offset`` is the byte offset of the
    item that failed (``None`` when encoding or loading a schema); ``message`` is the text
    without the offset.
    """

    def __init__(self, kind: str, message: str, offset: Optional[int] = None) -> None:
        self.kind = kind
        self.message = message
        self.offset = offset
        text = message if offset is None else f"{message} at byte offset {offset}"
        super().__init__(text)

    def is_eof(self) -> bool:
        """Whether the input ended too early (more bytes could complete it)."""
        return self.kind == UNEXPECTED_EOF

    def __repr__(self) -> str:
        return f"Error({self.kind}, {self.message!r}, offset {self.offset})"
