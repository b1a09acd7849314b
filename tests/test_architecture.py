"""The structure the architecture issue (#8) asks for: one driver, and stages that agree."""
from __future__ import annotations

from turmeric import pipeline
from turmeric.cli.main import DUMP_STAGES


def test_cli_dump_stages_are_the_pipeline_stages():
    assert DUMP_STAGES == pipeline.STAGES


def test_run_and_dump_agree_on_current_version(run_tm, tmp_path):
    """Regression (#8): `turmeric run` printed 3 while `compile --dump python` showed
    B_println(None), because the dump had its own copy of the driver."""
    f = tmp_path / "cv.tm"
    f.write_text("(module v :version 3)\n(println (current-version))\n")
    run = run_tm("run", str(f))
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode() == "3\n"
    dump = run_tm("compile", "--dump", "python", str(f))
    assert dump.returncode == 0, dump.stderr
    assert "B_println(3)" in dump.stdout.decode()
    assert "B_println(None)" not in dump.stdout.decode()
