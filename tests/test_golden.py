"""Golden tests: every tests/golden/**/NAME.tm runs in a fresh `turmeric run` process (cwd =
the repository root, the path relative to it) and must print exactly NAME.out on stdout,
exactly NAME.err on stderr (nothing if there is no .err) and exit with the code in NAME.code
(0 if there is none). NAME.in, if present, is fed to standard input.

TURMERIC_REGOLD=1 rewrites the expectations from what the implementation does instead of
checking them. Read every rewritten file before committing it: an expectation must hold the
right answer, not whatever the implementation printed.
"""
from __future__ import annotations

import os

import pytest

from conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
CASES = sorted(GOLDEN.rglob("*.tm"))
REGOLD = os.environ.get("TURMERIC_REGOLD", "") not in ("", "0")


def _expect(path, default: str = "") -> str:
    return path.read_text(encoding="utf-8") if path.exists() else default


def _regold(base, out: str, err: str, code: int):
    base.with_suffix(".out").write_text(out, encoding="utf-8")
    for suffix, text in ((".err", err), (".code", f"{code}\n" if code else "")):
        p = base.with_suffix(suffix)
        if text:
            p.write_text(text, encoding="utf-8")
        elif p.exists():
            p.unlink()


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.relative_to(GOLDEN).with_suffix("").as_posix())
def test_golden(case, run_tm):
    rel = case.relative_to(ROOT).as_posix()
    stdin = _expect(case.with_suffix(".in"))
    proc = run_tm("run", rel, stdin=stdin)
    out = proc.stdout.decode("utf-8")
    err = proc.stderr.decode("utf-8")
    if REGOLD:
        _regold(case, out, err, proc.returncode)
        return
    assert out == _expect(case.with_suffix(".out")), f"stdout of {rel} (stderr: {err})"
    assert err == _expect(case.with_suffix(".err")), f"stderr of {rel}"
    assert proc.returncode == int(_expect(case.with_suffix(".code"), "0")), f"exit code of {rel}"


def test_every_case_has_an_expected_output():
    """A .tm without a .out would pass vacuously on empty output."""
    assert CASES, "no golden tests found"
    missing = [c.relative_to(ROOT).as_posix() for c in CASES if not c.with_suffix(".out").exists()]
    assert not missing or REGOLD, f"golden tests without a .out file: {missing}"
