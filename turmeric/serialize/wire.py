"""The outer framing of serialized Turmeric data (spec/serialization.md, format version 2).

    offset  size  field
    0       4     magic b"TMRC"
    4       1     format version (2)
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

from turmeric.data.errors import TurmericError
from turmeric.data.types import type_name

MAGIC = b"TMRC"
FORMAT_VERSION = 2
FLAG_SIGNED = 1
HEADER_SIZE = 10
CHECK_SIZE = 32
MAX_SIZE = 1 << 30          # 1 GiB: larger input is rejected before anything is read

# msgpack extension types used inside the body
EXT_REF = 0        # reference to a record: uint32 big-endian index
EXT_KEYWORD = 1    # utf-8 name
EXT_SYMBOL = 2     # utf-8 name
EXT_BIGINT = 3     # signed big-endian two's complement
EXT_STRING = 4     # a string holding lone surrogates: UTF-8 with them encoded as such


SIGNED_HINT = ("this checkpoint is signed: only (deserialize b :key secret) with the key it was signed "
               "with reads it (turmeric resume and inspect take no key)")


def corrupt(message: str, hint: str | None = None) -> TurmericError:
    return TurmericError("deserialize", message,
                         hint=hint or "the data is not a complete Turmeric checkpoint written by serialize")


def _key_bytes(key) -> bytes:
    if isinstance(key, bytes):
        return key
    if isinstance(key, str):
        return key.encode("utf-8")
    raise TurmericError("type", "serialize: the :key must be a string or bytes")


HEAD = struct.Struct(">4sBBI")    # magic, format version, flags, body length


def _check(parts, key) -> bytes:
    """The check of the concatenated `parts` (hashed without joining them)."""
    h = hashlib.blake2b(digest_size=CHECK_SIZE) if key is None else hmac.new(_key_bytes(key), None, hashlib.sha256)
    for p in parts:
        h.update(p)
    return h.digest()


def pack(body: list, key=None, default=None) -> bytes:
    """Pack and frame a body given as data (tests build bodies this way)."""
    return frame(msgpack.packb(body, use_bin_type=True, default=default), key)


def frame(payload: bytes, key=None) -> bytes:
    """The framing around a packed body: header, body, check."""
    head = HEAD.pack(MAGIC, FORMAT_VERSION, FLAG_SIGNED if key is not None else 0, len(payload))
    return b"".join((head, payload, _check((head, payload), key)))


def framing(data) -> tuple:
    """(a byte view of data, flags, body length) after checking the framing around the body:
    what can be checked without the key (turmeric inspect of signed data stops here)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TurmericError("type", f"deserialize: expected bytes, got {type_name(data)}")
    size = len(data) if type(data) is bytes else memoryview(data).nbytes
    if size > MAX_SIZE:
        raise corrupt(f"the data is too large ({size} bytes; the limit is {MAX_SIZE})")
    if size < HEADER_SIZE + CHECK_SIZE:
        raise corrupt(f"the data is too short to be a checkpoint ({size} bytes)")
    view = memoryview(data).cast("B")
    magic, version, flags, n = HEAD.unpack_from(view)
    if magic != MAGIC:
        raise corrupt("this is not Turmeric data (wrong magic bytes)",
                      hint="serialize writes data that starts with TMRC")
    if version != FORMAT_VERSION:
        raise corrupt(f"format version {version} is not supported (this Turmeric reads version {FORMAT_VERSION})")
    if flags & ~FLAG_SIGNED:
        raise corrupt("unknown flags in the header")
    if HEADER_SIZE + n + CHECK_SIZE != size:
        raise corrupt(f"the data is truncated or has extra bytes (header says {n} bytes of body, "
                      f"found {size - HEADER_SIZE - CHECK_SIZE})")
    return view, flags, n


def unpack(data, key=None, ext_hook=None, verify: bool = True) -> tuple:
    """The body (header, records, root), every msgpack array read as a tuple. `verify=False`
    reads a signed body without its key, unauthenticated: only to learn which chunks it
    names (turmeric gc-blobs), never to build values from it."""
    view, flags, n = framing(data)
    signed = bool(flags & FLAG_SIGNED)
    if signed and key is None and verify:
        raise corrupt("the data is signed: pass the key to deserialize (deserialize b :key secret)",
                      hint=SIGNED_HINT)
    if key is not None and not signed:
        raise corrupt("expected signed data, but this data is not signed",
                      hint="it was written without a key: deserialize it without :key")
    end = HEADER_SIZE + n
    if (verify or not signed) and not hmac.compare_digest(_check((view[:end],), key), view[end:]):
        if signed:
            raise corrupt("the signature does not match: the data was changed or the key is wrong",
                          hint="the key differs from the one it was signed with, or the data was changed")
        raise corrupt("the checksum does not match: the data is corrupt")
    try:
        obj = msgpack.unpackb(view[HEADER_SIZE:end], raw=False, use_list=False, strict_map_key=True,
                              ext_hook=ext_hook, max_str_len=n, max_bin_len=n,
                              max_array_len=n, max_map_len=n, max_ext_len=n)
    except TurmericError:
        raise
    except Exception as e:  # noqa: BLE001 - msgpack raises several types on malformed input
        raise corrupt(f"the body is not valid msgpack ({type(e).__name__})") from None
    if type(obj) is not tuple or len(obj) != 3:
        raise corrupt("the body is not [header, records, root]")
    return obj
