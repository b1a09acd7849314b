"""What `turmeric inspect` and the REPL's :inspect show: the header, the modules and every
frame of a continuation with its source line and local variables.

The report is plain data (JSON-ready). When the code a checkpoint names has changed, the
frames are shown from the raw records, without variable names, and the report says why.
"""
from __future__ import annotations

from ..runtime.errors import TurmericError
from ..runtime.printer import pr_str
from ..runtime.values import Continuation, Keyword, Symbol
from . import wire
from .builtins import frame_description
from .decode import Ref_, deserialize, ext_hook


def _k(m, name):
    return m.get(Keyword(name))


def describe(session, data: bytes, path: str = "<bytes>") -> dict:
    header, records, root = wire.unpack(data, None, ext_hook) if not _signed(data) else (None, None, None)
    report: dict = {"file": path, "bytes": len(data), "format": data[4] if len(data) > 4 else None,
                    "signed": _signed(data)}
    if header is None:
        report["note"] = "the data is signed: its contents are shown only when deserialized with the key"
        return report
    report["turmeric"] = header.get("turmeric")
    report["modules"] = [{"name": m[0], "version": _plain(m[1]), "path": m[2]} for m in header.get("modules", [])]
    try:
        value = session.run(lambda: deserialize(session, data))
    except TurmericError as e:
        report["note"] = f"{e.kind}: {e.message}"
        report["frames"] = raw_frames(header, records)
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


def raw_frames(header, records) -> list:
    from .encode import T_CONT, T_FRAME
    out = []
    frames = [r for r in records if isinstance(r, list) and r and r[0] == T_FRAME]
    conts = [r for r in records if isinstance(r, list) and r and r[0] == T_CONT]
    order = []
    if conts:
        for x in conts[-1][1:]:
            if type(x) is Ref_ and 0 <= x.i < len(records):
                order.append(records[x.i])
    for i, r in enumerate(order or frames):
        if len(r) >= 5:
            out.append({"index": i, "function": r[2], "site": r[3],
                        "locals": {f"%{j}": _show(x) for j, x in enumerate(r[5:])}})
    return out


def _show(x) -> str:
    if type(x) is Ref_:
        return f"#<record {x.i}>"
    try:
        return pr_str(x)
    except Exception:  # noqa: BLE001 - a raw view must show something for anything
        return repr(x)


def _plain(v):
    return v if v is None or isinstance(v, (int, float, str, bool)) else str(v)


def _signed(data: bytes) -> bool:
    return len(data) > 5 and bool(data[5] & wire.FLAG_SIGNED)


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
    frames = report.get("frames") or []
    if frames:
        lines.append(f"frames (innermost first, {len(frames)}):")
    for f in frames:
        where = f"  at {f['file']}:{f['line']}:{f['col']}" if f.get("file") else \
            (f"  (site {f['site']})" if "site" in f else "")
        lines.append(f"  #{f['index']} {f['function']}{where}")
        if f.get("source"):
            lines.append(f"     {f['line']} | {f['source']}")
        for name, value in f.get("locals", {}).items():
            lines.append(f"     {name} = {value}")
    if "value" in report:
        lines.append(f"value: {report['value']}")
    return "\n".join(lines)


