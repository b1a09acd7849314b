"""The examples of spec/language.md print what the text says they print: each ```clojure
block followed by `prints `OUTPUT`.` or by `prints` and a block is run as a program. (Blocks
followed by other sentences, or that need files, are not checked here.)"""
from __future__ import annotations

import re

import pytest

from conftest import ROOT

SPEC = (ROOT / "spec" / "language.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```clojure\n((?:(?!```).)*?)```\n(?:\n)?prints(?: `([^`]*)`\.\n|\n```\n((?:(?!```).)*?)```\n)",
                   re.S)


def examples():
    out = []
    for m in BLOCK.finditer(SPEC):
        code, one_line, block = m.group(1), m.group(2), m.group(3)
        if "(import " in code:
            continue                    # needs module files beside it (tests/golden/forms/modules)
        expected = one_line + "\n" if one_line is not None else block
        line = SPEC[:m.start()].count("\n") + 1
        out.append(pytest.param(code, expected, id=f"language.md:{line}"))
    return out


EXAMPLES = examples()


def test_the_spec_has_checked_examples():
    assert len(EXAMPLES) >= 30


@pytest.mark.parametrize("code,expected", EXAMPLES)
def test_language_example(code, expected, run_tm, tmp_path):
    (tmp_path / "example.tm").write_text(code, encoding="utf-8")
    proc = run_tm("run", "example.tm", cwd=tmp_path)
    assert proc.stdout.decode("utf-8") == expected, proc.stderr.decode("utf-8")


BUILTINS = (ROOT / "spec" / "builtins.md").read_text(encoding="utf-8")
# examples that touch files, the clock, randomness, the environment or the terminal
UNCHECKED = ("now-ms", "rand", "shuffle", "slurp", "spit", "read-file", "write-file", "open-file", "tcp",
             "getenv", "sleep", "gensym", "exit", "read-line", "print", "delete-file", "file-",
             "command-line", "checkpoint", "write-line", "close", "time")


def builtin_examples() -> list[tuple[str, str]]:
    """Every `(EXPR)` is `VALUE` pair of the Example: lines of spec/builtins.md."""
    pairs = []
    for m in re.finditer(r"Example: (.*?)(?:\n\n|\n###)", BUILTINS, re.S):
        pairs += re.findall(r"`(\([^`]*\))` is `([^`]*)`", m.group(1))
    return pairs


def test_builtin_examples_print_as_documented():
    """Each example expression, printed with pr-str, is the documented value (one session;
    an example that needs a definition from its text is left out)."""
    from turmeric.data.errors import TurmericError
    from turmeric.session.session import Session
    s = Session(cache=False)
    checked, wrong = 0, []
    for expr, value in builtin_examples():
        if any(word in expr for word in UNCHECKED):
            continue
        try:
            got = s.eval_string(f"(pr-str {expr})", module="examples")[-1]
        except TurmericError as e:
            if e.kind == "unbound":
                continue
            got = f"error[{e.kind}]: {e.message}"
        checked += 1
        if got != value:
            wrong.append(f"{expr} is documented as {value}, gives {got}")
    assert checked >= 200
    assert wrong == []
