"""What `turmeric inspect` and the REPL's :inspect show: the header, the modules and every
frame of a continuation with its source line and local variables.

The report is plain data (JSON-ready). When the code a checkpoint names has changed, the
frames are shown from the raw records, without variable names, and the report says why.
"""
from __future__ import annotations

import json
from itertools import chain

from turmeric.data.errors import TurmericError
from turmeric.data.printer import SHORT, digits_about, pr_str, preview as short_preview
from turmeric.data.values import Continuation, Keyword, Symbol
from turmeric.serialize import limits, wire
from turmeric.serialize.format import T_CONT
from turmeric.serialize.blobs import store_beside
from turmeric.serialize.builtins import frame_description
from turmeric.serialize.decode import PYTHON_ERRORS, RecordRef, deserialize, ext_hook, record_count, unpack_header


# How much of a value `inspect` shows without --full (#9 item 11): data/printer.py's SHORT
# limits, the one printer that prn and the REPL use too. A continuation shows at most
# MAX_FRAMES frames, the innermost and the outermost halves (#16 item 2: all of a 10^6-frame
# one took 2 GiB), and a huge integer is never converted to text whole.
MAX_ITEMS = SHORT.items
MAX_TEXT = SHORT.text
MAX_DEPTH = SHORT.depth
MAX_CHARS = SHORT.chars
MAX_FRAMES = 200


def preview(x, full: bool = False) -> tuple[str, bool]:
    """(x printed readably, whether something was left out): with `full`, exactly pr_str;
    otherwise within the SHORT limits (data/printer.py preview). A lazy sequence shows only
    what is realized of it, then `...`: realizing it would run the checkpoint's code (#9
    item 13)."""
    if full:
        return pr_str(x, realize=False), False
    return short_preview(x, SHORT, realize=False)


def shown_frames(n: int, full: bool):
    """The indexes of the frames of n that inspect shows: all with `full`, else the first and
    the last MAX_FRAMES // 2."""
    if full or n <= MAX_FRAMES:
        return range(n)
    half = MAX_FRAMES // 2
    return chain(range(half), range(n - half, n))


def _k(m, name):
    return m.get(Keyword(name))


def describe(session, data: bytes, path: str = "<bytes>", full: bool = False, stream: bool = False) -> dict:
    """The report `turmeric inspect` prints, JSON-ready: every key a string, every value a
    string, number, boolean, None, list or dict (#15 item 3). Malformed data that makes
    Python raise while the report is made is a `deserialize` error. With `stream`, the
    report's "frames" is an iterator that describes each frame as it is taken, so that
    printing it (stream_text, stream_json) keeps one frame's description at a time (#16
    part 3: `--full` of a 10^6-frame continuation)."""
    try:
        report = _describe(session, data, path, full, stream)
        if not stream:
            return json_ready(report)
        frames = report.pop("frames", [])
        report = json_ready(report)
        report["frames"] = _guarded(map(json_ready, frames))
        return report
    except PYTHON_ERRORS as e:
        raise wire.corrupt(f"inspect: the data is malformed ({type(e).__name__} while reading it)") from None


def _guarded(frames):
    """The frames of a streamed report, a Python error while describing one a `deserialize` error."""
    try:
        yield from frames
    except PYTHON_ERRORS as e:
        raise wire.corrupt(f"inspect: the data is malformed ({type(e).__name__} while reading it)") from None


def safe_str(x) -> str:
    """str(x), or a short description of an integer past Python's digit limit for str()."""
    try:
        return x if isinstance(x, str) else str(x)
    except ValueError:
        if isinstance(x, int):
            return f"#<integer of about {digits_about(x):,} digits>"
        return f"#<{type(x).__name__}>"


def json_ready(x):
    """x with every dict key a string and every leaf a JSON value (no recursion: the report
    is shallow, but its contents come from the bytes)."""
    def leaf(v):
        if v is None or type(v) in (bool, float, str):
            return v
        if type(v) is int:
            return v if -(1 << 63) <= v < 1 << 64 else safe_str(v)
        return safe_str(v)
    root = [x]
    stack = [(root, 0)]
    while stack:
        parent, k = stack.pop()
        v = parent[k]
        if type(v) is dict:
            new = {safe_str(key): val for key, val in v.items()}
            parent[k] = new
            stack.extend((new, key) for key in new)
        elif type(v) in (list, tuple):
            new = list(v)
            parent[k] = new
            stack.extend((new, i) for i in range(len(new)))
        else:
            parent[k] = leaf(v)
    return root[0]


def _describe(session, data: bytes, path: str, full: bool, stream: bool = False) -> dict:
    """describe, before the report is made JSON-ready. Without `full`, long values are
    shortened (`preview`); then `truncated` is true in the report, and each frame whose
    locals were shortened lists their names in its own `truncated`."""
    if _signed(data):
        wire.framing(data)      # all that can be checked without the key
        header = None
    else:
        header = unpack_header(data)    # (the records are not unpacked for it)
    report: dict = {"file": path, "bytes": len(data), "format": data[4] if len(data) > 4 else None,
                    "signed": _signed(data)}
    if header is None:
        report["note"] = "the data is signed: its contents are shown only when deserialized with the key"
        return report
    report["turmeric"] = header.get("turmeric")
    report["modules"] = [{"name": m[0], "version": _plain(m[1]), "path": m[2]} for m in header.get("modules", [])]
    try:
        blobs = store_beside(path)
        value = session.run(lambda: deserialize(session, data, blobs=blobs))
    except TurmericError as e:
        report["note"] = f"{e.kind}: {e.message}"
        n = record_count(data)
        if n is not None and limits.decoded_cost(n, 0) > limits.cost_allowed(len(data)):
            report["frames"] = []       # (unpacking the records for raw frames would cost what was refused)
        else:
            _header, records, root = wire.unpack(data, None, ext_hook)
            report["frames"] = iter_raw_frames(records, root, full) if stream else raw_frames(records, root, full)
            report["frame_count"] = raw_frame_count(records, root)
    else:
        if type(value) is Continuation:
            report["frame_count"] = len(value.frames)
            report["frames"] = iter_frames_of(session, value, full) if stream else frames_of(session, value, full)
        else:
            report["frames"] = []
            report["value"], cut = preview(value, full)
            if cut:
                report["truncated"] = True
    if not stream and (any("truncated" in f for f in report["frames"])
                       or report.get("frame_count", 0) > len(report["frames"])):
        report["truncated"] = True
    return report


def frames_of(session, k: Continuation, full: bool = True) -> list:
    """Each frame as data; without `full`, long locals shortened and named in `truncated`."""
    return list(iter_frames_of(session, k, full))


def iter_frames_of(session, k: Continuation, full: bool = True):
    """frames_of, one frame at a time."""
    frames = k.frames
    for i in shown_frames(len(frames), full):
        d = frame_description(session, frames[i], i)
        entry = {"index": i, "function": _k(d, "function")}
        if _k(d, "file") is not None:
            entry.update(file=_k(d, "file"), line=_k(d, "line"), col=_k(d, "col"), source=_k(d, "source"))
        _add_locals(entry, ((k.name if type(k) is Symbol else str(k), v) for k, v in _k(d, "locals").items()),
                    full)
        yield entry


def _add_locals(entry: dict, pairs, full: bool):
    entry["locals"] = {}
    cut = []
    for name, v in pairs:
        entry["locals"][name], shortened = _show(v, full)
        if shortened:
            cut.append(name)
    if cut:
        entry["truncated"] = cut


def raw_frames(records, root, full: bool = True) -> list:
    """The frames of the data's continuation (the root, else the first one written) as
    written: symbols, sites, unnamed locals."""
    return list(iter_raw_frames(records, root, full))


def iter_raw_frames(records, root, full: bool = True):
    """raw_frames, one frame at a time."""
    cont = _raw_continuation(records, root)
    if cont is None:
        return
    headers, numbers, locals_ = cont[1:]
    for i in shown_frames(min(len(numbers), len(locals_)), full):
        h, locs = numbers[i], locals_[i]
        head = headers[h] if type(h) is int and 0 <= h < len(headers) else None
        if type(head) is tuple and len(head) == 4 and type(locs) is tuple:
            entry = {"index": i, "function": head[1], "site": head[2]}
            _add_locals(entry, ((f"%{j}", x) for j, x in enumerate(locs)), full)
            yield entry


def _raw_continuation(records, root):
    """The continuation record raw_frames shows: the root, else the first one written."""
    def is_cont(r):
        return type(r) is tuple and len(r) == 4 and r[0] == T_CONT and all(type(c) is tuple for c in r[1:])
    if type(root) is RecordRef and root < len(records) and is_cont(records[root]):
        return records[root]
    return next((r for r in records if is_cont(r)), None)


def raw_frame_count(records, root) -> int:
    cont = _raw_continuation(records, root)
    return 0 if cont is None else min(len(cont[2]), len(cont[3]))


def _show(x, full: bool) -> tuple[str, bool]:
    """A local as preview shows it; in raw frames a reference to a record is `#<record N>`."""
    if type(x) is RecordRef:
        return f"#<record {int(x)}>", False
    try:
        return preview(x, full)
    except Exception:  # noqa: BLE001 - a raw view must show something for anything
        text = safe_str(x)
        return (text, False) if full or len(text) <= MAX_TEXT else (text[:MAX_TEXT] + "...", True)


def _plain(v):
    return v if v is None or isinstance(v, (int, float, str, bool)) else str(v)


def _signed(data: bytes) -> bool:
    return len(data) > 5 and data[:4] == wire.MAGIC and bool(data[5] & wire.FLAG_SIGNED)


def render_text(report: dict) -> str:
    return "\n".join(render_lines(report))


def render_lines(report: dict):
    """The lines of render_text, one at a time (frames as the report's iterator gives them)."""
    yield (f"checkpoint {report['file']}: {report['bytes']} bytes, format {report.get('format')}, "
           f"Turmeric {report.get('turmeric', '?')}, {'signed' if report.get('signed') else 'unsigned'}")
    if report.get("modules"):
        yield "modules:"
        for m in report["modules"]:
            yield f"  {m['name']}  version {m['version'] if m['version'] is not None else '-'}  {m['path'] or ''}".rstrip()
    if report.get("note"):
        yield f"note: {report['note']}"
    yield from iter_render_frames(report.get("frames") or [], report.get("frame_count"))
    if "value" in report:
        yield f"value: {report['value']}"


def stream_text(report: dict, write):
    """Write render_text(report) and a newline, a line at a time."""
    for line in render_lines(report):
        write(line + "\n")


def stream_json(report: dict, write):
    """Write the report as JSON (json.dumps(report, indent=2, ensure_ascii=False)'s layout, but
    "frames" last and each frame on one line of its own), a frame at a time."""
    frames = report.get("frames") or ()
    rest = {k: v for k, v in report.items() if k != "frames"}
    write("{\n")
    for k, v in rest.items():
        write(f"  {json.dumps(k, ensure_ascii=False)}: {_nested(v, 2)},\n")
    write('  "frames": [')
    first = True
    for f in frames:
        write(("\n    " if first else ",\n    ") + json.dumps(f, ensure_ascii=False))
        first = False
    write("]\n}\n" if first else "\n  ]\n}\n")


def _nested(v, indent: int) -> str:
    return json.dumps(v, indent=2, ensure_ascii=False).replace("\n", "\n" + " " * indent)


def render_frames(frames, count: int | None = None) -> list[str]:
    """The lines that show frames (as frames_of or raw_frames give them, `count` in all); a
    gap in their indexes is a line that says how many are not shown."""
    return list(iter_render_frames(frames, count))


def iter_render_frames(frames, count: int | None = None):
    """render_frames, a line at a time; `frames` may be an iterator when `count` is given."""
    if count is None:
        frames = list(frames)
        count = len(frames)
    after = -1
    for f in frames:
        if after == -1:
            yield f"frames (innermost first, {count:,}):"
        if f["index"] != after + 1:
            yield f"  ... ({f['index'] - after - 1:,} frames not shown: --full shows them)"
        after = f["index"]
        where = f"  at {f['file']}:{f['line']}:{f['col']}" if f.get("file") else \
            (f"  (site {f['site']})" if "site" in f else "")
        yield f"  #{f['index']} {f['function']}{where}"
        if f.get("source"):
            yield f"     {f['line']} | {f['source']}"
        for name, value in f.get("locals", {}).items():
            yield f"     {name} = {value}"
