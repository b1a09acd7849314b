"""The workflows' clock: the wall clock plus an offset kept in the store.

Timers (workflow/sleep, workflow/sleep-until) are due on this clock. The offset is a row of
the store, so every process that shares the store sees the same time; tests and
`turmeric workflow clock --advance SECONDS` (or `turmeric worker --skip-time`, which jumps to
the next timer when nothing else can run, as Temporal's time-skipping test server does) move
it ahead, so that "wait 30 days" runs in milliseconds. Leases are on the wall clock: skipping
time never takes a workflow from a live runner."""
from __future__ import annotations

import time


class Clock:
    def __init__(self, store):
        self.store = store

    def now(self) -> float:
        return time.time() + self.store.clock_offset()

    def advance(self, seconds: float) -> float:
        return self.store.advance_clock(seconds)
