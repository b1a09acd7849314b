"""#15 item 4 (spec/serialization.md §1, §10): a nil key where a key is expected is an error
(an unset key variable must not accept forged tokens), and the MAC key is derived from the
whole secret, so secrets that HMAC treated alike (k and k + NUL, a key over 64 bytes and its
SHA-256) never verify each other's data. Signed data is format version 3."""
from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings, strategies as st

from turmeric.data.errors import TurmericError
from turmeric.runtime import machine
from turmeric.serialize import wire
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session

machine.allow_deep_python_stack()


@pytest.fixture(scope="module")
def session():
    return Session()


@pytest.mark.parametrize("src", [
    '(deserialize (serialize [1 2]) :key nil)',
    '(deserialize (serialize [1 2]) :key (getenv "TURMERIC_SURELY_UNSET_KEY_VAR"))',
    '(deserialize (serialize [1 2] :key "s") :key nil)',
    '(serialize [1 2] :key nil)',
])
def test_item4_a_nil_key_is_an_error(session, src):
    """#15 item 4: (deserialize unsigned :key nil) used to accept the data unverified."""
    with pytest.raises(TurmericError) as e:
        session.eval_string(src)
    assert e.value.kind == "value" and ":key is nil" in e.value.message


def test_item4_an_empty_key_is_an_error(session):
    with pytest.raises(TurmericError) as e:
        session.eval_string('(serialize 1 :key "")')
    assert e.value.kind == "value"


def refused(session, data, key):
    with pytest.raises(TurmericError) as e:
        deserialize(session, data, key)
    assert e.value.kind == "deserialize" and "signature" in e.value.message


def test_item4_key_and_key_with_nul_bytes_differ(session):
    """#15 item 4: HMAC pads a short key with NULs, so "k" and "k\\0" were one key."""
    data = serialize(session, "payload", key=b"secret")
    assert deserialize(session, data, b"secret") is not None
    refused(session, data, b"secret\0")
    refused(session, data, b"secret\0\0\0")


def test_item4_long_key_and_its_sha256_differ(session):
    """#15 item 4: HMAC hashes a key over 64 bytes, so it equalled its SHA-256."""
    long_key = b"x" * 100
    data = serialize(session, "v", key=long_key)
    assert deserialize(session, data, long_key) == "v"
    refused(session, data, hashlib.sha256(long_key).digest())


def test_item4_signed_data_is_version_3_and_old_signed_data_is_refused(session):
    data = serialize(session, 1, key="k")
    assert data[4] == wire.SIGNED_VERSION == 3 and serialize(session, 1)[4] == wire.FORMAT_VERSION == 2
    old = bytearray(data)
    old[4] = 2
    with pytest.raises(TurmericError) as e:
        deserialize(session, bytes(old), "k")
    assert e.value.kind == "deserialize" and "raw key" in e.value.message


@settings(max_examples=60, deadline=None)
@given(a=st.binary(min_size=1, max_size=130), b=st.binary(min_size=1, max_size=130))
def test_item4_class_different_secrets_never_agree(session, a, b):
    """#15 item 4, the class: any two different secrets give different MAC keys and checks."""
    if a == b:
        return
    assert wire.mac_key(a) != wire.mac_key(b)
    data = serialize(session, 7, key=a)
    refused(session, data, b)
