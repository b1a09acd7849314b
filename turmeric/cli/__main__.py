"""`python -m turmeric.cli` and the `turmeric` console script: the command line, in a process
of its own."""
import gc
import sys


def script() -> int:
    """main() as a program: the garbage collector is off while the modules load and the core
    library is built, and on again (with what start-up made frozen) before the program runs
    (cli/main.py, resume_collection); a measured start-up win (#14)."""
    gc.disable()
    from turmeric.cli.main import main   # start-up: imported with the collector off
    return main(gc_paused=True)


if __name__ == "__main__":
    sys.exit(script())
