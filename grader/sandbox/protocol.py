"""The wire format between the grader and the worker that runs student code.

A message is ``MAGIC | u64 length | payload``; the payload is ``u32 json length |
JSON | blobs``, where each blob is ``u64 length | raw array bytes``. Arrays appear in
the JSON as ``{"$a": [blob index, dtype, shape]}``, tuples as ``{"$t": [...]}``, dicts
as ``{"$d": {...}}`` and values that are neither as ``{"$x": "type name"}``.

The grader trusts nothing that arrives from the worker: :func:`decode` accepts only
arrays whose dtype is a plain boolean, integer or float (``<f8``, ``|b1``, ...),
checks that the bytes match the shape, caps every size, and returns copies in native byte
order that keep their dtype (the grader converts to float64 to compare, and can still say
that a student returned float32 or integers).
There is no pickle and no object dtype anywhere in the format, so nothing can be
unpickled. This module imports only the standard library and numpy because the
worker imports it too.
"""

from __future__ import annotations

import json
import math
import os
import re
import select
import struct
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..text import inert
from .limits import Caps

MAGIC = b"GRD1"
_FRAME = struct.Struct("!4sQ")
_JSON_LEN = struct.Struct("!I")
_BLOB_LEN = struct.Struct("!Q")
_ACCEPTED_KINDS = "biuf"
_DTYPE = re.compile(r"^(\|b1|[<>|][iu][1248]|[<>][f][248])$")  # plain scalars only: no objects, no records
MAX_DEPTH = 16


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed, size-capped message."""


class ChannelClosed(ProtocolError):
    """The other side closed its end (it exited or crashed)."""


class ChannelTimeout(ProtocolError):
    """No complete message arrived before the deadline."""


@dataclass(frozen=True)
class Unsupported:
    """A value the student returned that is not a number, array, tuple or dict."""

    type_name: str


# -- encoding (both sides) ----------------------------------------------------


def encode(obj: Any) -> bytes:
    """Serialise ``obj`` (JSON data with arrays, tuples and dicts inside) into one message."""
    blobs: list[bytes] = []
    tree = _to_tree(obj, blobs, 0)
    text = json.dumps(tree, allow_nan=True).encode()
    parts = [_JSON_LEN.pack(len(text)), text]
    for blob in blobs:
        parts += [_BLOB_LEN.pack(len(blob)), blob]
    payload = b"".join(parts)
    return _FRAME.pack(MAGIC, len(payload)) + payload


def _to_tree(obj: Any, blobs: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        return {"$x": "too deeply nested value"}
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, dict) and "$a" not in obj and all(isinstance(k, str) for k in obj):
        return {"$d": {k: _to_tree(v, blobs, depth + 1) for k, v in obj.items()}}
    if isinstance(obj, tuple):
        return {"$t": [_to_tree(v, blobs, depth + 1) for v in obj]}
    array = _as_numeric_array(obj)
    if array is not None:
        blobs.append(array.tobytes())
        return {"$a": [len(blobs) - 1, array.dtype.str, list(array.shape)]}
    if isinstance(obj, list):
        return [_to_tree(v, blobs, depth + 1) for v in obj]
    if isinstance(obj, dict):
        return {"$x": "dict with non-string keys"}
    return {"$x": type(obj).__name__}


def _as_numeric_array(obj: Any) -> np.ndarray | None:
    if not isinstance(obj, (int, float, np.generic, np.ndarray, list)):
        return None
    try:
        array = np.array(obj)
    except Exception:  # ragged lists and objects whose __array__ raises
        return None
    if array.dtype.kind not in _ACCEPTED_KINDS or array.dtype.fields is not None:
        return None
    return array if array.flags.c_contiguous else array.copy(order="C")


# -- decoding (the grader's side: strict) -------------------------------------


def decode(payload: bytes, caps: Caps = Caps()) -> Any:
    """Parse a payload into JSON data, arrays (of their own plain dtype), tuples, dicts and :class:`Unsupported`."""
    try:
        (json_len,) = _JSON_LEN.unpack_from(payload, 0)
        tree = json.loads(payload[_JSON_LEN.size:_JSON_LEN.size + json_len])
        blobs = _split_blobs(payload, _JSON_LEN.size + json_len)
        budget = [caps.array_elements, caps.items]
        return _from_tree(tree, blobs, budget, 0)
    except ProtocolError:
        raise
    except Exception as exc:  # any malformed payload: truncated, bad JSON, bad numbers
        raise ProtocolError(f"malformed message ({type(exc).__name__})") from None


def _split_blobs(payload: bytes, offset: int) -> list[bytes]:
    blobs = []
    while offset < len(payload):
        (size,) = _BLOB_LEN.unpack_from(payload, offset)
        offset += _BLOB_LEN.size
        if offset + size > len(payload):
            raise ProtocolError("truncated array")
        blobs.append(payload[offset:offset + size])
        offset += size
    return blobs


def _from_tree(tree: Any, blobs: list[bytes], budget: list[int], depth: int) -> Any:
    budget[1] -= 1
    if depth > MAX_DEPTH or budget[1] < 0:
        raise ProtocolError("result too deeply nested or has too many items")
    if tree is None or isinstance(tree, bool):
        return tree
    if isinstance(tree, str):
        return inert(tree)
    if isinstance(tree, (int, float)):
        return tree  # an int stays an int: the feedback can say the student returned an integer
    if isinstance(tree, list):
        return [_from_tree(v, blobs, budget, depth + 1) for v in tree]
    if not isinstance(tree, dict) or len(tree) != 1:
        raise ProtocolError("unexpected value in message")
    (tag, inner), = tree.items()
    if tag == "$a":
        return _load_array(blobs, inner, budget)
    if tag == "$t" and isinstance(inner, list):
        return tuple(_from_tree(v, blobs, budget, depth + 1) for v in inner)
    if tag == "$d" and isinstance(inner, dict):
        return {inert(str(k)): _from_tree(v, blobs, budget, depth + 1) for k, v in inner.items()}
    if tag == "$x" and isinstance(inner, str):
        return Unsupported(inert(inner[:80]))
    raise ProtocolError("unexpected tag in message")


def _load_array(blobs: list[bytes], node: Any, budget: list[int]) -> np.ndarray:
    if not (isinstance(node, list) and len(node) == 3 and isinstance(node[0], int) and 0 <= node[0] < len(blobs)):
        raise ProtocolError("bad array reference")
    index, dtype_name, shape = node
    if not isinstance(dtype_name, str) or not _DTYPE.match(dtype_name):
        raise ProtocolError("array of an unaccepted type")
    if not (isinstance(shape, list) and len(shape) <= MAX_DEPTH
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)):
        raise ProtocolError("bad array shape")
    dtype = np.dtype(dtype_name)
    size = math.prod(shape)
    budget[0] -= size
    if budget[0] < 0:
        raise ProtocolError("result arrays exceed the size limit")
    if size * dtype.itemsize != len(blobs[index]):
        raise ProtocolError("array bytes do not match its shape")
    return np.frombuffer(blobs[index], dtype=dtype, count=size).reshape(shape).astype(dtype.newbyteorder("="))


# -- framing over file descriptors --------------------------------------------


def write_message(fd: int, obj: Any, deadline: float | None = None) -> None:
    write_bytes(fd, encode(obj), deadline)


def write_bytes(fd: int, message: bytes, deadline: float | None = None) -> None:
    """Write all of ``message``; on a non-blocking ``fd``, wait for room until ``deadline``."""
    data = memoryview(message)
    while data:
        try:
            written = os.write(fd, data)
        except BlockingIOError:
            wait = None if deadline is None else deadline - time.monotonic()
            if (wait is not None and wait <= 0) or not select.select([], [fd], [], wait)[1]:
                raise ChannelTimeout("timed out while sending") from None
            continue
        data = data[written:]


def read_message(fd: int, deadline: float | None = None, caps: Caps = Caps()) -> Any:
    """Read one message from ``fd`` before ``deadline`` (a ``time.monotonic()`` value)."""
    header = _read_exactly(fd, _FRAME.size, deadline)
    magic, length = _FRAME.unpack(header)
    if magic != MAGIC:
        raise ProtocolError("bad frame marker (something else was written to the result channel)")
    if length > caps.message_bytes:
        raise ProtocolError(f"result of {length} bytes exceeds the {caps.message_bytes} byte limit")
    return decode(_read_exactly(fd, length, deadline), caps)


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise ChannelTimeout("timed out")
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise ChannelClosed("channel closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
