"""What `turmeric inspect` and the REPL's :inspect show: the header, the modules and every
frame of a continuation with its source line and local variables.

The report is plain data (JSON-ready). When the code a checkpoint names has changed, the
frames are shown from the raw records, without variable names, and the report says why.
"""
from __future__ import annotations

from itertools import islice

from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str, quote_string
from turmeric.data.values import Box, Continuation, Keyword, PList, PMap, PSet, Ref, StructValue, Symbol, is_vector
from turmeric.runtime.lazy import LazySeq
from turmeric.serialize import wire
from turmeric.serialize.format import T_CONT
from turmeric.serialize.blobs import store_beside
from turmeric.serialize.builtins import frame_description
from turmeric.serialize.decode import PYTHON_ERRORS, RecordRef, deserialize, ext_hook


# How much of a value `inspect` shows without --full (#9 item 11), as a debugger does: the
# first items of a collection, the start of a long string or number, a few levels of nesting,
# and at most MAX_CHARS characters in all.
MAX_ITEMS = 10          # items of a list, vector, set or struct; entries of a map
MAX_TEXT = 200          # characters of a string (and of any other atom's printed form)
MAX_DEPTH = 8           # nested collections deeper than this show as [...]
MAX_CHARS = 2000        # the whole printed value
MAX_CELL_NESTING = 4    # refs and boxes inside refs and boxes, as data/printer.py shows them


class _Exit:
    """A stack marker: the walk has left a collection (depth) or a ref/box (id)."""
    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key


def preview(x, full: bool = False) -> tuple[str, bool]:
    """(x printed readably, whether something was left out). With `full`, exactly pr_str.
    Otherwise as pr_str for a value within the limits above; beyond them, a collection shows
    its first MAX_ITEMS items then `... (N more)`, a long string its first MAX_TEXT characters
    then `..." (N chars)`, a collection nested deeper than MAX_DEPTH `[...]`, and the text
    stops after MAX_CHARS characters with ` ...`. Walks with an explicit stack (no recursion)."""
    if full and not _lazy_inside(x):
        return pr_str(x), False
    # a lazy sequence shows what is realized of it and then "...", so the walk prints it,
    # with no limits for `full` (realizing it would run the checkpoint's code: #9 item 13)
    max_items, max_text, max_depth, max_chars = (
        (float("inf"),) * 4 if full else (MAX_ITEMS, MAX_TEXT, MAX_DEPTH, MAX_CHARS))
    out: list[str] = []
    size = 0
    cut = False
    stack: list = [(x, 0, 0)]           # (value, depth, refs/boxes around it), or a str, or _Exit
    inside: set[int] = set()
    while stack:
        if size > max_chars:
            out.append(" ...")
            cut = True
            break
        entry = stack.pop()
        t = type(entry)
        if t is str:
            out.append(entry)
            size += len(entry)
            continue
        if t is _Exit:
            inside.discard(entry.key)
            continue
        v, depth, cells = entry
        t = type(v)
        shape = _shape(v, t)
        if shape is not None:
            open_, close, items, count, pairs = shape
            if depth >= max_depth and count:
                text = open_ + "..." + close
                cut = True
            else:
                text = open_
                stack.append(close)
                if count > max_items:
                    stack.append(f"{', ' if pairs else ' '}... ({count - MAX_ITEMS:,} more)")
                    cut = True
                shown = list(items) if full else list(islice(items, MAX_ITEMS))
                for j in range(len(shown) - 1, -1, -1):
                    if pairs:
                        k, val = shown[j]
                        stack += [(val, depth + 1, cells), " ", (k, depth + 1, cells)]
                    else:
                        stack.append((shown[j], depth + 1, cells))
                    if j:
                        stack.append(", " if pairs else " ")
            out.append(text)
            size += len(text)
            continue
        if t is Ref or t is Box:
            tag = "#<ref " if t is Ref else "#<box "
            if id(v) in inside or cells >= MAX_CELL_NESTING:
                out.append(tag + "...>")
            else:
                inside.add(id(v))
                out.append(tag)
                stack += [_Exit(id(v)), ">", (v.value if t is Ref else v.v, depth, cells + 1)]
            size += 6
            continue
        if t is str and len(v) > max_text:
            text = quote_string(v[:MAX_TEXT])[:-1] + f'..." ({len(v):,} chars)'
            cut = True
        else:
            text = pr_str(v)
            if len(text) > max_text:
                text = text[:MAX_TEXT] + f"... ({len(text):,} chars)"
                cut = True
        out.append(text)
        size += len(text)
    return "".join(out), cut


def _shape(v, t):
    """(opening text, closing text, the items, how many, whether they are key-value pairs) of
    a value that pr_str prints with parts, else None. A lazy sequence: the items realized so
    far, then "..." if some are not."""
    if t is PList:
        return "(", ")", v, len(v), False
    if t is LazySeq:
        items, tail = v.realized_prefix()
        if type(tail) is PList:
            items += list(tail)
        return "(", " ...)" if type(tail) is LazySeq else ")", items, len(items), False
    if t is tuple or is_vector(v):
        return "[", "]", v, len(v), False
    if t is PMap:
        return "{", "}", v.items(), len(v), True
    if t is PSet:
        return "#{", "}", v, len(v), False
    if isinstance(v, StructValue):
        fields = v.field_values()
        return "(" + v.stype.name + (" " if fields else ""), ")", fields, len(fields), False
    return None


def _lazy_inside(x) -> bool:
    """Whether a lazy sequence is anywhere in x (walked with a stack of our own)."""
    stack, seen = [x], set()
    while stack:
        v = stack.pop()
        t = type(v)
        if t is LazySeq:
            return True
        if id(v) in seen:
            continue
        if t is PList or t is tuple or t is PSet or is_vector(v):
            seen.add(id(v))
            stack.extend(x for x in v if type(x) not in _ATOMS)
        elif t is PMap:
            seen.add(id(v))
            stack.extend(x for kv in v.items() for x in kv if type(x) not in _ATOMS)
        elif isinstance(v, StructValue):
            seen.add(id(v))
            stack.extend(v.field_values())
        elif t is Ref or t is Box:
            seen.add(id(v))
            stack.append(v.value if t is Ref else v.v)
    return False


_ATOMS = frozenset({type(None), bool, int, float, str, bytes, Keyword, Symbol})


def _k(m, name):
    return m.get(Keyword(name))


def describe(session, data: bytes, path: str = "<bytes>", full: bool = False) -> dict:
    """The report `turmeric inspect` prints, JSON-ready: every key a string, every value a
    string, number, boolean, None, list or dict (#15 item 3). Malformed data that makes
    Python raise while the report is made is a `deserialize` error."""
    try:
        return json_ready(_describe(session, data, path, full))
    except PYTHON_ERRORS as e:
        raise wire.corrupt(f"inspect: the data is malformed ({type(e).__name__} while reading it)") from None


def safe_str(x) -> str:
    """str(x), or a short description of an integer past Python's digit limit for str()."""
    try:
        return x if isinstance(x, str) else str(x)
    except ValueError:
        if isinstance(x, int):
            return f"#<integer of about {int(x.bit_length() * 0.30103) + 1} digits>"
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


def _describe(session, data: bytes, path: str, full: bool) -> dict:
    """describe, before the report is made JSON-ready. Without `full`, long values are
    shortened (`preview`); then `truncated` is true in the report, and each frame whose
    locals were shortened lists their names in its own `truncated`."""
    if _signed(data):
        wire.framing(data)      # all that can be checked without the key
        header, records, root = None, None, None
    else:
        header, records, root = wire.unpack(data, None, ext_hook)
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
        report["frames"] = raw_frames(records, root, full)
    else:
        report["frames"] = frames_of(session, value, full) if type(value) is Continuation else []
        if type(value) is not Continuation:
            report["value"], cut = preview(value, full)
            if cut:
                report["truncated"] = True
    if any("truncated" in f for f in report["frames"]):
        report["truncated"] = True
    return report


def frames_of(session, k: Continuation, full: bool = True) -> list:
    """Each frame as data; without `full`, long locals shortened and named in `truncated`."""
    out = []
    for i, fr in enumerate(k.frames):
        d = frame_description(session, fr, i)
        entry = {"index": i, "function": _k(d, "function")}
        if _k(d, "file") is not None:
            entry.update(file=_k(d, "file"), line=_k(d, "line"), col=_k(d, "col"), source=_k(d, "source"))
        _add_locals(entry, ((k.name if type(k) is Symbol else str(k), v) for k, v in _k(d, "locals").items()),
                    full)
        out.append(entry)
    return out


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

    def is_cont(r):
        return type(r) is tuple and len(r) == 4 and r[0] == T_CONT and all(type(c) is tuple for c in r[1:])
    conts = [r for r in records if is_cont(r)]
    if type(root) is RecordRef and root < len(records) and is_cont(records[root]):
        conts.insert(0, records[root])
    if not conts:
        return []
    headers, numbers, locals_ = conts[0][1:]
    out = []
    for i, (h, locs) in enumerate(zip(numbers, locals_)):
        head = headers[h] if type(h) is int and 0 <= h < len(headers) else None
        if type(head) is tuple and len(head) == 4 and type(locs) is tuple:
            entry = {"index": i, "function": head[1], "site": head[2]}
            _add_locals(entry, ((f"%{j}", x) for j, x in enumerate(locs)), full)
            out.append(entry)
    return out


def _show(x, full: bool) -> tuple[str, bool]:
    """A local as preview shows it; in raw frames a reference to a record is `#<record N>`."""
    if type(x) is RecordRef:
        return f"#<record {int(x)}>", False
    if type(x) is int and not -10 ** 200 < x < 10 ** 200 and not full:
        return f"#<integer of about {int(x.bit_length() * 0.30103) + 1} digits>", True
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
    lines = [f"checkpoint {report['file']}: {report['bytes']} bytes, format {report.get('format')}, "
             f"Turmeric {report.get('turmeric', '?')}, {'signed' if report.get('signed') else 'unsigned'}"]
    if report.get("modules"):
        lines.append("modules:")
        for m in report["modules"]:
            lines.append(f"  {m['name']}  version {m['version'] if m['version'] is not None else '-'}  "
                         f"{m['path'] or ''}".rstrip())
    if report.get("note"):
        lines.append(f"note: {report['note']}")
    lines += render_frames(report.get("frames") or [])
    if "value" in report:
        lines.append(f"value: {report['value']}")
    return "\n".join(lines)


def render_frames(frames: list) -> list[str]:
    """The lines that show frames (as frames_of or raw_frames give them)."""
    lines = [f"frames (innermost first, {len(frames)}):"] if frames else []
    for f in frames:
        where = f"  at {f['file']}:{f['line']}:{f['col']}" if f.get("file") else \
            (f"  (site {f['site']})" if "site" in f else "")
        lines.append(f"  #{f['index']} {f['function']}{where}")
        if f.get("source"):
            lines.append(f"     {f['line']} | {f['source']}")
        for name, value in f.get("locals", {}).items():
            lines.append(f"     {name} = {value}")
    return lines


