"""The `turmeric` command line, run as a subprocess: run, errors and exit codes, compile
--dump."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.fixture
def write(tmp_path):
    """write(name, text) -> path of a new file in a temporary directory."""
    def make(name: str, text: str):
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return p
    return make


def out(proc) -> str:
    return proc.stdout.decode("utf-8")


def err(proc) -> str:
    return proc.stderr.decode("utf-8")


def test_run_prints_and_exits_0(run_tm, write):
    path = write("prog.tm", '(defn sq [x] (* x x))\n(println "squares:" (map sq [1 2 3]))\n')
    proc = run_tm("run", str(path))
    assert (proc.returncode, out(proc), err(proc)) == (0, "squares: (1 4 9)\n", "")


def test_run_from_another_directory(run_tm, write, tmp_path):
    write("here.tm", "(println :here)\n")
    proc = run_tm("run", "here.tm", cwd=tmp_path)
    assert (proc.returncode, out(proc)) == (0, ":here\n")


def test_syntax_error_exit_65_with_location_line_and_caret(run_tm, write, tmp_path):
    write("bad.tm", '(println "ok")\n(println [1 2)\n')
    proc = run_tm("run", "bad.tm", cwd=tmp_path)
    assert proc.returncode == 65
    assert out(proc) == ""  # nothing runs: the whole file is read first
    lines = err(proc).splitlines()
    assert lines[0].startswith("bad.tm:2:")
    assert "error[syntax]:" in lines[0]
    assert lines[1] == " 2 | (println [1 2)"
    assert lines[2].strip().endswith("^")
    assert "Traceback" not in err(proc)


def test_runtime_error_exit_1_with_stack_and_no_python_traceback(run_tm, write, tmp_path):
    write("boom.tm", "(defn inner [x] (/ x 0))\n(defn outer [x] (inner x))\n"
                     "(println :start)\n(outer 5)\n")
    proc = run_tm("run", "boom.tm", cwd=tmp_path)
    assert proc.returncode == 1
    assert out(proc) == ":start\n"
    e = err(proc)
    assert "Traceback" not in e
    assert e.splitlines()[0] == "boom.tm:1:17: error[value]: /: division by zero"
    assert "Turmeric call stack (most recent call last):" in e
    stack = e.split("Turmeric call stack (most recent call last):\n", 1)[1].splitlines()
    names = [line.split()[0] for line in stack]
    assert names[1:] == ["boom.outer", "boom.inner"]
    assert re.fullmatch(r"boom/top-[0-9a-f]{8}", names[0]), names   # #10 item 1: named by content


def test_uncaught_throw_exit_1(run_tm, write, tmp_path):
    write("t.tm", '(throw (error "no way"))\n')
    proc = run_tm("run", "t.tm", cwd=tmp_path)
    assert proc.returncode == 1
    assert "error[thrown]: uncaught throw: no way" in err(proc)
    assert "Traceback" not in err(proc)


def test_compile_error_exit_65(run_tm, write, tmp_path):
    write("c.tm", "(println :never)\n(if)\n")
    proc = run_tm("run", "c.tm", cwd=tmp_path)
    assert proc.returncode == 65
    assert out(proc) == ""
    assert err(proc).startswith("c.tm:2:1: error[compile]: ")


def test_missing_file_is_an_error_with_its_name(run_tm, tmp_path):
    proc = run_tm("run", "no-such-file.tm", cwd=tmp_path)
    assert proc.returncode == 66
    assert err(proc) == "error[no-input]: no such file: no-such-file.tm\n"
    assert "Traceback" not in err(proc)
    assert out(proc) == ""


def test_compile_of_a_missing_file_is_the_same_error(run_tm, tmp_path):
    proc = run_tm("compile", "--dump", "read", "no-such-file.tm", cwd=tmp_path)
    assert proc.returncode == 66
    assert err(proc) == "error[no-input]: no such file: no-such-file.tm\n"


def test_exit_sets_the_exit_code(run_tm, write):
    path = write("e.tm", '(println "bye")\n(exit 3)\n(println "not reached")\n')
    proc = run_tm("run", str(path))
    assert (proc.returncode, out(proc), err(proc)) == (3, "bye\n", "")


def test_exit_without_code_is_0(run_tm, write):
    path = write("e0.tm", "(exit)\n(println :not-reached)\n")
    proc = run_tm("run", str(path))
    assert (proc.returncode, out(proc)) == (0, "")


def test_stdin_is_read_by_read_line(run_tm, write):
    path = write("echo.tm", "(println (upper-case (read-line)))\n")
    proc = run_tm("run", str(path), stdin="quiet\n")
    assert out(proc) == "QUIET\n"


SOURCE = "(defn f-twice [x] (* 2 x))\n(when true (println (f-twice 21)))\n"


def test_compile_dump_python(run_tm, write):
    proc = run_tm("compile", "--dump", "python", str(write("d.tm", SOURCE)))
    assert proc.returncode == 0, err(proc)
    assert "def F_" in out(proc)
    compile(out(proc), "<dump>", "exec")  # the dump is valid Python


def test_compile_dump_is_python_by_default(run_tm, write):
    proc = run_tm("compile", str(write("d.tm", SOURCE)))
    assert proc.returncode == 0 and "def F_" in out(proc)


def test_compile_dump_read(run_tm, write):
    proc = run_tm("compile", "--dump", "read", str(write("d.tm", SOURCE)))
    assert proc.returncode == 0, err(proc)
    assert out(proc).splitlines() == ["(defn f-twice [x] (* 2 x))",
                                      "(when true (println (f-twice 21)))"]


def test_compile_dump_expand(run_tm, write):
    proc = run_tm("compile", "--dump", "expand", str(write("d.tm", SOURCE)))
    assert proc.returncode == 0, err(proc)
    assert out(proc).splitlines() == ["(def f-twice (fn f-twice [x] (* 2 x)))",
                                      "(if true (do (println (f-twice 21))) nil)"]


def test_compile_dump_ir(run_tm, write):
    proc = run_tm("compile", "--dump", "ir", str(write("d.tm", SOURCE)))
    assert proc.returncode == 0, err(proc)
    assert "(fn d.f-twice [l_x]" in out(proc)
    assert "(fn d/def-f-twice" in out(proc)


def test_compile_does_not_run_the_program(run_tm, write):
    proc = run_tm("compile", "--dump", "python", str(write("d.tm", SOURCE)))
    assert "42" not in out(proc).splitlines()


@pytest.mark.parametrize("args", [(), ("frobnicate",), ("run",), ("compile", "--dump", "nonsense", "x.tm")])
def test_usage_errors_exit_64(run_tm, args):
    proc = run_tm(*args)
    assert proc.returncode == 64
    assert "usage" in err(proc).lower()
    assert "Traceback" not in err(proc)


def test_examples_run_from_the_repository_root(run_tm):
    proc = run_tm("run", "examples/hello.tm", cwd=ROOT)
    assert proc.returncode == 0 and out(proc).startswith("Hello from Turmeric!\n")


def test_run_without_a_file_names_only_the_file(run_tm):
    """#9 item 10: `turmeric run` with no file said `required: file, args`."""
    r = run_tm("run")
    assert r.returncode == 64
    err = r.stderr.decode()
    assert "error[usage]: the following argument is required: file\n" in err
    assert "args" not in err.splitlines()[-1]


def test_no_python_warning_for_a_call_of_a_literal(run_tm, tmp_path):
    """#9 item 10: a first compile of (println (1 2 3)) printed Python's SyntaxWarning."""
    f = tmp_path / "literal_call.tm"
    f.write_text('(defn f [] (println (1 2 3)))\n(println "ok")\n')
    r = run_tm("run", str(f))
    assert r.returncode == 0 and r.stdout.decode() == "ok\n"
    assert r.stderr.decode() == ""


def test_a_class_prints_and_has_a_type_as_turmeric(run_tm, tmp_path):
    """#9 item 10: a typeclass printed as #<python TypeClass>, its type python:TypeClass."""
    f = tmp_path / "cls.tm"
    f.write_text("(defclass Shape [a] (area [s]))\n(prn Shape)\n(prn (type-of Shape))\n")
    r = run_tm("run", str(f))
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode() == "#<class Shape>\n:class\n"


def test_output_cut_by_the_reader_is_no_internal_error(tm_env, tmp_path):
    """`turmeric inspect FILE | head` ended in error[internal] BrokenPipeError; now it stops
    quietly with 141, as Unix tools do. (The output is 1.3 MB: a reader's first read can take
    64 KB and the pipe holds 64 KB more, so 100 KB could all be written before the close.)"""
    prog = tmp_path / "big.tm"
    prog.write_text('(write-file-atomic "big.bin" (serialize (vec (range 200000))))\n')
    made = subprocess.run([sys.executable, "-m", "turmeric.cli", "run", str(prog)], cwd=tmp_path,
                          env=tm_env, capture_output=True, timeout=120)
    assert made.returncode == 0, made.stderr
    codes = []
    for _attempt in range(3):
        proc = subprocess.Popen([sys.executable, "-m", "turmeric.cli", "inspect", "--full", "big.bin"],
                                cwd=tmp_path, env=tm_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.read(10)
        proc.stdout.close()           # the reader goes away, as head does
        err = proc.stderr.read().decode()
        codes.append(proc.wait(timeout=120))
        assert "internal" not in err and "Traceback" not in err
        if codes[-1] == 141:
            break
    # On a loaded machine the kernel now and then lets every write succeed, and a plain
    # Python program that writes as much then exits 0 too (seen 6 times in 40 with three
    # busy loops beside it): a clean 0 is no failure, but one of three must see the pipe go
    assert set(codes) <= {0, 141} and codes[-1] == 141, codes
