"""Stage 4: IR -> CPS form (A-normal form with numbered call sites). See module.py."""
from turmeric.cps.module import lower

__all__ = ["lower"]
