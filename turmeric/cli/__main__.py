"""`python -m turmeric.cli`: the command line, as the `turmeric` script runs it."""
import sys

from turmeric.cli.main import main

sys.exit(main())
