"""Typed errors raised by library code; only ``scanner.cli`` turns them into exit codes.

Exit code mapping (see README): InputError -> 3, RulesetError -> 4.
"""

from __future__ import annotations


class AppauditError(Exception):
    """Base of every error the scanner raises on purpose."""


class InputError(AppauditError):
    """An input file cannot be analysed: missing, malformed, hostile or too large.

    The message is one line meant for the user, naming the file and the problem.
    """


class RulesetError(AppauditError):
    """The rulesets (rules, catalogues, knowledge data) are invalid or inconsistent."""


class UsageError(AppauditError):
    """The command was called with options that contradict each other."""
