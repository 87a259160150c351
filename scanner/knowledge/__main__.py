"""``python -m scanner.knowledge [--check]``: validate the shipped rulesets and write (or
check) their stamps; see :mod:`scanner.stamps`."""

import sys

from scanner.stamps import main

sys.exit(main())
