"""Stage 5: CPS form -> Python source. See emit.py."""
from turmeric.codegen.emit import DEPTH_LIMIT, emit

__all__ = ["DEPTH_LIMIT", "emit"]
