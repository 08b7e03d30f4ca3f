"""evowire for Python: read and write evowire messages (the Rust crate's wire format).

* :func:`decode_tree` / :func:`encode_tree`: any message as a tree of wire items, without a
  schema (like ``evowire dump``);
* :class:`Schema`: a message type from an evowire schema document (the JSON that the
  ``evowire-schema`` crate writes), whose :meth:`Schema.decode` and :meth:`Schema.encode`
  turn messages into plain Python values and back, with the Rust decoder's schema evolution
  rules;
* :func:`pack` / :func:`unpack`: the payload of packed number sequences;
* :class:`Error`: the one exception, with ``kind`` and byte ``offset``.
"""

from .error import Error
from .packed import pack, unpack
from .schema import SCHEMA_VERSION, Schema
from .tree import Absent, Bytes, Fixed32, Fixed64, Int, Item, Seq, Variant, decode_tree, encode_tree
from .wire import DEFAULT_MAX_DEPTH, MAX_DEPTH_LIMIT, unzigzag, zigzag

__version__ = "0.1.0"

__all__ = [
    "Absent",
    "Bytes",
    "DEFAULT_MAX_DEPTH",
    "Error",
    "Fixed32",
    "Fixed64",
    "Int",
    "Item",
    "MAX_DEPTH_LIMIT",
    "SCHEMA_VERSION",
    "Schema",
    "Seq",
    "Variant",
    "decode_tree",
    "encode_tree",
    "pack",
    "unpack",
    "unzigzag",
    "zigzag",
]
