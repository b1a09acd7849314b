"""What `turmeric inspect` and the REPL's :inspect show: the header, the modules and every
frame of a continuation with its source line and local variables.

The report is plain data (JSON-ready). When the code a checkpoint names has changed, the
frames are shown from the raw records, without variable names, and the report says why.
"""
from __future__ import annotations


from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.data.values import Continuation, Keyword, Symbol
from turmeric.serialize import wire
from turmeric.serialize.format import T_CONT
from turmeric.serialize.blobs import store_beside
from turmeric.serialize.builtins import frame_description
from turmeric.serialize.decode import RecordRef, deserialize, ext_hook


def _k(m, name):
    return m.get(Keyword(name))


def describe(session, data: bytes, path: str = "<bytes>") -> dict:
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
        report["frames"] = raw_frames(records, root)
        return report
    report["frames"] = frames_of(session, value) if type(value) is Continuation else []
    if type(value) is not Continuation:
        report["value"] = pr_str(value)
    return report


def frames_of(session, k: Continuation) -> list:
    out = []
    for i, fr in enumerate(k.frames):
        d = frame_description(session, fr, i)
        entry = {"index": i, "function": _k(d, "function")}
        if _k(d, "file") is not None:
            entry.update(file=_k(d, "file"), line=_k(d, "line"), col=_k(d, "col"), source=_k(d, "source"))
        entry["locals"] = {(k.name if type(k) is Symbol else str(k)): pr_str(v) for k, v in _k(d, "locals").items()}
        out.append(entry)
    return out


def raw_frames(records, root) -> list:
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
            out.append({"index": i, "function": head[1], "site": head[2],
                        "locals": {f"%{j}": _show(x) for j, x in enumerate(locs)}})
    return out


def _show(x) -> str:
    if type(x) is RecordRef:
        return f"#<record {int(x)}>"
    try:
        return pr_str(x)
    except Exception:  # noqa: BLE001 - a raw view must show something for anything
        return repr(x)


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


