"""The builtins of serialization: serialize, deserialize, atomic checkpoint writes, and
looking into and editing continuations (continuation-frames, continuation-with)."""
from __future__ import annotations


from turmeric.data.errors import TurmericError
from turmeric.data.values import Box, Continuation, Keyword, PMap, Symbol, plist
from turmeric.serialize.format import SPECIAL_FRAMES

# The builtins of session_builtins import the encoder, the decoder, the blob and code stores,
# atomic writes and the wire format when they are first called, not when a session starts:
# with msgpack, hashlib, hmac and tempfile they were about 6 ms of the 80 of a warm
# `turmeric run hello.tm` (#14, the start-up row). Each such import says "start-up".


def _options(who: str, opts: tuple, allowed=("key",)) -> dict:
    if len(opts) % 2:
        raise TurmericError("value", f"{who}: options come in pairs, like :key secret")
    out = {}
    for k, v in zip(opts[0::2], opts[1::2]):
        if type(k) is not Keyword or k.name not in allowed:
            names = " and ".join(":" + a for a in allowed)
            raise TurmericError("value", f"{who}: unknown option {k!r} (the options are {names})"
                                if len(allowed) > 1 else f"{who}: unknown option {k!r} (the option is :key)")
        out[k.name] = v
    if "key" in out and out["key"] is None:
        # #15 item 4: an unset key variable must not turn verification off
        raise TurmericError("value", f"{who}: the :key is nil",
                            hint="a key is a non-empty string or bytes; an unset environment variable gives "
                                 "nil: check it, and leave :key out only for data that is not signed")
    return out


def frame_description(session, frame, index: int):
    """A frame as data: {:index :function :file :line :col :source :locals {name value}}."""
    entry, locs = frame
    special = SPECIAL_FRAMES.get(entry)
    if special is not None:
        return PMap.from_pairs([(Keyword("index"), index), (Keyword("function"), special),
                                (Keyword("locals"), PMap())])
    info, site = session.sites[entry]
    s = info.sites[site]
    pairs = [(Keyword("index"), index), (Keyword("function"), info.symbol), (Keyword("site"), site)]
    if s.span is not None:
        line = session.source_line(s.span)
        pairs += [(Keyword("file"), s.span.file), (Keyword("line"), s.span.line), (Keyword("col"), s.span.col),
                  (Keyword("source"), line.strip() if line else None)]
    names = s.live_names if len(s.live_names) == len(locs) else tuple(f"%{i}" for i in range(len(locs)))
    local_pairs = [(Symbol(n), (v.v if type(v) is Box else v)) for n, v in zip(names, locs)
                   if not n.startswith("%")]
    pairs.append((Keyword("locals"), PMap.from_pairs(local_pairs)))
    return PMap.from_pairs(pairs)


def continuation_frames(session, k):
    if type(k) is not Continuation:
        raise TurmericError("type", "continuation-frames: expected a continuation")
    return plist(frame_description(session, f, i) for i, f in enumerate(k.frames))


def continuation_with(session, k, index, var, value):
    """A copy of k whose frame `index` has local `var` set to `value`."""
    if type(k) is not Continuation:
        raise TurmericError("type", "continuation-with: expected a continuation")
    if type(index) is not int or not 0 <= index < len(k.frames):
        raise TurmericError("value", f"continuation-with: no frame {index!r} (the continuation has {len(k.frames)})")
    name = var.name if type(var) is Symbol else var if isinstance(var, str) else None
    entry, locs = k.frames[index]
    site = session.sites.get(entry)
    if name is None or site is None:
        raise TurmericError("value", "continuation-with: name the variable with a quoted symbol, like 'x")
    info, i = site
    names = info.sites[i].live_names
    if name not in names:
        raise TurmericError("value", f"continuation-with: frame {index} ({info.symbol}) has no variable {name}",
                            hint="its variables: " + " ".join(n for n in names if not n.startswith("%")))
    j = names.index(name)
    new_locs = list(locs)
    new_locs[j] = Box(value) if type(locs[j]) is Box else value
    frames = list(k.frames)
    frames[index] = (entry, tuple(new_locs))
    return Continuation(tuple(frames))


def session_builtins(session) -> dict:
    def serialize_(d, x, *opts):
        from turmeric.serialize.encode import serialize   # start-up: see the top of this file
        # the header names the module versions (#10 item 4): a payload kept in a file beside a
        # code store (checkpoint, write-file-atomic) can be resumed on that code
        return serialize(session, x, _options("serialize", opts).get("key"), code=code_names())

    def code_names():
        return [[name, h] for name, h, _ in session.code_versions()]

    def keep_code(path):
        """The module sources of this program, in the code store beside `path`, once each."""
        from turmeric.serialize.codestore import store_beside as code_store_beside   # start-up
        versions = session.code_versions()
        store = code_store_beside(path, session.code_memo)
        for _name, h, text in versions:
            store.put(h, text)
        return [[name, h] for name, h, _ in versions]

    def deserialize_(d, data, *opts):
        from turmeric.serialize.decode import deserialize   # start-up: see the top of this file
        o = _options("deserialize", opts, ("key", "resources"))
        policy = o.get("resources", Keyword("reopen"))
        if type(policy) is not Keyword:
            raise TurmericError("value", "deserialize: :resources must be :reopen, :closed or :refuse")
        return deserialize(session, data, o.get("key"), resources=policy.name)

    def write_checkpoint(d, path, k):
        """An incremental checkpoint: large sequences go to .turmeric-blobs beside it, once."""
        if not isinstance(path, str):
            raise TurmericError("type", "checkpoint: the name must be a string")
        from turmeric.serialize.atomic import atomic_write   # start-up: see the top of this file
        from turmeric.serialize.blobs import store_beside   # start-up
        from turmeric.serialize.encode import serialize   # start-up
        store = store_beside(path, session.blob_memo)
        # the module versions it names go to .turmeric-code beside it, once (#10 item 4)
        atomic_write(path, serialize(session, k, blobs=store, code=keep_code(path)))
        return path

    def save_atomically(d, path, data):
        if not isinstance(path, str) or not isinstance(data, (bytes, str)):
            raise TurmericError("type", "write-file-atomic: expected a path and bytes or a string")
        from turmeric.serialize.atomic import atomic_write   # start-up: see the top of this file
        from turmeric.serialize.wire import MAGIC   # start-up
        if isinstance(data, bytes) and data[:4] == MAGIC:
            keep_code(path)     # a saved payload: the code it names is kept beside it (#10 item 4)
        atomic_write(path, data.encode("utf-8") if isinstance(data, str) else data)
        return None

    return {
        "serialize": serialize_, "deserialize": deserialize_,
        "%write-checkpoint": write_checkpoint, "write-file-atomic": save_atomically,
        "continuation-frames": lambda d, k: continuation_frames(session, k),
        "continuation-with": lambda d, k, i, var, value: continuation_with(session, k, i, var, value),
        "continuation?": lambda d, x: type(x) is Continuation,
        "frames-count": lambda d, k: len(k.frames) if type(k) is Continuation else 0,
    }

