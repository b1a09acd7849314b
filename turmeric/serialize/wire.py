"""The outer framing of serialized Turmeric data (spec/serialization.md, format version 2;
signed data is version 3).

    offset  size  field
    0       4     magic b"TMRC"
    4       1     format version (2 unsigned, 3 signed)
    5       1     flags: bit 0 = signed
    6       4     body length N, unsigned big-endian
    10      N     body: msgpack array [header, records, root]
    10+N    32    check: BLAKE2b-256 of bytes 0..10+N, or keyed BLAKE2b-256 of them with a key
                  derived from the secret (#15 item 4: different secrets never agree)

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
SIGNED_VERSION = 3          # signed data: keyed BLAKE2b with a derived key (version 2 used raw-key HMAC)
LIST_FROM_END_VERSION = 4   # unsigned data that holds a list chunked from its end (#14; else as version 2)
MAC_PERSON = b"TMRC-mac-key-v3."    # BLAKE2b personalization (16 bytes) of the key derivation
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
    if isinstance(key, (bytes, bytearray)):
        raw = bytes(key)
    elif isinstance(key, str):
        raw = key.encode("utf-8", "surrogatepass")
    else:
        raise TurmericError("type", "serialize: the :key must be a string or bytes")
    if not raw:
        raise TurmericError("value", "the :key is empty", hint="a key is a non-empty string or bytes")
    return raw


def mac_key(key) -> bytes:
    """The MAC key derived from a secret of any length (#15 item 4). HMAC pads a short key with
    NUL bytes and hashes a key over 64 bytes, so `k`, `k + NUL` and a long key's SHA-256 were
    the same key; BLAKE2b of the whole secret is a different key for every different secret."""
    return hashlib.blake2b(_key_bytes(key), digest_size=64, person=MAC_PERSON).digest()


HEAD = struct.Struct(">4sBBI")    # magic, format version, flags, body length


def _check(parts, key) -> bytes:
    """The check of the concatenated `parts` (hashed without joining them)."""
    h = hashlib.blake2b(digest_size=CHECK_SIZE) if key is None else \
        hashlib.blake2b(digest_size=CHECK_SIZE, key=mac_key(key))
    for p in parts:
        h.update(p)
    return h.digest()


def pack(body: list, key=None, default=None) -> bytes:
    """Pack and frame a body given as data (tests build bodies this way)."""
    return frame(msgpack.packb(body, use_bin_type=True, default=default), key)


def frame(payload: bytes, key=None, version: int = FORMAT_VERSION) -> bytes:
    """The framing around a packed body: header, body, check. `version`: of unsigned data
    (FORMAT_VERSION, or LIST_FROM_END_VERSION when the body needs it)."""
    if key is not None:
        head = HEAD.pack(MAGIC, SIGNED_VERSION, FLAG_SIGNED, len(payload))
    else:
        head = HEAD.pack(MAGIC, version, 0, len(payload))
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
    if version not in (FORMAT_VERSION, SIGNED_VERSION, LIST_FROM_END_VERSION):
        raise corrupt(f"format version {version} is not supported (this Turmeric reads versions {FORMAT_VERSION} "
                      f"and {LIST_FROM_END_VERSION}, and {SIGNED_VERSION} for signed data)")
    if flags & ~FLAG_SIGNED:
        raise corrupt("unknown flags in the header")
    if flags & FLAG_SIGNED and version != SIGNED_VERSION:
        raise corrupt(f"signed data of format version {version} is not supported (its HMAC used the raw key; "
                      f"this Turmeric reads signed data of version {SIGNED_VERSION})",
                      hint="sign it again with (serialize x :key secret) in this version of Turmeric")
    if version == SIGNED_VERSION and not flags & FLAG_SIGNED:
        raise corrupt(f"format version {SIGNED_VERSION} is only for signed data, and this data is not signed")
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
