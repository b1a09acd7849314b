"""Data: spans, the value types, equality, the printer, names and the user error type.
Everything else builds on this package, and it imports nothing of the others.

The value types' __eq__ and __repr__ are equality and printing, which are written against
the types; values.py imports them after its classes, so it is loaded first, here."""
from turmeric.data import values  # noqa: F401
