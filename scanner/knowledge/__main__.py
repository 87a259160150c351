"""``python -m scanner.knowledge [--check]``: validate the shipped rulesets and write (or
check) their stamps; see :mod:`scanner.knowledge.validated`."""

import sys

from scanner.knowledge.validated import main

sys.exit(main())
