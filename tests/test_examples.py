"""Every examples/NAME.tm runs with exit code 0 and no error output, and prints exactly
examples/NAME.out. Each runs in an empty temporary directory, so an example that writes
files leaves nothing in the repository."""
from __future__ import annotations

import pytest

from conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.tm"))
DOCUMENTED = ["hello", "generators", "amb", "workflow", "structs_and_match", "macros", "log_report"]


@pytest.mark.parametrize("name", DOCUMENTED)
def test_documented_example_has_its_expected_output(name):
    assert (ROOT / "examples" / f"{name}.tm").exists()
    assert (ROOT / "examples" / f"{name}.out").exists()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example(example, run_tm, tmp_path):
    proc = run_tm("run", str(example), cwd=tmp_path)
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 0, err
    assert err == ""
    expected = example.with_suffix(".out")
    if not expected.exists():
        pytest.skip(f"examples/{expected.name} is missing: add the example's expected output")
    assert proc.stdout.decode("utf-8") == expected.read_text(encoding="utf-8")


def test_log_report_resumes_from_its_last_batch(run_tm, tmp_path):
    """The example saves the rest of the job after each batch; a fresh process resuming the
    last checkpoint prints the same report."""
    example = ROOT / "examples" / "log_report.tm"
    first = run_tm("run", str(example), cwd=tmp_path)
    assert first.returncode == 0, first.stderr.decode()
    resumed = run_tm("resume", "checkpoint-batch.bin", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert resumed.stdout == first.stdout
