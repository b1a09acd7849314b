"""Shared fixtures: a scratch compile cache for in-process sessions, and the environment for
the tests that run `turmeric` in a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from turmeric.runtime import machine

ROOT = Path(__file__).resolve().parent.parent

# in-process sessions run compiled code, which needs the deeper Python stack the CLI allows
machine.allow_deep_python_stack()

# In CI the property tests draw the same examples on every run (a landing must not hang on a
# rare example found that day); run them locally without CI to explore new ones.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="module")
def scratch_cache(tmp_path_factory):
    """In-process sessions compile into a scratch cache, not the user's, with no TURMERIC_PATH.
    A module uses it with `pytestmark = pytest.mark.usefixtures("scratch_cache")`."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TURMERIC_CACHE", str(tmp_path_factory.mktemp("cache")))
        mp.delenv("TURMERIC_PATH", raising=False)
        yield


@pytest.fixture(scope="session")
def tm_env(tmp_path_factory) -> dict:
    """The environment for a `turmeric` subprocess: one compile cache for the whole test
    session (so a module compiled once is loaded from the cache after), a scratch directory
    in TURMERIC_TEST_TMP for programs that write files, UTF-8 output, no debug tracebacks."""
    env = dict(os.environ)
    env["TURMERIC_CACHE"] = str(tmp_path_factory.mktemp("turmeric-cache"))
    env["TURMERIC_TEST_TMP"] = str(tmp_path_factory.mktemp("turmeric-files"))
    env["PYTHONIOENCODING"] = "utf-8"
    for var in ("TURMERIC_DEBUG", "TURMERIC_PATH"):
        env.pop(var, None)
    return env


@pytest.fixture(scope="session")
def run_tm(tm_env):
    """run_tm(*args, stdin="", cwd=ROOT) -> CompletedProcess of `python -m turmeric.cli ARGS`."""
    def run(*args: str, stdin: str = "", cwd: Path = ROOT, timeout: float = 300):
        return subprocess.run(
            [sys.executable, "-m", "turmeric.cli", *args], cwd=cwd, env=tm_env,
            input=stdin.encode("utf-8"), capture_output=True, timeout=timeout)
    return run


def tm(tm_env, cwd, *args, **extra_env) -> subprocess.CompletedProcess:
    """`python -m turmeric.cli ARGS` in cwd, with tm_env plus extra_env; text output."""
    return subprocess.run([sys.executable, "-m", "turmeric.cli", *args], cwd=cwd,
                          env=dict(tm_env, **extra_env), capture_output=True, text=True, timeout=120)


def no_python(proc) -> None:
    """The command said nothing of Python: no traceback, no internal error."""
    assert "Traceback" not in proc.stderr and "error[internal]" not in proc.stderr, proc.stderr
