"""Random numbers from a generator that is a value: random-generator and the %-builtins that
stdlib/core.tm's rand, rand-int, rand-nth, shuffle and set-random-seed! are written with.

A generator is a small mutable cell (like a ref): SplitMix64 (the generator of Java's
SplittableRandom), whose whole state is one 64-bit integer, so it serializes as a resource
token {:type "random-generator" :state N} and a continuation that holds one resumes drawing
exactly the numbers the original run would have drawn. It is not for cryptography.

The session's default generator, which rand & co use when they are given none, is a global
of the core module (stdlib/core.tm's %random), seeded from the operating system's entropy
when the session starts. No frame holds it, so the checkpoint macro keeps its state (an
integer, %random-state) live in the saved frame and sets it again after its shift
(%set-random-state!): a run resumed from a checkpoint draws what the original run drew.
"""
from __future__ import annotations

import os
from typing import Callable

from turmeric.data.types import short_pr, type_error, value_error
from turmeric.data.values import Keyword, PMap, vector
from turmeric.runtime.builtins.args import int_arg, num_arg
from turmeric.runtime.builtins.seqs import items

_MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_UNIT = 2.0 ** -53


class RandomGenerator:
    """A SplitMix64 generator; `state` is its one 64-bit word. Equal only to itself."""
    __slots__ = ("state",)
    turmeric_type = "random-generator"

    def __init__(self, state: int):
        self.state = state & _MASK

    def next64(self) -> int:
        self.state = z = (self.state + _GAMMA) & _MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def unit(self) -> float:
        """A float in [0, 1), with 53 random bits."""
        return (self.next64() >> 11) * _UNIT

    def below(self, n: int) -> int:
        """An integer in [0, n), every one equally likely (n > 0; any size)."""
        bits = n.bit_length()
        words = (bits + 63) // 64
        while True:
            r = 0
            for _ in range(words):
                r = (r << 64) | self.next64()
            r >>= words * 64 - bits
            if r < n:
                return r

    def __repr__(self):
        return "#<random-generator>"

    def tm_marshal(self):
        return PMap({Keyword("type"): "random-generator", Keyword("state"): self.state})

    @staticmethod
    def unmarshal(token) -> "RandomGenerator":
        state = token.get(Keyword("state")) if type(token) is PMap else None
        if type(state) is not int or not 0 <= state <= _MASK:
            raise ValueError("a random-generator token holds its state, a 64-bit integer")
        return RandomGenerator(state)


def _generator(name: str, g) -> RandomGenerator:
    if type(g) is not RandomGenerator:
        raise type_error(name, "a random generator", g)
    return g


def _entropy() -> int:
    return int.from_bytes(os.urandom(8), "little")


def random_generator(seed=None):
    """(random-generator) seeded from the operating system; (random-generator seed) from an
    integer seed (the same seed, the same numbers)."""
    if seed is None:
        return RandomGenerator(_entropy())
    return RandomGenerator(int_arg("random-generator", seed))


def is_random_generator(x):
    return type(x) is RandomGenerator


def rand(g, n=1.0):
    """A float in [0, n) (n a number; a float result even for an integer n)."""
    _generator("rand", g)
    num_arg("rand", n)
    return g.unit() * n


def rand_int(g, n):
    """An integer in [0, n) (n a positive integer)."""
    _generator("rand-int", g)
    int_arg("rand-int", n)
    if n <= 0:
        raise value_error("rand-int", f"expected a positive bound, got {short_pr(n)}")
    return g.below(n)


def rand_nth(g, coll):
    """A random item of coll (not empty)."""
    _generator("rand-nth", g)
    xs = items("rand-nth", coll)
    if not isinstance(xs, (list, tuple, str, bytes)) and not hasattr(xs, "__getitem__"):
        xs = list(xs)
    n = len(xs)
    if n == 0:
        raise value_error("rand-nth", "the collection is empty")
    return xs[g.below(n)]


def shuffle(g, coll):
    """The items of coll as a vector in a random order (Fisher-Yates)."""
    _generator("shuffle", g)
    xs = list(items("shuffle", coll))
    for i in range(len(xs) - 1, 0, -1):
        j = g.below(i + 1)
        xs[i], xs[j] = xs[j], xs[i]
    return vector(xs)


def reseed(g, seed=None):
    """Sets g's state as (random-generator seed) would make it (from entropy for nil)."""
    _generator("set-random-seed!", g)
    g.state = _entropy() if seed is None else int_arg("set-random-seed!", seed) & _MASK
    return None


def random_state(g) -> int:
    """The state of g (the checkpoint macro saves the default generator's this way)."""
    return _generator("%random-state", g).state


def set_random_state(g, state):
    """Sets g's state to one %random-state gave."""
    _generator("%set-random-state!", g)
    g.state = int_arg("%set-random-state!", state) & _MASK
    return None


BUILTINS: dict[str, Callable] = {
    "random-generator": random_generator, "random-generator?": is_random_generator,
    "%rand": rand, "%rand-int": rand_int, "%rand-nth": rand_nth, "%shuffle": shuffle,
    "%reseed!": reseed, "%random-state": random_state, "%set-random-state!": set_random_state,
}
