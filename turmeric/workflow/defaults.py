"""The workflow store's statuses and the default lease, shared by the engine, the store and the
command line."""

STATUSES = ("running", "parked", "done", "failed", "cancelled")
DEFAULT_LEASE = 30.0   # seconds a runner holds a workflow before another may take it
