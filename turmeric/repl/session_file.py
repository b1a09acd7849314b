"""Saving and restoring a whole REPL session (the REPL's :save and :restore).

A saved session is serialized data (spec/serialization.md) holding:
  :inputs   every chunk of source the session compiled, in order, with the function
            numbering it started from and its compiled code (marshal bytes): a fresh process
            loads that code (or, on another Python, compiles the source again) and runs only
            its definitions, so the symbols that values name resolve;
  :payload  the serialized globals of the `user` module, the REPL's numbered results and
            counter, in one graph, so values that share a ref still share it;
  :unsaved  the globals that could not be saved, each with the reason.
Nothing else is recomputed on restore: top-level expressions do not run again.
"""
from __future__ import annotations

import os

from turmeric.data.errors import TurmericError
from turmeric.data.names import mangle
from turmeric.data.printer import pr_str
from turmeric.data.values import Continuation, Keyword, PMap, vector
from turmeric.serialize import wire
from turmeric.serialize.atomic import atomic_write
from turmeric.serialize.decode import Decoder, deserialize, ext_hook
from turmeric.serialize.encode import serialize
from turmeric.serialize.inspect import frames_of, render_frames
from turmeric.session.modcache import unit_from_bytes, unit_to_bytes
from turmeric.session.session import Session

FORMAT = "turmeric-session/1"
K = Keyword


def _globals(session, module: str) -> dict:
    mod = session.modules.get(module)
    if mod is None:
        return {}
    out = {}
    for name in sorted(mod.globals):
        key = "g_" + mangle(name)
        if key in mod.ns:
            out[name] = mod.ns[key]
    return out


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
    inputs = [[text, top, file, unit_to_bytes(unit) or b""]
              for text, top, file, unit in (mod.history if mod is not None else [])]
    outer = PMap.from_pairs([
        (K("format"), FORMAT), (K("inputs"), _vec(inputs)),
        (K("search-path"), _vec([str(p) for p in session.search_path])),
        (K("cwd"), os.getcwd()), (K("payload"), saved),
        (K("unsaved"), _vec([[n, r] for n, r in unsaved]))])
    try:
        atomic_write(path, serialize(session, outer))
    except OSError as e:
        raise TurmericError("io", f"cannot save the session to {path}: {e.strerror}") from None
    return unsaved


def _vec(items):
    return vector(vector(x) if isinstance(x, list) else x for x in items)


def restore_session(path: str, state_factory=None, module: str = "user"):
    """A new session with everything saved in `path`; returns (session, state)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise TurmericError("io", f"cannot read {path}: {e.strerror}") from None
    outer = _read_outer(data)
    if not isinstance(outer, PMap) or outer.get(K("format")) != FORMAT:
        raise TurmericError("deserialize", f"{path} is not a saved Turmeric session")
    session = Session(module_path=[p for p in outer.get(K("search-path")) if p])
    mod = session.scratch_module(module)
    for text, top, file, compiled in outer.get(K("inputs")):
        mod.top_count = top
        session.sources[file] = text
        # the code compiled then, if this Python can load it; else compile the source again
        unit = unit_from_bytes(compiled) if compiled else None
        if unit is not None:
            session.adopt(unit, mod, file, text)
        else:
            unit = session.compile_unit(text, file, mod, strict=False)
        session.execute(unit, mod, definitions_only=True, skip_defs=True)
    payload = deserialize(session, outer.get(K("payload")))
    for name, value in payload.get(K("globals")).items():
        mod.ns["g_" + mangle(name)] = value
        mod.globals.add(name)
    state = state_factory() if state_factory is not None else None
    if state is not None:
        if hasattr(state, "results"):
            state.results.update(payload.get(K("results")).items())
        if hasattr(state, "counter"):
            state.counter = payload.get(K("counter"))
        if hasattr(state, "inputs"):
            state.inputs[:] = list(payload.get(K("repl-inputs")) or ())
    unsaved = [tuple(x) for x in outer.get(K("unsaved"))]
    return session, state, unsaved


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
