"""Typed errors raised by library code; only ``scanner.cli`` turns them into exit codes.

Exit code mapping (see README): InputError -> 3, RulesetError -> 4, UsageError -> 2.

An error names its message by catalog key and parameters (:mod:`scanner.messages`), so the
CLI says it in the user's language::

    raise InputError("err_no_such", path=str(path), what=msg("what_file"))

``str(error)`` is the English text (logs, stored error columns, tests); ``error.render(lang)``
the text in ``lang``. An error made from a plain string (``InputError(f"...")``) is shown as
written in every language: new code gives a key (a test lists the modules that still do not).
"""

from __future__ import annotations

from typing import Any

from scanner.messages import KEY, render


class AppauditError(Exception):
    """Base of every error the scanner raises on purpose.

    ``AppauditError("err_key", **params)`` when the first argument is a catalog key
    (``err_…``); else the argument is the message itself."""

    def __init__(self, message: str = "", /, **params: Any) -> None:
        self.key: str | None = message if (message.startswith("err_")
                                           and KEY.match(message)) else None
        self.params: dict[str, Any] = params
        super().__init__(message)

    def render(self, lang: str = "en") -> str:
        """The message in ``lang`` (one line)."""
        if self.key is None:
            return str(self.args[0]) if self.args else ""
        return render(self.key, self.params, lang)

    def message(self) -> dict[str, Any]:
        """The message as data: ``{"id", "params"}`` (``{"text"}`` for a plain message)."""
        if self.key is None:
            return {"text": self.render()}
        return {"id": self.key, "params": self.params}

    def __str__(self) -> str:
        return self.render("en")

    def __reduce__(self) -> tuple:
        # key and parameters survive pickling (batch workers hand errors to the parent)
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _rebuild(cls: type, args: tuple, state: dict[str, Any]) -> AppauditError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class InputError(AppauditError):
    """An input file cannot be analysed: missing, malformed, hostile or too large.

    The message is one line meant for the user, naming the file and the problem.
    """


class RulesetError(AppauditError):
    """The rulesets (rules, catalogues, knowledge data) are invalid or inconsistent."""


class UsageError(AppauditError):
    """The command was called with options that contradict each other."""
