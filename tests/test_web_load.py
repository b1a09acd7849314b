"""A bounded load test of `turmeric serve` (#12 item 5): 50 concurrent clients on loopback play
the guessing game to the end, in both token modes, a few thousand requests in all; every
game must end with the right answer (the number its seed picked, in as many guesses as the
client made), and no request may fail. Requests per second and the p99 latency are printed
(pytest -s) and checked against loose bounds that only a broken server misses."""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest

from web_server import Client, serve_app

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "examples" / "web" / "guess.tm"
CLIENTS = 50
GAMES = 4          # per client: about 50 * 4 * 7 = 1,400 requests per mode


def play(c: Client, seed: int, latencies: list) -> tuple[int, int]:
    def req(method, path, form=None):
        t = time.perf_counter()
        r = c.request(method, path, form=form)
        latencies.append(time.perf_counter() - t)
        assert r.status == 200, (r.status, r.body[:300])
        return r
    r = req("GET", f"/?seed={seed}")
    lo, hi, tries = 1, 100, 0
    while True:
        mid = (lo + hi) // 2
        r = req("POST", r.action, {"n": str(mid)})
        tries += 1
        msg = r.text("message")
        if msg == f"{mid} is too low.":
            lo = mid + 1
        elif msg == f"{mid} is too high.":
            hi = mid - 1
        else:
            m = re.fullmatch(r"You got it: (\d+), in (\d+) guess(es)?\.", r.text("result") or "")
            assert m and int(m.group(1)) == mid and int(m.group(2)) == tries, r.body
            return mid, tries
        assert lo <= hi and tries <= 7, r.body


@pytest.mark.parametrize("mode", ["stateful", "stateless"])
def test_fifty_concurrent_clients_finish_every_game(mode):
    """#12 item 5: 50 clients x 4 games, each answer checked; the same seed gives the same
    number whichever client, thread or order played it."""
    with serve_app(APP, stateless=mode == "stateless", extra=["--quiet"]) as url:
        latencies: list[float] = []
        results: dict[int, set] = {}
        errors: list = []
        lock = threading.Lock()

        def client(i):
            c = Client(url)
            try:
                for g in range(GAMES):
                    seed = (i * GAMES + g) % 60          # seeds repeat across clients
                    number, _ = play(c, seed, latencies)
                    with lock:
                        results.setdefault(seed, set()).add(number)
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(repr(e)[:500])
            finally:
                c.close()

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        wall = time.perf_counter() - t0
        assert not errors, errors[:3]
        assert sum(len(v) for v in results.values()) == len(results) == 60   # one number per seed
        assert all(1 <= n <= 100 for v in results.values() for n in v)
        latencies.sort()
        n = len(latencies)
        rps = n / wall
        p99 = latencies[int(0.99 * (n - 1))]
        print(f"\n{mode}: {n} requests by {CLIENTS} clients in {wall:.1f} s: {rps:.0f} requests/s, "
              f"p50 {1000 * latencies[n // 2]:.1f} ms, p99 {1000 * p99:.1f} ms")
        assert n >= 1000
        assert rps > 20 and p99 < 10.0
