"""The dashboard's login (spec/web.md section 7, "Login"): one secret token, session cookies
signed with a key derived from it, and a rate limit on guesses.

    auth = Auth(token)                       # the secret: at least MIN_TOKEN characters
    auth.token_matches(given)                # constant-time
    value = auth.sessions.issue(now)         # a cookie value: v1.EXPIRES.NONCE.SIGNATURE
    auth.sessions.valid(value, now)          # its HMAC-SHA256 checks, it has not expired nor been revoked

The cookie carries no secret: its signature is HMAC-SHA256 under a key derived from the token
(HMAC-SHA256(token, "turmeric dashboard session v1")), so a server restarted with the same
token accepts the cookies it gave before, and a new token voids them all. A logout revokes the
cookie's nonce in this process until its expiry (bounded: when the table is full, every
session issued so far is voided instead, which is safe). The rate limiter keeps one small
bucket per client address (IPv6 by its /64), at most MAX_CLIENTS of them, and one for all
clients together, so memory stays bounded whatever the guesses.

Nothing here imports the rest of the dashboard: turmeric/web/dashboard.py calls it.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import secrets
import threading
import time
from collections import OrderedDict
from pathlib import Path

from turmeric.data.errors import TurmericError

MIN_TOKEN = 16
ENV_TOKEN = "TURMERIC_DASHBOARD_TOKEN"
COOKIE = "turmeric_dashboard"
DEFAULT_SESSION = 12 * 3600.0          # seconds a login lasts
KEY_LABEL = b"turmeric dashboard session v1"
COOKIE_RE = re.compile(r"v1\.([0-9]{1,12})\.([0-9a-f]{32})\.([0-9a-f]{64})\Z")

# guesses: each client may fail PER_CLIENT times in a row, then once every CLIENT_REFILL seconds;
# all clients together GLOBAL times, then once every GLOBAL_REFILL seconds
PER_CLIENT, CLIENT_REFILL = 5, 12.0
GLOBAL, GLOBAL_REFILL = 100, 1.0
MAX_CLIENTS = 4096
MAX_REVOKED = 10000


def check_token(token: str, where: str) -> str:
    if len(token) < MIN_TOKEN:
        raise TurmericError("value", f"{where}: the dashboard token is {len(token)} characters long; "
                                     f"it must have at least {MIN_TOKEN}",
                            hint="make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")
    if any(c.isspace() for c in token) or not token.isprintable():
        raise TurmericError("value", f"{where}: the dashboard token has a space or a control character")
    return token


def read_token_file(path: str) -> str:
    """The token in the file PATH: its first line that is not blank nor a `#` comment, stripped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TurmericError("no-input", f"the dashboard token file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise TurmericError("io", f"cannot read the dashboard token file {path}: {e}") from None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            return check_token(line, f"{path}:{number}:1")
    raise TurmericError("value", f"{path}: the dashboard token file holds no token",
                        hint="write the token on the file's first line")


def configured_token(token: str | None = None, token_file: str | None = None, environ=None) -> str | None:
    """The token given (an argument, else the file, else TURMERIC_DASHBOARD_TOKEN), or None."""
    if token is not None:
        return check_token(token, "the dashboard's token argument")
    if token_file is not None:
        return read_token_file(token_file)
    env = (os.environ if environ is None else environ).get(ENV_TOKEN)
    if env:
        return check_token(env.strip(), ENV_TOKEN)
    return None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def is_loopback(host: str) -> bool:
    """Whether listening on HOST is listening on this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class Sessions:
    """Signed session cookies with an expiry, and the revoked ones of this process."""

    def __init__(self, token: str, seconds: float = DEFAULT_SESSION):
        self.key = hmac.new(token.encode("utf-8"), KEY_LABEL, hashlib.sha256).digest()
        self.seconds = float(seconds)
        self.revoked: dict[str, int] = {}    # nonce -> its cookie's expiry
        self.min_expires = 0                 # cookies expiring before this are void (the table overflowed)
        self.lock = threading.Lock()

    def sign(self, expires: int, nonce: str) -> str:
        return hmac.new(self.key, f"v1.{expires}.{nonce}".encode(), hashlib.sha256).hexdigest()

    def issue(self, now: float | None = None) -> str:
        now = time.time() if now is None else now
        expires = max(int(now + self.seconds), self.min_expires)
        nonce = secrets.token_hex(16)
        return f"v1.{expires}.{nonce}.{self.sign(expires, nonce)}"

    def parse(self, value: str, now: float | None = None) -> str | None:
        """The nonce of a valid cookie value, or None (forged, malformed, expired, revoked)."""
        now = time.time() if now is None else now
        m = COOKIE_RE.match(value)
        if m is None:
            return None
        expires, nonce, sig = int(m.group(1)), m.group(2), m.group(3)
        if not hmac.compare_digest(sig, self.sign(expires, nonce)):
            return None
        if expires <= now or expires < self.min_expires:
            return None
        with self.lock:
            if nonce in self.revoked:
                return None
        return nonce

    def valid(self, value: str, now: float | None = None) -> bool:
        return self.parse(value, now) is not None

    def revoke(self, value: str, now: float | None = None):
        now = time.time() if now is None else now
        nonce = self.parse(value, now)
        if nonce is None:
            return
        expires = int(value.split(".")[1])
        with self.lock:
            if len(self.revoked) >= MAX_REVOKED:
                self.revoked = {n: e for n, e in self.revoked.items() if e > now}
            if len(self.revoked) >= MAX_REVOKED:      # still full: void every session issued so far
                self.revoked = {}
                self.min_expires = int(now + self.seconds) + 1
                return
            self.revoked[nonce] = expires


class Bucket:
    __slots__ = ("tokens", "at")

    def __init__(self, tokens: float, at: float):
        self.tokens, self.at = tokens, at


class RateLimiter:
    """Failed guesses per client (IPv6 by /64) and overall, as token buckets; bounded memory."""

    def __init__(self, per_client: int = PER_CLIENT, client_refill: float = CLIENT_REFILL,
                 overall: int = GLOBAL, overall_refill: float = GLOBAL_REFILL, max_clients: int = MAX_CLIENTS):
        self.per_client, self.client_refill = per_client, client_refill
        self.overall, self.overall_refill = overall, overall_refill
        self.max_clients = max_clients
        self.clients: OrderedDict[str, Bucket] = OrderedDict()
        self.all = Bucket(float(overall), 0.0)
        self.lock = threading.Lock()

    @staticmethod
    def client_key(address: str) -> str:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return address[:64]
        if ip.version == 6:
            if ip.ipv4_mapped is not None:
                return str(ip.ipv4_mapped)
            return f"{ipaddress.IPv6Address(int(ip) >> 64 << 64)}/64"
        return str(ip)

    @staticmethod
    def _fill(b: Bucket, size: int, refill: float, now: float) -> Bucket:
        b.tokens = min(float(size), b.tokens + max(0.0, now - b.at) / refill)
        b.at = now
        return b

    def retry_after(self, address: str, now: float | None = None) -> float:
        """0 if a guess from ADDRESS may be checked now, else the seconds until one may."""
        now = time.monotonic() if now is None else now
        with self.lock:
            wait = 0.0
            a = self._fill(self.all, self.overall, self.overall_refill, now)
            if a.tokens < 1:
                wait = (1 - a.tokens) * self.overall_refill
            b = self.clients.get(self.client_key(address))
            if b is not None:
                self._fill(b, self.per_client, self.client_refill, now)
                if b.tokens < 1:
                    wait = max(wait, (1 - b.tokens) * self.client_refill)
            return wait

    def failed(self, address: str, now: float | None = None):
        now = time.monotonic() if now is None else now
        key = self.client_key(address)
        with self.lock:
            a = self._fill(self.all, self.overall, self.overall_refill, now)
            a.tokens = max(0.0, a.tokens - 1)
            b = self.clients.pop(key, None)
            if b is None:
                b = Bucket(float(self.per_client), now)
            self._fill(b, self.per_client, self.client_refill, now)
            b.tokens = max(0.0, b.tokens - 1)
            self.clients[key] = b                    # the most recent last
            while len(self.clients) > self.max_clients:
                self.clients.popitem(last=False)     # the least recently failing client goes


class Auth:
    """What the dashboard needs to know about who may use it."""

    def __init__(self, token: str, session_seconds: float = DEFAULT_SESSION, trust_proxy: bool = False,
                 limiter: RateLimiter | None = None):
        check_token(token, "the dashboard")
        if not session_seconds >= 1:
            raise TurmericError("value", f"a dashboard session lasts at least 1 second, not {session_seconds}")
        self.token_digest = _digest(token)
        self.sessions = Sessions(token, session_seconds)
        self.trust_proxy = trust_proxy
        self.limiter = limiter or RateLimiter()

    def token_matches(self, given: str) -> bool:
        return hmac.compare_digest(_digest(given), self.token_digest)

    # -- what a request says -------------------------------------------------------------------

    def client(self, environ) -> str:
        if self.trust_proxy:
            forwarded = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
            if forwarded:
                return forwarded
        return environ.get("REMOTE_ADDR", "") or "-"

    def is_https(self, environ) -> bool:
        if environ.get("wsgi.url_scheme") == "https":
            return True
        if self.trust_proxy:
            return environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower() == "https"
        return False

    @staticmethod
    def cookie_values(environ) -> list[str]:
        """Every value of the session cookie the request carries (a cookie of the same name set
        at a wider path by another app can come along: each is tried)."""
        out = []
        for part in environ.get("HTTP_COOKIE", "").split(";"):
            name, eq, value = part.strip().partition("=")
            if eq and name == COOKIE:
                out.append(value.strip().strip('"'))
        return out

    def session_cookie(self, environ) -> str | None:
        """The request's valid session cookie value, if it has one."""
        for value in self.cookie_values(environ):
            if self.sessions.valid(value):
                return value
        return None

    @staticmethod
    def bearer(environ) -> str | None:
        """The token of an `Authorization: Bearer TOKEN` header; "" for another Authorization."""
        header = environ.get("HTTP_AUTHORIZATION")
        if header is None:
            return None
        scheme, _, value = header.strip().partition(" ")
        return value.strip() if scheme.lower() == "bearer" else ""

    def set_cookie(self, environ, path: str, value: str | None) -> tuple[str, str]:
        """The Set-Cookie header giving VALUE (None: clearing the cookie) for PATH."""
        path = "".join(c for c in path if c not in ';,\r\n') or "/"
        if value is None:
            attrs = [f"{COOKIE}=", "Max-Age=0"]
        else:
            attrs = [f"{COOKIE}={value}", f"Max-Age={int(self.sessions.seconds)}"]
        attrs += [f"Path={path}", "HttpOnly", "SameSite=Strict"]
        if self.is_https(environ):
            attrs.append("Secure")
        return "Set-Cookie", "; ".join(attrs)
