"""The outer framing of serialized Turmeric data (spec/serialization.md, format version 1).

    offset  size  field
    0       4     magic b"TMRC"
    4       1     format version (1)
    5       1     flags: bit 0 = signed with HMAC-SHA256
    6       4     body length N, unsigned big-endian
    10      N     body: msgpack array [header, records, root]
    10+N    32    check: BLAKE2b-256 of bytes 0..10+N, or HMAC-SHA256 of them with the key

Nothing is unpacked before the length and the check agree, so truncated, bit-flipped and
random input stops here with a clear error. msgpack is unpacked with limits derived from the
input size, so a forged length inside the body cannot make it allocate without bound.
"""
from __future__ import annotations

import hashlib
import hmac
import struct

import msgpack

from ..runtime.errors import TurmericError

MAGIC = b"TMRC"
FORMAT_VERSION = 1
FLAG_SIGNED = 1
HEADER_SIZE = 10
CHECK_SIZE = 32
MAX_SIZE = 1 << 30          # 1 GiB: larger input is rejected before anything is read

# msgpack extension types used inside the body
EXT_REF = 0        # reference to a record: uint32 big-endian index
EXT_KEYWORD = 1    # utf-8 name
EXT_SYMBOL = 2     # utf-8 name
EXT_BIGINT = 3     # signed big-endian two's complement


def corrupt(message: str, hint: str | None = None) -> TurmericError:
    return TurmericError("deserialize", message,
                         hint=hint or "the data is not a complete Turmeric checkpoint written by serialize")


def _key_bytes(key) -> bytes:
    if isinstance(key, bytes):
        return key
    if isinstance(key, str):
        return key.encode("utf-8")
    raise TurmericError("type", "serialize: the :key must be a string or bytes")


def _check(data: bytes, key) -> bytes:
    if key is None:
        return hashlib.blake2b(data, digest_size=CHECK_SIZE).digest()
    return hmac.new(_key_bytes(key), data, hashlib.sha256).digest()


def pack(body: list, key=None) -> bytes:
    try:
        payload = msgpack.packb(body, use_bin_type=True)
    except UnicodeEncodeError:
        raise TurmericError("serialize", "cannot serialize a string that is not valid Unicode "
                                         "(it holds a lone surrogate such as \\ud800)") from None
    head = MAGIC + bytes([FORMAT_VERSION, FLAG_SIGNED if key is not None else 0]) + struct.pack(">I", len(payload))
    framed = head + payload
    return framed + _check(framed, key)


def unpack(data, key=None, ext_hook=None) -> list:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        from ..runtime.builtins_core import type_name
        raise TurmericError("type", f"deserialize: expected bytes, got {type_name(data)}")
    data = bytes(data)
    if len(data) > MAX_SIZE:
        raise corrupt(f"the data is too large ({len(data)} bytes; the limit is {MAX_SIZE})")
    if len(data) < HEADER_SIZE + CHECK_SIZE:
        raise corrupt(f"the data is too short to be a checkpoint ({len(data)} bytes)")
    if data[:4] != MAGIC:
        raise corrupt("this is not Turmeric data (wrong magic bytes)",
                      hint="serialize writes data that starts with TMRC")
    if data[4] != FORMAT_VERSION:
        raise corrupt(f"format version {data[4]} is not supported (this Turmeric reads version {FORMAT_VERSION})")
    flags = data[5]
    if flags & ~FLAG_SIGNED:
        raise corrupt("unknown flags in the header")
    (n,) = struct.unpack(">I", data[6:10])
    if HEADER_SIZE + n + CHECK_SIZE != len(data):
        raise corrupt(f"the data is truncated or has extra bytes (header says {n} bytes of body, "
                      f"found {len(data) - HEADER_SIZE - CHECK_SIZE})")
    signed = bool(flags & FLAG_SIGNED)
    if signed and key is None:
        raise corrupt("the data is signed: pass the key to deserialize (deserialize b :key secret)")
    if key is not None and not signed:
        raise corrupt("expected signed data, but this data is not signed")
    framed, check = data[:HEADER_SIZE + n], data[HEADER_SIZE + n:]
    if not hmac.compare_digest(_check(framed, key), check):
        raise corrupt("the signature does not match: the data was changed or the key is wrong" if signed
                      else "the checksum does not match: the data is corrupt")
    body = framed[HEADER_SIZE:]
    limit = len(body)
    try:
        obj = msgpack.unpackb(body, raw=False, use_list=True, strict_map_key=True, ext_hook=ext_hook,
                              max_str_len=limit, max_bin_len=limit,
                              max_array_len=limit, max_map_len=limit, max_ext_len=limit)
    except TurmericError:
        raise
    except Exception as e:  # noqa: BLE001 - msgpack raises several types on malformed input
        raise corrupt(f"the body is not valid msgpack ({type(e).__name__})") from None
    if not isinstance(obj, list) or len(obj) != 3:
        raise corrupt("the body is not [header, records, root]")
    return obj
