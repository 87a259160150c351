"""click's usage errors and help framing in the user's language (issue 14).

click words its usage errors in English ("Error: No such option '--x'.", "Missing argument
'APK'.", "Invalid value for '--jobs': 'x' is not a valid integer range.") after a usage
block. appaudit says each as one line in the command's ``--lang`` (Chinese by default), the
same ``appaudit：错误：…`` line as its other errors, with the exit code click gives (2):
:func:`usage_line` reads the exception's parts (the option or argument, the value, the
choices) into a catalog message. What click words beyond these kinds is quoted as click says
it, inside the message (third-party wording).

The help pages' framing (``Usage:``, ``Options``, ``Commands``, the help and version
options' own help) comes from the catalogs through :class:`HelpFormatter`; the command and
option help texts themselves are written in the commands' docstrings and ``help=``.
"""

from __future__ import annotations

import re
from typing import Any

import click
from click import exceptions as x

from scanner.messages import display_width, msg, render

#: how click's parameter types word a bad value (click 8.x) → catalog key of the reason
_REASONS = (
    (re.compile(r"(?P<value>.+) is not one of (?P<choices>.+)\.", re.S), "usage_not_one_of"),
    (re.compile(r"(?P<value>.+) is not (?P<choices>'[^']*')\.", re.S), "usage_not_one_of"),
    (re.compile(r"(?P<value>.+) is not a valid (?:integer|integer range)\.", re.S),
     "usage_not_integer"),
    (re.compile(r"(?P<value>.+) is not a valid (?:float|float range)\.", re.S),
     "usage_not_number"),
    (re.compile(r"(?P<value>.+) is not in the range (?P<range>.+)\.", re.S),
     "usage_not_in_range"),
    (re.compile(r"(?P<value>.+) is not a valid boolean\..*", re.S), "usage_not_boolean"),
    (re.compile(r"(?:File|Directory|Path) (?P<value>.+) does not exist\.", re.S),
     "usage_path_missing"),
    (re.compile(r"(?:File|Directory|Path) (?P<value>.+) is a file\.", re.S),
     "usage_path_is_file"),
    (re.compile(r"(?:File|Directory|Path) (?P<value>.+) is a directory\.", re.S),
     "usage_path_is_folder"),
    (re.compile(r"(?:File|Directory|Path) (?P<value>.+) is not (?:readable|writable)\.",
                re.S), "usage_path_no_access"),
)
#: how click words the other usage errors → catalog key
_OTHERS = (
    (re.compile(r"Option (?P<name>'[^']*') requires an argument\."), "usage_needs_value"),
    (re.compile(r"Option (?P<name>'[^']*') requires (?P<n>\d+) arguments\."),
     "usage_needs_values"),
    (re.compile(r"Option (?P<name>'[^']*') does not take a value\."), "usage_takes_no_value"),
    (re.compile(r"Got unexpected extra arguments? \((?P<args>.*)\)", re.S), "usage_extra_args"),
    (re.compile(r"No such command (?P<name>'[^']*')\.(?: Did you mean (?P<names>.+)\?)?",
                re.S), "usage_no_such_command"),
    (re.compile(r"Missing command\."), "usage_missing_command"),
)


class SaidError(click.ClickException):
    """A usage error already said in the user's language: shown as its one line."""

    def __init__(self, line: str, exit_code: int) -> None:
        super().__init__(line)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


def passes_through(error: click.ClickException) -> bool:
    """Errors click shows as they are: said already, or the help page of a group run
    without a command (``appaudit rules``)."""
    no_args = getattr(x, "NoArgsIsHelpError", ())
    return isinstance(error, SaidError) or (bool(no_args) and isinstance(error, no_args))


def usage_line(error: click.ClickException, lang: str, command: str = "appaudit") -> str:
    """``error`` as the ``appaudit：错误：…`` line in ``lang``; ``command``: the command
    whose help to point to when the error does not name it."""
    message = usage_message(error)
    command = getattr(getattr(error, "ctx", None), "command_path", "") or command
    return render("err_line", {"message": msg("err_usage", message=message,
                                                  command=command)}, lang)


def usage_message(error: click.ClickException) -> dict[str, Any]:
    """What a click exception says, as a message (scanner.messages)."""
    if isinstance(error, x.NoSuchOption):
        m = msg("usage_no_such_option", name=_quoted(error.option_name))
        if error.possibilities:
            m = msg("usage_did_you_mean", message=m,
                    names=[_quoted(p) for p in sorted(error.possibilities)])
        return m
    if isinstance(error, x.MissingParameter):
        kind = error.param_type or (error.param.param_type_name if error.param else "")
        key = {"argument": "usage_missing_argument",
               "option": "usage_missing_option"}.get(kind, "usage_missing_parameter")
        return msg(key, name=_hint(error))
    if isinstance(error, x.BadParameter):
        return msg("usage_bad_value", name=_hint(error), reason=_reason(error.message))
    text = error.format_message()
    for pattern, key in _OTHERS:
        m = pattern.fullmatch(text.strip())
        if m:
            params = {k: v for k, v in m.groupdict().items() if k != "names"}
            if m.groupdict().get("names"):  # click's suggestion: "Did you mean 'show'?"
                return msg("usage_did_you_mean", message=msg(key, **params),
                           names=m["names"])
            return msg(key, **params)
    return msg("usage_click_says", detail=text)


def _reason(text: str) -> dict[str, Any]:
    for pattern, key in _REASONS:
        m = pattern.fullmatch(text.strip())
        if m:
            return msg(key, **m.groupdict())
    return msg("usage_click_says", detail=text)


def _hint(error: x.BadParameter) -> Any:
    if error.param_hint is None and isinstance(error.param, click.Argument) and error.ctx:
        from scanner.cli.helptext import metavar  # an argument by its name in each language

        return {lang: f"'{metavar(error.param, error.ctx, lang)}'" for lang in ("zh", "en")}
    if error.param_hint is not None:
        hint = error.param_hint
        return " / ".join(_quoted(h) for h in hint) if not isinstance(hint, str) else hint
    if error.param is not None:
        return error.param.get_error_hint(error.ctx)  # type: ignore[arg-type]
    return ""


def _quoted(name: str) -> str:
    return name if name.startswith("'") else f"'{name}'"


class HelpFormatter(click.HelpFormatter):
    """click's help formatter with its framing (usage prefix, section headings, the help
    and version options' help) from the catalogs in ``lang``, and its columns measured in
    display columns (a CJK character takes two) with Chinese lines broken between
    characters (click measures characters and breaks at spaces only)."""

    #: what click writes → catalog key
    TEXTS = {"Options": "help_options", "Commands": "help_commands",
             "Arguments": "help_arguments",
             "Show this message and exit.": "help_help",
             "Show the version and exit.": "help_version"}

    def __init__(self, lang: str = "zh", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lang = lang

    def _t(self, text: str) -> str:
        key = self.TEXTS.get(text)
        return render(key, {}, self.lang) if key else text

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = render("help_usage", {}, self.lang)
        head = f"{prefix:>{self.current_indent}}{prog}"
        if not args:
            self.write(head + "\n")
            return
        indent = display_width(head) + 1
        if self.width - indent < 20:
            indent = self.current_indent + 4
            self.write(head + "\n")
            head = ""
        lines = wrap(args, self.width - indent)
        self.write((head + " " if head else " " * indent) + lines[0] + "\n")
        for line in lines[1:]:
            self.write(" " * indent + line + "\n")

    def write_heading(self, heading: str) -> None:
        colon = render("colon", {}, self.lang).rstrip()
        self.write(f"{'':>{self.current_indent}}{self._t(heading)}{colon}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for i, para in enumerate(p for p in re.split(r"\n\s*\n", text.strip()) if p):
            if i:
                self.write("\n")
            for line in wrap(" ".join(para.split()), self.width - self.current_indent):
                self.write(indent + line + "\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(a, self._t(b)) for a, b in rows]
        first_col = min(max((display_width(a) for a, _ in rows), default=0),
                        col_max) + col_spacing
        for first, second in rows:
            self.write(" " * self.current_indent + first)
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap(" ".join(second.split()), max(self.width - first_col - 2, 10))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(" " * (first_col + self.current_indent) + line + "\n")


#: a piece a line may end after: a Latin word with the spaces after it, or one CJK
#: character (with the closing punctuation that must not begin a line)
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CLOSING = "，。；：、）」』！？”’》"
_PIECE = re.compile(r"\[[^\[\]\n]{1,40}\]\s*|"  # click's "[default: …]" stays whole
                    f"[{_WIDE}][{_CLOSING}]*\\s*|[^\\s{_WIDE}]+[{_CLOSING}]*\\s*|\\s+")


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` display columns, broken at spaces and between
    CJK characters (never before a closing punctuation mark); a word longer than a line
    stands alone on its line."""
    lines, line = [], ""
    for piece in _PIECE.findall(text):
        if line and display_width((line + piece).rstrip()) > width:
            lines.append(line.rstrip())
            line = piece.lstrip()
        else:
            line += piece
    lines.append(line.rstrip())
    return lines
