"""The README: its example program prints what its comments say, and its two commands are
the ones .ci/run runs."""
from __future__ import annotations

import re

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_example_prints_what_its_comments_say(run_tm, tmp_path):
    code = re.search(r"```clojure\n(.*?)```", README, re.S).group(1)
    expected = [m.group(1) for m in re.finditer(r"\(println .*; (\S+)", code)]
    path = tmp_path / "readme.tm"
    path.write_text(code, encoding="utf-8")
    proc = run_tm("run", str(path))
    assert proc.returncode == 0, proc.stderr.decode()
    assert [line.rstrip(",") for line in proc.stdout.decode().splitlines()] == \
        [e.rstrip(",") for e in expected]


def test_readme_opens_with_the_install_and_test_commands():
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)[:2]
    assert commands[0].endswith("turmeric run examples/generators.tm")
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert any(line.startswith(commands[1] + " ") or line == commands[1] for line in ci.splitlines())
