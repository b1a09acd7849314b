"""Parked continuations against changed code (#10 items 3-5): load a checkpoint with the code
it was saved with or the current code, check it without running it, and move the frames of
changed functions onto the new code.

A frame is *upgradable* when its function changed but the suspension point it waits at
(`checkpoint:NAME`, or a call named by callee and ordinal, `SiteInfo.point`) still exists in
the new code with the same live variable names: its locals are moved by name. Any other
changed frame needs a migration declared in the current code,
`(defmigration module.fn OLD-HASH (fn [frame] new-frame))`, which gets the old frame as data
({:function :code-hash :point :site :locals {name value}}) and returns the frame for the new
code ({:point P :locals {...}}). Knowing the old frame's point and variable names takes the
old code: it is loaded from the checkpoint's code store (serialize/codestore.py), never from
the payload. A struct in the data whose fields changed reaches a migration as a map of its
old fields with :%struct, the struct's name; one no migration replaced is refused.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from turmeric.data.errors import TurmericError
from turmeric.data.values import Box, Continuation, Keyword, PMap, Symbol, is_vector
from turmeric.serialize import codestore, wire
from turmeric.serialize.blobs import store_beside
from turmeric.serialize.decode import PYTHON_ERRORS, Decoder, ext_hook, schema_mismatch
from turmeric.serialize.format import T_CONT, T_FRAME, T_STRUCT
from turmeric.session.session import Session

STRUCT_KEY = Keyword("%struct")


def session_for(path: str) -> Session:
    """A session whose module path starts at the checkpoint's directory and the cwd."""
    return Session(module_path=[os.path.dirname(os.path.abspath(path)), os.getcwd()])


def unpack(data: bytes, key=None):
    return wire.unpack(data, key, ext_hook)


def use_code_store(session: Session, path: str | None, header, mode: str = "current", store=None) -> None:
    """Resolve the checkpoint's modules against the versions its header names, kept in the
    code store beside `path`, or in `store` (a workflow store's: workflow/code.py) (mode
    "saved": only those; "current": the module path first)."""
    if store is None and path is not None:
        store = codestore.store_beside(path)
    code = codestore.header_code(header)
    if store is None:
        code = {}
    if mode == "saved" and not code:
        raise schema_mismatch(
            "this checkpoint names no saved module versions (it was not written by the checkpoint macro, "
            "or before the code store existed)", None,
            hint="resume it with --code current (the default)")
    session.use_code_store(store, code, mode)


# -- frames of changed code -------------------------------------------------------------------


@dataclass(eq=False)
class Moved:
    """A frame header whose frames move to the new code: automatically (`migration` None) or
    by a declared migration. Stands in for the resume entry until the frame is rebuilt."""
    symbol: str
    old_hash: str
    old_site: int
    old_names: tuple
    point: str
    new_info: object
    migration: object = None
    frames: list = field(default_factory=list)    # the frame indexes it stands for (check)
    where: tuple = (None, None, None)              # file, line and source line of the old point


class Refused(Exception):
    """Why a checkpoint cannot run on the current code, frame by frame (turmeric check)."""


def frame_report(frame, symbol, reason, file=None, line=None, source=None, **more) -> dict:
    out = {"frame": frame, "function": symbol, "reason": reason}
    if line is not None:
        out.update(file=file, line=line, source=source)
    out.update(more)
    return out


class UpgradingDecoder(Decoder):
    """The decoder, with frames of changed functions moved (or, with `dry`, only classified:
    turmeric check runs no migration). `old` is a session on the checkpoint's saved code."""

    def __init__(self, session, header, records, blobs=None, resources="reopen", old=None, dry=False,
                 code_where: str = "the code store beside the checkpoint"):
        super().__init__(session, header, records, blobs, resources)
        self.old = old
        self.dry = dry
        self.code_where = code_where         # where the old code is kept, for a refusal's reason
        self.moved: list[Moved] = []
        self.stale: list[str] = []           # structs read as maps of their old fields
        self.heads: dict[str, str] = {}      # function symbol -> code hash, of each frame header
        self._cont = None

    def build(self, i: int, r: tuple):
        # the base decoder dispatches by tag through a table of its own methods
        if r[0] in (T_CONT, T_FRAME, T_STRUCT):
            self.check_depth(i, r)
            return (self.continuation if r[0] == T_CONT else self.frame if r[0] == T_FRAME else self.struct)(i, r)
        return super().build(i, r)

    # frames
    def continuation(self, i, r):
        self._cont = r
        k = super().continuation(i, r)
        self._cont = None
        if not any(type(e) is Moved for e, _ in k.frames):
            return k
        if self.dry:
            return k
        return Continuation(tuple(self.move(e, locs) if type(e) is Moved else (e, locs)
                                  for e, locs in k.frames))

    def frame(self, i, r):
        entry, locs = super().frame(i, r)
        return self.move(entry, locs) if type(entry) is Moved and not self.dry else (entry, locs)

    def frame_index(self, head) -> int | None:
        r = self._cont
        try:
            return r[2].index(r[1].index(head)) if r is not None else None
        except ValueError:
            return None

    def frame_entry(self, i, head):
        mod_index, symbol, site, code_hash = head
        if isinstance(symbol, str) and isinstance(code_hash, str) and mod_index is not None:
            self.heads.setdefault(symbol, code_hash)
        migration = None
        if mod_index is not None and isinstance(symbol, str) and isinstance(code_hash, str):
            migration = self.session.migrations.get((symbol, code_hash))
        if migration is None:
            try:
                return super().frame_entry(i, head)
            except TurmericError as e:
                if e.kind != "schema-mismatch" or mod_index is None:
                    raise
                return self.plan(i, head, e, None)
        return self.plan(i, head, None, migration)

    def old_function(self, name: str, symbol: str, code_hash: str):
        if self.old is None:
            return None
        try:
            info = self.old.resolve_symbol(name, symbol, None)
        except TurmericError:
            return None
        return info if info is not None and info.code_hash == code_hash else None

    def plan(self, i, head, err, migration):
        mod_index, symbol, site, code_hash = head
        name = self.module(mod_index, i)[0]
        at = self.frame_index(head)
        old = self.old_function(name, symbol, code_hash)
        if old is None or not 0 <= site < len(old.sites):
            why = err.message if err is not None else f"function {symbol} changed"
            raise self.refuse(at, symbol, why + f"; {self.code_where} has no copy of the version "
                              "it was saved with, so its frame cannot be moved", None, code_hash=code_hash)
        s = old.sites[site]
        where = self.old.source_line(s.span) if s.span is not None else None
        try:
            new = self.session.resolve_symbol(name, symbol, None)
        except TurmericError as e:
            raise self.refuse(at, symbol, e.message, s, code_hash=code_hash) from None
        if new is None:
            raise self.refuse(at, symbol, f"function {symbol} no longer exists", s, code_hash=code_hash)
        moved = Moved(symbol, code_hash, site, s.live_names, s.point, new, migration,
                      where=(shown_file(s.span.file), s.span.line, where.strip() if where else None)
                      if s.span else (None,) * 3)
        if migration is None:
            target = next((j for j, t in enumerate(new.sites) if t.point == s.point), None)
            if target is None:
                raise self.refuse(at, symbol, f"the suspension point {s.point} no longer exists in {symbol} "
                                  f"(code hash {code_hash} -> {new.code_hash})", s,
                                  code_hash=code_hash, new_hash=new.code_hash, point=s.point)
            if sorted(new.sites[target].live_names) != sorted(s.live_names):
                raise self.refuse(
                    at, symbol, f"the live variables at {s.point} changed: ({' '.join(s.live_names)}) -> "
                    f"({' '.join(new.sites[target].live_names)}); declare (defmigration {symbol} \"{code_hash}\" "
                    f"(fn [frame] ...)) to say how the old frame maps onto the new code", s,
                    code_hash=code_hash, new_hash=new.code_hash, point=s.point,
                    old_locals=list(s.live_names), new_locals=list(new.sites[target].live_names))
        if at is not None:
            moved.frames.append(at)
        self.moved.append(moved)
        return moved, len(s.live_names)

    def refuse(self, at, symbol, reason, s, **more) -> TurmericError:
        line = file = source = None
        if s is not None and s.span is not None:
            file, line = shown_file(s.span.file), s.span.line
            text = self.old.source_line(s.span)
            source = text.strip() if text else None
        report = frame_report(at, symbol, reason, file, line, source, **more)
        where = f" at {file}:{line} `{source}`" if line is not None else ""
        e = schema_mismatch(f"frame {at if at is not None else '?'}: {symbol}{where}: {reason}", None)
        e.details = report
        return e

    def move(self, m: Moved, locs: tuple):
        """The frame for the new code: its locals by name, or what the migration returns."""
        values = {n: (v.v if type(v) is Box else v) for n, v in zip(m.old_names, locs)}
        boxed = {n for n, v in zip(m.old_names, locs) if type(v) is Box}
        point = m.point
        if m.migration is not None:
            frame = PMap.from_pairs([
                (Keyword("function"), m.symbol), (Keyword("code-hash"), m.old_hash),
                (Keyword("point"), m.point), (Keyword("site"), m.old_site),
                (Keyword("locals"), PMap.from_pairs([(Symbol(n), v) for n, v in values.items()]))])
            out = self.session.call(m.migration, frame, who=f"the migration of {m.symbol}")
            if type(out) is not PMap or type(out.get(Keyword("locals"))) is not PMap:
                raise TurmericError("type", f"the migration of {m.symbol} {m.old_hash} must return a frame: "
                                            f"a map with :point and :locals")
            point = out.get(Keyword("point"), point)
            values = {k.name if type(k) is Symbol else str(k): v for k, v in out.get(Keyword("locals")).items()}
        target = next((j for j, t in enumerate(m.new_info.sites) if t.point == point), None)
        if target is None:
            raise schema_mismatch(f"the migration of {m.symbol} names the point {point}, which the new code does "
                                  f"not have (its points: {' '.join(t.point for t in m.new_info.sites)})", None)
        site = m.new_info.sites[target]
        missing = [n for n in site.live_names if n not in values and not n.startswith("%")]
        if missing:
            raise schema_mismatch(f"the frame of {m.symbol} at {point} has no value for {' '.join(missing)} "
                                  f"(the new code keeps {' '.join(site.live_names)} there)", None,
                                  hint=f"declare (defmigration {m.symbol} \"{m.old_hash}\" (fn [frame] ...)) "
                                       f"that adds them")
        new_locs = tuple(Box(values.get(n)) if n in boxed else values.get(n) for n in site.live_names)
        stale = find_stale(new_locs)
        if stale is not None:
            raise schema_mismatch(f"struct {stale} changed its fields, and the frame of {m.symbol} still holds "
                                  f"one with the old fields", None,
                                  hint=f"make the migration of {m.symbol} build the new struct from the map of "
                                       f"its old fields")
        return self.session.resume_entry(m.new_info, target), new_locs

    # structs whose fields changed reach a migration as maps of their old fields
    def struct(self, i, r):
        try:
            return super().struct(i, r)
        except TurmericError as e:
            if e.kind != "schema-mismatch" or self.old is None:
                raise
            try:
                old = self.old.find_struct_type(r[1])
            except TurmericError:
                old = None
            fields = self.vals(r[3:], i)
            if old is None or len(old.fields) != len(fields):
                raise
            self.stale.append(r[1])
            return PMap.from_pairs([(STRUCT_KEY, r[1])] + [(Keyword(f), v) for f, v in zip(old.fields, fields)])


def shown_file(file: str | None) -> str | None:
    """A source file for a report: a version kept in a code store is shown as such."""
    # turmeric_code: a workflow store's table of saved versions (workflow/code.py)
    folder = os.path.basename(os.path.dirname(file)) if file else None
    if folder in (codestore.DIRNAME, "turmeric_code"):
        return f"{folder}/{os.path.basename(file)} (the saved version)"
    return file


def find_stale(values) -> str | None:
    """The name of a struct read as a map of its old fields, anywhere in `values`."""
    stack = list(values)
    seen = 0
    while stack and seen < 100_000:
        v = stack.pop()
        seen += 1
        if type(v) is PMap:
            s = v.get(STRUCT_KEY)
            if isinstance(s, str):
                return s
            stack.extend(v.values())
        elif is_vector(v) or type(v) in (tuple, list):
            stack.extend(v)
        elif type(v) is Box:
            stack.append(v.v)
        elif type(v) is Continuation:
            for _entry, locs in v.frames:
                stack.extend(locs)
    return None


def old_session(path: str | None, header, store=None) -> Session | None:
    """A session on the code the checkpoint was saved with (its code store beside `path`, or
    `store`), or None."""
    code = codestore.header_code(header)
    if store is None and path is not None:
        store = codestore.store_beside(path)
    if store is None or not code:
        return None
    s = Session(module_path=[])
    try:
        s.use_code_store(store, code, "saved")
    except TurmericError:
        return None
    return s


def decode(session: Session, header, records, root, blobs=None, upgrade: bool = False, old=None,
           dry: bool = False, size: int | None = None, code_where: str | None = None):
    """deserialize's decoding, with frames of changed code moved when `upgrade`; `size`: the
    input's bytes, against which the reader's budgets are counted (spec/serialization.md §9);
    `code_where`: where the old code is kept, as a refusal names it."""
    try:
        if not upgrade:
            dec = Decoder(session, header, records, blobs)
            dec.input_bytes = size
            return dec.decode(root), None
        dec = UpgradingDecoder(session, header, records, blobs, old=old, dry=dry,
                               **({"code_where": code_where} if code_where else {}))
        dec.input_bytes = size
        value = dec.decode(root)
        if not dry and dec.stale:
            name = find_stale([value])
            if name is not None:
                raise schema_mismatch(f"struct {name} changed its fields, and no migration replaced a value of it",
                                      None)
        return value, dec
    except PYTHON_ERRORS as e:
        raise wire.corrupt(f"the data is malformed ({type(e).__name__} while reading its records)") from None


def load_checkpoint(session: Session, path: str, data: bytes, code: str = "current", upgrade: bool = False):
    """The value a checkpoint file holds, its modules resolved as `code` says (#10 item 4),
    with frames of changed code moved onto the current code when `upgrade` (item 5)."""
    header, records, root = unpack(data)
    use_code_store(session, path, header, code)
    blobs = store_beside(path)
    old = old_session(path, header) if upgrade and code == "current" else None
    value, _ = session.run(lambda: decode(session, header, records, root, blobs, upgrade and code == "current", old,
                                                   size=len(data)))
    return value


# -- turmeric check ---------------------------------------------------------------------------


class Checker:
    """Checks checkpoints against the current code, running none of them: one session per
    folder for the current code, one per set of saved module versions for the old code."""

    def __init__(self):
        self.current: dict[str, Session] = {}
        self.old: dict[tuple, Session | None] = {}

    def session(self, path: str) -> Session:
        d = os.path.dirname(os.path.abspath(path))
        s = self.current.get(d)
        if s is None:
            s = self.current[d] = session_for(path)
        return s

    def old_session(self, path: str | None, header, store=None) -> Session | None:
        code = codestore.header_code(header)
        key = (os.path.dirname(os.path.abspath(path)) if store is None else id(store), tuple(sorted(code.items())))
        if key not in self.old:
            self.old[key] = old_session(path, header, store)
        return self.old[key]

    def check(self, path: str, data: bytes | None = None, blobs=None, near: str | None = None,
              code=None, code_where: str | None = None) -> dict:
        """{"path", "status": ok | upgradable | refused, "frames": [...], "error"?}. A file's
        checkpoint (data None) has its code and blob stores beside it; a workflow's (data
        given) has those of its store (`blobs`, `code`: workflow/code.py, `code_where` naming
        it), and its modules are looked for beside `near`."""
        try:
            if data is None:
                data = read_limited(path)
                code_path, near = path, path
                if blobs is None:
                    blobs = store_beside(path)
            else:
                code_path = None
            header, records, root = unpack(data)
            session = self.session(near)
            use_code_store(session, code_path, header, "current", store=code)
            old = self.old_session(code_path, header, code) if code_path is not None or code is not None else None
            _value, dec = session.run(lambda: decode(session, header, records, root, blobs, True, old, dry=True,
                                                     size=len(data), code_where=code_where))
        except TurmericError as e:
            details = getattr(e, "details", None)
            return {"path": path, "status": "refused", "kind": e.kind, "error": e.message,
                    "frames": [details] if details else []}
        frames = moved_frames(dec)
        if dec.stale and not any(m.migration is not None for m in dec.moved):
            fns = ", ".join(f'{s} "{h}"' for s, h in dec.heads.items())
            return {"path": path, "status": "refused", "kind": "schema-mismatch",
                    "error": f"struct {dec.stale[0]} changed its fields, and no migration rebuilds it: declare "
                             f"(defmigration FN OLD-HASH (fn [frame] ...)) for the frame that holds it (the frames: "
                             f"{fns})", "frames": frames}
        return {"path": path, "status": "upgradable" if dec.moved or dec.stale else "ok", "frames": frames}


def moved_frames(dec: UpgradingDecoder) -> list[dict]:
    """The report of each frame a decoding moved (or, dry, would move): turmeric check's and
    turmeric workflow upgrade's."""
    return [frame_report(m.frames[0] if m.frames else None, m.symbol,
                         (f"changed (code hash {m.old_hash} -> {m.new_info.code_hash}); "
                          if m.old_hash != m.new_info.code_hash else "unchanged code; ")
                         + ("its defmigration moves the frame" if m.migration is not None else
                            f"its suspension point {m.point} still exists with the same live variables"),
                         *m.where, point=m.point, code_hash=m.old_hash, new_hash=m.new_info.code_hash,
                         migration=m.migration is not None)
            for m in dec.moved]


def read_limited(path: str) -> bytes:
    """A checkpoint's bytes, its size checked before any is read (#16 item 4): a file over
    the reader's limit is refused without reading it, and never more than the limit is read,
    should the file grow meanwhile. turmeric resume, inspect and check read through here."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > wire.MAX_SIZE:
                raise wire.corrupt(f"{path} is too large ({size} bytes; the limit is {wire.MAX_SIZE})")
            data = f.read(wire.MAX_SIZE + 1)
            if len(data) > wire.MAX_SIZE:
                raise wire.corrupt(f"{path} is too large (over {wire.MAX_SIZE} bytes)")
            return data
    except FileNotFoundError:
        raise TurmericError("no-input", f"no such file: {path}") from None
    except OSError as e:
        raise TurmericError("io", f"cannot read {path}: {e.strerror}") from None


def checkpoint_files(paths: list[str]) -> list[str]:
    """Every file under the paths that starts like Turmeric data (not the blob and code stores)."""
    out = []
    for p in paths:
        if os.path.isfile(p):
            out.append(p)
            continue
        if not os.path.isdir(p):
            raise TurmericError("no-input", f"no such file or directory: {p}")
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if d not in (codestore.DIRNAME, ".turmeric-blobs"))
            for name in sorted(files):
                full = os.path.join(root, name)
                try:
                    with open(full, "rb") as f:
                        if f.read(4) == wire.MAGIC:
                            out.append(full)
                except OSError:
                    continue
    return out
