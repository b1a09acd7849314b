"""The package as users get it: build a wheel, install it into a fresh virtual environment
(its dependencies come from the package index), and run an example with that environment's
`turmeric` from a directory outside the repository. This proves that stdlib/ ships inside
the wheel as turmeric.stdlib. It takes half a minute or so and runs in the normal suite."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile

from conftest import ROOT


def _run(args, **kw):
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kw)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_wheel_installs_and_runs_hello_outside_the_repository(tmp_path):
    # build from a copy of the package's sources: an in-tree build would leave build/ in
    # the repository, whose stale files could end up in a later wheel
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("turmeric", "stdlib"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", src, "--no-deps", "-w", wheels], cwd=tmp_path)
    [wheel] = wheels.glob("turmeric-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
    assert "turmeric/stdlib/core.tm" in names
    assert "turmeric/reader/grammar.lark" in names

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv])
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    _run([bindir / "python", "-m", "pip", "install", "--disable-pip-version-check", wheel])

    outside = tmp_path / "elsewhere"
    (outside / "examples").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "hello.tm", outside / "examples" / "hello.tm")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TURMERIC_PATH", "PYTHONHOME")}
    env["TURMERIC_CACHE"] = str(tmp_path / "cache")
    proc = _run([bindir / "turmeric", "run", "examples/hello.tm"], cwd=outside, env=env)
    assert proc.stdout == (ROOT / "examples" / "hello.out").read_text(encoding="utf-8")
    assert proc.stderr == ""
