"""Golden tests on `turmeric compile --dump STAGE` (style habit 10): the expanded forms, the
IR, the CPS form and the Python source of a few small programs (tests/golden_dumps/NAME.tm)
are compared with NAME.STAGE.txt beside them. Each dump runs in its own process, as a user
runs it (gensym numbers are per process).

To regenerate the expected files after an intended change, run

    TURMERIC_REGEN_DUMPS=1 .venv/bin/python -m pytest -q tests/test_dumps.py

and read the diff before committing it."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden_dumps"
PROGRAMS = sorted(GOLDEN.glob("*.tm"))
STAGES = ("expand", "ir", "cps", "python")
REGEN = bool(os.environ.get("TURMERIC_REGEN_DUMPS"))
DOC = HERE.parent / "docs" / "architecture.md"


def dump(run_tm, program: Path, stage: str) -> str:
    p = run_tm("compile", "--dump", stage, program.name, cwd=GOLDEN)
    assert p.returncode == 0, p.stderr.decode()
    return p.stdout.decode()


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_dump_matches_golden(run_tm, program, stage):
    expected_file = program.with_suffix(f".{stage}.txt")
    out = dump(run_tm, program, stage)
    if REGEN:
        expected_file.write_text(out, encoding="utf-8")
    assert out == expected_file.read_text(encoding="utf-8")


def test_the_docs_fib_is_the_real_output(run_tm):
    """docs/architecture.md shows the generated code of fib: it is what the compiler makes."""
    doc = DOC.read_text(encoding="utf-8")
    m = re.search(r"`turmeric compile --dump python fib.tm` prints:\n\n```python\n(.*?)```", doc, re.S)
    assert m, "the fib example is gone from docs/architecture.md"
    assert m.group(1) == dump(run_tm, GOLDEN / "fib.tm", "python")


def test_the_golden_programs_run(run_tm):
    for program in PROGRAMS:
        p = run_tm("run", program.name, cwd=GOLDEN)
        assert p.returncode == 0, p.stderr.decode()
