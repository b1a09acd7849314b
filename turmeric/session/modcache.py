"""The on-disk cache of compiled modules, keyed by a hash of the source and the compiler.

An entry holds the marshaled Python code object and the metadata the runtime needs (function
infos, line spans), so a cached module loads without reading, expanding or analyzing the
source, and without importing the parser. A broken or foreign entry is ignored.

A saved REPL session (repl/session_file.py) holds only source; the code its inputs compiled
to is kept here too, as one entry for the whole chain of inputs (`chain_key`, `load_units`,
`store_units`), so restoring it needs no compiler. The cache is the user's own directory:
its code is trusted as the user's compiler output, never code carried by a session file.
"""
from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path

try:
    # start-up: the C SHA-256 that hashlib itself falls back to; importing hashlib loads
    # OpenSSL, 2 ms of the start-up of `turmeric run` (#14). The digests are the same.
    from _sha256 import sha256
except ImportError:   # Python 3.12 renamed it; a build without it has hashlib's
    try:
        from _sha2 import sha256
    except ImportError:
        from hashlib import sha256

from turmeric.data.code import CompiledModule, FnInfo, SiteInfo
from turmeric.data.span import Span
from turmeric.session.unit import Unit, stdlib_dir

FORMAT = 10   # 6: top-level forms named by content (#10 item 1); 7: sites name their point (#10 item 5); 8: shows_result; 9: the compiler's loops (#14); 10: sunk depth tests, d1 (#14 fib, nqueens)


def cache_dir() -> Path:
    base = os.environ.get("TURMERIC_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "turmeric")
    return Path(base)


_compiler_hash: str | None = None


def compiler_hash() -> str:
    """Changes whenever a file of the compiler or of stdlib/ changes (size or modification time)."""
    global _compiler_hash
    if _compiler_hash is None:
        h = sha256(str(FORMAT).encode())
        root = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))   # the turmeric package
        # the compiler's files, and the standard library, whose macros every module expands
        for rel, st in _files(root, ".py") + _files(str(stdlib_dir()), ".tm"):
            h.update(f"{rel}:{st.st_size}:{st.st_mtime_ns}".encode())
        _compiler_hash = h.hexdigest()[:16]
    return _compiler_hash


def _files(root: str, suffix: str, rel: str = "") -> list:
    """(path under root, stat) of every file ending in suffix, in sorted order (os.scandir:
    pathlib's rglob cost 1 ms of every start-up)."""
    out = []
    with os.scandir(os.path.join(root, rel)) as it:
        entries = sorted(it, key=lambda e: e.name)
    for e in entries:
        if e.is_dir():
            if e.name != "__pycache__":
                out += _files(root, suffix, rel + e.name + "/")
        elif e.name.endswith(suffix):
            out.append((rel + e.name, e.stat()))
    return out


def _span(s):
    """A span as a plain tuple. A unit loaded from the cache keeps its line spans as tuples
    (CodeMap makes a Span when asked), and such a unit is written again when a restored
    session is saved (#9 item 2): a tuple stays as it is."""
    if s is None or type(s) is tuple:
        return s
    return (s.file, s.line, s.col, s.end_line, s.end_col)


def _unspan(t):
    return None if t is None else Span(*t)


def info_to_plain(i: FnInfo):
    return (i.symbol, i.module, i.name, _span(i.span), i.code_hash, i.pyname, i.params,
            [(_span(s.span), s.live, s.live_names, s.in_try, s.entry, s.point) for s in i.sites],
            i.free, i.free_names)


def info_from_plain(t) -> FnInfo:
    sym, mod, name, span, h, py, params, sites, free, free_names = t
    return FnInfo(sym, mod, name, _unspan(span), h, py, tuple(params),
                  tuple(SiteInfo(_unspan(s[0]), tuple(s[1]), tuple(s[2]), s[3], s[4], s[5]) for s in sites),
                  tuple(free), tuple(free_names))


class ModuleCache:
    def __init__(self, root: Path | None = None):
        self.root = root or cache_dir()

    def key(self, text: str, path: str, name: str) -> str:
        h = sha256()
        for part in (compiler_hash(), name, os.path.abspath(path), text):
            h.update(part.encode())
            h.update(b"\0")
        return h.hexdigest()[:32]

    def load(self, key: str, session):
        try:
            d = marshal.loads((self.root / (key + ".tmc")).read_bytes())
            for target, h in d["import_hashes"]:
                mod = session.require(target, d["path"])
                if mod.source_hash != h:
                    return None
            return unit_from_bytes(None, d)
        except (OSError, EOFError, ValueError, TypeError, KeyError):
            return None

    def store(self, key: str, unit, session=None, import_hashes=()):
        self._write(key, unit_to_bytes(unit, import_hashes))

    # -- the units of a REPL session (repl/session_file.py) -------------------------------------

    def chain_key(self, module: str, inputs) -> str:
        """The key of the code that the inputs [(source, top count before, file name)],
        compiled in order in a fresh module `module`, made: a hash of the compiler and of
        every input, so it is computed from the sources, never read from a file."""
        h = sha256()
        for part in (compiler_hash(), "repl-session", module):
            h.update(part.encode())
            h.update(b"\0")
        for text, top, file in inputs:
            for part in (file, str(top), text):
                h.update(part.encode("utf-8", "surrogatepass"))
                h.update(b"\0")
        return h.hexdigest()[:32]

    def load_units(self, key: str, session) -> list | None:
        """The units store_units kept under `key`, after loading the modules they import
        (each must still have the source it had), or None."""
        try:
            d = marshal.loads((self.root / (key + ".tmc")).read_bytes())
            if d.get("format") != FORMAT or tuple(d.get("python", ())) != PYTHON:
                return None
            for target, h in d["import_hashes"]:
                if session.require(target).source_hash != h:
                    return None
            units = [unit_from_bytes(None, u) for u in d["units"]]
        except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError):
            return None
        return None if any(u is None for u in units) else units

    def store_units(self, key: str, units, import_hashes=()):
        try:
            data = marshal.dumps({"format": FORMAT, "python": PYTHON,
                                  "import_hashes": list(import_hashes),
                                  "units": [unit_to_dict(u) for u in units]})
        except ValueError:   # a module version marshal cannot write
            return
        self._write(key, data)

    def _write(self, key: str, data: bytes | None):
        if data is None:
            return
        tmp = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            # a new file of a name nobody else picks, as tempfile.mkstemp makes one (without
            # importing tempfile, 3 ms of the start-up)
            tmp = self.root / f"{key}.{os.getpid()}.{os.urandom(6).hex()}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, self.root / (key + ".tmc"))
        except OSError:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass


PYTHON = sys.version_info[:2]


def unit_to_bytes(unit, import_hashes=()) -> bytes | None:
    """A compiled unit as marshal bytes (code object and metadata), or None if it has a
    module version marshal cannot write. Only the same Python version can load it."""
    try:
        return marshal.dumps(unit_to_dict(unit, import_hashes))
    except ValueError:
        return None


def unit_to_dict(unit, import_hashes=()) -> dict:
    """A compiled unit as the plain dict (marshal's types only) unit_to_bytes writes."""
    cm = unit.compiled
    return {"format": FORMAT, "python": PYTHON, "name": cm.name,
            "spans": [_span(s) for s in cm.line_spans],
            "infos": [info_to_plain(i) for i in cm.fninfos], "toplevel": cm.toplevel,
            "definitions": cm.definitions, "def_names": cm.def_names,
            "shows_result": cm.shows_result, "code": unit.code,
            "filename": unit.filename, "version": unit.version, "imports": unit.imports,
            "globals": unit.globals, "import_hashes": list(import_hashes), "path": unit.path,
            "state": unit.state}


def unit_from_bytes(data: bytes | None, d: dict | None = None):
    """The unit unit_to_bytes wrote, or None if it is from another format or Python."""
    try:
        d = marshal.loads(data) if d is None else d
        if d.get("format") != FORMAT or tuple(d.get("python", ())) != PYTHON:
            return None
        cm = CompiledModule(  # line spans stay tuples: CodeMap makes a Span when asked
            d["name"], "", d["spans"],
            [info_from_plain(i) for i in d["infos"]], d["toplevel"], d["definitions"], d["def_names"],
            d["shows_result"])
        return Unit(cm, d["code"], d["filename"], d["version"], d["imports"], d["globals"],
                    d["path"], d.get("state"))
    except (EOFError, ValueError, TypeError, KeyError, AttributeError):
        return None
