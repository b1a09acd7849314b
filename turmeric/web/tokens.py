"""The tokens that name a parked page (spec/web.md section 4).

Stateful (the default): `p` + 32 hex digits, a random 128-bit id; the continuation is a row
of the table `turmeric_web_pages` in the workflow store (SQLite or PostgreSQL), with its
expiry and whether it is one-shot. A restart of the server loses nothing.

Stateless (`--stateless --key-file F`): `s1.KID.DATA`, where DATA is URL-safe base64 of the
zlib-compressed bytes of `(serialize [:web-page expires nonce k] :key secret)` (format 3,
keyed BLAKE2b, spec/serialization.md section 1), KID the id of the key in the key file. The
expiry and the one-shot nonce are inside the signed bytes. The server keeps nothing, except
the nonces of one-shot pages already submitted (`turmeric_web_spent`). A token longer than the
size limit is not made: the page falls back to a stateful token.

Every way a token can be wrong is a `TokenError`, a TurmericError with the HTTP status of the
page that says so: malformed or truncated 400, tampered or signed with an unknown key 403,
unknown 404, submitted twice 409, expired or naming code that changed 410.
"""
from __future__ import annotations

import base64
import binascii
import re
import secrets
import time
import zlib

from turmeric.data.errors import TurmericError
from turmeric.data.values import Continuation, Keyword, vector
from turmeric.serialize import wire
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.workflow.blobs import StoreBlobs

PAGE = Keyword("web-page")
STATEFUL = re.compile(r"p[0-9a-f]{32}\Z")
KID = re.compile(r"[A-Za-z0-9_-]{1,32}\Z")
B64 = re.compile(r"[A-Za-z0-9_-]*\Z")
MAX_TOKEN = 64 * 1024              # longer input is not even decoded
MAX_INFLATED = 4 * 1024 * 1024     # a stateless token inflates to at most this many bytes
DEFAULT_EXPIRES = 3600.0
DEFAULT_MAX_STATELESS = 3000       # characters of a stateless token; longer pages go to the store
KEEP_EXPIRED = 86400.0             # an expired row is kept a day (so it says "expired", not "unknown")


class TokenError(TurmericError):
    """A token that names no page this server can resume; `status` is the page's HTTP status."""

    def __init__(self, status: int, kind: str, message: str, hint: str | None = None):
        super().__init__(kind, message, hint=hint)
        self.status = status


def malformed(detail: str) -> TokenError:
    return TokenError(400, "deserialize", f"this link is malformed: {detail}",
                      hint="the link was cut or changed on the way; go back to the start page")


def expired() -> TokenError:
    return TokenError(410, "value", "this page has expired",
                      hint="a page can be submitted for a limited time; start again")


def replayed() -> TokenError:
    return TokenError(409, "value", "this form was submitted already: it can be submitted only once",
                      hint="nothing was done a second time; go back to the start page to begin again")


# -- keys -------------------------------------------------------------------------------------

class Keys:
    """The keys of a key file: the first signs, every one verifies (key rotation)."""

    def __init__(self, keys: list[tuple[str, bytes]]):
        if not keys:
            raise TurmericError("value", "web: no signing key", hint="a key file holds lines `KEY-ID SECRET`")
        self.current = keys[0]
        self.by_id = dict(keys)

    @staticmethod
    def from_file(path: str) -> "Keys":
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            raise TurmericError("no-input", f"no such key file: {path}") from None
        except (OSError, UnicodeDecodeError) as e:
            raise TurmericError("io", f"cannot read the key file {path}: {e}") from None
        keys: list[tuple[str, bytes]] = []
        for n, line in enumerate(lines, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            parts = text.split()
            where = f"{path}:{n}:1"
            if len(parts) != 2 or not KID.match(parts[0]):
                raise TurmericError("value", f"{where}: a key line is `KEY-ID SECRET` (the id: letters, digits, "
                                             f"- and _, at most 32)")
            secret = parts[1].encode("utf-8")
            if len(secret) < 16:
                raise TurmericError("value", f"{where}: the secret of key {parts[0]} is shorter than 16 characters",
                                    hint="use 32 random bytes, e.g. python3 -c 'import secrets; print(secrets.token_hex(32))'")
            if any(k == parts[0] for k, _ in keys):
                raise TurmericError("value", f"{where}: the key id {parts[0]} is given twice")
            keys.append((parts[0], secret))
        if not keys:
            raise TurmericError("value", f"the key file {path} holds no key",
                                hint="a key file holds lines `KEY-ID SECRET`; the first one signs")
        return Keys(keys)


# -- the store's tables -------------------------------------------------------------------

def _tables(store) -> tuple:
    blob = "BYTEA" if store.ph != "?" else "BLOB"
    return (f"CREATE TABLE IF NOT EXISTS turmeric_web_pages (id TEXT PRIMARY KEY, state {blob} NOT NULL, "
            f"expires REAL NOT NULL, one_shot INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0, "
            f"created REAL NOT NULL)",
            "CREATE TABLE IF NOT EXISTS turmeric_web_spent (nonce TEXT PRIMARY KEY, expires REAL NOT NULL)")


class PageStore:
    """Parked pages in the workflow store (its own two tables beside the workflows' ones)."""

    def __init__(self, store):
        self.store = store
        self.blobs = StoreBlobs(store)
        self.saves = 0

        def go():
            for stmt in _tables(store):
                store.x(stmt)
        store.transact(go)

    def put(self, session, k, expires: float, one_shot: bool) -> str:
        token = "p" + secrets.token_hex(16)

        def write(state, chunks, reused):
            def go():
                # checks that the chunks the page names without writing them are still there:
                # `turmeric workflow gc` may have removed them since this server wrote them
                self.store._put_chunks(chunks, reused)
                self.store.x("INSERT INTO turmeric_web_pages (id, state, expires, one_shot, used, created) "
                             "VALUES (?, ?, ?, ?, 0, ?)", (token, state, expires, int(one_shot), time.time()))
            self.store.transact(go)
        self.blobs.write_encoded(lambda: serialize(session, k, blobs=self.blobs), write)
        self.saves += 1
        if self.saves % 500 == 0:
            self.prune()
        return token

    def get(self, session, token: str):
        row = self.store.x("SELECT state, expires, one_shot, used FROM turmeric_web_pages WHERE id = ?",
                           (token,)).fetchone()
        if row is None:
            raise TokenError(404, "value", "this page is unknown: the link names no page of this server",
                             hint="it may have expired long ago, or been made by another server")
        state, expires, one_shot, used = bytes(row[0]), row[1], row[2], row[3]
        if expires < time.time():
            raise expired()
        if one_shot:
            if used or not self.spend_page(token):
                raise replayed()
        k = load_state(session, lambda: deserialize(session, state, blobs=self.blobs))
        return k

    def spend_page(self, token: str) -> bool:
        def go():
            cur = self.store.x("UPDATE turmeric_web_pages SET used = 1 WHERE id = ? AND used = 0", (token,))
            return cur.rowcount == 1
        return self.store.transact(go)

    def spend_nonce(self, nonce: str, expires: float) -> bool:
        def go():
            cur = self.store.x("INSERT INTO turmeric_web_spent (nonce, expires) VALUES (?, ?) ON CONFLICT DO NOTHING",
                               (nonce, expires))
            return cur.rowcount == 1
        return self.store.transact(go)

    def prune(self):
        limit = time.time() - KEEP_EXPIRED

        def go():
            self.store.x("DELETE FROM turmeric_web_pages WHERE expires < ?", (limit,))
            self.store.x("DELETE FROM turmeric_web_spent WHERE expires < ?", (limit,))
        self.store.transact(go)


def load_state(session, thunk, whole: bool = False):
    """Deserialize a page's continuation (`whole`: a stateless token's signed value); a
    continuation naming changed code is a 410 page."""
    try:
        k = session.run(thunk)
    except TokenError:
        raise
    except TurmericError as e:
        if e.kind in ("schema-mismatch", "module", "unbound"):
            raise TokenError(410, "schema-mismatch",
                             f"this page was made by a version of the application that has changed since: {e.message}",
                             hint="the code it would resume is gone; start again from the start page") from None
        raise TokenError(400, "deserialize", f"this link cannot be resumed: {e.message}") from None
    if not whole and type(k) is not Continuation:
        raise malformed("it does not hold a page")
    return k


# -- stateless tokens --------------------------------------------------------------------------

def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not B64.match(text) or len(text) % 4 == 1:
        raise malformed("it is not URL-safe base64")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise malformed("it is not URL-safe base64") from None
    if _b64encode(data) != text:
        # the last character's unused low bits were changed: the same bytes, another token;
        # a token has one spelling, so a changed token is never the same page
        raise malformed("it is not URL-safe base64 as Turmeric writes it")
    return data


def seal(session, keys: Keys, k, expires: float, one_shot: bool) -> str:
    kid, secret = keys.current
    nonce = secrets.token_hex(16) if one_shot else None
    data = serialize(session, vector([PAGE, float(expires), nonce, k]), key=secret)
    return f"s1.{kid}.{_b64encode(zlib.compress(data, 9))}"


def unseal(session, keys: Keys | None, token: str) -> tuple:
    """(k, expires, nonce) of a stateless token, after its signature and expiry are checked.
    The bytes are untrusted until the signature verifies; even then resources stay closed."""
    if keys is None:
        raise TokenError(403, "deserialize", "this server takes no stateless links (it runs without --stateless)")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != "s1":
        raise malformed("it is not a page token")
    _, kid, body = parts
    if not KID.match(kid):
        raise malformed("its key id is malformed")
    secret = keys.by_id.get(kid)
    if secret is None:
        raise TokenError(403, "deserialize", f"this link is signed with a key this server does not have ({kid})",
                         hint="the key was retired from the key file; start again")
    raw = _b64decode(body)
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(raw, MAX_INFLATED)
    except zlib.error:
        raise tampered() from None
    if inflater.unconsumed_tail:
        raise malformed("its data inflates to more than the limit")
    if not inflater.eof:
        raise malformed("it is truncated")
    if inflater.unused_data:
        raise tampered()
    try:
        # wire.unpack checks the signature before any record is built; resources stay closed
        value = load_state(session, lambda: deserialize(session, data, key=secret, resources="closed"), whole=True)
    except TokenError:
        if not signature_verifies(data, secret):
            raise tampered() from None
        raise
    if not (type(value) is type(vector()) and len(value) == 4 and value[0] is PAGE
            and type(value[1]) is float and (value[2] is None or isinstance(value[2], str))
            and type(value[3]) is Continuation):
        raise malformed("it does not hold a page")
    if value[1] < time.time():
        raise expired()
    return value[3], value[1], value[2]


def signature_verifies(data: bytes, secret: bytes) -> bool:
    """Whether the framing and signature of `data` are good (its records may still be bad):
    wire.unpack checks both before it reads a record; ext types are read as bytes only so
    that the body unpacks without building any value."""
    try:
        wire.unpack(data, secret, ext_hook=lambda code, b: bytes(b))
    except TurmericError:
        return False
    return True


def tampered() -> TokenError:
    return TokenError(403, "deserialize", "this link was changed: its signature does not verify",
                      hint="links are signed by the server; start again from the start page")
