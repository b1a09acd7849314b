"""Two processes that open one SQLite store while the other writes to it (two `turmeric
serve` processes sharing a store, each opening its page store at its first one-shot page)
both get the store. One was refused, about one run in five, with "X is not a Turmeric
workflow store: database is locked": `PRAGMA journal_mode = WAL` can answer that at once,
without SQLite's busy timeout (found by tests/test_web.py's two servers on one store). The
scenario is played ten times, each on a new store: without the retry, it fails in most runs."""
from __future__ import annotations

import threading
from pathlib import Path

from web_server import Client, serve_app, write_key_file

EX = Path(__file__).resolve().parent.parent / "examples" / "web"


def test_two_servers_opening_one_store_while_the_other_writes(tmp_path):
    keys = write_key_file(tmp_path / "keys")
    for attempt in range(10):
        store = tmp_path / f"shared{attempt}.db"
        with serve_app(EX / "checkout.tm", stateless=True, store=store, key_file=keys) as a, \
             serve_app(EX / "checkout.tm", stateless=True, store=store, key_file=keys) as b:
            pay = Client(a).get("/checkout").action
            results = []
            threads = [threading.Thread(target=lambda u=u: results.append(
                Client(u).post(pay, {"card": "4000000000000002", "amount": "5"}).status)) for u in [a, b] * 6]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            assert sorted(results) == [200] + [409] * 11, (attempt, results)
