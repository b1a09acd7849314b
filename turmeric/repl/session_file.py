"""Saving and restoring a whole REPL session (the REPL's :save and :restore).

A saved session (spec/repl.md, "What a saved session holds") is serialized data
(spec/serialization.md) holding:
  :inputs   every chunk of source the session compiled, in order, with the function
            numbering it started from, its file name and a digest of the code hashes of the
            functions it compiled to: source, never code;
  :payload  the serialized globals of the `user` module, the REPL's numbered results and
            counter, in one graph, so values that share a ref still share it;
  :gensym   the session's gensym counter;
  :unsaved  the globals that could not be saved, each with the reason.

Restoring compiles nothing it can find in the local compile cache: `:save` stores the code of
the whole chain of inputs there, under a key computed from their sources (modcache.chain_key),
and a restore computes that key again from the sources in the file. On a miss (another
machine, another compiler, a cleared cache) the sources are compiled again. Either way no code
comes from the file's bytes, and only the inputs' definitions run: top-level expressions and
the values of `def`s do not run again (the globals come from the payload).
"""
from __future__ import annotations

import hashlib
import os

from turmeric.data.errors import TurmericError
from turmeric.data.names import mangle_global
from turmeric.data.printer import pr_str
from turmeric.data.values import Continuation, Keyword, PMap, is_vector, vector
from turmeric.serialize import wire
from turmeric.serialize.atomic import atomic_write
from turmeric.serialize.decode import Decoder, deserialize, ext_hook
from turmeric.serialize.encode import serialize
from turmeric.serialize.inspect import frames_of, render_frames
from turmeric.session.session import Session

FORMAT = "turmeric-session/2"
K = Keyword


def _globals(session, module: str) -> dict:
    mod = session.modules.get(module)
    if mod is None:
        return {}
    out = {}
    for name in sorted(mod.globals):
        key = mangle_global(name)
        if key in mod.ns:
            out[name] = mod.ns[key]
    return out


def code_digest(unit) -> str:
    """A digest of the symbols and code hashes of the functions a unit compiled to."""
    h = hashlib.sha256()
    for info in unit.compiled.fninfos:
        h.update(f"{info.symbol}\0{info.code_hash}\0".encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:16]


def _import_hashes(session, units) -> list:
    targets = sorted({t for u in units for t in u.imports.values()})
    return [(t, session.modules[t].source_hash) for t in targets if t in session.modules]


def save_session(session, state, path: str, module: str = "user") -> list[tuple[str, str]]:
    """Write the session to `path` atomically; returns [(name, reason)] of what was left out."""
    values = _globals(session, module)
    results = dict(getattr(state, "results", {}) or {})
    unsaved = []

    def payload():
        return serialize(session, PMap.from_pairs([
            (K("globals"), PMap(values)), (K("results"), PMap(results)),
            (K("counter"), getattr(state, "counter", 0)),
            (K("repl-inputs"), _vec(list(getattr(state, "inputs", []) or [])))]))
    try:
        saved = payload()
    except TurmericError:      # something cannot be saved: find what, one value at a time
        for label, items in [("{}", values), ("${}", results)]:
            for name, value in list(items.items()):
                try:
                    serialize(session, value)
                except TurmericError as e:
                    unsaved.append((label.format(name), e.message))
                    del items[name]
        saved = payload()
    mod = session.modules.get(module)
    history = mod.history if mod is not None else []
    if session.cache is not None and history:   # the code, for a restore to find by its sources
        units = [unit for _text, _top, _file, unit in history]
        key = session.cache.chain_key(module, [(text, top, file) for text, top, file, _u in history])
        session.cache.store_units(key, units, _import_hashes(session, units))
    inputs = [[text, top, file, code_digest(unit)] for text, top, file, unit in history]
    outer = PMap.from_pairs([
        (K("format"), FORMAT), (K("inputs"), _vec(inputs)),
        (K("search-path"), _vec([str(p) for p in session.search_path])),
        (K("cwd"), os.getcwd()), (K("gensym"), session.gensym_counter.next),
        (K("payload"), saved), (K("unsaved"), _vec([[n, r] for n, r in unsaved]))])
    try:
        atomic_write(path, serialize(session, outer))
    except OSError as e:
        raise TurmericError("io", f"cannot save the session to {path}: {e.strerror}") from None
    return unsaved


def _vec(items):
    return vector(vector(x) if isinstance(x, list) else x for x in items)


def restore_session(path: str, state_factory=None, module: str = "user"):
    """A new session with everything saved in `path`; returns (session, state, [(name,
    reason)] of what was not restored)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise TurmericError("io", f"cannot read {path}: {e.strerror}") from None
    saved = read_session_file(data, path)
    session = Session(module_path=saved["search-path"])
    mod = session.scratch_module(module)
    inputs = saved["inputs"]
    key = units = None
    if session.cache is not None and inputs:
        key = session.cache.chain_key(module, [(text, top, file) for text, top, file, _d in inputs])
        units = session.cache.load_units(key, session)
        if units is not None and len(units) != len(inputs):
            units = None
    compiled = units is None
    notes = []
    for i, (text, top, file, digest) in enumerate(inputs):
        mod.top_count = top
        session.sources[file] = text
        if compiled:   # not in the cache: compile the source again
            unit = session.compile_unit(text, file, mod, strict=False)
        else:
            unit = units[i]
            session.adopt(unit, mod, file, text)
        if code_digest(unit) != digest:
            notes.append((file, "compiles to different code now than when the session was "
                                "saved (a macro or module it uses changed?)"))
        session.execute(unit, mod, definitions_only=True, skip_defs=True)
    if compiled and key is not None:   # the next restore finds the code
        units = [unit for _text, _top, _file, unit in mod.history]
        session.cache.store_units(key, units, _import_hashes(session, units))
    payload = deserialize(session, saved["payload"])
    if not isinstance(payload, PMap) or not isinstance(payload.get(K("globals")), PMap):
        raise _not_a_session(path, "its payload is not a map of globals")
    for name, value in payload.get(K("globals")).items():
        mod.ns[mangle_global(name)] = value
        mod.globals.add(name)
    session.gensym_counter.next = max(session.gensym_counter.next, saved["gensym"])
    state = state_factory() if state_factory is not None else None
    if state is not None:
        if hasattr(state, "results"):
            state.results.update((payload.get(K("results")) or PMap()).items())
        if hasattr(state, "counter"):
            state.counter = payload.get(K("counter")) or 0
        if hasattr(state, "inputs"):
            state.inputs[:] = list(payload.get(K("repl-inputs")) or ())
    return session, state, saved["unsaved"] + notes


def _not_a_session(path, why: str, hint: str | None = None) -> TurmericError:
    return TurmericError("deserialize", f"{path} is not a saved Turmeric session: {why}",
                         hint=hint or "a session file is what the REPL's :save PATH writes")


def read_session_file(data: bytes, path: str) -> dict:
    """The outer layer of a session file, checked: plain data only (no code, no values that
    need a module), every field of the type it must have. Anything else is a `deserialize`
    error that names the file."""
    try:
        outer = _read_outer(data)
    except TurmericError as e:
        if e.kind != "deserialize":
            raise
        raise _not_a_session(path, e.message, e.hint) from None
    if not isinstance(outer, PMap) or not isinstance(outer.get(K("format")), str):
        raise _not_a_session(path, "it is other serialized data")
    fmt = outer.get(K("format"))
    if fmt != FORMAT:
        if fmt.startswith("turmeric-session/"):
            raise TurmericError(
                "deserialize", f"{path} was saved by another version of Turmeric (session format "
                               f"{fmt}; this version reads {FORMAT})",
                hint="restore it with the Turmeric that saved it, or evaluate its inputs again"
                     if fmt < FORMAT else "restore it with a newer Turmeric")
        raise _not_a_session(path, f"unknown format {fmt!r}")

    def field(name, check, what):
        value = outer.get(K(name))
        if not check(value):
            raise _not_a_session(path, f"its :{name} is not {what}", "the file is damaged")
        return value
    inputs = []
    for entry in field("inputs", is_vector, "a vector of inputs"):
        if not (is_vector(entry) and len(entry) == 4 and type(entry[0]) is str and
                type(entry[1]) is int and entry[1] >= 0 and type(entry[2]) is str and
                type(entry[3]) is str):
            raise _not_a_session(path, "an entry of its :inputs is not [source top file digest]",
                                 "the file is damaged")
        inputs.append(tuple(entry))
    unsaved = field("unsaved", lambda v: is_vector(v) and all(
        is_vector(x) and len(x) == 2 and all(type(y) is str for y in x) for x in v),
        "a vector of [name reason]")
    return {
        "inputs": inputs,
        "search-path": [p for p in field("search-path", lambda v: is_vector(v) and all(
            type(x) is str for x in v), "a vector of strings") if p],
        "gensym": field("gensym", lambda v: type(v) is int and v >= 1, "a positive integer"),
        "payload": field("payload", lambda v: type(v) is bytes, "serialized data"),
        "unsaved": [tuple(x) for x in unsaved],
    }


def _read_outer(data: bytes):
    """The outer layer holds only plain data, so no module is needed to read it."""
    header, records, root = wire.unpack(data, None, ext_hook)
    return Decoder(_NoCode(), header, records).decode(root)


class _NoCode:
    """A stand-in session for reading data that must not name any code."""
    core: dict = {}
    modules: dict = {}

    def resolve_symbol(self, *a):
        raise TurmericError("deserialize", "a saved session's outer layer names code")

    def find_struct_type(self, *a):
        return None


def inspect_value(session, value) -> str:
    """What :inspect prints: the frames of a continuation, or the value."""
    if type(value) is not Continuation:
        return pr_str(value)
    return "\n".join(render_frames(frames_of(session, value)))
