"""`turmeric repl`: piped mode (subprocess), a real terminal (pexpect), transcripts, and the
pieces the terminal front end is made of (completeness, indentation, highlighting,
completion)."""
from __future__ import annotations

import difflib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from turmeric.repl.input import COMPLETE, EMPTY, INCOMPLETE, input_status
from turmeric.repl.loop import Repl
from turmeric.repl.state import ReplState
from turmeric.repl.ui import _ui_classes, highlight_lines, indent_after, names_in_scope
from turmeric.data.values import Keyword

ROOT = Path(__file__).resolve().parent.parent
TRANSCRIPTS = sorted((Path(__file__).parent / "repl_transcripts").glob("*.txt"))
TIMEOUT = 120  # generous: a loaded 2-core machine


@pytest.fixture(scope="module")
def repl_env(tm_env, tmp_path_factory) -> dict:
    env = dict(tm_env)
    env["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg-data"))
    return env


@pytest.fixture(scope="module")
def piped(repl_env):
    """piped(text) -> (exit code, stdout and stderr merged as they interleave)."""
    def run(text: str) -> tuple[int, str]:
        p = subprocess.run([sys.executable, "-m", "turmeric.cli", "repl"], cwd=ROOT,
                           env=repl_env, input=text.encode("utf-8"), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=TIMEOUT)
        return p.returncode, p.stdout.decode("utf-8").replace("\r\n", "\n")
    return run


@pytest.fixture(scope="module")
def piped_split(repl_env):
    """piped_split(text) -> CompletedProcess with stdout and stderr apart (str)."""
    def run(text: str):
        return subprocess.run([sys.executable, "-m", "turmeric.cli", "repl"], cwd=ROOT,
                              env=repl_env, input=text, capture_output=True, text=True,
                              encoding="utf-8", timeout=TIMEOUT)
    return run


# -- piped mode ----------------------------------------------------------------------------------

def test_piped_simple(piped_split):
    p = piped_split("(+ 1 2)\n")
    assert (p.returncode, p.stdout, p.stderr) == (0, "3\n", "")


def test_piped_definitions_and_numbered_results(piped):
    code, out = piped("(def x 2)\n(defn f [y] (* x y))\n(f 21)\n(+ $1 $3)\n")
    assert code == 0
    assert out == "2\n#<fn user.f>\n42\n44\n"


def test_piped_multiline_forms(piped):
    code, out = piped('(defn g [a\n       b]\n  (+ a\n     b))\n(g 1\n 2) [1\n2] "x\ny"\n')
    assert code == 0
    assert out == '#<fn user.g>\n3\n[1 2]\n"x\\ny"\n'


def test_piped_error_then_more_input(piped_split):
    p = piped_split("(def x 1)\n(/ x 0)\n(+ x 1)\n(undefined-thing)\n(* x 5)\n")
    assert p.stdout == "1\n2\n5\n"
    assert "<repl-2>:1:1: error[value]: /: division by zero" in p.stderr
    assert " 1 | (/ x 0)" in p.stderr
    assert "error[unbound]: undefined-thing is not defined" in p.stderr
    assert p.returncode == 1  # some input failed: scripts can tell


def test_piped_error_format_matches_run(piped_split, run_tm, tmp_path):
    """The REPL shows an error exactly as `turmeric run` does (its file name aside)."""
    src = "(defn f [x]\n  (count x))\n(f 5)\n"
    prog = tmp_path / "prog.tm"
    prog.write_text(src)
    ran = run_tm("run", str(prog))
    p = piped_split(src)
    expect = ran.stderr.decode("utf-8").replace(str(prog), "FILE").splitlines()
    got = p.stderr.replace("<repl-1>", "FILE").splitlines()
    assert got[:4] == expect[:4]  # message, source line, caret, stack header
    # #10 item 1: the same form has the same content-named symbol in a file and at the REPL
    h = re.fullmatch(r"  prog/top-([0-9a-f]{8})  at FILE:3:1", expect[4]).group(1)
    assert got[4:] == [f"  user/top-{h}  at <repl-2>:1:1", "  user.f  at FILE:2:3"]
    assert expect[5:] == ["  prog.f  at FILE:2:3"]


def test_piped_help_doc_time_quit(piped):
    code, out = piped(":help\n(defn h \"Halves.\" [n] (/ n 2))\n:doc h\n:time (h 8)\n"
                      ":quit\n(+ 1 1)\n")
    assert code == 0
    assert ":doc NAME" in out and ":time EXPR" in out and ":quit" in out
    assert "user.h  function\n  (h n)\n  Halves.\n  defined at <repl-1>:1:1\n" in out
    assert re.search(r"\n4\ntime: [0-9.]+ (us|ms|s)\n$", out), out
    assert "2\n" not in out.split("time:")[1]  # nothing after :quit ran


def test_piped_doc_of_builtins_and_forms(piped):
    code, out = piped(":doc map\n:doc comp\n:doc let\n:doc $1\n(+ 1 2)\n:doc $1\n")
    assert code == 0
    assert out.startswith("core.map  builtin function\n  `(map f coll")
    assert "core.comp  function\n  (comp & fns)\n  defined at " in out
    assert "let  special form\n  (let [name value ...] body...)" in out
    assert "nothing is named $1 here" in out
    assert out.endswith("3\nuser.$1  value\n  3\n")


def test_piped_prints_no_prompts(piped):
    code, out = piped("")
    assert (code, out) == (0, "")


def test_piped_exit_code(piped):
    assert piped("(exit 4)\n(println 1)\n") == (4, "")


def test_save_and_restore(piped, repl_env, tmp_path):
    """:save, then `turmeric repl --restore` and :restore bring back globals and $N."""
    path = tmp_path / "s.tms"
    code, out = piped(f"(def x 41)\n(defn f [] (inc x))\n(f)\n:save {path}\n")
    assert (code, out) == (0, f"41\n#<fn user.f>\n42\nsaved to {path}\n")
    p = subprocess.run([sys.executable, "-m", "turmeric.cli", "repl", "--restore", str(path)],
                       cwd=ROOT, env=repl_env, input="(f)\n(+ $1 $3)\n", capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert (p.returncode, p.stdout, p.stderr) == (0, "42\n83\n", "")
    code, out = piped(f"(def x 0)\n:restore {path}\n(f)\n$3\n")
    assert (code, out) == (0, f"0\nrestored {path}\n42\n42\n")


def test_save_leaves_out_what_cannot_be_serialized(tmp_path, scratch_cache):
    """A global or $N that cannot be serialized is reported and left out; the rest is saved,
    values that share a ref still sharing it."""
    from turmeric.repl.session_file import restore_session, save_session
    from turmeric.data.names import mangle
    from turmeric.session.session import Session
    session = Session()
    session.eval_string("(def cell (ref 1)) (def a [cell]) (def b {:c cell}) (def bad nil)", module="user")
    mod = session.modules["user"]
    mod.ns["g_" + mangle("bad")] = object()
    state = ReplState(counter=2, results={1: 7, 2: object()})
    unsaved = save_session(session, state, str(tmp_path / "s.tms"))
    assert [name for name, _reason in unsaved] == ["bad", "$2"]
    assert all("cannot serialize a value of type python:object" in reason for _name, reason in unsaved)
    restored, new_state, left_out = restore_session(str(tmp_path / "s.tms"), state_factory=ReplState)
    ns = restored.modules["user"].ns
    assert "g_" + mangle("bad") not in ns and new_state.results == {1: 7}
    assert ns["g_a"][0] is ns["g_b"].get(Keyword("c"))
    assert [name for name, _reason in left_out] == ["bad", "$2"]


def test_piped_nil_literal(piped):
    assert piped("nil\n") == (0, "nil\n")


# -- transcripts ---------------------------------------------------------------------------------

def parse_transcript(text: str) -> tuple[str, list[tuple[str, str]], int]:
    """(input text, [(kind, expected)], exit code); kind is 'line', 're' or 'any'."""
    inputs, expected, code = [], [], 0
    for line in text.splitlines():
        if line.startswith(";=>"):
            expected.append(("line", line[4:] if line.startswith(";=> ") else line[3:]))
        elif line.startswith(";=~ "):
            expected.append(("re", line[4:]))
        elif line.startswith(";=*"):
            expected.append(("any", ""))
        elif line.startswith(";exit "):
            code = int(line[6:])
        else:
            inputs.append(line)
    return "\n".join(inputs) + "\n", expected, code


def transcript_regex(expected) -> str:
    parts = []
    for kind, text in expected:
        if kind == "line":
            parts.append(re.escape(text) + r"\n")
        elif kind == "re":
            parts.append(f"(?:{text})\\n")
        else:
            parts.append(r"(?:.*\n)*?")
    return "".join(parts)


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript(path, piped):
    text, expected, want_code = parse_transcript(path.read_text(encoding="utf-8"))
    code, out = piped(text)
    if not re.fullmatch(transcript_regex(expected), out):
        want = [t if k == "line" else f"<{k}: {t}>" for k, t in expected]
        diff = "\n".join(difflib.unified_diff(want, out.splitlines(), "expected", "actual",
                                              lineterm=""))
        pytest.fail(f"{path.name}: output differs\n{diff}")
    assert code == want_code, out


def test_transcripts_exist():
    names = {p.stem for p in TRANSCRIPTS}
    assert {"basics", "errors", "commands"} <= names


# -- the pieces of the terminal front end ------------------------------------------------------

@pytest.mark.parametrize("text,status", [
    ("", EMPTY), ("  \n", EMPTY), ("(+ 1 2)", COMPLETE), ("(+ 1", INCOMPLETE),
    ("(let [x 1]\n  [x", INCOMPLETE), ('"abc', INCOMPLETE), ("{:a (f", INCOMPLETE),
    ("(+ 1 2))", COMPLETE), ("(+ 1 #bytes \"zz\")", COMPLETE), (":doc map", COMPLETE),
    (":time (loop [i 0]", INCOMPLETE), (":time (+ 1 2)", COMPLETE), (":a", COMPLETE),
    (":help", COMPLETE), ("(+ 1 ; a comment (\n", INCOMPLETE), ("; (", COMPLETE),
])
def test_input_status(text, status):
    assert input_status(text) == status


@pytest.mark.parametrize("text,indent", [
    ("(defn f [x]", 2), ("(let [x 1", 6), ("{:a 1", 1), ("#{1", 2), ("(+ 1 2)", 0),
    ("(do\n  (foo [1", 8), ('(str "(" ', 2),
])
def test_indent_after(text, indent):
    assert indent_after(text) == indent


def test_highlighting():
    lines = highlight_lines('(defn f [x] ; note\n  (str :k "a\nb" 42 nil x))')
    flat = [(style, text) for line in lines for style, text in line]
    assert ("class:tm.special", "defn") in flat
    assert ("class:tm.comment", "; note") in flat
    assert ("class:tm.keyword", ":k") in flat
    assert ("class:tm.number", "42") in flat
    assert ("class:tm.constant", "nil") in flat
    assert ("", "x") in flat
    assert len(lines) == 3 and lines[1][-1] == ("class:tm.string", '"a')
    assert lines[2][0] == ("class:tm.string", 'b"')


def test_completion_names():
    from prompt_toolkit.document import Document
    repl = Repl()
    repl.evaluate("(defn my-function [] 1) (defmacro my-macro [] 2)")
    names = names_in_scope(repl.session)
    assert names["map"] == "core" and names["defn"] == "special form"
    assert names["my-function"] == "user" and names["my-macro"] == "user macro"
    assert names["$1"] == "result"
    _, Completer = _ui_classes()
    c = Completer(lambda: repl.session)

    def complete(text):
        return [x.text for x in c.get_completions(Document(text), None)]
    assert complete("(my-") == ["my-function", "my-macro"]
    assert "reduce" in complete("(map inc (red")
    assert complete(":ti") == [":time"]
    assert complete("(foo :ti") == []


def test_repl_state_is_plain_data():
    repl = Repl()
    repl.evaluate("(+ 1 2) (def x 5)")
    repl.evaluate("(/ 1 0)")
    repl.evaluate("; nothing")
    assert repl.state.counter == 2
    assert repl.state.results == {1: 3, 2: 5}
    assert repl.state.inputs == ["(+ 1 2) (def x 5)", "(/ 1 0)"]
    # a REPL made from a state (as :restore does) has its $N defined
    again = Repl(state=ReplState(2, {1: 3, 2: 5}, list(repl.state.inputs)))
    values = []
    again.evaluate("(+ $1 $2)", on_value=values.append)
    assert values == [8]


# -- a real terminal -----------------------------------------------------------------------------

PROMPT = "user=>"


@pytest.fixture()
def terminal(repl_env, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    env = dict(repl_env, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", XDG_DATA_HOME=str(tmp_path))
    child = pexpect.spawn(sys.executable, ["-m", "turmeric.cli", "repl"], cwd=str(ROOT),
                          env=env, dimensions=(40, 120), encoding="utf-8", timeout=TIMEOUT)
    child.tmp_path = tmp_path
    yield child
    if child.isalive():
        child.terminate(force=True)


def test_terminal_session(terminal):
    import pexpect
    t = terminal
    t.expect(PROMPT)
    # a definition and its numbered result
    t.send("(defn sq [x] (* x x))\r")
    t.expect_exact("$1 = #<fn user.sq>")
    t.expect(PROMPT)
    # a multi-line input: Enter inside an open bracket starts a new line
    # (keys are handled in order once the prompt is drawn, so no waiting in between)
    t.send("(sq\r")
    t.send("7)\r")
    t.expect_exact("$2 = 49")
    t.expect(PROMPT)
    # Ctrl-C drops the input being typed
    t.send("(list 1000 ")
    t.send("\x03")
    t.expect(PROMPT)
    t.send("(+ 40 2)\r")
    t.expect_exact("$3 = 42")  # not (list 1000 (+ 40 2)), nor "interrupted"
    assert "interrupted" not in t.before
    t.expect(PROMPT)
    # Ctrl-C interrupts a running evaluation; the session goes on
    t.send('(do (println "started") (loop [i 0] (recur (inc i))))\r')
    t.expect_exact("started")
    t.send("\x03")
    t.expect_exact("interrupted")
    t.expect(PROMPT)
    t.send("(+ 1 2)\r")
    t.expect_exact("$4 = 3")
    t.expect(PROMPT)
    # $N refer to earlier results
    t.send("(+ $2 $4)\r")
    t.expect_exact("$5 = 52")
    t.expect(PROMPT)
    t.send("(sq 3)\r")
    t.expect_exact("$6 = 9")
    t.expect(PROMPT)
    # an error, then more input
    t.send("(sq :a)\r")
    t.expect_exact("error[type]")
    t.expect(PROMPT)
    t.send(":doc sq\r")
    t.expect_exact("(sq x)")
    t.expect(PROMPT)
    # Ctrl-D leaves with exit code 0
    t.send("\x04")
    t.expect(pexpect.EOF)
    t.close()
    assert t.exitstatus == 0
    history = (t.tmp_path / "turmeric" / "history").read_text(encoding="utf-8")
    assert "+(defn sq [x] (* x x))" in history
    assert "+(sq\n+  7)" in history  # multi-line input, auto-indented
    assert "(list 1000" not in history  # dropped with Ctrl-C


def test_terminal_tab_completion_of_user_names(terminal):
    import pexpect
    t = terminal
    t.expect(PROMPT)
    t.send("(def a-rather-long-name 5)\r")
    t.expect_exact("$1 = 5")
    t.expect(PROMPT)
    t.send("(inc a-rather\t")
    t.expect_exact("a-rather-long-name")  # completion runs asynchronously: wait for it
    t.send(")\r")
    t.expect_exact("$2 = 6")
    t.expect(PROMPT)
    t.send(":quit\r")
    t.expect(pexpect.EOF)
    t.close()
    assert t.exitstatus == 0


def test_terminal_save_kill_restore_and_continue(repl_env, tmp_path):
    """Issue 4: in a real terminal, define a generator, a counter closure and an open file,
    use each once, :save, kill the process with SIGKILL, restore in a new process: the
    generator resumes where it was, the counter keeps its count, the file reads on."""
    import signal

    pexpect = pytest.importorskip("pexpect")
    env = dict(repl_env, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", XDG_DATA_HOME=str(tmp_path))
    lines = tmp_path / "lines.txt"
    lines.write_text("one\ntwo\nthree\n", encoding="utf-8")
    saved = tmp_path / "session.tms"

    def spawn(*args):
        return pexpect.spawn(sys.executable, ["-m", "turmeric.cli", "repl", *args], cwd=str(ROOT),
                             env=env, dimensions=(40, 200), encoding="utf-8", timeout=TIMEOUT)

    first = spawn()
    try:
        first.expect(PROMPT)
        for form, shown in [
            ("(defn yield [x] (cloneable-shift [k] [x k]))", "#<fn user.yield>"),
            ("(def g (cloneable-reset (fn [] (for-each yield [10 20 30]) nil)))", "[10 #<continuation"),
            ("(defn make-counter [] (let [n 0] (fn [] (set! n (inc n)) n)))", "#<fn user.make-counter>"),
            ("(def tick (make-counter))", "#<fn user.make-counter/fn#1>"),
            ("(tick)", "= 1"),
            ("(tick)", "= 2"),
            (f'(def fh (open-file "{lines}"))', "FileHandle"),
            ("(read-line fh)", '"one"'),
            (f":save {saved}", "saved to"),
        ]:
            first.send(form + "\r")
            first.expect_exact(shown)
            first.expect(PROMPT)
        first.kill(signal.SIGKILL)
        first.expect(pexpect.EOF)
    finally:
        first.terminate(force=True)

    second = spawn("--restore", str(saved))
    try:
        second.expect(PROMPT)
        for form, shown in [
            ("(first (resume (second g)))", "= 20"),   # the generator goes on from 10
            ("(tick)", "= 3"),                          # the counter kept its count
            ("(read-line fh)", '"two"'),                # the file reads on from its line
        ]:
            second.send(form + "\r")
            second.expect_exact(shown)
            second.expect(PROMPT)
        second.send("\x04")
        second.expect(pexpect.EOF)
    finally:
        second.terminate(force=True)
