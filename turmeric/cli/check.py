"""`turmeric check PATH... [--store URL] [--json]`: every saved continuation under the paths
(and every parked workflow of a store) checked against the current code, running none of it
(#10 item 3). Exit 0 when none is refused, 1 when any is (spec/cli.md)."""
from __future__ import annotations

import json
import os

from turmeric.data.errors import TurmericError
from turmeric.session.versions import Checker, checkpoint_files
from turmeric.workflow.blobs import StoreBlobs
from turmeric.workflow.code import CODE_WHERE, StoreCode
from turmeric.workflow.stores import open_store

EXIT_REFUSED = 1
FINISHED = frozenset({"done", "failed", "cancelled"})   # workflows with no state to resume


def run(args) -> int:
    if not args.paths and not args.store:
        raise TurmericError("usage", "turmeric check: name checkpoint files or folders, or --store URL")
    checker = Checker()
    reports = [checker.check(p) for p in checkpoint_files(args.paths)]
    if args.store:
        store = open_store(args.store)
        try:
            blobs, code = StoreBlobs(store), StoreCode(store)
            for row in store.list():
                if row.state is None or row.status in FINISHED:
                    continue
                near = row.file if row.file else os.path.join(os.getcwd(), "workflow.tm")
                report = checker.check(f"workflow {row.id}", bytes(row.state), blobs, near=near, code=code,
                                       code_where=CODE_WHERE)
                report["workflow"] = row.id
                reports.append(report)
        finally:
            store.close()
    counts = {s: sum(r["status"] == s for r in reports) for s in ("ok", "upgradable", "refused")}
    if args.json:
        print(json.dumps({"checkpoints": reports, "counts": counts}, indent=2, ensure_ascii=False, default=str))
    else:
        for r in reports:
            print(f"{r['path']}: {r['status']}")
            for line in report_lines(r):
                print(line)
        how = " or ".join((["turmeric resume --upgrade"] if any("workflow" not in r for r in reports) else []) +
                          (["turmeric workflow upgrade"] if any("workflow" in r for r in reports) else []))
        print(f"{len(reports)} checked: {counts['ok']} ok, {counts['upgradable']} upgradable "
              f"({how or 'turmeric resume --upgrade'}), {counts['refused']} refused")
    return EXIT_REFUSED if counts["refused"] else 0


def report_lines(r: dict) -> list[str]:
    """The indented lines under a checkpoint's or a workflow's status: why it was refused when
    no frame says, then each frame with its source line and reason."""
    lines = [f"  {r['error']}"] if r["status"] == "refused" and not r["frames"] else []
    for f in r["frames"]:
        where = f" at {f['file']}:{f['line']} `{f['source']}`" if f.get("line") is not None else ""
        frame = f"frame {f['frame']}" if f.get("frame") is not None else "a frame"
        lines.append(f"  {frame}: {f['function']}{where}: {f['reason']}")
    return lines
