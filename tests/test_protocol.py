"""The wire format: plain values round-trip; anything else is refused, never unpickled."""

from __future__ import annotations

import os
import pickle
import struct

import numpy as np
import pytest

from grader.sandbox.protocol import (MAGIC, Caps, ChannelClosed, ChannelTimeout, ProtocolError, Unsupported,
                                     decode, encode, read_message, write_message)


def payload(message: bytes) -> bytes:
    return message[12:]


def test_round_trip_of_plain_values():
    value = (np.arange(6.0).reshape(2, 3), 7.5, [1, 2, 3], {"k": np.float32(2.5)}, np.array(3), True)
    decoded = decode(payload(encode(value)))
    assert isinstance(decoded, tuple) and len(decoded) == 6
    np.testing.assert_array_equal(decoded[0], np.arange(6.0).reshape(2, 3))
    assert decoded[1].shape == () and float(decoded[1]) == 7.5
    np.testing.assert_array_equal(decoded[2], [1.0, 2.0, 3.0])
    assert float(decoded[3]["k"]) == 2.5 and decoded[3]["k"].dtype == np.float32  # dtypes are kept
    assert decoded[4].shape == () and decoded[4].dtype == np.int64


def test_objects_become_unsupported_markers():
    decoded = decode(payload(encode((object(), "text", None, np.array([object()], dtype=object)))))
    assert isinstance(decoded[0], Unsupported) and decoded[0].type_name == "object"
    assert decoded[1] == "text" and decoded[2] is None
    assert isinstance(decoded[3], Unsupported)


def _forged(tree: bytes, blob: bytes) -> bytes:
    return struct.pack("!I", len(tree)) + tree + struct.pack("!Q", len(blob)) + blob


def test_a_well_formed_forged_array_is_read_as_a_plain_native_array():
    blob = np.arange(6, dtype=">i4").tobytes()
    decoded = decode(_forged(b'{"$a": [0, ">i4", [2, 3]]}', blob))
    assert decoded.dtype == np.dtype("int32") and decoded.dtype.isnative
    assert decoded.tolist() == [[0, 1, 2], [3, 4, 5]] and decoded.flags.writeable


@pytest.mark.parametrize("dtype", ["|O", "<c16", "|V8", "<M8[s]", "[('a', '<f8')]", "<U1", "f8"])
def test_object_record_complex_and_text_dtypes_are_refused(dtype):
    tree = b'{"$a": [0, "' + dtype.encode() + b'", [1]]}'
    with pytest.raises(ProtocolError, match="unaccepted type"):
        decode(_forged(tree, pickle.dumps({"x": 1})))


def test_bytes_that_do_not_match_the_shape_are_refused():
    with pytest.raises(ProtocolError, match="do not match"):
        decode(_forged(b'{"$a": [0, "<f8", [3]]}', b"\0" * 16))
    with pytest.raises(ProtocolError, match="bad array shape"):
        decode(_forged(b'{"$a": [0, "<f8", [-1]]}', b""))
    with pytest.raises(ProtocolError, match="bad array reference"):
        decode(_forged(b'{"$a": [5, "<f8", [1]]}', b"\0" * 8))


def test_raw_pickle_is_never_unpickled():
    with pytest.raises(ProtocolError):
        decode(_forged(b'{"$a": 0}', pickle.dumps([1, 2, 3])))
    with pytest.raises(ProtocolError):
        decode(pickle.dumps({"score": 100}))


def test_size_caps():
    message = encode(np.zeros(1000))
    with pytest.raises(ProtocolError, match="size limit"):
        decode(payload(message), Caps(array_elements=999))
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, message)
        with pytest.raises(ProtocolError, match="exceeds"):
            read_message(read_fd, None, Caps(message_bytes=100))
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_deep_nesting_is_refused():
    tree = b'{"$t": [' * 40 + b"1" + b"]}" * 40
    with pytest.raises(ProtocolError):
        decode(struct.pack("!I", len(tree)) + tree)


def test_framing_errors():
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"JUNK" + b"\0" * 8)
    with pytest.raises(ProtocolError, match="frame marker"):
        read_message(read_fd, None)
    os.close(write_fd)
    with pytest.raises(ChannelClosed):
        read_message(read_fd, None)
    os.close(read_fd)


def test_timeout_and_message_over_a_pipe():
    import time

    read_fd, write_fd = os.pipe()
    try:
        with pytest.raises(ChannelTimeout):
            read_message(read_fd, time.monotonic() + 0.05)
        write_message(write_fd, {"id": 1, "value": np.ones(3)})
        message = read_message(read_fd, time.monotonic() + 1)
        assert message["id"] == 1.0 and message["value"].tolist() == [1.0, 1.0, 1.0]
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_magic_is_stable():
    assert encode(1.0)[:4] == MAGIC
