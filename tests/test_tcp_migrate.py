"""examples/migrate/ (#11 item 4): node A runs a job half-way and sends the rest of it over
TCP to node B, a second process, which finishes it and prints the result a single process
prints. Two real subprocesses on loopback; a payload signed with another key, or one holding
a socket, is refused by B with a clear error."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

MIGRATE = ROOT / "examples" / "migrate"


@pytest.fixture
def nodes(tmp_path):
    for f in MIGRATE.iterdir():
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def start_b(tm_env, cwd, **env):
    b = subprocess.Popen([sys.executable, "-m", "turmeric.cli", "run", "node_b.tm"], cwd=cwd,
                         env=dict(tm_env, NODE="B", MIGRATE_KEY="k3y", **env), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    line = b.stdout.readline()
    assert line.startswith("node B: listening on port "), (line, b.stderr.read() if b.poll() is not None else "")
    return b, int(line.split()[-1])


def run(tm_env, cwd, *args, **env):
    return subprocess.run([sys.executable, "-m", "turmeric.cli", "run", *args], cwd=cwd, env=dict(tm_env, **env),
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_a_half_finished_job_migrates_to_another_process(nodes, tm_env):
    """#11 item 4: the two-process migration prints the single-process result, task1 having
    run on A and task2, task3 on B."""
    single = run(tm_env, nodes, "single.tm")
    assert single.returncode == 0, single.stderr
    assert single.stdout.splitlines()[-1] == "result {:evens 5, :sum 220}"
    b, port = start_b(tm_env, nodes)
    try:
        a = run(tm_env, nodes, "node_a.tm", str(port), MIGRATE_KEY="k3y")
        out_b, err_b = b.communicate(timeout=60)
    finally:
        b.kill()
    assert a.returncode == 0, a.stderr
    assert b.returncode == 0, err_b
    assert a.stdout.splitlines()[0] == "task1 on A"
    assert "node A: node B says finished: {:evens 5, :sum 220}" in a.stdout
    assert out_b.splitlines() == ["task2 on B", "task3 on B", single.stdout.splitlines()[-1]]


def test_node_b_refuses_a_job_signed_with_another_key(nodes, tm_env):
    """#11 item 4: bytes from the network are not trusted: a payload not signed with B's key
    is a deserialize error in B (exit 65), no traceback, and A sees the connection end."""
    b, port = start_b(tm_env, nodes)
    try:
        a = run(tm_env, nodes, "node_a.tm", str(port), MIGRATE_KEY="another")
        out_b, err_b = b.communicate(timeout=60)
    finally:
        b.kill()
    assert b.returncode == 65 and "error[deserialize]" in err_b, err_b
    assert "Traceback" not in err_b and "Traceback" not in a.stderr
    assert a.returncode == 1 and "node B closed the connection without an answer" in a.stdout


def test_node_b_refuses_a_job_that_holds_a_socket(nodes, tm_env):
    """#11 item 4: even signed, a job that carries a socket (here A's own connection) is
    refused by :resources :refuse rather than connected to from B."""
    (nodes / "node_a_sock.tm").write_text(
        '(import job)\n'
        '(def conn (tcp-connect "127.0.0.1" (parse-long (first (command-line-args)))))\n'
        '(send-bytes conn (serialize [(job/start 3) conn] :key (getenv "MIGRATE_KEY")))\n'
        '(receive-bytes conn 60000)\n', encoding="utf-8")
    b, port = start_b(tm_env, nodes)
    try:
        a = run(tm_env, nodes, "node_a_sock.tm", str(port), MIGRATE_KEY="k3y")
        out_b, err_b = b.communicate(timeout=60)
    finally:
        b.kill()
    assert b.returncode == 65, err_b
    assert "the data holds a Socket, and resources are refused here" in err_b
    assert "Traceback" not in err_b + a.stderr
